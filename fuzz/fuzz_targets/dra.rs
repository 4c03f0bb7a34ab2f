//! The DRA manager's checkpoint (dra-v1..v8):
//! every kind stored as `dra_manager_state`, judged on the input bytes (the
//! properties are in `kubelet_ckpt_fuzz`, fuzz/src/lib.rs).
#![no_main]

use kubelet_ckpt_fuzz::Family;
use libfuzzer_sys::fuzz_target;

static FAMILY: Family = Family::new("dra", &["dra_manager_state"]);

fuzz_target!(|data: &[u8]| FAMILY.check(data));

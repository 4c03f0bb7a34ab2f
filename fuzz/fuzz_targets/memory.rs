//! The memory manager's checkpoint (memory, memory-v2, memory-v3):
//! every kind stored as `memory_manager_state`, judged on the input bytes (the
//! properties are in `kubelet_ckpt_fuzz`, fuzz/src/lib.rs).
#![no_main]

use kubelet_ckpt_fuzz::Family;
use libfuzzer_sys::fuzz_target;

static FAMILY: Family = Family::new("memory", &["memory_manager_state"]);

fuzz_target!(|data: &[u8]| FAMILY.check(data));

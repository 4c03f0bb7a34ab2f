//! The device manager's checkpoint (device-v1, device-v2):
//! every kind stored as `device-plugins/kubelet_internal_checkpoint`, judged on the input bytes (the
//! properties are in `kubelet_ckpt_fuzz`, fuzz/src/lib.rs).
#![no_main]

use kubelet_ckpt_fuzz::Family;
use libfuzzer_sys::fuzz_target;

static FAMILY: Family = Family::new("device", &["device-plugins/kubelet_internal_checkpoint"]);

fuzz_target!(|data: &[u8]| FAMILY.check(data));

//! The human document reader of `convert` and `edit` (YAML/JSON) on any bytes.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::human`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::human(data));

//! `salvage::diagnose` and `salvage::recover` on arbitrary bytes, against serde_json.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::salvage`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::salvage(data));

//! `formats::releases::verify` for the release-table row the first two bytes pick.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::release`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::release(data));

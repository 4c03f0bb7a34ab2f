//! `formats::identify::identify` and `ops::verify::judge`, with a path (and a
//! release) taken from the first bytes.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::identify`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::identify(data));

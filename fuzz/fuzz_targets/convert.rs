//! `ops::convert::convert` from a chosen kind to another kind, a release's shape
//! or the human document (and back): outputs re-verify.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::convert`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::convert(data));

//! One shape per input, the cheapest properties: the first byte picks the kind,
//! one verify, and only on an ok verdict determinism and the canonical round trip.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::kind_fast`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::kind_fast(data));

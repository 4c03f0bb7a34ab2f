//! One shape per input: the first byte picks the kind from the registry;
//! verify + canonical round trip (`kubelet_ckpt_fuzz::check_round_trip`).
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::kind`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::kind(data));

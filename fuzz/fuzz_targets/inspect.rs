//! `formats::state::lift`, `ops::inspect::warnings` and the state's JSON/YAML
//! for the kind the first byte picks.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::inspect`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::inspect(data));

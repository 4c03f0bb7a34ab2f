//! `ops::repair::plan` on any bytes under a chosen kubelet path and release:
//! a clear refusal, or a plan whose output the target release reads as ok.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::repair`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::repair(data));

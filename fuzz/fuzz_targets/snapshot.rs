//! `fs::snapshot::Snapshot::from_reader` over tar / gzip / zstd with small limits.
//! The properties are in fuzz/src/lib.rs (`kubelet_ckpt_fuzz::snapshot`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::snapshot(data));

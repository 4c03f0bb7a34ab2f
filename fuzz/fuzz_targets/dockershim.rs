//! dockershim's sandbox checkpoints (dockershim-v0, -v0a, -v1, -v2).
//! Each input is judged as every kind of the family; the properties are
//! in fuzz/src/lib.rs, the family is `kubelet_ckpt_fuzz::DOCKERSHIM`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::DOCKERSHIM.check(data));

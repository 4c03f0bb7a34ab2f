//! The CPU manager's checkpoint (cpu-file, cpu-v1..v4).
//! Each input is judged as every kind of the family; the properties are
//! in fuzz/src/lib.rs, the family is `kubelet_ckpt_fuzz::CPU`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::CPU.check(data));

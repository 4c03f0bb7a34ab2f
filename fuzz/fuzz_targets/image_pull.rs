//! The image-pull records (intent, pulled, preloaded; v1alpha1, v1beta1).
//! Each input is judged as every kind of the family; the properties are
//! in fuzz/src/lib.rs, the family is `kubelet_ckpt_fuzz::IMAGE_PULL`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::IMAGE_PULL.check(data));

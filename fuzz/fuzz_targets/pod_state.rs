//! The pod resize / allocation state files (podstatus-*, allocated-*,
//! actuated-*). Each input is judged as every kind of the family; the
//! properties (and the documented podstatus-v1 and too-expensive-quantity
//! exemptions) are in fuzz/src/lib.rs, the family is
//! `kubelet_ckpt_fuzz::POD_STATE`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubelet_ckpt_fuzz::POD_STATE.check(data));

//! `cpuset::parse` on arbitrary text: never panics, and a parsed set
//! survives `Display` then `parse` unchanged (except where the range cap
//! legitimately refuses the merged runs).
#![no_main]

use kubelet_ckpt::go::cpuset::{CpuSet, CpuSetError, MAX_RANGE_SPAN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(set) = CpuSet::parse(&text) else {
        return;
    };
    let shown = set.to_string();
    match CpuSet::parse(&shown) {
        Ok(again) => {
            assert_eq!(
                again, set,
                "parse(display) changed the set: {text:?} -> {shown:?}"
            );
            assert_eq!(again.to_string(), shown, "display is not canonical");
        }
        // Items that each fit the cap can merge into a run that does not
        // (`0-1048576,1048577-1048580`), and a run may end at i64::MAX.
        Err(CpuSetError::TooLarge { .. }) => assert!(
            set.ranges()
                .iter()
                .any(
                    |&(a, b)| i128::from(b) - i128::from(a) > i128::from(MAX_RANGE_SPAN)
                        || (b == i64::MAX && a < b)
                ),
            "canonical text refused although no run is too large: {shown:?}"
        ),
        Err(e) => panic!("canonical text {shown:?} of {text:?} does not parse: {e}"),
    }
    // Parsed ids are never negative: `-` always starts a range.
    assert!(set.ranges().first().is_none_or(|&(a, _)| a >= 0));
});

//! Claims of the spec (kubelet-files-pod-state-and-others.md §1–§5) checked
//! directly, without the oracle. Expected values are the spec's.

use kubelet_ckpt::formats::{kind, Verdict, VerifyOptions};

fn verify(name: &str, bytes: &[u8]) -> kubelet_ckpt::formats::Verification {
    kind(name).unwrap().verify(bytes, &VerifyOptions::default())
}

#[test]
fn podstatus_v1_rewrite_of_a_valid_file_is_corrupt() {
    // §2.1: 1000m verifies (checksum of i{1000,-3}), is rewritten as "1",
    // and the rewritten file hashes i{1,0} s="1" to 1081321620.
    let input = br#"{"allocationEntries":{"p":{"c":{"cpu":"1000m"}}},"checksum":247542145}"#;
    assert_eq!(verify("podstatus-v1", input).verdict, Verdict::Ok);
    let canon = kind("podstatus-v1").unwrap().canonical(input).unwrap();
    assert_eq!(
        canon,
        br#"{"allocationEntries":{"p":{"c":{"cpu":"1"}}},"checksum":247542145}"#
    );
    let v = verify("podstatus-v1", &canon);
    assert_eq!(v.verdict, Verdict::Corrupt);
    assert_eq!(v.computed_checksum, Some(1081321620));
}

#[test]
fn podstatus_v1_empty_state() {
    assert_eq!(
        verify("podstatus-v1", br#"{"checksum":670531192}"#).verdict,
        Verdict::Ok
    );
}

#[test]
fn podstatus_v1_spec_example_text() {
    // §2.1: 64Mi is not cached; its spew text.
    let input = br#"{"allocationEntries":{"p":{"c":{"memory":"64Mi"}}},"checksum":0}"#;
    let mut out = Vec::new();
    kind("podstatus-v1")
        .unwrap()
        .explain(input, &mut out)
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("(*state.PodResourceAllocationCheckpoint){AllocationEntries:(map[string]map[string]v1.ResourceList)map["));
    assert!(text.contains("memory:{i:(resource.int64Amount){value:(int64)67108864 scale:(resource.Scale)0} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string) Format:(resource.Format)BinarySI}"), "{text}");
}

#[test]
fn upgrade_131_to_132_reads_as_corrupt() {
    // §2.2: a v1 file has no data; FNV-32a("(string)") = 441364273.
    let v = verify(
        "podstatus-v3",
        br#"{"allocationEntries":{"p":{"c":{"cpu":"100m"}}},"checksum":1446773535}"#,
    );
    assert_eq!(v.verdict, Verdict::Corrupt);
    assert_eq!(v.computed_checksum, Some(441364273));
    assert_eq!(
        v.message,
        "checkpoint is corrupted (stored checksum 1446773535, computed 441364273)"
    );
    // ...and one whose checksum happens to match fails decoding the empty payload.
    let v = verify("podstatus-v3", br#"{"checksum":441364273}"#);
    assert_eq!(v.verdict, Verdict::InvalidJson);
    assert_eq!(
        v.message,
        "failed to get pod resource allocation info: unexpected end of JSON input"
    );
}

#[test]
fn data_checksum_vectors() {
    // §1: "(string){}" hashes to 694314937.
    let info = kind("allocated-v4")
        .unwrap()
        .checksum(br#"{"data":"{}","checksum":0}"#)
        .unwrap();
    assert_eq!(info.computed, 694314937);
    // Cross-version reads are silent: v2+ ignores allocationEntries.
    let f = br#"{"data":"{}","checksum":694314937}"#;
    assert_eq!(verify("allocated-v1", f).verdict, Verdict::Ok);
}

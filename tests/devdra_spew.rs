//! The hashed text of hand-built device/DRA values equals the oracle's
//! `dump` of the same state (golden `.dump` files, produced by Go). Runs
//! without the JSON reader: the values are built in Rust, so these tests
//! pin the type declarations (names, field order, pointer-ness) and the
//! rename tricks on their own.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use kubelet_ckpt::formats::device::{CheckpointDataV1, DataV1, PodDevicesEntryV1};
use kubelet_ckpt::formats::dra::types::{v2, v4};
use kubelet_ckpt::formats::gotypes::{Checksum, StringSet, Uid};
use kubelet_ckpt::formats::kind;
use kubelet_ckpt::go::Bytes;

fn golden(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text<T: kubelet_ckpt::go::GoType>(v: &T, ptr: bool) -> String {
    let mut out = Vec::new();
    if ptr {
        kubelet_ckpt::formats::resmgr::render_own_ptr(v, &mut out);
    } else {
        kubelet_ckpt::formats::resmgr::render_value(v, &mut out);
    }
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn device_v2_prefilled_value_hashes_as_oracle_says() {
    let cp = kubelet_ckpt::formats::device::Data::prefilled();
    assert_eq!(
        text(&cp.data, false),
        golden("device-v2/entries-absent.dump")
    );
}

/// The V1 rename: first `checkpointDataV1` only, every `PodDevicesEntryV1`
/// (user strings included).
#[test]
fn device_v1_rename_hits_user_strings_like_go() {
    let cp = DataV1 {
        data: CheckpointDataV1 {
            pod_device_entries: Some(vec![PodDevicesEntryV1 {
                pod_uid: "PodDevicesEntryV1".into(),
                container_name: "checkpointDataV1".into(),
                resource_name: "xPodDevicesEntryV1PodDevicesEntryV1".into(),
                device_ids: Some(vec![
                    "PodDevicesEntryV".into(),
                    "PodDevicesEntryV1V1".into(),
                ]),
                alloc_resp: Bytes(Some(vec![1])),
            }]),
            registered_devices: Some(BTreeMap::from([(
                "PodDevicesEntryV1".to_string(),
                Some(vec!["checkpointDataV1".to_string()]),
            )])),
        },
        checksum: Checksum(0),
    };
    // The kind's own renaming renderer, fed a value instead of file bytes.
    let mut out = Vec::new();
    kubelet_ckpt::formats::device::explain_v1_value(&cp, &mut out);
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        golden("device-v1/rename-in-user-strings.dump")
    );
    assert!(kind("device-v1").is_some());
}

#[test]
fn dra_v4_nil_handles_and_nil_pod_set() {
    let cp = v4::DraManagerCheckpoint {
        version: "v1".into(),
        entries: v4::ClaimInfoStateList(Some(vec![v4::ClaimInfoState {
            driver_name: "d".into(),
            class_name: String::new(),
            claim_uid: Uid::default(),
            claim_name: String::new(),
            namespace: String::new(),
            pod_uids: StringSet(None),
            resource_handles: None,
            cdi_devices: Some(BTreeMap::from([(
                "d".to_string(),
                Some(vec!["a".to_string()]),
            )])),
        }])),
        checksum: Checksum(0),
    };
    assert_eq!(text(&cp, true), golden("dra-v4/handles-null.dump"));
}

#[test]
fn dra_v2_prefilled_value_hashes_as_oracle_says() {
    use kubelet_ckpt::formats::dra::types::Envelope;
    let cp = v2::DraManagerCheckpoint::prefilled();
    assert_eq!(text(&cp, true), golden("dra-v2/entries-absent.dump"));
}

/// dra-v1 is not in the Go reference: the expected text is derived by hand
/// from go-spew's rules (go-spew-hash.md §2-§8) for the 1.26 layout the spec
/// documents: pointer top value, `sets.String`, `CdiDevices []string`.
#[test]
fn dra_v1_text_hand_derived() {
    use kubelet_ckpt::formats::dra::types::v1;
    use kubelet_ckpt::formats::gotypes::{LegacyStringSet, SetEmpty};
    let cp = v1::DraManagerCheckpoint {
        version: "v1".into(),
        entries: v1::ClaimInfoStateList(Some(vec![v1::ClaimInfoState {
            driver_name: "d".into(),
            class_name: "c".into(),
            claim_uid: Uid("u".into()),
            claim_name: "n".into(),
            namespace: "ns".into(),
            pod_uids: LegacyStringSet(Some(BTreeMap::from([("p".to_string(), SetEmpty {})]))),
            cdi_devices: Some(vec!["x".into(), "y".into()]),
        }])),
        checksum: Checksum(0),
    };
    assert_eq!(
        text(&cp, true),
        "(*state.DRAManagerCheckpoint){Version:(string)v1 Entries:(state.ClaimInfoStateList)[{DriverName:(string)d ClassName:(string)c ClaimUID:(types.UID)u ClaimName:(string)n Namespace:(string)ns PodUIDs:(sets.String)map[p:{}] CdiDevices:([]string)[x y]}] Checksum:(checksum.Checksum)0}"
    );
}

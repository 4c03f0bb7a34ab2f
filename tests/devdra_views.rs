//! The typed read-outs (devices per resource/NUMA/container, DRA claims per
//! pod) on golden inputs the oracle accepted, with hand-derived
//! expectations; the dra-v1 verdicts (not in the oracle) on hand-derived
//! files; and no panics on arbitrary bytes.

use std::fs;
use std::path::Path;

use kubelet_ckpt::formats::device::{self, DeviceView};
use kubelet_ckpt::formats::dra::{self, DraView};
use kubelet_ckpt::formats::{kind, Verdict};
use proptest::prelude::*;

fn golden(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel);
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn devices_per_resource_numa_and_container() {
    // {"10":["a"],"-1":["b"],"2":["c"],"+3":["d"],"-10":[]} for (p, c) of r.
    let cp = device::read_v2(&golden("device-v2/numa-keys-sort.json")).expect("oracle said ok");
    let by = cp.devices_by_resource();
    let r = &by["r"];
    let ids: Vec<(i64, Vec<&str>)> = r
        .iter()
        .map(|(n, m)| (*n, m[&("p", "c")].clone()))
        .collect();
    assert_eq!(
        ids,
        vec![
            (-10, vec![]),
            (-1, vec!["b"]),
            (2, vec!["c"]),
            (3, vec!["d"]),
            (10, vec!["a"])
        ]
    );
    let reg = cp.registered_devices();
    assert_eq!(reg["r"], vec!["a", "b", "c", "d"]);
    assert_eq!(reg["R"], Vec::<&str>::new());
}

#[test]
fn v1_devices_land_on_numa_node_zero() {
    let cp = device::read_v1(&golden("device-v1/device-ids-null.json")).expect("oracle said ok");
    let a = cp.allocations();
    assert_eq!(a.len(), 2);
    assert!(a
        .iter()
        .all(|x| x.numa_node == 0 && x.device_ids.is_empty()));
    assert_eq!(a[0].pod_uid, "p");
    let latest = cp.to_latest();
    assert_eq!(latest.allocations().len(), 2);
}

#[test]
fn dra_claims_per_pod_and_driver() {
    let cp = dra::read_v2(&golden("dra-v2/pods-null-cdi-null.json")).expect("oracle said ok");
    let claims = cp.claims();
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0].claim_name, "n");
    assert!(claims[0].pod_uids.is_empty() && claims[0].drivers.is_empty());
    assert_eq!(claims[1].drivers.get("d").map(Vec::len), Some(0));
    assert!(cp.claims_by_pod().is_empty());

    let d = dra::read_v8(&golden("dra-v8/share-id.json")).expect("oracle said ok");
    let c = d.claims();
    let devs = &c[0].drivers["d"];
    let shares: Vec<Option<&str>> = devs.iter().map(|x| x.share_id.as_deref()).collect();
    assert_eq!(shares, vec![Some("s-1"), None, Some("")]);
    assert_eq!(devs[0].pool_name.as_deref(), Some("p"));

    let d = dra::read_v6(&golden("dra-v6/data-minimal.json")).expect("oracle said ok");
    let by_pod = d.claims_by_pod();
    assert_eq!(by_pod.keys().collect::<Vec<_>>(), vec!["p"]);
    assert_eq!(by_pod["p"][0].claim_uid, "u");
    assert_eq!(
        by_pod["p"][0].drivers["d"][0].device_name.as_deref(),
        Some("g")
    );
}

/// dra-v1 has no oracle: the file's checksum is FNV-32a of the text derived
/// by hand from go-spew's rules for the documented 1.26 layout.
#[test]
fn dra_v1_verdicts_say_unverified() {
    let text = "(*state.DRAManagerCheckpoint){Version:(string)v1 Entries:(state.ClaimInfoStateList)[{DriverName:(string)d ClassName:(string)c ClaimUID:(types.UID)u ClaimName:(string)n Namespace:(string)ns PodUIDs:(sets.String)map[p:{}] CdiDevices:([]string)[x y]}] Checksum:(checksum.Checksum)0}";
    let sum = kubelet_ckpt::go::fnv::fnv32a(text.as_bytes());
    let file = format!(
        r#"{{"version":"v1","entries":[{{"DriverName":"d","ClassName":"c","ClaimUID":"u","ClaimName":"n","Namespace":"ns","PodUIDs":{{"p":{{}}}},"CdiDevices":["x","y"]}}],"checksum":{sum}}}"#
    );
    let k = kind("dra-v1").expect("registered");
    let v = k.verify(file.as_bytes(), &Default::default());
    assert_eq!(v.verdict, Verdict::Ok, "{}", v.message);
    assert!(v.message.contains("unverified"), "{}", v.message);
    let mut out = Vec::new();
    k.explain(file.as_bytes(), &mut out).expect("explain");
    assert_eq!(String::from_utf8(out).expect("utf-8"), text);
    assert!(k.canonical(file.as_bytes()).is_err(), "dra-v1 is read-only");

    let bad = file.replace(&format!(":{sum}}}"), ":1}");
    let v = k.verify(bad.as_bytes(), &Default::default());
    assert_eq!(v.verdict, Verdict::Corrupt);
    assert!(v.message.starts_with("failed to get checkpoint dra_manager_state: checkpoint is corrupted (stored checksum 1, computed "));
    assert!(v.message.contains("unverified"));
    let claims = dra::read_v1(file.as_bytes()).expect("ok").claims();
    assert_eq!(claims[0].drivers["d"].len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary bytes never panic any operation of these kinds.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), which in 0usize..10) {
        let names = ["device-v1", "device-v2", "dra-v1", "dra-v2", "dra-v3", "dra-v4", "dra-v5", "dra-v6", "dra-v7", "dra-v8"];
        let k = kind(names[which]).expect("registered");
        let _ = k.verify(&bytes, &Default::default());
        let _ = k.canonical(&bytes);
        let _ = k.explain(&bytes, &mut Vec::new());
        let _ = k.checksum(&bytes);
    }

    /// JSON-shaped garbage (objects of the kinds' own keys) never panics.
    #[test]
    fn keyed_garbage_never_panics(
        keys in proptest::collection::vec(prop::sample::select(vec![
            "Data", "Checksum", "PodDeviceEntries", "DeviceIDs", "AllocResp", "RegisteredDevices",
            "version", "entries", "checksum", "PodUIDs", "CDIDevices", "ResourceHandles",
            "DriverState", "Devices", "ShareID", "ClaimInfoStateList", "Entries",
        ]), 0..6),
        vals in proptest::collection::vec(prop::sample::select(vec![
            "null", "1", "-1", "\"\"", "\"AA==\"", "[]", "{}", "[{}]", "{\"0\":[\"a\"]}", "{\"x\":{}}", "[null]", "\"null\"",
        ]), 0..6),
        which in 0usize..10,
    ) {
        let body: Vec<String> = keys.iter().zip(vals.iter()).map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let doc = format!("{{{}}}", body.join(","));
        let names = ["device-v1", "device-v2", "dra-v1", "dra-v2", "dra-v3", "dra-v4", "dra-v5", "dra-v6", "dra-v7", "dra-v8"];
        let k = kind(names[which]).expect("registered");
        let _ = k.verify(doc.as_bytes(), &Default::default());
        let _ = k.canonical(doc.as_bytes());
        let _ = k.checksum(doc.as_bytes());
    }
}

#[test]
fn device_restore_chain_prefers_v2_and_reports_its_error() {
    let (cp, how) = device::restore(&golden("device-v2/gen-1.json")).expect("v2 ok");
    assert_eq!(how, device::Loaded::V2);
    assert_eq!(
        cp.data.pod_device_entries,
        device::read_v2(&golden("device-v2/gen-1.json"))
            .unwrap()
            .data
            .pod_device_entries
    );
    let (cp, how) =
        device::restore(&golden("device-v1/rename-in-user-strings.json")).expect("v1 ok");
    assert_eq!(how, device::Loaded::V1);
    assert_eq!(cp.allocations()[0].numa_node, 0);
    // Neither shape: the V2 error (oracle text in device-v2/corrupt.verify).
    let e = device::restore(&golden("device-v2/corrupt.json")).expect_err("corrupt");
    let want = String::from_utf8(golden("device-v2/corrupt.verify")).unwrap();
    assert_eq!(format!("corrupt: {e}\n"), want);
}

//! The version-neutral state, `inspect` and `diff`.
//!
//! Expected values never come from our own output:
//! * every golden input (`tests/golden/<kind>/*.json`) lifts, and its
//!   checksum status agrees with the oracle's verdict (`*.verify`);
//! * for the oracle-generated inputs (`gen-*.json`, the kubelet's own
//!   writer output), every pod, container, CPU list, block, device and
//!   claim of the file, read with `serde_json` (an independent JSON
//!   reader), is in the state with the same value, and nothing else is;
//! * warnings are checked on hand-written files whose fault is stated in
//!   the test; diffs on hand-written pairs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use kubelet_ckpt::formats::state::{lift, ChecksumStatus, State};
use serde_json::Value;

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every (kind, input) pair of the golden tree, sorted.
fn golden_inputs() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = fs::read_dir(golden_root())
        .expect("golden dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let kind = d.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = fs::read_dir(&d)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (kind.clone(), f)));
    }
    out
}

fn lifted(kind: &str, bytes: &[u8]) -> State {
    lift(kind, bytes)
        .unwrap_or_else(|| panic!("{kind}: unknown kind"))
        .unwrap_or_else(|e| panic!("{kind}: does not lift: {e}"))
}

/// Every golden input lifts unless the oracle says it does not decode, and
/// the checksum status agrees with the oracle's verdict.
#[test]
fn every_golden_input_lifts_with_the_oracles_checksum_verdict() {
    let mut n = 0;
    for (kind, input) in golden_inputs() {
        let bytes = fs::read(&input).unwrap();
        let verify = fs::read_to_string(input.with_extension("verify")).unwrap_or_default();
        let name = input.display();
        match lift(&kind, &bytes).expect("registered kind") {
            // A payload the reader never reaches (the envelope's checksum
            // fails first) may still not decode.
            Err(e) => assert!(
                verify.starts_with("invalid-json")
                    || verify.starts_with("other")
                    || (verify.starts_with("corrupt") && e.to_lowercase().starts_with("data")),
                "{name}: does not lift ({e}) but the oracle says {verify}"
            ),
            Ok(state) => {
                n += 1;
                assert_eq!(state.source().kind, kind, "{name}");
                let st = &state.source().checksum;
                if verify.starts_with("corrupt") {
                    assert!(
                        matches!(st, ChecksumStatus::Mismatch { .. }),
                        "{name}: oracle says corrupt, state says {st:?}"
                    );
                }
                if verify.starts_with("ok") {
                    assert!(
                        matches!(st, ChecksumStatus::Verified { .. } | ChecksumStatus::None),
                        "{name}: oracle says ok, state says {st:?}"
                    );
                }
                // The schema round-trips through serde.
                let j = serde_json::to_string(&state).unwrap();
                let back: State = serde_json::from_str(&j).unwrap();
                assert_eq!(back, state, "{name}: json round trip");
            }
        }
    }
    assert!(n > 300, "only {n} golden inputs lifted");
}

/// The document a state is read from: the file, or its `data`/`Data`
/// string for the envelope kinds.
fn document(kind: &str, bytes: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(bytes).unwrap();
    let inner = match kind {
        "cpu-v4" | "memory-v3" => v.get("data"),
        k if k.starts_with("dra-v6") || k.starts_with("dra-v7") || k.starts_with("dra-v8") => {
            v.get("Data")
        }
        k if k.starts_with("podstatus-v2")
            || k.starts_with("podstatus-v3")
            || k.starts_with("allocated")
            || k.starts_with("actuated") =>
        {
            v.get("data")
        }
        _ => None,
    };
    match inner {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap(),
        _ => v,
    }
}

fn obj(v: Option<&Value>) -> BTreeMap<String, Value> {
    match v {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => BTreeMap::new(),
    }
}

fn arr(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

fn s(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn strs(v: Option<&Value>) -> Vec<String> {
    arr(v).iter().map(|x| s(Some(x))).collect()
}

/// RFC 4648 base64 (Go's `[]byte` JSON encoding), for `AllocResp`.
fn base64(text: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=').map(val).collect();
    let mut out = Vec::new();
    for ch in digits.chunks(4) {
        let mut acc = 0u32;
        for (i, d) in ch.iter().enumerate() {
            acc |= u32::from(*d) << (18 - 6 * i);
        }
        out.extend(acc.to_be_bytes()[1..ch.len()].iter());
    }
    out
}

fn check_cpu(doc: &Value, st: &kubelet_ckpt::formats::state::CpuState, name: &str) {
    assert_eq!(st.policy_name, s(doc.get("policyName")), "{name}");
    assert_eq!(
        st.default_cpu_set.text,
        s(doc.get("defaultCpuSet")),
        "{name}"
    );
    let entries = obj(doc.get("entries"));
    if st.containers_by_id.is_empty() && !st.pods.is_empty() || doc.get("podEntries").is_some() {
        let pod_entries = obj(doc.get("podEntries"));
        let mut pods: Vec<&String> = entries.keys().chain(pod_entries.keys()).collect();
        pods.sort();
        pods.dedup();
        assert_eq!(st.pods.keys().collect::<Vec<_>>(), pods, "{name}: pods");
        for (pod, cs) in &entries {
            let p = &st.pods[pod];
            assert!(p.in_entries, "{name}");
            let cs = obj(Some(cs));
            assert_eq!(p.containers.len(), cs.len(), "{name}: {pod}");
            for (c, list) in cs {
                assert_eq!(p.containers[&c].text, s(Some(&list)), "{name}: {pod}/{c}");
            }
        }
        for (pod, e) in &pod_entries {
            let want = s(e.get("cpuSet"));
            assert_eq!(
                st.pods[pod].pod_cpu_set.as_ref().unwrap().text,
                want,
                "{name}"
            );
        }
    } else {
        assert_eq!(st.containers_by_id.len(), entries.len(), "{name}");
        for (id, list) in &entries {
            assert_eq!(st.containers_by_id[id].text, s(Some(list)), "{name}: {id}");
        }
    }
}

fn check_memory(doc: &Value, st: &kubelet_ckpt::formats::state::MemoryState, name: &str) {
    assert_eq!(st.policy_name, s(doc.get("policyName")), "{name}");
    let ms = obj(doc.get("machineState"));
    assert_eq!(st.machine_state.len(), ms.len(), "{name}");
    for (id, node) in ms {
        let got = st.machine_state[&id.parse::<i64>().unwrap()]
            .as_ref()
            .unwrap();
        assert_eq!(
            got.number_of_assignments,
            node["numberOfAssignments"].as_i64().unwrap(),
            "{name}"
        );
        let cells: Vec<i64> = arr(node.get("cells"))
            .iter()
            .map(|c| c.as_i64().unwrap())
            .collect();
        assert_eq!(got.cells, cells, "{name}: cells of {id}");
        let mm = obj(node.get("memoryMap"));
        let got_mm = got.memory_map.clone().unwrap_or_default();
        assert_eq!(got_mm.len(), mm.len(), "{name}");
        for (res, t) in mm {
            let g = got_mm[&res].unwrap();
            let f = |k: &str| t[k].as_u64().unwrap();
            assert_eq!(
                (
                    g.total,
                    g.system_reserved,
                    g.allocatable,
                    g.reserved,
                    g.free
                ),
                (
                    f("total"),
                    f("systemReserved"),
                    f("allocatable"),
                    f("reserved"),
                    f("free")
                ),
                "{name}: {id}/{res}"
            );
        }
    }
    let blocks = |v: &Value| -> Vec<(Vec<i64>, String, u64)> {
        arr(Some(v))
            .iter()
            .map(|b| {
                let aff = arr(b.get("numaAffinity"))
                    .iter()
                    .map(|n| n.as_i64().unwrap())
                    .collect();
                (aff, s(b.get("type")), b["size"].as_u64().unwrap())
            })
            .collect()
    };
    let mine = |bs: &[kubelet_ckpt::formats::state::MemoryBlock]| -> Vec<(Vec<i64>, String, u64)> {
        bs.iter()
            .map(|b| (b.numa_affinity.clone(), b.resource.clone(), b.size))
            .collect()
    };
    let entries = obj(doc.get("entries"));
    for (pod, cs) in &entries {
        for (c, bs) in obj(Some(cs)) {
            assert_eq!(
                mine(&st.pods[pod].containers[&c]),
                blocks(&bs),
                "{name}: {pod}/{c}"
            );
        }
    }
    for (pod, e) in obj(doc.get("podEntries")) {
        let got = st.pods[&pod].pod_blocks.clone().unwrap_or_default();
        assert_eq!(
            mine(&got),
            blocks(e.get("memoryBlocks").unwrap_or(&Value::Null)),
            "{name}"
        );
    }
    let with_entries = st.pods.values().filter(|p| p.in_entries).count();
    assert_eq!(with_entries, entries.len(), "{name}");
}

fn check_device(doc: &Value, st: &kubelet_ckpt::formats::state::DeviceState, name: &str) {
    let data = doc.get("Data").unwrap();
    let entries = arr(data.get("PodDeviceEntries"));
    assert_eq!(st.allocations.len(), entries.len(), "{name}");
    for (a, e) in st.allocations.iter().zip(&entries) {
        assert_eq!(a.pod_uid, s(e.get("PodUID")), "{name}");
        assert_eq!(a.container_name, s(e.get("ContainerName")), "{name}");
        assert_eq!(a.resource_name, s(e.get("ResourceName")), "{name}");
        assert_eq!(a.alloc_resp, base64(&s(e.get("AllocResp"))), "{name}");
        let want: BTreeMap<i64, Vec<String>> = match e.get("DeviceIDs") {
            Some(Value::Array(_)) => BTreeMap::from([(0, strs(e.get("DeviceIDs")))]),
            other => obj(other)
                .into_iter()
                .map(|(k, v)| (k.parse().unwrap(), strs(Some(&v))))
                .collect(),
        };
        assert_eq!(a.devices_per_numa, want, "{name}");
    }
    let reg: BTreeMap<String, Vec<String>> = obj(data.get("RegisteredDevices"))
        .into_iter()
        .map(|(k, v)| (k, strs(Some(&v))))
        .collect();
    assert_eq!(st.registered_devices, reg, "{name}");
}

fn check_dra(doc: &Value, st: &kubelet_ckpt::formats::state::DraState, name: &str) {
    let list = doc
        .get("entries")
        .or_else(|| doc.get("Entries"))
        .or_else(|| doc.get("ClaimInfoStateList"));
    let list = arr(list);
    assert_eq!(st.claims.len(), list.len(), "{name}");
    for (c, e) in st.claims.iter().zip(&list) {
        assert_eq!(c.claim_uid, s(e.get("ClaimUID")), "{name}");
        assert_eq!(c.claim_name, s(e.get("ClaimName")), "{name}");
        assert_eq!(c.namespace, s(e.get("Namespace")), "{name}");
        let pods: Vec<String> = obj(e.get("PodUIDs")).into_keys().collect();
        assert_eq!(c.pod_uids, pods, "{name}");
        if let Some(ds) = e.get("DriverState") {
            let ds = obj(Some(ds));
            assert_eq!(c.drivers.len(), ds.len(), "{name}");
            for (drv, st) in ds {
                let devs = arr(st.get("Devices"));
                let got = &c.drivers[&drv];
                assert_eq!(got.len(), devs.len(), "{name}");
                for (g, d) in got.iter().zip(&devs) {
                    assert_eq!(
                        g.pool_name.as_deref(),
                        Some(&*s(d.get("PoolName"))),
                        "{name}"
                    );
                    assert_eq!(
                        g.device_name.as_deref(),
                        Some(&*s(d.get("DeviceName"))),
                        "{name}"
                    );
                    assert_eq!(g.request_names, strs(d.get("RequestNames")), "{name}");
                    assert_eq!(g.cdi_device_ids, strs(d.get("CDIDeviceIDs")), "{name}");
                    let share = d.get("ShareID").and_then(Value::as_str).map(str::to_string);
                    assert_eq!(g.share_id, share, "{name}");
                }
            }
        } else {
            assert_eq!(
                c.driver_name.as_deref(),
                Some(&*s(e.get("DriverName"))),
                "{name}"
            );
            assert_eq!(
                c.class_name.as_deref(),
                Some(&*s(e.get("ClassName"))),
                "{name}"
            );
            let cdi: BTreeMap<String, Vec<String>> = obj(e.get("CDIDevices"))
                .into_iter()
                .map(|(k, v)| (k, strs(Some(&v))))
                .collect();
            let got: BTreeMap<String, Vec<String>> = c
                .drivers
                .iter()
                .map(|(k, ds)| {
                    (
                        k.clone(),
                        ds.iter().flat_map(|d| d.cdi_device_ids.clone()).collect(),
                    )
                })
                .collect();
            assert_eq!(got, cdi, "{name}");
            let handles = arr(e.get("ResourceHandles"));
            assert_eq!(c.resource_handles.len(), handles.len(), "{name}");
            for (h, j) in c.resource_handles.iter().zip(&handles) {
                assert_eq!(h.driver_name, s(j.get("driverName")), "{name}");
                assert_eq!(h.data, s(j.get("data")), "{name}");
            }
        }
    }
}

fn quantities(v: Option<&Value>) -> BTreeMap<String, String> {
    obj(v).into_iter().map(|(k, q)| (k, s(Some(&q)))).collect()
}

fn check_pod_resize(doc: &Value, st: &kubelet_ckpt::formats::state::PodResizeState, name: &str) {
    // allocationEntries: pod -> container -> ResourceList (podstatus-v1/v2)
    // or ResourceRequirements (podstatus-v3, allocated-v1).
    let requirements = !(name.contains("podstatus-v1") || name.contains("podstatus-v2"));
    let mut pods = 0;
    for (pod, cs) in obj(doc.get("allocationEntries")) {
        pods += 1;
        for (c, r) in obj(Some(&cs)) {
            let got = &st.pods[&pod].containers[&c];
            if requirements {
                assert_eq!(
                    got.requests,
                    quantities(r.get("requests")),
                    "{name}: {pod}/{c}"
                );
                assert_eq!(got.limits, quantities(r.get("limits")), "{name}: {pod}/{c}");
            } else {
                assert_eq!(got.requests, quantities(Some(&r)), "{name}: {pod}/{c}");
            }
        }
    }
    for (pod, info) in obj(doc.get("entries")) {
        pods += 1;
        for (c, r) in obj(info.get("ContainerResources")) {
            let got = &st.pods[&pod].containers[&c];
            assert_eq!(
                got.requests,
                quantities(r.get("requests")),
                "{name}: {pod}/{c}"
            );
            assert_eq!(got.limits, quantities(r.get("limits")), "{name}: {pod}/{c}");
        }
        if let Some(pl) = info.get("PodLevelResources").filter(|v| !v.is_null()) {
            let got = st.pods[&pod].pod_level.as_ref().expect("pod level");
            assert_eq!(got.requests, quantities(pl.get("requests")), "{name}");
        }
        for (vol, q) in obj(info.get("EmptyDirVolumeLimits")) {
            let want = q.as_str().map(str::to_string);
            assert_eq!(st.pods[&pod].empty_dir_volume_limits[&vol], want, "{name}");
        }
    }
    for (pod, status) in obj(doc.get("resizeStatusEntries")) {
        assert_eq!(
            st.pods[&pod].resize_status.as_deref(),
            status.as_str(),
            "{name}"
        );
    }
    assert!(st.pods.len() >= pods, "{name}");
}

/// Every value of every oracle-generated file is in its state.
#[test]
fn generated_files_lift_to_what_an_independent_json_reader_sees() {
    let mut n = 0;
    for (kind, input) in golden_inputs() {
        let fname = input.file_name().unwrap().to_string_lossy().into_owned();
        if !fname.starts_with("gen-") {
            continue;
        }
        let bytes = fs::read(&input).unwrap();
        let doc = document(&kind, &bytes);
        let name = format!("{kind}/{fname}");
        match lifted(&kind, &bytes) {
            State::Cpu(st) => check_cpu(&doc, &st, &name),
            State::Memory(st) => check_memory(&doc, &st, &name),
            State::Device(st) => check_device(&doc, &st, &name),
            State::Dra(st) => check_dra(&doc, &st, &name),
            State::PodResize(st) => check_pod_resize(&doc, &st, &name),
            State::Dockershim(st) => {
                assert_eq!(st.name, s(doc.get("name")), "{name}");
                assert_eq!(st.namespace, s(doc.get("namespace")), "{name}");
                let pms = arr(doc.get("data").and_then(|d| d.get("port_mappings")));
                assert_eq!(st.port_mappings.len(), pms.len(), "{name}");
                for (g, p) in st.port_mappings.iter().zip(&pms) {
                    let g = g.as_ref().unwrap();
                    assert_eq!(
                        g.container_port.map(i64::from),
                        p.get("container_port").and_then(Value::as_i64),
                        "{name}"
                    );
                    assert_eq!(
                        g.host_port.map(i64::from),
                        p.get("host_port").and_then(Value::as_i64),
                        "{name}"
                    );
                    assert_eq!(
                        g.protocol.as_deref(),
                        p.get("protocol").and_then(Value::as_str),
                        "{name}"
                    );
                }
            }
            State::ImagePull(st) => {
                assert_eq!(st.kind, s(doc.get("kind")), "{name}");
                assert_eq!(st.image, s(doc.get("image")), "{name}");
                assert_eq!(st.image_ref, s(doc.get("imageRef")), "{name}");
                let imgs: Vec<String> = obj(doc.get("credentialMapping")).into_keys().collect();
                assert_eq!(
                    st.credential_mapping.keys().cloned().collect::<Vec<_>>(),
                    imgs,
                    "{name}"
                );
                for (img, c) in obj(doc.get("credentialMapping")) {
                    let got = &st.credential_mapping[&img];
                    let secrets = arr(c.get("kubernetesSecrets"));
                    assert_eq!(got.kubernetes_secrets.len(), secrets.len(), "{name}");
                    for (g, w) in got.kubernetes_secrets.iter().zip(&secrets) {
                        assert_eq!(g.credential_hash, s(w.get("credentialHash")), "{name}");
                    }
                }
            }
            State::Other(_) => panic!("{name}: lifted as Other"),
        }
        n += 1;
    }
    assert!(n >= 150, "only {n} generated inputs");
}

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

// ---- inspect reports: every golden input in text, json and yaml ----------

use kubelet_ckpt::cli::render;
use kubelet_ckpt::ops::inspect::{inspect_bytes, warnings, WarningCode};

/// The oracle's verdict category (`ok`, `corrupt`, ...), from `*.verify`.
fn oracle_verdict(input: &Path) -> Option<String> {
    let v = fs::read_to_string(input.with_extension("verify")).ok()?;
    Some(
        v.split([':', '\n'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
    )
}

/// A YAML value with every mapping key as a string (JSON has no other keys).
fn string_keys(v: serde_norway::Value) -> serde_norway::Value {
    use serde_norway::Value as Y;
    match v {
        Y::Mapping(m) => Y::Mapping(
            m.into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        Y::String(s) => Y::String(s),
                        Y::Number(n) => Y::String(n.to_string()),
                        Y::Bool(b) => Y::String(b.to_string()),
                        other => other,
                    };
                    (k, string_keys(v))
                })
                .collect(),
        ),
        Y::Sequence(s) => Y::Sequence(s.into_iter().map(string_keys).collect()),
        other => other,
    }
}

/// Strings of an image-pull file that are secrets (uids, credential hashes).
fn secrets_of(bytes: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (_, c) in obj(v.get("credentialMapping")) {
        for sec in arr(c.get("kubernetesSecrets"))
            .iter()
            .chain(arr(c.get("kubernetesServiceAccounts")).iter())
        {
            for k in ["uid", "credentialHash", "name"] {
                let x = s(sec.get(k));
                if x.len() >= 8 {
                    out.push(x);
                }
            }
        }
    }
    out
}

/// Names a text rendering must show, read from the file with serde_json.
fn names_of(kind: &str, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if kind.starts_with("cpu") && kind != "cpu-file" && kind != "cpu-v1" {
        for (pod, cs) in obj(doc.get("entries")) {
            out.push(pod);
            out.extend(obj(Some(&cs)).into_keys());
        }
    } else if kind.starts_with("device") {
        for e in arr(doc.get("Data").and_then(|d| d.get("PodDeviceEntries"))) {
            out.push(s(e.get("PodUID")));
            out.push(s(e.get("ResourceName")));
        }
    } else if kind.starts_with("dra") {
        let list = doc
            .get("entries")
            .or_else(|| doc.get("Entries"))
            .or_else(|| doc.get("ClaimInfoStateList"));
        for c in arr(list) {
            out.push(s(c.get("ClaimName")));
            out.push(s(c.get("ClaimUID")));
        }
    } else if kind.starts_with("memory") {
        out.extend(obj(doc.get("entries")).into_keys());
    } else if kind.starts_with("allocated")
        || kind.starts_with("actuated")
        || kind.starts_with("podstatus")
    {
        out.extend(obj(doc.get("entries")).into_keys());
        out.extend(obj(doc.get("allocationEntries")).into_keys());
    }
    out.retain(|x| !x.is_empty());
    out
}

/// `inspect` renders every golden input of every kind as text, JSON and
/// YAML; the header agrees with the oracle (verdict, computed checksum),
/// JSON and YAML carry the same document, the text names what the file
/// holds (read independently), and no secret appears anywhere.
#[test]
fn inspect_renders_every_golden_input_in_every_format() {
    let mut kinds = std::collections::BTreeSet::new();
    for (kind, input) in golden_inputs() {
        let bytes = fs::read(&input).unwrap();
        let name = input.display().to_string();
        let Ok(r) = inspect_bytes(&input, &bytes, Some(&kind)) else {
            continue;
        };
        kinds.insert(kind.clone());
        let has_policy = input.with_extension("policy").exists();
        if let (Some(v), false) = (oracle_verdict(&input), has_policy) {
            if v == "ok" || v == "corrupt" || v == "invalid-json" {
                assert_eq!(r.header.verdict, v, "{name}: verdict");
            }
            if v == "ok" || v == "corrupt" {
                if let Ok(c) = fs::read_to_string(input.with_extension("checksum")) {
                    let want: u64 = c.trim().parse().unwrap();
                    assert_eq!(r.header.computed_checksum, Some(want), "{name}: computed");
                }
            }
        }
        let mut text = Vec::new();
        render::inspect::text(&mut text, &r).unwrap();
        let text = String::from_utf8(text).unwrap();
        let mut json = Vec::new();
        render::structured(&mut json, &r, false).unwrap();
        let json = String::from_utf8(json).unwrap();
        let mut yaml = Vec::new();
        render::structured(&mut yaml, &r, true).unwrap();
        let yaml = String::from_utf8(yaml).unwrap();

        assert!(
            text.contains(&format!("verdict:  {}", r.header.verdict)),
            "{name}"
        );
        let j: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(j["header"]["kind"], kind.as_str(), "{name}");
        assert_eq!(
            j["state"]["state"]["source"]["kind"],
            kind.as_str(),
            "{name}"
        );
        let y: serde_norway::Value = serde_norway::from_str(&yaml).unwrap();
        let yj = serde_norway::to_value(&j).unwrap();
        assert_eq!(
            string_keys(y),
            string_keys(yj),
            "{name}: yaml and json documents differ"
        );

        if input
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("gen-")
        {
            for n in names_of(&kind, &document(&kind, &bytes)) {
                let n = render::sanitized(&n);
                assert!(text.contains(&n), "{name}: text does not show {n:?}");
            }
        }
        for secret in secrets_of(&bytes) {
            for (fmt, out) in [("text", &text), ("json", &json), ("yaml", &yaml)] {
                assert!(
                    !out.contains(&secret),
                    "{name}: {fmt} shows secret {secret:?}"
                );
            }
        }
    }
    assert!(kinds.len() >= 37, "only {} kinds inspected", kinds.len());
}

// ---- warnings on hand-written files ---------------------------------------

fn codes(kind: &str, text: &str) -> Vec<WarningCode> {
    warnings(&lifted(kind, text.as_bytes()))
        .into_iter()
        .map(|w| w.code)
        .collect()
}

/// cpu-v2 with a stored checksum 0 (accepted unverified by cpu-v2 readers).
fn cpu_v2(default: &str, entries: &str) -> String {
    format!(
        r#"{{"policyName":"static","defaultCpuSet":"{default}","entries":{entries},"checksum":0}}"#
    )
}

/// A consistent file has no warnings; each fault below adds exactly its own.
#[test]
fn clean_cpu_file_has_no_warnings() {
    let f = cpu_v2("0-1,6-7", r#"{"p1":{"a":"2-3"},"p2":{"b":"4-5"}}"#);
    assert_eq!(codes("cpu-v2", &f), vec![]);
}

/// CPU 3 held by containers of two pods.
#[test]
fn warns_overlapping_exclusive_cpus_across_pods() {
    let f = cpu_v2("0-1,6-7", r#"{"p1":{"a":"2-3"},"p2":{"b":"3-5"}}"#);
    assert_eq!(
        codes("cpu-v2", &f),
        vec![WarningCode::OverlappingExclusiveCpus]
    );
    // Within one pod an init container's CPUs are reused: no warning.
    let f = cpu_v2("0-1,6-7", r#"{"p1":{"init":"2-3","a":"2-3"}}"#);
    assert_eq!(codes("cpu-v2", &f), vec![]);
    // Container-ID keyed (cpu-v1, stored checksum 0 accepted): any overlap.
    let f = r#"{"policyName":"static","defaultCpuSet":"0-1","entries":{"c1":"2-3","c2":"3"},"checksum":0}"#;
    assert_eq!(
        codes("cpu-v1", f),
        vec![WarningCode::OverlappingExclusiveCpus]
    );
}

/// CPU 1 in the default set and held by p1/a.
#[test]
fn warns_cpu_both_shared_and_exclusive() {
    let f = cpu_v2("0-1,6-7", r#"{"p1":{"a":"1-3"}}"#);
    assert_eq!(
        codes("cpu-v2", &f),
        vec![WarningCode::SharedAndExclusiveCpu]
    );
}

/// `3-1` is not a cpu list (the kubelet's restore refuses it).
#[test]
fn warns_invalid_cpu_set() {
    let f = cpu_v2("0-1", r#"{"p1":{"a":"3-1"}}"#);
    assert_eq!(codes("cpu-v2", &f), vec![WarningCode::InvalidCpuSet]);
}

/// A pod key with an empty container map (kubernetes issue 141993), in
/// the CPU and the memory state.
#[test]
fn warns_pod_without_containers() {
    let f = cpu_v2("0-1", r#"{"p1":{}}"#);
    assert_eq!(codes("cpu-v2", &f), vec![WarningCode::PodWithoutContainers]);
    let f = r#"{"policyName":"Static","machineState":{},"entries":{"p1":{}},"checksum":0}"#;
    assert_eq!(codes("memory", f), vec![WarningCode::PodWithoutContainers]);
}

fn memory_file(table: &str, cells0: &str, cells1: &str) -> String {
    format!(
        r#"{{"policyName":"Static","machineState":{{"0":{{"numberOfAssignments":0,"memoryMap":{{"memory":{table}}},"cells":{cells0}}},"1":{{"numberOfAssignments":0,"memoryMap":{{}},"cells":{cells1}}}}},"checksum":1}}"#
    )
}

const TABLE_OK: &str =
    r#"{"total":100,"systemReserved":10,"allocatable":90,"reserved":20,"free":70}"#;

#[test]
fn clean_memory_file_has_no_warnings() {
    assert_eq!(
        codes("memory", &memory_file(TABLE_OK, "[0]", "[1]")),
        vec![]
    );
    // Grouped nodes with identical cells are fine.
    assert_eq!(
        codes("memory", &memory_file(TABLE_OK, "[0,1]", "[0,1]")),
        vec![]
    );
}

/// free 60 != allocatable 90 - reserved 20; allocatable 95 != total 100 -
/// systemReserved 10.
#[test]
fn warns_memory_accounting() {
    let bad_free = r#"{"total":100,"systemReserved":10,"allocatable":90,"reserved":20,"free":60}"#;
    assert_eq!(
        codes("memory", &memory_file(bad_free, "[0]", "[1]")),
        vec![WarningCode::MemoryAccounting]
    );
    let bad_alloc = r#"{"total":100,"systemReserved":10,"allocatable":95,"reserved":20,"free":75}"#;
    assert_eq!(
        codes("memory", &memory_file(bad_alloc, "[0]", "[1]")),
        vec![WarningCode::MemoryAccounting]
    );
}

/// Node 0 cells [0], node 1 cells [0,1]: the state of kubernetes issue 113035.
#[test]
fn warns_overlapping_cells() {
    assert_eq!(
        codes("memory", &memory_file(TABLE_OK, "[0]", "[0,1]")),
        vec![WarningCode::OverlappingCells]
    );
}

fn device_file(entries: &str) -> String {
    format!(
        r#"{{"Data":{{"PodDeviceEntries":{entries},"RegisteredDevices":{{"r/gpu":["d1","d2"]}}}},"Checksum":0}}"#
    )
}

fn device_entry(pod: &str, c: &str, numa: &str, dev: &str) -> String {
    format!(
        r#"{{"PodUID":"{pod}","ContainerName":"{c}","ResourceName":"r/gpu","DeviceIDs":{{"{numa}":["{dev}"]}},"AllocResp":""}}"#
    )
}

/// Device d1 in p1/a and p2/b.
#[test]
fn warns_device_in_two_containers() {
    let ok = device_file(&format!(
        "[{},{}]",
        device_entry("p1", "a", "0", "d1"),
        device_entry("p2", "b", "0", "d2")
    ));
    assert_eq!(codes("device-v2", &ok), vec![]);
    let bad = device_file(&format!(
        "[{},{}]",
        device_entry("p1", "a", "0", "d1"),
        device_entry("p2", "b", "1", "d1")
    ));
    assert_eq!(
        codes("device-v2", &bad),
        vec![WarningCode::DeviceInTwoContainers]
    );
}

// ---- diff across shapes -----------------------------------------------------

use kubelet_ckpt::ops::diff::{diff_states, ChangeKind};

fn diff(ka: &str, a: &str, kb: &str, b: &str) -> Vec<(ChangeKind, String)> {
    diff_states(&lifted(ka, a.as_bytes()), &lifted(kb, b.as_bytes()))
        .expect("same family")
        .into_iter()
        .map(|c| (c.change, c.subject))
        .collect()
}

const ENTRIES: &str = r#"{"p1":{"a":"2-3"},"p2":{"b":"4,5"}}"#;

/// The same assignments as cpu-v2, cpu-v3 and cpu-v4 (with lists spelled
/// differently) are the same state.
#[test]
fn same_assignments_in_different_shapes_give_an_empty_diff() {
    let v2 = cpu_v2("0-1", ENTRIES);
    let v3 = r#"{"policyName":"static","defaultCpuSet":"0,1","entries":{"p1":{"a":"2,3"},"p2":{"b":"4-5"}},"checksum":1}"#;
    assert_eq!(diff("cpu-v2", &v2, "cpu-v3", v3), vec![]);
    let data = r#"{\"policyName\":\"static\",\"defaultCpuSet\":\"0-1\",\"entries\":{\"p1\":{\"a\":\"2-3\"},\"p2\":{\"b\":\"4-5\"}}}"#;
    let v4 = format!(
        r#"{{"policyName":"","defaultCpuSet":"","checksum":0,"data":"{data}","dataChecksum":7}}"#
    );
    assert_eq!(diff("cpu-v3", v3, "cpu-v4", &v4), vec![]);
    // device-v1 puts devices on NUMA node 0, as a 1.20+ kubelet reads it.
    let d1 = r#"{"Data":{"PodDeviceEntries":[{"PodUID":"p","ContainerName":"c","ResourceName":"r/gpu","DeviceIDs":["d1"],"AllocResp":""}],"RegisteredDevices":{"r/gpu":["d1"]}},"Checksum":0}"#;
    let d2 = device_file(&format!("[{}]", device_entry("p", "c", "0", "d1")));
    let d2 = d2.replace(r#"["d1","d2"]"#, r#"["d1"]"#);
    assert_eq!(diff("device-v1", d1, "device-v2", &d2), vec![]);
}

/// A changed CPU list, a removed container, an added pod and a pod-level
/// set that only cpu-v3 has are reported, each once.
#[test]
fn changed_assignments_are_reported() {
    let v2 = cpu_v2("0-1", ENTRIES);
    let v3 = r#"{"policyName":"static","defaultCpuSet":"0-1","entries":{"p1":{"a":"2-4"},"p3":{"c":"6"}},"podEntries":{"p1":{"cpuSet":"2-4"}},"checksum":1}"#;
    assert_eq!(
        diff("cpu-v2", &v2, "cpu-v3", v3),
        vec![
            (ChangeKind::Changed, "pod p1 container a cpus".to_string()),
            (ChangeKind::Added, "pod p1 pod-level cpus".to_string()),
            (ChangeKind::Removed, "pod p2 container b cpus".to_string()),
            (ChangeKind::Added, "pod p3 container c cpus".to_string()),
        ]
    );
}

/// Memory blocks and DRA claims across shapes.
#[test]
fn memory_and_claims_diff() {
    let a = r#"{"policyName":"Static","machineState":{},"entries":{"p":{"c":[{"numaAffinity":[0],"type":"memory","size":1024}]}},"checksum":0}"#;
    let b = r#"{"policyName":"Static","machineState":{},"entries":{"p":{"c":[{"numaAffinity":[1],"type":"memory","size":1024}]}},"podEntries":{},"checksum":0}"#;
    assert_eq!(
        diff("memory", a, "memory-v2", b),
        vec![(ChangeKind::Changed, "pod p container c memory".to_string())]
    );
    let claim = |pods: &str| {
        let data = format!(
            r#"{{\"kind\":\"DRACheckpoint\",\"apiVersion\":\"checkpoint.dra.kubelet.k8s.io/v1\",\"ClaimInfoStateList\":[{{\"ClaimUID\":\"u\",\"ClaimName\":\"n\",\"Namespace\":\"ns\",\"PodUIDs\":{pods},\"DriverState\":{{\"drv\":{{\"Devices\":[{{\"PoolName\":\"p\",\"DeviceName\":\"g0\",\"RequestNames\":[\"r\"],\"CDIDeviceIDs\":[\"drv/gpu=g0\"]}}]}}}}}}]}}"#
        );
        format!(r#"{{"Data":"{data}","Checksum":0}}"#)
    };
    let a = claim(r#"{\"pod1\":{}}"#);
    let b = claim(r#"{\"pod1\":{},\"pod2\":{}}"#);
    assert_eq!(diff("dra-v7", &a, "dra-v7", &a), vec![]);
    assert_eq!(
        diff("dra-v7", &a, "dra-v7", &b),
        vec![(ChangeKind::Changed, "claim ns/n (u) pods".to_string())]
    );
}

// ---- the CLI ----------------------------------------------------------------

fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kubelet-ckpt"))
        .args(args)
        .output()
        .expect("run kubelet-ckpt")
}

#[test]
fn cli_inspect_and_diff() {
    let g = golden_root();
    let ok = g.join("cpu-v2/gen-2.json");
    let ok = ok.to_str().unwrap();
    let o = run(&["inspect", "-o", "yaml", ok]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let y: serde_norway::Value = serde_norway::from_slice(&o.stdout).unwrap();
    assert_eq!(y["header"]["verdict"], serde_norway::Value::from("ok"));
    // The same file against itself: no differences, exit 0.
    let o = run(&["diff", ok, ok]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("no differences"));
    // Two different generated files: exit 1.
    let other = g.join("cpu-v2/gen-3.json");
    let o = run(&["diff", "-o", "json", ok, other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!arr(j.get("changes")).is_empty());
    // Different families: exit 2.
    let dev = g.join("device-v2/gen-1.json");
    let o = run(&["diff", ok, dev.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // A file that does not decode: exit 2.
    let o = run(&["inspect", "--kind", "cpu-v2", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(2));
}

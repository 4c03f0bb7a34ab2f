//! The node description (the oracle's `node.json`: a KubeletConfiguration
//! subset and cAdvisor's `MachineInfo`) and what every kubelet does with the
//! configuration before any manager exists, whatever the policies (spec
//! §8.1 phases 0–1, §8.2 steps 0–3; oracle `node_config.go`):
//! KubeletConfiguration validation, `--reserved-cpus`, kube/system reserved
//! and `evictionHard` parsing, and the node allocatable reservation.
//!
//! YAML: KubeletConfiguration files are read with `serde_norway`, a
//! maintained fork of the archived `serde_yaml` (same API and libyaml-based
//! parser, MIT OR Apache-2.0 like this crate). The kubelet reads YAML with
//! `sigs.k8s.io/yaml` (go-yaml, YAML 1.1): plain `yes`/`no`/`on`/`off` are
//! booleans there and strings here; the fields read below are strings,
//! maps of strings and numbers, where the two agree.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use super::qty::Qty;
use super::{NodeError, Release};
use crate::go::cpuset::CpuSet;
use crate::go::strconv::{quote, NumError, NumErrorKind};

/// A node: the kubelet configuration and the machine facts the CPU and
/// memory managers read (oracle `nodeFile`). Unknown members are ignored, so
/// a whole KubeletConfiguration (JSON) and a whole cAdvisor MachineInfo can
/// be pasted, as into the oracle's `ORACLE_NODE` file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Node {
    /// KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields.
    #[serde(rename = "kubeletConfig", deserialize_with = "nullable")]
    pub kubelet_config: KubeletConfig,
    /// cAdvisor `info/v1.MachineInfo` (JSON names).
    #[serde(rename = "machineInfo", deserialize_with = "nullable")]
    pub machine_info: MachineInfo,
}

impl Node {
    /// Parses a node.json (`oracle node-example` shows one). A file that
    /// does not decode is a usage error for the oracle (exit 2), not a
    /// kubelet verdict, hence the plain `String`.
    ///
    /// Differences from Go's `encoding/json` decode (documented, not
    /// modelled): member names match exactly (Go also matches them
    /// case-insensitively), and quantity strings are unescaped before
    /// parsing (Go's `Quantity.UnmarshalJSON` strips the quotes only).
    pub fn from_json(bytes: &[u8]) -> Result<Node, String> {
        let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let mut node: Node = serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
        node.kubelet_config.doc = doc
            .get("kubeletConfig")
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        Ok(node)
    }
}

/// Go's decode of `null` into a non-pointer leaves the zero value; serde
/// would reject it, so every member goes through this.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The KubeletConfiguration fields the start checks read (oracle
/// `nodeKubeletConfig`; field names of kubelet.config.k8s.io/v1beta1).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KubeletConfig {
    /// `none` (default, also for "") or `static`.
    #[serde(deserialize_with = "nullable")]
    pub cpu_manager_policy: String,
    /// e.g. `{"strict-cpu-reservation": "true"}` (1.22+).
    #[serde(deserialize_with = "nullable")]
    pub cpu_manager_policy_options: BTreeMap<String, String>,
    /// A cpu list; empty: derive the reserved set (1.17+).
    #[serde(rename = "reservedSystemCPUs", deserialize_with = "nullable")]
    pub reserved_system_cpus: String,
    /// Quantity strings by resource name.
    #[serde(deserialize_with = "nullable")]
    pub kube_reserved: BTreeMap<String, String>,
    /// Quantity strings by resource name.
    #[serde(deserialize_with = "nullable")]
    pub system_reserved: BTreeMap<String, String>,
    /// `None` (absent or `null`): the kubelet default
    /// `{"memory.available": "100Mi"}`; `{}` means no thresholds.
    pub eviction_hard: Option<BTreeMap<String, String>>,
    /// `None` (default, also for ""), `Static`, `BestEffort` (Windows).
    #[serde(deserialize_with = "nullable")]
    pub memory_manager_policy: String,
    /// Per-NUMA reservations.
    #[serde(deserialize_with = "nullable")]
    pub reserved_memory: Vec<MemoryReservation>,
    /// Only `PodLevelResourceManagers` is read.
    #[serde(deserialize_with = "nullable")]
    pub feature_gates: BTreeMap<String, bool>,
    /// Only checked against `reservedSystemCPUs`.
    #[serde(deserialize_with = "nullable")]
    pub system_reserved_cgroup: String,
    /// Only checked against `reservedSystemCPUs`.
    #[serde(deserialize_with = "nullable")]
    pub kube_reserved_cgroup: String,
    /// The JSON document these fields were read from (drop-ins are merged
    /// into it, then the fields are read again).
    #[serde(skip)]
    doc: serde_json::Value,
}

/// `MemoryReservation`: limits are quantities (a `v1.ResourceList`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemoryReservation {
    /// The NUMA node id.
    #[serde(deserialize_with = "nullable")]
    pub numa_node: i32,
    /// Resource name -> quantity text.
    #[serde(deserialize_with = "limits")]
    pub limits: BTreeMap<String, QuantityText>,
}

/// A quantity as written in the configuration, parsed when decoded (Go
/// decodes a `ResourceList` through `Quantity.UnmarshalJSON`, so a value
/// that does not parse makes the whole configuration unreadable).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct QuantityText(pub String);

impl QuantityText {
    pub(crate) fn qty(&self) -> Qty {
        if self.0.is_empty() {
            return Qty::default();
        }
        Qty::parse(&self.0).unwrap_or_default()
    }
}

fn limits<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, QuantityText>, D::Error> {
    use serde::de::Error;
    let raw: Option<BTreeMap<String, serde_json::Value>> = Option::deserialize(d)?;
    let mut out = BTreeMap::new();
    for (k, v) in raw.unwrap_or_default() {
        let text = match v {
            serde_json::Value::Null => String::new(), // UnmarshalJSON("null"): zero
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        if !text.is_empty() {
            Qty::parse(text.trim()).map_err(D::Error::custom)?;
        }
        out.insert(k, QuantityText(text.trim().to_owned()));
    }
    Ok(out)
}

impl KubeletConfig {
    /// A KubeletConfiguration YAML (or JSON) file, as `--config` names it:
    /// it must say `apiVersion: kubelet.config.k8s.io/v1beta1` and
    /// `kind: KubeletConfiguration` (the kubelet's codec refuses others).
    pub fn from_yaml(text: &str) -> Result<KubeletConfig, String> {
        let doc = yaml_doc(text)?;
        Self::from_doc(doc)
    }

    fn from_doc(doc: serde_json::Value) -> Result<KubeletConfig, String> {
        let mut c: KubeletConfig =
            serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
        c.doc = doc;
        Ok(c)
    }

    /// Merges the drop-in directory as `--config-dir` does (server.go
    /// `mergeKubeletConfigurations`; spec kubelet-node-layout.md §1.3):
    /// every file whose extension is `.conf`, walked as `filepath.WalkDir`
    /// walks (lexical byte order, depth first into subdirectories), each
    /// applied as an RFC 7386 JSON merge patch over the running result
    /// (objects merge per key, arrays and scalars are replaced, `null`
    /// deletes). Each must carry apiVersion and kind like a config file.
    pub fn merge_dropins(&mut self, dir: &Path) -> Result<(), String> {
        let mut files = Vec::new();
        walk(dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut doc = if self.doc.is_object() {
            self.doc.clone()
        } else {
            serde_json::to_value(&*self).map_err(|e| e.to_string())?
        };
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| {
                format!(
                    "failed to load kubelet dropin file, path: {}, error: {e}",
                    f.display()
                )
            })?;
            let patch = yaml_doc(&text).map_err(|e| {
                format!(
                    "failed to load kubelet dropin file, path: {}, error: {e}",
                    f.display()
                )
            })?;
            merge_patch(&mut doc, &patch);
        }
        *self = Self::from_doc(doc)?;
        Ok(())
    }

    /// The whole configuration document these fields were read from (JSON
    /// form, drop-ins merged; `Null` for a config built in code), including
    /// the fields the start checks do not read.
    pub fn document(&self) -> &serde_json::Value {
        &self.doc
    }

    /// The CPU manager policy name configured (default `none`).
    pub fn cpu_policy(&self) -> &str {
        if self.cpu_manager_policy.is_empty() {
            "none"
        } else {
            &self.cpu_manager_policy
        }
    }

    /// The CPU manager policy the kubelet runs: the configured one, except
    /// that releases before 1.16 (PR 80294) fell back to the none policy for
    /// a name they did not know (oracle `cpuPolicyName`). This is the name
    /// the restore compares with the file's.
    pub fn cpu_policy_name(&self, rel: Release) -> &str {
        let p = self.cpu_policy();
        if rel.minor() < 16 && p != "none" && p != "static" {
            "none"
        } else {
            p
        }
    }

    /// The memory manager policy name configured (default `None`).
    pub fn memory_policy(&self) -> &str {
        if self.memory_manager_policy.is_empty() {
            "None"
        } else {
            &self.memory_manager_policy
        }
    }

    /// A feature gate as node.json sets it (absent: off).
    pub fn gate(&self, name: &str) -> bool {
        self.feature_gates.get(name).copied().unwrap_or(false)
    }
}

fn yaml_doc(text: &str) -> Result<serde_json::Value, String> {
    let doc: serde_json::Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let api = doc.get("apiVersion").and_then(|v| v.as_str()).unwrap_or("");
    let kind = doc.get("kind").and_then(|v| v.as_str()).unwrap_or("");
    if kind.is_empty() {
        return Err("Object 'Kind' is missing".into());
    }
    if api != "kubelet.config.k8s.io/v1beta1" || kind != "KubeletConfiguration" {
        return Err(format!(
            "no kind {kind:?} is registered for version {api:?}"
        ));
    }
    Ok(doc)
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ft = e.file_type()?;
        let path = e.path();
        if ft.is_dir() {
            walk(&path, out)?;
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.rfind('.').map(|i| &n[i..]))
            == Some(".conf")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// cAdvisor's `MachineInfo`, the members the managers read (oracle
/// `nodeMachineInfo`). `num_cores`, `num_sockets`, `memory_capacity` and
/// `hugepages` may be left out: they are then derived from `topology` (an
/// oracle convenience; cAdvisor always reports them).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MachineInfo {
    /// Logical CPUs.
    pub num_cores: Option<i64>,
    /// Sockets (0 on some ARM64 hosts).
    pub num_sockets: Option<i64>,
    /// Bytes.
    pub memory_capacity: Option<u64>,
    /// Machine-wide huge page pools.
    pub hugepages: Option<Vec<HugePages>>,
    /// NUMA nodes.
    #[serde(deserialize_with = "nullable")]
    pub topology: Vec<NumaNode>,
}

/// One NUMA node of `MachineInfo.Topology`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NumaNode {
    /// NUMA node id.
    #[serde(rename = "node_id", deserialize_with = "nullable")]
    pub id: i64,
    /// MemTotal of the node, bytes.
    #[serde(deserialize_with = "nullable")]
    pub memory: u64,
    /// Huge page pools of the node.
    #[serde(deserialize_with = "nullable")]
    pub hugepages: Vec<HugePages>,
    /// Physical cores.
    #[serde(deserialize_with = "nullable")]
    pub cores: Vec<Core>,
}

/// A physical core and its logical CPUs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Core {
    /// cAdvisor's core id (not what the kubelet uses: it takes the lowest thread).
    #[serde(rename = "core_id", deserialize_with = "nullable")]
    pub id: i64,
    /// Logical CPU ids.
    #[serde(rename = "thread_ids", deserialize_with = "nullable")]
    pub threads: Vec<i64>,
    /// Socket (physical package) id.
    #[serde(deserialize_with = "nullable")]
    pub socket_id: i64,
}

/// A huge page pool: `page_size` in KiB, as cAdvisor reports it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct HugePages {
    /// KiB.
    #[serde(deserialize_with = "nullable")]
    pub page_size: u64,
    /// Pages.
    #[serde(deserialize_with = "nullable")]
    pub num_pages: u64,
}

impl MachineInfo {
    /// `NumCores`, or the number of threads listed.
    pub fn num_cores(&self) -> i64 {
        self.num_cores.unwrap_or_else(|| {
            self.topology
                .iter()
                .flat_map(|n| &n.cores)
                .map(|c| c.threads.len() as i64)
                .sum()
        })
    }

    /// `NumSockets`, or the number of distinct `socket_id`s.
    pub fn num_sockets(&self) -> i64 {
        self.num_sockets.unwrap_or_else(|| {
            let s: std::collections::BTreeSet<i64> = self
                .topology
                .iter()
                .flat_map(|n| &n.cores)
                .map(|c| c.socket_id)
                .collect();
            s.len() as i64
        })
    }

    /// `MemoryCapacity`, or the sum of the nodes' memory.
    pub fn memory_capacity(&self) -> u64 {
        self.memory_capacity.unwrap_or_else(|| {
            self.topology
                .iter()
                .fold(0u64, |a, n| a.wrapping_add(n.memory))
        })
    }

    /// `HugePages`, or the per-size sum over the nodes (sizes ascending).
    pub fn machine_hugepages(&self) -> Vec<HugePages> {
        if let Some(h) = &self.hugepages {
            return h.clone();
        }
        let mut sum: BTreeMap<u64, u64> = BTreeMap::new();
        for h in self.topology.iter().flat_map(|n| &n.hugepages) {
            let e = sum.entry(h.page_size).or_insert(0);
            *e = e.wrapping_add(h.num_pages);
        }
        sum.into_iter()
            .map(|(page_size, num_pages)| HugePages {
                page_size,
                num_pages,
            })
            .collect()
    }
}

/// `corehelper.HugePageResourceName`: `hugepages-` + the BinarySI text of
/// the page size in bytes (`2048` KiB -> `hugepages-2Mi`).
pub fn hugepage_name(page_size_kib: u64) -> String {
    format!(
        "hugepages-{}",
        Qty::binary((page_size_kib as i64).wrapping_mul(1024)).string()
    )
}

/// `utilerrors.NewAggregate(errs).Error()`: one message alone, several
/// deduplicated and joined as `[a, b]`.
fn aggregate(msgs: Vec<String>) -> Result<(), NodeError> {
    let mut uniq: Vec<String> = Vec::new();
    for m in msgs {
        if !uniq.contains(&m) {
            uniq.push(m);
        }
    }
    match uniq.len() {
        0 => Ok(()),
        1 => Err(NodeError::Kubelet(uniq.remove(0))),
        _ => Err(NodeError::Kubelet(format!("[{}]", uniq.join(", ")))),
    }
}

/// `ValidateKubeletConfiguration`, the part that reads these fields, in the
/// kubelet's order (oracle `nodeValidateConfig`): `reservedSystemCPUs`
/// (1.17+: cgroup conflict, then parse; texts 1.17–1.19 / 1.20–1.22 /
/// 1.23+, PR 105360) and `reservedMemory` (1.21+,
/// `validateReservedMemoryConfiguration`).
pub fn validate_config(kc: &KubeletConfig, rel: Release) -> Result<(), NodeError> {
    let r = rel.minor();
    let mut msgs = Vec::new();
    if !kc.reserved_system_cpus.is_empty() {
        if !kc.system_reserved_cgroup.is_empty() || !kc.kube_reserved_cgroup.is_empty() {
            msgs.push(match r {
                23.. => "invalid configuration: can't use reservedSystemCPUs (--reserved-cpus) with systemReservedCgroup (--system-reserved-cgroup) or kubeReservedCgroup (--kube-reserved-cgroup)",
                20.. => "can't use reservedSystemCPUs (--reserved-cpus) with systemReservedCgroup (--system-reserved-cgroup) or kubeReservedCgroup (--kube-reserved-cgroup)",
                _ => "can't use --reserved-cpus with --system-reserved-cgroup or --kube-reserved-cgroup",
            }.to_owned());
        }
        if let Err(e) = CpuSet::parse(&kc.reserved_system_cpus) {
            msgs.push(match r {
                23.. => format!(
                    "invalid configuration: unable to parse reservedSystemCPUs (--reserved-cpus) {}, error: {e}",
                    kc.reserved_system_cpus
                ),
                20.. => format!("unable to parse reservedSystemCPUs (--reserved-cpus), error: {e}"),
                _ => format!("unable to parse --reserved-cpus, error: {e}"),
            });
        }
    }
    if r >= 21 {
        msgs.extend(validate_reserved_memory_config(&kc.reserved_memory));
    }
    aggregate(msgs)
}

/// `validateReservedMemoryConfiguration`: per reservation, per limit type
/// (sorted; the kubelet walks a map): unsupported type, zero, duplicate.
fn validate_reserved_memory_config(rs: &[MemoryReservation]) -> Vec<String> {
    let mut msgs = Vec::new();
    let mut seen: BTreeMap<i32, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for r in rs {
        let seen = seen.entry(r.numa_node).or_default();
        for (name, q) in &r.limits {
            if name != "memory" && !name.starts_with("hugepages-") {
                msgs.push(format!("invalid configuration: the limit type {} for NUMA node {} is not supported, only [memory hugepages-<HugePageSize>] is accepted", quote(name), r.numa_node));
            }
            if q.qty().is_zero() {
                msgs.push(format!(
                    "invalid configuration: reserved memory may not be zero for NUMA node {} and resource {}",
                    r.numa_node,
                    quote(name)
                ));
            }
            if !seen.insert(name) {
                msgs.push(format!("invalid configuration: the reserved memory has a duplicate value for NUMA node {} and resource {}", r.numa_node, quote(name)));
            }
        }
    }
    msgs
}

/// What server.go and the container manager derive from the configuration
/// before the managers exist (oracle `nodeReserved`).
#[derive(Debug, Clone, Default)]
pub struct Reserved {
    /// `--reserved-cpus`, parsed (empty when unset).
    pub reserved_cpus: Vec<i64>,
    /// `GetNodeAllocatableReservation()`: resource -> non-zero reservation.
    pub allocatable: BTreeMap<String, Qty>,
}

/// `parseResourceList` and its caller in server.go (keys sorted; the
/// kubelet walks a map). 1.27+ (PR 114169, inferred) name the flag and the
/// resource; earlier errors are bare.
fn parse_resource_list(
    flag: &str,
    m: &BTreeMap<String, String>,
    rel: Release,
) -> Result<BTreeMap<String, Qty>, NodeError> {
    let wrapped = rel.minor() >= 27;
    let wrap = |msg: String| {
        NodeError::Kubelet(if wrapped {
            format!("{flag} value failed to parse: {msg}")
        } else {
            msg
        })
    };
    let mut out = BTreeMap::new();
    for (k, v) in m {
        match k.as_str() {
            "cpu" | "memory" | "ephemeral-storage" | "pid" => {
                let q = Qty::parse(v).map_err(|e| {
                    wrap(if wrapped {
                        format!(
                            "failed to parse quantity {} for {} resource: {e}",
                            quote(v),
                            quote(k)
                        )
                    } else {
                        e
                    })
                })?;
                if q.sign() == -1 {
                    return Err(wrap(format!(
                        "resource quantity for {} cannot be negative: {v}",
                        quote(k)
                    )));
                }
                out.insert(k.clone(), q);
            }
            _ => return Err(wrap(format!("cannot reserve {} resource", quote(k)))),
        }
    }
    Ok(out)
}

/// The eviction package's `validSignal` for a release: `containerfs.*`
/// from 1.29 (PR 120616); `pid.available` from 1.14 (PR 72844; earlier
/// releases are not modelled: undetermined).
fn eviction_signal_valid(signal: &str, rel: Release) -> Result<bool, NodeError> {
    Ok(match signal {
        "memory.available"
        | "allocatableMemory.available"
        | "nodefs.available"
        | "nodefs.inodesFree"
        | "imagefs.available"
        | "imagefs.inodesFree" => true,
        "pid.available" => {
            if rel.minor() < 14 {
                return Err(NodeError::Undetermined(format!(
                    "evictionHard {}: whether kubelet 1.{} accepts that signal is not modelled (it is valid from 1.14)",
                    quote(signal),
                    rel.minor()
                )));
            }
            true
        }
        "containerfs.available" | "containerfs.inodesFree" => rel.minor() >= 29,
        _ => false,
    })
}

/// Go's `strconv.ParseFloat(s, 32)` as far as the eviction thresholds need
/// it: decimal syntax, `inf`/`infinity`/`nan`; hexadecimal floats and
/// underscores are not modelled (reported as syntax errors).
fn parse_float32(s: &str) -> Result<f32, NumError> {
    let err = |kind| NumError {
        func: "ParseFloat",
        num: s.to_owned(),
        kind,
    };
    let body = s.trim_start_matches(['+', '-']);
    let ok_syntax = s.len() - body.len() <= 1
        && !body.is_empty()
        && body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        || ["inf", "infinity", "nan"].contains(&body.to_ascii_lowercase().as_str());
    if !ok_syntax {
        return Err(err(NumErrorKind::Syntax));
    }
    let f: f32 = s.parse().map_err(|_| err(NumErrorKind::Syntax))?;
    if f.is_infinite() && !body.to_ascii_lowercase().starts_with("inf") {
        return Err(err(NumErrorKind::Range));
    }
    Ok(f)
}

/// `eviction.ParseThresholdConfig` over evictionHard (every key, sorted;
/// the kubelet's order is random), as server.go runs it before the
/// container manager exists; returns the `memory.available` threshold as a
/// quantity (oracle `nodeEvictionMemory`). `0%`/`100%` are ignored (1.10+,
/// PR 59681); a percentage must be in [0, 100] (before 1.21, PR 97321, the
/// fraction was compared with 100); a quantity must be positive.
fn eviction_memory(node: &Node, rel: Release) -> Result<Option<Qty>, NodeError> {
    let default: BTreeMap<String, String> =
        [("memory.available".to_owned(), "100Mi".to_owned())].into();
    let eh = node
        .kubelet_config
        .eviction_hard
        .as_ref()
        .unwrap_or(&default);
    let mut mem = None;
    for (signal, v) in eh {
        if !eviction_signal_valid(signal, rel)? {
            return Err(NodeError::Kubelet(format!(
                "unsupported eviction signal {signal}"
            )));
        }
        let q = if v.ends_with('%') {
            if rel.minor() >= 10 && (v == "0%" || v == "100%") {
                continue;
            }
            let f = parse_float32(v.trim_end_matches('%'))
                .map_err(|e| NodeError::Kubelet(e.to_string()))?;
            let p = f / 100.0;
            if p < 0.0 {
                return Err(NodeError::Kubelet(format!(
                    "eviction percentage threshold {signal} must be >= 0%: {v}"
                )));
            }
            if (rel.minor() >= 21 && p > 1.0) || (rel.minor() < 21 && p > 100.0) {
                return Err(NodeError::Kubelet(format!(
                    "eviction percentage threshold {signal} must be <= 100%: {v}"
                )));
            }
            let capacity = node.machine_info.memory_capacity();
            // int64(float64(capacity) * float64(p)): Go saturates nothing
            // here; Rust's `as` saturates, which differs only past 2^63.
            Qty::binary((capacity as f64 * f64::from(p)) as i64)
        } else {
            let q = Qty::parse(v).map_err(NodeError::Kubelet)?;
            if q.sign() <= 0 {
                return Err(NodeError::Kubelet(format!(
                    "eviction threshold {signal} must be positive: {}",
                    q.string()
                )));
            }
            q
        };
        if signal == "memory.available" {
            mem = Some(q);
        }
    }
    Ok(mem)
}

/// `cadvisor.CapacityFromMachineInfo`'s keys: cpu, memory and one
/// `hugepages-<size>` per machine-wide page size.
fn capacity_keys(m: &MachineInfo) -> Vec<String> {
    let mut keys = vec!["cpu".to_owned(), "memory".to_owned()];
    keys.extend(
        m.machine_hugepages()
            .iter()
            .map(|h| hugepage_name(h.page_size)),
    );
    keys
}

/// server.go `run()` with the configuration before the container manager
/// exists (oracle `nodeReservation`): the reserved CPU list (1.17–1.21
/// range check, 1.22+ `getReservedCPUs`) and its override of the cpu
/// reservation, parseResourceList of kube and system reserved,
/// ParseThresholdConfig of evictionHard; then
/// `GetNodeAllocatableReservation()`: per capacity key, system + kube
/// reserved + hard eviction, kept when non-zero.
fn reservation(node: &Node, rel: Release) -> Result<Reserved, NodeError> {
    let kc = &node.kubelet_config;
    let mut res = Reserved::default();
    let mut kube = kc.kube_reserved.clone();
    let mut sys = kc.system_reserved.clone();
    if !kc.reserved_system_cpus.is_empty() {
        let set = super::cpu::reserved_cpus(node, &kc.reserved_system_cpus, rel)?;
        if !set.is_empty() {
            kube.remove("cpu");
            sys.insert("cpu".into(), set.len().to_string());
            res.reserved_cpus = set;
        }
    }
    let kube_q = parse_resource_list("--kube-reserved", &kube, rel)?;
    let sys_q = parse_resource_list("--system-reserved", &sys, rel)?;
    let evict = eviction_memory(node, rel)?;
    let missing = Qty::default();
    for k in capacity_keys(&node.machine_info) {
        let mut v = Qty::zero_decimal();
        v.add(sys_q.get(&k).unwrap_or(&missing));
        v.add(kube_q.get(&k).unwrap_or(&missing));
        if let (Some(e), "memory") = (&evict, k.as_str()) {
            v.add(e);
        }
        if !v.is_zero() {
            res.allocatable.insert(k, v);
        }
    }
    Ok(res)
}

/// Everything the kubelet does with the configuration before it creates a
/// manager, whatever the policies (oracle `nodeStartConfig`):
/// KubeletConfiguration validation, then server.go's parsing. Fields a
/// release did not have are `Undetermined` (the oracle exits 2).
pub fn start_config(node: &Node, rel: Release) -> Result<Reserved, NodeError> {
    let kc = &node.kubelet_config;
    if rel.minor() < 17 && !kc.reserved_system_cpus.is_empty() {
        return Err(NodeError::Undetermined(format!(
            "reservedSystemCPUs did not exist in kubelet 1.{} (added in 1.17)",
            rel.minor()
        )));
    }
    if rel.minor() < 22 && !kc.cpu_manager_policy_options.is_empty() {
        return Err(NodeError::Undetermined(format!(
            "cpuManagerPolicyOptions did not exist in kubelet 1.{} (added in 1.22)",
            rel.minor()
        )));
    }
    validate_config(kc, rel)?;
    reservation(node, rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_is_rfc7386() {
        let mut t = serde_json::json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        merge_patch(
            &mut t,
            &serde_json::json!({"a": {"b": null, "d": 3}, "l": [3]}),
        );
        assert_eq!(t, serde_json::json!({"a": {"c": 2, "d": 3}, "l": [3]}));
    }

    #[test]
    fn float32_syntax() {
        assert_eq!(parse_float32("5").unwrap(), 5.0);
        assert_eq!(
            parse_float32("abc").unwrap_err().to_string(),
            "strconv.ParseFloat: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            parse_float32("1e40").unwrap_err().to_string(),
            "strconv.ParseFloat: parsing \"1e40\": value out of range"
        );
    }

    #[test]
    fn hugepage_names() {
        assert_eq!(hugepage_name(2048), "hugepages-2Mi");
        assert_eq!(hugepage_name(1048576), "hugepages-1Gi");
    }
}

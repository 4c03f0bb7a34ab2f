//! The CPU manager's version-neutral state (see [`crate::formats::state`]):
//! what every `cpu_manager_state` shape holds, in Rust terms.
//!
//! It holds the union of the shapes: container-ID keyed entries (cpu-file,
//! cpu-v1), pod/container keyed entries (cpu-v2+), pod-level sets (cpu-v3,
//! cpu-v4) and the cpu-v4 baselines, so that any shape can later be lowered
//! from it and say what it could not hold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::resmgr::{decode, decode_ok, DataEnvelope, SpewKind};
use crate::formats::state::Source;
use crate::go::cpuset::CpuSet;

use super::types::{
    CheckpointData, CheckpointV4, ContainerCpuBaselines, PodContainerMap, PodCpuAssignments,
    StateFileData, StringMap,
};
use super::v1::CpuV1;
use super::v2::CpuV2;
use super::v3::CpuV3;

/// A CPU manager state, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuState {
    /// Kind and checksum status.
    pub source: Source,
    /// `policyName`: the policy that wrote the file (`none`, `static`).
    pub policy_name: String,
    /// `defaultCpuSet`: the shared pool every container without exclusive
    /// CPUs runs on.
    pub default_cpu_set: CpuList,
    /// How the shape keys its container entries.
    pub keyed_by: CpuKeying,
    /// Pod UID -> the pod's entries (cpu-v2+): containers and pod-level set.
    /// Empty for container-ID keyed shapes.
    #[serde(default)]
    pub pods: BTreeMap<String, CpuPod>,
    /// Container runtime ID -> exclusive CPUs (cpu-file, cpu-v1). Empty for
    /// pod-keyed shapes.
    #[serde(default)]
    pub containers_by_id: BTreeMap<String, CpuList>,
    /// Pod UID -> container -> baseline text (cpu-v4 `baselines`, a 1.37
    /// development member whose meaning is not settled).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub baselines: BTreeMap<String, BTreeMap<String, String>>,
}

/// Which key a shape files container entries under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CpuKeying {
    /// Container runtime ID (cpu-file, cpu-v1).
    ContainerId,
    /// Pod UID, then container name (cpu-v2 … cpu-v4).
    PodContainer,
}

/// One pod's CPU entries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CpuPod {
    /// Whether the pod has a key in `entries` (a pod may appear only in
    /// `podEntries`; a key with no containers is kubernetes issue 141993).
    pub in_entries: bool,
    /// Container name -> exclusive CPUs.
    #[serde(default)]
    pub containers: BTreeMap<String, CpuList>,
    /// The pod-level set from `podEntries` (cpu-v3, cpu-v4), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cpu_set: Option<CpuList>,
}

/// A cpu list as stored, and its CPUs when it parses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CpuList {
    /// The text as stored (`0-3,7`): kept because the writers re-render it
    /// and a diff must see a rewrite as no change.
    pub text: String,
    /// The CPU ids, ascending (empty when the text does not parse).
    pub cpus: Vec<i64>,
    /// The kubelet's parse error, when the text is not a valid cpuset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CpuList {
    /// Parses `text` as the kubelet's `cpuset.Parse` does.
    pub fn parse(text: &str) -> CpuList {
        match CpuSet::parse(text) {
            Ok(s) => CpuList {
                text: text.to_string(),
                cpus: s.iter().collect(),
                error: None,
            },
            Err(e) => CpuList {
                text: text.to_string(),
                cpus: Vec::new(),
                error: Some(e.to_string()),
            },
        }
    }

    /// The set (empty when the text does not parse).
    pub fn set(&self) -> CpuSet {
        CpuSet::from_ids(self.cpus.iter().copied())
    }
}

impl CpuState {
    /// Every container's exclusive CPUs, as (owner, list): `pod/container`
    /// for pod-keyed shapes, the container ID otherwise (pod-level sets are
    /// not containers' and are left out).
    pub fn owners(&self) -> Vec<(String, &CpuList)> {
        let mut out = Vec::new();
        for (pod, p) in &self.pods {
            for (c, l) in &p.containers {
                out.push((format!("{pod}/{c}"), l));
            }
        }
        for (id, l) in &self.containers_by_id {
            out.push((id.clone(), l));
        }
        out
    }
}

fn pods_of(
    entries: &Option<PodContainerMap>,
    pod_entries: Option<&PodCpuAssignments>,
) -> BTreeMap<String, CpuPod> {
    let mut pods: BTreeMap<String, CpuPod> = BTreeMap::new();
    for (pod, cs) in entries.iter().flatten() {
        let p = pods.entry(pod.clone()).or_default();
        p.in_entries = true;
        for (c, list) in cs.iter().flatten() {
            p.containers.insert(c.clone(), CpuList::parse(list));
        }
    }
    for (pod, e) in pod_entries.and_then(|p| p.0.as_ref()).into_iter().flatten() {
        let text = e.cpu_set.to_string();
        pods.entry(pod.clone()).or_default().pod_cpu_set = Some(CpuList::parse(&text));
    }
    pods
}

fn by_id(entries: &Option<StringMap>) -> BTreeMap<String, CpuList> {
    entries
        .iter()
        .flatten()
        .map(|(id, l)| (id.clone(), CpuList::parse(l)))
        .collect()
}

fn baselines_of(b: &ContainerCpuBaselines) -> BTreeMap<String, BTreeMap<String, String>> {
    b.0.iter()
        .flatten()
        .map(|(pod, cs)| {
            let cs = cs
                .iter()
                .flatten()
                .map(|(c, b)| (c.clone(), b.baseline.clone()))
                .collect();
            (pod.clone(), cs)
        })
        .collect()
}

fn pod_keyed(
    source: Source,
    policy: &str,
    default: &str,
    entries: &Option<PodContainerMap>,
    pod_entries: Option<&PodCpuAssignments>,
) -> CpuState {
    CpuState {
        source,
        policy_name: policy.to_string(),
        default_cpu_set: CpuList::parse(default),
        keyed_by: CpuKeying::PodContainer,
        pods: pods_of(entries, pod_entries),
        containers_by_id: BTreeMap::new(),
        baselines: BTreeMap::new(),
    }
}

fn id_keyed(source: Source, policy: &str, default: &str, entries: &Option<StringMap>) -> CpuState {
    CpuState {
        source,
        policy_name: policy.to_string(),
        default_cpu_set: CpuList::parse(default),
        keyed_by: CpuKeying::ContainerId,
        pods: BTreeMap::new(),
        containers_by_id: by_id(entries),
        baselines: BTreeMap::new(),
    }
}

/// The cpu-v4 payload (`data`), decoded whatever the data checksum says.
fn v4_payload(bytes: &[u8]) -> Result<CheckpointData, String> {
    let (cp, r) = decode(bytes, &<CheckpointV4 as DataEnvelope>::new_checkpoint());
    r.map_err(|e| e.message)?;
    decode_ok(
        cp.data.as_bytes(),
        &<CheckpointV4 as DataEnvelope>::new_data(),
    )
    .map_err(|e| format!("data: {}", e.message))
}

/// Lifts a `cpu_manager_state` of kind `name` (decoded with the kind's
/// constructor, checksum not required). `None` for a kind of another family.
pub fn lift(name: &str, bytes: &[u8], source: Source) -> Option<Result<CpuState, String>> {
    let m = |e: crate::go::json::UnmarshalError| e.message;
    Some(match name {
        // The file backend starts without state from an empty file.
        "cpu-file" if bytes.is_empty() => Ok(id_keyed(source, "", "", &None)),
        "cpu-file" => decode_ok(bytes, &StateFileData::default())
            .map_err(m)
            .map(|d| id_keyed(source, &d.policy_name, &d.default_cpu_set, &d.entries)),
        "cpu-v1" => decode_ok(bytes, &CpuV1::new_checkpoint())
            .map_err(m)
            .map(|d| id_keyed(source, &d.policy_name, &d.default_cpu_set, &d.entries)),
        "cpu-v2" => decode_ok(bytes, &CpuV2::new_checkpoint())
            .map_err(m)
            .map(|d| pod_keyed(source, &d.policy_name, &d.default_cpu_set, &d.entries, None)),
        "cpu-v3" => decode_ok(bytes, &CpuV3::new_checkpoint())
            .map_err(m)
            .map(|d| {
                pod_keyed(
                    source,
                    &d.policy_name,
                    &d.default_cpu_set,
                    &d.entries,
                    Some(&d.pod_entries),
                )
            }),
        "cpu-v4" => v4_payload(bytes).map(|d| {
            let mut s = pod_keyed(
                source,
                &d.policy_name,
                &d.default_cpu_set,
                &d.entries,
                Some(&d.pod_entries),
            );
            s.baselines = baselines_of(&d.baselines);
            s
        }),
        _ => return None,
    })
}

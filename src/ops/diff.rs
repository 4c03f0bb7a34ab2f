//! `diff A B`: what changed between two files of one family, compared
//! through the version-neutral state, so any two shapes compare (cpu-v1
//! against cpu-v3, a device-v1 file against a device-v2 one, before and
//! after a kubelet upgrade).
//!
//! Each state is flattened into subjects (`pod <uid> container <name>`,
//! `numa 0 memory`, `claim <ns>/<name>`) with a comparable value; the
//! report lists subjects added, removed and changed. What only the Go shape
//! distinguishes (how a cpu list is spelled, the checksum, the shape
//! itself) is not a change of state; the report names both kinds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use crate::formats::state::{CpuList, MemoryBlock, State};
use crate::ops::inspect::{lift_file, InspectError};
use crate::ops::verify as vops;

/// The result of `diff`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// The first file and its kind.
    pub a: Side,
    /// The second file and its kind.
    pub b: Side,
    /// The family both belong to (`cpu`, `memory`, ...).
    pub family: &'static str,
    /// The differences, by subject.
    pub changes: Vec<Change>,
}

/// One side of a diff.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// The file.
    pub file: PathBuf,
    /// The kind it was read as.
    pub kind: String,
    /// Whether its checksum held (`None`: no checksum or not known).
    pub checksum_verified: Option<bool>,
}

/// How a subject differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, with different values.
    Changed,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// What (`pod <uid> container <name> cpus`).
    pub subject: String,
    /// The value in A (absent when added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value in B (absent when removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// A short text of the values for people (`2-3 -> 2-5`).
    pub summary: String,
}

/// Why two files cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// One file could not be read or decoded.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// The files belong to different families.
    #[error("{a} is a {fa} file and {b} a {fb} file: only files of one family compare")]
    Families {
        /// The first file.
        a: PathBuf,
        /// Its family.
        fa: &'static str,
        /// The second file.
        b: PathBuf,
        /// Its family.
        fb: &'static str,
    },
}

/// NUMA node -> device ids.
type NumaDevices = BTreeMap<i64, Vec<String>>;

/// A comparable value and its text.
struct Item {
    value: Value,
    text: String,
}

fn item(value: Value, text: impl Into<String>) -> Item {
    Item {
        value,
        text: text.into(),
    }
}

/// A cpu list compares by its CPUs (the spelling is the writer's), or by
/// its text when it does not parse.
fn cpus(l: &CpuList) -> Item {
    match &l.error {
        Some(_) => item(json!({ "text": l.text }), format!("{:?}", l.text)),
        None => item(
            json!(l.cpus),
            if l.cpus.is_empty() {
                "(empty)".to_string()
            } else {
                l.set().to_string()
            },
        ),
    }
}

fn blocks(bs: &[MemoryBlock]) -> Item {
    let mut v: Vec<_> = bs.to_vec();
    v.sort_by(|a, b| {
        (&a.resource, &a.numa_affinity, a.size).cmp(&(&b.resource, &b.numa_affinity, b.size))
    });
    let text = v
        .iter()
        .map(|b| format!("{} {} on {:?}", b.resource, b.size, b.numa_affinity))
        .collect::<Vec<_>>()
        .join("; ");
    item(serde_json::to_value(&v).unwrap_or_default(), text)
}

fn any<T: Serialize>(v: &T) -> Item {
    let value = serde_json::to_value(v).unwrap_or_default();
    let text = serde_json::to_string(&value).unwrap_or_default();
    item(value, text)
}

/// The subjects of a state.
fn subjects(s: &State) -> BTreeMap<String, Item> {
    let mut m = BTreeMap::new();
    match s {
        State::Cpu(s) => {
            m.insert("policy".into(), any(&s.policy_name));
            m.insert("default cpu set".into(), cpus(&s.default_cpu_set));
            for (pod, p) in &s.pods {
                if p.in_entries && p.containers.is_empty() {
                    m.insert(
                        format!("pod {pod}"),
                        item(json!("no containers"), "no containers"),
                    );
                }
                for (c, l) in &p.containers {
                    m.insert(format!("pod {pod} container {c} cpus"), cpus(l));
                }
                if let Some(l) = &p.pod_cpu_set {
                    m.insert(format!("pod {pod} pod-level cpus"), cpus(l));
                }
            }
            for (id, l) in &s.containers_by_id {
                m.insert(format!("container id {id} cpus"), cpus(l));
            }
            for (pod, cs) in &s.baselines {
                for (c, b) in cs {
                    m.insert(format!("pod {pod} container {c} baseline"), any(b));
                }
            }
        }
        State::Memory(s) => {
            m.insert("policy".into(), any(&s.policy_name));
            for (node, st) in &s.machine_state {
                let Some(st) = st else {
                    m.insert(format!("numa {node}"), item(Value::Null, "null"));
                    continue;
                };
                m.insert(format!("numa {node} cells"), any(&st.cells));
                m.insert(
                    format!("numa {node} assignments"),
                    any(&st.number_of_assignments),
                );
                for (res, t) in st.memory_map.iter().flatten() {
                    m.insert(format!("numa {node} {res}"), any(t));
                }
            }
            for (pod, p) in &s.pods {
                if p.in_entries && p.containers.is_empty() {
                    m.insert(
                        format!("pod {pod}"),
                        item(json!("no containers"), "no containers"),
                    );
                }
                for (c, b) in &p.containers {
                    m.insert(format!("pod {pod} container {c} memory"), blocks(b));
                }
                if let Some(b) = &p.pod_blocks {
                    m.insert(format!("pod {pod} pod-level memory"), blocks(b));
                }
            }
        }
        State::Device(s) => {
            for (res, ids) in &s.registered_devices {
                let mut ids = ids.clone();
                ids.sort();
                m.insert(format!("registered {res}"), any(&ids));
            }
            // Entries merge per (pod, container, resource), as the
            // kubelet's pod devices map does; the file order is the
            // writer's map iteration order and is no change.
            let mut per: BTreeMap<String, (NumaDevices, Vec<u8>)> = BTreeMap::new();
            for a in &s.allocations {
                let key = format!(
                    "pod {} container {} {}",
                    a.pod_uid, a.container_name, a.resource_name
                );
                let e = per.entry(key).or_default();
                for (n, ids) in &a.devices_per_numa {
                    e.0.entry(*n).or_default().extend(ids.iter().cloned());
                }
                e.1 = a.alloc_resp.clone();
            }
            for (key, (mut numa, resp)) in per {
                for ids in numa.values_mut() {
                    ids.sort();
                }
                m.insert(format!("{key} devices"), any(&numa));
                m.insert(
                    format!("{key} allocate response"),
                    item(
                        json!(crate::formats::state::hex_bytes::encode(&resp)),
                        format!("{} bytes", resp.len()),
                    ),
                );
            }
        }
        State::Dra(s) => {
            for c in &s.claims {
                let k = format!("claim {}/{} ({})", c.namespace, c.claim_name, c.claim_uid);
                m.insert(format!("{k} pods"), any(&c.pod_uids));
                m.insert(format!("{k} drivers"), any(&c.drivers));
                if c.driver_name.is_some() || c.class_name.is_some() {
                    m.insert(format!("{k} class"), any(&(&c.driver_name, &c.class_name)));
                }
                if !c.resource_handles.is_empty() {
                    m.insert(format!("{k} resource handles"), any(&c.resource_handles));
                }
            }
        }
        State::PodResize(s) => {
            for (pod, p) in &s.pods {
                for (c, r) in &p.containers {
                    m.insert(format!("pod {pod} container {c}"), any(r));
                }
                if let Some(r) = &p.pod_level {
                    m.insert(format!("pod {pod} pod-level"), any(r));
                }
                if let Some(st) = &p.resize_status {
                    m.insert(format!("pod {pod} resize status"), any(st));
                }
                for (v, q) in &p.empty_dir_volume_limits {
                    m.insert(format!("pod {pod} emptyDir {v} limit"), any(q));
                }
            }
        }
        State::Dockershim(s) => {
            m.insert("sandbox".into(), any(&(&s.namespace, &s.name, &s.version)));
            m.insert("host network".into(), any(&s.host_network));
            m.insert("data present".into(), any(&s.data_present));
            m.insert("port mappings".into(), any(&s.port_mappings));
        }
        State::ImagePull(s) => {
            let s = s.redacted();
            m.insert("record".into(), any(&(&s.record, &s.kind, &s.api_version)));
            m.insert("image".into(), any(&s.image));
            m.insert("image ref".into(), any(&s.image_ref));
            m.insert("last updated".into(), any(&s.last_updated_time));
            for (img, c) in &s.credential_mapping {
                m.insert(format!("credentials for {img}"), any(c));
            }
            m.insert("observed images".into(), any(&s.observed_images));
        }
        State::Other(s) => {
            m.insert("content".into(), any(&(&s.document, &s.text)));
        }
    }
    m
}

/// Compares two states of one family (`None` when the families differ).
pub fn diff_states(a: &State, b: &State) -> Option<Vec<Change>> {
    if a.family() != b.family() {
        return None;
    }
    let (sa, mut sb) = (subjects(a), subjects(b));
    let mut out = Vec::new();
    for (k, va) in sa {
        match sb.remove(&k) {
            None => out.push(Change {
                change: ChangeKind::Removed,
                summary: va.text,
                before: Some(va.value),
                after: None,
                subject: k,
            }),
            Some(vb) if vb.value != va.value => out.push(Change {
                change: ChangeKind::Changed,
                summary: format!("{} -> {}", va.text, vb.text),
                before: Some(va.value),
                after: Some(vb.value),
                subject: k,
            }),
            Some(_) => {}
        }
    }
    for (k, vb) in sb {
        out.push(Change {
            change: ChangeKind::Added,
            summary: vb.text,
            before: None,
            after: Some(vb.value),
            subject: k,
        });
    }
    out.sort_by(|x, y| x.subject.cmp(&y.subject));
    Some(out)
}

/// `diff` of two files, each read as its detected kind (or `kind_a` /
/// `kind_b` when given).
pub fn diff_files(
    a: &Path,
    kind_a: Option<&str>,
    b: &Path,
    kind_b: Option<&str>,
    max_size: u64,
) -> Result<DiffReport, DiffError> {
    let read = |p: &Path, k| -> Result<State, DiffError> {
        let bytes = vops::read(p, max_size).map_err(InspectError::from)?;
        Ok(lift_file(p, &bytes, k)?.0)
    };
    let (sa, sb) = (read(a, kind_a)?, read(b, kind_b)?);
    let changes = diff_states(&sa, &sb).ok_or_else(|| DiffError::Families {
        a: a.to_path_buf(),
        fa: sa.family(),
        b: b.to_path_buf(),
        fb: sb.family(),
    })?;
    let side = |p: &Path, s: &State| Side {
        file: p.to_path_buf(),
        kind: s.source().kind.clone(),
        checksum_verified: s.source().checksum.verified(),
    };
    Ok(DiffReport {
        a: side(a, &sa),
        b: side(b, &sb),
        family: sa.family(),
        changes,
    })
}

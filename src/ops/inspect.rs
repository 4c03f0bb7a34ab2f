//! `inspect`: what a file holds, in the family's version-neutral state,
//! with the kubelet's verdict and the semantic warnings that need no node
//! facts (most real incidents have a valid checksum: the file is intact,
//! its content is wrong).
//!
//! The report is data ([`InspectReport`], `Serialize`); the CLI renders it
//! as text, JSON or YAML. Secrets (image-pull secret coordinates) are
//! redacted in the report's state, never printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::formats::state::{lift, CpuKeying, CpuState, DeviceState, MemoryState, State};
use crate::formats::{Shape, VerifyOptions};
use crate::go::cpuset::CpuSet;
use crate::ops::verify::{self as vops, OpError};

/// The result of `inspect` on one file.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// What was read and the kubelet's verdict on it.
    pub header: Header,
    /// The family state (secrets redacted).
    pub state: State,
    /// Semantic warnings, in a stable order (by code, then subject).
    pub warnings: Vec<Warning>,
}

/// What was read and how the kubelet judges it.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// The file as given.
    pub file: PathBuf,
    /// The kind it was read as.
    pub kind: &'static str,
    /// `given` (`--kind`) or `detected`.
    pub kind_source: &'static str,
    /// The kubelet releases that write or read this shape.
    pub releases: &'static str,
    /// The checksum scheme (`fnv32a(spew)`, `none`, ...).
    pub scheme: &'static str,
    /// The stored checksum, when the shape has one and it decodes.
    pub stored_checksum: Option<u64>,
    /// The checksum the kubelet would store for this content.
    pub computed_checksum: Option<u64>,
    /// The kubelet's verdict: `ok`, `corrupt`, `invalid-json`, `rejected`.
    pub verdict: &'static str,
    /// The reader's message (empty for a plain `ok`).
    pub message: String,
}

/// Kinds of semantic warning; each names a real failure mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// Two containers of different pods (or two container IDs) hold the
    /// same exclusive CPU. Containers of one pod may share: the static
    /// policy hands an init container's CPUs on to the app containers.
    OverlappingExclusiveCpus,
    /// A CPU is both in the default (shared) set and held exclusively.
    SharedAndExclusiveCpu,
    /// A cpu list does not parse (the kubelet refuses the file).
    InvalidCpuSet,
    /// A memory table does not add up: `free != allocatable - reserved` or
    /// `allocatable != total - systemReserved`.
    MemoryAccounting,
    /// Two NUMA nodes' cell groups overlap without being equal (kubernetes
    /// issue 113035: the kubelet then fails `validateState` on restart).
    OverlappingCells,
    /// One device is assigned to two containers.
    DeviceInTwoContainers,
    /// A pod key in `entries` with no containers (kubernetes issue 141993).
    PodWithoutContainers,
}

/// One semantic warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What kind of problem.
    pub code: WarningCode,
    /// What it concerns (`pod/container`, `numa 0/memory`, a device id).
    pub subject: String,
    /// For people.
    pub message: String,
}

/// `inspect` errors: the file could not be read, or it does not decode as
/// the kind at all (nothing to show).
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// Reading the file or resolving the kind failed.
    #[error(transparent)]
    Op(#[from] OpError),
    /// The bytes do not decode as the kind.
    #[error("{path}: does not decode as {kind}: {message}")]
    Undecodable {
        /// The file.
        path: PathBuf,
        /// The kind tried.
        kind: &'static str,
        /// The decoder's text.
        message: String,
    },
}

/// The kind for `bytes`: `--kind`, or detection; and whether it was given.
pub fn resolve_kind(
    path: &Path,
    bytes: &[u8],
    kind: Option<&str>,
) -> Result<(&'static dyn Shape, bool), OpError> {
    match kind {
        Some(name) => Ok((vops::kind_by_name(name)?, true)),
        // The same identification as `verify` (by content, then name).
        None => vops::resolve_kind(path, bytes, None).map(|k| (k, false)),
    }
}

/// Lifts `bytes` (the file at `path`) as `kind` or the detected kind.
pub fn lift_file(
    path: &Path,
    bytes: &[u8],
    kind: Option<&str>,
) -> Result<(State, &'static dyn Shape, bool), InspectError> {
    let (k, given) = resolve_kind(path, bytes, kind)?;
    let name = k.info().name;
    let state = match lift(name, bytes) {
        Some(Ok(s)) => s,
        Some(Err(message)) => {
            return Err(InspectError::Undecodable {
                path: path.to_path_buf(),
                kind: name,
                message,
            })
        }
        None => {
            return Err(OpError::UnknownKind {
                name: name.to_string(),
                near: None,
            }
            .into())
        }
    };
    Ok((state, k, given))
}

/// `inspect` of `bytes`, the content of `path`.
pub fn inspect_bytes(
    path: &Path,
    bytes: &[u8],
    kind: Option<&str>,
) -> Result<InspectReport, InspectError> {
    let (state, k, given) = lift_file(path, bytes, kind)?;
    let info = k.info();
    let v = k.verify(bytes, &VerifyOptions::default());
    let (mut stored, mut computed) = (v.stored_checksum, v.computed_checksum);
    if stored.is_none() && computed.is_none() {
        if let Ok(c) = k.checksum(bytes) {
            stored = c.stored;
            computed = Some(c.computed);
        }
    }
    Ok(InspectReport {
        header: Header {
            file: path.to_path_buf(),
            kind: info.name,
            kind_source: if given { "given" } else { "detected" },
            releases: info.versions,
            scheme: info.scheme.name(),
            stored_checksum: stored,
            computed_checksum: computed,
            verdict: v.verdict.as_str(),
            message: v.message,
        },
        warnings: warnings(&state),
        state: state.redacted(),
    })
}

/// `inspect` of the file at `path`.
pub fn inspect_file(
    path: &Path,
    kind: Option<&str>,
    max_size: u64,
) -> Result<InspectReport, InspectError> {
    let bytes = vops::read(path, max_size)?;
    inspect_bytes(path, &bytes, kind)
}

/// The semantic warnings of a state, sorted.
pub fn warnings(state: &State) -> Vec<Warning> {
    let mut w = match state {
        State::Cpu(s) => cpu_warnings(s),
        State::Memory(s) => memory_warnings(s),
        State::Device(s) => device_warnings(s),
        _ => Vec::new(),
    };
    w.sort_by(|a, b| (a.code, &a.subject).cmp(&(b.code, &b.subject)));
    w.dedup();
    w
}

fn warn(code: WarningCode, subject: impl Into<String>, message: String) -> Warning {
    Warning {
        code,
        subject: subject.into(),
        message,
    }
}

/// An exclusive holder of CPUs: (pod, owner label, set).
type Holder = (Option<String>, String, CpuSet);

fn cpu_warnings(s: &CpuState) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut lists = vec![("default set".to_string(), &s.default_cpu_set)];
    let mut holders: Vec<Holder> = Vec::new();
    for (pod, p) in &s.pods {
        if p.in_entries && p.containers.is_empty() {
            out.push(warn(
                WarningCode::PodWithoutContainers,
                pod.clone(),
                format!("pod {pod} has an entry without containers"),
            ));
        }
        for (c, l) in &p.containers {
            lists.push((format!("{pod}/{c}"), l));
            holders.push((Some(pod.clone()), format!("{pod}/{c}"), l.set()));
        }
        if let Some(l) = &p.pod_cpu_set {
            lists.push((format!("{pod} (pod-level)"), l));
        }
    }
    for (id, l) in &s.containers_by_id {
        lists.push((id.clone(), l));
        holders.push((None, id.clone(), l.set()));
    }
    for (who, l) in &lists {
        if let Some(e) = &l.error {
            out.push(warn(
                WarningCode::InvalidCpuSet,
                who.clone(),
                format!("{who}: cpu list {:?} does not parse: {e}", l.text),
            ));
        }
    }
    let shared = s.default_cpu_set.set();
    for (_, who, set) in &holders {
        let both = shared.intersection(set);
        if !both.is_empty() {
            out.push(warn(
                WarningCode::SharedAndExclusiveCpu,
                who.clone(),
                format!(
                    "CPUs {both} are in the default (shared) set and held exclusively by {who}"
                ),
            ));
        }
    }
    for (i, (pa, a, sa)) in holders.iter().enumerate() {
        for (pb, b, sb) in &holders[i + 1..] {
            if s.keyed_by == CpuKeying::PodContainer && pa == pb {
                continue;
            }
            let both = sa.intersection(sb);
            if !both.is_empty() {
                out.push(warn(
                    WarningCode::OverlappingExclusiveCpus,
                    format!("{a} + {b}"),
                    format!("CPUs {both} are held exclusively by both {a} and {b}"),
                ));
            }
        }
    }
    out
}

fn memory_warnings(s: &MemoryState) -> Vec<Warning> {
    let mut out = Vec::new();
    for (pod, p) in &s.pods {
        if p.in_entries && p.containers.is_empty() {
            out.push(warn(
                WarningCode::PodWithoutContainers,
                pod.clone(),
                format!("pod {pod} has an entry without containers"),
            ));
        }
    }
    for (node, st) in &s.machine_state {
        let Some(st) = st else { continue };
        for (res, t) in st.memory_map.iter().flatten() {
            let Some(t) = t else { continue };
            let subject = format!("numa {node}/{res}");
            if t.allocatable.checked_sub(t.reserved) != Some(t.free) {
                out.push(warn(
                    WarningCode::MemoryAccounting,
                    subject.clone(),
                    format!(
                        "numa node {node} {res}: free {} != allocatable {} - reserved {}",
                        t.free, t.allocatable, t.reserved
                    ),
                ));
            }
            if t.total.checked_sub(t.system_reserved) != Some(t.allocatable) {
                out.push(warn(
                    WarningCode::MemoryAccounting,
                    subject,
                    format!(
                        "numa node {node} {res}: allocatable {} != total {} - systemReserved {}",
                        t.allocatable, t.total, t.system_reserved
                    ),
                ));
            }
        }
    }
    let cells: Vec<(i64, Vec<i64>)> = s
        .machine_state
        .iter()
        .filter_map(|(n, st)| {
            let mut c = st.as_ref()?.cells.clone();
            c.sort_unstable();
            c.dedup();
            Some((*n, c))
        })
        .collect();
    for (i, (na, ca)) in cells.iter().enumerate() {
        for (nb, cb) in &cells[i + 1..] {
            if ca != cb && ca.iter().any(|c| cb.contains(c)) {
                out.push(warn(
                    WarningCode::OverlappingCells,
                    format!("numa {na} + numa {nb}"),
                    format!(
                        "numa node {na} cells {ca:?} and node {nb} cells {cb:?} overlap without being equal (kubernetes issue 113035)"
                    ),
                ));
            }
        }
    }
    out
}

fn device_warnings(s: &DeviceState) -> Vec<Warning> {
    let mut owners: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for a in &s.allocations {
        let who = format!("{}/{}", a.pod_uid, a.container_name);
        for id in a.device_ids() {
            let o = owners.entry((a.resource_name.as_str(), id)).or_default();
            if !o.contains(&who) {
                o.push(who.clone());
            }
        }
    }
    owners
        .into_iter()
        .filter(|(_, o)| o.len() > 1)
        .map(|((res, id), o)| {
            warn(
                WarningCode::DeviceInTwoContainers,
                format!("{res}/{id}"),
                format!("device {id} of {res} is assigned to {}", o.join(" and ")),
            )
        })
        .collect()
}

//! The kubelet's start checks against the node (spec §8): what the kubelet
//! does with its configuration and the machine before and after it reads
//! the CPU and memory manager state files, per release line, with the
//! kubelet's exact error texts. A port of the Go reference's `node_*.go`
//! (`ORACLE_NODE`), which reproduces the kubelet.
//!
//! * [`config`]: node.json ([`Node`]: a KubeletConfiguration subset and
//!   cAdvisor's MachineInfo), KubeletConfiguration YAML and drop-ins, the
//!   configuration checks every kubelet makes whatever the policies.
//! * [`cpu`]: topology discovery, the reserved CPU set (per-release take),
//!   the CPU manager's construction and `validateState`.
//! * [`memory`]: the memory manager's construction and `validateState`.
//! * [`sysfs`]: node facts read from a sysfs tree.
//!
//! The order, as the oracle runs it for `ORACLE_NODE=node.json oracle KIND
//! verify` and the release chain (`release.go relVerifyReader`) calls it:
//! [`cpu_construct`] / [`memory_construct`] (errors stop the kubelet before
//! any file is read), the kind's restore with the configured policy name,
//! then [`cpu_start`] / [`memory_start`] on the restored state
//! ([`cpu_state_view`], [`memory_state_view`]). [`verify_with_node`] runs
//! all of it for one file.

pub mod config;
pub mod cpu;
pub mod memory;
pub mod qty;
pub mod sysfs;

use std::collections::BTreeMap;

pub use config::{start_config, KubeletConfig, MachineInfo, Node, Reserved};
pub use cpu::{cpu_construct, cpu_start, CpuAssignment, CpuEra, CpuPolicy, CpuStateView};
pub use memory::{
    memory_construct, memory_restore_clone, memory_start, MemBlock, MemTable, MemoryPolicy,
    MemoryStateView, NumaState,
};

use crate::formats::common::{FormatError, Verdict, Verification, VerifyOptions};
use crate::formats::cpu::{CpuAssignments, CpuAssignmentsById};
use crate::formats::memory::MemoryAssignments;
use crate::go::cpuset::CpuSet;

/// Why a start check gives no verdict, or the verdict it gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// The kubelet's own error text (the oracle prints `other: <text>`).
    #[error("{0}")]
    Kubelet(String),
    /// The kubelet's answer is not determined by the node and the file
    /// (Go map order, a take the oracle does not model, a field the
    /// release did not have): the oracle refuses with exit 2.
    #[error("{0}")]
    Undetermined(String),
}

/// A kubelet minor release, 1.8–1.37 (what the oracle's
/// `relParseVersion` accepts; the node checks themselves start at 1.9).
/// It selects the texts and algorithms of the start checks
/// (`node_release.go`, spec §8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release(u8);

/// Per node-aware kind: first and last release whose kubelet runs the
/// start checks on that shape, and the default (`nodeKindReleases`).
const KIND_RELEASES: &[(&str, u8, u8, u8)] = &[
    ("cpu-file", 9, 11, 11),
    ("cpu-v1", 12, 17, 17), // 1.18+ migrate V1 through the runtime first (not modelled)
    ("cpu-v2", 18, 37, 36),
    ("cpu-v3", 36, 37, 36),
    ("cpu-v4", 37, 37, 37),
    ("memory", 21, 37, 36),
    ("memory-v2", 36, 37, 36),
    ("memory-v3", 37, 37, 37),
];

impl Release {
    /// Minor `minor` of 1.x, if it is 8–37.
    pub fn new(minor: u8) -> Option<Release> {
        (8..=37).contains(&minor).then_some(Release(minor))
    }

    /// `1.31`, `v1.31` or `1.31.2` (as `ORACLE_RELEASE` is written).
    pub fn parse(s: &str) -> Option<Release> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let p: Vec<&str> = s.split('.').collect();
        if !(2..=3).contains(&p.len()) || p[0] != "1" {
            return None;
        }
        let m = crate::go::strconv::atoi(p[1]).ok()?;
        Release::new(u8::try_from(m).ok()?)
    }

    /// The minor number.
    pub fn minor(self) -> u8 {
        self.0
    }

    /// Which `validateState` texts the release prints (`nodeCPUEraOf`).
    pub fn cpu_era(self) -> CpuEra {
        match self.0 {
            ..=11 => CpuEra::File,
            12..=17 => CpuEra::V1,
            _ => CpuEra::V2,
        }
    }

    /// The release the start checks of `kind` run for (`nodeReleaseFor`):
    /// `requested` (as `ORACLE_RELEASE`), which must be one whose kubelet
    /// runs the checks on that shape, else the kind's newest release line
    /// (leaving out the 1.37 development line unless the shape exists only
    /// there).
    pub fn for_kind(kind: &str, requested: Option<Release>) -> Result<Release, NodeError> {
        let Some(&(_, lo, hi, def)) = KIND_RELEASES.iter().find(|r| r.0 == kind) else {
            return Err(NodeError::Undetermined(format!(
                "kind {kind:?} has no start checks against the node"
            )));
        };
        match requested {
            None => Ok(Release(def)),
            Some(r) if (lo..=hi).contains(&r.0) => Ok(r),
            Some(r) => Err(NodeError::Undetermined(format!(
                "kubelet 1.{} does not run the start checks on {kind} state (releases 1.{lo}-1.{hi} do)",
                r.0
            ))),
        }
    }
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "1.{}", self.0)
    }
}

fn parsed(s: &str) -> CpuSet {
    CpuSet::parse(s).unwrap_or_default() // the restore checked it
}

fn by_pod(cp: &dyn CpuAssignments) -> CpuStateView {
    let entries = cp.entries();
    let mut v = CpuStateView {
        policy_name: cp.policy_name().to_owned(),
        default_set: parsed(cp.default_cpu_set_text()),
        num_keys: entries.map_or(0, |e| e.len()),
        ..Default::default()
    };
    for (pod, cs) in entries.into_iter().flatten() {
        for (c, list) in cs.iter().flatten() {
            v.assignments.push(CpuAssignment {
                pod: pod.clone(),
                container: c.clone(),
                cpus: parsed(list),
            });
        }
    }
    v.pod_sets = cp
        .pod_entries()
        .into_iter()
        .flatten()
        .map(|(_, e)| e.cpu_set.clone())
        .collect();
    v
}

fn by_id(cp: &dyn CpuAssignmentsById) -> CpuStateView {
    let entries = cp.entries();
    CpuStateView {
        policy_name: cp.policy_name().to_owned(),
        default_set: parsed(cp.default_cpu_set_text()),
        num_keys: entries.map_or(0, |e| e.len()),
        assignments: entries
            .into_iter()
            .flatten()
            .map(|(id, list)| CpuAssignment {
                pod: String::new(),
                container: id.clone(),
                cpus: parsed(list),
            })
            .collect(),
        pod_sets: Vec::new(),
    }
}

/// The state `validateState` reads from a CPU manager file of kind `kind`
/// (`cpu-file`, `cpu-v1` … `cpu-v4`), decoded and restore-checked without a
/// policy (oracle `relCPUState`); `None` for other kinds.
pub fn cpu_state_view(kind: &str, bytes: &[u8]) -> Option<Result<CpuStateView, FormatError>> {
    use crate::formats::cpu::{file, v1, v2, v3, v4};
    Some(match kind {
        "cpu-file" => file::read(bytes, None).map(|d| by_id(&d)),
        "cpu-v1" => v1::read(bytes, None)
            .map(|l| by_id(&l.checkpoint))
            .map_err(|e| e.error),
        "cpu-v2" => v2::read(bytes, None)
            .map(|l| by_pod(&l.checkpoint))
            .map_err(|e| e.error),
        "cpu-v3" => v3::read(bytes, None)
            .map(|l| by_pod(&l.checkpoint))
            .map_err(|e| e.error),
        "cpu-v4" => v4::read(bytes, None)
            .map(|l| by_pod(&l.checkpoint))
            .map_err(|e| e.error),
        _ => return None,
    })
}

fn blocks(b: &Option<Vec<crate::formats::memory::types::Block>>) -> Vec<MemBlock> {
    b.iter()
        .flatten()
        .map(|b| MemBlock {
            numa_affinity: b
                .numa_affinity
                .iter()
                .flatten()
                .map(|n| *n as i64)
                .collect(),
            kind: b.kind.0.clone(),
            size: b.size,
        })
        .collect()
}

fn memory_view(cp: &dyn MemoryAssignments) -> MemoryStateView {
    let machine = cp
        .machine_state()
        .into_iter()
        .flatten()
        .map(|(id, n)| {
            let n = n.as_ref().map(|n| NumaState {
                number_of_assignments: n.number_of_assignments as i64,
                memory_map: n
                    .memory_map
                    .iter()
                    .flatten()
                    .map(|(k, t)| {
                        let t = t.as_ref().map(|t| MemTable {
                            total: t.total_mem_size,
                            system_reserved: t.system_reserved,
                            allocatable: t.allocatable,
                            reserved: t.reserved,
                            free: t.free,
                        });
                        (k.0.clone(), t)
                    })
                    .collect(),
                cells: n.cells.iter().flatten().map(|c| *c as i64).collect(),
            });
            (*id as i64, n)
        })
        .collect();
    let entries = cp
        .entries()
        .into_iter()
        .flatten()
        .map(|(pod, cs)| {
            let cs: BTreeMap<String, Vec<MemBlock>> = cs
                .iter()
                .flatten()
                .map(|(c, b)| (c.clone(), blocks(b)))
                .collect();
            (pod.clone(), cs)
        })
        .collect();
    let pod_blocks = cp
        .pod_entries()
        .into_iter()
        .flatten()
        .map(|(pod, e)| (pod.clone(), blocks(&e.memory_blocks)))
        .collect();
    MemoryStateView {
        policy_name: cp.policy_name().to_owned(),
        machine,
        entries,
        pod_blocks,
    }
}

/// The state `validateState` reads from a memory manager file of kind
/// `kind` (`memory`, `memory-v2`, `memory-v3`), decoded and checked without
/// a policy; `None` for other kinds.
pub fn memory_state_view(kind: &str, bytes: &[u8]) -> Option<Result<MemoryStateView, FormatError>> {
    use crate::formats::memory::{v1, v2, v3};
    Some(
        match kind {
            "memory" => v1::read(bytes, None).map(|l| memory_view(&l.checkpoint)),
            "memory-v2" => v2::read(bytes, None).map(|l| memory_view(&l.checkpoint)),
            "memory-v3" => v3::read(bytes, None).map(|l| memory_view(&l.checkpoint)),
            _ => return None,
        }
        .map_err(|e| e.error),
    )
}

/// One file of kind `kind` checked as a kubelet of `release` (default: the
/// kind's, see [`Release::for_kind`]) configured and running on `node`
/// would check it at start, as `ORACLE_NODE=node.json [ORACLE_RELEASE=1.NN]
/// oracle KIND verify` does: the manager's construction (configuration
/// checks and policy), the kind's restore with the configured policy name,
/// then (static policies) `validateState`. A kubelet error is a `rejected`
/// verification with the kubelet's text; `Err` when there is no verdict
/// (the oracle's exit 2: an unknown kind, a release that does not read the
/// shape, or [`NodeError::Undetermined`]).
pub fn verify_with_node(
    kind: &str,
    bytes: &[u8],
    node: &Node,
    release: Option<u8>,
) -> Result<Verification, String> {
    let requested = match release {
        Some(m) => Some(Release::new(m).ok_or_else(|| format!("release 1.{m} is not 1.8-1.37"))?),
        None => None,
    };
    let shape = crate::formats::kind(kind).ok_or_else(|| format!("unknown kind {kind:?}"))?;
    let rel = Release::for_kind(kind, requested).map_err(|e| e.to_string())?;
    let reject = |e: NodeError, stored, computed| match e {
        NodeError::Kubelet(t) => Ok(Verification::from_error(
            FormatError::Rejected(t),
            stored,
            computed,
        )),
        NodeError::Undetermined(t) => Err(t),
    };
    let kc = &node.kubelet_config;
    if kind.starts_with("cpu-") {
        let policy = match cpu_construct(rel, node) {
            Ok(p) => p,
            Err(e) => return reject(e, None, None),
        };
        let opts = VerifyOptions {
            policy: Some(kc.cpu_policy_name(rel).to_owned()),
            ..Default::default()
        };
        let v = shape.verify(bytes, &opts);
        if v.verdict != Verdict::Ok || (kind == "cpu-file" && bytes.is_empty()) {
            return Ok(v);
        }
        let st = match cpu_state_view(kind, bytes) {
            Some(Ok(st)) => st,
            Some(Err(e)) => {
                return Ok(Verification::from_error(
                    e,
                    v.stored_checksum,
                    v.computed_checksum,
                ))
            }
            None => return Ok(v),
        };
        match cpu_start(rel, &policy, &st) {
            Ok(()) => Ok(v),
            Err(e) => reject(e, v.stored_checksum, v.computed_checksum),
        }
    } else {
        let policy = match memory_construct(rel, node) {
            Ok(p) => p,
            Err(e) => return reject(e, None, None),
        };
        let opts = VerifyOptions {
            policy: Some(kc.memory_policy().to_owned()),
            ..Default::default()
        };
        let v = shape.verify(bytes, &opts);
        if v.verdict != Verdict::Ok {
            return Ok(v);
        }
        let st = match memory_state_view(kind, bytes) {
            Some(Ok(st)) => st,
            Some(Err(e)) => {
                return Ok(Verification::from_error(
                    e,
                    v.stored_checksum,
                    v.computed_checksum,
                ))
            }
            None => return Ok(v),
        };
        match memory_start(&policy, &st) {
            Ok(()) => Ok(v),
            Err(e) => reject(e, v.stored_checksum, v.computed_checksum),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse_as_oracle_release_does() {
        assert_eq!(Release::parse("1.31").map(Release::minor), Some(31));
        assert_eq!(Release::parse("v1.20.3").map(Release::minor), Some(20));
        assert!(Release::parse("1.38").is_none());
        assert!(Release::parse("2.1").is_none());
        assert!(Release::parse("1.2.3.4").is_none());
    }

    // Ranges and defaults of spec §8.5.
    #[test]
    fn kind_defaults_and_ranges() {
        let def = |k| Release::for_kind(k, None).unwrap().minor();
        assert_eq!(def("cpu-v1"), 17);
        assert_eq!(def("cpu-v2"), 36);
        assert_eq!(def("cpu-v4"), 37);
        assert_eq!(def("memory"), 36);
        assert!(Release::for_kind("cpu-v1", Release::new(18)).is_err());
        assert!(Release::for_kind("memory", Release::new(20)).is_err());
    }
}

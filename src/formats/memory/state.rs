//! The memory manager's version-neutral state (see
//! [`crate::formats::state`]): machine state per NUMA node with its cells
//! and per-resource tables, and the blocks each container and pod holds,
//! whatever the `memory_manager_state` shape.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::resmgr::{decode, decode_ok, DataEnvelope, SpewKind};
use crate::formats::state::Source;

use super::types::{
    self, CheckpointV3, ContainerMemoryAssignments, NumaNodeMap, PodMemoryAssignments,
};
use super::v1::MemoryV1;
use super::v2::MemoryV2;

/// A memory manager state, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryState {
    /// Kind and checksum status.
    pub source: Source,
    /// `policyName` (`None`, `Static` as a real kubelet writes them).
    pub policy_name: String,
    /// `machineState`: NUMA node id -> its state (`None` for a `null`
    /// node, which crashes the kubelet's clone on restore).
    #[serde(default)]
    pub machine_state: BTreeMap<i64, Option<NumaNode>>,
    /// Pod UID -> container blocks and pod-level blocks.
    #[serde(default)]
    pub pods: BTreeMap<String, MemoryPod>,
}

/// One NUMA node's state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NumaNode {
    /// `numberOfAssignments`: how many blocks use this node.
    pub number_of_assignments: i64,
    /// `memoryMap`: resource (`memory`, `hugepages-2Mi`) -> table; `None`
    /// when the map is `null` (kept: the writer keeps a nil map nil).
    pub memory_map: Option<BTreeMap<String, Option<MemoryTable>>>,
    /// `cells`: the NUMA nodes grouped with this one (a node's group must
    /// be identical on every member, or disjoint; kubernetes issue 113035).
    #[serde(default)]
    pub cells: Vec<i64>,
}

/// Memory of one resource on one NUMA node, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemoryTable {
    /// `total`: all memory of this resource on the node.
    pub total: u64,
    /// `systemReserved`: reserved for the system and kubelet.
    pub system_reserved: u64,
    /// `allocatable`: total minus system reserved.
    pub allocatable: u64,
    /// `reserved`: allocated to containers.
    pub reserved: u64,
    /// `free`: allocatable minus reserved.
    pub free: u64,
}

/// One pod's memory blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemoryPod {
    /// Whether the pod has a key in `entries` (see the CPU state's).
    pub in_entries: bool,
    /// Container name -> blocks.
    #[serde(default)]
    pub containers: BTreeMap<String, Vec<MemoryBlock>>,
    /// Pod-level blocks (`podEntries`, memory-v2 and memory-v3), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_blocks: Option<Vec<MemoryBlock>>,
}

/// Memory of one resource pinned to a set of NUMA nodes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemoryBlock {
    /// `numaAffinity`: the nodes the block may use.
    #[serde(default)]
    pub numa_affinity: Vec<i64>,
    /// `type`: the resource (`memory`, `hugepages-1Gi`).
    pub resource: String,
    /// `size` in bytes.
    pub size: u64,
}

fn blocks(b: &Option<Vec<types::Block>>) -> Vec<MemoryBlock> {
    b.iter()
        .flatten()
        .map(|b| MemoryBlock {
            numa_affinity: b
                .numa_affinity
                .iter()
                .flatten()
                .map(|n| *n as i64)
                .collect(),
            resource: b.kind.0.clone(),
            size: b.size,
        })
        .collect()
}

fn machine(m: &NumaNodeMap) -> BTreeMap<i64, Option<NumaNode>> {
    m.0.iter()
        .flatten()
        .map(|(id, st)| {
            let node = st.as_ref().map(|st| NumaNode {
                number_of_assignments: st.number_of_assignments as i64,
                memory_map: st.memory_map.as_ref().map(|mm| {
                    mm.iter()
                        .map(|(r, t)| {
                            let t = t.as_ref().map(|t| MemoryTable {
                                total: t.total_mem_size,
                                system_reserved: t.system_reserved,
                                allocatable: t.allocatable,
                                reserved: t.reserved,
                                free: t.free,
                            });
                            (r.0.clone(), t)
                        })
                        .collect()
                }),
                cells: st.cells.iter().flatten().map(|c| *c as i64).collect(),
            });
            (*id as i64, node)
        })
        .collect()
}

fn pods(
    entries: &ContainerMemoryAssignments,
    pod_entries: Option<&PodMemoryAssignments>,
) -> BTreeMap<String, MemoryPod> {
    let mut out: BTreeMap<String, MemoryPod> = BTreeMap::new();
    for (pod, cs) in entries.0.iter().flatten() {
        let p = out.entry(pod.clone()).or_default();
        p.in_entries = true;
        for (c, b) in cs.iter().flatten() {
            p.containers.insert(c.clone(), blocks(b));
        }
    }
    for (pod, e) in pod_entries.and_then(|p| p.0.as_ref()).into_iter().flatten() {
        out.entry(pod.clone()).or_default().pod_blocks = Some(blocks(&e.memory_blocks));
    }
    out
}

fn state(
    source: Source,
    policy: &str,
    m: &NumaNodeMap,
    entries: &ContainerMemoryAssignments,
    pod_entries: Option<&PodMemoryAssignments>,
) -> MemoryState {
    MemoryState {
        source,
        policy_name: policy.to_string(),
        machine_state: machine(m),
        pods: pods(entries, pod_entries),
    }
}

/// Lifts a `memory_manager_state` of kind `name` (decoded with the kind's
/// constructor, checksum not required). `None` for another family's kind.
pub fn lift(name: &str, bytes: &[u8], source: Source) -> Option<Result<MemoryState, String>> {
    let m = |e: crate::go::json::UnmarshalError| e.message;
    Some(match name {
        "memory" => decode_ok(bytes, &MemoryV1::new_checkpoint())
            .map_err(m)
            .map(|d| state(source, &d.policy_name, &d.machine_state, &d.entries, None)),
        "memory-v2" => decode_ok(bytes, &MemoryV2::new_checkpoint())
            .map_err(m)
            .map(|d| {
                state(
                    source,
                    &d.policy_name,
                    &d.machine_state,
                    &d.entries,
                    Some(&d.pod_entries),
                )
            }),
        "memory-v3" => {
            let (cp, r) = decode(bytes, &<CheckpointV3 as DataEnvelope>::new_checkpoint());
            r.map_err(m).and_then(|()| {
                decode_ok(
                    cp.data.as_bytes(),
                    &<CheckpointV3 as DataEnvelope>::new_data(),
                )
                .map_err(|e| format!("data: {}", e.message))
                .map(|d| {
                    state(
                        source,
                        &d.policy_name,
                        &d.machine_state,
                        &d.entries,
                        Some(&d.pod_entries),
                    )
                })
            })
        }
        _ => return None,
    })
}

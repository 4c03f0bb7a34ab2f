//! Lowering a [`MemoryState`] to `memory_manager_state` shapes.

use std::collections::BTreeMap;

use crate::formats::gotypes::{Checksum, ResourceName};
use crate::formats::memory::types::{
    Block, CheckpointData, CheckpointV1, CheckpointV2, ContainerMemoryAssignments, MemoryTable,
    NumaNodeMap, NumaNodeState, PodEntry, PodMemoryAssignments,
};
use crate::formats::memory::{v1::MemoryV1, v2::MemoryV2, v3};
use crate::formats::state::{MemoryBlock, MemoryState};

use super::{write_spew, ConvertError, Loss, LowerOptions, Lowered};

fn blocks(b: &[MemoryBlock]) -> Vec<Block> {
    b.iter()
        .map(|b| Block {
            numa_affinity: Some(b.numa_affinity.iter().map(|n| *n as isize).collect()),
            kind: ResourceName(b.resource.clone()),
            size: b.size,
        })
        .collect()
}

fn machine(s: &MemoryState) -> NumaNodeMap {
    NumaNodeMap(Some(
        s.machine_state
            .iter()
            .map(|(id, n)| {
                let n = n.as_ref().map(|n| {
                    Box::new(NumaNodeState {
                        number_of_assignments: n.number_of_assignments as isize,
                        memory_map: n.memory_map.as_ref().map(|m| {
                            m.iter()
                                .map(|(r, t)| {
                                    let t = t.map(|t| {
                                        Box::new(MemoryTable {
                                            total_mem_size: t.total,
                                            system_reserved: t.system_reserved,
                                            allocatable: t.allocatable,
                                            reserved: t.reserved,
                                            free: t.free,
                                        })
                                    });
                                    (ResourceName(r.clone()), t)
                                })
                                .collect()
                        }),
                        cells: Some(n.cells.iter().map(|c| *c as isize).collect()),
                    })
                });
                (*id as isize, n)
            })
            .collect(),
    ))
}

fn entries(s: &MemoryState) -> ContainerMemoryAssignments {
    ContainerMemoryAssignments(Some(
        s.pods
            .iter()
            .filter(|(_, p)| p.in_entries || !p.containers.is_empty())
            .map(|(pod, p)| {
                let cs = p
                    .containers
                    .iter()
                    .map(|(c, b)| (c.clone(), Some(blocks(b))))
                    .collect();
                (pod.clone(), Some(cs))
            })
            .collect(),
    ))
}

fn pod_entries(s: &MemoryState) -> PodMemoryAssignments {
    let m: BTreeMap<String, PodEntry> = s
        .pods
        .iter()
        .filter_map(|(pod, p)| {
            let b = p.pod_blocks.as_ref()?;
            let memory_blocks = (!b.is_empty()).then(|| blocks(b));
            Some((pod.clone(), PodEntry { memory_blocks }))
        })
        .collect();
    PodMemoryAssignments(Some(m))
}

pub(super) fn lower(
    kind: &str,
    s: &MemoryState,
    opts: &LowerOptions,
) -> Option<Result<Lowered, ConvertError>> {
    let mut losses = Vec::new();
    let r = match kind {
        "memory" => {
            for (pod, p) in &s.pods {
                if let Some(b) = &p.pod_blocks {
                    losses.push(Loss::new(
                        format!("pods/{pod}/pod_blocks"),
                        format!(
                            "the pod-level memory blocks of pod {pod} ({} block(s)) have no place in {kind}",
                            b.len()
                        ),
                    ));
                }
            }
            write_spew::<MemoryV1>(
                &CheckpointV1 {
                    policy_name: s.policy_name.clone(),
                    machine_state: machine(s),
                    entries: entries(s),
                    checksum: Checksum(0),
                },
                opts.named,
            )
        }
        "memory-v2" => write_spew::<MemoryV2>(
            &CheckpointV2 {
                policy_name: s.policy_name.clone(),
                machine_state: machine(s),
                entries: entries(s),
                pod_entries: pod_entries(s),
                checksum: Checksum(0),
            },
            opts.named,
        ),
        "memory-v3" => v3::write(&CheckpointData {
            policy_name: s.policy_name.clone(),
            machine_state: machine(s),
            entries: entries(s),
            pod_entries: pod_entries(s),
        }),
        _ => return None,
    };
    Some(r.map(|b| (b, losses)).map_err(ConvertError::from))
}

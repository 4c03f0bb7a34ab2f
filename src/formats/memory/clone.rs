//! The memory manager's `Clone` methods, which every write goes through:
//! they decide which nils survive into the file (spec §4.3).

use std::collections::BTreeMap;

use super::types::{ContainerMemoryAssignments, NumaNodeMap, NumaNodeState, PodMemoryAssignments};

/// `NUMANodeMap.Clone`: a nil node stays nil, `cells` becomes a non-nil copy
/// (a `null` is written back as `[]`), a nil `memoryMap` stays nil.
pub fn machine(m: &NumaNodeMap) -> NumaNodeMap {
    NumaNodeMap(Some(
        m.0.iter()
            .flatten()
            .map(|(node, s)| {
                let s = s.as_ref().map(|s| {
                    Box::new(NumaNodeState {
                        number_of_assignments: s.number_of_assignments,
                        memory_map: s.memory_map.clone(),
                        cells: Some(s.cells.clone().unwrap_or_default()),
                    })
                });
                (*node, s)
            })
            .collect(),
    ))
}

/// `ContainerMemoryAssignments.Clone`: every pod's map allocated, every
/// block list a non-nil copy (blocks themselves, incl. a nil
/// `numaAffinity`, are copied as they are).
pub fn entries(e: &ContainerMemoryAssignments) -> ContainerMemoryAssignments {
    ContainerMemoryAssignments(Some(
        e.0.iter()
            .flatten()
            .map(|(pod, cs)| {
                let cs: BTreeMap<_, _> = cs
                    .iter()
                    .flatten()
                    .map(|(c, b)| (c.clone(), Some(b.clone().unwrap_or_default())))
                    .collect();
                (pod.clone(), Some(cs))
            })
            .collect(),
    ))
}

/// `PodMemoryAssignments.Clone`: a non-nil map of the same entries.
pub fn pods(p: &PodMemoryAssignments) -> PodMemoryAssignments {
    PodMemoryAssignments(Some(p.0.clone().unwrap_or_default()))
}

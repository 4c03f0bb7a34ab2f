//! `memory_manager_state`: every shape the memory manager has written (spec §4).
//!
//! * [`types`]: the Go types, declared once.
//! * [`clone`]: the writer's clone semantics (which nils survive).
//! * one module per shape: [`v1`] (kind `memory`), [`v2`], [`v3`].
//!
//! The accessors on [`MemoryAssignments`] give people the state in Rust
//! terms: blocks per container per NUMA node, machine state per node.

pub mod clone;
pub mod state;
pub mod types;
pub mod v1;
pub mod v2;
pub mod v3;

use std::collections::BTreeMap;

pub use v1::MEMORY_V1;
pub use v2::MEMORY_V2;
pub use v3::MEMORY_V3;

use crate::formats::common::FormatError;
use crate::formats::resmgr::policy_check;
use types::{
    Block, CheckpointData, CheckpointV1, CheckpointV2, CheckpointV3, ContainerBlocks, MemoryTable,
    NumaNodeState, PodEntry,
};

/// `[memorymanager] configured policy "<c>" differs from state checkpoint policy "<f>"`.
pub fn policy(configured: Option<&str>, file: &str) -> Result<(), FormatError> {
    policy_check("[memorymanager] ", configured, file)
}

/// The end of the memory manager's restore: `SetMachineState` stores
/// `NUMANodeMap.Clone()`, which copies every table through its pointer
/// (state.go), so a `null` table crashes the kubelet once the policy names
/// matched, whatever the policy. A `null` node or `memoryMap` is copied as
/// such. Spec §4.2; the Go reference's `nodeMemRestoreClone`.
pub fn restore_clone(
    machine: Option<&BTreeMap<isize, Option<Box<NumaNodeState>>>>,
) -> Result<(), FormatError> {
    let tables = machine
        .into_iter()
        .flat_map(|m| m.values())
        .flatten()
        .filter_map(|n| n.memory_map.as_ref())
        .flat_map(|m| m.values());
    for t in tables {
        if t.is_none() {
            return Err(FormatError::Panic(
                "runtime error: invalid memory address or nil pointer dereference".into(),
            ));
        }
    }
    Ok(())
}

/// Read access to a memory manager state, whatever its shape.
pub trait MemoryAssignments {
    fn policy_name(&self) -> &str;
    /// NUMA node -> state (nil entries are kept as `None`).
    fn machine_state(&self) -> Option<&BTreeMap<isize, Option<Box<NumaNodeState>>>>;
    /// pod UID -> container -> blocks.
    fn entries(&self) -> Option<&ContainerBlocks>;
    /// pod UID -> pod-level blocks (V2/V3 only).
    fn pod_entries(&self) -> Option<&BTreeMap<String, PodEntry>> {
        None
    }

    /// The blocks `container` of `pod` holds, if it has an entry.
    fn container_blocks(&self, pod: &str, container: &str) -> Option<&[Block]> {
        let blocks = self.entries()?.get(pod)?.as_ref()?.get(container)?;
        Some(blocks.as_deref().unwrap_or_default())
    }

    /// Bytes of each resource `container` of `pod` holds on NUMA node
    /// `node` (blocks spanning several nodes count on each of them).
    fn container_memory_on_node(
        &self,
        pod: &str,
        container: &str,
        node: isize,
    ) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for b in self.container_blocks(pod, container).unwrap_or_default() {
            if b.numa_affinity.iter().flatten().any(|n| *n == node) {
                *out.entry(b.kind.0.clone()).or_insert(0u64) += b.size;
            }
        }
        out
    }

    /// The memory table of `resource` on `node`.
    fn node_table(&self, node: isize, resource: &str) -> Option<&MemoryTable> {
        let state = self.machine_state()?.get(&node)?.as_ref()?;
        state
            .memory_map
            .as_ref()?
            .iter()
            .find(|(k, _)| k.0 == resource)
            .and_then(|(_, t)| t.as_deref())
    }
}

macro_rules! memory_state {
    ($t:ty $(, $pods:ident)?) => {
        impl MemoryAssignments for $t {
            fn policy_name(&self) -> &str {
                &self.policy_name
            }
            fn machine_state(&self) -> Option<&BTreeMap<isize, Option<Box<NumaNodeState>>>> {
                self.machine_state.0.as_ref()
            }
            fn entries(&self) -> Option<&ContainerBlocks> {
                self.entries.0.as_ref()
            }
            $(fn pod_entries(&self) -> Option<&BTreeMap<String, PodEntry>> {
                self.$pods.0.as_ref()
            })?
        }
    };
}

memory_state!(CheckpointV1);
memory_state!(CheckpointV2, pod_entries);
memory_state!(CheckpointData, pod_entries);

/// A V3 file's state is its `data`.
impl MemoryAssignments for CheckpointV3 {
    fn policy_name(&self) -> &str {
        &self.checkpoint_data.policy_name
    }
    fn machine_state(&self) -> Option<&BTreeMap<isize, Option<Box<NumaNodeState>>>> {
        self.checkpoint_data.machine_state.0.as_ref()
    }
    fn entries(&self) -> Option<&ContainerBlocks> {
        self.checkpoint_data.entries.0.as_ref()
    }
    fn pod_entries(&self) -> Option<&BTreeMap<String, PodEntry>> {
        self.checkpoint_data.pod_entries.0.as_ref()
    }
}

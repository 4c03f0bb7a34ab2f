//! The memory manager's Go types (package `state` of
//! `pkg/kubelet/cm/memorymanager/state`), declared once. Older layouts carry
//! their newest Go name (`MemoryManagerCheckpointV1`) and are hashed under
//! `MemoryManagerCheckpoint` with `Type::renamed` (the kubelet's trick).
//! Collections are `Option`s wherever the kubelet can hold a nil.

use std::collections::BTreeMap;

use crate::formats::gotypes::{Checksum, ResourceName};

crate::go_struct! {
    /// Memory of one resource on one NUMA node, in bytes.
    pub struct MemoryTable = "state.MemoryTable" {
        pub total_mem_size: u64 => TotalMemSize json "total",
        pub system_reserved: u64 => SystemReserved json "systemReserved",
        pub allocatable: u64 => Allocatable json "allocatable",
        pub reserved: u64 => Reserved json "reserved",
        pub free: u64 => Free json "free",
    }
}

/// `map[v1.ResourceName]*MemoryTable`.
pub type MemoryMap = BTreeMap<ResourceName, Option<Box<MemoryTable>>>;

crate::go_struct! {
    /// One NUMA node's state.
    pub struct NumaNodeState = "state.NUMANodeState" {
        pub number_of_assignments: isize => NumberOfAssignments json "numberOfAssignments",
        pub memory_map: Option<MemoryMap> => MemoryMap json "memoryMap",
        pub cells: Option<Vec<isize>> => Cells json "cells",
    }
}

crate::go_named! {
    /// `state.NUMANodeMap`: NUMA node id -> state (JSON keys are decimal strings).
    pub struct NumaNodeMap(pub Option<BTreeMap<isize, Option<Box<NumaNodeState>>>>) = "state.NUMANodeMap";
}

crate::go_struct! {
    /// Memory of one type pinned to a set of NUMA nodes.
    pub struct Block = "state.Block" {
        pub numa_affinity: Option<Vec<isize>> => NUMAAffinity json "numaAffinity",
        pub kind: ResourceName => Type json "type",
        pub size: u64 => Size json "size",
    }
}

/// pod UID -> container name -> blocks.
pub type ContainerBlocks = BTreeMap<String, Option<BTreeMap<String, Option<Vec<Block>>>>>;

crate::go_named! {
    /// `state.ContainerMemoryAssignments`.
    pub struct ContainerMemoryAssignments(pub Option<ContainerBlocks>) = "state.ContainerMemoryAssignments";
}

crate::go_struct! {
    /// A pod-level assignment (1.36+).
    pub struct PodEntry = "state.PodEntry" {
        pub memory_blocks: Option<Vec<Block>> => MemoryBlocks json "memoryBlocks,omitempty",
    }
}

crate::go_named! {
    /// `state.PodMemoryAssignments`: pod UID -> pod-level blocks.
    pub struct PodMemoryAssignments(pub Option<BTreeMap<String, PodEntry>>) = "state.PodMemoryAssignments";
}

crate::go_struct! {
    /// V1 layout (1.21-1.35 named it `MemoryManagerCheckpoint`).
    pub struct CheckpointV1 = "state.MemoryManagerCheckpointV1" {
        pub policy_name: String => PolicyName json "policyName",
        pub machine_state: NumaNodeMap => MachineState json "machineState",
        pub entries: ContainerMemoryAssignments => Entries json "entries,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

crate::go_struct! {
    /// V2 layout (1.36 with `PodLevelResourceManagers`; named `MemoryManagerCheckpoint` then).
    pub struct CheckpointV2 = "state.MemoryManagerCheckpointV2" {
        pub policy_name: String => PolicyName json "policyName",
        pub machine_state: NumaNodeMap => MachineState json "machineState",
        pub entries: ContainerMemoryAssignments => Entries json "entries,omitempty",
        pub pod_entries: PodMemoryAssignments => PodEntries json "podEntries,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

crate::go_struct! {
    /// The payload serialised into the V3 `data` string.
    pub struct CheckpointData = "state.MemoryManagerCheckpointData" {
        pub policy_name: String => PolicyName json "policyName",
        pub machine_state: NumaNodeMap => MachineState json "machineState",
        pub entries: ContainerMemoryAssignments => Entries json "entries,omitempty",
        pub pod_entries: PodMemoryAssignments => PodEntries json "podEntries,omitempty",
    }
}

crate::go_struct! {
    /// V3 layout (1.37 dev line): V1 inlined with a real legacy checksum,
    /// then the authoritative `data` string and its checksum.
    pub struct CheckpointV3 = "state.MemoryManagerCheckpoint" {
        pub v1: CheckpointV1 => MemoryManagerCheckpointV1 tag "json:\",inline\"" [embedded],
        pub data: String => Data json "data",
        pub data_checksum: Checksum => DataChecksum json "dataChecksum",
        pub checkpoint_data: CheckpointData => CheckpointData json "-",
    }
}

//! The CPU manager's Go types (package `state` of
//! `pkg/kubelet/cm/cpumanager/state`, plus `cpuset.CPUSet`), declared once.
//!
//! Names, field order, field types and tags are format facts: the checksum is
//! FNV-32a over go-spew's rendering of these values, and `encoding/json`
//! error texts name the struct types. Older layouts carry their newest Go
//! name (`CPUManagerCheckpointV1`); the kubelet's rename trick
//! (hash under `CPUManagerCheckpoint`) is applied with `Type::renamed`.
//!
//! Collections are `Option`s wherever the kubelet can hold a nil, because
//! nil and empty hash differently (`<nil>` vs `map[]`).

use std::collections::BTreeMap;

use super::pod_entry::POD_ENTRY_JSON;
use crate::formats::gotypes::Checksum;
use crate::go::cpuset::CpuSet;

/// `map[string]string`: container ID (V1) or container name -> cpu list.
pub type StringMap = BTreeMap<String, String>;
/// `map[string]map[string]string`: pod UID -> container name -> cpu list.
pub type PodContainerMap = BTreeMap<String, Option<StringMap>>;

crate::go_struct! {
    /// The file backend's document (1.8-1.11). The oracle declares it in
    /// package `main` (the kubelet had it in `state`); the name only shows
    /// up in `encoding/json` error texts, so we follow the oracle.
    pub struct StateFileData = "main.stateFileData" {
        pub policy_name: String => PolicyName json "policyName",
        pub default_cpu_set: String => DefaultCPUSet json "defaultCpuSet",
        pub entries: Option<StringMap> => Entries json "entries,omitempty",
    }
}

crate::go_struct! {
    /// V1 layout (1.12-1.17 named it `CPUManagerCheckpoint`): container ID -> cpuset.
    pub struct CheckpointV1 = "state.CPUManagerCheckpointV1" {
        pub policy_name: String => PolicyName json "policyName",
        pub default_cpu_set: String => DefaultCPUSet json "defaultCpuSet",
        pub entries: Option<StringMap> => Entries json "entries,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

crate::go_struct! {
    /// V2 layout (1.18-1.35 named it `CPUManagerCheckpoint`): pod -> container -> cpuset.
    pub struct CheckpointV2 = "state.CPUManagerCheckpointV2" {
        pub policy_name: String => PolicyName json "policyName",
        pub default_cpu_set: String => DefaultCPUSet json "defaultCpuSet",
        pub entries: Option<PodContainerMap> => Entries json "entries,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

crate::go_struct! {
    /// `state.PodEntry`: a pod-level CPU set. Its own JSON methods write
    /// `{"cpuSet":"<list>"}` and parse the list (see `pod_entry`).
    pub struct PodEntry = "state.PodEntry" json_with POD_ENTRY_JSON {
        pub cpu_set: CpuSet => CPUSet json "cpuSet,omitempty",
    }
}

crate::go_named! {
    /// `state.PodCPUAssignments`: pod UID -> pod-level set (V3/V4).
    pub struct PodCpuAssignments(pub Option<BTreeMap<String, PodEntry>>) = "state.PodCPUAssignments";
}

crate::go_struct! {
    /// V3 layout (1.36 with `PodLevelResourceManagers`; named `CPUManagerCheckpoint` then).
    pub struct CheckpointV3 = "state.CPUManagerCheckpointV3" {
        pub policy_name: String => PolicyName json "policyName",
        pub default_cpu_set: String => DefaultCPUSet json "defaultCpuSet",
        pub entries: Option<PodContainerMap> => Entries json "entries,omitempty",
        pub pod_entries: PodCpuAssignments => PodEntries json "podEntries,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

crate::go_struct! {
    /// `state.ContainerCPUBaseline` (1.37 dev line; Go types unverified,
    /// only the JSON shape is known).
    pub struct ContainerCpuBaseline = "state.ContainerCPUBaseline" {
        pub baseline: String => Baseline json "baseline",
    }
}

crate::go_named! {
    /// `state.ContainerCPUBaselines`: pod UID -> container -> baseline.
    pub struct ContainerCpuBaselines(pub Option<BTreeMap<String, Option<BTreeMap<String, ContainerCpuBaseline>>>>) = "state.ContainerCPUBaselines";
}

crate::go_struct! {
    /// The payload serialised into the V4 `data` string.
    pub struct CheckpointData = "state.CPUManagerCheckpointData" {
        pub policy_name: String => PolicyName json "policyName",
        pub default_cpu_set: String => DefaultCPUSet json "defaultCpuSet",
        pub entries: Option<PodContainerMap> => Entries json "entries,omitempty",
        pub pod_entries: PodCpuAssignments => PodEntries json "podEntries,omitempty",
        pub baselines: ContainerCpuBaselines => Baselines json "baselines,omitempty",
    }
}

crate::go_struct! {
    /// V4 layout (1.37 dev line): V3 inlined for older readers, then the
    /// authoritative `data` string and its checksum. `CheckpointData` is
    /// `json:"-"` (filled from `data` by the reader).
    pub struct CheckpointV4 = "state.CPUManagerCheckpoint" {
        pub v3: CheckpointV3 => CPUManagerCheckpointV3 tag "json:\",inline\"" [embedded],
        pub data: String => Data json "data",
        pub data_checksum: Checksum => DataChecksum json "dataChecksum",
        pub checkpoint_data: CheckpointData => CheckpointData json "-",
    }
}

crate::go_struct! {
    /// `state.podEntryJSON`: what `PodEntry`'s JSON methods go through.
    pub struct PodEntryJson = "state.podEntryJSON" {
        pub cpu_set: String => CPUSet json "cpuSet,omitempty",
    }
}

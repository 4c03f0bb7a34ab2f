//! The payload types carried in the data envelope, one per kind, with the
//! kubelet's write-back normalisation. Go type names follow the Go reference
//! (they appear in `encoding/json` error texts only).

use std::collections::BTreeMap;

use super::envelope::Payload;
use super::types::{named_string_map, PodResizeStatus, PodUid, ResourceList, ResourceRequirements};
use crate::go::quantity::Quantity;

/// podstatus-v2/v3 payload errors (wording unconfirmed, spec §2.2).
pub const PODSTATUS_PREFIX: &str = "failed to get pod resource allocation info: ";
/// Allocation-manager payload errors.
pub const ALLOC_PREFIX: &str = "failed to get pod resource information: ";

type Containers<T> = Option<BTreeMap<String, T>>;

/// Copies a pod → container map, giving every pod a non-nil container map.
fn copy_pods<T>(
    m: &Option<BTreeMap<String, Containers<T>>>,
    copy: impl Fn(&T) -> T,
) -> Option<BTreeMap<String, Containers<T>>> {
    Some(
        m.iter()
            .flatten()
            .map(|(pod, cs)| {
                let cs = cs.iter().flatten().map(|(c, v)| (c.clone(), copy(v)));
                (pod.clone(), Some(cs.collect()))
            })
            .collect(),
    )
}

fn copy_resize(
    m: &Option<BTreeMap<String, PodResizeStatus>>,
) -> Option<BTreeMap<String, PodResizeStatus>> {
    Some(m.clone().unwrap_or_default())
}

crate::go_struct! {
    /// podstatus-v2 `state.PodResourceAllocationInfo` (requests only).
    pub struct PodStatusV2Info = "state.PodResourceAllocationInfo" {
        pub allocation_entries: Option<BTreeMap<String, Containers<ResourceList>>>
            => AllocationEntries json "allocationEntries,omitempty",
        pub resize_status_entries: Option<BTreeMap<String, PodResizeStatus>>
            => ResizeStatusEntries json "resizeStatusEntries,omitempty",
    }
}

impl Payload for PodStatusV2Info {
    const PREFIX: &'static str = PODSTATUS_PREFIX;
    fn normalized(&self) -> Self {
        PodStatusV2Info {
            allocation_entries: copy_pods(&self.allocation_entries, ResourceList::deep_copy),
            resize_status_entries: copy_resize(&self.resize_status_entries),
        }
    }
}

crate::go_struct! {
    /// podstatus-v3 `state.PodResourceAllocationInfo` (requests and limits).
    pub struct PodStatusV3Info = "state.PodResourceAllocationInfo" {
        pub allocation_entries: Option<BTreeMap<String, Containers<ResourceRequirements>>>
            => AllocationEntries json "allocationEntries,omitempty",
        pub resize_status_entries: Option<BTreeMap<String, PodResizeStatus>>
            => ResizeStatusEntries json "resizeStatusEntries,omitempty",
    }
}

impl Payload for PodStatusV3Info {
    const PREFIX: &'static str = PODSTATUS_PREFIX;
    fn normalized(&self) -> Self {
        PodStatusV3Info {
            allocation_entries: copy_pods(
                &self.allocation_entries,
                ResourceRequirements::deep_copy,
            ),
            resize_status_entries: copy_resize(&self.resize_status_entries),
        }
    }
}

crate::go_struct! {
    /// allocated-v1 `state.PodResourceAllocationInfo`.
    pub struct AllocV1Info = "state.PodResourceAllocationInfo" {
        pub allocation_entries: Option<BTreeMap<String, Containers<ResourceRequirements>>>
            => AllocationEntries json "allocationEntries,omitempty",
    }
}

impl Payload for AllocV1Info {
    const PREFIX: &'static str = ALLOC_PREFIX;
    fn normalized(&self) -> Self {
        AllocV1Info {
            allocation_entries: copy_pods(
                &self.allocation_entries,
                ResourceRequirements::deep_copy,
            ),
        }
    }
}

fn copy_containers(m: &Containers<ResourceRequirements>) -> Containers<ResourceRequirements> {
    Some(
        m.iter()
            .flatten()
            .map(|(c, rr)| (c.clone(), rr.deep_copy()))
            .collect(),
    )
}

fn copy_req_ptr(p: &Option<Box<ResourceRequirements>>) -> Option<Box<ResourceRequirements>> {
    p.as_ref().map(|rr| Box::new(rr.deep_copy()))
}

crate::go_struct! {
    /// allocated-v2 `state.PodResourceInfo` (no JSON tags).
    pub struct AllocV2Pod = "state.PodResourceInfo" {
        pub container_resources: Containers<ResourceRequirements> => ContainerResources,
    }
}

crate::go_struct! {
    /// allocated-v2 `state.PodResourceCheckpointInfo`.
    pub struct AllocV2Info = "state.PodResourceCheckpointInfo" {
        pub entries: Option<BTreeMap<String, AllocV2Pod>> => Entries json "entries,omitempty",
    }
}

impl Payload for AllocV2Info {
    const PREFIX: &'static str = ALLOC_PREFIX;
    fn normalized(&self) -> Self {
        let entries = self.entries.iter().flatten().map(|(pod, info)| {
            let o = AllocV2Pod {
                container_resources: copy_containers(&info.container_resources),
            };
            (pod.clone(), o)
        });
        AllocV2Info {
            entries: Some(entries.collect()),
        }
    }
}

crate::go_struct! {
    /// allocated-v3 `state.PodResourceInfo`: + pod-level resources.
    pub struct AllocV3Pod = "state.PodResourceInfo" {
        pub container_resources: Containers<ResourceRequirements> => ContainerResources,
        pub pod_level_resources: Option<Box<ResourceRequirements>> => PodLevelResources,
    }
}

crate::go_struct! {
    /// allocated-v3 `state.PodResourceCheckpointInfo`.
    pub struct AllocV3Info = "state.PodResourceCheckpointInfo" {
        pub entries: Option<BTreeMap<String, AllocV3Pod>> => Entries json "entries,omitempty",
    }
}

impl Payload for AllocV3Info {
    const PREFIX: &'static str = ALLOC_PREFIX;
    fn normalized(&self) -> Self {
        let entries = self.entries.iter().flatten().map(|(pod, info)| {
            let o = AllocV3Pod {
                container_resources: copy_containers(&info.container_resources),
                pod_level_resources: copy_req_ptr(&info.pod_level_resources),
            };
            (pod.clone(), o)
        });
        AllocV3Info {
            entries: Some(entries.collect()),
        }
    }
}

crate::go_struct! {
    /// allocated-v4 `state.PodResourceInfo`: + emptyDir volume limits.
    pub struct AllocV4Pod = "state.PodResourceInfo" {
        pub container_resources: Containers<ResourceRequirements> => ContainerResources,
        pub pod_level_resources: Option<Box<ResourceRequirements>> => PodLevelResources,
        pub empty_dir_volume_limits: Option<BTreeMap<String, Option<Box<Quantity>>>> => EmptyDirVolumeLimits,
    }
}

named_string_map! {
    /// `state.PodResourceInfoMap` = `map[types.UID]state.PodResourceInfo`.
    PodResourceInfoMap = "state.PodResourceInfoMap", key PodUid, value AllocV4Pod
}

crate::go_struct! {
    /// allocated-v4 `state.PodResourceCheckpointInfo` (the legacy V1 form of 1.37).
    pub struct AllocV4Info = "state.PodResourceCheckpointInfo" {
        pub entries: PodResourceInfoMap => Entries json "entries,omitempty",
    }
}

impl Payload for AllocV4Info {
    const PREFIX: &'static str = ALLOC_PREFIX;
    fn normalized(&self) -> Self {
        let entries = self.entries.0.iter().flatten().map(|(pod, info)| {
            let limits = info.empty_dir_volume_limits.as_ref().map(|m| {
                m.iter()
                    .map(|(n, q)| (n.clone(), q.as_ref().map(|q| Box::new(q.deep_copy()))))
                    .collect()
            });
            let o = AllocV4Pod {
                container_resources: copy_containers(&info.container_resources),
                pod_level_resources: copy_req_ptr(&info.pod_level_resources),
                empty_dir_volume_limits: limits,
            };
            (pod.clone(), o)
        });
        AllocV4Info {
            entries: PodResourceInfoMap(Some(entries.collect())),
        }
    }
}

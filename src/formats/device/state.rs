//! The device manager's version-neutral state (see
//! [`crate::formats::state`]): registered devices per resource and each
//! container's devices per NUMA node with the plugin's allocate response,
//! whatever the checkpoint shape.

pub mod alloc_resp;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::resmgr::decode_ok;
use crate::formats::state::{hex_bytes, Source};

use super::types::{Data, DataV1};
pub use alloc_resp::ContainerAllocateResponse;

/// A device manager state, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    /// Kind and checksum status.
    pub source: Source,
    /// Whether the shape records NUMA nodes: device-v1 does not (a 1.20+
    /// kubelet puts its devices on node 0, as this state does).
    pub numa_recorded: bool,
    /// `RegisteredDevices`: resource -> device ids, the ids in file order.
    #[serde(default)]
    pub registered_devices: BTreeMap<String, Vec<String>>,
    /// `PodDeviceEntries`, in file order (the kubelet writes them from a
    /// map, so their order carries no meaning but is kept for lowering).
    #[serde(default)]
    pub allocations: Vec<DeviceAllocation>,
    /// `BootID` (newest device-v2 line), outside the checksum.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub boot_id: String,
    /// Which collections were `null` rather than empty: go-spew hashes a
    /// nil map or slice (`<nil>`) apart from an empty one, so a rewrite
    /// keeps them as read.
    #[serde(default, skip_serializing_if = "DeviceNulls::is_none")]
    pub nulls: DeviceNulls,
}

/// `null` collections of a device checkpoint (all `false`/empty: none).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceNulls {
    /// `RegisteredDevices` is `null`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub registered_devices: bool,
    /// Resources whose registered id list is `null`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registered_lists: Vec<String>,
}

impl DeviceNulls {
    pub fn is_none(&self) -> bool {
        *self == DeviceNulls::default()
    }
}

/// `null` members of one allocation entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AllocationNulls {
    /// `AllocResp` is `null` (a nil `[]byte`), not `""`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alloc_resp: bool,
    /// `DeviceIDs` is `null` (the v1 list or the v2 per-NUMA map).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub device_ids: bool,
    /// NUMA nodes whose id list is `null` (device-v2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numa_lists: Vec<i64>,
}

impl AllocationNulls {
    pub fn is_none(&self) -> bool {
        *self == AllocationNulls::default()
    }
}

/// One container's devices of one resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceAllocation {
    /// `PodUID`.
    pub pod_uid: String,
    /// `ContainerName`.
    pub container_name: String,
    /// `ResourceName` (`nvidia.com/gpu`).
    pub resource_name: String,
    /// `DeviceIDs`: NUMA node (`-1`: no topology) -> device ids in file order.
    #[serde(default)]
    pub devices_per_numa: BTreeMap<i64, Vec<String>>,
    /// `AllocResp`: the plugin's protobuf response, verbatim (hex).
    #[serde(with = "hex_bytes")]
    pub alloc_resp: Vec<u8>,
    /// `alloc_resp` decoded (derived; ignored when lowering).
    #[serde(default)]
    pub alloc_resp_decoded: ContainerAllocateResponse,
    /// Members that were `null` rather than empty.
    #[serde(default, skip_serializing_if = "AllocationNulls::is_none")]
    pub nulls: AllocationNulls,
}

impl DeviceAllocation {
    /// Every device id of the entry, over all NUMA nodes.
    pub fn device_ids(&self) -> impl Iterator<Item = &str> {
        self.devices_per_numa.values().flatten().map(String::as_str)
    }
}

fn registered(m: &Option<BTreeMap<String, Option<Vec<String>>>>) -> BTreeMap<String, Vec<String>> {
    m.iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
        .collect()
}

fn registered_nulls(m: &Option<BTreeMap<String, Option<Vec<String>>>>) -> DeviceNulls {
    DeviceNulls {
        registered_devices: m.is_none(),
        registered_lists: m
            .iter()
            .flatten()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.clone())
            .collect(),
    }
}

fn allocation(
    pod: &str,
    container: &str,
    resource: &str,
    per_numa: BTreeMap<i64, Vec<String>>,
    resp: &Option<Vec<u8>>,
    mut nulls: AllocationNulls,
) -> DeviceAllocation {
    let bytes = resp.clone().unwrap_or_default();
    nulls.alloc_resp = resp.is_none();
    DeviceAllocation {
        nulls,
        pod_uid: pod.to_string(),
        container_name: container.to_string(),
        resource_name: resource.to_string(),
        devices_per_numa: per_numa,
        alloc_resp_decoded: alloc_resp::decode(&bytes),
        alloc_resp: bytes,
    }
}

fn from_v2(source: Source, d: &Data) -> DeviceState {
    let allocations = d
        .data
        .pod_device_entries
        .iter()
        .flatten()
        .map(|e| {
            let per_numa = e
                .device_ids
                .0
                .iter()
                .flatten()
                .map(|(n, ids)| (*n, ids.clone().unwrap_or_default()))
                .collect();
            let nulls = AllocationNulls {
                device_ids: e.device_ids.0.is_none(),
                numa_lists: e
                    .device_ids
                    .0
                    .iter()
                    .flatten()
                    .filter(|(_, ids)| ids.is_none())
                    .map(|(n, _)| *n)
                    .collect(),
                ..Default::default()
            };
            allocation(
                &e.pod_uid,
                &e.container_name,
                &e.resource_name,
                per_numa,
                &e.alloc_resp.0,
                nulls,
            )
        })
        .collect();
    DeviceState {
        source,
        numa_recorded: true,
        registered_devices: registered(&d.data.registered_devices),
        nulls: registered_nulls(&d.data.registered_devices),
        allocations,
        boot_id: d.boot_id.clone(),
    }
}

fn from_v1(source: Source, d: &DataV1) -> DeviceState {
    let allocations = d
        .data
        .pod_device_entries
        .iter()
        .flatten()
        .map(|e| {
            let per_numa = BTreeMap::from([(0, e.device_ids.clone().unwrap_or_default())]);
            let nulls = AllocationNulls {
                device_ids: e.device_ids.is_none(),
                ..Default::default()
            };
            allocation(
                &e.pod_uid,
                &e.container_name,
                &e.resource_name,
                per_numa,
                &e.alloc_resp.0,
                nulls,
            )
        })
        .collect();
    DeviceState {
        source,
        numa_recorded: false,
        registered_devices: registered(&d.data.registered_devices),
        nulls: registered_nulls(&d.data.registered_devices),
        allocations,
        boot_id: String::new(),
    }
}

/// Lifts a device checkpoint of kind `name` (decoded into the manager's
/// pre-filled value, checksum not required). `None` for another family.
pub fn lift(name: &str, bytes: &[u8], source: Source) -> Option<Result<DeviceState, String>> {
    Some(match name {
        "device-v1" => decode_ok(bytes, &DataV1::prefilled())
            .map(|d| from_v1(source, &d))
            .map_err(|e| e.message),
        "device-v2" => decode_ok(bytes, &Data::prefilled())
            .map(|d| from_v2(source, &d))
            .map_err(|e| e.message),
        _ => return None,
    })
}

//! The device manager's checkpoint types (package `checkpoint`,
//! `pkg/kubelet/cm/devicemanager/checkpoint`), declared once.
//!
//! No JSON tags: the keys are the Go field names. The unexported type names
//! (`checkpointData`) are format facts too: go-spew prints them into the
//! hashed text.

use std::collections::BTreeMap;

use crate::formats::gotypes::Checksum;
use crate::go::Bytes;

crate::go_named! {
    /// `checkpoint.DevicesPerNUMA` (`map[int64][]string`): NUMA node id
    /// (`-1` when the plugin reports no topology) to device ids (1.20+).
    pub struct DevicesPerNuma(pub Option<BTreeMap<i64, Option<Vec<String>>>>) = "checkpoint.DevicesPerNUMA";
}

crate::go_struct! {
    /// `checkpoint.PodDevicesEntry` (1.20+ layout): one container's devices
    /// of one resource, and the plugin's protobuf `ContainerAllocateResponse`.
    pub struct PodDevicesEntry = "checkpoint.PodDevicesEntry" {
        pub pod_uid: String => PodUID,
        pub container_name: String => ContainerName,
        pub resource_name: String => ResourceName,
        pub device_ids: DevicesPerNuma => DeviceIDs,
        pub alloc_resp: Bytes => AllocResp,
    }
}

crate::go_struct! {
    /// `checkpoint.checkpointData`: the hashed member (hashed as a value,
    /// not a pointer).
    pub struct CheckpointData = "checkpoint.checkpointData" {
        pub pod_device_entries: Option<Vec<PodDevicesEntry>> => PodDeviceEntries,
        pub registered_devices: Option<BTreeMap<String, Option<Vec<String>>>> => RegisteredDevices,
    }
}

crate::go_struct! {
    /// `checkpoint.Data`: the 1.20+ file. `BootID` (newest line only) sits
    /// outside `Data`, so it never affects the checksum.
    pub struct Data = "checkpoint.Data" {
        pub data: CheckpointData => Data,
        pub checksum: Checksum => Checksum,
        pub boot_id: String => BootID json ",omitempty",
    }
}

crate::go_struct! {
    /// `checkpoint.PodDevicesEntryV1`: the pre-1.20 entry (1.19 and earlier
    /// named it `PodDevicesEntry`; 1.20+ hash it under that name by renaming).
    pub struct PodDevicesEntryV1 = "checkpoint.PodDevicesEntryV1" {
        pub pod_uid: String => PodUID,
        pub container_name: String => ContainerName,
        pub resource_name: String => ResourceName,
        pub device_ids: Option<Vec<String>> => DeviceIDs,
        pub alloc_resp: Bytes => AllocResp,
    }
}

crate::go_struct! {
    /// `checkpoint.checkpointDataV1` (pre-1.20 `checkpointData`).
    pub struct CheckpointDataV1 = "checkpoint.checkpointDataV1" {
        pub pod_device_entries: Option<Vec<PodDevicesEntryV1>> => PodDeviceEntries,
        pub registered_devices: Option<BTreeMap<String, Option<Vec<String>>>> => RegisteredDevices,
    }
}

crate::go_struct! {
    /// `checkpoint.DataV1`: the pre-1.20 file.
    pub struct DataV1 = "checkpoint.DataV1" {
        pub data: CheckpointDataV1 => Data,
        pub checksum: Checksum => Checksum,
    }
}

impl Data {
    /// `checkpoint.New(nil, nil)` as the manager prepares it before reading:
    /// an empty non-nil entry list and device map.
    pub fn prefilled() -> Self {
        Data {
            data: CheckpointData {
                pod_device_entries: Some(Vec::new()),
                registered_devices: Some(BTreeMap::new()),
            },
            checksum: Checksum(0),
            boot_id: String::new(),
        }
    }
}

impl DataV1 {
    /// The V1 constructor's pre-filled value (empty non-nil list and map).
    pub fn prefilled() -> Self {
        DataV1 {
            data: CheckpointDataV1 {
                pod_device_entries: Some(Vec::new()),
                registered_devices: Some(BTreeMap::new()),
            },
            checksum: Checksum(0),
        }
    }

    /// The 1.20+ conversion (`GetDataInLatestFormat`): no NUMA affinity was
    /// recorded, so every entry's devices go to node 0.
    pub fn to_latest(&self) -> Data {
        let entries = self.data.pod_device_entries.as_ref().map(|l| {
            l.iter()
                .map(|e| PodDevicesEntry {
                    pod_uid: e.pod_uid.clone(),
                    container_name: e.container_name.clone(),
                    resource_name: e.resource_name.clone(),
                    device_ids: DevicesPerNuma(Some(BTreeMap::from([(0, e.device_ids.clone())]))),
                    alloc_resp: e.alloc_resp.clone(),
                })
                .collect()
        });
        Data {
            data: CheckpointData {
                pod_device_entries: entries,
                registered_devices: self.data.registered_devices.clone(),
            },
            checksum: Checksum(0),
            boot_id: String::new(),
        }
    }
}

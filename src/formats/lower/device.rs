//! Lowering a [`DeviceState`] to the device manager's checkpoint shapes.
//! Entry order and `RegisteredDevices` id order are kept: the checksum
//! covers them.

use std::collections::BTreeMap;

use crate::formats::device::types::{
    CheckpointData, CheckpointDataV1, Data, DataV1, DevicesPerNuma, PodDevicesEntry,
    PodDevicesEntryV1,
};
use crate::formats::device::{write_v1, write_v2};
use crate::formats::gotypes::Checksum;
use crate::formats::state::{DeviceAllocation, DeviceState};
use crate::go::Bytes;

use super::{ConvertError, Loss, LowerOptions, Lowered};

/// `RegisteredDevices` with the `null`s read kept (nil and empty hash
/// apart).
fn registered(s: &DeviceState) -> Option<BTreeMap<String, Option<Vec<String>>>> {
    if s.nulls.registered_devices && s.registered_devices.is_empty() {
        return None;
    }
    Some(
        s.registered_devices
            .iter()
            .map(|(r, ids)| {
                let null = ids.is_empty() && s.nulls.registered_lists.contains(r);
                (r.clone(), (!null).then(|| ids.clone()))
            })
            .collect(),
    )
}

fn alloc_resp(a: &DeviceAllocation) -> Bytes {
    Bytes((!(a.nulls.alloc_resp && a.alloc_resp.is_empty())).then(|| a.alloc_resp.clone()))
}

pub(super) fn lower(
    kind: &str,
    s: &DeviceState,
    _opts: &LowerOptions,
) -> Option<Result<Lowered, ConvertError>> {
    let mut losses = Vec::new();
    let r = match kind {
        "device-v2" => {
            let entries = s
                .allocations
                .iter()
                .map(|a| PodDevicesEntry {
                    pod_uid: a.pod_uid.clone(),
                    container_name: a.container_name.clone(),
                    resource_name: a.resource_name.clone(),
                    device_ids: DevicesPerNuma(
                        (!(a.nulls.device_ids && a.devices_per_numa.is_empty())).then(|| {
                            a.devices_per_numa
                                .iter()
                                .map(|(n, ids)| {
                                    let null = ids.is_empty() && a.nulls.numa_lists.contains(n);
                                    (*n, (!null).then(|| ids.clone()))
                                })
                                .collect()
                        }),
                    ),
                    alloc_resp: alloc_resp(a),
                })
                .collect();
            write_v2(&Data {
                data: CheckpointData {
                    pod_device_entries: Some(entries),
                    registered_devices: registered(s),
                },
                checksum: Checksum(0),
                boot_id: s.boot_id.clone(),
            })
        }
        "device-v1" => {
            let entries = s
                .allocations
                .iter()
                .map(|a| {
                    let nodes: Vec<i64> = a.devices_per_numa.keys().copied().collect();
                    if s.numa_recorded && nodes.iter().any(|n| *n != 0) {
                        losses.push(Loss::new(
                            format!("allocations/{}/{}/{}", a.pod_uid, a.container_name, a.resource_name),
                            format!(
                                "the NUMA nodes {nodes:?} of the {} devices of container {} of pod {} have no place in {kind} (read back as node 0)",
                                a.resource_name, a.container_name, a.pod_uid
                            ),
                        ));
                    }
                    PodDevicesEntryV1 {
                        pod_uid: a.pod_uid.clone(),
                        container_name: a.container_name.clone(),
                        resource_name: a.resource_name.clone(),
                        device_ids: (!(a.nulls.device_ids && a.device_ids().next().is_none()))
                            .then(|| a.device_ids().map(str::to_string).collect()),
                        alloc_resp: alloc_resp(a),
                    }
                })
                .collect();
            if !s.boot_id.is_empty() {
                losses.push(Loss::new(
                    "boot_id",
                    format!("the boot ID {:?} has no place in {kind}", s.boot_id),
                ));
            }
            write_v1(&DataV1 {
                data: CheckpointDataV1 {
                    pod_device_entries: Some(entries),
                    registered_devices: registered(s),
                },
                checksum: Checksum(0),
            })
        }
        _ => return None,
    };
    Some(r.map(|b| (b, losses)).map_err(ConvertError::from))
}

//! Typed read access for people (inspect, repair, scan): who holds which
//! devices, per resource, NUMA node and container.

use std::collections::BTreeMap;

use super::types::{Data, DataV1};

/// One container's devices of one resource on one NUMA node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation<'a> {
    pub pod_uid: &'a str,
    pub container_name: &'a str,
    pub resource_name: &'a str,
    /// NUMA node id; `-1` when the plugin reported no topology. V1 files
    /// carry none: the kubelet puts them on node 0 when it reads them.
    pub numa_node: i64,
    pub device_ids: &'a [String],
}

/// Devices per resource, then per NUMA node, then per (pod UID, container).
pub type DevicesByResource<'a> =
    BTreeMap<&'a str, BTreeMap<i64, BTreeMap<(&'a str, &'a str), Vec<&'a str>>>>;

/// Read access shared by both device shapes.
pub trait DeviceView {
    /// Every allocation, in file order (then NUMA node order within an entry).
    fn allocations(&self) -> Vec<Allocation<'_>>;
    /// Devices the plugins had registered, per resource (empty when nil).
    fn registered_devices(&self) -> BTreeMap<&str, Vec<&str>>;

    /// Devices per resource per NUMA node per (pod, container). Duplicated
    /// entries accumulate, as the kubelet's `podDevices.insert` would not
    /// (it keeps the last one); this is a read-out, not the restore result.
    fn devices_by_resource(&self) -> DevicesByResource<'_> {
        let mut out: DevicesByResource<'_> = BTreeMap::new();
        for a in self.allocations() {
            out.entry(a.resource_name)
                .or_default()
                .entry(a.numa_node)
                .or_default()
                .entry((a.pod_uid, a.container_name))
                .or_default()
                .extend(a.device_ids.iter().map(String::as_str));
        }
        out
    }
}

fn registered(m: &Option<BTreeMap<String, Option<Vec<String>>>>) -> BTreeMap<&str, Vec<&str>> {
    m.iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.iter().flatten().map(String::as_str).collect::<Vec<_>>(),
            )
        })
        .collect()
}

impl DeviceView for Data {
    fn allocations(&self) -> Vec<Allocation<'_>> {
        let mut out = Vec::new();
        for e in self.data.pod_device_entries.iter().flatten() {
            for (numa, ids) in e.device_ids.0.iter().flatten() {
                out.push(Allocation {
                    pod_uid: &e.pod_uid,
                    container_name: &e.container_name,
                    resource_name: &e.resource_name,
                    numa_node: *numa,
                    device_ids: ids.as_deref().unwrap_or(&[]),
                });
            }
        }
        out
    }

    fn registered_devices(&self) -> BTreeMap<&str, Vec<&str>> {
        registered(&self.data.registered_devices)
    }
}

impl DeviceView for DataV1 {
    fn allocations(&self) -> Vec<Allocation<'_>> {
        self.data
            .pod_device_entries
            .iter()
            .flatten()
            .map(|e| Allocation {
                pod_uid: &e.pod_uid,
                container_name: &e.container_name,
                resource_name: &e.resource_name,
                numa_node: 0,
                device_ids: e.device_ids.as_deref().unwrap_or(&[]),
            })
            .collect()
    }

    fn registered_devices(&self) -> BTreeMap<&str, Vec<&str>> {
        registered(&self.data.registered_devices)
    }
}

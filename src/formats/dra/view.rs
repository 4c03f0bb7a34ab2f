//! Typed read access for people (inspect, repair, scan): which pods hold
//! which claims, and which devices each driver prepared for a claim, the
//! same way for every DRA shape.

use std::collections::BTreeMap;

use super::types::{structured, v1, v2, v3, v4, v8};

/// One prepared device (older shapes only know CDI device ids).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceSummary {
    /// Pool and device name (dra-v5+); `None` in older shapes.
    pub pool_name: Option<String>,
    pub device_name: Option<String>,
    pub request_names: Vec<String>,
    pub cdi_device_ids: Vec<String>,
    /// `ShareID` (dra-v8), when set.
    pub share_id: Option<String>,
}

/// One prepared claim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimSummary {
    pub claim_uid: String,
    pub claim_name: String,
    pub namespace: String,
    /// The pods referencing the claim, sorted.
    pub pod_uids: Vec<String>,
    /// Devices per driver (plugin) name.
    pub drivers: BTreeMap<String, Vec<DeviceSummary>>,
}

/// Read access shared by every DRA shape.
pub trait DraView {
    /// Every claim, in file order.
    fn claims(&self) -> Vec<ClaimSummary>;

    /// Claims per pod UID.
    fn claims_by_pod(&self) -> BTreeMap<String, Vec<ClaimSummary>> {
        let mut out: BTreeMap<String, Vec<ClaimSummary>> = BTreeMap::new();
        for c in self.claims() {
            for p in &c.pod_uids {
                out.entry(p.clone()).or_default().push(c.clone());
            }
        }
        out
    }
}

fn cdi_only(ids: &Option<Vec<String>>) -> Vec<DeviceSummary> {
    ids.iter()
        .flatten()
        .map(|id| DeviceSummary {
            cdi_device_ids: vec![id.clone()],
            ..DeviceSummary::default()
        })
        .collect()
}

fn cdi_per_plugin(
    m: &Option<BTreeMap<String, Option<Vec<String>>>>,
) -> BTreeMap<String, Vec<DeviceSummary>> {
    m.iter()
        .flatten()
        .map(|(k, v)| (k.clone(), cdi_only(v)))
        .collect()
}

impl DraView for v1::DraManagerCheckpoint {
    fn claims(&self) -> Vec<ClaimSummary> {
        self.entries
            .0
            .iter()
            .flatten()
            .map(|e| ClaimSummary {
                claim_uid: e.claim_uid.0.clone(),
                claim_name: e.claim_name.clone(),
                namespace: e.namespace.clone(),
                pod_uids: e
                    .pod_uids
                    .members()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                drivers: BTreeMap::from([(e.driver_name.clone(), cdi_only(&e.cdi_devices))]),
            })
            .collect()
    }
}

macro_rules! cdi_map_view {
    ($env:ty) => {
        impl DraView for $env {
            fn claims(&self) -> Vec<ClaimSummary> {
                self.entries
                    .0
                    .iter()
                    .flatten()
                    .map(|e| ClaimSummary {
                        claim_uid: e.claim_uid.0.clone(),
                        claim_name: e.claim_name.clone(),
                        namespace: e.namespace.clone(),
                        pod_uids: e
                            .pod_uids
                            .members()
                            .into_iter()
                            .map(str::to_string)
                            .collect(),
                        drivers: cdi_per_plugin(&e.cdi_devices),
                    })
                    .collect()
            }
        }
    };
}

cdi_map_view!(v2::DraManagerCheckpoint);
cdi_map_view!(v3::DraManagerCheckpoint);
cdi_map_view!(v4::DraManagerCheckpoint);

/// One [`ClaimSummary`] per entry of a claim list: the structured models'
/// (v5–v7) and v8's differ in type, not in shape; `$share` reads a
/// device's share ID (v8 only).
macro_rules! claim_summaries {
    ($list:expr, |$d:ident| $share:expr) => {
        $list
            .0
            .iter()
            .flatten()
            .map(|e| ClaimSummary {
                claim_uid: e.claim_uid.0.clone(),
                claim_name: e.claim_name.clone(),
                namespace: e.namespace.clone(),
                pod_uids: e
                    .pod_uids
                    .members()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                drivers: e
                    .driver_state
                    .iter()
                    .flatten()
                    .map(|(drv, st)| {
                        let devs = st
                            .devices
                            .iter()
                            .flatten()
                            .map(|$d| DeviceSummary {
                                pool_name: Some($d.pool_name.clone()),
                                device_name: Some($d.device_name.clone()),
                                request_names: $d.request_names.clone().unwrap_or_default(),
                                cdi_device_ids: $d.cdi_device_ids.clone().unwrap_or_default(),
                                share_id: $share,
                            })
                            .collect();
                        (drv.clone(), devs)
                    })
                    .collect(),
            })
            .collect()
    };
}

fn structured_claims(list: &structured::ClaimInfoStateList) -> Vec<ClaimSummary> {
    claim_summaries!(list, |_d| None)
}

impl DraView for structured::DraManagerCheckpoint {
    fn claims(&self) -> Vec<ClaimSummary> {
        structured_claims(&self.entries)
    }
}

impl DraView for structured::CheckpointDataV6 {
    fn claims(&self) -> Vec<ClaimSummary> {
        structured_claims(&self.entries)
    }
}

impl DraView for structured::CheckpointDataV7 {
    fn claims(&self) -> Vec<ClaimSummary> {
        structured_claims(&self.claim_info_state_list)
    }
}

impl DraView for v8::CheckpointData {
    fn claims(&self) -> Vec<ClaimSummary> {
        claim_summaries!(self.claim_info_state_list, |d| d
            .share_id
            .as_ref()
            .map(|u| u.0.clone()))
    }
}

//! The pod resize and allocation files' version-neutral state (see
//! [`crate::formats::state`]): per pod and container the resources the
//! kubelet recorded (requests, limits, claims), pod-level resources,
//! emptyDir limits and the resize status, whatever the shape
//! (`podstatus-v1..v3`, `allocated-v1..v4`, `actuated-v1..v4`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::resmgr::decode_ok;
use crate::formats::state::Source;
use crate::go::quantity::Quantity;

use super::envelope::{DataEnvelope, Payload};
use super::payloads::{
    AllocV1Info, AllocV2Info, AllocV3Info, AllocV4Info, PodStatusV2Info, PodStatusV3Info,
};
use super::podstatus_v1::PodResourceAllocationCheckpoint;
use super::types::{ResourceList, ResourceRequirements};

/// A pod resize / allocation state, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodResizeState {
    /// Kind and checksum status.
    pub source: Source,
    /// Pod UID -> what is recorded for it.
    #[serde(default)]
    pub pods: BTreeMap<String, ResizePod>,
}

/// What one pod's entry records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResizePod {
    /// Container name -> resources.
    #[serde(default)]
    pub containers: BTreeMap<String, Resources>,
    /// `PodLevelResources` (allocated/actuated v3+), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_level: Option<Resources>,
    /// `EmptyDirVolumeLimits` (v4): volume -> size limit (`None` = `null`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub empty_dir_volume_limits: BTreeMap<String, Option<String>>,
    /// `resizeStatusEntries` (podstatus kinds): `Proposed`, `InProgress`,
    /// `Deferred`, `Infeasible`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize_status: Option<String>,
    /// The pod is only in `resizeStatusEntries`, not in the allocations
    /// (podstatus kinds); false: it has an allocation entry, maybe empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub status_only: bool,
    /// `EmptyDirVolumeLimits` (v4) is a map, maybe empty, rather than
    /// `null` (what an empty [`Self::empty_dir_volume_limits`] otherwise
    /// writes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_dir_volume_limits_set: bool,
}

/// Resource requirements, quantities as Kubernetes writes them (`100m`,
/// `1Gi`: the text the file holds, which the writer keeps).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Resources {
    /// `requests`: resource -> quantity.
    #[serde(default)]
    pub requests: BTreeMap<String, String>,
    /// `limits`: resource -> quantity (podstatus-v1/v2 record none).
    #[serde(default)]
    pub limits: BTreeMap<String, String>,
    /// `claims`: (name, request) of DRA claims the container uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimRef>,
    /// The requests are `null` rather than `{}` (podstatus-v1/v2, where a
    /// container's entry is the request list itself).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requests_null: bool,
}

/// A container's reference to a resource claim.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClaimRef {
    /// `name`: the pod's claim name.
    pub name: String,
    /// `request`: the request within the claim, empty for all.
    #[serde(default)]
    pub request: String,
}

/// A quantity's text as `MarshalJSON` writes it (without the quotes).
pub fn quantity_text(q: &Quantity) -> String {
    let j = q.marshal_json();
    let inner = j.get(1..j.len().saturating_sub(1)).unwrap_or_default();
    String::from_utf8_lossy(inner).into_owned()
}

fn list(l: &ResourceList) -> BTreeMap<String, String> {
    l.0.iter()
        .flatten()
        .map(|(k, q)| (k.clone(), quantity_text(q)))
        .collect()
}

fn reqs(r: &ResourceRequirements) -> Resources {
    Resources {
        requests: list(&r.requests),
        limits: list(&r.limits),
        claims: r
            .claims
            .iter()
            .flatten()
            .map(|c| ClaimRef {
                name: c.name.clone(),
                request: c.request.clone(),
            })
            .collect(),
        ..Resources::default()
    }
}

type PodMap<T> = Option<BTreeMap<String, Option<BTreeMap<String, T>>>>;

fn containers<T>(m: &PodMap<T>, f: impl Fn(&T) -> Resources) -> BTreeMap<String, ResizePod> {
    m.iter()
        .flatten()
        .map(|(pod, cs)| {
            let containers = cs
                .iter()
                .flatten()
                .map(|(c, t)| (c.clone(), f(t)))
                .collect();
            (
                pod.clone(),
                ResizePod {
                    containers,
                    ..ResizePod::default()
                },
            )
        })
        .collect()
}

fn requests_only(l: &ResourceList) -> Resources {
    Resources {
        requests: list(l),
        requests_null: l.0.is_none(),
        ..Resources::default()
    }
}

fn with_status(
    mut pods: BTreeMap<String, ResizePod>,
    st: &Option<BTreeMap<String, super::types::PodResizeStatus>>,
) -> BTreeMap<String, ResizePod> {
    for (pod, s) in st.iter().flatten() {
        let p = pods.entry(pod.clone()).or_insert_with(|| ResizePod {
            status_only: true,
            ..ResizePod::default()
        });
        p.resize_status = Some(s.0.clone());
    }
    pods
}

fn container_map(
    m: &Option<BTreeMap<String, ResourceRequirements>>,
) -> BTreeMap<String, Resources> {
    m.iter()
        .flatten()
        .map(|(c, r)| (c.clone(), reqs(r)))
        .collect()
}

/// The payload of an envelope kind, decoded whatever the checksum says.
fn payload<P: Payload>(bytes: &[u8]) -> Result<P, String> {
    let env = decode_ok(bytes, &DataEnvelope::default()).map_err(|e| e.message)?;
    decode_ok(env.data.as_bytes(), &P::from_go(&P::go_type().zero()))
        .map_err(|e| format!("data: {}", e.message))
}

/// Lifts a pod resize / allocation file of kind `name`. `None` for a kind
/// of another family.
pub fn lift(name: &str, bytes: &[u8], source: Source) -> Option<Result<PodResizeState, String>> {
    let family = name.split('-').next().unwrap_or_default();
    let version = name.rsplit('-').next().unwrap_or_default();
    let pods = match (family, version) {
        ("podstatus", "v1") => decode_ok(bytes, &PodResourceAllocationCheckpoint::new_prefilled())
            .map_err(|e| e.message)
            .map(|cp| {
                with_status(
                    containers(&cp.allocation_entries, requests_only),
                    &cp.resize_status_entries,
                )
            }),
        ("podstatus", "v2") => payload::<PodStatusV2Info>(bytes).map(|p| {
            with_status(
                containers(&p.allocation_entries, requests_only),
                &p.resize_status_entries,
            )
        }),
        ("podstatus", "v3") => payload::<PodStatusV3Info>(bytes).map(|p| {
            with_status(
                containers(&p.allocation_entries, reqs),
                &p.resize_status_entries,
            )
        }),
        ("allocated" | "actuated", "v1") => {
            payload::<AllocV1Info>(bytes).map(|p| containers(&p.allocation_entries, reqs))
        }
        ("allocated" | "actuated", "v2") => payload::<AllocV2Info>(bytes).map(|p| {
            p.entries
                .iter()
                .flatten()
                .map(|(pod, i)| {
                    let rp = ResizePod {
                        containers: container_map(&i.container_resources),
                        ..ResizePod::default()
                    };
                    (pod.clone(), rp)
                })
                .collect()
        }),
        ("allocated" | "actuated", "v3") => payload::<AllocV3Info>(bytes).map(|p| {
            p.entries
                .iter()
                .flatten()
                .map(|(pod, i)| {
                    let rp = ResizePod {
                        containers: container_map(&i.container_resources),
                        pod_level: i.pod_level_resources.as_deref().map(reqs),
                        ..ResizePod::default()
                    };
                    (pod.clone(), rp)
                })
                .collect()
        }),
        ("allocated" | "actuated", "v4") => payload::<AllocV4Info>(bytes).map(|p| {
            p.entries
                .0
                .iter()
                .flatten()
                .map(|(pod, i)| {
                    let limits = i
                        .empty_dir_volume_limits
                        .iter()
                        .flatten()
                        .map(|(v, q)| (v.clone(), q.as_deref().map(quantity_text)))
                        .collect();
                    let rp = ResizePod {
                        containers: container_map(&i.container_resources),
                        pod_level: i.pod_level_resources.as_deref().map(reqs),
                        empty_dir_volume_limits: limits,
                        empty_dir_volume_limits_set: i.empty_dir_volume_limits.is_some(),
                        ..ResizePod::default()
                    };
                    (pod.clone(), rp)
                })
                .collect()
        }),
        _ => return None,
    };
    Some(pods.map(|pods| PodResizeState { source, pods }))
}

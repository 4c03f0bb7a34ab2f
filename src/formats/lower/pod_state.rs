//! Lowering a [`PodResizeState`] to the pod resize and allocation shapes:
//! `pod_status_manager_state` (podstatus-v1 … v3) and
//! `allocated_pods_state` / `actuated_pods_state` (v1 … v4). Each writer
//! is the kind's own (the kubelet's write-back copy, then its checksum).
//!
//! The shapes differ in what a container records (requests only in
//! podstatus-v1/v2), whether pods have pod-level resources (v3+) and
//! emptyDir limits (v4), and whether resize status is kept (podstatus
//! only); what a target cannot hold is a [`Loss`].

use std::collections::BTreeMap;

use crate::formats::pod_state::envelope::{self, Payload};
use crate::formats::pod_state::payloads::{
    AllocV1Info, AllocV2Info, AllocV2Pod, AllocV3Info, AllocV3Pod, AllocV4Info, AllocV4Pod,
    PodResourceInfoMap, PodStatusV2Info, PodStatusV3Info,
};
use crate::formats::pod_state::podstatus_v1::PodResourceAllocationCheckpoint;
use crate::formats::pod_state::shared::encode;
use crate::formats::pod_state::types::{
    PodResizeStatus, ResourceClaim, ResourceList, ResourceRequirements,
};
use crate::formats::state::{PodResizeState, Resources};
use crate::go::quantity::{parse_quantity, Quantity};

use super::{ConvertError, Loss, LowerOptions, Lowered};

fn quantity(text: &str, what: &str) -> Result<Quantity, ConvertError> {
    parse_quantity(text.as_bytes())
        .map_err(|e| ConvertError::Write(format!("{what}: quantity {text:?}: {e}")))
}

/// A resource list from `name -> text` (nil when `null` and empty).
fn resource_list(
    m: &BTreeMap<String, String>,
    null: bool,
    what: &str,
) -> Result<ResourceList, ConvertError> {
    if null && m.is_empty() {
        return Ok(ResourceList(None));
    }
    let mut out = BTreeMap::new();
    for (k, t) in m {
        out.insert(k.clone(), quantity(t, &format!("{what} {k}"))?);
    }
    Ok(ResourceList(Some(out)))
}

fn requirements(r: &Resources, what: &str) -> Result<ResourceRequirements, ConvertError> {
    let list = |m: &BTreeMap<String, String>, kind: &str| {
        if m.is_empty() {
            // omitempty: nil and empty write the same.
            Ok(ResourceList(None))
        } else {
            resource_list(m, false, &format!("{what} {kind}"))
        }
    };
    Ok(ResourceRequirements {
        limits: list(&r.limits, "limits")?,
        requests: list(&r.requests, "requests")?,
        claims: (!r.claims.is_empty()).then(|| {
            r.claims
                .iter()
                .map(|c| ResourceClaim {
                    name: c.name.clone(),
                    request: c.request.clone(),
                })
                .collect()
        }),
    })
}

/// What a target shape holds beyond containers' requests.
#[derive(Clone, Copy)]
struct Holds {
    limits_and_claims: bool,
    pod_level: bool,
    empty_dir: bool,
    resize_status: bool,
}

fn losses_for(kind: &str, s: &PodResizeState, h: Holds) -> Vec<Loss> {
    let mut out = Vec::new();
    for (pod, p) in &s.pods {
        if !h.limits_and_claims {
            for (c, r) in &p.containers {
                if !r.limits.is_empty() {
                    out.push(Loss::new(
                        format!("pods/{pod}/containers/{c}/limits"),
                        format!(
                            "the limits {:?} of container {c} of pod {pod} have no place in {kind} (requests only)",
                            r.limits
                        ),
                    ));
                }
                if !r.claims.is_empty() {
                    out.push(Loss::new(
                        format!("pods/{pod}/containers/{c}/claims"),
                        format!(
                            "the {} resource claim reference(s) of container {c} of pod {pod} have no place in {kind}",
                            r.claims.len()
                        ),
                    ));
                }
            }
        }
        if !h.pod_level && p.pod_level.is_some() {
            out.push(Loss::new(
                format!("pods/{pod}/pod_level"),
                format!("the pod-level resources of pod {pod} have no place in {kind}"),
            ));
        }
        if !h.empty_dir && !p.empty_dir_volume_limits.is_empty() {
            out.push(Loss::new(
                format!("pods/{pod}/empty_dir_volume_limits"),
                format!(
                    "the emptyDir volume limits of pod {pod} ({} volume(s)) have no place in {kind}",
                    p.empty_dir_volume_limits.len()
                ),
            ));
        }
        if !h.resize_status {
            if let Some(st) = &p.resize_status {
                out.push(Loss::new(
                    format!("pods/{pod}/resize_status"),
                    format!("the resize status {st:?} of pod {pod} has no place in {kind}"),
                ));
            }
        }
    }
    out
}

type Pods<T> = Option<BTreeMap<String, Option<BTreeMap<String, T>>>>;

/// Pod -> container -> T, for the pods with an allocation entry.
fn per_container<T>(
    s: &PodResizeState,
    f: impl Fn(&Resources, &str) -> Result<T, ConvertError>,
) -> Result<Pods<T>, ConvertError> {
    let mut out = BTreeMap::new();
    for (pod, p) in s.pods.iter().filter(|(_, p)| !p.status_only) {
        let mut cs = BTreeMap::new();
        for (c, r) in &p.containers {
            cs.insert(c.clone(), f(r, &format!("pod {pod} container {c}"))?);
        }
        out.insert(pod.clone(), Some(cs));
    }
    Ok(Some(out))
}

fn requests(r: &Resources, what: &str) -> Result<ResourceList, ConvertError> {
    resource_list(&r.requests, r.requests_null, &format!("{what} requests"))
}

fn resize(s: &PodResizeState) -> Option<BTreeMap<String, PodResizeStatus>> {
    Some(
        s.pods
            .iter()
            .filter_map(|(pod, p)| Some((pod.clone(), PodResizeStatus(p.resize_status.clone()?))))
            .collect(),
    )
}

fn pod_level(
    p: &crate::formats::state::ResizePod,
    pod: &str,
) -> Result<Option<Box<ResourceRequirements>>, ConvertError> {
    p.pod_level
        .as_ref()
        .map(|r| requirements(r, &format!("pod {pod} pod-level")).map(Box::new))
        .transpose()
}

fn write<P: Payload>(p: &P) -> Result<Vec<u8>, ConvertError> {
    Ok(envelope::write(&p.normalized())?)
}

pub(super) fn lower(
    kind: &str,
    s: &PodResizeState,
    _opts: &LowerOptions,
) -> Option<Result<Lowered, ConvertError>> {
    let (family, version) = kind.split_once('-')?;
    let podstatus = family == "podstatus";
    if !matches!(family, "podstatus" | "allocated" | "actuated") {
        return None;
    }
    let holds = Holds {
        limits_and_claims: !(podstatus && matches!(version, "v1" | "v2")),
        pod_level: !podstatus && matches!(version, "v3" | "v4"),
        empty_dir: !podstatus && version == "v4",
        resize_status: podstatus,
    };
    let losses = losses_for(kind, s, holds);
    let r = (|| -> Result<Vec<u8>, ConvertError> {
        match (podstatus, version) {
            (true, "v1") => {
                let cp = PodResourceAllocationCheckpoint {
                    allocation_entries: per_container(s, requests)?,
                    resize_status_entries: resize(s),
                    ..PodResourceAllocationCheckpoint::new_prefilled()
                };
                Ok(encode(&cp.normalized())?)
            }
            (true, "v2") => write(&PodStatusV2Info {
                allocation_entries: per_container(s, requests)?,
                resize_status_entries: resize(s),
            }),
            (true, "v3") => write(&PodStatusV3Info {
                allocation_entries: per_container(s, requirements)?,
                resize_status_entries: resize(s),
            }),
            (false, "v1") => write(&AllocV1Info {
                allocation_entries: per_container(s, requirements)?,
            }),
            (false, "v2" | "v3" | "v4") => {
                let mut v2 = BTreeMap::new();
                let mut v3 = BTreeMap::new();
                let mut v4 = BTreeMap::new();
                for (pod, p) in s.pods.iter().filter(|(_, p)| !p.status_only) {
                    let mut cs = BTreeMap::new();
                    for (c, r) in &p.containers {
                        cs.insert(
                            c.clone(),
                            requirements(r, &format!("pod {pod} container {c}"))?,
                        );
                    }
                    let cs = Some(cs);
                    match version {
                        "v2" => {
                            v2.insert(
                                pod.clone(),
                                AllocV2Pod {
                                    container_resources: cs,
                                },
                            );
                        }
                        "v3" => {
                            v3.insert(
                                pod.clone(),
                                AllocV3Pod {
                                    container_resources: cs,
                                    pod_level_resources: pod_level(p, pod)?,
                                },
                            );
                        }
                        _ => {
                            let limits = if p.empty_dir_volume_limits.is_empty()
                                && !p.empty_dir_volume_limits_set
                            {
                                None
                            } else {
                                let mut m = BTreeMap::new();
                                for (v, q) in &p.empty_dir_volume_limits {
                                    let q = q
                                        .as_deref()
                                        .map(|t| {
                                            quantity(t, &format!("pod {pod} emptyDir {v}"))
                                                .map(Box::new)
                                        })
                                        .transpose()?;
                                    m.insert(v.clone(), q);
                                }
                                Some(m)
                            };
                            v4.insert(
                                pod.clone(),
                                AllocV4Pod {
                                    container_resources: cs,
                                    pod_level_resources: pod_level(p, pod)?,
                                    empty_dir_volume_limits: limits,
                                },
                            );
                        }
                    }
                }
                match version {
                    "v2" => write(&AllocV2Info { entries: Some(v2) }),
                    "v3" => write(&AllocV3Info { entries: Some(v3) }),
                    _ => write(&AllocV4Info {
                        entries: PodResourceInfoMap(Some(v4)),
                    }),
                }
            }
            _ => Err(ConvertError::NotWritable(kind.to_string())),
        }
    })();
    Some(r.map(|b| (b, losses)))
}

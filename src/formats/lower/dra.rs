//! Lowering a [`DraState`] to `dra_manager_state` shapes (dra-v2 … dra-v8;
//! dra-v1 is read-only). Claim order, device order and Go nils are kept as
//! the state records them: the checksum (go-spew, or CRC-32 of the data
//! JSON) covers them.
//!
//! The early shapes (v2–v4) hold one driver and class name per claim and
//! only CDI device ids per plugin; the structured shapes (v5+) hold pool and
//! device names per device and no class or resource handles. Going down
//! loses names (listed); going up needs names the early shapes never had
//! ([`ConvertError::Missing`]: nothing is invented).

use std::collections::BTreeMap;

use crate::formats::dra::crc_kinds::CrcDra;
use crate::formats::dra::spew_kinds::SpewDra;
use crate::formats::dra::types::{structured, v2, v3, v4, v8};
use crate::formats::dra::{DraV2, DraV3, DraV4, DraV5, DraV6, DraV7, DraV8};
use crate::formats::gotypes::{SetEmpty, StringSet, Uid};
use crate::formats::state::{DraClaim, DraDevice, DraState};

use super::{ConvertError, Loss, LowerOptions, Lowered};

fn claim_path(c: &DraClaim) -> String {
    format!("claims/{}", c.claim_uid)
}

fn pod_uids(c: &DraClaim) -> StringSet {
    if c.nulls.pod_uids && c.pod_uids.is_empty() {
        return StringSet(None);
    }
    StringSet(Some(
        c.pod_uids
            .iter()
            .map(|p| (p.clone(), SetEmpty {}))
            .collect(),
    ))
}

fn list_null(c: &DraClaim, driver: &str, devs: &[DraDevice]) -> bool {
    devs.is_empty() && c.nulls.device_lists.iter().any(|d| d == driver)
}

fn opt_list(v: &[String], null: bool) -> Option<Vec<String>> {
    (!(null && v.is_empty())).then(|| v.to_vec())
}

// ---- dra-v2 … v4: one driver, CDI ids per plugin -------------------------------

/// What every early entry holds: names, pods, CDI ids per plugin.
struct Early {
    driver_name: String,
    class_name: String,
    claim_uid: Uid,
    claim_name: String,
    namespace: String,
    pod_uids: StringSet,
    cdi_devices: Option<BTreeMap<String, Option<Vec<String>>>>,
}

fn early(kind: &str, c: &DraClaim, losses: &mut Vec<Loss>) -> Result<Early, ConvertError> {
    let (Some(driver_name), Some(class_name)) = (&c.driver_name, &c.class_name) else {
        return Err(ConvertError::Missing(format!(
            "{kind} cannot be written from this state: it records the driver and class name of each claim, and claim {} ({}/{}) has none (dra-v5+ do not record them)",
            c.claim_uid, c.namespace, c.claim_name
        )));
    };
    let cdi = if c.nulls.drivers && c.drivers.is_empty() {
        None
    } else {
        let mut m = BTreeMap::new();
        for (d, devs) in &c.drivers {
            for (i, dev) in devs.iter().enumerate() {
                let mut what = Vec::new();
                if let Some(p) = &dev.pool_name {
                    what.push(format!("pool {p:?}"));
                }
                if let Some(n) = &dev.device_name {
                    what.push(format!("device name {n:?}"));
                }
                if let Some(s) = &dev.share_id {
                    what.push(format!("share ID {s:?}"));
                }
                if !dev.request_names.is_empty() {
                    what.push(format!("request names {:?}", dev.request_names));
                }
                if !what.is_empty() {
                    losses.push(Loss::new(
                        format!("{}/drivers/{d}/{i}", claim_path(c)),
                        format!(
                            "the {} of device {i} of driver {d} in claim {} have no place in {kind} (only CDI device ids are kept)",
                            what.join(", "),
                            c.claim_uid
                        ),
                    ));
                }
            }
            let ids: Vec<String> = devs
                .iter()
                .flat_map(|x| x.cdi_device_ids.iter().cloned())
                .collect();
            let ids = (!list_null(c, d, devs)).then_some(ids);
            m.insert(d.clone(), ids);
        }
        Some(m)
    };
    Ok(Early {
        driver_name: driver_name.clone(),
        class_name: class_name.clone(),
        claim_uid: Uid(c.claim_uid.clone()),
        claim_name: c.claim_name.clone(),
        namespace: c.namespace.clone(),
        pod_uids: pod_uids(c),
        cdi_devices: cdi,
    })
}

fn handles_loss(kind: &str, c: &DraClaim, losses: &mut Vec<Loss>) {
    if !c.resource_handles.is_empty() {
        losses.push(Loss::new(
            format!("{}/resource_handles", claim_path(c)),
            format!(
                "the {} resource handle(s) of claim {} have no place in {kind}",
                c.resource_handles.len(),
                c.claim_uid
            ),
        ));
    }
}

fn lower_v2(kind: &str, s: &DraState, losses: &mut Vec<Loss>) -> Result<Vec<u8>, ConvertError> {
    let mut out = Vec::new();
    for c in &s.claims {
        let e = early(kind, c, losses)?;
        handles_loss(kind, c, losses);
        out.push(v2::ClaimInfoState {
            driver_name: e.driver_name,
            class_name: e.class_name,
            claim_uid: e.claim_uid,
            claim_name: e.claim_name,
            namespace: e.namespace,
            pod_uids: e.pod_uids,
            cdi_devices: e.cdi_devices,
        });
    }
    Ok(DraV2::write(Some(out))?)
}

fn handles_null(c: &DraClaim) -> bool {
    c.nulls.resource_handles && c.resource_handles.is_empty()
}

fn lower_v3(kind: &str, s: &DraState, losses: &mut Vec<Loss>) -> Result<Vec<u8>, ConvertError> {
    let mut out = Vec::new();
    for c in &s.claims {
        let e = early(kind, c, losses)?;
        let handles = (!handles_null(c)).then(|| {
            c.resource_handles
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    if h.structured_data {
                        losses.push(Loss::new(
                            format!("{}/resource_handles/{i}", claim_path(c)),
                            format!(
                                "the structured data of resource handle {i} of claim {} has no place in {kind}",
                                c.claim_uid
                            ),
                        ));
                    }
                    v3::ResourceHandle {
                        driver_name: h.driver_name.clone(),
                        data: h.data.clone(),
                    }
                })
                .collect()
        });
        out.push(v3::ClaimInfoState {
            driver_name: e.driver_name,
            class_name: e.class_name,
            claim_uid: e.claim_uid,
            claim_name: e.claim_name,
            namespace: e.namespace,
            pod_uids: e.pod_uids,
            resource_handles: handles,
            cdi_devices: e.cdi_devices,
        });
    }
    Ok(DraV3::write(Some(out))?)
}

fn lower_v4(kind: &str, s: &DraState, losses: &mut Vec<Loss>) -> Result<Vec<u8>, ConvertError> {
    let mut out = Vec::new();
    for c in &s.claims {
        let e = early(kind, c, losses)?;
        let handles = (!handles_null(c)).then(|| {
            c.resource_handles
                .iter()
                .map(|h| v4::ResourceHandle {
                    driver_name: h.driver_name.clone(),
                    data: h.data.clone(),
                    structured_data: h
                        .structured_data
                        .then(|| Box::new(v4::StructuredResourceHandle {})),
                })
                .collect()
        });
        out.push(v4::ClaimInfoState {
            driver_name: e.driver_name,
            class_name: e.class_name,
            claim_uid: e.claim_uid,
            claim_name: e.claim_name,
            namespace: e.namespace,
            pod_uids: e.pod_uids,
            resource_handles: handles,
            cdi_devices: e.cdi_devices,
        });
    }
    Ok(DraV4::write(Some(out))?)
}

// ---- dra-v5 … v8: devices per driver ---------------------------------------------

/// The early-shape facts a structured shape cannot hold.
fn structured_losses(kind: &str, c: &DraClaim, losses: &mut Vec<Loss>) {
    if let Some(d) = &c.driver_name {
        losses.push(Loss::new(
            format!("{}/driver_name", claim_path(c)),
            format!(
                "the driver name {d:?} of claim {} has no place in {kind} (drivers are keys of DriverState)",
                c.claim_uid
            ),
        ));
    }
    if let Some(n) = &c.class_name {
        losses.push(Loss::new(
            format!("{}/class_name", claim_path(c)),
            format!(
                "the class name {n:?} of claim {} has no place in {kind}",
                c.claim_uid
            ),
        ));
    }
    handles_loss(kind, c, losses);
}

/// Pool and device name of a device; the early shapes never had them.
fn names<'a>(
    kind: &str,
    c: &DraClaim,
    d: &str,
    dev: &'a DraDevice,
) -> Result<(&'a str, &'a str), ConvertError> {
    match (&dev.pool_name, &dev.device_name) {
        (Some(p), Some(n)) => Ok((p, n)),
        _ => Err(ConvertError::Missing(format!(
            "{kind} cannot be written from this state: it records the pool and device name of every prepared device, and a device of driver {d} in claim {} has only CDI ids {:?} (dra-v2 … v4 do not record names)",
            c.claim_uid, dev.cdi_device_ids
        ))),
    }
}

/// One structured device as `(pool, name, share, requests, cdi ids)`.
type Dev = (
    String,
    String,
    Option<String>,
    Option<Vec<String>>,
    Option<Vec<String>>,
);

/// The claims as plain values, checked against what `kind` holds.
#[allow(clippy::type_complexity)]
fn structured_claims(
    kind: &str,
    s: &DraState,
    share: bool,
    losses: &mut Vec<Loss>,
) -> Result<
    Vec<(
        Uid,
        String,
        String,
        StringSet,
        Option<BTreeMap<String, Option<Vec<Dev>>>>,
    )>,
    ConvertError,
> {
    let mut out = Vec::new();
    for c in &s.claims {
        structured_losses(kind, c, losses);
        let drivers = if c.nulls.drivers && c.drivers.is_empty() {
            None
        } else {
            let mut m = BTreeMap::new();
            for (d, devs) in &c.drivers {
                let mut list = Vec::new();
                for (i, dev) in devs.iter().enumerate() {
                    let (p, n) = names(kind, c, d, dev)?;
                    if !share {
                        if let Some(id) = &dev.share_id {
                            losses.push(Loss::new(
                                format!("{}/drivers/{d}/{i}/share_id", claim_path(c)),
                                format!(
                                    "the share ID {id:?} of device {p}/{n} of claim {} has no place in {kind}",
                                    c.claim_uid
                                ),
                            ));
                        }
                    }
                    list.push((
                        p.to_string(),
                        n.to_string(),
                        dev.share_id.clone(),
                        opt_list(&dev.request_names, dev.request_names_null),
                        opt_list(&dev.cdi_device_ids, dev.cdi_device_ids_null),
                    ));
                }
                let list = (!list_null(c, d, devs)).then_some(list);
                m.insert(d.clone(), list);
            }
            Some(m)
        };
        out.push((
            Uid(c.claim_uid.clone()),
            c.claim_name.clone(),
            c.namespace.clone(),
            pod_uids(c),
            drivers,
        ));
    }
    Ok(out)
}

fn structured_list(
    kind: &str,
    s: &DraState,
    losses: &mut Vec<Loss>,
) -> Result<structured::ClaimInfoStateList, ConvertError> {
    let list = structured_claims(kind, s, false, losses)?
        .into_iter()
        .map(
            |(claim_uid, claim_name, namespace, pod_uids, drivers)| structured::ClaimInfoState {
                claim_uid,
                claim_name,
                namespace,
                pod_uids,
                driver_state: drivers.map(|m| {
                    m.into_iter()
                        .map(|(d, devs)| {
                            let devices = devs.map(|v| {
                                v.into_iter()
                                    .map(|(p, n, _, r, ids)| structured::Device {
                                        pool_name: p,
                                        device_name: n,
                                        request_names: r,
                                        cdi_device_ids: ids,
                                    })
                                    .collect()
                            });
                            (d, structured::DriverState { devices })
                        })
                        .collect()
                }),
            },
        )
        .collect();
    Ok(structured::ClaimInfoStateList(
        (!(s.claims_null && s.claims.is_empty())).then_some(list),
    ))
}

fn v8_list(
    kind: &str,
    s: &DraState,
    losses: &mut Vec<Loss>,
) -> Result<v8::ClaimInfoStateList, ConvertError> {
    let list = structured_claims(kind, s, true, losses)?
        .into_iter()
        .map(
            |(claim_uid, claim_name, namespace, pod_uids, drivers)| v8::ClaimInfoState {
                claim_uid,
                claim_name,
                namespace,
                pod_uids,
                driver_state: drivers.map(|m| {
                    m.into_iter()
                        .map(|(d, devs)| {
                            let devices = devs.map(|v| {
                                v.into_iter()
                                    .map(|(p, n, share, r, ids)| v8::Device {
                                        pool_name: p,
                                        device_name: n,
                                        share_id: share.map(|u| Box::new(Uid(u))),
                                        request_names: r,
                                        cdi_device_ids: ids,
                                    })
                                    .collect()
                            });
                            (d, v8::DriverState { devices })
                        })
                        .collect()
                }),
            },
        )
        .collect();
    Ok(v8::ClaimInfoStateList(
        (!(s.claims_null && s.claims.is_empty())).then_some(list),
    ))
}

pub(super) fn lower(
    kind: &str,
    s: &DraState,
    _opts: &LowerOptions,
) -> Option<Result<Lowered, ConvertError>> {
    let mut losses = Vec::new();
    let l = &mut losses;
    let r = match kind {
        "dra-v2" => lower_v2(kind, s, l),
        "dra-v3" => lower_v3(kind, s, l),
        "dra-v4" => lower_v4(kind, s, l),
        "dra-v5" => structured_list(kind, s, l).and_then(|list| Ok(DraV5::write(list.0)?)),
        "dra-v6" => structured_list(kind, s, l).and_then(|list| Ok(DraV6::write(list)?)),
        "dra-v7" => structured_list(kind, s, l).and_then(|list| Ok(DraV7::write(list)?)),
        "dra-v8" => v8_list(kind, s, l).and_then(|list| Ok(DraV8::write(list)?)),
        _ => return None,
    };
    Some(r.map(|b| (b, losses)))
}

//! The DRA manager's version-neutral state (see [`crate::formats::state`]):
//! prepared claims with their pods, drivers, pools, devices, CDI ids and
//! share ids, whatever the `dra_manager_state` shape. Folds in what
//! [`super::view::DraView`] gives, plus what lowering needs (class and
//! driver names of the early shapes, resource handles, the envelope's
//! version and type meta).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::gotypes::StringSet;
use crate::formats::resmgr::decode_ok;
use crate::formats::state::Source;

use super::crc_kinds::CrcDra;
use super::spew_kinds::SpewDra;
use super::types::{structured, v3, v4, v8, CrcCheckpoint};
use super::view::{ClaimSummary, DraView};
use super::{DraV1, DraV2, DraV3, DraV4, DraV5, DraV6, DraV7, DraV8};

/// A DRA manager state, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraState {
    /// Kind and checksum status.
    pub source: Source,
    /// The spew-era envelope's `version` (`v1`); `None` in the CRC era.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The CRC-era data's `kind` (`DRACheckpoint`); `None` before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_kind: Option<String>,
    /// The CRC-era data's `apiVersion`; `None` before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_api_version: Option<String>,
    /// Prepared claims, in file order.
    #[serde(default)]
    pub claims: Vec<DraClaim>,
    /// The CRC-era claim list is `null` rather than `[]` (the spew-era
    /// writer always writes a list).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub claims_null: bool,
}

/// One prepared claim.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DraClaim {
    /// `ClaimUID`.
    pub claim_uid: String,
    /// `ClaimName`.
    pub claim_name: String,
    /// `Namespace`.
    pub namespace: String,
    /// `PodUIDs`: the pods referencing the claim, sorted.
    #[serde(default)]
    pub pod_uids: Vec<String>,
    /// `DriverName` of dra-v1 … dra-v4 (one driver per claim then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_name: Option<String>,
    /// `ClassName` of dra-v1 … dra-v4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// `ResourceHandles` of dra-v3/v4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_handles: Vec<ResourceHandle>,
    /// Driver (plugin) name -> the devices it prepared. dra-v1 … v4 know
    /// only CDI device ids: one device per id, without pool or name.
    #[serde(default)]
    pub drivers: BTreeMap<String, Vec<DraDevice>>,
    /// Go's nil, where the file holds `null` rather than an empty value
    /// (the writer keeps the difference: JSON and go-spew show it).
    #[serde(default, skip_serializing_if = "ClaimNulls::is_none")]
    pub nulls: ClaimNulls,
}

/// Which of a claim's lists and maps are Go nil (`null`) rather than empty.
/// All false (the default) means "empty" everywhere, what a hand-written
/// document gets.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClaimNulls {
    /// `PodUIDs` is `null`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pod_uids: bool,
    /// `CDIDevices` (dra-v2 … v4) or `DriverState` (dra-v5+) is `null`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drivers: bool,
    /// `ResourceHandles` (dra-v3/v4) is `null`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resource_handles: bool,
    /// Drivers whose device list (`CDIDevices[driver]`, or
    /// `DriverState[driver].Devices`) is `null`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_lists: Vec<String>,
}

impl ClaimNulls {
    /// Nothing is nil.
    pub fn is_none(&self) -> bool {
        *self == ClaimNulls::default()
    }
}

/// One prepared device.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DraDevice {
    /// `PoolName` (dra-v5+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_name: Option<String>,
    /// `DeviceName` (dra-v5+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// `ShareID` (dra-v8), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_id: Option<String>,
    /// `RequestNames`: the claim's requests this device satisfies.
    #[serde(default)]
    pub request_names: Vec<String>,
    /// `CDIDeviceIDs`.
    #[serde(default)]
    pub cdi_device_ids: Vec<String>,
    /// `RequestNames` is `null` rather than `[]` (dra-v5+).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request_names_null: bool,
    /// `CDIDeviceIDs` is `null` rather than `[]` (dra-v5+).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cdi_device_ids_null: bool,
}

/// A dra-v3/v4 resource handle.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceHandle {
    /// `driverName`.
    pub driver_name: String,
    /// `data`: opaque driver data.
    pub data: String,
    /// Whether `structuredData` is set (dra-v4; its content is not modelled).
    #[serde(default)]
    pub structured_data: bool,
}

fn claims(list: Vec<ClaimSummary>) -> Vec<DraClaim> {
    list.into_iter()
        .map(|c| DraClaim {
            claim_uid: c.claim_uid,
            claim_name: c.claim_name,
            namespace: c.namespace,
            pod_uids: c.pod_uids,
            drivers: c
                .drivers
                .into_iter()
                .map(|(d, devs)| {
                    let devs = devs
                        .into_iter()
                        .map(|d| DraDevice {
                            pool_name: d.pool_name,
                            device_name: d.device_name,
                            share_id: d.share_id,
                            request_names: d.request_names,
                            cdi_device_ids: d.cdi_device_ids,
                            ..DraDevice::default()
                        })
                        .collect();
                    (d, devs)
                })
                .collect(),
            ..DraClaim::default()
        })
        .collect()
}

type CdiMap = Option<BTreeMap<String, Option<Vec<String>>>>;

/// The nils of a dra-v2 … v4 entry.
fn cdi_nulls(c: &mut DraClaim, pods: &StringSet, cdi: &CdiMap) {
    c.nulls.pod_uids = pods.0.is_none();
    c.nulls.drivers = cdi.is_none();
    c.nulls.device_lists = cdi
        .iter()
        .flatten()
        .filter(|(_, l)| l.is_none())
        .map(|(d, _)| d.clone())
        .collect();
}

/// The nils of a dra-v5+ entry: `(driver, devices)` with each device's
/// `(RequestNames, CDIDeviceIDs)` nil-ness, in the order the view lists them.
fn structured_nulls<'a>(
    c: &mut DraClaim,
    pods: &StringSet,
    drivers: Option<impl Iterator<Item = (&'a String, Option<Vec<(bool, bool)>>)>>,
) {
    c.nulls.pod_uids = pods.0.is_none();
    c.nulls.drivers = drivers.is_none();
    for (d, devs) in drivers.into_iter().flatten() {
        match devs {
            None => c.nulls.device_lists.push(d.clone()),
            Some(devs) => {
                let list = c.drivers.get_mut(d).into_iter().flatten();
                for (dev, (req, cdi)) in list.zip(devs) {
                    dev.request_names_null = req;
                    dev.cdi_device_ids_null = cdi;
                }
            }
        }
    }
}

fn structured_list_nulls(cs: &mut [DraClaim], list: &structured::ClaimInfoStateList) -> bool {
    for (c, e) in cs.iter_mut().zip(list.0.iter().flatten()) {
        let drivers = e.driver_state.as_ref().map(|m| {
            m.iter().map(|(d, st)| {
                let devs = st.devices.as_ref().map(|v| {
                    v.iter()
                        .map(|x| (x.request_names.is_none(), x.cdi_device_ids.is_none()))
                        .collect()
                });
                (d, devs)
            })
        });
        structured_nulls(c, &e.pod_uids, drivers);
    }
    list.0.is_none()
}

fn v8_list_nulls(cs: &mut [DraClaim], list: &v8::ClaimInfoStateList) -> bool {
    for (c, e) in cs.iter_mut().zip(list.0.iter().flatten()) {
        let drivers = e.driver_state.as_ref().map(|m| {
            m.iter().map(|(d, st)| {
                let devs = st.devices.as_ref().map(|v| {
                    v.iter()
                        .map(|x| (x.request_names.is_none(), x.cdi_device_ids.is_none()))
                        .collect()
                });
                (d, devs)
            })
        });
        structured_nulls(c, &e.pod_uids, drivers);
    }
    list.0.is_none()
}

fn spew_era(source: Source, version: &str, cs: Vec<DraClaim>) -> DraState {
    DraState {
        source,
        version: Some(version.to_string()),
        data_kind: None,
        data_api_version: None,
        claims: cs,
        claims_null: false,
    }
}

/// Adds the early shapes' driver and class names, which the view drops.
fn with_names<'a>(
    mut cs: Vec<DraClaim>,
    names: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<DraClaim> {
    for (c, (driver, class)) in cs.iter_mut().zip(names) {
        c.driver_name = Some(driver.to_string());
        c.class_name = Some(class.to_string());
    }
    cs
}

fn handles_v3(e: &v3::ClaimInfoState) -> Vec<ResourceHandle> {
    e.resource_handles
        .iter()
        .flatten()
        .map(|h| ResourceHandle {
            driver_name: h.driver_name.clone(),
            data: h.data.clone(),
            structured_data: false,
        })
        .collect()
}

fn handles_v4(e: &v4::ClaimInfoState) -> Vec<ResourceHandle> {
    e.resource_handles
        .iter()
        .flatten()
        .map(|h| ResourceHandle {
            driver_name: h.driver_name.clone(),
            data: h.data.clone(),
            structured_data: h.structured_data.is_some(),
        })
        .collect()
}

fn crc_era<K: CrcDra>(
    source: Source,
    bytes: &[u8],
    claims_of: impl FnOnce(&K::Data) -> Vec<ClaimSummary>,
    meta: impl FnOnce(&K::Data) -> (String, String),
    nulls: impl FnOnce(&K::Data, &mut [DraClaim]) -> bool,
) -> Result<DraState, String> {
    let cp: CrcCheckpoint = K::decode(bytes).map_err(|e| e.to_string())?;
    let d = decode_ok(cp.data.as_bytes(), &K::Data::default())
        .map_err(|e| format!("Data: {}", e.message))?;
    let (kind, api) = meta(&d);
    let mut cs = claims(claims_of(&d));
    let claims_null = nulls(&d, &mut cs);
    Ok(DraState {
        source,
        version: None,
        data_kind: Some(kind),
        data_api_version: Some(api),
        claims: cs,
        claims_null,
    })
}

/// Lifts a DRA checkpoint of kind `name` (decoded as the checkpointer
/// does, checksum not required). `None` for another family's kind.
pub fn lift(name: &str, bytes: &[u8], source: Source) -> Option<Result<DraState, String>> {
    let e = |e: crate::formats::FormatError| e.to_string();
    Some(match name {
        "dra-v1" => DraV1::decode(bytes).map_err(e).map(|cp| {
            let names = cp
                .entries
                .0
                .iter()
                .flatten()
                .map(|c| (&*c.driver_name, &*c.class_name));
            let cs = with_names(claims(cp.claims()), names);
            spew_era(source, &cp.version, cs)
        }),
        "dra-v2" => DraV2::decode(bytes).map_err(e).map(|cp| {
            let names = cp
                .entries
                .0
                .iter()
                .flatten()
                .map(|c| (&*c.driver_name, &*c.class_name));
            let mut cs = with_names(claims(cp.claims()), names);
            for (c, entry) in cs.iter_mut().zip(cp.entries.0.iter().flatten()) {
                cdi_nulls(c, &entry.pod_uids, &entry.cdi_devices);
            }
            spew_era(source, &cp.version, cs)
        }),
        "dra-v3" => DraV3::decode(bytes).map_err(e).map(|cp| {
            let list = cp.entries.0.as_deref().unwrap_or_default();
            let names = list.iter().map(|c| (&*c.driver_name, &*c.class_name));
            let mut cs = with_names(claims(cp.claims()), names);
            for (c, entry) in cs.iter_mut().zip(list) {
                c.resource_handles = handles_v3(entry);
                c.nulls.resource_handles = entry.resource_handles.is_none();
                cdi_nulls(c, &entry.pod_uids, &entry.cdi_devices);
            }
            spew_era(source, &cp.version, cs)
        }),
        "dra-v4" => DraV4::decode(bytes).map_err(e).map(|cp| {
            let list = cp.entries.0.as_deref().unwrap_or_default();
            let names = list.iter().map(|c| (&*c.driver_name, &*c.class_name));
            let mut cs = with_names(claims(cp.claims()), names);
            for (c, entry) in cs.iter_mut().zip(list) {
                c.resource_handles = handles_v4(entry);
                c.nulls.resource_handles = entry.resource_handles.is_none();
                cdi_nulls(c, &entry.pod_uids, &entry.cdi_devices);
            }
            spew_era(source, &cp.version, cs)
        }),
        "dra-v5" => DraV5::decode(bytes).map_err(e).map(|cp| {
            let mut cs = claims(cp.claims());
            let _ = structured_list_nulls(&mut cs, &cp.entries);
            spew_era(source, &cp.version, cs)
        }),
        "dra-v6" => crc_era::<DraV6>(
            source,
            bytes,
            DraView::claims,
            |d: &structured::CheckpointDataV6| {
                (d.type_meta.kind.clone(), d.type_meta.api_version.clone())
            },
            |d, cs| structured_list_nulls(cs, &d.entries),
        ),
        "dra-v7" => crc_era::<DraV7>(
            source,
            bytes,
            DraView::claims,
            |d: &structured::CheckpointDataV7| {
                (d.type_meta.kind.clone(), d.type_meta.api_version.clone())
            },
            |d, cs| structured_list_nulls(cs, &d.claim_info_state_list),
        ),
        "dra-v8" => crc_era::<DraV8>(
            source,
            bytes,
            DraView::claims,
            |d: &v8::CheckpointData| (d.type_meta.kind.clone(), d.type_meta.api_version.clone()),
            |d, cs| v8_list_nulls(cs, &d.claim_info_state_list),
        ),
        _ => return None,
    })
}

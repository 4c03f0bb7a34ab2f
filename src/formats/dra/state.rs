//! The DRA manager's version-neutral state (see [`crate::formats::state`]):
//! prepared claims with their pods, drivers, pools, devices, CDI ids and
//! share ids, whatever the `dra_manager_state` shape. Folds in what
//! [`super::view::DraView`] gives, plus what lowering needs (class and
//! driver names of the early shapes, resource handles, the envelope's
//! version and type meta).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
                        })
                        .collect();
                    (d, devs)
                })
                .collect(),
            ..DraClaim::default()
        })
        .collect()
}

fn spew_era(source: Source, version: &str, cs: Vec<DraClaim>) -> DraState {
    DraState {
        source,
        version: Some(version.to_string()),
        data_kind: None,
        data_api_version: None,
        claims: cs,
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
) -> Result<DraState, String> {
    let cp: CrcCheckpoint = K::decode(bytes).map_err(|e| e.to_string())?;
    let d = decode_ok(cp.data.as_bytes(), &K::Data::default())
        .map_err(|e| format!("Data: {}", e.message))?;
    let (kind, api) = meta(&d);
    Ok(DraState {
        source,
        version: None,
        data_kind: Some(kind),
        data_api_version: Some(api),
        claims: claims(claims_of(&d)),
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
            let cs = with_names(claims(cp.claims()), names);
            spew_era(source, &cp.version, cs)
        }),
        "dra-v3" => DraV3::decode(bytes).map_err(e).map(|cp| {
            let list = cp.entries.0.as_deref().unwrap_or_default();
            let names = list.iter().map(|c| (&*c.driver_name, &*c.class_name));
            let mut cs = with_names(claims(cp.claims()), names);
            for (c, entry) in cs.iter_mut().zip(list) {
                c.resource_handles = handles_v3(entry);
            }
            spew_era(source, &cp.version, cs)
        }),
        "dra-v4" => DraV4::decode(bytes).map_err(e).map(|cp| {
            let list = cp.entries.0.as_deref().unwrap_or_default();
            let names = list.iter().map(|c| (&*c.driver_name, &*c.class_name));
            let mut cs = with_names(claims(cp.claims()), names);
            for (c, entry) in cs.iter_mut().zip(list) {
                c.resource_handles = handles_v4(entry);
            }
            spew_era(source, &cp.version, cs)
        }),
        "dra-v5" => DraV5::decode(bytes)
            .map_err(e)
            .map(|cp| spew_era(source, &cp.version, claims(cp.claims()))),
        "dra-v6" => crc_era::<DraV6>(
            source,
            bytes,
            DraView::claims,
            |d: &structured::CheckpointDataV6| {
                (d.type_meta.kind.clone(), d.type_meta.api_version.clone())
            },
        ),
        "dra-v7" => crc_era::<DraV7>(
            source,
            bytes,
            DraView::claims,
            |d: &structured::CheckpointDataV7| {
                (d.type_meta.kind.clone(), d.type_meta.api_version.clone())
            },
        ),
        "dra-v8" => crc_era::<DraV8>(source, bytes, DraView::claims, |d: &v8::CheckpointData| {
            (d.type_meta.kind.clone(), d.type_meta.api_version.clone())
        }),
        _ => return None,
    })
}

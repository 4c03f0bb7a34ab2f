//! dockershim sandbox checkpoints' version-neutral state (see
//! [`crate::formats::state`]): sandbox name and namespace, host network,
//! port mappings, whatever the handler generation.

use serde::{Deserialize, Serialize};

use crate::formats::resmgr::decode_ok;
use crate::formats::state::Source;

use super::types::{CheckpointData, CheckpointDataV2, SandboxV0};
use super::{ManagedSandbox, SandboxV1, SandboxV2};

/// A dockershim sandbox checkpoint, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DockershimState {
    /// Kind and checksum status.
    pub source: Source,
    /// `version` (always `v1` as written).
    pub version: String,
    /// `name`: the pod's name.
    pub name: String,
    /// `namespace`: the pod's namespace.
    pub namespace: String,
    /// Whether `data` is present (`"data": null` panics the kubelet's
    /// checksum verification in v1/v2).
    pub data_present: bool,
    /// `data.host_network`.
    pub host_network: bool,
    /// `data.port_mappings`, in file order (`None` for a `null` element).
    #[serde(default)]
    pub port_mappings: Vec<Option<PortMapping>>,
    /// `data.port_mappings` is a list (maybe empty) rather than absent or
    /// `null`: go-spew shows the difference, which the checksum covers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub port_mappings_set: bool,
}

/// One port mapping.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PortMapping {
    /// `protocol` (`tcp`, `udp`, `sctp`), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// `container_port`, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i32>,
    /// `host_port`, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i32>,
    /// `host_ip` (dockershim-v2), empty when unset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
}

fn v1_data(d: Option<&CheckpointData>) -> (bool, Vec<Option<PortMapping>>, bool) {
    let Some(d) = d else {
        return (false, Vec::new(), false);
    };
    let pms = d
        .port_mappings
        .iter()
        .flatten()
        .map(|p| {
            p.as_deref().map(|p| PortMapping {
                protocol: p.protocol.as_deref().map(|x| x.0.clone()),
                container_port: p.container_port.as_deref().copied(),
                host_port: p.host_port.as_deref().copied(),
                host_ip: String::new(),
            })
        })
        .collect();
    (d.host_network, pms, d.port_mappings.is_some())
}

fn v2_data(d: Option<&CheckpointDataV2>) -> (bool, Vec<Option<PortMapping>>, bool) {
    let Some(d) = d else {
        return (false, Vec::new(), false);
    };
    let pms = d
        .port_mappings
        .iter()
        .flatten()
        .map(|p| {
            p.as_deref().map(|p| PortMapping {
                protocol: p.protocol.as_deref().map(|x| x.0.clone()),
                container_port: p.container_port.as_deref().copied(),
                host_port: p.host_port.as_deref().copied(),
                host_ip: p.host_ip.clone(),
            })
        })
        .collect();
    (d.host_network, pms, d.port_mappings.is_some())
}

/// Lifts a sandbox checkpoint of kind `name` (checksum not required).
/// `None` for another family's kind.
pub fn lift(name: &str, bytes: &[u8], source: Source) -> Option<Result<DockershimState, String>> {
    let m = |e: crate::go::json::UnmarshalError| e.message;
    let st = |source, version: &str, n: &str, ns: &str, present, (hn, pms, set)| DockershimState {
        source,
        version: version.to_string(),
        name: n.to_string(),
        namespace: ns.to_string(),
        data_present: present,
        host_network: hn,
        port_mappings: pms,
        port_mappings_set: set,
    };
    Some(match name {
        "dockershim-v0a" | "dockershim-v0" => {
            decode_ok(bytes, &SandboxV0::default()).map_err(m).map(|c| {
                let d = v1_data(c.data.as_deref());
                st(
                    source,
                    &c.version,
                    &c.name,
                    &c.namespace,
                    c.data.is_some(),
                    d,
                )
            })
        }
        "dockershim-v1" => decode_ok(bytes, &SandboxV1::prefilled())
            .map_err(m)
            .map(|c| {
                let d = v1_data(c.data.as_deref());
                st(
                    source,
                    &c.version,
                    &c.name,
                    &c.namespace,
                    c.data.is_some(),
                    d,
                )
            }),
        "dockershim-v2" => decode_ok(bytes, &SandboxV2::prefilled())
            .map_err(m)
            .map(|c| {
                let d = v2_data(c.data.as_deref());
                st(
                    source,
                    &c.version,
                    &c.name,
                    &c.namespace,
                    c.data.is_some(),
                    d,
                )
            }),
        _ => return None,
    })
}

//! Lowering a [`DockershimState`] to the dockershim sandbox checkpoint
//! shapes. Port mapping order, `null` elements and nil pointers are kept:
//! go-spew prints them and the checksum covers the text.

use crate::formats::dockershim::types::{
    CheckpointData, CheckpointDataV2, PortMapping, PortMappingV2, Protocol, SandboxV0, SandboxV1,
    SandboxV2,
};
use crate::formats::dockershim::{DOCKERSHIM_V0, DOCKERSHIM_V0A, DOCKERSHIM_V1, DOCKERSHIM_V2};
use crate::formats::gotypes::Checksum;
use crate::formats::state::DockershimState;

use super::{ConvertError, Loss, LowerOptions, Lowered};

/// The port mappings; an empty list is written as nil: the member is
/// `omitempty`, so an empty list would not be in the file and the reader's
/// nil would not match a checksum taken over `[]`.
fn list<T>(
    s: &DockershimState,
    f: impl Fn(&crate::formats::state::PortMapping) -> T,
) -> Option<Vec<Option<Box<T>>>> {
    (!s.port_mappings.is_empty()).then(|| {
        s.port_mappings
            .iter()
            .map(|p| p.as_ref().map(|p| Box::new(f(p))))
            .collect()
    })
}

fn v1_data(s: &DockershimState) -> Option<Box<CheckpointData>> {
    s.data_present.then(|| {
        Box::new(CheckpointData {
            port_mappings: list(s, |p| PortMapping {
                protocol: p.protocol.clone().map(|x| Box::new(Protocol(x))),
                container_port: p.container_port.map(Box::new),
                host_port: p.host_port.map(Box::new),
            }),
            host_network: s.host_network,
        })
    })
}

fn host_ip_losses(kind: &str, s: &DockershimState) -> Vec<Loss> {
    s.port_mappings
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let ip = &p.as_ref()?.host_ip;
            (!ip.is_empty()).then(|| {
                Loss::new(
                    format!("port_mappings/{i}/host_ip"),
                    format!("the host IP {ip:?} of port mapping {i} has no place in {kind}"),
                )
            })
        })
        .collect()
}

pub(super) fn lower(
    kind: &str,
    s: &DockershimState,
    _opts: &LowerOptions,
) -> Option<Result<Lowered, ConvertError>> {
    let mut losses = Vec::new();
    let missing_data = || {
        ConvertError::Write(format!(
            "{kind} cannot be written without data: the kubelet's checksum dereferences it"
        ))
    };
    let r = match kind {
        "dockershim-v0a" | "dockershim-v0" => {
            losses = host_ip_losses(kind, s);
            let cp = SandboxV0 {
                version: s.version.clone(),
                name: s.name.clone(),
                namespace: s.namespace.clone(),
                data: v1_data(s),
                check_sum: 0,
            };
            let k = if kind == "dockershim-v0a" {
                &DOCKERSHIM_V0A
            } else {
                &DOCKERSHIM_V0
            };
            k.write(cp).map_err(ConvertError::from)
        }
        "dockershim-v1" => {
            losses = host_ip_losses(kind, s);
            match v1_data(s) {
                None => Err(missing_data()),
                Some(d) => DOCKERSHIM_V1
                    .write(SandboxV1 {
                        version: s.version.clone(),
                        name: s.name.clone(),
                        namespace: s.namespace.clone(),
                        data: Some(d),
                        checksum: Checksum(0),
                    })
                    .map_err(ConvertError::from),
            }
        }
        "dockershim-v2" => {
            if !s.data_present {
                Err(missing_data())
            } else {
                let data = CheckpointDataV2 {
                    port_mappings: list(s, |p| PortMappingV2 {
                        protocol: p.protocol.clone().map(|x| Box::new(Protocol(x))),
                        container_port: p.container_port.map(Box::new),
                        host_port: p.host_port.map(Box::new),
                        host_ip: p.host_ip.clone(),
                    }),
                    host_network: s.host_network,
                };
                DOCKERSHIM_V2
                    .write(SandboxV2 {
                        version: s.version.clone(),
                        name: s.name.clone(),
                        namespace: s.namespace.clone(),
                        data: Some(Box::new(data)),
                        checksum: Checksum(0),
                    })
                    .map_err(ConvertError::from)
            }
        }
        _ => return None,
    };
    Some(r.map(|b| (b, losses)))
}

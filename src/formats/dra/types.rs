//! The DRA manager's checkpoint types (package `state`,
//! `pkg/kubelet/cm/dra/state`, and `v1alpha2` for resource handles), one
//! module per shape; each Go type declared once.
//!
//! Claim fields have no JSON tags (keys are the Go field names); the
//! spew-era envelope has `version`/`entries`/`checksum` tags.

use std::collections::BTreeMap;

use crate::formats::gotypes::{Checksum, LegacyStringSet, StringSet, TypeMeta, Uid};

/// Access to a spew-era envelope (`state.DRAManagerCheckpoint`), generic
/// over its entry type.
pub trait Envelope: crate::go::GoType + Clone {
    type Entry: crate::go::GoType + Clone;
    /// `NewDRAManagerCheckpoint()`: `{Version: "v1", Entries: ClaimInfoStateList{}}`.
    fn prefilled() -> Self;
    fn stored(&self) -> u64;
    fn set_checksum(&mut self, c: u64);
    fn entries(&self) -> Option<&Vec<Self::Entry>>;
    /// The writer's value: `Version "v1"`, the given list (`nil` becomes the
    /// constructor's empty list: the kubelet always hands a non-nil list).
    fn for_write(entries: Option<Vec<Self::Entry>>) -> Self;
}

/// The 1.29/1.30 compat rebuild of one entry (`ClaimInfoStateWithoutResourceHandles`,
/// the dra-v2 layout): every field but the resource handles.
macro_rules! without_resource_handles {
    ($entry:ty) => {
        impl $entry {
            /// The entry as the compat checksum sees it.
            pub fn without_resource_handles(&self) -> super::v2::ClaimInfoState {
                super::v2::ClaimInfoState {
                    driver_name: self.driver_name.clone(),
                    class_name: self.class_name.clone(),
                    claim_uid: self.claim_uid.clone(),
                    claim_name: self.claim_name.clone(),
                    namespace: self.namespace.clone(),
                    pod_uids: self.pod_uids.clone(),
                    cdi_devices: self.cdi_devices.clone(),
                }
            }
        }
    };
}

/// Declares a spew-era envelope and its `state.ClaimInfoStateList` for one
/// entry type.
macro_rules! dra_envelope {
    ($env:ident, $list:ident, $entry:ty) => {
        crate::go_named! {
            /// `state.ClaimInfoStateList` of this shape.
            pub struct $list(pub Option<Vec<$entry>>) = "state.ClaimInfoStateList";
        }

        crate::go_struct! {
            /// `state.DRAManagerCheckpoint` of this shape: the whole file; the
            /// checksum covers `&cp` with `Checksum` zeroed, via go-spew.
            pub struct $env = "state.DRAManagerCheckpoint" {
                pub version: String => Version json "version",
                pub entries: $list => Entries json "entries,omitempty",
                pub checksum: Checksum => Checksum json "checksum",
            }
        }

        impl $crate::formats::dra::types::Envelope for $env {
            type Entry = $entry;
            fn prefilled() -> Self {
                $env {
                    version: "v1".to_string(),
                    entries: $list(Some(Vec::new())),
                    checksum: Checksum(0),
                }
            }
            fn stored(&self) -> u64 {
                self.checksum.0
            }
            fn set_checksum(&mut self, c: u64) {
                self.checksum = Checksum(c);
            }
            fn entries(&self) -> Option<&Vec<$entry>> {
                self.entries.0.as_ref()
            }
            fn for_write(entries: Option<Vec<$entry>>) -> Self {
                let mut cp = <Self as $crate::formats::dra::types::Envelope>::prefilled();
                if let Some(e) = entries {
                    cp.entries = $list(Some(e));
                }
                cp
            }
        }
    };
}

/// dra-v1 (1.26, **unverified**: from the spec's reading of the 1.26
/// sources, no kubelet test vector): CDI devices a plain list, pods a
/// `sets.String`.
pub mod v1 {
    use super::*;

    crate::go_struct! {
        /// `state.ClaimInfoState` as the spec documents it for 1.26.
        pub struct ClaimInfoState = "state.ClaimInfoState" {
            pub driver_name: String => DriverName,
            pub class_name: String => ClassName,
            pub claim_uid: Uid => ClaimUID,
            pub claim_name: String => ClaimName,
            pub namespace: String => Namespace,
            pub pod_uids: LegacyStringSet => PodUIDs,
            pub cdi_devices: Option<Vec<String>> => CdiDevices,
        }
    }

    dra_envelope!(DraManagerCheckpoint, ClaimInfoStateList, ClaimInfoState);
}

/// dra-v2 (≈1.27/1.28): one driver per claim, CDI devices per plugin. The
/// same layout is what 1.29/1.30 re-create as
/// `ClaimInfoStateWithoutResourceHandles` for their compat checksum.
pub mod v2 {
    use super::*;

    crate::go_struct! {
        /// `state.ClaimInfoState` before resource handles were stored.
        pub struct ClaimInfoState = "state.ClaimInfoState" {
            pub driver_name: String => DriverName,
            pub class_name: String => ClassName,
            pub claim_uid: Uid => ClaimUID,
            pub claim_name: String => ClaimName,
            pub namespace: String => Namespace,
            pub pod_uids: StringSet => PodUIDs,
            pub cdi_devices: Option<BTreeMap<String, Option<Vec<String>>>> => CDIDevices,
        }
    }

    dra_envelope!(DraManagerCheckpoint, ClaimInfoStateList, ClaimInfoState);
}

/// dra-v3 (≈1.29): resource handles with the 1.27–1.29
/// `v1alpha2.ResourceHandle` layout `{driverName, data}`.
pub mod v3 {
    use super::*;

    crate::go_struct! {
        /// `v1alpha2.ResourceHandle`, 1.27–1.29 layout.
        pub struct ResourceHandle = "v1alpha2.ResourceHandle" {
            pub driver_name: String => DriverName json "driverName,omitempty",
            pub data: String => Data json "data,omitempty",
        }
    }

    crate::go_struct! {
        /// `state.ClaimInfoState` with resource handles.
        pub struct ClaimInfoState = "state.ClaimInfoState" {
            pub driver_name: String => DriverName,
            pub class_name: String => ClassName,
            pub claim_uid: Uid => ClaimUID,
            pub claim_name: String => ClaimName,
            pub namespace: String => Namespace,
            pub pod_uids: StringSet => PodUIDs,
            pub resource_handles: Option<Vec<ResourceHandle>> => ResourceHandles,
            pub cdi_devices: Option<BTreeMap<String, Option<Vec<String>>>> => CDIDevices,
        }
    }

    dra_envelope!(DraManagerCheckpoint, ClaimInfoStateList, ClaimInfoState);
    without_resource_handles!(ClaimInfoState);
}

/// dra-v4 (1.30): the same JSON as dra-v3, but `v1alpha2.ResourceHandle`
/// has the `StructuredData` pointer, which go-spew prints even when nil.
pub mod v4 {
    use super::*;

    crate::go_struct! {
        /// `v1alpha2.StructuredResourceHandle`: a placeholder without fields,
        /// exactly as the Go reference mirrors it (handles carrying
        /// structured data are outside what it reproduces).
        pub struct StructuredResourceHandle = "v1alpha2.StructuredResourceHandle" {}
    }

    crate::go_struct! {
        /// `v1alpha2.ResourceHandle`, 1.30 layout.
        pub struct ResourceHandle = "v1alpha2.ResourceHandle" {
            pub driver_name: String => DriverName json "driverName,omitempty",
            pub data: String => Data json "data,omitempty",
            pub structured_data: Option<Box<StructuredResourceHandle>> => StructuredData json "structuredData,omitempty",
        }
    }

    crate::go_struct! {
        /// `state.ClaimInfoState` with 1.30 resource handles.
        pub struct ClaimInfoState = "state.ClaimInfoState" {
            pub driver_name: String => DriverName,
            pub class_name: String => ClassName,
            pub claim_uid: Uid => ClaimUID,
            pub claim_name: String => ClaimName,
            pub namespace: String => Namespace,
            pub pod_uids: StringSet => PodUIDs,
            pub resource_handles: Option<Vec<ResourceHandle>> => ResourceHandles,
            pub cdi_devices: Option<BTreeMap<String, Option<Vec<String>>>> => CDIDevices,
        }
    }

    dra_envelope!(DraManagerCheckpoint, ClaimInfoStateList, ClaimInfoState);
    without_resource_handles!(ClaimInfoState);
}

/// dra-v5 … dra-v7 (≈1.31+): claims described per driver and device. The
/// claim types are the same in all three; v5 keeps the spew envelope, v6/v7
/// move to the CRC-32 `{Data, Checksum}` file.
pub mod structured {
    use super::*;

    crate::go_struct! {
        /// `state.Device`: one prepared device.
        pub struct Device = "state.Device" {
            pub pool_name: String => PoolName,
            pub device_name: String => DeviceName,
            pub request_names: Option<Vec<String>> => RequestNames,
            pub cdi_device_ids: Option<Vec<String>> => CDIDeviceIDs,
        }
    }

    crate::go_struct! {
        /// `state.DriverState`: the devices one driver prepared.
        pub struct DriverState = "state.DriverState" {
            pub devices: Option<Vec<Device>> => Devices,
        }
    }

    crate::go_struct! {
        /// `state.ClaimInfoState`: one prepared claim.
        pub struct ClaimInfoState = "state.ClaimInfoState" {
            pub claim_uid: Uid => ClaimUID,
            pub claim_name: String => ClaimName,
            pub namespace: String => Namespace,
            pub pod_uids: StringSet => PodUIDs,
            pub driver_state: Option<BTreeMap<String, DriverState>> => DriverState,
        }
    }

    dra_envelope!(DraManagerCheckpoint, ClaimInfoStateList, ClaimInfoState);

    crate::go_struct! {
        /// dra-v6 `state.CheckpointData`: the list under `Entries`.
        pub struct CheckpointDataV6 = "state.CheckpointData" {
            pub type_meta: TypeMeta => TypeMeta [embedded],
            pub entries: ClaimInfoStateList => Entries,
        }
    }

    crate::go_struct! {
        /// dra-v7 `state.CheckpointData`: the list under `ClaimInfoStateList`.
        pub struct CheckpointDataV7 = "state.CheckpointData" {
            pub type_meta: TypeMeta => TypeMeta [embedded],
            pub claim_info_state_list: ClaimInfoStateList => ClaimInfoStateList,
        }
    }
}

/// dra-v8 (newest line, **inferred** from the newest types): every device
/// also carries `ShareID *types.UID` (no omitempty: `"ShareID":null`).
pub mod v8 {
    use super::*;

    crate::go_struct! {
        /// `state.Device` with `ShareID`.
        pub struct Device = "state.Device" {
            pub pool_name: String => PoolName,
            pub device_name: String => DeviceName,
            pub share_id: Option<Box<Uid>> => ShareID,
            pub request_names: Option<Vec<String>> => RequestNames,
            pub cdi_device_ids: Option<Vec<String>> => CDIDeviceIDs,
        }
    }

    crate::go_struct! {
        /// `state.DriverState`.
        pub struct DriverState = "state.DriverState" {
            pub devices: Option<Vec<Device>> => Devices,
        }
    }

    crate::go_struct! {
        /// `state.ClaimInfoState`.
        pub struct ClaimInfoState = "state.ClaimInfoState" {
            pub claim_uid: Uid => ClaimUID,
            pub claim_name: String => ClaimName,
            pub namespace: String => Namespace,
            pub pod_uids: StringSet => PodUIDs,
            pub driver_state: Option<BTreeMap<String, DriverState>> => DriverState,
        }
    }

    crate::go_named! {
        /// `state.ClaimInfoStateList`.
        pub struct ClaimInfoStateList(pub Option<Vec<ClaimInfoState>>) = "state.ClaimInfoStateList";
    }

    crate::go_struct! {
        /// `state.CheckpointData`.
        pub struct CheckpointData = "state.CheckpointData" {
            pub type_meta: TypeMeta => TypeMeta [embedded],
            pub claim_info_state_list: ClaimInfoStateList => ClaimInfoStateList,
        }
    }
}

crate::go_struct! {
    /// `state.Checkpoint`, the CRC-era file (dra-v6 … v8):
    /// `{"Data":"<json>","Checksum":<crc32 of Data>}`. Note `uint32`, not
    /// `checksum.Checksum`: a value above 2^32-1 fails to decode.
    pub struct CrcCheckpoint = "state.Checkpoint" {
        pub data: String => Data,
        pub checksum: u32 => Checksum,
    }
}

//! Pod resize and allocation state files (spec
//! `kubelet-files-pod-state-and-others.md` §2–3):
//!
//! * `pod_status_manager_state`: [`podstatus_v1`] (spew-hashed struct,
//!   1.27–1.31), podstatus-v2/v3 (data-string envelope, 1.32);
//! * `allocated_pods_state` / `actuated_pods_state`: allocated-/actuated-v1..v4
//!   (data-string envelope, 1.33+).
//!
//! The envelope kinds differ only by payload type ([`payloads`]); one
//! generic [`envelope::DataKind`] implements them all.

pub mod envelope;
pub mod payloads;
pub mod podstatus_v1;
pub mod shared;
pub mod state;
pub mod types;

use envelope::DataKind;
use payloads::{
    AllocV1Info, AllocV2Info, AllocV3Info, AllocV4Info, PodStatusV2Info, PodStatusV3Info,
};

use super::{ChecksumScheme, KindInfo, Shape};

pub use podstatus_v1::PODSTATUS_V1;

const ALLOCATED: &str = "allocated_pods_state";
const ACTUATED: &str = "actuated_pods_state";
const PODSTATUS: &str = "pod_status_manager_state";
const DATA: ChecksumScheme = ChecksumScheme::DataStringFnv32a;

pub static PODSTATUS_V2: DataKind<PodStatusV2Info> = DataKind::new(&KindInfo {
    name: "podstatus-v2",
    file: PODSTATUS,
    versions: "1.32 development",
    scheme: DATA,
    summary: "pod resize allocations (requests) and resize status as a JSON data string",
});

pub static PODSTATUS_V3: DataKind<PodStatusV3Info> = DataKind::new(&KindInfo {
    name: "podstatus-v3",
    file: PODSTATUS,
    versions: "1.32",
    scheme: DATA,
    summary: "pod resize allocations (requests and limits) and resize status as a JSON data string",
});

macro_rules! alloc_kinds {
    ($($static:ident: $payload:ty = $name:literal, $file:expr, $versions:literal, $summary:literal;)*) => {
        $(
            pub static $static: DataKind<$payload> = DataKind::new(&KindInfo {
                name: $name,
                file: $file,
                versions: $versions,
                scheme: DATA,
                summary: $summary,
            });
        )*
    };
}

alloc_kinds! {
    ALLOCATED_V1: AllocV1Info = "allocated-v1", ALLOCATED, "1.33 development",
        "allocation manager, first form: allocationEntries pod -> container -> requirements";
    ALLOCATED_V2: AllocV2Info = "allocated-v2", ALLOCATED, "1.33-1.34",
        "allocation manager: entries pod -> ContainerResources";
    ALLOCATED_V3: AllocV3Info = "allocated-v3", ALLOCATED, "1.34+",
        "allocation manager: entries with PodLevelResources";
    ALLOCATED_V4: AllocV4Info = "allocated-v4", ALLOCATED, "1.35-1.37",
        "allocation manager: entries with PodLevelResources and EmptyDirVolumeLimits";
    ACTUATED_V1: AllocV1Info = "actuated-v1", ACTUATED, "1.33 development",
        "actuated resources, first form: allocationEntries pod -> container -> requirements";
    ACTUATED_V2: AllocV2Info = "actuated-v2", ACTUATED, "1.33-1.34",
        "actuated resources: entries pod -> ContainerResources";
    ACTUATED_V3: AllocV3Info = "actuated-v3", ACTUATED, "1.34+",
        "actuated resources: entries with PodLevelResources";
    ACTUATED_V4: AllocV4Info = "actuated-v4", ACTUATED, "1.35",
        "actuated resources: entries with PodLevelResources and EmptyDirVolumeLimits";
}

/// The kinds of this family, in registry order.
pub static KINDS: [&dyn Shape; 11] = [
    &PODSTATUS_V1,
    &PODSTATUS_V2,
    &PODSTATUS_V3,
    &ALLOCATED_V1,
    &ALLOCATED_V2,
    &ALLOCATED_V3,
    &ALLOCATED_V4,
    &ACTUATED_V1,
    &ACTUATED_V2,
    &ACTUATED_V3,
    &ACTUATED_V4,
];

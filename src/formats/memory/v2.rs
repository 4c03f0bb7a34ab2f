//! `memory-v2`: V1 plus pod-level blocks (`podEntries`), written by 1.36
//! with `PodLevelResourceManagers` on. Only the text named
//! `MemoryManagerCheckpoint` is accepted; zero is not.

use std::sync::OnceLock;

use crate::formats::common::FormatError;
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{cached_named_type, check_checksum, LoadError, Loaded, SpewKind};
use crate::formats::{ChecksumScheme, KindInfo};
use crate::go::model::TypeRef;
use crate::go::reflect::GoType;

use super::types::{CheckpointV2, ContainerMemoryAssignments, NumaNodeMap, PodMemoryAssignments};
use super::{clone, policy};

static INFO: KindInfo = KindInfo {
    name: "memory-v2",
    file: "memory_manager_state",
    versions: "1.36-1.37",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "Memory manager checkpoint V2: V1 plus pod-level blocks, spew checksum as MemoryManagerCheckpoint",
};

/// The `memory-v2` kind.
pub struct MemoryV2;

/// The kind's static.
pub static MEMORY_V2: MemoryV2 = MemoryV2;

/// Unmarshal, checksum, policy check.
pub fn read(bytes: &[u8], configured: Option<&str>) -> Result<Loaded<CheckpointV2>, LoadError> {
    MemoryV2::read(bytes, configured)
}

/// The 1.36 writer (gate on).
pub fn write(cp: &CheckpointV2) -> Result<Vec<u8>, FormatError> {
    MemoryV2::write(cp)
}

impl SpewKind for MemoryV2 {
    type Checkpoint = CheckpointV2;

    fn info() -> &'static KindInfo {
        &INFO
    }

    /// 1.36's constructor: machine state, entries and pod entries pre-allocated.
    fn new_checkpoint() -> CheckpointV2 {
        CheckpointV2 {
            machine_state: NumaNodeMap(Some(Default::default())),
            entries: ContainerMemoryAssignments(Some(Default::default())),
            pod_entries: PodMemoryAssignments(Some(Default::default())),
            ..Default::default()
        }
    }

    /// The legacy name 1.36 hashes under.
    fn hashed_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached_named_type(
            &T,
            CheckpointV2::go_type,
            Some("state.MemoryManagerCheckpoint"),
        )
    }

    fn stored(cp: &CheckpointV2) -> u64 {
        cp.checksum.0
    }

    fn set_checksum(cp: &mut CheckpointV2, sum: u64) {
        cp.checksum = Checksum(sum);
    }

    fn accept(_: &CheckpointV2, stored: u64, computed: u64) -> Result<&'static str, FormatError> {
        check_checksum(stored, &[computed], computed).map(|()| "")
    }

    fn check(cp: &CheckpointV2, configured: Option<&str>) -> Result<(), FormatError> {
        policy(configured, &cp.policy_name)?;
        super::restore_clone(cp.machine_state.0.as_ref())
    }

    fn normalised(cp: &CheckpointV2) -> CheckpointV2 {
        CheckpointV2 {
            policy_name: cp.policy_name.clone(),
            machine_state: clone::machine(&cp.machine_state),
            entries: clone::entries(&cp.entries),
            pod_entries: clone::pods(&cp.pod_entries),
            checksum: Checksum(0),
        }
    }
}

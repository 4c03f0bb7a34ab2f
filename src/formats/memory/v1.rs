//! `memory` (V1): 1.21-1.35 (and 1.36/1.37 with the pod-level gate off).
//! Accepted checksums (union of releases): the text named
//! `MemoryManagerCheckpoint`, the text named `MemoryManagerCheckpointV1`
//! (what 1.36 wrote), or 0 (1.36/1.37 only; 1.21-1.35 refuse it).

use std::sync::OnceLock;

use crate::formats::common::FormatError;
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    cached_named_type, check_checksum, hash_ptr_zeroed, LoadError, Loaded, SpewKind,
};
use crate::formats::{ChecksumScheme, KindInfo};
use crate::go::model::TypeRef;
use crate::go::reflect::GoType;

use super::types::{CheckpointV1, ContainerMemoryAssignments, NumaNodeMap};
use super::{clone, policy};

static INFO: KindInfo = KindInfo {
    name: "memory",
    file: "memory_manager_state",
    versions: "1.21-1.37",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "Memory manager checkpoint V1: machine state and container blocks, spew checksum as MemoryManagerCheckpoint",
};

/// The `memory` kind.
pub struct MemoryV1;

/// The kind's static.
pub static MEMORY_V1: MemoryV1 = MemoryV1;

/// Unmarshal, checksum, policy check.
pub fn read(bytes: &[u8], configured: Option<&str>) -> Result<Loaded<CheckpointV1>, LoadError> {
    MemoryV1::read(bytes, configured)
}

/// The 1.21-1.35 writer.
pub fn write(cp: &CheckpointV1) -> Result<Vec<u8>, FormatError> {
    MemoryV1::write(cp)
}

impl SpewKind for MemoryV1 {
    type Checkpoint = CheckpointV1;

    fn info() -> &'static KindInfo {
        &INFO
    }

    /// `NewMemoryManagerCheckpoint()`: machine state and entries pre-allocated.
    fn new_checkpoint() -> CheckpointV1 {
        CheckpointV1 {
            machine_state: NumaNodeMap(Some(Default::default())),
            entries: ContainerMemoryAssignments(Some(Default::default())),
            ..Default::default()
        }
    }

    /// The legacy name 1.21-1.35 hash under.
    fn hashed_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached_named_type(
            &T,
            CheckpointV1::go_type,
            Some("state.MemoryManagerCheckpoint"),
        )
    }

    fn stored(cp: &CheckpointV1) -> u64 {
        cp.checksum.0
    }

    fn set_checksum(cp: &mut CheckpointV1, sum: u64) {
        cp.checksum = Checksum(sum);
    }

    /// 0 (1.36/1.37 only), the legacy text, or the one 1.36 stored under
    /// `MemoryManagerCheckpointV1`.
    fn accept(cp: &CheckpointV1, stored: u64, computed: u64) -> Result<&'static str, FormatError> {
        if stored == 0 {
            return Ok("stored checksum 0 is accepted by 1.36/1.37 without verification; 1.21-1.35 report it corrupt");
        }
        if stored == computed {
            return Ok("");
        }
        let v1_named = hash_ptr_zeroed(cp, Self::CHECKSUM_FIELD, &CheckpointV1::go_type());
        check_checksum(stored, &[v1_named], computed)?;
        Ok("checksum is under the Go name MemoryManagerCheckpointV1 (a 1.36 writer): 1.36 accepts it, 1.21-1.35 and 1.37 report it corrupt")
    }

    fn check(cp: &CheckpointV1, configured: Option<&str>) -> Result<(), FormatError> {
        policy(configured, &cp.policy_name)?;
        super::restore_clone(cp.machine_state.0.as_ref())
    }

    /// Cloned state (the writer's `Clone` semantics).
    fn normalised(cp: &CheckpointV1) -> CheckpointV1 {
        CheckpointV1 {
            policy_name: cp.policy_name.clone(),
            machine_state: clone::machine(&cp.machine_state),
            entries: clone::entries(&cp.entries),
            checksum: Checksum(0),
        }
    }
}

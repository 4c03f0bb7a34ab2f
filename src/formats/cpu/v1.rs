//! `cpu-v1`: the first checkpoint format (1.12-1.17; read as a fallback
//! until 1.36): container ID -> cpuset, checksum over the value named
//! `CPUManagerCheckpoint`, a stored 0 accepted (file-backend compatibility).

use std::sync::OnceLock;

use crate::formats::common::FormatError;
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{cached_named_type, check_checksum, LoadError, Loaded, SpewKind};
use crate::formats::{ChecksumScheme, KindInfo};
use crate::go::model::TypeRef;
use crate::go::reflect::GoType;

use super::checks;
use super::types::CheckpointV1;

static INFO: KindInfo = KindInfo {
    name: "cpu-v1",
    file: "cpu_manager_state",
    versions: "1.12-1.17 (read until 1.36)",
    scheme: ChecksumScheme::SpewFnv32a,
    summary:
        "CPU manager checkpoint V1: container ID -> cpuset, spew checksum as CPUManagerCheckpoint",
};

/// The `cpu-v1` kind.
pub struct CpuV1;

/// The kind's static.
pub static CPU_V1: CpuV1 = CpuV1;

/// Unmarshal, checksum (0 accepted), restore checks.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV1>, LoadError> {
    CpuV1::read(bytes, policy)
}

/// The 1.12-1.17 writer.
pub fn write(cp: &CheckpointV1) -> Result<Vec<u8>, FormatError> {
    CpuV1::write(cp)
}

impl SpewKind for CpuV1 {
    type Checkpoint = CheckpointV1;

    fn info() -> &'static KindInfo {
        &INFO
    }

    /// `NewCPUManagerCheckpointV1()`: entries pre-allocated.
    fn new_checkpoint() -> CheckpointV1 {
        CheckpointV1 {
            entries: Some(Default::default()),
            ..Default::default()
        }
    }

    /// `*state.CPUManagerCheckpoint` over the V1 layout (the legacy name).
    fn hashed_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached_named_type(
            &T,
            CheckpointV1::go_type,
            Some("state.CPUManagerCheckpoint"),
        )
    }

    fn stored(cp: &CheckpointV1) -> u64 {
        cp.checksum.0
    }

    fn set_checksum(cp: &mut CheckpointV1, sum: u64) {
        cp.checksum = Checksum(sum);
    }

    fn accept(_: &CheckpointV1, stored: u64, computed: u64) -> Result<&'static str, FormatError> {
        if stored == 0 {
            return Ok("stored checksum 0 is accepted without verification");
        }
        check_checksum(stored, &[computed], computed).map(|()| "")
    }

    fn check(cp: &CheckpointV1, policy: Option<&str>) -> Result<(), FormatError> {
        checks::policy(policy, &cp.policy_name)?;
        checks::default_set(&cp.default_cpu_set, "cpu")?;
        checks::v1_entries(&cp.entries)
    }

    /// The 1.12-1.17 writer: every list re-rendered, entries always present.
    fn normalised(cp: &CheckpointV1) -> CheckpointV1 {
        CheckpointV1 {
            policy_name: cp.policy_name.clone(),
            default_cpu_set: checks::norm(&cp.default_cpu_set),
            entries: Some(checks::norm_flat(&cp.entries)),
            checksum: Checksum(0),
        }
    }
}

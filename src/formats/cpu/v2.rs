//! `cpu-v2`: pod UID -> container -> cpuset (1.18-1.35; 1.36/1.37 with the
//! pod-level gate off). Accepted checksums (union of releases): 0, the text
//! named `CPUManagerCheckpoint` (1.18-1.35 and 1.37 writers), or the text
//! named `CPUManagerCheckpointV2` (what 1.36 wrote).

use std::sync::OnceLock;

use crate::formats::common::FormatError;
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    cached_named_type, check_checksum, hash_ptr_zeroed, LoadError, Loaded, SpewKind,
};
use crate::formats::{ChecksumScheme, KindInfo};
use crate::go::model::TypeRef;
use crate::go::reflect::GoType;

use super::checks;
use super::types::CheckpointV2;

static INFO: KindInfo = KindInfo {
    name: "cpu-v2",
    file: "cpu_manager_state",
    versions: "1.18-1.37",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "CPU manager checkpoint V2: pod -> container -> cpuset, spew checksum as CPUManagerCheckpoint",
};

/// The `cpu-v2` kind.
pub struct CpuV2;

/// The kind's static.
pub static CPU_V2: CpuV2 = CpuV2;

/// Unmarshal, checksum, restore checks.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV2>, LoadError> {
    CpuV2::read(bytes, policy)
}

/// The 1.18-1.35 writer (`storeState` + `MarshalCheckpoint`).
pub fn write(cp: &CheckpointV2) -> Result<Vec<u8>, FormatError> {
    CpuV2::write(cp)
}

impl SpewKind for CpuV2 {
    type Checkpoint = CheckpointV2;

    fn info() -> &'static KindInfo {
        &INFO
    }

    /// `NewCPUManagerCheckpointV2()`: entries pre-allocated.
    fn new_checkpoint() -> CheckpointV2 {
        CheckpointV2 {
            entries: Some(Default::default()),
            ..Default::default()
        }
    }

    /// The legacy name 1.18-1.35 hash under.
    fn hashed_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached_named_type(
            &T,
            CheckpointV2::go_type,
            Some("state.CPUManagerCheckpoint"),
        )
    }

    fn stored(cp: &CheckpointV2) -> u64 {
        cp.checksum.0
    }

    fn set_checksum(cp: &mut CheckpointV2, sum: u64) {
        cp.checksum = Checksum(sum);
    }

    /// 0 passes unchecked; otherwise the legacy text, or the one 1.36 stored
    /// under its own `CPUManagerCheckpointV2` name.
    fn accept(cp: &CheckpointV2, stored: u64, computed: u64) -> Result<&'static str, FormatError> {
        if stored == 0 {
            return Ok("stored checksum 0 is accepted without verification");
        }
        if stored == computed {
            return Ok("");
        }
        let v2_named = hash_ptr_zeroed(cp, Self::CHECKSUM_FIELD, &CheckpointV2::go_type());
        check_checksum(stored, &[v2_named], computed)?;
        Ok("checksum is under the Go name CPUManagerCheckpointV2 (a 1.36 writer): 1.36/1.37 accept it, 1.18-1.35 report it corrupt")
    }

    fn check(cp: &CheckpointV2, policy: Option<&str>) -> Result<(), FormatError> {
        checks::policy(policy, &cp.policy_name)?;
        checks::default_set(&cp.default_cpu_set, "cpu")?;
        checks::v2_entries(&cp.entries)
    }

    fn normalised(cp: &CheckpointV2) -> CheckpointV2 {
        CheckpointV2 {
            policy_name: cp.policy_name.clone(),
            default_cpu_set: checks::norm(&cp.default_cpu_set),
            entries: Some(checks::norm_pods(&cp.entries)),
            checksum: Checksum(0),
        }
    }
}

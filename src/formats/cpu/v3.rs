//! `cpu-v3`: V2 plus pod-level sets (`podEntries`), written by 1.36 with
//! `PodLevelResourceManagers` on. Accepted checksums (union of 1.36/1.37):
//! the V3 text named `CPUManagerCheckpoint` or `CPUManagerCheckpointV3`;
//! zero is NOT accepted.

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
use super::types::{CheckpointV3, PodCpuAssignments};

static INFO: KindInfo = KindInfo {
    name: "cpu-v3",
    file: "cpu_manager_state",
    versions: "1.36-1.37",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "CPU manager checkpoint V3: V2 plus pod-level cpusets, spew checksum as CPUManagerCheckpoint",
};

/// The `cpu-v3` kind.
pub struct CpuV3;

/// The kind's static.
pub static CPU_V3: CpuV3 = CpuV3;

/// Unmarshal, checksum, restore checks.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV3>, LoadError> {
    CpuV3::read(bytes, policy)
}

/// The 1.36 writer (gate on).
pub fn write(cp: &CheckpointV3) -> Result<Vec<u8>, FormatError> {
    CpuV3::write(cp)
}

impl SpewKind for CpuV3 {
    type Checkpoint = CheckpointV3;

    fn info() -> &'static KindInfo {
        &INFO
    }

    /// `NewCPUManagerCheckpointV3()`: entries and podEntries pre-allocated.
    fn new_checkpoint() -> CheckpointV3 {
        CheckpointV3 {
            entries: Some(Default::default()),
            pod_entries: PodCpuAssignments(Some(Default::default())),
            ..Default::default()
        }
    }

    /// The legacy name 1.36 hashes under.
    fn hashed_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached_named_type(
            &T,
            CheckpointV3::go_type,
            Some("state.CPUManagerCheckpoint"),
        )
    }

    fn stored(cp: &CheckpointV3) -> u64 {
        cp.checksum.0
    }

    fn set_checksum(cp: &mut CheckpointV3, sum: u64) {
        cp.checksum = Checksum(sum);
    }

    /// The legacy text, or the one under the `CPUManagerCheckpointV3` name
    /// (accepted by 1.37); zero is not accepted.
    fn accept(cp: &CheckpointV3, stored: u64, computed: u64) -> Result<&'static str, FormatError> {
        if stored == computed {
            return Ok("");
        }
        let v3_named = hash_ptr_zeroed(cp, Self::CHECKSUM_FIELD, &CheckpointV3::go_type());
        check_checksum(stored, &[v3_named], computed)?;
        Ok("checksum is under the Go name CPUManagerCheckpointV3: 1.37 accepts it, 1.36 reports it corrupt")
    }

    fn check(cp: &CheckpointV3, policy: Option<&str>) -> Result<(), FormatError> {
        checks::policy(policy, &cp.policy_name)?;
        checks::default_set(&cp.default_cpu_set, "cpu")?;
        checks::v2_entries(&cp.entries)
    }

    fn normalised(cp: &CheckpointV3) -> CheckpointV3 {
        CheckpointV3 {
            policy_name: cp.policy_name.clone(),
            default_cpu_set: checks::norm(&cp.default_cpu_set),
            entries: Some(checks::norm_pods(&cp.entries)),
            pod_entries: PodCpuAssignments(Some(cp.pod_entries.0.clone().unwrap_or_default())),
            checksum: Checksum(0),
        }
    }
}

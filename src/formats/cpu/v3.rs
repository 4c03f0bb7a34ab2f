//! `cpu-v3`: V2 plus pod-level sets (`podEntries`), written by 1.36 with
//! `PodLevelResourceManagers` on. Accepted checksums (union of 1.36/1.37):
//! the V3 text named `CPUManagerCheckpoint` or `CPUManagerCheckpointV3`;
//! zero is NOT accepted.

use std::sync::OnceLock;

use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    cached_pointer_type, check_checksum, decode_ok, encode, hash_ptr_zeroed, marshal_failed,
    render_ptr, verification, LoadError, Loaded,
};
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::json::UnmarshalError;
use crate::go::model::TypeRef;
use crate::go::reflect::GoType;
use crate::go::sink::Sink;

use super::checks;
use super::pod_entry::with_context;
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

fn legacy_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(
        &T,
        CheckpointV3::go_type,
        Some("state.CPUManagerCheckpoint"),
    )
}

fn named_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(&T, CheckpointV3::go_type, None)
}

/// `NewCPUManagerCheckpointV3()`: entries and podEntries pre-allocated.
pub fn new_checkpoint() -> CheckpointV3 {
    CheckpointV3 {
        entries: Some(Default::default()),
        pod_entries: PodCpuAssignments(Some(Default::default())),
        ..Default::default()
    }
}

fn zeroed(cp: &CheckpointV3) -> CheckpointV3 {
    CheckpointV3 {
        checksum: Checksum(0),
        ..cp.clone()
    }
}

/// The checksum 1.36 stores (legacy name).
pub fn compute(cp: &CheckpointV3) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &legacy_type())
}

/// The checksum under the `CPUManagerCheckpointV3` name (accepted by 1.37).
pub fn compute_v3_named(cp: &CheckpointV3) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &named_type())
}

fn decode(bytes: &[u8]) -> Result<CheckpointV3, UnmarshalError> {
    decode_ok(bytes, &new_checkpoint()).map_err(|e| with_context(e, "CPUManagerCheckpointV3"))
}

/// Unmarshal, checksum, restore checks.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV3>, LoadError> {
    let cp = decode(bytes)?;
    let (stored, computed) = (cp.checksum.0, compute(&cp));
    let at = |e| LoadError::at(e, stored, computed);
    let note = if stored == computed {
        ""
    } else {
        check_checksum(stored, &[compute_v3_named(&cp)], computed).map_err(at)?;
        "checksum is under the Go name CPUManagerCheckpointV3: 1.37 accepts it, 1.36 reports it corrupt"
    };
    checks::policy(policy, &cp.policy_name).map_err(at)?;
    checks::default_set(&cp.default_cpu_set, "cpu").map_err(at)?;
    checks::v2_entries(&cp.entries).map_err(at)?;
    Ok(Loaded {
        checkpoint: cp,
        stored: Some(stored),
        computed: Some(computed),
        note,
    })
}

/// The 1.36 writer (gate on).
pub fn write(cp: &CheckpointV3) -> Result<Vec<u8>, FormatError> {
    let mut out = CheckpointV3 {
        policy_name: cp.policy_name.clone(),
        default_cpu_set: checks::norm(&cp.default_cpu_set),
        entries: Some(checks::norm_pods(&cp.entries)),
        pod_entries: PodCpuAssignments(Some(cp.pod_entries.0.clone().unwrap_or_default())),
        checksum: Checksum(0),
    };
    out.checksum = Checksum(compute(&out));
    encode(&out).map_err(marshal_failed)
}

impl Shape for CpuV3 {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], opts: &VerifyOptions) -> Verification {
        verification(read(bytes, opts.policy.as_deref()))
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        write(&read(bytes, None).map_err(|e| e.error)?.checkpoint)
    }

    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        let cp = decode(bytes)?;
        render_ptr(&zeroed(&cp), &legacy_type(), sink);
        Ok(())
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let cp = decode(bytes)?;
        Ok(ChecksumInfo {
            stored: Some(cp.checksum.0),
            computed: compute(&cp),
        })
    }
}

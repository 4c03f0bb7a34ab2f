//! `cpu-v1`: the first checkpoint format (1.12-1.17; read as a fallback
//! until 1.36): container ID -> cpuset, checksum over the value named
//! `CPUManagerCheckpoint`, a stored 0 accepted (file-backend compatibility).

use std::sync::OnceLock;

use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    cached_pointer_type, check_checksum, decode_ok, encode, hash_ptr_zeroed, marshal_failed,
    render_ptr, verification, LoadError, Loaded,
};
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::model::TypeRef;
use crate::go::reflect::GoType;
use crate::go::sink::Sink;

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

/// `*state.CPUManagerCheckpoint` over the V1 layout (the legacy name).
fn legacy_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(
        &T,
        CheckpointV1::go_type,
        Some("state.CPUManagerCheckpoint"),
    )
}

/// `NewCPUManagerCheckpointV1()`: entries pre-allocated.
pub fn new_checkpoint() -> CheckpointV1 {
    CheckpointV1 {
        entries: Some(Default::default()),
        ..Default::default()
    }
}

/// The checksum the kubelet stores: the value with `checksum` zeroed.
pub fn compute(cp: &CheckpointV1) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &legacy_type())
}

fn zeroed(cp: &CheckpointV1) -> CheckpointV1 {
    CheckpointV1 {
        checksum: Checksum(0),
        ..cp.clone()
    }
}

/// Unmarshal, checksum (0 accepted), restore checks.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV1>, LoadError> {
    let cp = decode_ok(bytes, &new_checkpoint())?;
    let (stored, computed) = (cp.checksum.0, compute(&cp));
    let at = |e| LoadError::at(e, stored, computed);
    let note = if stored == 0 {
        "stored checksum 0 is accepted without verification"
    } else {
        check_checksum(stored, &[computed], computed).map_err(at)?;
        ""
    };
    checks::policy(policy, &cp.policy_name).map_err(at)?;
    checks::default_set(&cp.default_cpu_set, "cpu").map_err(at)?;
    checks::v1_entries(&cp.entries).map_err(at)?;
    Ok(Loaded {
        checkpoint: cp,
        stored: Some(stored),
        computed: Some(computed),
        note,
    })
}

/// The 1.12-1.17 writer.
pub fn write(cp: &CheckpointV1) -> Result<Vec<u8>, FormatError> {
    let mut out = CheckpointV1 {
        policy_name: cp.policy_name.clone(),
        default_cpu_set: checks::norm(&cp.default_cpu_set),
        entries: Some(checks::norm_flat(&cp.entries)),
        checksum: Checksum(0),
    };
    out.checksum = Checksum(compute(&out));
    encode(&out).map_err(marshal_failed)
}

impl Shape for CpuV1 {
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
        let cp = decode_ok(bytes, &new_checkpoint())?;
        render_ptr(&zeroed(&cp), &legacy_type(), sink);
        Ok(())
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let cp = decode_ok(bytes, &new_checkpoint())?;
        Ok(ChecksumInfo {
            stored: Some(cp.checksum.0),
            computed: compute(&cp),
        })
    }
}

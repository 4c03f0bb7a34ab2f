//! `cpu-v2`: pod UID -> container -> cpuset (1.18-1.35; 1.36/1.37 with the
//! pod-level gate off). Accepted checksums (union of releases): 0, the text
//! named `CPUManagerCheckpoint` (1.18-1.35 and 1.37 writers), or the text
//! named `CPUManagerCheckpointV2` (what 1.36 wrote).

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

fn legacy_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(
        &T,
        CheckpointV2::go_type,
        Some("state.CPUManagerCheckpoint"),
    )
}

fn named_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(&T, CheckpointV2::go_type, None)
}

/// `NewCPUManagerCheckpointV2()`: entries pre-allocated.
pub fn new_checkpoint() -> CheckpointV2 {
    CheckpointV2 {
        entries: Some(Default::default()),
        ..Default::default()
    }
}

fn zeroed(cp: &CheckpointV2) -> CheckpointV2 {
    CheckpointV2 {
        checksum: Checksum(0),
        ..cp.clone()
    }
}

/// The checksum 1.18-1.35 store (legacy name).
pub fn compute(cp: &CheckpointV2) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &legacy_type())
}

/// The checksum 1.36 stored (its own `CPUManagerCheckpointV2` name).
pub fn compute_v2_named(cp: &CheckpointV2) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &named_type())
}

/// Unmarshal, checksum, restore checks.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV2>, LoadError> {
    let cp = decode_ok(bytes, &new_checkpoint())?;
    let (stored, computed) = (cp.checksum.0, compute(&cp));
    let at = |e| LoadError::at(e, stored, computed);
    let note = if stored == 0 {
        "stored checksum 0 is accepted without verification"
    } else if stored == computed {
        ""
    } else {
        check_checksum(stored, &[compute_v2_named(&cp)], computed).map_err(at)?;
        "checksum is under the Go name CPUManagerCheckpointV2 (a 1.36 writer): 1.36/1.37 accept it, 1.18-1.35 report it corrupt"
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

/// The 1.18-1.35 writer (`storeState` + `MarshalCheckpoint`).
pub fn write(cp: &CheckpointV2) -> Result<Vec<u8>, FormatError> {
    let mut out = CheckpointV2 {
        policy_name: cp.policy_name.clone(),
        default_cpu_set: checks::norm(&cp.default_cpu_set),
        entries: Some(checks::norm_pods(&cp.entries)),
        checksum: Checksum(0),
    };
    out.checksum = Checksum(compute(&out));
    encode(&out).map_err(marshal_failed)
}

impl Shape for CpuV2 {
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

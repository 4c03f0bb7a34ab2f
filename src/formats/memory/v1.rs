//! `memory` (V1): 1.21-1.35 (and 1.36/1.37 with the pod-level gate off).
//! Accepted checksums (union of releases): the text named
//! `MemoryManagerCheckpoint`, the text named `MemoryManagerCheckpointV1`
//! (what 1.36 wrote), or 0 (1.36/1.37 only; 1.21-1.35 refuse it).

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

fn legacy_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(
        &T,
        CheckpointV1::go_type,
        Some("state.MemoryManagerCheckpoint"),
    )
}

fn named_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(&T, CheckpointV1::go_type, None)
}

/// `NewMemoryManagerCheckpoint()`: machine state and entries pre-allocated.
pub fn new_checkpoint() -> CheckpointV1 {
    CheckpointV1 {
        machine_state: NumaNodeMap(Some(Default::default())),
        entries: ContainerMemoryAssignments(Some(Default::default())),
        ..Default::default()
    }
}

fn zeroed(cp: &CheckpointV1) -> CheckpointV1 {
    CheckpointV1 {
        checksum: Checksum(0),
        ..cp.clone()
    }
}

/// The checksum 1.21-1.35 store (legacy name).
pub fn compute(cp: &CheckpointV1) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &legacy_type())
}

/// The checksum 1.36 stored (`MemoryManagerCheckpointV1`).
pub fn compute_v1_named(cp: &CheckpointV1) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &named_type())
}

/// Unmarshal, checksum, policy check.
pub fn read(bytes: &[u8], configured: Option<&str>) -> Result<Loaded<CheckpointV1>, LoadError> {
    let cp = decode_ok(bytes, &new_checkpoint())?;
    let (stored, computed) = (cp.checksum.0, compute(&cp));
    let note = if stored == 0 {
        "stored checksum 0 is accepted by 1.36/1.37 without verification; 1.21-1.35 report it corrupt"
    } else if stored == computed {
        ""
    } else {
        check_checksum(stored, &[compute_v1_named(&cp)], computed)
            .map_err(|e| LoadError::at(e, stored, computed))?;
        "checksum is under the Go name MemoryManagerCheckpointV1 (a 1.36 writer): 1.36 accepts it, 1.21-1.35 and 1.37 report it corrupt"
    };
    policy(configured, &cp.policy_name).map_err(|e| LoadError::at(e, stored, computed))?;
    Ok(Loaded {
        checkpoint: cp,
        stored: Some(stored),
        computed: Some(computed),
        note,
    })
}

/// The V1 value the writer stores: cloned state, legacy checksum.
pub fn normalised(cp: &CheckpointV1) -> CheckpointV1 {
    let mut out = CheckpointV1 {
        policy_name: cp.policy_name.clone(),
        machine_state: clone::machine(&cp.machine_state),
        entries: clone::entries(&cp.entries),
        checksum: Checksum(0),
    };
    out.checksum = Checksum(compute(&out));
    out
}

/// The 1.21-1.35 writer.
pub fn write(cp: &CheckpointV1) -> Result<Vec<u8>, FormatError> {
    encode(&normalised(cp)).map_err(marshal_failed)
}

impl Shape for MemoryV1 {
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

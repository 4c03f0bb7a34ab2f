//! `memory-v2`: V1 plus pod-level blocks (`podEntries`), written by 1.36
//! with `PodLevelResourceManagers` on. Only the text named
//! `MemoryManagerCheckpoint` is accepted; zero is not.

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

fn legacy_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached_pointer_type(
        &T,
        CheckpointV2::go_type,
        Some("state.MemoryManagerCheckpoint"),
    )
}

/// 1.36's constructor: machine state, entries and pod entries pre-allocated.
pub fn new_checkpoint() -> CheckpointV2 {
    CheckpointV2 {
        machine_state: NumaNodeMap(Some(Default::default())),
        entries: ContainerMemoryAssignments(Some(Default::default())),
        pod_entries: PodMemoryAssignments(Some(Default::default())),
        ..Default::default()
    }
}

fn zeroed(cp: &CheckpointV2) -> CheckpointV2 {
    CheckpointV2 {
        checksum: Checksum(0),
        ..cp.clone()
    }
}

/// The checksum 1.36 stores.
pub fn compute(cp: &CheckpointV2) -> u64 {
    hash_ptr_zeroed(cp, "Checksum", &legacy_type())
}

/// Unmarshal, checksum, policy check.
pub fn read(bytes: &[u8], configured: Option<&str>) -> Result<Loaded<CheckpointV2>, LoadError> {
    let cp = decode_ok(bytes, &new_checkpoint())?;
    let (stored, computed) = (cp.checksum.0, compute(&cp));
    let at = |e| LoadError::at(e, stored, computed);
    check_checksum(stored, &[computed], computed).map_err(at)?;
    policy(configured, &cp.policy_name).map_err(at)?;
    Ok(Loaded {
        checkpoint: cp,
        stored: Some(stored),
        computed: Some(computed),
        note: "",
    })
}

/// The 1.36 writer (gate on).
pub fn write(cp: &CheckpointV2) -> Result<Vec<u8>, FormatError> {
    let mut out = CheckpointV2 {
        policy_name: cp.policy_name.clone(),
        machine_state: clone::machine(&cp.machine_state),
        entries: clone::entries(&cp.entries),
        pod_entries: clone::pods(&cp.pod_entries),
        checksum: Checksum(0),
    };
    out.checksum = Checksum(compute(&out));
    encode(&out).map_err(marshal_failed)
}

impl Shape for MemoryV2 {
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

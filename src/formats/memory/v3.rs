//! `memory-v3`: the 1.37 (development line) shape: the V1 members inlined
//! for older readers *with a real legacy V1 checksum*, then `data` (JSON text
//! of the full state incl. pod entries) and `dataChecksum` (FNV-32a of
//! `(string)` + data). Only `data`/`dataChecksum` count for 1.37.

use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    decode, decode_data_only, decode_ok, encode, hash_data, marshal_failed, render_data,
    verification, wrap, wrap_json, LoadError, Loaded,
};
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::sink::Sink;

use super::types::{
    CheckpointData, CheckpointV1, CheckpointV3, ContainerMemoryAssignments, NumaNodeMap,
    PodMemoryAssignments,
};
use super::{clone, policy};

static INFO: KindInfo = KindInfo {
    name: "memory-v3",
    file: "memory_manager_state",
    versions: "1.37",
    scheme: ChecksumScheme::DataStringFnv32a,
    summary: "Memory manager checkpoint V3: V1 inlined (legacy checksum) plus data string with its own checksum",
};

/// The `memory-v3` kind.
pub struct MemoryV3;

/// The kind's static.
pub static MEMORY_V3: MemoryV3 = MemoryV3;

fn new_data() -> CheckpointData {
    CheckpointData {
        machine_state: NumaNodeMap(Some(Default::default())),
        entries: ContainerMemoryAssignments(Some(Default::default())),
        pod_entries: PodMemoryAssignments(Some(Default::default())),
        ..Default::default()
    }
}

/// 1.37's constructor.
pub fn new_checkpoint() -> CheckpointV3 {
    CheckpointV3 {
        v1: super::v1::new_checkpoint(),
        checkpoint_data: new_data(),
        ..Default::default()
    }
}

/// `GetCheckpoint` with the V3 type: unmarshal, unmarshal `data`, verify.
pub fn load(bytes: &[u8]) -> Result<(CheckpointV3, u64), FormatError> {
    let (mut cp, r) = decode(bytes, &new_checkpoint());
    let step = |cp: &mut CheckpointV3| -> Result<u64, FormatError> {
        r.clone()
            .map_err(|e| wrap_json("failed to deserialize memory manager checkpoint: ", e))?;
        cp.checkpoint_data = decode_ok(cp.data.as_bytes(), &new_data())
            .map_err(|e| wrap_json("failed to deserialize memory manager checkpoint data: ", e))?;
        let computed = hash_data(&cp.data);
        if computed != cp.data_checksum.0 {
            return Err(FormatError::Corrupt {
                prefix: String::new(),
                stored: cp.data_checksum.0,
                computed,
            });
        }
        Ok(computed)
    };
    match step(&mut cp) {
        Ok(computed) => Ok((cp, computed)),
        Err(e) if !cp.data.is_empty() || cp.data_checksum.0 != 0 => {
            Err(wrap("could not load v3 checkpoint: ", e))
        }
        Err(e) => Err(wrap(
            "not a v3 checkpoint (no data, no dataChecksum; a 1.37 kubelet falls back to the v2 and v1 readers): ",
            e,
        )),
    }
}

/// [`load`] plus the policy check on `data`.
pub fn read(bytes: &[u8], configured: Option<&str>) -> Result<Loaded<CheckpointV3>, LoadError> {
    let (cp, computed) = load(bytes)?;
    let stored = cp.data_checksum.0;
    policy(configured, &cp.checkpoint_data.policy_name)
        .map_err(|e| LoadError::at(e, stored, computed))?;
    Ok(Loaded {
        checkpoint: cp,
        stored: Some(stored),
        computed: Some(computed),
        note: "",
    })
}

/// The 1.37 writer: `data` from the cloned full state, the inlined V1 part
/// from it with its legacy checksum.
pub fn write(d: &CheckpointData) -> Result<Vec<u8>, FormatError> {
    let data = CheckpointData {
        policy_name: d.policy_name.clone(),
        machine_state: clone::machine(&d.machine_state),
        entries: clone::entries(&d.entries),
        pod_entries: clone::pods(&d.pod_entries),
    };
    let text = encode(&data).map_err(marshal_failed)?;
    let text = String::from_utf8(text)
        .map_err(|e| FormatError::Rejected(format!("marshalled data is not UTF-8: {e}")))?;
    let mut v1 = CheckpointV1 {
        policy_name: data.policy_name.clone(),
        machine_state: data.machine_state.clone(),
        entries: data.entries.clone(),
        checksum: Checksum(0),
    };
    v1.checksum = Checksum(super::v1::compute(&v1));
    let out = CheckpointV3 {
        v1,
        data_checksum: Checksum(hash_data(&text)),
        data: text,
        checkpoint_data: data,
    };
    encode(&out).map_err(marshal_failed)
}

impl Shape for MemoryV3 {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], opts: &VerifyOptions) -> Verification {
        verification(read(bytes, opts.policy.as_deref()))
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        write(
            &read(bytes, None)
                .map_err(|e| e.error)?
                .checkpoint
                .checkpoint_data,
        )
    }

    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        render_data(&decode_data_only(bytes)?, sink);
        Ok(())
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let data = decode_data_only(bytes)?;
        let (cp, r) = decode(bytes, &new_checkpoint());
        Ok(ChecksumInfo {
            stored: r.ok().map(|()| cp.data_checksum.0),
            computed: hash_data(&data),
        })
    }
}

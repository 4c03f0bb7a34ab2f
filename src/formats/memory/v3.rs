//! `memory-v3`: the 1.37 (development line) shape: the V1 members inlined
//! for older readers *with a real legacy V1 checksum*, then `data` (JSON text
//! of the full state incl. pod entries) and `dataChecksum` (FNV-32a of
//! `(string)` + data). Only `data`/`dataChecksum` count for 1.37.

use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    data_checksum_info, data_text, encode, explain_data, load_envelope, marshal_failed,
    verification, DataEnvelope, EnvelopeNames, LoadError, Loaded, SpewKind,
};
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::sink::Sink;

use super::types::{
    CheckpointData, CheckpointV1, CheckpointV3, ContainerMemoryAssignments, NumaNodeMap,
    PodMemoryAssignments,
};
use super::v1::MemoryV1;
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

const NAMES: EnvelopeNames = EnvelopeNames {
    manager: "memory manager",
    version: "v3",
    fallbacks: "v2 and v1",
};

impl DataEnvelope for CheckpointV3 {
    type Data = CheckpointData;
    fn data(&self) -> &str {
        &self.data
    }
    fn data_checksum(&self) -> u64 {
        self.data_checksum.0
    }
    fn set_payload(&mut self, d: CheckpointData) {
        self.checkpoint_data = d;
    }
}

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
        v1: MemoryV1::new_checkpoint(),
        checkpoint_data: new_data(),
        ..Default::default()
    }
}

/// `GetCheckpoint` with the V3 type: unmarshal, unmarshal `data`, verify.
pub fn load(bytes: &[u8]) -> Result<(CheckpointV3, u64), FormatError> {
    load_envelope(bytes, &new_checkpoint(), &new_data(), &NAMES)
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
    let (text, sum) = data_text(&data)?;
    let mut v1 = CheckpointV1 {
        policy_name: data.policy_name.clone(),
        machine_state: data.machine_state.clone(),
        entries: data.entries.clone(),
        checksum: Checksum(0),
    };
    v1.checksum = Checksum(MemoryV1::compute(&v1));
    let out = CheckpointV3 {
        v1,
        data_checksum: Checksum(sum),
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
        explain_data(bytes, sink)
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        data_checksum_info(bytes, &new_checkpoint())
    }
}

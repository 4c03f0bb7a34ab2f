//! `memory-v3`: the 1.37 (development line) shape: the V1 members inlined
//! for older readers *with a real legacy V1 checksum*, then `data` (JSON text
//! of the full state incl. pod entries) and `dataChecksum` (FNV-32a of
//! `(string)` + data). Only `data`/`dataChecksum` count for 1.37.

use crate::formats::common::FormatError;
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    data_text, encode, marshal_failed, DataEnvelope, EnvelopeKind, EnvelopeNames, LoadError,
    Loaded, SpewKind,
};
use crate::formats::{ChecksumScheme, KindInfo};

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
pub type MemoryV3 = EnvelopeKind<CheckpointV3>;

/// The kind's static.
pub static MEMORY_V3: MemoryV3 = EnvelopeKind::new();

/// 1.37's constructor.
pub fn new_checkpoint() -> CheckpointV3 {
    CheckpointV3::new_checkpoint()
}

/// `GetCheckpoint` with the V3 type: unmarshal, unmarshal `data`, verify.
pub fn load(bytes: &[u8]) -> Result<(CheckpointV3, u64), FormatError> {
    CheckpointV3::load(bytes)
}

/// [`load`] plus the policy check on `data`.
pub fn read(bytes: &[u8], configured: Option<&str>) -> Result<Loaded<CheckpointV3>, LoadError> {
    CheckpointV3::read(bytes, configured)
}

/// The 1.37 writer: `data` from the cloned full state, the inlined V1 part
/// from it with its legacy checksum.
pub fn write(d: &CheckpointData) -> Result<Vec<u8>, FormatError> {
    CheckpointV3::write(d)
}

impl DataEnvelope for CheckpointV3 {
    type Data = CheckpointData;

    const NAMES: EnvelopeNames = EnvelopeNames {
        manager: "memory manager",
        version: "v3",
        fallbacks: "v2 and v1",
    };

    fn info() -> &'static KindInfo {
        &INFO
    }

    fn new_checkpoint() -> CheckpointV3 {
        CheckpointV3 {
            v1: MemoryV1::new_checkpoint(),
            checkpoint_data: Self::new_data(),
            ..Default::default()
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

    fn data(&self) -> &str {
        &self.data
    }

    fn data_checksum(&self) -> u64 {
        self.data_checksum.0
    }

    fn payload(&self) -> &CheckpointData {
        &self.checkpoint_data
    }

    fn set_payload(&mut self, d: CheckpointData) {
        self.checkpoint_data = d;
    }

    fn check(d: &CheckpointData, configured: Option<&str>) -> Result<(), FormatError> {
        policy(configured, &d.policy_name)?;
        super::restore_clone(d.machine_state.0.as_ref())
    }

    fn write(d: &CheckpointData) -> Result<Vec<u8>, FormatError> {
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
}

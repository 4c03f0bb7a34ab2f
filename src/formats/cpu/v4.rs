//! `cpu-v4`: the 1.37 (development line) shape: the V3 members inlined for
//! older readers (their `checksum` written as 0, so 1.18-1.36 accept them as
//! V2), then `data` (the JSON text of the real state) and `dataChecksum`
//! (FNV-32a of `(string)` + data). Only `data`/`dataChecksum` count.
//!
//! The zero inlined checksum is the 1.37 development line's
//! `CPUManagerCheckpoint.MarshalCheckpoint` ("For forward compatibility,
//! clear checksum from the legacy field"). That line's `data` payload is not
//! settled: one copy has no resize member, one `baselines` (modelled here,
//! as the reference does), one `allocations` of `{Original, Resized}` lists.

use crate::formats::common::FormatError;
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    data_text, encode, marshal_failed, DataEnvelope, EnvelopeKind, EnvelopeNames, LoadError,
    Loaded, SpewKind,
};
use crate::formats::{ChecksumScheme, KindInfo};

use super::checks;
use super::types::{CheckpointData, CheckpointV3, CheckpointV4, PodCpuAssignments};
use super::v3::CpuV3;

static INFO: KindInfo = KindInfo {
    name: "cpu-v4",
    file: "cpu_manager_state",
    versions: "1.37",
    scheme: ChecksumScheme::DataStringFnv32a,
    summary:
        "CPU manager checkpoint V4: V3 inlined (checksum 0) plus data string with its own checksum",
};

/// The `cpu-v4` kind.
pub type CpuV4 = EnvelopeKind<CheckpointV4>;

/// The kind's static.
pub static CPU_V4: CpuV4 = EnvelopeKind::new();

/// `NewCPUManagerCheckpoint()` of 1.37.
pub fn new_checkpoint() -> CheckpointV4 {
    CheckpointV4::new_checkpoint()
}

/// `GetCheckpoint` with the V4 type: unmarshal, unmarshal `data`, verify.
/// A failure is fatal in 1.37 only when `data` or `dataChecksum` is set;
/// otherwise the kubelet falls back to the V3 and V2 readers.
pub fn load(bytes: &[u8]) -> Result<(CheckpointV4, u64), FormatError> {
    CheckpointV4::load(bytes)
}

/// [`load`] plus the restore checks on `data`.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV4>, LoadError> {
    CheckpointV4::read(bytes, policy)
}

/// The 1.37 writer (gates on): `data` from the full state, the inlined V3
/// members copied from it with `checksum` 0.
pub fn write(d: &CheckpointData) -> Result<Vec<u8>, FormatError> {
    CheckpointV4::write(d)
}

impl DataEnvelope for CheckpointV4 {
    type Data = CheckpointData;

    const NAMES: EnvelopeNames = EnvelopeNames {
        manager: "cpu manager",
        version: "v4",
        fallbacks: "v3 and v2",
    };

    fn info() -> &'static KindInfo {
        &INFO
    }

    fn new_checkpoint() -> CheckpointV4 {
        CheckpointV4 {
            v3: CpuV3::new_checkpoint(),
            checkpoint_data: Self::new_data(),
            ..Default::default()
        }
    }

    /// `CheckpointData` as the 1.37 constructor pre-fills it.
    fn new_data() -> CheckpointData {
        CheckpointData {
            entries: Some(Default::default()),
            pod_entries: PodCpuAssignments(Some(Default::default())),
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

    fn check(d: &CheckpointData, policy: Option<&str>) -> Result<(), FormatError> {
        checks::policy(policy, &d.policy_name)?;
        checks::default_set(&d.default_cpu_set, "CPU")?;
        checks::v2_entries(&d.entries)
    }

    fn write(d: &CheckpointData) -> Result<Vec<u8>, FormatError> {
        let data = CheckpointData {
            policy_name: d.policy_name.clone(),
            default_cpu_set: checks::norm(&d.default_cpu_set),
            entries: Some(checks::norm_pods(&d.entries)),
            pod_entries: PodCpuAssignments(Some(d.pod_entries.0.clone().unwrap_or_default())),
            baselines: checks::norm_baselines(&d.baselines),
        };
        let (text, sum) = data_text(&data)?;
        let out = CheckpointV4 {
            v3: CheckpointV3 {
                policy_name: data.policy_name.clone(),
                default_cpu_set: data.default_cpu_set.clone(),
                entries: data.entries.clone(),
                pod_entries: data.pod_entries.clone(),
                checksum: Checksum(0),
            },
            data_checksum: Checksum(sum),
            data: text,
            checkpoint_data: data,
        };
        encode(&out).map_err(marshal_failed)
    }
}

//! `cpu-v4`: the 1.37 (development line) shape: the V3 members inlined for
//! older readers (their `checksum` written as 0, so 1.18-1.36 accept them as
//! V2), then `data` (the JSON text of the real state) and `dataChecksum`
//! (FNV-32a of `(string)` + data). Only `data`/`dataChecksum` count.

use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{
    decode, decode_data_only, encode, hash_data, marshal_failed, render_data, verification, wrap,
    wrap_json, LoadError, Loaded,
};
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::sink::Sink;

use super::checks;
use super::pod_entry::with_context;
use super::types::{CheckpointData, CheckpointV3, CheckpointV4, PodCpuAssignments};

static INFO: KindInfo = KindInfo {
    name: "cpu-v4",
    file: "cpu_manager_state",
    versions: "1.37",
    scheme: ChecksumScheme::DataStringFnv32a,
    summary:
        "CPU manager checkpoint V4: V3 inlined (checksum 0) plus data string with its own checksum",
};

/// The `cpu-v4` kind.
pub struct CpuV4;

/// The kind's static.
pub static CPU_V4: CpuV4 = CpuV4;

/// `CheckpointData` as the 1.37 constructor pre-fills it.
fn new_data() -> CheckpointData {
    CheckpointData {
        entries: Some(Default::default()),
        pod_entries: PodCpuAssignments(Some(Default::default())),
        ..Default::default()
    }
}

/// `NewCPUManagerCheckpoint()` of 1.37.
pub fn new_checkpoint() -> CheckpointV4 {
    CheckpointV4 {
        v3: super::v3::new_checkpoint(),
        checkpoint_data: new_data(),
        ..Default::default()
    }
}

/// `GetCheckpoint` with the V4 type: unmarshal, unmarshal `data`, verify.
/// A failure is fatal in 1.37 only when `data` or `dataChecksum` is set;
/// otherwise the kubelet falls back to the V3 and V2 readers.
pub fn load(bytes: &[u8]) -> Result<(CheckpointV4, u64), FormatError> {
    let (mut cp, r) = decode(bytes, &new_checkpoint());
    let step = |cp: &mut CheckpointV4| -> Result<u64, FormatError> {
        r.clone().map_err(|e| {
            wrap_json(
                "failed to deserialize cpu manager checkpoint: ",
                with_context(e, "CPUManagerCheckpoint"),
            )
        })?;
        cp.checkpoint_data = crate::formats::resmgr::decode_ok(cp.data.as_bytes(), &new_data())
            .map_err(|e| {
                wrap_json(
                    "failed to deserialize cpu manager checkpoint data: ",
                    with_context(e, "CPUManagerCheckpointData"),
                )
            })?;
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
            Err(wrap("could not load v4 checkpoint: ", e))
        }
        Err(e) => Err(wrap(
            "not a v4 checkpoint (no data, no dataChecksum; a 1.37 kubelet falls back to the v3 and v2 readers): ",
            e,
        )),
    }
}

/// [`load`] plus the restore checks on `data`.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<CheckpointV4>, LoadError> {
    let (cp, computed) = load(bytes)?;
    let stored = cp.data_checksum.0;
    let at = |e| LoadError::at(e, stored, computed);
    let d = &cp.checkpoint_data;
    checks::policy(policy, &d.policy_name).map_err(at)?;
    checks::default_set(&d.default_cpu_set, "CPU").map_err(at)?;
    checks::v2_entries(&d.entries).map_err(at)?;
    Ok(Loaded {
        checkpoint: cp,
        stored: Some(stored),
        computed: Some(computed),
        note: "",
    })
}

/// The 1.37 writer (gates on): `data` from the full state, the inlined V3
/// members copied from it with `checksum` 0.
pub fn write(d: &CheckpointData) -> Result<Vec<u8>, FormatError> {
    let data = CheckpointData {
        policy_name: d.policy_name.clone(),
        default_cpu_set: checks::norm(&d.default_cpu_set),
        entries: Some(checks::norm_pods(&d.entries)),
        pod_entries: PodCpuAssignments(Some(d.pod_entries.0.clone().unwrap_or_default())),
        baselines: checks::norm_baselines(&d.baselines),
    };
    let text = encode(&data).map_err(marshal_failed)?;
    let text = String::from_utf8(text)
        .map_err(|e| FormatError::Rejected(format!("marshalled data is not UTF-8: {e}")))?;
    let out = CheckpointV4 {
        v3: CheckpointV3 {
            policy_name: data.policy_name.clone(),
            default_cpu_set: data.default_cpu_set.clone(),
            entries: data.entries.clone(),
            pod_entries: data.pod_entries.clone(),
            checksum: Checksum(0),
        },
        data_checksum: Checksum(hash_data(&text)),
        data: text,
        checkpoint_data: data,
    };
    encode(&out).map_err(marshal_failed)
}

impl Shape for CpuV4 {
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

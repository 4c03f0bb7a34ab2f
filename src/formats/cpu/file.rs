//! `cpu-file`: the original file backend (1.8-1.11), no checksum, entries
//! keyed by container ID. Every failure is the backend's panic text
//! `[cpumanager] state file: unable to restore state from disk (<err>)`.

use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::resmgr::{decode_ok, encode, marshal_failed, wrap, wrap_json};
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::cpuset::CpuSet;
use crate::go::sink::Sink;
use crate::go::strconv::quote;

use super::checks::{norm, norm_flat};
use super::types::StateFileData;

const LEAD: &str = "[cpumanager] state file: unable to restore state from disk (";

static INFO: KindInfo = KindInfo {
    name: "cpu-file",
    file: "cpu_manager_state",
    versions: "1.8-1.11",
    scheme: ChecksumScheme::None,
    summary: "CPU manager file backend: policy, default set, container ID -> cpuset; no checksum",
};

/// The `cpu-file` kind.
pub struct CpuFile;

/// The kind's static.
pub static CPU_FILE: CpuFile = CpuFile;

/// Reads and checks the document as the 1.11 backend's `tryRestoreState`.
pub fn read(bytes: &[u8], policy: Option<&str>) -> Result<StateFileData, FormatError> {
    let d = decode_ok(bytes, &StateFileData::default())
        .map_err(|e| FormatError::InvalidJson(wrap_json(LEAD, close(e))))?;
    if let Some(p) = policy.filter(|p| *p != d.policy_name) {
        return Err(FormatError::Rejected(format!(
            "{LEAD}policy configured {} != policy from state file {})",
            quote(p),
            quote(&d.policy_name)
        )));
    }
    let parse = |s: &str| {
        CpuSet::parse(s)
            .map(drop)
            .map_err(|e| wrap(LEAD, FormatError::Rejected(format!("{e})"))))
    };
    parse(&d.default_cpu_set)?;
    for s in d.entries.iter().flatten().map(|(_, s)| s) {
        parse(s)?;
    }
    Ok(d)
}

/// Appends the closing parenthesis of the backend's message.
fn close(mut e: crate::go::json::UnmarshalError) -> crate::go::json::UnmarshalError {
    e.message.push(')');
    e
}

/// The backend's writer: lists re-rendered, entries always present.
pub fn write(d: &StateFileData) -> Result<Vec<u8>, FormatError> {
    let out = StateFileData {
        policy_name: d.policy_name.clone(),
        default_cpu_set: norm(&d.default_cpu_set),
        entries: Some(norm_flat(&d.entries)),
    };
    encode(&out).map_err(marshal_failed)
}

fn no_checksum() -> FormatError {
    FormatError::Rejected("cpu-file has no checksum".into())
}

impl Shape for CpuFile {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], opts: &VerifyOptions) -> Verification {
        if bytes.is_empty() {
            // The kubelet treats an empty file as "no state" and writes a new one.
            let mut v = Verification::ok(None, None);
            v.message = "empty file: the kubelet starts without state and writes a new file".into();
            return v;
        }
        match read(bytes, opts.policy.as_deref()) {
            Ok(_) => Verification::ok(None, None),
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        if bytes.is_empty() {
            return Err(FormatError::Rejected(
                "empty file: the kubelet would write the configured policy, which the file does not hold"
                    .into(),
            ));
        }
        write(&read(bytes, None)?)
    }

    fn explain(&self, _bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), FormatError> {
        Err(no_checksum())
    }

    fn checksum(&self, _bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        Err(no_checksum())
    }
}

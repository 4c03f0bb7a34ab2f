//! CSI `vol_data.json` (spec §10): a flat JSON object of strings written
//! with `json.NewEncoder(f).Encode(map[string]string)` (sorted keys,
//! trailing newline) and read with `json.NewDecoder(f).Decode(&data)`,
//! which reads the first JSON value only (trailing bytes after an object
//! are never looked at). No checksum. The key names listed in
//! [`KNOWN_KEYS`] are from memory (spec §14) and are not enforced.

use std::collections::BTreeMap;

use super::{decodes, no_checksum};
use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::pod_state::shared::encode;
use crate::formats::resmgr::decode_ok;
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::json::UnmarshalError;
use crate::go::sink::Sink;

/// Keys the kubelet writes (unverified spellings, spec §10).
pub const KNOWN_KEYS: [&str; 7] = [
    "specVolumeID",
    "volumeHandle",
    "driverName",
    "nodeName",
    "attachmentID",
    "volumeLifecycleMode",
    "seLinuxMountContext",
];

pub struct CsiVolData;

pub static CSI_VOL_DATA: CsiVolData = CsiVolData;

static INFO: KindInfo = KindInfo {
    name: "csi-vol-data",
    file: "pods/<uid>/volumes/kubernetes.io~csi/<volume>/vol_data.json",
    versions: "1.9+",
    scheme: ChecksumScheme::None,
    summary: "CSI volume reconstruction data (flat string map); no checksum",
};

type Data = BTreeMap<String, String>;

/// `json.Decoder.Decode`: the first JSON value; `EOF` on empty input.
fn read(bytes: &[u8]) -> Result<Data, FormatError> {
    if bytes
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return Err(FormatError::InvalidJson(UnmarshalError {
            message: "EOF".into(),
            offset: bytes.len(),
            syntax: true,
        }));
    }
    match decode_ok(bytes, &Data::new()) {
        Ok(d) => Ok(d),
        // A complete first value followed by anything: the decoder stops
        // at the end of the value and never sees the rest.
        Err(e) if e.message.ends_with("after top-level value") => {
            // Go's offset counts the offending byte too.
            let first = bytes.get(..e.offset.saturating_sub(1)).unwrap_or(bytes);
            decode_ok(first, &Data::new()).map_err(FormatError::InvalidJson)
        }
        Err(e) => Err(FormatError::InvalidJson(e)),
    }
}

impl Shape for CsiVolData {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        decodes(read(bytes))
    }

    /// `json.Encoder.Encode`: sorted keys, HTML escaping, newline.
    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut out = encode(&read(bytes)?)?;
        out.push(b'\n');
        Ok(out)
    }

    fn explain(&self, _bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), FormatError> {
        Err(no_checksum(INFO.name))
    }

    fn checksum(&self, _bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        Err(no_checksum(INFO.name))
    }
}

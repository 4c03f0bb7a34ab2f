//! `graceful_node_shutdown_state` (pkg/kubelet/nodeshutdown, 1.23+): JSON
//! `{"startTime":…,"endTime":…}` written with `json.Marshal` of
//! `state{StartTime, EndTime time.Time}` and read back with
//! `json.Unmarshal`. No checksum. Times are `time.Time` JSON: RFC 3339 with
//! optional fraction, in the zone they were recorded in.

use super::{decodes, no_checksum};
use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::pod_state::shared::{encode, file_error};
use crate::formats::resmgr::decode_ok;
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::model::{CustomJson, Value};
use crate::go::reflect::GoType;
use crate::go::rfc3339;
use crate::go::sink::Sink;

crate::go_struct! {
    /// A `time.Time` as its JSON text (`0001-01-01T00:00:00Z` when zero):
    /// only ever re-serialized, never compared.
    pub struct GoTime = "time.Time" json_with GO_TIME_JSON {
        pub text: String => text,
    }
}

/// `time.Time`'s `MarshalJSON` / `UnmarshalJSON` (Go 1.19).
pub const GO_TIME_JSON: CustomJson = CustomJson {
    marshal: time_marshal,
    unmarshal: time_unmarshal,
};

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
/// Stands for an instant whose year (in its zone) is outside [0, 9999]:
/// it decodes, but `MarshalJSON` refuses it.
const OUT_OF_RANGE: &str = "!year-out-of-range";

fn time_marshal(v: &Value) -> Result<Vec<u8>, String> {
    let t = GoTime::from_go(v);
    if t.text == OUT_OF_RANGE {
        return Err("Time.MarshalJSON: year outside of range [0,9999]".into());
    }
    let text = if t.text.is_empty() {
        ZERO_TIME
    } else {
        &t.text
    };
    Ok(format!("\"{text}\"").into_bytes())
}

/// `null` leaves the value alone; anything else is parsed raw, quotes
/// included, with the layout `"RFC3339"`.
fn time_unmarshal(raw: &[u8], target: &mut Value) -> Result<(), String> {
    if raw == b"null" {
        return Ok(());
    }
    let (t, offset) = rfc3339::parse_json_token(&String::from_utf8_lossy(raw))?;
    let text = rfc3339::format_nano(&t, offset).unwrap_or_else(|| OUT_OF_RANGE.into());
    *target = GoTime { text }.to_go();
    Ok(())
}

crate::go_struct! {
    /// `nodeshutdown.state`.
    pub struct ShutdownState = "nodeshutdown.state" {
        pub start_time: GoTime => StartTime json "startTime",
        pub end_time: GoTime => EndTime json "endTime",
    }
}

pub struct GracefulShutdown;

pub static GRACEFUL_SHUTDOWN: GracefulShutdown = GracefulShutdown;

static INFO: KindInfo = KindInfo {
    name: "graceful-node-shutdown",
    file: "graceful_node_shutdown_state",
    versions: "1.23+",
    scheme: ChecksumScheme::None,
    summary: "start/end time of the last graceful node shutdown (metrics only); no checksum",
};

fn read(bytes: &[u8]) -> Result<ShutdownState, FormatError> {
    decode_ok(bytes, &ShutdownState::default()).map_err(file_error)
}

impl Shape for GracefulShutdown {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        decodes(read(bytes))
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        encode(&read(bytes)?)
    }

    fn explain(&self, _bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), FormatError> {
        Err(no_checksum(INFO.name))
    }

    fn checksum(&self, _bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        Err(no_checksum(INFO.name))
    }
}

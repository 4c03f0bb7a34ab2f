//! Verdicts and errors shared by every file family.

use crate::go::json::UnmarshalError;

/// The kubelet's verdict on a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The kubelet would load it.
    Ok,
    /// The checksum does not match (`checkpoint is corrupted`).
    Corrupt,
    /// The bytes do not decode into the kubelet's types.
    InvalidJson,
    /// Decodes and the checksum holds, but a restore check refuses it.
    Rejected,
}

impl Verdict {
    /// The name used in CLI output (`ok`, `corrupt`, `invalid-json`, `rejected`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Corrupt => "corrupt",
            Verdict::InvalidJson => "invalid-json",
            Verdict::Rejected => "rejected",
        }
    }
}

/// What the restore path is told about the node.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The configured policy name (`--cpu-manager-policy` / `--memory-manager-policy`);
    /// `None` skips the kubelet's policy-name check.
    pub policy: Option<String>,
    /// One release's checksum acceptance (zero, type-name variants) in place
    /// of the union over releases that a kind applies on its own; set by
    /// the release chain ([`super::releases`]) for the kinds whose rule
    /// changed between releases.
    pub checksum_rule: Option<ChecksumRule>,
}

/// Which stored checksums one kubelet release accepts for one reader
/// (`zero_checksum` and `name_variants` of the release table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChecksumRule {
    /// A stored 0 passes unchecked.
    pub zero: bool,
    /// `None`: the kind's own rule decides (after the zero exception).
    /// Otherwise which go-spew texts the checksum may be computed over.
    pub names: Option<NameVariants>,
}

/// The go-spew texts a checksum may be computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameVariants {
    /// Under the historical name (`CPUManagerCheckpoint`, `MemoryManagerCheckpoint`).
    pub legacy: bool,
    /// Under the type's own newer name (`CPUManagerCheckpointV2`, `...V3`,
    /// `MemoryManagerCheckpointV1`).
    pub named: bool,
}

/// The result of [`super::Shape::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub verdict: Verdict,
    /// Empty for `ok` (or a note such as "stored checksum 0 is accepted
    /// without verification"); otherwise the kubelet's error text, without
    /// the outer restore wrapper.
    pub message: String,
    /// Byte offset of the problem in the file, when the JSON reader found one.
    pub offset: Option<usize>,
    pub stored_checksum: Option<u64>,
    pub computed_checksum: Option<u64>,
}

impl Verification {
    pub fn ok(stored: Option<u64>, computed: Option<u64>) -> Self {
        Verification {
            verdict: Verdict::Ok,
            message: String::new(),
            offset: None,
            stored_checksum: stored,
            computed_checksum: computed,
        }
    }

    pub fn from_error(e: FormatError, stored: Option<u64>, computed: Option<u64>) -> Self {
        let (verdict, offset) = match &e {
            FormatError::InvalidJson(u) => (Verdict::InvalidJson, Some(u.offset)),
            FormatError::Invalid(_) => (Verdict::InvalidJson, None),
            FormatError::Corrupt { .. } => (Verdict::Corrupt, None),
            FormatError::Rejected(_) | FormatError::Panic(_) => (Verdict::Rejected, None),
        };
        let (stored, computed) = match &e {
            FormatError::Corrupt {
                stored, computed, ..
            } => (Some(*stored), Some(*computed)),
            _ => (stored, computed),
        };
        Verification {
            verdict,
            message: e.to_string(),
            offset,
            stored_checksum: stored,
            computed_checksum: computed,
        }
    }
}

/// The stored and recomputed checksum of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecksumInfo {
    /// What the file holds (`None` for kinds without a stored checksum).
    pub stored: Option<u64>,
    /// What the kubelet would store for this state.
    pub computed: u64,
}

/// Why a file cannot be loaded, classified as the kubelet's verdicts are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `json.Unmarshal` failed; Go's text and the byte offset.
    #[error("{0}")]
    InvalidJson(#[from] UnmarshalError),
    /// The bytes decode as JSON but not into the kubelet's types in a way
    /// the kubelet reports from its own unmarshal code (e.g. a custom
    /// `UnmarshalJSON` error like `failed to parse cpuset: ...`).
    #[error("{0}")]
    Invalid(String),
    /// Checksum mismatch. `prefix` is kubelet wrapping text, if any.
    #[error("{prefix}checkpoint is corrupted (stored checksum {stored}, computed {computed})")]
    Corrupt {
        prefix: String,
        stored: u64,
        computed: u64,
    },
    /// A restore check refused the state; the kubelet's text.
    #[error("{0}")]
    Rejected(String),
    /// The kubelet crashes on the state (a nil dereference after the read
    /// succeeded): Go's panic text. Reported as `rejected`, but the release
    /// chain neither wraps it as a restore error nor tries another reader.
    #[error("panic: {0}")]
    Panic(String),
}

/// The note on an `ok` verdict when the payload holds members this shape
/// does not read: the kubelet ignores them silently, so a payload written
/// by another shape of the same file loads as (partly) empty state.
pub fn ignored_note(data: &[u8], payload: &crate::go::model::TypeRef) -> String {
    let keys = crate::go::json::ignored_keys(data, payload);
    if keys.is_empty() {
        return String::new();
    }
    let list = keys
        .iter()
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "the data holds {list}{IGNORED_MARK}: the kubelet ignores it and loads that part as empty state (written by another shape of this file?)"
    )
}

/// The words that mark an [`ignored_note`] (identification ranks a shape
/// that ignores part of the payload below one that reads all of it).
pub const IGNORED_MARK: &str = ", which this shape does not read";

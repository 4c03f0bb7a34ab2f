//! The version-neutral state of each file family: plain Rust types (not Go
//! types) that every shape of a file lifts into, and that writable shapes
//! will lower from.
//!
//! Why a second model beside the Go types: the Go types are the on-disk
//! truth of one shape at one release (their names, field order and nils
//! decide checksums), while people and scripts ask questions across shapes
//! ("which CPUs does this container hold?", "what changed between these two
//! files?"). The state answers those once per family instead of once per
//! shape. Its serde form is the `-o json|yaml` schema of `inspect` and
//! `diff`: field names are stable and only ever added.
//!
//! [`lift`] decodes with the kind's own decoder but does **not** require the
//! checksum to hold (inspect must show what a corrupt file holds); the
//! [`Source`] in every family state says whether it did.

use serde::{Deserialize, Serialize};

use super::{ChecksumScheme, Shape, Verdict, VerifyOptions};

pub use super::cpu::state::{CpuKeying, CpuList, CpuPod, CpuState};
pub use super::device::state::{DeviceAllocation, DeviceState};
pub use super::dockershim::state::{DockershimState, PortMapping};
pub use super::dra::state::{DraClaim, DraDevice, DraState, ResourceHandle};
pub use super::image_pull::state::{ImagePullState, PullCredentials};
pub use super::memory::state::{MemoryBlock, MemoryPod, MemoryState, MemoryTable, NumaNode};
pub use super::pod_state::state::{PodResizeState, ResizePod, Resources};

/// One file's state, whatever its shape: one variant per file family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", content = "state", rename_all = "kebab-case")]
pub enum State {
    /// `cpu_manager_state` (cpu-file, cpu-v1 … cpu-v4).
    Cpu(CpuState),
    /// `memory_manager_state` (memory, memory-v2, memory-v3).
    Memory(MemoryState),
    /// `device-plugins/kubelet_internal_checkpoint` (device-v1, device-v2).
    Device(DeviceState),
    /// `dra_manager_state` (dra-v1 … dra-v8).
    Dra(DraState),
    /// `pod_status_manager_state`, `allocated_pods_state`, `actuated_pods_state`.
    PodResize(PodResizeState),
    /// dockershim sandbox checkpoints.
    Dockershim(DockershimState),
    /// Image pull intents and records.
    ImagePull(ImagePullState),
    /// Files without a family model (bootstrap pod, dynamic config, CSI
    /// volume data, graceful shutdown): their content as read.
    Other(OtherState),
}

impl State {
    /// Where the state came from: kind and checksum status.
    pub fn source(&self) -> &Source {
        match self {
            State::Cpu(s) => &s.source,
            State::Memory(s) => &s.source,
            State::Device(s) => &s.source,
            State::Dra(s) => &s.source,
            State::PodResize(s) => &s.source,
            State::Dockershim(s) => &s.source,
            State::ImagePull(s) => &s.source,
            State::Other(s) => &s.source,
        }
    }

    /// The family name used in the serde tag (`cpu`, `memory`, ...): two
    /// states can be compared (diffed) only within one family.
    pub fn family(&self) -> &'static str {
        match self {
            State::Cpu(_) => "cpu",
            State::Memory(_) => "memory",
            State::Device(_) => "device",
            State::Dra(_) => "dra",
            State::PodResize(_) => "pod-resize",
            State::Dockershim(_) => "dockershim",
            State::ImagePull(_) => "image-pull",
            State::Other(_) => "other",
        }
    }

    /// The state with secrets replaced by `present`/`absent` markers, for
    /// output that may end up in tickets and logs (image-pull secret
    /// coordinates and credential hashes). Other families hold no secrets.
    pub fn redacted(&self) -> State {
        match self {
            State::ImagePull(s) => State::ImagePull(s.redacted()),
            other => other.clone(),
        }
    }
}

/// Where a state came from: the kind it was read as and whether the
/// checksum held. Every family state starts with one, so a script can tell
/// a trustworthy state from what a corrupt file happens to hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The kind (shape) the bytes were decoded as (`cpu-v2`).
    pub kind: String,
    /// The checksum scheme of that kind (`fnv32a(spew)`, `none`, ...).
    pub scheme: String,
    /// Whether the stored checksum holds.
    pub checksum: ChecksumStatus,
}

/// Whether a file's checksum holds, as the kind's reader judges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ChecksumStatus {
    /// The kind has no checksum (file backend, image-pull records, ...).
    None,
    /// The stored checksum is accepted (`note` says why when it is not the
    /// plain recomputed value, e.g. a stored 0 some releases accept).
    Verified {
        /// The stored value.
        stored: Option<u64>,
        /// The value the kubelet would store.
        computed: Option<u64>,
        /// Empty, or the reader's note on the acceptance.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    /// The stored checksum does not match: the kubelet refuses the file
    /// (`checkpoint is corrupted`); the state is what the bytes hold.
    Mismatch {
        /// The stored value.
        stored: u64,
        /// The value the kubelet computes for the content.
        computed: u64,
    },
    /// The reader failed before or beside the checksum (its text), so it
    /// is not known whether the checksum holds.
    Unknown {
        /// The reader's error text.
        reason: String,
    },
}

impl ChecksumStatus {
    /// `Some(true)` when verified, `Some(false)` on a mismatch, `None` when
    /// there is no checksum or it is unknown.
    pub fn verified(&self) -> Option<bool> {
        match self {
            ChecksumStatus::Verified { .. } => Some(true),
            ChecksumStatus::Mismatch { .. } => Some(false),
            _ => None,
        }
    }
}

impl Source {
    /// Judges `bytes` as `kind`: the checksum part of the kind's verdict.
    /// `Rejected` (a restore check refused the file) means the checksum
    /// held when the reader had already computed it; otherwise the stored
    /// and recomputed checksums are compared.
    pub fn judge(kind: &dyn Shape, bytes: &[u8]) -> Source {
        let info = kind.info();
        let checksum = if info.scheme == ChecksumScheme::None {
            ChecksumStatus::None
        } else {
            let v = kind.verify(bytes, &VerifyOptions::default());
            match v.verdict {
                Verdict::Ok => ChecksumStatus::Verified {
                    stored: v.stored_checksum,
                    computed: v.computed_checksum,
                    note: v.message,
                },
                Verdict::Corrupt => ChecksumStatus::Mismatch {
                    stored: v.stored_checksum.unwrap_or_default(),
                    computed: v.computed_checksum.unwrap_or_default(),
                },
                Verdict::Rejected if v.stored_checksum.is_some() => ChecksumStatus::Verified {
                    stored: v.stored_checksum,
                    computed: v.computed_checksum,
                    note: String::new(),
                },
                Verdict::Rejected | Verdict::InvalidJson => match kind.checksum(bytes) {
                    Ok(c) if c.stored == Some(c.computed) => ChecksumStatus::Verified {
                        stored: c.stored,
                        computed: Some(c.computed),
                        note: String::new(),
                    },
                    Ok(c) if c.stored.is_some() && v.verdict == Verdict::InvalidJson => {
                        ChecksumStatus::Mismatch {
                            stored: c.stored.unwrap_or_default(),
                            computed: c.computed,
                        }
                    }
                    _ => ChecksumStatus::Unknown { reason: v.message },
                },
            }
        };
        Source {
            kind: info.name.to_string(),
            scheme: info.scheme.name().to_string(),
            checksum,
        }
    }
}

/// The content of a file without a family model, as read (no secrets are
/// expected in these files: bootstrap pod specs, config sources, CSI
/// volume data, shutdown times).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherState {
    /// Kind and checksum status.
    pub source: Source,
    /// The kind's one-line summary (what the file is).
    pub summary: String,
    /// The document when it is JSON (`null` included: a present `null`
    /// reads back as `Some(Null)`, an absent member as `None`).
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub document: Option<serde_json::Value>,
    /// Otherwise its text (UTF-8, lossy), when it is not JSON (YAML files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A member that is present holds a value, `null` included (serde's
/// `Option` would read a present `null` as absent).
fn present_value<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// Lifts `bytes`, read as the kind named `kind_name`, into its family's
/// state. `None` for an unknown kind name; `Err` (the decoder's text) when
/// the bytes do not decode as that kind at all. A checksum mismatch is not
/// an error: the state says so in its [`Source`].
pub fn lift(kind_name: &str, bytes: &[u8]) -> Option<Result<State, String>> {
    let kind = super::kind(kind_name)?;
    let source = Source::judge(kind, bytes);
    let family = kind_name.split('-').next().unwrap_or_default();
    let r = match family {
        "cpu" => super::cpu::state::lift(kind_name, bytes, source).map(|r| r.map(State::Cpu)),
        "memory" => {
            super::memory::state::lift(kind_name, bytes, source).map(|r| r.map(State::Memory))
        }
        "device" => {
            super::device::state::lift(kind_name, bytes, source).map(|r| r.map(State::Device))
        }
        "dra" => super::dra::state::lift(kind_name, bytes, source).map(|r| r.map(State::Dra)),
        "podstatus" | "allocated" | "actuated" => {
            super::pod_state::state::lift(kind_name, bytes, source).map(|r| r.map(State::PodResize))
        }
        "dockershim" => super::dockershim::state::lift(kind_name, bytes, source)
            .map(|r| r.map(State::Dockershim)),
        "imagepull" => super::image_pull::state::lift(kind_name, bytes, source)
            .map(|r| r.map(State::ImagePull)),
        _ => None,
    };
    Some(r.unwrap_or_else(|| lift_other(kind, bytes)))
}

/// A file without a family model: decodes when the kind's reader decodes
/// it (its verdict is not `invalid-json`); the content as JSON or text.
fn lift_other(kind: &dyn Shape, bytes: &[u8]) -> Result<State, String> {
    let v = kind.verify(bytes, &VerifyOptions::default());
    if v.verdict == Verdict::InvalidJson {
        return Err(v.message);
    }
    let document = serde_json::from_slice::<serde_json::Value>(bytes).ok();
    let text = document
        .is_none()
        .then(|| String::from_utf8_lossy(bytes).into_owned());
    Ok(State::Other(OtherState {
        source: Source::judge(kind, bytes),
        summary: kind.info().summary.to_string(),
        document,
        text,
    }))
}

/// serde helpers for byte strings: lowercase hex in JSON/YAML (readable,
/// and unambiguous in both formats, unlike a list of numbers).
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Lowercase hex of `b`.
    pub fn encode(b: &[u8]) -> String {
        use std::fmt::Write;
        let mut s = String::with_capacity(b.len() * 2);
        for x in b {
            let _ = write!(s, "{x:02x}");
        }
        s
    }

    /// Bytes of a hex string (`None` when it is not hex).
    pub fn decode(s: &str) -> Option<Vec<u8>> {
        if s.len() % 2 != 0 {
            return None;
        }
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect()
    }

    /// serde `serialize_with`.
    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(b))
    }

    /// serde `deserialize_with`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        decode(&s).ok_or_else(|| serde::de::Error::custom("not a hex string"))
    }
}

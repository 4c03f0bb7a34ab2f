//! The kubelet's files, one module per family, and the kind registry.
//!
//! A *kind* is one on-disk shape of one file at one era (`cpu-v2`,
//! `dra-v7`, ...), named as in the spec and the Go reference. Every kind
//! implements [`Shape`]; [`registry`] is the single list of kinds that the
//! CLI, detection, tests and docs read.

/// Implements [`Shape`] for the kind `$ty` with the family's generic
/// functions in module `$m` (`$m::verify::<$ty>(bytes)`, `canonical`,
/// `explain`, `checksum`; the family's restore path takes no policy).
/// A family trait cannot derive `Shape` by a blanket impl of its own: Rust
/// allows one such impl, and [`resmgr::SpewKind`] has it.
macro_rules! family_shape {
    ($m:ident, $ty:ty, $info:expr) => {
        impl $crate::formats::Shape for $ty {
            fn info(&self) -> &'static $crate::formats::KindInfo {
                $info
            }
            fn verify(
                &self,
                bytes: &[u8],
                _opts: &$crate::formats::VerifyOptions,
            ) -> $crate::formats::Verification {
                $m::verify::<$ty>(bytes)
            }
            fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, $crate::formats::FormatError> {
                $m::canonical::<$ty>(bytes)
            }
            fn explain(
                &self,
                bytes: &[u8],
                sink: &mut dyn $crate::go::sink::Sink,
            ) -> Result<(), $crate::formats::FormatError> {
                $m::explain::<$ty>(bytes, sink)
            }
            fn checksum(
                &self,
                bytes: &[u8],
            ) -> Result<$crate::formats::ChecksumInfo, $crate::formats::FormatError> {
                $m::checksum::<$ty>(bytes)
            }
        }
    };
}

pub mod common;
pub mod cpu;
pub mod detect;
pub mod device;
pub mod dockershim;
pub mod dra;
pub mod gotypes;
pub mod identify;
pub mod image_pull;
pub mod lower;
pub mod memory;
pub mod node;
pub mod pod_state;
pub mod readonly;
pub mod releases;
pub mod resmgr;
pub mod state;

use crate::go::sink::Sink;

pub use common::{ChecksumInfo, FormatError, Verdict, Verification, VerifyOptions};

/// How a kind's checksum is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumScheme {
    /// No checksum (file backend, image-pull records, read-only files).
    None,
    /// FNV-32a over the go-spew `%#v` text of the Go value.
    SpewFnv32a,
    /// FNV-32a over `(string)` + the JSON `data` string (cpu-v4, memory-v3).
    DataStringFnv32a,
    /// CRC-32/IEEE over the JSON `Data` string (dra-v6..v8).
    DataCrc32,
    /// Adler-32 (dockershim-v0a).
    Adler32,
}

impl ChecksumScheme {
    pub fn name(self) -> &'static str {
        match self {
            ChecksumScheme::None => "none",
            ChecksumScheme::SpewFnv32a => "fnv32a(spew)",
            ChecksumScheme::DataStringFnv32a => "fnv32a((string)data)",
            ChecksumScheme::DataCrc32 => "crc32(data)",
            ChecksumScheme::Adler32 => "adler32",
        }
    }
}

/// Static facts about a kind.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    /// Kind name, as in the spec and `oracle kinds` (`cpu-v2`).
    pub name: &'static str,
    /// The file name the kubelet uses (`cpu_manager_state`), relative to
    /// its root directory (`device-plugins/kubelet_internal_checkpoint`).
    pub file: &'static str,
    /// Kubernetes releases that write (or read) this shape (`1.18-1.35`).
    pub versions: &'static str,
    pub scheme: ChecksumScheme,
    /// One line for people.
    pub summary: &'static str,
}

/// One kind: everything the operations need, on raw file bytes.
///
/// All methods judge the bytes as exactly this shape, with no fallbacks to
/// other shapes (detection chains kinds in the kubelet's order).
pub trait Shape: Sync {
    fn info(&self) -> &'static KindInfo;

    /// The kubelet's verdict: unmarshal, checksum, restore checks.
    fn verify(&self, bytes: &[u8], opts: &VerifyOptions) -> Verification;

    /// The exact bytes the kubelet would write for the state in `bytes`
    /// (re-rendered, checksum recomputed). Fails where the kubelet's read
    /// fails.
    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError>;

    /// Streams the exact text that is hashed (spew text, or the data string
    /// for data-checksum kinds) for the state in `bytes` into `sink`.
    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError>;

    /// The stored checksum and the one the kubelet would store.
    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError>;
}

impl std::fmt::Debug for dyn Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.info().name)
    }
}

/// Every kind, in a stable order (file family, then version).
pub fn registry() -> &'static [&'static dyn Shape] {
    static RESOURCE_MANAGERS: &[&dyn Shape] = &[
        &cpu::CPU_FILE,
        &cpu::CPU_V1,
        &cpu::CPU_V2,
        &cpu::CPU_V3,
        &cpu::CPU_V4,
        &memory::MEMORY_V1,
        &memory::MEMORY_V2,
        &memory::MEMORY_V3,
        &device::DEVICE_V1,
        &device::DEVICE_V2,
        &dra::DRA_V1,
        &dra::DRA_V2,
        &dra::DRA_V3,
        &dra::DRA_V4,
        &dra::DRA_V5,
        &dra::DRA_V6,
        &dra::DRA_V7,
        &dra::DRA_V8,
    ];
    static ALL: std::sync::OnceLock<Vec<&'static dyn Shape>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static dyn Shape> = RESOURCE_MANAGERS.to_vec();
        v.extend_from_slice(&pod_state::KINDS);
        v.extend_from_slice(&dockershim::KINDS);
        v.extend_from_slice(&image_pull::KINDS);
        v.extend_from_slice(&readonly::KINDS);
        v
    })
}

/// Looks a kind up by name.
pub fn kind(name: &str) -> Option<&'static dyn Shape> {
    registry().iter().copied().find(|k| k.info().name == name)
}

//! dockershim pod sandbox checkpoints, `<dockershim root>/sandbox/<id>`
//! (spec §6), Kubernetes 1.6–1.23:
//!
//! * dockershim-v0a / -v0: dockershim's own handler; the checksum (Adler-32,
//!   then FNV-32a) covers go-spew of the whole `PodSandboxCheckpoint` value
//!   with `CheckSum` 0.
//! * dockershim-v1 / -v2: the kubelet checkpoint manager; FNV-32a over
//!   go-spew of the `CheckpointData` value only (v2 adds `HostIP`, which
//!   changes the text of every checkpoint with port mappings).

pub mod state;
pub mod types;

use types::{CheckpointData, CheckpointDataV2, SandboxV0, SandboxV1, SandboxV2};

use super::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use super::pod_state::shared::{encode, file_error};
use super::resmgr::decode_ok;
use super::{ChecksumScheme, KindInfo, Shape};
use crate::go::adler::Adler32;
use crate::go::fnv::Fnv32a;
use crate::go::reflect::GoType;
use crate::go::sink::Sink;
use crate::go::spew;

const FILE: &str = "dockershim/sandbox/<sandbox-id>";

/// The kubelet dereferences a nil `Data` in `VerifyChecksum` and panics;
/// the Go reference reports that as "other" with this text.
pub const NIL_DATA_PANIC: &str = "runtime error: invalid memory address or nil pointer dereference (\"data\": null; VerifyChecksum dereferences Data)";

fn corrupt(stored: u64, computed: u64) -> FormatError {
    FormatError::Corrupt {
        prefix: String::new(),
        stored,
        computed,
    }
}

// ---- v0 / v0a ------------------------------------------------------------------

/// dockershim's own handler (1.6–~1.10).
pub struct SandboxHandlerKind {
    info: &'static KindInfo,
    adler: bool,
}

pub static DOCKERSHIM_V0A: SandboxHandlerKind = SandboxHandlerKind {
    info: &KindInfo {
        name: "dockershim-v0a",
        file: FILE,
        versions: "1.6 (first handler; boundary unconfirmed)",
        scheme: ChecksumScheme::Adler32,
        summary: "dockershim sandbox checkpoint, Adler-32 over go-spew of the whole checkpoint",
    },
    adler: true,
};

pub static DOCKERSHIM_V0: SandboxHandlerKind = SandboxHandlerKind {
    info: &KindInfo {
        name: "dockershim-v0",
        file: FILE,
        versions: "~1.7-1.10",
        scheme: ChecksumScheme::SpewFnv32a,
        summary: "dockershim sandbox checkpoint, FNV-32a over go-spew of the whole checkpoint",
    },
    adler: false,
};

impl SandboxHandlerKind {
    /// Streams the hashed text: the checkpoint value with `CheckSum` 0.
    fn render<S: Sink + ?Sized>(cp: &SandboxV0, sink: &mut S) {
        let mut c = cp.clone();
        c.check_sum = 0;
        spew::render(&c.to_go(), &SandboxV0::go_type(), sink);
    }

    fn sum(&self, cp: &SandboxV0) -> u64 {
        if self.adler {
            let mut h = Adler32::new();
            Self::render(cp, &mut h);
            u64::from(h.finish())
        } else {
            let mut h = Fnv32a::new();
            Self::render(cp, &mut h);
            u64::from(h.finish())
        }
    }

    fn raw(bytes: &[u8]) -> Result<SandboxV0, FormatError> {
        decode_ok(bytes, &SandboxV0::default()).map_err(file_error)
    }

    fn read(&self, bytes: &[u8]) -> Result<SandboxV0, FormatError> {
        let cp = Self::raw(bytes)?;
        let sum = self.sum(&cp);
        if sum != cp.check_sum {
            return Err(corrupt(cp.check_sum, sum));
        }
        Ok(cp)
    }
}

impl SandboxHandlerKind {
    /// dockershim's writer: the checksum over the value, then JSON.
    pub fn write(&self, mut cp: SandboxV0) -> Result<Vec<u8>, FormatError> {
        cp.check_sum = self.sum(&cp);
        encode(&cp)
    }
}

impl Shape for SandboxHandlerKind {
    fn info(&self) -> &'static KindInfo {
        self.info
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        match self.read(bytes) {
            Ok(cp) => Verification::ok(Some(cp.check_sum), Some(cp.check_sum)),
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut cp = self.read(bytes)?;
        cp.check_sum = self.sum(&cp);
        encode(&cp)
    }

    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        Self::render(&Self::raw(bytes)?, sink);
        Ok(())
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let cp = Self::raw(bytes)?;
        Ok(ChecksumInfo {
            stored: Some(cp.check_sum),
            computed: self.sum(&cp),
        })
    }
}

// ---- v1 / v2 (checkpoint manager) -------------------------------------------------

/// What the two checkpoint-manager versions have in common.
pub trait ManagedSandbox: GoType + 'static {
    type Data: GoType;
    /// `&PodSandboxCheckpoint{Data: &CheckpointData{}}`: what readers decode into.
    fn prefilled() -> Self;
    fn data(&self) -> Option<&Self::Data>;
    fn stored(&self) -> u64;
    fn set_stored(&mut self, sum: u64);
}

impl ManagedSandbox for SandboxV1 {
    type Data = CheckpointData;
    fn prefilled() -> Self {
        SandboxV1 {
            data: Some(Box::default()),
            ..Self::default()
        }
    }
    fn data(&self) -> Option<&CheckpointData> {
        self.data.as_deref()
    }
    fn stored(&self) -> u64 {
        self.checksum.0
    }
    fn set_stored(&mut self, sum: u64) {
        self.checksum.0 = sum;
    }
}

impl ManagedSandbox for SandboxV2 {
    type Data = CheckpointDataV2;
    fn prefilled() -> Self {
        SandboxV2 {
            data: Some(Box::default()),
            ..Self::default()
        }
    }
    fn data(&self) -> Option<&CheckpointDataV2> {
        self.data.as_deref()
    }
    fn stored(&self) -> u64 {
        self.checksum.0
    }
    fn set_stored(&mut self, sum: u64) {
        self.checksum.0 = sum;
    }
}

/// A checkpoint-manager version with checkpoint type `C`.
pub struct ManagedKind<C> {
    info: &'static KindInfo,
    _c: std::marker::PhantomData<fn() -> C>,
}

pub static DOCKERSHIM_V1: ManagedKind<SandboxV1> = ManagedKind {
    info: &KindInfo {
        name: "dockershim-v1",
        file: FILE,
        versions: "~1.11-1.20",
        scheme: ChecksumScheme::SpewFnv32a,
        summary: "dockershim sandbox checkpoint (checkpoint manager), FNV-32a over go-spew of the data only",
    },
    _c: std::marker::PhantomData,
};

pub static DOCKERSHIM_V2: ManagedKind<SandboxV2> = ManagedKind {
    info: &KindInfo {
        name: "dockershim-v2",
        file: FILE,
        versions: "1.21-1.23",
        scheme: ChecksumScheme::SpewFnv32a,
        summary: "dockershim sandbox checkpoint with HostIP, FNV-32a over go-spew of the data only",
    },
    _c: std::marker::PhantomData,
};

impl<C: ManagedSandbox> ManagedKind<C> {
    fn raw(bytes: &[u8]) -> Result<C, FormatError> {
        decode_ok(bytes, &C::prefilled()).map_err(file_error)
    }

    /// Streams go-spew of the `CheckpointData` value.
    fn render<S: Sink + ?Sized>(cp: &C, sink: &mut S) -> Result<(), FormatError> {
        let data = cp
            .data()
            .ok_or_else(|| FormatError::Rejected(NIL_DATA_PANIC.into()))?;
        spew::render(&data.to_go(), &C::Data::go_type(), sink);
        Ok(())
    }

    fn sum(cp: &C) -> Result<u64, FormatError> {
        let mut h = Fnv32a::new();
        Self::render(cp, &mut h)?;
        Ok(u64::from(h.finish()))
    }

    fn read(bytes: &[u8]) -> Result<C, FormatError> {
        let cp = Self::raw(bytes)?;
        let sum = Self::sum(&cp)?;
        if sum != cp.stored() {
            return Err(corrupt(cp.stored(), sum));
        }
        Ok(cp)
    }
}

impl<C: ManagedSandbox> ManagedKind<C> {
    /// The checkpoint manager's writer: the checksum over the data, then
    /// JSON (a nil `Data` cannot be written: the kubelet panics on it).
    pub fn write(&self, mut cp: C) -> Result<Vec<u8>, FormatError> {
        let sum = Self::sum(&cp)?;
        cp.set_stored(sum);
        encode(&cp)
    }
}

impl<C: ManagedSandbox> Shape for ManagedKind<C> {
    fn info(&self) -> &'static KindInfo {
        self.info
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        match Self::read(bytes) {
            Ok(cp) => Verification::ok(Some(cp.stored()), Some(cp.stored())),
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut cp = Self::read(bytes)?;
        let sum = Self::sum(&cp)?;
        cp.set_stored(sum);
        encode(&cp)
    }

    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        Self::render(&Self::raw(bytes)?, sink)
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let cp = Self::raw(bytes)?;
        Ok(ChecksumInfo {
            stored: Some(cp.stored()),
            computed: Self::sum(&cp)?,
        })
    }
}

/// The kinds of this family, in registry order.
pub static KINDS: [&dyn Shape; 4] = [
    &DOCKERSHIM_V0A,
    &DOCKERSHIM_V0,
    &DOCKERSHIM_V1,
    &DOCKERSHIM_V2,
];

//! Lowering: the write side of [`crate::formats::state`] (gimli's
//! `write::Dwarf::from` in spirit). [`lower`] builds a kind's Go checkpoint
//! value from a family's version-neutral state and runs that kind's own
//! writer, so the bytes and checksum are exactly what the kubelet writes.
//!
//! What the target shape cannot hold is returned as [`Loss`]es (never
//! dropped silently); what cannot be done at all is a [`ConvertError`].

pub mod container_map;
mod cpu;
mod device;
mod dockershim;
mod dra;
mod image_pull;
mod memory;
mod pod_state;

use std::fmt;

use serde::Serialize;

use super::common::FormatError;
use super::state::State;
pub use container_map::ContainerMap;

/// One thing the target shape cannot hold, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loss {
    /// Where in the state (`pods/<uid>/podCpuSet`).
    pub path: String,
    /// What is lost, for people (`pod-level CPU set of pod X has no place in cpu-v2`).
    pub message: String,
}

impl Loss {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Loss {
        Loss {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why a state cannot be lowered to a kind at all: the three parts of
/// gimli's conversion error (what was read, what cannot be mapped, what
/// the writer refused).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// No kind of that name.
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    /// The kind is of another family than the state.
    #[error("a {family} state cannot be written as {kind} (another file)")]
    WrongFamily {
        /// The state's family.
        family: &'static str,
        /// The target kind.
        kind: String,
    },
    /// The kind is read-only or its lowering is not implemented.
    #[error("{0} cannot be written from a state (read-only or not modelled)")]
    NotWritable(String),
    /// Re-keying needs facts the state does not hold (container IDs).
    #[error("{0}")]
    Missing(String),
    /// The kind's writer refused the value.
    #[error("writer: {0}")]
    Write(String),
}

impl From<FormatError> for ConvertError {
    fn from(e: FormatError) -> Self {
        ConvertError::Write(e.to_string())
    }
}

/// Facts a lowering may need beyond the state.
#[derive(Debug, Clone, Default)]
pub struct LowerOptions {
    /// Container ID <-> pod/container, for cpu-v1/cpu-file <-> cpu-v2+.
    pub container_map: Option<ContainerMap>,
    /// Store the checksum over the newer Go type name (the release
    /// table's `@named` writers, e.g. cpu-v2 as 1.36 writes it).
    pub named: bool,
}

/// What a lowering produced.
pub type Lowered = (Vec<u8>, Vec<Loss>);

/// [`lower_with`] without extra facts.
pub fn lower(kind: &str, state: &State) -> Result<Lowered, ConvertError> {
    lower_with(kind, state, &LowerOptions::default())
}

/// Builds `kind`'s Go value from `state` and writes it with the kind's
/// writer; the losses say what the kind cannot hold.
pub fn lower_with(kind: &str, state: &State, opts: &LowerOptions) -> Result<Lowered, ConvertError> {
    if super::kind(kind).is_none() {
        return Err(ConvertError::UnknownKind(kind.to_string()));
    }
    let wrong = || ConvertError::WrongFamily {
        family: state.family(),
        kind: kind.to_string(),
    };
    let r = match state {
        State::Cpu(s) => cpu::lower(kind, s, opts),
        State::Memory(s) => memory::lower(kind, s, opts),
        State::Device(s) => device::lower(kind, s, opts),
        State::Dra(s) => dra::lower(kind, s, opts),
        State::PodResize(s) => pod_state::lower(kind, s, opts),
        State::Dockershim(s) => dockershim::lower(kind, s, opts),
        State::ImagePull(s) => image_pull::lower(kind, s, opts),
        State::Other(_) => None,
    };
    match r {
        Some(r) => r,
        None if family_of(kind) == Some(state.family()) => {
            Err(ConvertError::NotWritable(kind.to_string()))
        }
        None => Err(wrong()),
    }
}

/// The state family a kind belongs to (`cpu-v2` → `cpu`).
pub fn family_of(kind: &str) -> Option<&'static str> {
    let f = kind.split('-').next()?;
    Some(match f {
        "cpu" => "cpu",
        "memory" => "memory",
        "device" => "device",
        "dra" => "dra",
        "podstatus" | "allocated" | "actuated" => "pod-resize",
        "dockershim" => "dockershim",
        "imagepull" => "image-pull",
        _ => "other",
    })
}

/// Whether `lower` can write `kind` (given the facts it needs).
pub fn writable(kind: &str) -> bool {
    kind != "dra-v1"
        && matches!(
            family_of(kind),
            Some("cpu" | "memory" | "device" | "dra" | "pod-resize" | "dockershim" | "image-pull")
        )
        && super::kind(kind).is_some()
}

/// A spew-checksum kind's writer; with `named`, the checksum over the
/// newer Go type name (what the release table's `@named` writers store).
pub(crate) fn write_spew<K: super::resmgr::SpewKind>(
    cp: &K::Checkpoint,
    named: bool,
) -> Result<Vec<u8>, FormatError> {
    if !named {
        return K::write(cp);
    }
    let mut out = K::stored_form(cp);
    let sum = K::compute_named(&out);
    K::set_checksum(&mut out, sum);
    super::resmgr::encode(&out).map_err(super::resmgr::marshal_failed)
}

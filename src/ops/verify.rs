//! `verify`: the kubelet's verdict on one file, with the kind either given
//! or detected.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::formats::{self, detect, Shape, Verdict, Verification, VerifyOptions};
use crate::fs::{self, ReadError, ReadOptions};

/// How the kind of a file was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindChoice {
    /// `--kind` named it: judged as exactly that shape, no fallbacks.
    Given,
    /// Detected; `exact` when that kind's writer reproduces the file byte for byte.
    Detected {
        exact: bool,
        tried: Vec<(&'static str, Verdict)>,
    },
}

/// One file's verdict.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub kind: &'static str,
    pub choice: KindChoice,
    pub verification: Verification,
}

/// Errors that are not verdicts: the file could not be judged at all.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Not read: absent, unreadable, not a regular file or over the size
    /// limit. The message names the file.
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("unknown kind {0:?} (see `kubelet-ckpt kinds`)")]
    UnknownKind(String),
    #[error("{0}: no kind is registered that could read it")]
    NoKind(PathBuf),
}

/// Verdict messages longer than this many bytes are shown as head and tail
/// ([`crate::excerpt::cap`]): the kubelet's error texts can echo a whole
/// input value or document, and a message is for a person to read.
pub const MESSAGE_CAP: usize = 400;

/// Reads a file the user named, at most `max_size` bytes; `-` is standard
/// input. The one place verify / canonical / checksum / explain read input,
/// so every command gets the same protection: only regular files (a
/// symlink the user named is followed, but must lead to one), never hanging
/// on a FIFO or device, never holding more than the limit in memory.
pub fn read(path: &Path, max_size: u64) -> Result<Vec<u8>, OpError> {
    if path.as_os_str() == "-" {
        return Ok(fs::read::read_stdin_limited(max_size)?);
    }
    let opts = ReadOptions {
        follow_symlinks: true,
        max_size,
    };
    Ok(fs::read_limited(path, &opts)?)
}

/// Looks up `--kind`.
pub fn kind_by_name(name: &str) -> Result<&'static dyn Shape, OpError> {
    formats::kind(name).ok_or_else(|| OpError::UnknownKind(name.to_string()))
}

/// The kind to use for `bytes`: the given one, or the detected one. The
/// verdict's message is capped at [`MESSAGE_CAP`] bytes.
pub fn resolve(
    path: &Path,
    bytes: &[u8],
    kind: Option<&str>,
    opts: &VerifyOptions,
) -> Result<FileReport, OpError> {
    let mut report = resolve_uncapped(path, bytes, kind, opts)?;
    let m = &mut report.verification.message;
    if let Cow::Owned(c) = crate::excerpt::cap(m, MESSAGE_CAP) {
        *m = c;
    }
    Ok(report)
}

fn resolve_uncapped(
    path: &Path,
    bytes: &[u8],
    kind: Option<&str>,
    opts: &VerifyOptions,
) -> Result<FileReport, OpError> {
    if let Some(name) = kind {
        let k = kind_by_name(name)?;
        return Ok(FileReport {
            path: path.to_path_buf(),
            kind: k.info().name,
            choice: KindChoice::Given,
            verification: k.verify(bytes, opts),
        });
    }
    let d = detect::detect(Some(path), bytes, opts).ok_or_else(|| OpError::NoKind(path.into()))?;
    Ok(FileReport {
        path: path.to_path_buf(),
        kind: d.kind.info().name,
        choice: KindChoice::Detected {
            exact: d.exact,
            tried: d.tried,
        },
        verification: d.verification,
    })
}

/// `verify` of one file (`-`: standard input), read with [`read`].
pub fn verify_file(
    path: &Path,
    kind: Option<&str>,
    opts: &VerifyOptions,
    max_size: u64,
) -> Result<FileReport, OpError> {
    let bytes = read(path, max_size)?;
    resolve(path, &bytes, kind, opts)
}

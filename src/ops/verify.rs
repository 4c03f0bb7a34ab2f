//! `verify`: the kubelet's verdict on one file, with the kind either given
//! or detected.

use std::path::{Path, PathBuf};

use crate::formats::{self, detect, Shape, Verdict, Verification, VerifyOptions};

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
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unknown kind {0:?} (see `kubelet-ckpt kinds`)")]
    UnknownKind(String),
    #[error("{0}: no kind is registered that could read it")]
    NoKind(PathBuf),
}

/// Reads a file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, OpError> {
    std::fs::read(path).map_err(|source| OpError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Looks up `--kind`.
pub fn kind_by_name(name: &str) -> Result<&'static dyn Shape, OpError> {
    formats::kind(name).ok_or_else(|| OpError::UnknownKind(name.to_string()))
}

/// The kind to use for `bytes`: the given one, or the detected one.
pub fn resolve(
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

/// `verify` of one file.
pub fn verify_file(
    path: &Path,
    kind: Option<&str>,
    opts: &VerifyOptions,
) -> Result<FileReport, OpError> {
    let bytes = read(path)?;
    resolve(path, &bytes, kind, opts)
}

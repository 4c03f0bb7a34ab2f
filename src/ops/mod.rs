//! Operations on files: what the CLI (and `scan`) runs. They work on the
//! typed kinds of [`crate::formats`], return data (every report is
//! `Serialize`) and know nothing of the command line.

pub mod convert;
pub mod diff;
pub mod doctor;
pub mod edit;
pub mod identify;
pub mod inspect;
pub mod kubelet_proc;
pub mod node;
pub mod repair;
pub mod sample;
pub mod scan;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::formats::state::{lift, State};
use crate::formats::Shape;

pub use verify::{FileReport, OpError, Request, Status};

/// One file, read once, identified and judged: what every command starts
/// from.
pub struct Opened {
    /// The path as given (`-`: standard input).
    pub path: PathBuf,
    /// The bytes read (bounded by the size limit).
    pub bytes: Vec<u8>,
    /// The verdict, the kind (given or identified) and the release spans.
    pub report: FileReport,
}

impl Opened {
    /// The kind the file was judged as (`None`: not a kubelet file).
    pub fn kind(&self) -> Option<&'static dyn Shape> {
        self.report.kind.and_then(crate::formats::kind)
    }

    /// What the file holds, in its family's version-neutral form (decoded
    /// even when the checksum is wrong; `None` for unknown files).
    pub fn state(&self) -> Option<Result<State, String>> {
        lift(self.report.kind?, &self.bytes)
    }
}

/// Reads `path` (at most `max_size` bytes; only regular files), identifies
/// its kind unless `req.kind` names one, and judges it as `req` asks.
pub fn open(path: &Path, req: &Request, max_size: u64) -> Result<Opened, OpError> {
    let bytes = verify::read(path, max_size)?;
    let report = verify::judge(path, &bytes, req)?;
    Ok(Opened {
        path: path.to_path_buf(),
        bytes,
        report,
    })
}

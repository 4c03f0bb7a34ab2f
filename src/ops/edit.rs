//! `edit`: a kubelet file as its human document (the state as YAML), and
//! the edited document back into the file's bytes. The editor loop, the
//! lock check and the safe write are the CLI's (`cli::edit`).
//!
//! The edited document is lowered to the file's own shape (or, with a
//! release, the shape and checksum name that release writes) and
//! re-verified before it is offered; a document that does not parse, does
//! not lower, or would lose something the target cannot hold is an error
//! for the person to fix, never a silent change.

use std::path::Path;

use crate::formats::releases::{self, Gates};
use crate::ops::convert::{file_of, human, lower_checked, parse_human, read_state, Human};

/// What is being edited.
#[derive(Debug, Clone)]
pub struct Editing {
    /// The kind the file was read as.
    pub kind: String,
    /// The document handed to the editor.
    pub document: Vec<u8>,
}

/// The human document of the file at `path` holding `bytes`.
pub fn start(path: &Path, bytes: &[u8], kind: Option<&str>) -> Result<Editing, String> {
    let (state, kind) = read_state(path, bytes, kind)?;
    if matches!(kind.as_str(), "yaml" | "json") {
        return Err(format!(
            "{}: a human document, not a kubelet file (convert it with `convert --to KIND`)",
            path.display()
        ));
    }
    let document = human(&state, Human::Yaml)?;
    Ok(Editing { kind, document })
}

/// The comment lines `edit` puts above a document it re-opens.
pub const ERROR_MARK: &str = "# kubelet-ckpt: ";

/// The document without the error comments `edit` put at its top.
pub fn strip_errors(doc: &[u8]) -> &[u8] {
    let mut rest = doc;
    while rest.starts_with(ERROR_MARK.as_bytes()) {
        match rest.iter().position(|b| *b == b'\n') {
            Some(i) => rest = &rest[i + 1..],
            None => rest = &[],
        }
    }
    rest
}

/// `doc` with `error` as comment lines at its top (old ones replaced).
pub fn with_error(doc: &[u8], error: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in
        format!("error: {error}\nfix the document below and save, or empty it to abort").lines()
    {
        out.extend_from_slice(ERROR_MARK.as_bytes());
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(strip_errors(doc));
    out
}

/// The file's new bytes from the edited document: lowered to `kind`, or to
/// the shape release 1.`minor` writes; re-verified. `Err` is the text to
/// show the person.
pub fn finish(
    edited: &[u8],
    kind: &str,
    release: Option<(u8, &Gates)>,
) -> Result<(Vec<u8>, String), String> {
    let (state, _) = parse_human(strip_errors(edited)).ok_or(
        "the document does not parse as a kubelet state (YAML or JSON with `family` and `state`)",
    )?;
    let r = match release {
        None => lower_checked(&state, kind, false, None, false, None),
        Some((minor, gates)) => {
            let file = file_of(&state).ok_or("the state names no kubelet file")?;
            let row = releases::row(file, minor)
                .ok_or_else(|| format!("the release table has no row for {file} 1.{minor}"))?;
            let (k, named) = row
                .writer(&row.gates(gates))
                .ok_or_else(|| format!("kubelet 1.{minor} writes no {file}"))?;
            lower_checked(&state, k, named, Some((row, gates)), false, None)
        }
    };
    r.map(|(b, _, verified)| (b, verified))
        .map_err(|e| e.to_string())
}

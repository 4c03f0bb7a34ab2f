//! `identify`: which kubelet file this is, every shape considered with its
//! evidence, and what is wrong with the bytes — each diagnosis with its
//! byte offset, line:column and the next step.
//!
//! The text-level diagnoses (empty, BOM, NUL bytes, invalid UTF-8,
//! truncation, trailing data, syntax) come from [`crate::salvage`]; the
//! checksum and restore diagnoses from the kind and the release table: a
//! checksum written under another release's Go type name (and which
//! releases accept it), a zero checksum, a hand edit (the content decodes
//! but the checksum matches no recipe), a restore check that refuses the
//! state.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::formats::identify::{identify_thorough, Basis};
use crate::formats::releases::ReleaseVerdict;
use crate::formats::Verdict;
use crate::salvage;

use super::verify::{judge, FileReport, OpError, Request, Status};

/// One shape that was considered.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateReport {
    pub kind: &'static str,
    /// The kubelet file it belongs to.
    pub file: &'static str,
    /// `content`, `name` or `both`.
    pub basis: Basis,
    /// Top-level keys it reads / does not know / of its members absent.
    pub matched: usize,
    pub unknown_keys: Vec<String>,
    pub missing: usize,
    /// Its own verdict on the bytes (the union over its releases).
    pub verdict: &'static str,
    pub message: String,
    /// Its writer gives the bytes back exactly.
    pub exact: bool,
}

/// What is wrong, where, and what to do.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// Stable code: `empty`, `utf8-bom`, `nul-bytes`, `invalid-utf8`,
    /// `truncated`, `trailing-data`, `syntax`, `checksum-release-skew`,
    /// `checksum-zero`, `hand-edit`, `restore-check`, `name-mismatch`.
    pub code: String,
    pub offset: Option<usize>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub next_step: String,
}

/// The whole answer for one file.
#[derive(Debug, Clone, Serialize)]
pub struct IdentifyReport {
    pub path: PathBuf,
    /// The chosen kind (`null`: not a kubelet file).
    pub kind: Option<&'static str>,
    pub file: Option<&'static str>,
    /// The file the verdict reads it as, when the path names another
    /// kubelet file than the content's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as: Option<&'static str>,
    /// Why this kind (one sentence).
    pub reason: String,
    /// The verdict as `verify` gives it.
    pub verdict: &'static str,
    pub message: String,
    /// Per-release verdicts on the file (empty for files outside the table).
    pub releases: Vec<ReleaseLine>,
    pub candidates: Vec<CandidateReport>,
    pub diagnoses: Vec<Diagnosis>,
    /// Kinds the content fits as well (another file with the same layout).
    pub ties: Vec<&'static str>,
}

/// One span of releases with one verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseLine {
    pub releases: String,
    pub verdict: String,
    pub message: String,
}

/// Identifies one file (already read).
pub fn identify_bytes(path: &Path, bytes: &[u8], req: &Request) -> Result<IdentifyReport, OpError> {
    let id = identify_thorough(Some(path), bytes, &req.opts);
    let report = judge(path, bytes, req)?;
    let candidates = id
        .candidates
        .iter()
        .map(|c| CandidateReport {
            kind: c.kind.info().name,
            file: c.kind.info().file,
            basis: c.basis,
            matched: c.matched,
            unknown_keys: c.unknown.clone(),
            missing: c.missing,
            verdict: c.verification.verdict.as_str(),
            message: c.verification.message.clone(),
            exact: c.exact,
        })
        .collect();
    let reason = reason(&report, &id);
    let releases = match &report.releases {
        super::verify::Releases::All { spans, .. } => spans
            .iter()
            .filter_map(|s| match &s.verdict {
                ReleaseVerdict::Judged { verification, .. } => Some(ReleaseLine {
                    releases: s.label(),
                    verdict: verification.verdict.as_str().into(),
                    message: if verification.verdict == Verdict::Ok {
                        String::new()
                    } else {
                        verification.message.clone()
                    },
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut diagnoses = text_diagnoses(bytes);
    diagnoses.extend(checksum_diagnoses(bytes, &report));
    if let Some(n) = report
        .notes
        .iter()
        .find(|n| n.contains("stored under the name"))
    {
        diagnoses.push(Diagnosis {
            code: "name-mismatch".into(),
            offset: None,
            line: None,
            column: None,
            message: n.clone(),
            next_step: "give the file its kubelet name, or check that the right file was copied"
                .into(),
        });
    }
    Ok(IdentifyReport {
        path: path.to_path_buf(),
        kind: report.kind,
        file: report.file,
        read_as: report.read_as,
        reason,
        verdict: report.status.as_str(),
        message: report.verification.message.clone(),
        releases,
        candidates,
        diagnoses,
        ties: id.ties.clone(),
    })
}

/// `identify` of one file on disk.
pub fn identify_file(path: &Path, req: &Request, max_size: u64) -> Result<IdentifyReport, OpError> {
    let bytes = super::verify::read(path, max_size)?;
    identify_bytes(path, &bytes, req)
}

fn reason(r: &FileReport, id: &crate::formats::identify::Identification) -> String {
    let Some(best) = id.best() else {
        return if id.is_object {
            "no kubelet file has these top-level members".into()
        } else {
            "not a JSON object, and the file name is no kubelet file's".into()
        };
    };
    let mut s = match best.basis {
        Basis::Content | Basis::Both => format!(
            "{} of its members are in the document and {} key{} unknown to it",
            best.matched,
            best.unknown.len(),
            if best.unknown.len() == 1 {
                " is"
            } else {
                "s are"
            }
        ),
        Basis::Name => {
            "the file name is the kubelet's name for it (the content says nothing else)".to_string()
        }
    };
    if best.exact {
        s += "; its writer gives the file back byte for byte";
    } else if best.same_value {
        s += "; its writer gives the same JSON value back";
    } else {
        s += &format!(
            "; as a shape (any release's rules) it is {}",
            best.verification.verdict.as_str()
        );
    }
    if id.candidates.len() > 1 {
        s += &format!(" (best of {} candidates)", id.candidates.len());
    }
    if r.kind.is_none() {
        s.clear();
    }
    s
}

fn text_diagnoses(bytes: &[u8]) -> Vec<Diagnosis> {
    salvage::diagnose(bytes)
        .into_iter()
        .map(|d| Diagnosis {
            code: d.code.as_str().to_string(),
            offset: Some(d.offset),
            line: Some(d.line),
            column: Some(d.column),
            message: d.message,
            next_step: d.next_step,
        })
        .collect()
}

/// Where the top-level `checksum` member's value starts (any case), with
/// its line and column, for pointing at it.
fn checksum_position(bytes: &[u8]) -> Option<(usize, usize, usize)> {
    let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    let needle = b"\"checksum\"";
    let i = lower.windows(needle.len()).position(|w| w == needle)?;
    let mut j = i + needle.len();
    while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r' | b':') {
        j += 1;
    }
    let line = 1 + bytes[..j].iter().filter(|b| **b == b'\n').count();
    let col = j - bytes[..j]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1)
        + 1;
    Some((j, line, col))
}

fn checksum_diagnoses(bytes: &[u8], r: &FileReport) -> Vec<Diagnosis> {
    let mut out = Vec::new();
    let Some(shape) = &r.shape else {
        return out;
    };
    let pos = checksum_position(bytes);
    let at = |code: &str, message: String, next: &str| Diagnosis {
        code: code.into(),
        offset: pos.map(|p| p.0),
        line: pos.map(|p| p.1),
        column: pos.map(|p| p.2),
        message,
        next_step: next.into(),
    };
    let spans = match &r.releases {
        super::verify::Releases::All { spans, .. } => spans.clone(),
        _ => Vec::new(),
    };
    // Only releases whose verdict comes from this very shape's reader say
    // anything about its checksum (another shape's reader failing on it is
    // version skew, not a checksum variant).
    let own = |v: Verdict| -> Vec<String> {
        spans
            .iter()
            .filter(|s| match &s.verdict {
                ReleaseVerdict::Judged {
                    reader,
                    verification,
                } => Some(*reader) == r.kind && verification.verdict == v,
                _ => false,
            })
            .map(|s| s.label())
            .collect()
    };
    let ok = own(Verdict::Ok);
    let corrupt = own(Verdict::Corrupt);
    if shape.stored_checksum == Some(0) && shape.computed_checksum != Some(0) {
        out.push(at(
            "checksum-zero",
            format!(
                "the stored checksum is 0{}",
                if ok.is_empty() {
                    String::new()
                } else {
                    format!(": accepted unchecked by kubelet {}", ok.join(", "))
                }
            ),
            "kubelet-ckpt repair FILE writes the checksum the target release computes",
        ));
    } else if !ok.is_empty() && !corrupt.is_empty() {
        out.push(at(
            "checksum-release-skew",
            format!(
                "the checksum is one only some releases compute (a type-name variant): kubelet {} accept it, {} report it corrupt",
                ok.join(", "),
                corrupt.join(", ")
            ),
            "kubelet-ckpt repair --for-kubelet VERSION FILE rewrites it for the release that will read it",
        ));
    } else if shape.verdict == Verdict::Corrupt {
        out.push(at(
            "hand-edit",
            format!(
                "the content decodes but the stored checksum {} matches no recipe of any release (computed {}): edited by hand, or bit rot",
                shape.stored_checksum.map_or("-".into(), |c| c.to_string()),
                shape.computed_checksum.map_or("-".into(), |c| c.to_string()),
            ),
            "if the content is what the node holds, kubelet-ckpt repair FILE recomputes the checksum",
        ));
    }
    if shape.verdict == Verdict::Rejected || r.status == Status::Rejected {
        let msg = if r.status == Status::Rejected {
            &r.verification.message
        } else {
            &shape.message
        };
        out.push(Diagnosis {
            code: "restore-check".into(),
            offset: None,
            line: None,
            column: None,
            message: format!("the kubelet's restore refuses the state: {msg}"),
            next_step:
                "kubelet-ckpt repair FILE (with --kubelet-config or --node for the node's settings)"
                    .into(),
        });
    }
    out
}

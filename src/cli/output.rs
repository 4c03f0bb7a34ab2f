//! Text and JSON rendering of command results. The JSON shapes are a
//! stable interface for scripts: fields are only ever added.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::Format;
use crate::formats::{registry, ChecksumInfo, FormatError, Shape};
use crate::go::sink::Sink;
use crate::ops::verify::{FileReport, KindChoice};

#[derive(Serialize)]
struct KindRow {
    name: &'static str,
    file: &'static str,
    versions: &'static str,
    checksum: &'static str,
    summary: &'static str,
}

pub fn kinds(out: &mut impl Write, format: Format) -> Result<(), super::CliError> {
    let rows: Vec<KindRow> = registry()
        .iter()
        .map(|k| {
            let i = k.info();
            KindRow {
                name: i.name,
                file: i.file,
                versions: i.versions,
                checksum: i.scheme.name(),
                summary: i.summary,
            }
        })
        .collect();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
        Format::Text => {
            let w = |f: fn(&KindRow) -> &str| rows.iter().map(|r| f(r).len()).max().unwrap_or(0);
            let (wn, wf, wv, wc) = (
                w(|r| r.name).max(4),
                w(|r| r.file).max(4),
                w(|r| r.versions).max(8),
                w(|r| r.checksum).max(8),
            );
            writeln!(
                out,
                "{:wn$}  {:wf$}  {:wv$}  {:wc$}  SUMMARY",
                "KIND", "FILE", "VERSIONS", "CHECKSUM"
            )?;
            for r in &rows {
                writeln!(
                    out,
                    "{:wn$}  {:wf$}  {:wv$}  {:wc$}  {}",
                    r.name, r.file, r.versions, r.checksum, r.summary
                )?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct Tried {
    kind: &'static str,
    verdict: &'static str,
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    path: String,
    kind: &'static str,
    /// `given` (--kind) or `detected`.
    kind_source: &'static str,
    /// Detected kinds: the file is byte for byte what that kind's writer produces.
    exact: Option<bool>,
    verdict: &'static str,
    message: &'a str,
    offset: Option<usize>,
    stored_checksum: Option<u64>,
    computed_checksum: Option<u64>,
    tried: Vec<Tried>,
}

pub fn verify(out: &mut impl Write, r: &FileReport, format: Format) -> Result<(), super::CliError> {
    let v = &r.verification;
    match format {
        Format::Json => {
            let (source, exact, tried) = match &r.choice {
                KindChoice::Given => ("given", None, Vec::new()),
                KindChoice::Detected { exact, tried } => (
                    "detected",
                    Some(*exact),
                    tried
                        .iter()
                        .map(|(k, v)| Tried {
                            kind: k,
                            verdict: v.as_str(),
                        })
                        .collect(),
                ),
            };
            let j = VerifyJson {
                path: r.path.display().to_string(),
                kind: r.kind,
                kind_source: source,
                exact,
                verdict: v.verdict.as_str(),
                message: &v.message,
                offset: v.offset,
                stored_checksum: v.stored_checksum,
                computed_checksum: v.computed_checksum,
                tried,
            };
            serde_json::to_writer(&mut *out, &j)?;
            writeln!(out)?;
        }
        Format::Text => {
            let how = match &r.choice {
                KindChoice::Given => String::new(),
                KindChoice::Detected { exact: true, .. } => {
                    ", detected, byte-identical to its writer".into()
                }
                KindChoice::Detected { .. } => ", detected".into(),
            };
            write!(
                out,
                "{}: {} ({}{})",
                r.path.display(),
                v.verdict.as_str(),
                r.kind,
                how
            )?;
            if !v.message.is_empty() {
                write!(out, ": {}", v.message)?;
            }
            if let Some(o) = v.offset {
                write!(out, " [at byte {o}]")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ChecksumJson {
    path: String,
    kind: &'static str,
    scheme: &'static str,
    stored: Option<u64>,
    computed: u64,
    matches: Option<bool>,
}

pub fn checksum(
    out: &mut impl Write,
    path: &Path,
    k: &dyn Shape,
    c: &ChecksumInfo,
    format: Format,
) -> Result<(), super::CliError> {
    let matches = c.stored.map(|s| s == c.computed);
    match format {
        Format::Json => {
            let j = ChecksumJson {
                path: path.display().to_string(),
                kind: k.info().name,
                scheme: k.info().scheme.name(),
                stored: c.stored,
                computed: c.computed,
                matches,
            };
            serde_json::to_writer(&mut *out, &j)?;
            writeln!(out)?;
        }
        Format::Text => {
            writeln!(
                out,
                "kind:     {} ({})",
                k.info().name,
                k.info().scheme.name()
            )?;
            match c.stored {
                Some(s) => writeln!(out, "stored:   {s}")?,
                None => writeln!(out, "stored:   (none)")?,
            }
            writeln!(out, "computed: {}", c.computed)?;
        }
    }
    Ok(())
}

/// One line describing a format error, with its byte offset when known.
pub fn describe_error(e: &FormatError) -> String {
    match e {
        FormatError::InvalidJson(u) => {
            format!("invalid-json: {} [at byte {}]", u.message, u.offset)
        }
        FormatError::Invalid(m) => format!("invalid-json: {m}"),
        FormatError::Corrupt { .. } => format!("corrupt: {e}"),
        FormatError::Rejected(m) => format!("rejected: {m}"),
    }
}

/// Streams sink output to a writer, keeping the first I/O error.
pub struct WriteSink<'a, W: Write> {
    w: &'a mut W,
    err: Option<io::Error>,
}

impl<'a, W: Write> WriteSink<'a, W> {
    pub fn new(w: &'a mut W) -> Self {
        WriteSink { w, err: None }
    }
    pub fn finish(self) -> io::Result<()> {
        match self.err {
            Some(e) => Err(e),
            None => self.w.flush(),
        }
    }
}

impl<W: Write> Sink for WriteSink<'_, W> {
    fn put(&mut self, bytes: &[u8]) {
        if self.err.is_none() {
            if let Err(e) = self.w.write_all(bytes) {
                self.err = Some(e);
            }
        }
    }
}

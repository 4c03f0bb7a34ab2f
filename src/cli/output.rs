//! Text, JSON and YAML rendering of command results. The JSON shapes (and
//! YAML, the same serde values) are a stable interface for scripts: fields
//! are only ever added.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::format::{self, TableFormat};
use super::Format;
use crate::formats::identify::Basis;
use crate::formats::releases::ReleaseVerdict;
use crate::formats::{registry, ChecksumInfo, FormatError, Shape};
use crate::go::sink::Sink;
use crate::ops::verify::{FileReport, KindChoice, Releases, Status};

#[derive(Serialize)]
struct KindRow {
    name: &'static str,
    file: &'static str,
    versions: &'static str,
    checksum: &'static str,
    summary: &'static str,
}

/// Width of the default `kinds` table (`-o wide` is not limited).
pub const KINDS_COLUMNS: usize = 100;

pub fn kinds(out: &mut impl Write, format: TableFormat) -> Result<(), super::CliError> {
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
    if let Some(f) = format.data() {
        format::list(out, f, &rows)?;
        return Ok(());
    }
    let w = |f: fn(&KindRow) -> &str| rows.iter().map(|r| f(r).chars().count()).max().unwrap_or(0);
    let (wn, mut wf, mut wv, wc) = (
        w(|r| r.name).max(4),
        w(|r| r.file).max(4),
        w(|r| r.versions).max(8),
        w(|r| r.checksum).max(8),
    );
    if format == TableFormat::Wide {
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
        return Ok(());
    }
    // Default: no SUMMARY; KIND and CHECKSUM whole (KIND is what --kind
    // takes); FILE (up to 30 columns, its tail kept: the file name) and
    // VERSIONS (its head kept) share the rest, cut with `…`.
    let room = KINDS_COLUMNS.saturating_sub(wn + wc + 6);
    if wf + wv > room {
        wf = wf.min(30.max(room.saturating_sub(wv)));
        wv = wv.min(room.saturating_sub(wf)).max(8);
    }
    writeln!(
        out,
        "{:wn$}  {:wf$}  {:wv$}  CHECKSUM",
        "KIND", "FILE", "VERSIONS"
    )?;
    for r in &rows {
        let line = format!(
            "{:wn$}  {:wf$}  {:wv$}  {}",
            r.name,
            cut_head(r.file, wf),
            cut(r.versions, wv),
            r.checksum
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `s` in at most `width` characters, ending in `…` when cut.
fn cut(s: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if s.chars().count() <= width {
        return s.into();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t.into()
}

/// The tail of the path `s` in at most `width` characters: `…/name`, from a
/// `/` when one is in reach.
fn cut_head(s: &str, width: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= width {
        return s.into();
    }
    let tail: String = s.chars().skip(n + 1 - width.max(1)).collect();
    let tail = match tail.find('/') {
        Some(i) => &tail[i..],
        None => &tail[..],
    };
    format!("…{tail}").into()
}

#[derive(Serialize)]
struct Tried {
    kind: &'static str,
    verdict: &'static str,
}

#[derive(Serialize)]
struct SpanJson {
    /// First and last minor release (`"1.18"`, `"1.35"`).
    first: String,
    last: String,
    /// `ok`, `corrupt`, `invalid-json`, `rejected`, `ignored`, `unmodelled`.
    verdict: &'static str,
    /// The kubelet's text for a failure (empty for `ok`).
    message: String,
    /// The reader (kind) whose verdict it is.
    reader: Option<&'static str>,
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    path: String,
    /// The kind, `null` for `unknown`.
    kind: Option<&'static str>,
    /// The kubelet file (release table name) the kind belongs to.
    file: Option<&'static str>,
    /// The kubelet file whose reader chain gave the verdict, when the path
    /// names another file than the content's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    read_as: Option<&'static str>,
    /// `given` (--kind) or `detected`.
    kind_source: &'static str,
    /// Detected kinds: `content` or `name` (or `both`).
    basis: Option<&'static str>,
    /// Detected kinds: the file is byte for byte what that kind's writer produces.
    exact: Option<bool>,
    /// `ok`, `corrupt`, `invalid-json`, `rejected`, `ignored`, `unknown`.
    verdict: &'static str,
    message: &'a str,
    offset: Option<usize>,
    stored_checksum: Option<u64>,
    computed_checksum: Option<u64>,
    /// The release whose verdict this is (`"1.30"`), when one decided.
    release: Option<String>,
    /// Every release's verdict, grouped (without `--for-kubelet`).
    releases: Vec<SpanJson>,
    /// The releases that write this shape.
    writers: Vec<String>,
    notes: &'a [String],
    tried: Vec<Tried>,
}

fn span_json(first: u8, last: u8, v: &ReleaseVerdict) -> SpanJson {
    let (verdict, message, reader) = match v {
        ReleaseVerdict::Ignored => ("ignored", String::new(), None),
        ReleaseVerdict::Unmodelled => ("unmodelled", String::new(), None),
        ReleaseVerdict::Undetermined(why) => ("undetermined", why.clone(), None),
        ReleaseVerdict::Judged {
            reader,
            verification,
        } => (
            verification.verdict.as_str(),
            if verification.verdict == crate::formats::Verdict::Ok {
                String::new()
            } else {
                crate::excerpt::cap(&verification.message, crate::ops::verify::MESSAGE_CAP)
                    .into_owned()
            },
            Some(*reader),
        ),
    };
    SpanJson {
        first: format!("1.{first}"),
        last: format!("1.{last}"),
        verdict,
        message,
        reader,
    }
}

fn range(spans: &[u8]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < spans.len() {
        let mut j = i;
        while j + 1 < spans.len() && spans[j + 1] == spans[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            format!("1.{}", spans[i])
        } else {
            format!("1.{}–1.{}", spans[i], spans[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

/// `verify -o json|yaml`: one document, the array of the per-file objects
/// (nothing for text and jsonl, which [`verify`] streams).
pub fn verify_all(
    out: &mut impl Write,
    reports: &[FileReport],
    format: Format,
) -> Result<(), super::CliError> {
    if matches!(format, Format::Json | Format::Yaml) {
        let docs: Vec<VerifyJson<'_>> = reports.iter().map(verify_json).collect();
        format::list(out, format, &docs)?;
    }
    Ok(())
}

/// The JSON (and YAML) object of one file's verdict.
fn verify_json(r: &FileReport) -> VerifyJson<'_> {
    let v = &r.verification;
    let (source, basis, exact, tried) = match &r.choice {
        KindChoice::Given => ("given", None, None, Vec::new()),
        KindChoice::Detected {
            exact,
            basis,
            tried,
        } => (
            "detected",
            Some(basis_str(*basis)),
            r.kind.map(|_| *exact),
            tried
                .iter()
                .map(|(k, v)| Tried {
                    kind: k,
                    verdict: v.as_str(),
                })
                .collect(),
        ),
    };
    let (spans, writers) = match &r.releases {
        Releases::All { spans, writers } => (
            spans
                .iter()
                .map(|s| span_json(s.first, s.last, &s.verdict))
                .collect(),
            writers.iter().map(|m| format!("1.{m}")).collect(),
        ),
        Releases::One { minor, verdict } => (vec![span_json(*minor, *minor, verdict)], Vec::new()),
        Releases::NotInTable => (Vec::new(), Vec::new()),
    };
    VerifyJson {
        path: r.path.display().to_string(),
        kind: r.kind,
        file: r.file,
        read_as: r.read_as,
        kind_source: source,
        basis,
        exact,
        verdict: r.status.as_str(),
        message: &v.message,
        offset: v.offset,
        stored_checksum: v.stored_checksum,
        computed_checksum: v.computed_checksum,
        release: r.decided_by.map(|m| format!("1.{m}")),
        releases: spans,
        writers,
        notes: &r.notes,
        tried,
    }
}

/// One file's verdict: a text block, or a JSON line (`jsonl`); `json` and
/// `yaml` write the single object (see [`verify_all`] for the document).
pub fn verify(out: &mut impl Write, r: &FileReport, format: Format) -> Result<(), super::CliError> {
    let v = &r.verification;
    match format {
        Format::Json | Format::Yaml | Format::Jsonl => {
            format::one(out, format, &verify_json(r))?;
        }
        Format::Text => {
            let how = match &r.choice {
                KindChoice::Given => String::new(),
                KindChoice::Detected {
                    exact: true, basis, ..
                } => {
                    format!(", by {}, byte-identical to its writer", basis_str(*basis))
                }
                KindChoice::Detected { basis, .. } => format!(", by {}", basis_str(*basis)),
            };
            let release = match r.decided_by {
                Some(m) => format!("kubelet 1.{m}, "),
                None => String::new(),
            };
            write!(
                out,
                "{}: {}",
                r.path.display(),
                format::verdict(r.status.as_str())
            )?;
            if let Some(k) = r.kind {
                write!(out, " ({release}{k}{how})")?;
            }
            if !v.message.is_empty() {
                write!(out, ": {}", v.message)?;
            }
            if let Some(o) = v.offset {
                write!(out, " [at byte {o}]")?;
            }
            writeln!(out)?;
            if let Releases::All { spans, writers } = &r.releases {
                if r.status == Status::Ok {
                    // One line: who reads it, who refuses it, who writes it.
                    // Consecutive spans of one class read as one range.
                    let mut classes: Vec<(u8, u8, crate::formats::Verdict)> = Vec::new();
                    for s in spans {
                        let Some(v) = s.verdict.verdict() else {
                            continue;
                        };
                        match classes.last_mut() {
                            Some(c) if c.2 == v && c.1 + 1 == s.first => c.1 = s.last,
                            _ => classes.push((s.first, s.last, v)),
                        }
                    }
                    let label = |a: u8, b: u8| {
                        if a == b {
                            format!("1.{a}")
                        } else {
                            format!("1.{a}–1.{b}")
                        }
                    };
                    let mut ok = Vec::new();
                    let mut bad = Vec::new();
                    for (a, b, v) in classes {
                        if v == crate::formats::Verdict::Ok {
                            ok.push(label(a, b));
                        } else {
                            bad.push(format!("{} ({})", label(a, b), v.as_str()));
                        }
                    }
                    let mut line = format!("    read by kubelet {}", ok.join(", "));
                    if !writers.is_empty() {
                        line += &format!("; written by {}", range(writers));
                    }
                    if !bad.is_empty() {
                        line += &format!("; refused by {}", bad.join(", "));
                    }
                    writeln!(out, "{line}")?;
                } else {
                    for s in spans {
                        let j = span_json(s.first, s.last, &s.verdict);
                        write!(out, "    {:11} {}", s.label(), format::verdict(j.verdict))?;
                        if let Some(rd) = j.reader {
                            write!(out, " ({rd})")?;
                        }
                        if !j.message.is_empty() {
                            write!(out, ": {}", j.message.replace('\n', "\n                "))?;
                        }
                        writeln!(out)?;
                    }
                    if !writers.is_empty() && r.kind.is_some() {
                        writeln!(out, "    written by kubelet {}", range(writers))?;
                    }
                }
            }
            for n in &r.notes {
                writeln!(out, "    note: {n}")?;
            }
        }
    }
    Ok(())
}

fn basis_str(b: Basis) -> &'static str {
    match b {
        Basis::Content => "content",
        Basis::Name => "name",
        Basis::Both => "content and name",
    }
}

#[derive(Serialize)]
struct ChecksumJson {
    path: String,
    kind: &'static str,
    scheme: &'static str,
    stored: Option<u64>,
    /// `null` for kinds without a checksum (`scheme` `none`).
    computed: Option<u64>,
    matches: Option<bool>,
}

pub fn checksum(
    out: &mut impl Write,
    path: &Path,
    k: &dyn Shape,
    c: Option<&ChecksumInfo>,
    format: Format,
) -> Result<(), super::CliError> {
    let stored = c.and_then(|c| c.stored);
    let computed = c.map(|c| c.computed);
    let matches = stored.zip(computed).map(|(s, c)| s == c);
    match format {
        Format::Json | Format::Yaml | Format::Jsonl => {
            let j = ChecksumJson {
                path: path.display().to_string(),
                kind: k.info().name,
                scheme: k.info().scheme.name(),
                stored,
                computed,
                matches,
            };
            format::one(out, format, &j)?;
        }
        Format::Text => {
            writeln!(
                out,
                "kind:     {} ({})",
                k.info().name,
                k.info().scheme.name()
            )?;
            let Some(computed) = computed else {
                writeln!(out, "this kind has no checksum")?;
                return Ok(());
            };
            match stored {
                Some(s) => writeln!(out, "stored:   {s}")?,
                None => writeln!(out, "stored:   (none)")?,
            }
            writeln!(out, "computed: {computed}")?;
            if let Some(m) = matches {
                let word = if m { "yes" } else { "no" };
                writeln!(out, "matches:  {word}")?;
            }
        }
    }
    Ok(())
}

/// One line describing a format error, with its byte offset when known.
pub fn describe_error(e: &FormatError) -> String {
    let s = describe_error_uncapped(e);
    crate::excerpt::cap(&s, crate::ops::verify::MESSAGE_CAP).into_owned()
}

fn describe_error_uncapped(e: &FormatError) -> String {
    match e {
        FormatError::InvalidJson(u) => {
            format!("invalid-json: {} [at byte {}]", u.message, u.offset)
        }
        FormatError::Invalid(m) => format!("invalid-json: {m}"),
        FormatError::Corrupt { .. } => format!("corrupt: {e}"),
        FormatError::Rejected(_) | FormatError::Panic(_) => format!("rejected: {e}"),
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

//! Salvage: text-level diagnosis and recovery of damaged JSON.
//!
//! Checkpoint files get damaged in a few recurring ways: the writer is
//! interrupted (the text stops inside a value), the file system extends the
//! file without its data after a power loss (a run of NUL bytes), a torn
//! rewrite leaves bytes of an earlier, longer version or a second copy
//! after the document (kubernetes issue 135711: `invalid character '"'
//! after top-level value`), an editor adds a UTF-8 BOM. Go's
//! `encoding/json` rejects all of them and the kubelet refuses the file.
//!
//! [`diagnose`] says what is wrong, where (byte offset, line and column)
//! and what to do next; [`recover`] builds a syntactically complete
//! document out of every member that was completely written, and lists each
//! byte it removed or added and each member it lost.
//!
//! ```
//! use kubelet_ckpt::salvage::{diagnose, recover, Code};
//!
//! let torn = br#"{"entries":{"a":{"c1":"0-1","c2":"2"#;
//! let d = diagnose(torn);
//! assert_eq!(d[0].code, Code::Truncated);
//! assert_eq!(d[0].path.as_deref(), Some("$.entries.a.c2"));
//!
//! let r = recover(torn).unwrap();
//! assert_eq!(r.text, br#"{"entries":{"a":{"c1":"0-1"}}}"#);
//! assert_eq!(r.dropped[0].path, "$.entries.a.c2");
//! ```
//!
//! This module knows JSON text only: no kubelet types, no checksums, and no
//! Go behaviour to reproduce (Go does no salvage, so no Go reference can
//! test it; the tests compare with the undamaged originals and serde_json).
//! It lives beside, not inside, [`crate::go`] for that reason.
//!
//! Both functions use one hand-written scanner (`scan.rs`): linear time, an
//! explicit stack instead of recursion (any nesting depth), frames that hold
//! offsets rather than copies, and people-facing texts of bounded length.

mod payload;
mod scan;
mod text;

pub use payload::{recover_payload, PayloadRecovery};

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use scan::{is_ws, scan, Frame, Outcome, Pending, Scalar};
use text::{container_path, frame_seg, line_col, preview, render_path, show_at, Seg};

/// Which kind of damage a [`Diagnosis`] reports; serialised (and
/// [`Code::as_str`]) as the stable kebab-case names scripts match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// Zero bytes, or whitespace only: there is no document.
    Empty,
    /// The file starts with the UTF-8 byte order mark EF BB BF, which Go's
    /// `encoding/json` rejects.
    Utf8Bom,
    /// A run of NUL bytes (a file extended without its data, e.g. after a
    /// power loss); JSON text never contains a raw NUL.
    NulBytes,
    /// Bytes that are not UTF-8. Go accepts them inside strings but reads
    /// each bad byte as U+FFFD, so the value read is not the value written.
    InvalidUtf8,
    /// The text ends inside the top-level value (an interrupted write).
    Truncated,
    /// Data after a complete top-level value (torn rewrite, appended copy).
    TrailingData,
    /// Any other grammar error.
    Syntax,
}

impl Code {
    /// The stable name: `empty`, `utf8-bom`, `nul-bytes`, `invalid-utf8`,
    /// `truncated`, `trailing-data`, `syntax`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Empty => "empty",
            Code::Utf8Bom => "utf8-bom",
            Code::NulBytes => "nul-bytes",
            Code::InvalidUtf8 => "invalid-utf8",
            Code::Truncated => "truncated",
            Code::TrailingData => "trailing-data",
            Code::Syntax => "syntax",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with the text, located so that people can look at the
/// bytes themselves and scripts can act on [`Diagnosis::code`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// What kind of damage.
    pub code: Code,
    /// Byte offset into the input where it starts (for `truncated`: where
    /// the text ended).
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// 1-based column of `offset`, counted in **bytes** from the start of
    /// the line (a BOM and each byte of a multi-byte character count).
    pub column: usize,
    /// How many bytes are concerned (BOM 3, the NUL run, the trailing data,
    /// the bad UTF-8 sequence); 0 when it is a point.
    pub len: usize,
    /// What is wrong, one line.
    pub message: String,
    /// What a person can do next, one line.
    pub next_step: String,
    /// `truncated` and `syntax`: the JSON path to the point (e.g.
    /// `$.entries["pod-uid"]`); deep paths are shortened with a
    /// `[…N levels…]` marker.
    pub path: Option<String>,
    /// `truncated`: the containers still open, outermost first (at most
    /// [`MAX_LISTED`]; the message gives the total).
    pub open: Vec<OpenContainer>,
}

/// A container that was still open where the text ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenContainer {
    /// `'{'` or `'['`.
    pub bracket: char,
    /// Offset of the bracket.
    pub offset: usize,
    /// JSON path of the container.
    pub path: String,
}

/// At most this many open containers are listed in a [`Diagnosis`] or as
/// [`DroppedKind::RestOfContainer`] entries, so that output stays bounded
/// for deeply nested input.
pub const MAX_LISTED: usize = 64;

/// The result of [`recover`]: the recovered document and an account of how
/// it differs from the input, so that nothing is changed silently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// A syntactically complete JSON document (valid UTF-8): the input
    /// without BOM, cut after the last complete member, with the open
    /// containers closed. Equal to the input when nothing was wrong.
    pub text: Vec<u8>,
    /// Every change, sorted by `range.start`, ranges not overlapping (an
    /// insertion comes before a removal that starts at the same offset):
    /// replacing each `range` of the input by its `inserted` gives `text`.
    pub edits: Vec<Edit>,
    /// What was lost, by JSON path.
    pub dropped: Vec<Dropped>,
}

/// One change made by [`recover`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// Why, as a code.
    pub kind: EditKind,
    /// The input bytes replaced (empty for a pure insertion).
    pub range: Range<usize>,
    /// A readable preview of the removed bytes (bounded: `…` when cut).
    pub removed: String,
    /// The inserted text, exactly (closing brackets only).
    pub inserted: String,
    /// Why, one line.
    pub reason: String,
}

/// Why an [`Edit`] was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditKind {
    /// The leading UTF-8 BOM was removed.
    Bom,
    /// NUL bytes (and anything after them) were removed.
    NulBytes,
    /// Data after the complete top-level value was removed.
    TrailingData,
    /// A half-written member (and the comma before it) was removed.
    PartialMember,
    /// A comma with no member after it was removed.
    DanglingComma,
    /// The open containers were closed.
    CloseContainers,
    /// A string member holding a JSON document (the payload) was cut
    /// short: its readable prefix was unquoted, salvaged as JSON and quoted
    /// again ([`recover_payload`]).
    Payload,
}

/// Something [`recover`] could not keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// What kind of loss.
    pub kind: DroppedKind,
    /// JSON path (best effort: a key cut short is shown as far as it was
    /// written, with `…`).
    pub path: String,
    /// Offset in the input where the lost part starts.
    pub offset: usize,
    /// One line for people.
    pub message: String,
}

/// What kind of thing was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DroppedKind {
    /// A member whose key was cut short.
    PartialKey,
    /// A member with a complete key but no value.
    KeyWithoutValue,
    /// A member whose string value was cut short.
    PartialString,
    /// A member whose number reached the end of the text: it may have had
    /// more digits, so it is never kept shortened.
    PartialNumber,
    /// A member whose `true`/`false`/`null` was cut short.
    PartialLiteral,
    /// A container closed early: the members its writer had not written yet.
    RestOfContainer,
    /// A record (a container whose path matches one of the `records`
    /// given to [`recover_with`]) cut short: dropped whole, since a record
    /// with only some of its members would say something the writer never
    /// wrote.
    TornRecord,
}

/// [`recover`] refused: the diagnosis that explains why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unrecoverable {
    /// The damage that cannot be repaired at text level (boxed: keeps the
    /// `Result` small).
    pub diagnosis: Box<Diagnosis>,
}

impl fmt::Display for Unrecoverable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.diagnosis;
        write!(
            f,
            "cannot recover: {} at byte {} (line {}, column {}): {}",
            d.code, d.offset, d.line, d.column, d.message
        )
    }
}

impl std::error::Error for Unrecoverable {}

const BOM: &[u8] = b"\xEF\xBB\xBF";
const PREVIEW: usize = 32;

/// Where the JSON text is: after a BOM, before the first NUL.
struct Layout {
    bom: bool,
    /// After the BOM.
    start: usize,
    /// The first NUL byte at or after `start`, else the input length.
    end: usize,
    /// The first non-whitespace byte in `start..end`.
    first: Option<usize>,
}

impl Layout {
    fn of(b: &[u8]) -> Layout {
        let bom = b.starts_with(BOM);
        let start = if bom { BOM.len() } else { 0 };
        let end = b[start..]
            .iter()
            .position(|&c| c == 0)
            .map_or(b.len(), |p| start + p);
        let first = b[start..end]
            .iter()
            .position(|&c| !is_ws(c))
            .map(|p| start + p);
        Layout {
            bom,
            start,
            end,
            first,
        }
    }
}

fn diag(b: &[u8], code: Code, offset: usize, len: usize, message: String) -> Diagnosis {
    let (line, column) = line_col(b, offset);
    let next_step = match code {
        Code::Empty => {
            "there is nothing to recover: restore the file from a backup, or remove it so that its writer starts afresh"
        }
        Code::Utf8Bom => "remove the 3 BOM bytes (`kubelet-ckpt repair` does); Go's encoding/json rejects a document that starts with them",
        Code::NulBytes => {
            "the file was likely extended without its data (power loss): `kubelet-ckpt repair` cuts the NUL bytes and keeps the complete members before them; check what it lists as dropped"
        }
        Code::InvalidUtf8 => {
            "find where these bytes came from or restore from a backup: Go reads each bad byte as U+FFFD, so the value it reads is not the one written"
        }
        Code::Truncated => {
            "the write was interrupted: `kubelet-ckpt repair` keeps every complete member and closes the document; check what it lists as dropped before using it"
        }
        Code::TrailingData => {
            "cut the file after the first complete document (`kubelet-ckpt repair` does); Go rejects any data after the top-level value"
        }
        Code::Syntax => {
            "not a known kind of damage: look at the bytes around this offset, or restore the file from a backup"
        }
    };
    Diagnosis {
        code,
        offset,
        line,
        column,
        len,
        message,
        next_step: next_step.to_string(),
        path: None,
        open: Vec::new(),
    }
}

fn empty_diag(b: &[u8], lay: &Layout) -> Diagnosis {
    let message = if b.is_empty() {
        "the file is empty (0 bytes)".to_string()
    } else if lay.bom && lay.start == b.len() {
        "the file holds only a UTF-8 BOM".to_string()
    } else {
        format!("the file holds only whitespace ({} bytes)", b.len())
    };
    diag(b, Code::Empty, lay.start.min(b.len()), 0, message)
}

fn nul_diag(b: &[u8], lay: &Layout) -> Diagnosis {
    let e = lay.end;
    let run = b[e..].iter().take_while(|&&c| c == 0).count();
    let rest = &b[e + run..];
    let message = if e == lay.start && rest.is_empty() {
        format!(
            "the whole file{} is NUL bytes ({run} bytes)",
            if lay.bom { " after the BOM" } else { "" }
        )
    } else if rest.is_empty() {
        format!("{run} NUL bytes from here to the end of the file")
    } else {
        let more = rest.iter().filter(|&&c| c == 0).count();
        format!(
            "a run of {run} NUL bytes starts here; {} more bytes follow it ({more} of them NUL)",
            rest.len()
        )
    };
    diag(b, Code::NulBytes, e, run, message)
}

/// The first invalid UTF-8 sequence: in the text before the NUL bytes (a
/// character cut by its end is truncation, not reported), else after them.
fn utf8_diag(b: &[u8], lay: &Layout) -> Option<Diagnosis> {
    let (at, len) = match std::str::from_utf8(&b[lay.start..lay.end]) {
        Err(e) if e.error_len().is_some() => {
            (lay.start + e.valid_up_to(), e.error_len().unwrap_or(1))
        }
        _ => match std::str::from_utf8(&b[lay.end..]) {
            Err(e) => (
                lay.end + e.valid_up_to(),
                e.error_len().unwrap_or(b.len() - lay.end - e.valid_up_to()),
            ),
            Ok(_) => return None,
        },
    };
    let message = format!(
        "invalid UTF-8: {}{}",
        preview(&b[at..at + len], 8),
        if at >= lay.end {
            " (after the NUL bytes)"
        } else {
            ""
        }
    );
    Some(diag(b, Code::InvalidUtf8, at, len, message))
}

fn syntax_diag(b: &[u8], at: usize, expected: &str, path: Option<String>) -> Diagnosis {
    let mut d = diag(
        b,
        Code::Syntax,
        at,
        1,
        format!("found {} where {expected} was expected", show_at(b, at)),
    );
    d.path = path;
    d
}

fn trailing_diag(b: &[u8], doc: usize, w: usize) -> Diagnosis {
    let t = &b[w..];
    let d = &b[doc..w];
    let n = t.len().min(d.len()).min(16);
    let looks = if n >= 2 && t[..n] == d[..n] {
        format!("a second copy of the document (its first {n} bytes match the document's start)")
    } else {
        match t[0] {
            b'{' => "the start of another JSON object".to_string(),
            b'[' => "the start of another JSON array".to_string(),
            b'}' | b']' | b'"' | b',' => format!(
                "a stray {}: likely the tail of an earlier, longer version of the file (torn rewrite, as in kubernetes issue 135711)",
                show_at(b, w)
            ),
            _ => "other bytes".to_string(),
        }
    };
    diag(
        b,
        Code::TrailingData,
        w,
        t.len(),
        format!(
            "{} bytes after the complete top-level value, starting \"{}\": {looks}",
            t.len(),
            preview(t, PREVIEW)
        ),
    )
}

/// The path to where the text ended: the open containers' current members,
/// plus the innermost one's member if it had begun.
fn point_path(b: &[u8], stack: &[Frame], pending: Pending, end: usize) -> String {
    let n = stack.len();
    let inner = &stack[n - 1];
    let extra: Option<Seg> = match pending {
        Pending::PartialKey => {
            let r = inner.key.clone().unwrap_or(end..end);
            Some(Seg::Key(&b[r], true))
        }
        Pending::KeyWithoutValue => Some(frame_seg(b, inner)),
        Pending::Value(_) => Some(frame_seg(b, inner)),
        Pending::Nothing | Pending::Comma => None,
    };
    let steps = n - 1 + usize::from(extra.is_some());
    render_path(steps, |i| {
        if i < n - 1 {
            frame_seg(b, &stack[i])
        } else {
            match &extra {
                Some(Seg::Key(k, p)) => Seg::Key(k, *p),
                Some(Seg::Index(x)) => Seg::Index(*x),
                None => unreachable!("steps counts the extra step"),
            }
        }
    })
}

/// The path at a syntax error: the open containers' current members, the
/// innermost one's only when it has a key (objects) or is an array.
fn error_path(b: &[u8], stack: &[Frame]) -> String {
    let n = stack.len();
    let steps = match stack.last() {
        Some(inner) if !inner.obj || inner.key.is_some() => n,
        _ => n.saturating_sub(1),
    };
    render_path(steps, |i| frame_seg(b, &stack[i]))
}

fn kind_name(f: &Frame) -> &'static str {
    if f.obj {
        "object"
    } else {
        "array"
    }
}

fn pending_text(stack: &[Frame], pending: Pending) -> String {
    let scalar = |s: Scalar| match s {
        Scalar::String => "a string value cut short",
        Scalar::Number => "a number that may be cut short (more digits may have followed)",
        Scalar::Literal => "a true/false/null cut short",
    };
    let Some(inner) = stack.last() else {
        return match pending {
            Pending::Value(s) => format!("the top-level value: {}", scalar(s)),
            _ => "the top-level value".to_string(),
        };
    };
    let k = kind_name(inner);
    match pending {
        Pending::Nothing if inner.count == 0 => format!("an {k}, just after its opening bracket"),
        Pending::Nothing => format!("an {k}, after its last complete member"),
        Pending::Comma => format!("an {k}, after a ',' with no member after it"),
        Pending::PartialKey => "a key cut short".to_string(),
        Pending::KeyWithoutValue => "a member whose value is missing".to_string(),
        Pending::Value(s) => scalar(s).to_string(),
    }
}

fn truncated_diag(b: &[u8], lay: &Layout, stack: &[Frame], pending: Pending) -> Diagnosis {
    let end = lay.end;
    let what = pending_text(stack, pending);
    let ended = if end < b.len() {
        "the text ends (NUL bytes follow)"
    } else {
        "the text ends"
    };
    if stack.is_empty() {
        let mut d = diag(b, Code::Truncated, end, 0, format!("{ended} inside {what}"));
        d.path = Some("$".to_string());
        return d;
    }
    let path = point_path(b, stack, pending, end);
    let inner: Vec<String> = stack
        .iter()
        .rev()
        .take(4)
        .map(|f| format!("{} at {}", if f.obj { '{' } else { '[' }, f.open))
        .collect();
    let mut d = diag(
        b,
        Code::Truncated,
        end,
        0,
        format!(
            "{ended} inside {what} at {path}; {} container(s) still open (innermost: {})",
            stack.len(),
            inner.join(", ")
        ),
    );
    d.path = Some(path);
    d.open = stack
        .iter()
        .take(MAX_LISTED)
        .enumerate()
        .map(|(i, f)| OpenContainer {
            bracket: if f.obj { '{' } else { '[' },
            offset: f.open,
            path: container_path(b, stack, i),
        })
        .collect();
    d
}

/// Says what is wrong with `input`, in input order: empty, BOM, NUL bytes,
/// invalid UTF-8, and then the first of truncated / trailing data / syntax
/// error that a scan of the text finds. An undamaged document gives an
/// empty list.
///
/// It never fails and never panics: damage is the expected input. Time is
/// linear, memory proportional to the nesting depth at most.
pub fn diagnose(input: &[u8]) -> Vec<Diagnosis> {
    let b = input;
    let lay = Layout::of(b);
    let mut out = Vec::new();
    if b.iter().all(|&c| is_ws(c)) {
        out.push(empty_diag(b, &lay));
        return out;
    }
    if lay.bom {
        out.push(diag(
            b,
            Code::Utf8Bom,
            0,
            3,
            "the file starts with a UTF-8 byte order mark (EF BB BF), which Go's encoding/json rejects".to_string(),
        ));
    }
    if lay.end < b.len() {
        out.push(nul_diag(b, &lay));
    }
    let bad_utf8 = utf8_diag(b, &lay);
    let bad_utf8_at = bad_utf8.as_ref().map(|d| d.offset);
    out.extend(bad_utf8);
    let Some(first) = lay.first else {
        if lay.end == b.len() {
            out.push(empty_diag(b, &lay));
        }
        return out;
    };
    match scan(b, first, lay.end) {
        Outcome::Complete { trailing, .. } => {
            if let Some(w) = trailing {
                out.push(trailing_diag(b, first, w));
            } else if lay.end < b.len() {
                // Data after the NUL run is also data after the document.
                if let Some(p) = b[lay.end..].iter().position(|&c| c != 0 && !is_ws(c)) {
                    out.push(trailing_diag(b, first, lay.end + p));
                }
            }
        }
        Outcome::Truncated { stack, pending } => {
            out.push(truncated_diag(b, &lay, &stack, pending));
        }
        Outcome::Error {
            at,
            expected,
            stack,
        } => {
            if bad_utf8_at != Some(at) {
                out.push(syntax_diag(b, at, expected, Some(error_path(b, &stack))));
            }
        }
    }
    out.sort_by_key(|d| d.offset);
    out
}

/// Builds a syntactically complete JSON document from `input`, keeping
/// every member and element that was completely written:
///
/// * a leading UTF-8 BOM is removed;
/// * everything from the first NUL byte, or after the first complete
///   top-level value (whitespace directly after it is kept), is removed;
/// * when the text ends inside the document, the half-written member of the
///   innermost open container (a key without a complete value, a partial
///   string, number or literal — a number at the end is always dropped: "12"
///   may have been "123") and a dangling comma are removed, and the open
///   containers are closed in order. Open containers keep their complete
///   members, at every depth.
///
/// Every change is an [`Edit`] and every loss a [`Dropped`]. An undamaged
/// document comes back unchanged, with no edits.
///
/// Returns [`Unrecoverable`] when there is nothing to keep or the damage is
/// not of a known kind: an empty (or NUL-only) file, a top-level value that
/// is not an object or array, a syntax error inside the document, or invalid
/// UTF-8 in the part that would be kept (keeping it would not give UTF-8
/// JSON; replacing it would change values silently).
pub fn recover(input: &[u8]) -> Result<Recovery, Unrecoverable> {
    recover_with(input, &[])
}

/// Whether the container `frames[..depth]` leads to (the path of the
/// container opened by `frames[depth]`) matches one of `records`: dotted
/// paths from the document (`machineState.*`, `entries.*.*`), `*` for any
/// key or index, keys compared ASCII-case-insensitively (Go's
/// `encoding/json` matches member names that way) on their raw bytes.
fn is_record(b: &[u8], frames: &[Frame], records: &[&str]) -> bool {
    records.iter().any(|r| {
        let parts: Vec<&str> = r.split('.').collect();
        parts.len() == frames.len()
            && parts.iter().zip(frames).all(|(p, f)| {
                *p == "*"
                    || match frame_seg(b, f) {
                        Seg::Key(k, _) => k.eq_ignore_ascii_case(p.as_bytes()),
                        Seg::Index(i) => p.parse() == Ok(i),
                    }
            })
    })
}

/// [`recover`], except that a *record* cut short is dropped whole rather
/// than closed early: a container whose path matches one of `records`
/// (dotted paths, `*` for any key or index, e.g. `entries.*.*` for the
/// block lists of a memory checkpoint) and that was still open where the
/// text ended is removed with its member, as a [`DroppedKind::TornRecord`].
/// Collections (maps and lists of entries) stay closed early, keeping
/// their complete members; records are kept whole or not at all.
pub fn recover_with(input: &[u8], records: &[&str]) -> Result<Recovery, Unrecoverable> {
    let b = input;
    let lay = Layout::of(b);
    let err = |d| {
        Err(Unrecoverable {
            diagnosis: Box::new(d),
        })
    };
    let Some(first) = lay.first else {
        return if lay.end < b.len() {
            err(nul_diag(b, &lay))
        } else {
            err(empty_diag(b, &lay))
        };
    };
    if b[first] != b'{' && b[first] != b'[' {
        return err(syntax_diag(
            b,
            first,
            "'{' or '[' (only an object or array document can be recovered)",
            None,
        ));
    }
    let mut edits = Vec::new();
    let mut dropped = Vec::new();
    if lay.bom {
        edits.push(Edit {
            kind: EditKind::Bom,
            range: 0..3,
            removed: preview(BOM, PREVIEW),
            inserted: String::new(),
            reason: "a UTF-8 byte order mark, which Go's encoding/json rejects".to_string(),
        });
    }
    let cut;
    let mut closers = String::new();
    match scan(b, first, lay.end) {
        Outcome::Error {
            at,
            expected,
            stack,
        } => {
            if let Some(d) = utf8_diag(b, &lay).filter(|d| d.offset <= at) {
                return err(d);
            }
            return err(syntax_diag(b, at, expected, Some(error_path(b, &stack))));
        }
        Outcome::Complete { trailing, .. } => {
            cut = trailing.unwrap_or(lay.end);
            if cut < b.len() {
                let (kind, reason) = if trailing.is_some() {
                    (
                        EditKind::TrailingData,
                        "data after the complete top-level value".to_string(),
                    )
                } else {
                    (EditKind::NulBytes, nul_reason(b, cut))
                };
                edits.push(Edit {
                    kind,
                    range: cut..b.len(),
                    removed: preview(&b[cut..], PREVIEW),
                    inserted: String::new(),
                    reason,
                });
            }
        }
        Outcome::Truncated { mut stack, pending } => {
            if stack.is_empty() {
                return err(truncated_diag(b, &lay, &stack, pending));
            }
            // The outermost record still open is dropped whole.
            let torn = (1..stack.len()).find(|&i| is_record(b, &stack[..i], records));
            let torn = torn.map(|i| {
                let path = container_path(b, &stack, i);
                stack.truncate(i);
                path
            });
            let inner = stack.last().expect("not empty");
            let dangling = b[inner.commit..lay.end].iter().any(|&c| !is_ws(c));
            cut = if dangling { inner.commit } else { lay.end };
            closers = stack
                .iter()
                .rev()
                .map(|f| if f.obj { '}' } else { ']' })
                .collect();
            edits.push(Edit {
                kind: EditKind::CloseContainers,
                range: cut..cut,
                removed: String::new(),
                inserted: closers.clone(),
                reason: format!(
                    "close the {} container(s) still open where the text ended",
                    stack.len()
                ),
            });
            if dangling {
                let path = point_path(b, &stack, pending, lay.end);
                let member = |kind, what: &str| Dropped {
                    kind,
                    path: path.clone(),
                    offset: inner.member_start,
                    message: format!("{what} at {path}"),
                };
                let lost = match pending {
                    _ if torn.is_some() => {
                        let path = torn.clone().unwrap_or_default();
                        Some(Dropped {
                            kind: DroppedKind::TornRecord,
                            message: format!(
                                "an entry cut short at {path} (a record is kept whole or not at all)"
                            ),
                            path,
                            offset: inner.member_start,
                        })
                    }
                    Pending::PartialKey => Some(member(
                        DroppedKind::PartialKey,
                        "a member whose key was cut short",
                    )),
                    Pending::KeyWithoutValue => Some(member(
                        DroppedKind::KeyWithoutValue,
                        "a member without a value",
                    )),
                    Pending::Value(Scalar::String) => Some(member(
                        DroppedKind::PartialString,
                        "a string value cut short",
                    )),
                    Pending::Value(Scalar::Number) => Some(member(
                        DroppedKind::PartialNumber,
                        "a number at the end of the text (it may have had more digits)",
                    )),
                    Pending::Value(Scalar::Literal) => Some(member(
                        DroppedKind::PartialLiteral,
                        "a true/false/null cut short",
                    )),
                    Pending::Nothing | Pending::Comma => None,
                };
                let (kind, reason) = match &lost {
                    Some(d) => (
                        EditKind::PartialMember,
                        format!(
                            "the half-written member at {} (and the comma before it, if any)",
                            d.path
                        ),
                    ),
                    None => (
                        EditKind::DanglingComma,
                        "a ',' with no member after it".to_string(),
                    ),
                };
                edits.push(Edit {
                    kind,
                    range: cut..lay.end,
                    removed: preview(&b[cut..lay.end], PREVIEW),
                    inserted: String::new(),
                    reason,
                });
                dropped.extend(lost);
            }
            if lay.end < b.len() {
                edits.push(Edit {
                    kind: EditKind::NulBytes,
                    range: lay.end..b.len(),
                    removed: preview(&b[lay.end..], PREVIEW),
                    inserted: String::new(),
                    reason: nul_reason(b, lay.end),
                });
            }
            for (i, f) in stack.iter().enumerate().take(MAX_LISTED) {
                let path = container_path(b, &stack, i);
                dropped.push(Dropped {
                    kind: DroppedKind::RestOfContainer,
                    message: format!(
                        "the {} at {path} (opened at byte {}) was closed early: whatever followed its last kept member is lost",
                        kind_name(f),
                        f.open
                    ),
                    path,
                    offset: cut,
                });
            }
            if stack.len() > MAX_LISTED {
                let path = container_path(b, &stack, stack.len() - 1);
                dropped.push(Dropped {
                    kind: DroppedKind::RestOfContainer,
                    message: format!(
                        "and {} more containers nested deeper, down to {path}, also closed early",
                        stack.len() - MAX_LISTED
                    ),
                    path,
                    offset: cut,
                });
            }
        }
    }
    if let Err(e) = std::str::from_utf8(&b[lay.start..cut]) {
        let at = lay.start + e.valid_up_to();
        let len = e.error_len().unwrap_or(1);
        return err(diag(
            b,
            Code::InvalidUtf8,
            at,
            len,
            format!(
                "invalid UTF-8 inside the part that would be kept: {}",
                preview(&b[at..at + len], 8)
            ),
        ));
    }
    let mut text = Vec::with_capacity(cut - lay.start + closers.len());
    text.extend_from_slice(&b[lay.start..cut]);
    text.extend_from_slice(closers.as_bytes());
    Ok(Recovery {
        text,
        edits,
        dropped,
    })
}

fn nul_reason(b: &[u8], from: usize) -> String {
    let run = b[from..].iter().take_while(|&&c| c == 0).count();
    let rest = b.len() - from - run;
    if rest == 0 {
        format!("{run} NUL bytes to the end of the file")
    } else {
        format!("{run} NUL bytes and the {rest} bytes after them (nothing after a NUL run can be joined to the text before it)")
    }
}

#[cfg(test)]
mod tests;

//! `verify`: the kubelet's verdict on one file — of one release when a
//! version is given, else of every release that reads the file.
//!
//! A verdict belongs to a kubelet *release* (its whole reader chain,
//! fallbacks and accepted checksum names), never to "some shape that
//! decodes it". The rules:
//!
//! * `--kind K`: the bytes are judged as exactly shape K (its own verdict,
//!   the union of what its releases accept), unless `--for-kubelet` asks
//!   for a release, whose whole chain then reads the file.
//! * Otherwise the kind is identified ([`crate::formats::identify`]); with no
//!   candidate the file is `unknown` (not a kubelet file).
//! * `--for-kubelet V`: release V's read path (`ignored` when V does not
//!   read the file).
//! * No version: every release's verdict, grouped into spans. The file is
//!   `ok` when every release that could have written its shape reads it back
//!   (for a file identified by name only — empty, not JSON — every release
//!   that reads that file name); else the verdict of the newest such
//!   release that refuses it. Shapes no release table row writes (read-only
//!   and development-only shapes) keep their own verdict.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::formats::identify::{self, Basis, Identification};
use crate::formats::releases::{self, Gates, ReleaseVerdict, Span};
use crate::formats::{self, Shape, Verdict, Verification, VerifyOptions};
use crate::fs::{self, ReadError, ReadOptions};

/// The overall answer for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The kubelet (every relevant release) loads it.
    Ok,
    Corrupt,
    InvalidJson,
    Rejected,
    /// The named release does not read this file at all.
    Ignored,
    /// Not a kubelet checkpoint or state file.
    Unknown,
}

impl Status {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Corrupt => "corrupt",
            Status::InvalidJson => "invalid-json",
            Status::Rejected => "rejected",
            Status::Ignored => "ignored",
            Status::Unknown => "unknown",
        }
    }

    fn of(v: Verdict) -> Status {
        match v {
            Verdict::Ok => Status::Ok,
            Verdict::Corrupt => Status::Corrupt,
            Verdict::InvalidJson => Status::InvalidJson,
            Verdict::Rejected => Status::Rejected,
        }
    }

    /// Exit-status rule: `ok` and `ignored` pass.
    pub fn passes(self) -> bool {
        matches!(self, Status::Ok | Status::Ignored)
    }
}

/// How the kind of a file was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindChoice {
    /// `--kind` named it: judged as exactly that shape, no fallbacks.
    Given,
    /// Identified; `exact` when that kind's writer reproduces the file byte
    /// for byte; `basis` whether by content or by file name.
    Detected {
        exact: bool,
        basis: Basis,
        tried: Vec<(&'static str, Verdict)>,
    },
}

/// What the release table says about the file.
#[derive(Debug, Clone)]
pub enum Releases {
    /// The file is not in the release table (read-only kinds).
    NotInTable,
    /// `--for-kubelet`: that release's verdict.
    One { minor: u8, verdict: ReleaseVerdict },
    /// Every release, grouped; `writers` are the releases that write the
    /// identified shape (empty for shapes no release row writes).
    All { spans: Vec<Span>, writers: Vec<u8> },
}

/// One file's verdict.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    /// The kind, or `None` for `unknown`.
    pub kind: Option<&'static str>,
    /// The release table's file name for that kind.
    pub file: Option<&'static str>,
    /// The file whose reader chain gave the verdict when it is not the
    /// kind's own: content of another kubelet file stored under this
    /// file's name (a kubelet reads by path).
    pub read_as: Option<&'static str>,
    pub choice: KindChoice,
    pub status: Status,
    /// The verification behind `status` (the deciding release's, or the
    /// shape's), with the kubelet's text.
    pub verification: Verification,
    /// The shape's own verdict (union over its releases), when known.
    pub shape: Option<Verification>,
    pub releases: Releases,
    /// Which release decided a failure (`None`: the shape's own verdict).
    pub decided_by: Option<u8>,
    /// Notes for people (the name says another file, the policy check was
    /// not run, ...).
    pub notes: Vec<String>,
}

/// Errors that are not verdicts: the file could not be judged at all.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Not read: absent, unreadable, not a regular file or over the size
    /// limit. The message names the file.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// `--kind` names no kind; `near` is the closest name, if any is close.
    #[error("unknown kind {name:?} ({})", match near {
        Some(n) => format!("did you mean {n:?}?"),
        None => "see `kubelet-ckpt kinds`".to_string(),
    })]
    UnknownKind {
        name: String,
        near: Option<&'static str>,
    },
    #[error("{0}: not a kubelet checkpoint or state file")]
    NoKind(PathBuf),
    #[error("{0}")]
    Usage(String),
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

/// Looks up `--kind`, suggesting the nearest name on a typo.
pub fn kind_by_name(name: &str) -> Result<&'static dyn Shape, OpError> {
    formats::kind(name).ok_or_else(|| {
        // Nearest by edit distance; among equals the last registered (the
        // newest version of a family: "cpu-v9" suggests "cpu-v4").
        let near = formats::registry()
            .iter()
            .map(|k| k.info().name)
            .rev()
            .min_by_key(|k| distance(k, name))
            .filter(|k| distance(k, name) <= 3);
        OpError::UnknownKind {
            name: name.to_string(),
            near,
        }
    })
}

/// Levenshtein distance (for suggestions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// What the caller asks.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--kind`.
    pub kind: Option<String>,
    /// `--for-kubelet` (minor release).
    pub for_kubelet: Option<u8>,
    /// `--feature-gates`.
    pub gates: Gates,
    /// Restore options (the configured policy).
    pub opts: VerifyOptions,
    /// The node and its kubelet configuration (`--node`, or
    /// `--kubelet-config` with `--sysfs-root`): the start checks run, and
    /// the configured policies come from it.
    pub node: Option<std::sync::Arc<crate::formats::node::Node>>,
}

/// [`choose`]'s answer: the kind (`None`: unknown), how it was chosen, and
/// the identification when one was made.
pub type Chosen = (
    Option<&'static dyn Shape>,
    KindChoice,
    Option<Identification>,
);

/// The kind for `bytes`: the given one, or the identified one (`None`:
/// unknown). Returns the identification when one was made.
pub fn choose(path: &Path, bytes: &[u8], req: &Request) -> Result<Chosen, OpError> {
    if let Some(name) = &req.kind {
        return Ok((Some(kind_by_name(name)?), KindChoice::Given, None));
    }
    let id = identify::identify(Some(path), bytes, &req.opts);
    let Some(best) = id.best() else {
        return Ok((
            None,
            KindChoice::Detected {
                exact: false,
                basis: Basis::Content,
                tried: Vec::new(),
            },
            Some(id),
        ));
    };
    let choice = KindChoice::Detected {
        exact: best.exact,
        basis: best.basis,
        tried: id
            .candidates
            .iter()
            .filter(|c| c.judged)
            .map(|c| (c.kind.info().name, c.verification.verdict))
            .collect(),
    };
    Ok((Some(best.kind), choice, Some(id)))
}

/// The verdict on `bytes` found at `path`.
pub fn judge(path: &Path, bytes: &[u8], req: &Request) -> Result<FileReport, OpError> {
    // Identification and every release's readers validate the same bytes
    // as JSON: once is enough.
    crate::go::json::with_validated(bytes, || judge_validated(path, bytes, req))
}

fn judge_validated(path: &Path, bytes: &[u8], req: &Request) -> Result<FileReport, OpError> {
    let (kind, choice, id) = choose(path, bytes, req)?;
    let Some(kind) = kind else {
        return Ok(FileReport {
            path: path.to_path_buf(),
            kind: None,
            file: None,
            read_as: None,
            choice,
            status: Status::Unknown,
            verification: Verification {
                verdict: Verdict::InvalidJson,
                message: unknown_reason(bytes, id.as_ref()),
                offset: None,
                stored_checksum: None,
                computed_checksum: None,
            },
            shape: None,
            releases: Releases::NotInTable,
            decided_by: None,
            notes: Vec::new(),
        });
    };
    let name = kind.info().name;
    let shape_v = match (&id, &choice) {
        (Some(id), _) => id.best().map(|c| c.verification.clone()),
        _ => None,
    }
    .unwrap_or_else(|| kind.verify(bytes, &req.opts));
    let table_file = releases::files()
        .into_iter()
        .find(|f| *f == kind.info().file);
    let mut notes = Vec::new();
    if let Some(id) = &id {
        if !id.ties.is_empty() && id.best().is_some_and(|b| b.basis == Basis::Content) {
            notes.push(format!(
                "the content fits {} as well (the same layout under another file name); the file name decides, and this one does not say",
                id.ties.join(", ")
            ));
        }
    }
    // Content of another kubelet file under this one's name: a kubelet
    // reads a file by its path, so this name's reader chain decides.
    let misnamed = releases::file_for_path(path)
        .filter(|f| Some(*f) != table_file && !matches!(choice, KindChoice::Given));
    if let Some(f) = misnamed {
        let own = kind.info().file;
        notes.push(format!(
            "the content is a {own} file ({name}) stored under the name of {f}: a kubelet reading it as {f} would refuse it; if it was copied to the wrong place, give it its own name ({own}), else restore {f} from a backup"
        ));
    }
    // The policy a misnamed file's content needs is not what the name's
    // reader checks: the note above says what to do instead.
    if misnamed.is_none() {
        if let Some(n) = policy_note(name, bytes, req) {
            notes.push(n);
        }
    }
    let mut report = FileReport {
        path: path.to_path_buf(),
        kind: Some(name),
        file: table_file,
        read_as: None,
        choice: choice.clone(),
        status: Status::of(shape_v.verdict),
        verification: shape_v.clone(),
        shape: Some(shape_v.clone()),
        releases: Releases::NotInTable,
        decided_by: None,
        notes,
    };
    let Some(file) = table_file else {
        return Ok(report);
    };
    let mut cache = releases::ReaderCache::default();
    cache.seed(name, req.opts.policy.clone(), shape_v.clone());
    if let Some(id) = &id {
        for c in id.candidates.iter().filter(|c| c.judged) {
            cache.seed(
                c.kind.info().name,
                req.opts.policy.clone(),
                c.verification.clone(),
            );
        }
    }
    if let Some(minor) = req.for_kubelet {
        // A release reads a file by its path: content of another kubelet
        // file stored under this one's name gets the verdict of this
        // name's reader chain (the note above says what the content is).
        report.read_as = misnamed;
        let file = misnamed.unwrap_or(file);
        let row = releases::row(file, minor).ok_or_else(|| {
            OpError::Usage(format!("the release table has no row for {file} 1.{minor}"))
        })?;
        let verdict = releases::verify_with(
            row,
            &req.gates,
            bytes,
            &req.opts,
            req.node.as_deref(),
            &mut cache,
        );
        match &verdict {
            ReleaseVerdict::Ignored => {
                report.status = Status::Ignored;
                report.verification = Verification::ok(None, None);
                report.verification.message = format!("kubelet 1.{minor} does not read {file}");
            }
            ReleaseVerdict::Unmodelled => {
                return Err(OpError::Usage(format!(
                    "kubelet 1.{minor} reads {file} in a format this tool does not model"
                )));
            }
            ReleaseVerdict::Undetermined(why) => {
                return Err(OpError::Usage(format!(
                    "kubelet 1.{minor}'s verdict on {file} is not determined by the node and the file: {why}"
                )));
            }
            ReleaseVerdict::Judged { verification, .. } => {
                report.status = Status::of(verification.verdict);
                report.verification = verification.clone();
            }
        }
        report.decided_by = Some(minor);
        report.releases = Releases::One { minor, verdict };
        return Ok(report);
    }
    // Content of another file under this name: every release that reads
    // the name decides, the spans are the name's, and no release writes
    // this content here. Otherwise the releases that write this shape (or,
    // for a file known by its name only, that read the name) decide.
    let name_only = matches!(
        choice,
        KindChoice::Detected {
            basis: Basis::Name,
            ..
        }
    );
    let (file, name_only, writers) = match misnamed {
        Some(named) => (named, true, Vec::new()),
        None => (file, name_only, releases::writers_of(name, file)),
    };
    report.read_as = misnamed;
    let spans = releases::spans_with(
        file,
        &req.gates,
        bytes,
        &req.opts,
        req.node.as_deref(),
        &mut cache,
    );
    // `--kind`: exactly that shape, its own verdict; the spans are
    // information.
    if !matches!(choice, KindChoice::Given) {
        let deciding = deciding_releases(file, name, name_only, &req.gates);
        decide(&mut report, file, &deciding, bytes, req, &mut cache);
    }
    report.releases = Releases::All { spans, writers };
    Ok(report)
}

/// The releases whose verdict decides on `file`: those that write the
/// shape `name` (with the gate settings under which they do), or with
/// `name_only` (a file known by its name only, or content of another file
/// stored under this name) every release that reads the file. The
/// request's gates override each release's settings.
fn deciding_releases(file: &str, name: &str, name_only: bool, gates: &Gates) -> Vec<(u8, Gates)> {
    let mut deciding = Vec::new();
    for m in releases::MINORS {
        let Some(r) = releases::row(file, m) else {
            continue;
        };
        for g in releases::gate_settings(r) {
            let eff = r.gates(&g);
            let relevant = if name_only {
                !r.readers(&eff).is_empty() && r.readers(&eff) != ["?"]
            } else {
                r.writer(&eff).is_some_and(|(k, _)| k == name)
            };
            if relevant {
                let mut g = g;
                for (k, v) in &gates.0 {
                    g.0.insert(k.clone(), *v);
                }
                deciding.push((m, g));
                break;
            }
        }
    }
    deciding
}

/// Judges `bytes` as `file` by every deciding release: the newest failure
/// becomes the report's verdict; with none, the report is `ok`.
fn decide(
    report: &mut FileReport,
    file: &str,
    deciding: &[(u8, Gates)],
    bytes: &[u8],
    req: &Request,
    cache: &mut releases::ReaderCache,
) {
    if deciding.is_empty() {
        return;
    }
    let mut failure: Option<(u8, Verification)> = None;
    // Equal rows under equal gates judge alike: judge each once.
    let mut memo: Vec<(releases::RowKey, Gates, ReleaseVerdict)> = Vec::new();
    for (m, g) in deciding {
        let Some(r) = releases::row(file, *m) else {
            continue;
        };
        let key = r.key();
        let v = match memo.iter().find(|(k, mg, _)| *k == key && mg == g) {
            Some((_, _, v)) => v.clone(),
            None => {
                let v = releases::verify_with(r, g, bytes, &req.opts, req.node.as_deref(), cache);
                memo.push((key, g.clone(), v.clone()));
                v
            }
        };
        if let ReleaseVerdict::Judged { verification, .. } = v {
            if verification.verdict != Verdict::Ok {
                failure = Some((*m, verification)); // newest wins
            }
        }
    }
    match failure {
        Some((m, v)) => {
            report.status = Status::of(v.verdict);
            report.verification = v;
            report.decided_by = Some(m);
        }
        None => {
            report.status = Status::Ok;
            if report.verification.verdict != Verdict::Ok {
                // The shape's union verdict failed but every deciding
                // release reads it: keep a clean ok.
                report.verification = Verification::ok(
                    report.verification.stored_checksum,
                    report.verification.computed_checksum,
                );
            }
        }
    }
}

/// The policy-name check runs only against a configured policy; without
/// one, say which policy the file requires and what the kubelet's default
/// (`none` for the CPU manager, `None` for the memory manager) would do.
fn policy_note(kind: &str, bytes: &[u8], req: &Request) -> Option<String> {
    if req.opts.policy.is_some() || req.node.is_some() {
        return None;
    }
    let (manager, default) = if kind.starts_with("cpu-") {
        ("cpuManagerPolicy", "none")
    } else if kind.starts_with("memory") {
        ("memoryManagerPolicy", "None")
    } else {
        return None;
    };
    let file = identify::top_string(bytes, "policyName")?;
    Some(if file == default {
        format!("the file's policy is {file:?}, the kubelet's default {manager}")
    } else {
        format!(
            "the policy-name check was not run: this file needs {manager}: {file:?} (the default {default:?} would refuse it); pass --policy, --kubelet-config or --node to check"
        )
    })
}

/// Why a file is `unknown`, for people.
fn unknown_reason(bytes: &[u8], id: Option<&Identification>) -> String {
    let what = if bytes.iter().all(u8::is_ascii_whitespace) {
        "empty".to_string()
    } else if let Some(id) = id.filter(|i| i.is_object) {
        if id.keys.is_empty() {
            "a JSON object without a kubelet file's members".to_string()
        } else {
            let keys: Vec<String> = id.keys.iter().take(5).map(|k| format!("{k:?}")).collect();
            format!(
                "a JSON object whose members ({}) are no kubelet file's",
                keys.join(", ")
            )
        }
    } else if bytes.starts_with(b"-----BEGIN ") {
        "PEM data".to_string()
    } else if std::str::from_utf8(bytes).is_err() || bytes.contains(&0) {
        "binary data".to_string()
    } else {
        "text that is not a JSON object".to_string()
    };
    format!("not a kubelet checkpoint or state file ({what}); name a kind with --kind to judge it as one")
}

/// `verify` of one file (`-`: standard input), read with [`read`]; the
/// verdict's message is capped at [`MESSAGE_CAP`] bytes.
pub fn verify_file(path: &Path, req: &Request, max_size: u64) -> Result<FileReport, OpError> {
    let bytes = read(path, max_size)?;
    let mut report = judge(path, &bytes, req)?;
    let m = &mut report.verification.message;
    if let Cow::Owned(c) = crate::excerpt::cap(m, MESSAGE_CAP) {
        *m = c;
    }
    Ok(report)
}

/// The kind to use for single-file commands (`canonical`, `checksum`,
/// `explain`): the given one, or the identified one; unknown files are an
/// error.
pub fn resolve_kind(
    path: &Path,
    bytes: &[u8],
    kind: Option<&str>,
) -> Result<&'static dyn Shape, OpError> {
    let req = Request {
        kind: kind.map(str::to_owned),
        ..Default::default()
    };
    match choose(path, bytes, &req)? {
        (Some(k), _, _) => Ok(k),
        (None, _, _) => Err(OpError::NoKind(path.to_path_buf())),
    }
}

//! `scan`: a whole node snapshot, read-only, in one pass.
//!
//! The snapshot (a directory holding a copy of a node's `/` or of
//! `/var/lib/kubelet`, or a tar / tar.gz / tar.zst of one, recognised by
//! content) is streamed once by [`crate::fs::snapshot`]: every entry's
//! path, type, mode, size and mtime is indexed, and every regular file up
//! to the per-file limit is read and hashed (SHA-256). Contents are kept in
//! memory only for files up to [`KEEP_MAX`] bytes, within [`KEEP_TOTAL`],
//! and never for pod volumes (secrets: names, sizes and hashes only).
//! FIFOs, sockets and devices are listed, never opened.
//!
//! Then [`layout::Layout::discover`] finds the kubelet's effective paths
//! from the indexed files, every entry is classified, every checkpoint and
//! state file is judged with [`crate::ops::verify::judge`] and lifted into
//! its family state, and the cross-checks of spec
//! `kubelet-node-layout.md` §3 run ([`crosscheck`]).
//!
//! **Which release judges the state files.** `--for-kubelet`, else the
//! `kubelet` package version in `var/lib/dpkg/status` when the snapshot has
//! one. The kubelet binary's version is not read (spec §3.8: the build-info
//! string has not been confirmed on real binaries), and control-plane image
//! tags are only hints (the kubelet may be older). Without either, every
//! release judges, as `verify` does without `--for-kubelet`: a file is `ok`
//! when every release that writes its shape reads it back.

pub mod crosscheck;
pub mod layout;
pub mod pki;
pub mod report;
pub mod time;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::formats::node::Node;
use crate::formats::releases::{self, Gates, ReleaseVerdict};
use crate::formats::state::State;
use crate::formats::VerifyOptions;
use crate::fs::snapshot::{EntryKind, Limits, Snapshot, SnapshotError, SourceKind};
use crate::ops::verify::{self as vops, Releases, Status};

use layout::{classify_kind, ArgvSource, Layout, MemFiles, PathKind, RootMode};
pub use report::*;

/// Contents of files up to this size are kept for parsing.
pub const KEEP_MAX: u64 = 16 << 20;
/// At most this many bytes of contents are kept in all.
pub const KEEP_TOTAL: u64 = 512 << 20;

/// What the caller asks.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// `--for-kubelet` (minor release).
    pub for_kubelet: Option<u8>,
    /// Feature gates for the verdicts (`--feature-gates`), over the
    /// snapshot configuration's `featureGates`.
    pub gates: Gates,
    /// `--now` (Unix seconds); `None`: the clock.
    pub now: Option<i64>,
    /// Node facts for the start checks (`--node FILE`): the whole node.
    pub node: Option<Arc<Node>>,
    /// `--sysfs-root DIR`: the machine from sysfs under DIR, with the
    /// kubelet configuration discovery finds in the snapshot (ignored when
    /// `node` is given).
    pub sysfs_root: Option<PathBuf>,
    /// Without `node` or `sysfs_root`: when the snapshot is a directory
    /// holding `sys/devices/system/cpu/online` (a live node, `scan /`),
    /// read the machine from there.
    pub sysfs_auto: bool,
    /// Bounds on reading.
    pub limits: Limits,
    /// Called every 256 entries while the snapshot is read, with the
    /// entries seen and the bytes read so far (the CLI's progress line on a
    /// terminal; `ops` prints nothing itself).
    pub progress: Option<fn(usize, u64)>,
}

/// The snapshot could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: unreadable: {message}")]
    Unreadable { path: PathBuf, message: String },
}

/// One indexed entry.
#[derive(Debug, Clone)]
pub(crate) struct Indexed {
    pub path: String,
    pub kind: EntryKind,
    pub mode: u32,
    pub size: u64,
    pub mtime: i64,
    pub uid: u64,
    pub gid: u64,
    pub sha256: Option<String>,
    pub content: Option<Vec<u8>>,
}

/// A state file judged and lifted.
pub(crate) struct Judged {
    pub path: String,
    pub state: Option<State>,
}

/// Scans the snapshot at `path`.
pub fn scan(path: &Path, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let mut snap = Snapshot::open(path, opts.limits).map_err(|source| ScanError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let source_kind = snap.kind();
    let mut findings: Vec<Finding> = Vec::new();
    let mut index: Vec<Indexed> = Vec::new();
    let mut kept = 0u64;
    let progress = opts.progress;
    let mut seen_bytes = 0u64;
    for (n, item) in snap.entries().enumerate() {
        if let Some(p) = progress {
            if n % 256 == 255 {
                p(n + 1, seen_bytes);
            }
        }
        if let Ok(e) = &item {
            seen_bytes += e.size();
        }
        match item {
            Ok(mut e) => {
                let mut rec = Indexed {
                    path: e.path().to_string(),
                    kind: e.kind().clone(),
                    mode: e.mode(),
                    size: e.size(),
                    mtime: e.mtime(),
                    uid: e.uid(),
                    gid: e.gid(),
                    sha256: None,
                    content: None,
                };
                if rec.kind == EntryKind::File {
                    match e.read_limited(opts.limits.max_file_bytes) {
                        Ok(bytes) => {
                            rec.sha256 = e.sha256_hex();
                            let secret = is_volume_path(&rec.path);
                            if !secret
                                && (bytes.len() as u64) <= KEEP_MAX
                                && kept + bytes.len() as u64 <= KEEP_TOTAL
                            {
                                kept += bytes.len() as u64;
                                rec.content = Some(bytes);
                            }
                        }
                        Err(err) => findings.push(Finding::new(
                            "snapshot.not-read",
                            Severity::Warning,
                            vec![rec.path.clone()],
                            format!("not read: {err}"),
                        )),
                    }
                }
                index.push(rec);
            }
            Err(err @ SnapshotError::Stream { .. }) if index.is_empty() => {
                return Err(ScanError::Unreadable {
                    path: path.to_path_buf(),
                    message: err.to_string(),
                });
            }
            Err(err @ SnapshotError::Stream { .. }) => {
                findings.push(Finding::new(
                    "snapshot.stream-error",
                    Severity::Error,
                    vec![],
                    format!("the archive could not be read to its end ({err}); the report covers the entries before it"),
                ));
                break;
            }
            Err(err @ SnapshotError::UnsafePath { .. }) => {
                let p = match &err {
                    SnapshotError::UnsafePath { path, .. } => path.clone(),
                    _ => String::new(),
                };
                findings.push(Finding::new(
                    "snapshot.unsafe-path",
                    Severity::Warning,
                    vec![p],
                    err.to_string(),
                ));
            }
            Err(err @ SnapshotError::Walk { .. }) => {
                let p = match &err {
                    SnapshotError::Walk { path, .. } => path.clone(),
                    _ => String::new(),
                };
                findings.push(Finding::new(
                    "snapshot.walk-error",
                    Severity::Warning,
                    vec![p],
                    err.to_string(),
                ));
            }
        }
    }
    let bytes_read = snap.bytes_read();
    drop(snap);
    index.sort_by(|a, b| a.path.cmp(&b.path));
    index.dedup_by(|b, a| a.path == b.path); // a later archive member of the same name: first kept

    // The lookup discovery reads from.
    let mut mem = MemFiles::new();
    for e in &index {
        match &e.kind {
            EntryKind::Dir => mem.add_dir(&e.path),
            EntryKind::Symlink { target } => mem.add_symlink(&e.path, target),
            EntryKind::File => {
                if let Some(c) = &e.content {
                    mem.add_file(&e.path, c.clone());
                }
            }
            _ => {}
        }
    }
    let layout = Layout::discover(&mem);
    for n in &layout.notes {
        findings.push(Finding::new(
            n.code,
            note_severity(n.code),
            n.paths.clone(),
            n.message.clone(),
        ));
    }

    // The release.
    let (release, release_info) = choose_release(opts, &mem, &layout);
    // The node facts for the start checks.
    let (node, node_facts) = node_facts(path, source_kind, opts, &layout, &mut findings);
    // Feature gates: the effective configuration's `featureGates` (flags
    // and drop-ins merged), then `--feature-gates` over them.
    let mut gates = Gates::default();
    if let Ok(eff) = &layout.effective {
        if let Some(m) = eff.config.get("featureGates").and_then(|v| v.as_object()) {
            for (k, v) in m {
                if let Some(b) = v.as_bool() {
                    gates.0.insert(k.clone(), b);
                }
            }
        }
    }
    for (k, v) in &opts.gates.0 {
        gates.0.insert(k.clone(), *v);
    }
    let req = vops::Request {
        kind: None,
        for_kubelet: release,
        gates,
        opts: VerifyOptions::default(),
        node,
    };

    // Classify and judge.
    let mut files = Vec::with_capacity(index.len());
    let mut judged: Vec<Judged> = Vec::new();
    let mut readers: Vec<(String, BTreeSet<u8>)> = Vec::new();
    let mut unknown = Vec::new();
    let mut special = Vec::new();
    for e in &index {
        let pk = match &e.kind {
            EntryKind::File | EntryKind::Hardlink { .. } => PathKind::File,
            EntryKind::Dir => PathKind::Dir,
            EntryKind::Symlink { .. } => PathKind::Symlink,
            _ => PathKind::Special,
        };
        let class = classify_kind(&e.path, pk, &layout);
        if class.id() == "unknown" && class.in_kubelet_area && pk != PathKind::Dir {
            unknown.push(e.path.clone());
        }
        if pk == PathKind::Special {
            special.push(format!("{} ({})", e.path, e.kind.name()));
        }
        let mut state_summary = None;
        let is_state = class.info.family == "state" || class.id() == "legacy.dockershim";
        if is_state {
            match (&e.kind, &e.content) {
                (EntryKind::File, Some(bytes)) => {
                    let (s, j, ok) = judge_state(&e.path, bytes, &req, &mut findings);
                    state_summary = Some(s);
                    judged.push(j);
                    if let Some(ok) = ok {
                        readers.push((e.path.clone(), ok));
                    }
                }
                (EntryKind::File, None) => {}
                (k, _) if *k != EntryKind::Dir => findings.push(Finding::new(
                    "state.not-a-file",
                    Severity::Warning,
                    vec![e.path.clone()],
                    format!(
                        "a {} stands where the kubelet keeps a state file; not opened",
                        k.name()
                    ),
                )),
                _ => {}
            }
        }
        files.push(FileEntry {
            path: e.path.clone(),
            kind: e.kind.name(),
            mode: format!("{:04o}", e.mode & 0o7777),
            size: e.size,
            mtime: e.mtime,
            mtime_utc: time::rfc3339(e.mtime),
            uid: e.uid,
            gid: e.gid,
            link_target: match &e.kind {
                EntryKind::Symlink { target } | EntryKind::Hardlink { target } => {
                    Some(target.clone())
                }
                _ => None,
            },
            sha256: e.sha256.clone(),
            class: class.id(),
            owner: class.owner,
            fields: class
                .fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            state: state_summary,
        });
    }
    if !unknown.is_empty() {
        findings.push(Finding::new(
            "layout.unknown",
            Severity::Info,
            unknown.clone(),
            format!(
                "{} path(s) in the kubelet's directories match no known kubelet file",
                unknown.len()
            ),
        ));
    }
    if !special.is_empty() {
        findings.push(Finding::new(
            "snapshot.special-files",
            Severity::Info,
            special
                .iter()
                .map(|s| {
                    s.rsplit_once(" (")
                        .map_or(s.clone(), |(p, _)| p.to_string())
                })
                .collect(),
            format!(
                "FIFOs, sockets or devices (listed, never opened): {}",
                special.join(", ")
            ),
        ));
    }

    let now_unix = opts.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    let ctx = crosscheck::Ctx {
        index: &index,
        files: &files,
        layout: &layout,
        judged: &judged,
        readers: &readers,
        release,
        now: now_unix,
    };
    findings.extend(crosscheck::run(&ctx));
    // A policy mismatch is already its own finding: the restore's refusal
    // under the configured policy is not repeated as a start check.
    let mismatched: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.code.ends_with("-policy-mismatch"))
        .filter_map(|f| f.paths.first().cloned())
        .collect();
    findings.retain(|f| {
        f.code != "state.start-check" || !f.paths.iter().any(|p| mismatched.contains(p))
    });
    let allocation = crosscheck::allocation(&ctx);

    // Timeline: the kubelet's files (classified, not directories), by mtime.
    let mut timeline: Vec<TimelineEntry> = files
        .iter()
        .filter(|f| f.class != "unknown" && f.kind != "dir")
        .map(|f| TimelineEntry {
            mtime: f.mtime,
            time: f.mtime_utc.clone(),
            path: f.path.clone(),
            class: f.class,
        })
        .collect();
    timeline.sort_by(|a, b| (a.mtime, &a.path).cmp(&(b.mtime, &b.path)));

    findings.sort_by(|a, b| {
        (a.severity, &a.code, &a.paths, &a.message)
            .cmp(&(b.severity, &b.code, &b.paths, &b.message))
    });
    findings.dedup();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let summary = Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        files: files.iter().filter(|f| f.kind != "dir").count(),
        unknown: unknown.len(),
    };
    let cfg = |k: &str| {
        layout
            .effective
            .as_ref()
            .ok()
            .and_then(|e| layout::get_path(&e.config, k))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Ok(ScanReport {
        schema: 1,
        tool: Tool {
            name: "kubelet-ckpt",
            version: env!("CARGO_PKG_VERSION"),
        },
        scanned_at: time::rfc3339(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
        now: NowUsed {
            time: time::rfc3339(now_unix),
            unix: now_unix,
            source: if opts.now.is_some() { "--now" } else { "clock" },
        },
        snapshot: SnapshotInfo {
            path: path.display().to_string(),
            kind: match source_kind {
                SourceKind::Directory => "directory",
                SourceKind::Tar => "tar",
                SourceKind::TarGz => "tar.gz",
                SourceKind::TarZst => "tar.zst",
            },
            entries: index.len(),
            bytes_read,
        },
        release: release_info,
        node_facts,
        layout: LayoutInfo {
            mode: match layout.mode {
                RootMode::Full => "full",
                RootMode::KubeletRoot => "kubelet-root",
            },
            prefix: layout.prefix.clone(),
            argv: layout.argv.clone(),
            argv_source: match &layout.argv_source {
                ArgvSource::Systemd(_) => "systemd".into(),
                ArgvSource::Assumed => "assumed (kubeadm defaults)".into(),
            },
            root_dir: layout.root_dir.clone(),
            cert_dir: layout.cert_dir.clone(),
            config: layout.config.clone(),
            config_dir: layout.config_dir.clone(),
            kubeconfig: layout.kubeconfig.clone(),
            static_pod_path: layout.static_pod_path.clone(),
            pod_logs_dir: layout.pod_logs_dir.clone(),
            runtime_endpoint: layout.runtime_endpoint.clone(),
            cpu_manager_policy: cfg("cpuManagerPolicy"),
            memory_manager_policy: cfg("memoryManagerPolicy"),
        },
        summary,
        findings,
        files,
        allocation,
        timeline,
    })
}

/// The snapshot path of a node path (`/var/lib/kubelet/x`), when the
/// snapshot holds that part of the node.
pub(crate) fn node_rel(layout: &Layout, node: &str) -> Option<String> {
    let rel = match layout.mode {
        RootMode::Full => node.trim_start_matches('/').to_string(),
        RootMode::KubeletRoot => {
            let root = layout.root_dir.trim_end_matches('/');
            node.strip_prefix(root)?.trim_start_matches('/').to_string()
        }
    };
    Some(
        format!("{}{rel}", layout.prefix)
            .trim_end_matches('/')
            .to_string(),
    )
}

/// `pods/<uid>/volumes/...` and `volume-subpaths`: secret content.
fn is_volume_path(p: &str) -> bool {
    p.contains("/volumes/") || p.contains("/volume-subpaths/") || p.contains("/volumeDevices/")
}

/// Severities of discovery's notes (spec §3.3).
fn note_severity(code: &str) -> Severity {
    match code {
        "config.file-invalid" | "config.dropin-invalid" => Severity::Error,
        "config.unit-dropin-shadowed" | "config.envfile-missing" | "config.unit-masked" => {
            Severity::Warning
        }
        _ => Severity::Info,
    }
}

/// The release that judges: `--for-kubelet`, else dpkg's kubelet version.
pub(crate) fn choose_release(
    opts: &ScanOptions,
    files: &dyn layout::SnapshotFiles,
    layout: &Layout,
) -> (Option<u8>, ReleaseUsed) {
    let mut hints = Vec::new();
    if let Some(dir) = layout
        .static_pod_path
        .as_deref()
        .and_then(|d| node_rel(layout, d))
    {
        for (name, is_dir) in files.list(&dir).unwrap_or_default() {
            if is_dir {
                continue;
            }
            let text = files.read(&format!("{dir}/{name}")).unwrap_or_default();
            for line in String::from_utf8_lossy(&text).lines() {
                let l = line.trim().trim_start_matches("- ").trim();
                if let Some(img) = l.strip_prefix("image:") {
                    let img = img.trim().trim_matches('"');
                    if img.contains("kube-apiserver:") {
                        hints.push(format!(
                            "static pod {name} runs {img} (the kubelet may be older, within the skew policy)"
                        ));
                    }
                }
            }
        }
    }
    if let Some(m) = opts.for_kubelet {
        return (
            Some(m),
            ReleaseUsed {
                minor: Some(format!("1.{m}")),
                source: "--for-kubelet".into(),
                hints,
            },
        );
    }
    let dpkg = format!("{}var/lib/dpkg/status", layout.prefix);
    if let Some(text) = files.read(&dpkg) {
        let text = String::from_utf8_lossy(&text);
        for stanza in text.split("\n\n") {
            if !stanza.lines().any(|l| l.trim() == "Package: kubelet") {
                continue;
            }
            if let Some(v) = stanza
                .lines()
                .find_map(|l| l.strip_prefix("Version:"))
                .map(str::trim)
            {
                let upstream = v.split('-').next().unwrap_or(v);
                if let Some(m) = releases::parse_version(upstream) {
                    return (
                        Some(m),
                        ReleaseUsed {
                            minor: Some(format!("1.{m}")),
                            source: format!("{dpkg} (kubelet {v})"),
                            hints,
                        },
                    );
                }
            }
        }
    }
    (
        None,
        ReleaseUsed {
            minor: None,
            source: "not named by the snapshot (no --for-kubelet, no kubelet package record; the binary's version is not read): every release judges, as verify does".into(),
            hints,
        },
    )
}

/// The node the start checks run against: `--node`, else the machine from
/// `--sysfs-root` (or, for a directory snapshot holding one, its own
/// sysfs) with the kubelet configuration discovery found.
fn node_facts(
    path: &Path,
    source: SourceKind,
    opts: &ScanOptions,
    layout: &Layout,
    findings: &mut Vec<Finding>,
) -> (Option<Arc<Node>>, NodeFactsUsed) {
    let none = |why: &str| NodeFactsUsed {
        start_checks: false,
        source: why.to_string(),
    };
    if let Some(n) = &opts.node {
        return (
            Some(n.clone()),
            NodeFactsUsed {
                start_checks: true,
                source: "--node".into(),
            },
        );
    }
    let (root, how) = match (&opts.sysfs_root, opts.sysfs_auto, source) {
        (Some(r), _, _) => (r.clone(), "--sysfs-root"),
        (None, true, SourceKind::Directory) => {
            let r = path.join(&layout.prefix);
            if !crate::ops::node::has_sysfs(&r) {
                return (
                    None,
                    none("none: the snapshot holds no sys/devices/system (pass --node or --sysfs-root for the start checks)"),
                );
            }
            (r, "the snapshot's own sysfs")
        }
        (None, true, _) => {
            return (
                None,
                none("none: an archive carries no sysfs (pass --node or --sysfs-root for the start checks)"),
            )
        }
        (None, false, _) => return (None, none("none")),
    };
    let config = match &layout.effective {
        Ok(e) => e.config.clone(),
        Err(e) => {
            return (
                None,
                none(&format!(
                "none: the kubelet configuration is refused ({}), so the start checks cannot run",
                e.message
            )),
            )
        }
    };
    match crate::ops::node::from_config_value(&config, &root) {
        Ok(n) => (
            Some(Arc::new(n)),
            NodeFactsUsed {
                start_checks: true,
                source: format!(
                    "machine from {how} ({}), kubelet configuration as discovered{}",
                    root.display(),
                    layout
                        .config
                        .as_deref()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default()
                ),
            },
        ),
        Err(e) => {
            findings.push(Finding::new(
                "node.facts-unreadable",
                Severity::Warning,
                vec![],
                format!("the start checks do not run: {e}"),
            ));
            (None, none(&format!("none: {e}")))
        }
    }
}

/// Judges one state file: the summary for the file list, the lifted state,
/// and the releases that read it (ok or ignore it). With node facts in
/// `req`, a file every judging release reads is judged again with the
/// static policies' start checks; their refusal is a `state.start-check`
/// error (the kubelet exits).
fn judge_state(
    path: &str,
    bytes: &[u8],
    req: &vops::Request,
    findings: &mut Vec<Finding>,
) -> (StateSummary, Judged, Option<BTreeSet<u8>>) {
    let p = Path::new(path);
    let mut summary = StateSummary {
        kind: None,
        verdict: "unknown".into(),
        message: String::new(),
        decided_by: None,
        fatal: false,
        ok_releases: String::new(),
        summary: String::new(),
    };
    let plain = vops::Request {
        node: None,
        ..req.clone()
    };
    let report = match vops::judge(p, bytes, &plain) {
        Ok(r) => r,
        Err(e) => {
            summary.verdict = "undetermined".into();
            summary.message = e.to_string();
            findings.push(Finding::new(
                "state.undetermined",
                Severity::Warning,
                vec![path.to_string()],
                format!("the verdict could not be determined: {e}"),
            ));
            return (
                summary,
                Judged {
                    path: path.to_string(),
                    state: None,
                },
                None,
            );
        }
    };
    summary.kind = report.kind.map(str::to_owned);
    summary.verdict = report.status.as_str().into();
    summary.message =
        crate::excerpt::cap(&report.verification.message, vops::MESSAGE_CAP).into_owned();
    summary.decided_by = report.decided_by.map(|m| format!("1.{m}"));
    // The file the kubelet reads it as: its own, or the one its path names.
    let file = report.read_as.or(report.file);
    if let (Some(m), Some(f)) = (report.decided_by, file) {
        summary.fatal = releases::row(f, m).is_some_and(|r| r.is_fatal());
    }
    // Releases that read the file fine.
    let mut ok = None;
    if let Some(f) = file {
        let spans = match &report.releases {
            Releases::All { spans, .. } => spans.clone(),
            _ => releases::spans(f, &req.gates, bytes, &req.opts, req.node.as_deref()),
        };
        let mut set = BTreeSet::new();
        let mut labels = Vec::new();
        for s in &spans {
            let fine = match &s.verdict {
                ReleaseVerdict::Ignored => true,
                ReleaseVerdict::Judged { verification, .. } => {
                    verification.verdict == crate::formats::Verdict::Ok
                }
                _ => false,
            };
            if fine {
                set.extend(s.first..=s.last);
                if matches!(s.verdict, ReleaseVerdict::Judged { .. }) {
                    labels.push(s.label());
                }
            }
        }
        summary.ok_releases = if labels.is_empty() {
            "none".into()
        } else {
            labels.join(", ")
        };
        ok = Some(set);
    }
    match report.status {
        Status::Ok | Status::Unknown => {}
        Status::Ignored => findings.push(Finding::new(
            "state.leftover",
            Severity::Info,
            vec![path.to_string()],
            format!(
                "{}: {}",
                summary.kind.as_deref().unwrap_or("?"),
                summary.message
            ),
        )),
        _ => {
            let sev = if summary.fatal {
                Severity::Error
            } else {
                Severity::Warning
            };
            let who = summary
                .decided_by
                .as_ref()
                .map_or("the kubelet".to_string(), |m| format!("kubelet {m}"));
            let consequence = if summary.fatal {
                "the kubelet will not start"
            } else {
                "the kubelet logs it and goes on"
            };
            // Content of another kubelet file under this one's name.
            let what = match (report.read_as, report.file) {
                (Some(_), Some(own)) => format!(
                    "{}, the content of a {own}",
                    summary.kind.as_deref().unwrap_or("?")
                ),
                _ => summary.kind.as_deref().unwrap_or("?").to_string(),
            };
            findings.push(Finding::new(
                "state.verdict",
                sev,
                vec![path.to_string()],
                format!(
                    "{} ({what}) for {who}: {}; {consequence}",
                    summary.verdict, summary.message
                ),
            ));
        }
    }
    if report.status == Status::Unknown {
        summary.message = report.verification.message.clone();
    }
    let node_aware = matches!(
        report.file,
        Some("cpu_manager_state" | "memory_manager_state")
    );
    if req.node.is_some() && node_aware && report.status == Status::Ok {
        match vops::judge(p, bytes, req) {
            Ok(r) if !r.status.passes() => {
                summary.verdict = r.status.as_str().into();
                summary.message =
                    crate::excerpt::cap(&r.verification.message, vops::MESSAGE_CAP).into_owned();
                summary.decided_by = r.decided_by.map(|m| format!("1.{m}"));
                summary.fatal = true;
                let who = summary
                    .decided_by
                    .as_ref()
                    .map_or("the kubelet".to_string(), |m| format!("kubelet {m}"));
                findings.push(Finding::new(
                    "state.start-check",
                    Severity::Error,
                    vec![path.to_string()],
                    format!(
                        "{} ({}) for {who} against this node: {}; the kubelet will not start",
                        summary.verdict,
                        summary.kind.as_deref().unwrap_or("?"),
                        summary.message
                    ),
                ));
            }
            Ok(_) => {}
            Err(e) => findings.push(Finding::new(
                "state.undetermined",
                Severity::Warning,
                vec![path.to_string()],
                format!("the start checks could not be run: {e}"),
            )),
        }
    }
    let state = report
        .kind
        .and_then(|k| crate::formats::state::lift(k, bytes))
        .and_then(Result::ok);
    if let Some(s) = &state {
        summary.summary = crosscheck::describe(s);
        for w in crate::ops::inspect::warnings(s) {
            use crate::ops::inspect::WarningCode as W;
            let (code, sev) = match w.code {
                W::OverlappingExclusiveCpus | W::DeviceInTwoContainers => {
                    ("pods.duplicate-owner".to_string(), Severity::Error)
                }
                c => {
                    let name = serde_json::to_value(c)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    (format!("state.{name}"), Severity::Warning)
                }
            };
            findings.push(Finding::new(
                code,
                sev,
                vec![path.to_string()],
                format!("{}: {}", w.subject, w.message),
            ));
        }
    }
    (
        summary,
        Judged {
            path: path.to_string(),
            state,
        },
        ok,
    )
}

/// Releases as spans: `1.33–1.34, 1.37`.
pub(crate) fn spans_label(set: &BTreeSet<u8>) -> String {
    let v: Vec<u8> = set.iter().copied().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let s = v[i];
        let mut e = s;
        while i + 1 < v.len() && v[i + 1] == e + 1 {
            i += 1;
            e = v[i];
        }
        out.push(if s == e {
            format!("1.{s}")
        } else {
            format!("1.{s}–1.{e}")
        });
        i += 1;
    }
    out.join(", ")
}

/// Pod names by UID, from log directories (`<ns>_<name>_<uid>`).
pub(crate) fn pod_names(files: &[FileEntry]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for f in files {
        if f.class == "log.pod-dir" {
            if let (Some(ns), Some(pod), Some(uid)) = (
                f.fields.get("namespace"),
                f.fields.get("pod"),
                f.fields.get("uid"),
            ) {
                m.insert(uid.clone(), format!("{ns}/{pod}"));
            }
        }
    }
    m
}

/// Which directories a scan of a directory snapshot lists: a copy of a
/// node's `/` (or the live `/`) holds `/proc`, `/sys`, container images and
/// logs, none of them kubelet files. The kubelet's own directories are
/// walked whole, except the contents of pod volumes (secrets; the scan
/// needs only that `pods/<uid>` exists); elsewhere only the paths where the
/// kubelet's files and settings live. Pruned directories are still listed
/// as entries.
pub fn kubelet_dirs(rel: &str) -> bool {
    // Directories never walked (wherever the snapshot's root is).
    const SKIP: &[&str] = &[
        "proc",
        "dev",
        "boot",
        "home",
        "root",
        "tmp",
        "mnt",
        "media",
        "srv",
        "opt",
        "snap",
        "bin",
        "sbin",
        "lib32",
        "lib64",
        "var/cache",
        "var/log",
        "var/tmp",
        "var/lib/containerd",
        "var/lib/docker",
        "var/lib/containers",
        "var/lib/apt",
        "var/lib/snapd",
        "run/containerd",
        "var/run/containerd",
    ];
    // Trees walked only along these paths.
    const ONLY: &[(&str, &[&str])] = &[
        ("usr", &["usr/lib/systemd", "usr/local/lib/systemd"]),
        ("lib", &["lib/systemd"]),
        (
            "sys",
            &["sys/devices/system/cpu", "sys/devices/system/node"],
        ),
    ];
    if SKIP.contains(&rel) {
        return false;
    }
    // pods/<uid>/volumes anywhere (a copy of /var/lib/kubelet, or of /).
    let parts: Vec<&str> = rel.split('/').collect();
    if parts.len() >= 3 && parts[parts.len() - 1] == "volumes" && parts[parts.len() - 3] == "pods" {
        return false;
    }
    let top = parts[0];
    match ONLY.iter().find(|(t, _)| *t == top) {
        None => true,
        Some((_, allowed)) => allowed.iter().any(|a| {
            a.starts_with(&format!("{rel}/")) || rel == *a || rel.starts_with(&format!("{a}/"))
        }),
    }
}

/// [`kubelet_dirs`] for a snapshot that is a whole root (`/`, or a copy
/// holding `etc/` and `var/`): at the top only the trees where the kubelet,
/// its unit, its configuration and the machine facts live are walked
/// (`etc`, `var`, `run`, `usr`, `lib`, `sys`); anything else there (home
/// directories, build trees, mounted volumes) is listed, not walked.
pub fn root_dirs(rel: &str) -> bool {
    const TOPS: [&str; 6] = ["etc", "var", "run", "usr", "lib", "sys"];
    let top = rel.split('/').next().unwrap_or("");
    TOPS.contains(&top) && kubelet_dirs(rel)
}

/// The directory rule for a directory snapshot at `path`: [`root_dirs`]
/// for a whole root, [`kubelet_dirs`] otherwise (a copy of
/// `/var/lib/kubelet`, or one directory holding a root).
pub fn descend_rule(path: &std::path::Path) -> fn(&str) -> bool {
    let whole_root =
        path.join("proc").is_dir() || (path.join("etc").is_dir() && path.join("var").is_dir());
    if whole_root {
        root_dirs
    } else {
        kubelet_dirs
    }
}

#[cfg(test)]
mod kubelet_dirs_tests {
    use super::{kubelet_dirs, root_dirs};

    #[test]
    fn a_whole_root_walks_only_the_kubelet_trees() {
        assert!(root_dirs("etc/kubernetes"));
        assert!(root_dirs("var/lib/kubelet"));
        assert!(!root_dirs("work"));
        assert!(!root_dirs("home/user"));
        assert!(!root_dirs("proc"));
        assert!(kubelet_dirs("work"));
    }

    #[test]
    fn prunes_what_is_no_kubelet_file() {
        for yes in [
            "etc",
            "etc/kubernetes/pki",
            "var",
            "var/lib/kubelet",
            "var/lib/kubelet/pods/u1",
            "var/lib/kubelet/pods/u1/containers",
            "usr",
            "usr/lib",
            "usr/lib/systemd/system",
            "sys",
            "sys/devices",
            "sys/devices/system/node/node0",
            "pods/u1",
        ] {
            assert!(kubelet_dirs(yes), "{yes}");
        }
        for no in [
            "proc",
            "usr/share",
            "usr/lib/x86_64-linux-gnu",
            "sys/class",
            "sys/devices/pci0000:00",
            "var/lib/containerd",
            "var/log",
            "var/lib/kubelet/pods/u1/volumes",
            "pods/u1/volumes",
        ] {
            assert!(!kubelet_dirs(no), "{no}");
        }
    }
}

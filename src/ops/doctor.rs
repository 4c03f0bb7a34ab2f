//! `doctor`: the live node's kubelet state files, checked (and with `fix`
//! repaired) before the kubelet starts — the `ExecStartPre` of
//! `deploy/kubelet-ckpt-doctor.conf`.
//!
//! 1. The layout is discovered as `scan` discovers it
//!    ([`Layout::discover`]: unit and drop-ins, `kubeadm-flags.env`, flags,
//!    config file and `--config-dir` drop-ins, `--root-dir`), reading the
//!    few files it needs straight from the node under `root` (no walk of
//!    the whole file system: this runs on every kubelet start).
//! 2. The release is `for_kubelet`, else the kubelet package version in
//!    `var/lib/dpkg/status` (as scan chooses it); without one doctor stops
//!    (exit 2): repairing for the wrong release would break the node.
//! 3. The machine is read from `<root>/sys` with the discovered
//!    configuration ([`crate::ops::node::from_config_value`]); the feature
//!    gates are the configuration's `featureGates`. A configuration the
//!    kubelet refuses stops here (exit 1, nothing touched).
//! 4. Every checkpoint and state file under the root directory (top level,
//!    `device-plugins/`, `image_manager/`) is judged for that release with
//!    the start checks ([`crate::ops::verify::judge`]). A file that stops
//!    the kubelet (the release's row says its failure is fatal) gets
//!    repair's plan ([`repair::plan`]); files whose failure the kubelet only
//!    logs are reported, not touched.
//! 5. With `fix`: when any plan is a configuration error, nothing is
//!    written (the configuration, not the files, stops the kubelet); else,
//!    unless a kubelet runs ([`repair::write_guard`]: its lock held, or a
//!    process `kubelet` with the layout's root directory in `<root>/proc`),
//!    every
//!    Rewrite / SetAside plan is applied by [`repair::apply`] (backup,
//!    atomic write, planned-bytes check), and each file is judged again.
//!
//! The kubelet can start (exit 0) when every such file loads afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::formats::node::Node;
use crate::formats::releases::{self, Gates};
use crate::fs::lock::DEFAULT_LOCK_PATH;
use crate::ops::repair::{self, Action, Applied, Guard, Plan, RepairRequest};
use crate::ops::scan::layout::{classify_kind, Layout, PathKind, SnapshotFiles};
use crate::ops::scan::{self, ScanOptions};
use crate::ops::verify as vops;

/// What the caller asks.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// The node's `/` (`--root`).
    pub root: PathBuf,
    /// `--for-kubelet` (minor release); default: dpkg's kubelet version.
    pub for_kubelet: Option<u8>,
    /// Apply the plans (`--fix`).
    pub fix: bool,
    /// Let repairs release assignments and drop what the target shape
    /// cannot hold (`--allow-loss`).
    pub allow_loss: bool,
    /// The kubelet's lock file (`--lock-file`); default: the unit's
    /// `--lock-file`, else `/var/run/kubelet.lock`, under `root`.
    pub lock_file: Option<PathBuf>,
    /// Write even while a kubelet runs (`--force`).
    pub force: bool,
    /// Where running kubelets are looked for (`--proc-root`); default:
    /// `proc` under `root`.
    pub proc_root: Option<PathBuf>,
    /// Where backups go (`--backup-dir`); default beside each file.
    pub backup_dir: Option<PathBuf>,
    /// Largest file read.
    pub max_size: u64,
}

/// What doctor did to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The release reads the file (with the start checks).
    Ok,
    /// The file fails, but the kubelet logs it and starts: not touched.
    NotFatal,
    /// Would be repaired (no `--fix`).
    WouldRewrite,
    /// Would be set aside (no `--fix`).
    WouldSetAside,
    /// Rewritten in place (backup beside it).
    Rewritten,
    /// Renamed to a backup: the kubelet starts with a fresh state.
    SetAside,
    /// Repair refused (needs `--allow-loss`, or no rewrite passes).
    Refused,
    /// The configuration stops the kubelet before it reads the file.
    ConfigError,
    /// Not written: the lock is held, or a configuration error elsewhere.
    Untouched,
    /// Writing failed, or no plan could be made.
    Failed,
}

/// One state file.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorFile {
    /// The node path (`/var/lib/kubelet/cpu_manager_state`).
    pub path: String,
    /// The kubelet file (`cpu_manager_state`).
    pub file: Option<String>,
    /// The kind it was judged as.
    pub kind: Option<String>,
    /// The release's verdict before.
    pub before: String,
    /// Its message.
    pub message: String,
    /// Whether a failure stops the kubelet.
    pub fatal: bool,
    /// What was done.
    pub outcome: Outcome,
    /// Strategies of the plan's changes (`policy`, `shape`, `checksum`,
    /// `salvage`, ...), the metric's `reason`.
    pub reasons: Vec<String>,
    /// Backup of the old bytes (rewrite) or the set-aside name.
    pub backup: Option<String>,
    /// The release's verdict afterwards (`absent` once set aside).
    pub after: String,
    /// Refusals, errors, what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Repair's plan, when one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Where the file is read and written (under `--root`).
    #[serde(skip)]
    pub host: PathBuf,
}

impl DoctorFile {
    /// Whether the kubelet can start as far as this file goes.
    pub fn loads(&self) -> bool {
        !self.fatal || self.after == "ok" || self.after == "ignored" || self.after == "absent"
    }
}

/// What doctor found and did.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// `--root`.
    pub root: String,
    /// `1.34`.
    pub release: String,
    /// Where the release came from.
    pub release_source: String,
    /// The kubelet's `--config`, `--config-dir` and `--root-dir`.
    pub config: Option<String>,
    pub config_dir: Option<String>,
    pub root_dir: String,
    /// Where the machine was read.
    pub machine: String,
    /// Whether plans were applied.
    pub fix: bool,
    /// A configuration error the kubelet stops on (then nothing is touched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_error: Option<String>,
    /// Why nothing was written although plans were (lock held, a kubelet
    /// running with the root directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_written: Option<String>,
    /// Written with `--force` although a kubelet runs: what was overridden.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forced: Option<String>,
    /// Every state file, in path order.
    pub files: Vec<DoctorFile>,
    /// Whether every file that stops the kubelet loads now.
    pub can_start: bool,
}

impl DoctorReport {
    /// 0 when the kubelet can start, else 1.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.can_start)
    }

    /// Repairs done in this run by (file, reason).
    pub fn repairs(&self) -> BTreeMap<(String, String), u64> {
        let mut m = BTreeMap::new();
        for f in &self.files {
            if matches!(f.outcome, Outcome::Rewritten | Outcome::SetAside) {
                *m.entry((f.path.clone(), f.reasons.join("+"))).or_default() += 1;
            }
        }
        m
    }
}

/// Doctor could not decide (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DoctorError(pub String);

/// The node's files under `root`, read on demand for discovery (files up
/// to `max` bytes). Symlinks are followed as the kubelet and systemd follow
/// them on the node, but inside `root`: with `--root /mnt/node`, a link to
/// `/etc/kubernetes/kubelet.conf` means `/mnt/node/etc/kubernetes/...`,
/// never the host's own file (`openat2`'s `RESOLVE_IN_ROOT`).
struct HostFiles {
    root: PathBuf,
    max: u64,
}

/// Symlinks followed in one lookup before giving up (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

impl HostFiles {
    /// The host path of node path `p`, symlinks in it resolved inside the
    /// root (absolute targets re-rooted, `..` never above the root). A
    /// loop or a dangling link leaves the path as far as it resolved.
    fn host(&self, p: &str) -> PathBuf {
        let mut todo: Vec<String> = p
            .split('/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(str::to_string)
            .collect();
        // Components resolved so far, below the root.
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(c) = todo.pop() {
            match c.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            let here = done.iter().fold(self.root.clone(), |p, c| p.join(c));
            let candidate = here.join(&c);
            let target = std::fs::symlink_metadata(&candidate)
                .ok()
                .filter(|m| m.file_type().is_symlink())
                .and_then(|_| std::fs::read_link(&candidate).ok());
            match target {
                Some(t) if links < MAX_LINKS => {
                    links += 1;
                    let t = t.to_string_lossy().into_owned();
                    if t.starts_with('/') {
                        done.clear();
                    }
                    todo.extend(
                        t.split('/')
                            .filter(|c| !c.is_empty())
                            .rev()
                            .map(str::to_string),
                    );
                }
                _ => done.push(c),
            }
        }
        done.iter().fold(self.root.clone(), |p, c| p.join(c))
    }
}

impl SnapshotFiles for HostFiles {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let p = self.host(path);
        let m = std::fs::metadata(&p).ok()?;
        if !m.is_file() || m.len() > self.max {
            return None;
        }
        std::fs::read(p).ok()
    }
    fn list(&self, dir: &str) -> Option<Vec<(String, bool)>> {
        let rd = std::fs::read_dir(self.host(dir)).ok()?;
        let mut v: Vec<(String, bool)> = rd
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
                Some((name, is_dir))
            })
            .collect();
        v.sort();
        Some(v)
    }
    fn link(&self, path: &str) -> Option<String> {
        // The link itself, its directory resolved inside the root.
        let (dir, name) = path
            .trim_end_matches('/')
            .rsplit_once('/')
            .unwrap_or(("", path));
        std::fs::read_link(self.host(dir).join(name))
            .ok()
            .map(|t| t.to_string_lossy().into_owned())
    }
}

/// The state files under the kubelet root directory (snapshot paths
/// relative to `root`), sorted.
fn state_files(files: &HostFiles, layout: &Layout) -> Vec<String> {
    let Some(base) = scan::node_rel(layout, &layout.root_dir) else {
        return Vec::new();
    };
    let mut dirs = vec![base.clone(), format!("{base}/device-plugins")];
    for d in ["pulling", "pulled", "observed-preloaded"] {
        dirs.push(format!("{base}/image_manager/{d}"));
    }
    let mut out = Vec::new();
    for d in dirs {
        for (name, is_dir) in files.list(&d).unwrap_or_default() {
            if is_dir {
                continue;
            }
            let rel = format!("{d}/{name}");
            if !files.host(&rel).is_file() {
                continue;
            }
            let class = classify_kind(&rel, PathKind::File, layout);
            if class.info.family == "state" {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

/// Runs doctor on the node under `opts.root`.
pub fn run(opts: &DoctorOptions) -> Result<DoctorReport, DoctorError> {
    let files = HostFiles {
        root: opts.root.clone(),
        max: opts.max_size,
    };
    let layout = Layout::discover(&files);
    let sopts = ScanOptions {
        for_kubelet: opts.for_kubelet,
        ..Default::default()
    };
    let (minor, used) = scan::choose_release(&sopts, &files, &layout);
    let Some(minor) = minor else {
        return Err(DoctorError(format!(
            "the kubelet release is not known ({}): pass --for-kubelet (or set KUBELET_CKPT_KUBELET_VERSION)",
            used.source
        )));
    };
    let mut report = DoctorReport {
        root: opts.root.display().to_string(),
        release: format!("1.{minor}"),
        release_source: used.source,
        config: layout.config.clone(),
        config_dir: layout.config_dir.clone(),
        root_dir: layout.root_dir.clone(),
        machine: opts.root.join("sys").display().to_string(),
        fix: opts.fix,
        config_error: None,
        not_written: None,
        forced: None,
        files: Vec::new(),
        can_start: true,
    };
    let config = match &layout.effective {
        Ok(e) => e.config.clone(),
        Err(e) => {
            report.config_error = Some(format!(
                "the kubelet refuses its configuration ({}: {}); no state file is read or touched",
                e.path, e.message
            ));
            report.can_start = false;
            return Ok(report);
        }
    };
    let node: Arc<Node> = Arc::new(
        crate::ops::node::from_config_value(&config, &opts.root).map_err(|e| {
            DoctorError(format!(
                "the start checks need the machine and the configuration: {e}"
            ))
        })?,
    );
    let gates = Gates(node.kubelet_config.feature_gates.clone());
    let req = vops::Request {
        kind: None,
        for_kubelet: Some(minor),
        gates: gates.clone(),
        opts: Default::default(),
        node: Some(node.clone()),
    };
    let rreq = RepairRequest {
        kind: None,
        for_kubelet: Some(minor),
        gates,
        node: Some(node),
        allow_loss: opts.allow_loss,
    };

    // Judge, and plan what stops the kubelet.
    for rel in state_files(&files, &layout) {
        let host = files.host(&rel);
        let path = layout.node_path(&rel).unwrap_or_else(|| format!("/{rel}"));
        let mut f = DoctorFile {
            path,
            file: None,
            kind: None,
            before: String::new(),
            message: String::new(),
            fatal: false,
            outcome: Outcome::Ok,
            reasons: Vec::new(),
            backup: None,
            after: String::new(),
            note: None,
            plan: None,
            host: host.clone(),
        };
        let bytes = match vops::read(&host, opts.max_size) {
            Ok(b) => b,
            Err(e) => {
                f.before = "unreadable".into();
                f.after = "unreadable".into();
                f.fatal = true;
                f.outcome = Outcome::Failed;
                f.note = Some(e.to_string());
                report.files.push(f);
                continue;
            }
        };
        let (status, message, file, kind) = judge(&host, &bytes, &req);
        f.before = status.clone();
        f.after = status.clone();
        f.message = message;
        f.file = file.map(str::to_owned);
        f.kind = kind.map(str::to_owned);
        if status == "ok" || status == "ignored" {
            report.files.push(f);
            continue;
        }
        f.fatal = file
            .and_then(|n| releases::row(n, minor))
            .is_some_and(|r| r.is_fatal());
        if !f.fatal {
            f.outcome = Outcome::NotFatal;
            report.files.push(f);
            continue;
        }
        match repair::plan(&host, &bytes, &rreq) {
            Ok(p) => {
                f.reasons = reasons(&p);
                f.outcome = match p.action {
                    Action::Nothing => Outcome::Ok,
                    Action::Rewrite => Outcome::WouldRewrite,
                    Action::SetAside => Outcome::WouldSetAside,
                    Action::Refused => Outcome::Refused,
                    Action::ConfigError => Outcome::ConfigError,
                };
                f.note.clone_from(&p.message);
                f.plan = Some(p);
            }
            Err(e) => {
                f.outcome = Outcome::Failed;
                f.note = Some(e.to_string());
            }
        }
        report.files.push(f);
    }

    // Apply.
    if let Some(c) = report
        .files
        .iter()
        .find(|f| f.outcome == Outcome::ConfigError)
    {
        report.config_error = c.note.clone();
    }
    let pending = report
        .files
        .iter()
        .any(|f| matches!(f.outcome, Outcome::WouldRewrite | Outcome::WouldSetAside));
    if opts.fix && pending {
        let refusal = if report.config_error.is_some() {
            Some("a configuration error stops the kubelet whatever the files hold; nothing is written".to_string())
        } else {
            let proc_root = opts
                .proc_root
                .clone()
                .unwrap_or_else(|| opts.root.join("proc"));
            let live = opts.root == Path::new("/");
            match repair::write_guard(
                &lock_path(opts, &layout),
                &proc_root,
                Some(Path::new(&layout.root_dir)),
                live,
                opts.force,
            ) {
                Guard::Clear => None,
                Guard::Refused(why) => Some(why),
                Guard::Forced(what) => {
                    report.forced = Some(what);
                    None
                }
            }
        };
        for f in &mut report.files {
            if !matches!(f.outcome, Outcome::WouldRewrite | Outcome::WouldSetAside) {
                continue;
            }
            if let Some(why) = &refusal {
                f.outcome = Outcome::Untouched;
                f.note = Some(why.clone());
                continue;
            }
            let host = f.host.clone();
            let plan = f.plan.as_ref().expect("planned files have a plan");
            match repair::apply(&host, plan, opts.backup_dir.as_deref()) {
                Ok(Applied::Rewritten { backup }) => {
                    f.outcome = Outcome::Rewritten;
                    f.backup = backup.map(|b| b.display().to_string());
                    f.after = match vops::read(&host, opts.max_size) {
                        Ok(b) => judge(&host, &b, &req).0,
                        Err(e) => format!("unreadable: {e}"),
                    };
                }
                Ok(Applied::SetAside { to }) => {
                    f.outcome = Outcome::SetAside;
                    f.backup = Some(to.display().to_string());
                    f.after = "absent".into();
                }
                Ok(Applied::Nothing) => {}
                Err(e) => {
                    f.outcome = Outcome::Failed;
                    f.note = Some(e.to_string());
                }
            }
        }
        report.not_written = refusal;
    }
    report.can_start = report.config_error.is_none() && report.files.iter().all(DoctorFile::loads);
    Ok(report)
}

/// The lock file probed before writing: `--lock-file` as given, else the
/// unit's `--lock-file` or the kubelet's default, under `root`.
fn lock_path(opts: &DoctorOptions, layout: &Layout) -> PathBuf {
    if let Some(p) = &opts.lock_file {
        return p.clone();
    }
    let node = layout.lock_file.as_deref().unwrap_or(DEFAULT_LOCK_PATH);
    opts.root.join(node.trim_start_matches('/'))
}

/// The release's verdict (with the start checks): status, message, the
/// kubelet file and the kind.
fn judge(
    path: &Path,
    bytes: &[u8],
    req: &vops::Request,
) -> (String, String, Option<&'static str>, Option<&'static str>) {
    match vops::judge(path, bytes, req) {
        Ok(r) => (
            r.status.as_str().to_string(),
            crate::excerpt::cap(&r.verification.message, vops::MESSAGE_CAP).into_owned(),
            r.file,
            r.kind,
        ),
        Err(e) => ("undetermined".into(), e.to_string(), None, None),
    }
}

/// The distinct strategies of a plan, in order (`set-aside` for a set-aside).
fn reasons(p: &Plan) -> Vec<String> {
    if p.action == Action::SetAside {
        return vec!["set-aside".into()];
    }
    let mut v: Vec<String> = Vec::new();
    for c in &p.changes {
        if !v.iter().any(|s| s == c.strategy) {
            v.push(c.strategy.to_string());
        }
    }
    v
}

/// A Prometheus label value: `\`, `"` and newline escaped.
pub fn label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// Undoes [`label`].
fn unlabel(v: &str) -> String {
    let mut s = String::new();
    let mut it = v.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => s.push('\n'),
                Some(o) => s.push(o),
                None => s.push('\\'),
            }
        } else {
            s.push(c);
        }
    }
    s
}

/// `kubelet_ckpt_repairs_total` samples of an earlier textfile, so the
/// counter keeps counting across runs (and boots).
fn previous_repairs(text: &str) -> BTreeMap<(String, String), u64> {
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("kubelet_ckpt_repairs_total{file=\"") else {
            continue;
        };
        // file="...",reason="..."} N, with escapes inside the values.
        let Some((file, rest)) = split_value(rest) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(",reason=\"") else {
            continue;
        };
        let Some((reason, rest)) = split_value(rest) else {
            continue;
        };
        let Some(n) = rest
            .strip_prefix('}')
            .and_then(|n| n.trim().parse::<f64>().ok())
        else {
            continue;
        };
        *m.entry((unlabel(file), unlabel(reason))).or_default() += n as u64;
    }
    m
}

/// The escaped value up to its closing quote, and what follows the quote.
fn split_value(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some((&s[..i], &s[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// The Prometheus textfile for `report`; `previous` is the file's earlier
/// content (its repair counts are carried over).
pub fn metrics(report: &DoctorReport, previous: Option<&str>, now_unix: i64) -> String {
    let mut repairs = previous.map(previous_repairs).unwrap_or_default();
    for (k, n) in report.repairs() {
        *repairs.entry(k).or_default() += n;
    }
    let mut verdicts: BTreeMap<&str, u64> = BTreeMap::new();
    for f in &report.files {
        *verdicts.entry(f.after.as_str()).or_default() += 1;
    }
    let mut s = String::new();
    s.push_str("# HELP kubelet_ckpt_repairs_total Kubelet state files repaired by kubelet-ckpt doctor, by file and reason (the repair strategies, or set-aside).\n");
    s.push_str("# TYPE kubelet_ckpt_repairs_total counter\n");
    for ((file, reason), n) in &repairs {
        s.push_str(&format!(
            "kubelet_ckpt_repairs_total{{file=\"{}\",reason=\"{}\"}} {n}\n",
            label(file),
            label(reason)
        ));
    }
    s.push_str("# HELP kubelet_ckpt_files Kubelet state files by the node's kubelet release's verdict after the last doctor run (absent: set aside).\n");
    s.push_str("# TYPE kubelet_ckpt_files gauge\n");
    for (v, n) in &verdicts {
        s.push_str(&format!(
            "kubelet_ckpt_files{{verdict=\"{}\"}} {n}\n",
            label(v)
        ));
    }
    s.push_str("# HELP kubelet_ckpt_kubelet_can_start 1 when every state file that stops the kubelet loads after the last doctor run.\n");
    s.push_str("# TYPE kubelet_ckpt_kubelet_can_start gauge\n");
    s.push_str(&format!(
        "kubelet_ckpt_kubelet_can_start {}\n",
        u8::from(report.can_start)
    ));
    s.push_str("# HELP kubelet_ckpt_last_run_timestamp_seconds When kubelet-ckpt doctor last ran (Unix seconds).\n");
    s.push_str("# TYPE kubelet_ckpt_last_run_timestamp_seconds gauge\n");
    s.push_str(&format!(
        "kubelet_ckpt_last_run_timestamp_seconds {now_unix}\n"
    ));
    s
}

/// Writes `bytes` to `path` atomically (a temp file in the same directory,
/// fsynced, renamed over it; mode 0644 for the textfile collector).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(
        ".{name}{}{}",
        crate::fs::atomic::TEMP_MARKER,
        std::process::id()
    ));
    let r = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_escape_and_counts_carry_over() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let prev = "# HELP x\nkubelet_ckpt_repairs_total{file=\"/v/a\\\"b\",reason=\"policy+shape\"} 2\nkubelet_ckpt_files{verdict=\"ok\"} 3\n";
        let m = previous_repairs(prev);
        assert_eq!(
            m.get(&("/v/a\"b".to_string(), "policy+shape".to_string())),
            Some(&2)
        );
        assert_eq!(m.len(), 1);
    }

    /// Links inside `--root` resolve inside it: an absolute target is
    /// re-rooted, `..` stops at the root, a loop ends.
    #[test]
    fn symlinks_resolve_inside_the_root() {
        use std::os::unix::fs::symlink;
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("etc/kubernetes")).unwrap();
        std::fs::create_dir_all(root.join("var/lib/kubelet")).unwrap();
        std::fs::write(root.join("etc/kubernetes/kubelet.conf"), "inside").unwrap();
        symlink(
            "/etc/kubernetes/kubelet.conf",
            root.join("var/lib/kubelet/config.yaml"),
        )
        .unwrap();
        symlink(
            "../../../../../../etc/kubernetes",
            root.join("var/lib/kubelet/up"),
        )
        .unwrap();
        symlink("/etc", root.join("etcl")).unwrap();
        symlink("l2", root.join("l1")).unwrap();
        symlink("l1", root.join("l2")).unwrap();
        let files = HostFiles {
            root: root.to_path_buf(),
            max: 1 << 20,
        };
        assert_eq!(
            files.read("/var/lib/kubelet/config.yaml").as_deref(),
            Some(&b"inside"[..])
        );
        assert_eq!(
            files.read("var/lib/kubelet/up/kubelet.conf").as_deref(),
            Some(&b"inside"[..])
        );
        // A directory link in the middle of a path, and `..` at the root.
        assert_eq!(
            files.host("/etcl/kubernetes/../../../etc/kubernetes/kubelet.conf"),
            root.join("etc/kubernetes/kubelet.conf")
        );
        // The host's own /etc/hostname is not reachable through a link.
        symlink("/etc/hostname", root.join("hn")).unwrap();
        assert_eq!(files.read("/hn"), None);
        // A loop gives up instead of hanging.
        assert!(files.read("/l1").is_none());
        // `link` reads the link itself.
        assert_eq!(
            files.link("/var/lib/kubelet/config.yaml").as_deref(),
            Some("/etc/kubernetes/kubelet.conf")
        );
    }
}

//! `repair`: plan, then (in the CLI) apply a rewrite of a kubelet state file
//! that the target kubelet release will accept, keeping every entry that
//! can be read and is still valid, and saying exactly what changed.
//!
//! Strategies, chosen from what is wrong:
//! * checksum or version skew: rewrite in the shape (and checksum name) the
//!   target release reads;
//! * torn / truncated / NUL-padded / trailing data / BOM: [`salvage::recover`]
//!   then rewrite; nothing readable: set the file aside (the kubelet starts
//!   fresh when it is absent);
//! * policy changed (node facts): the state the configured policy needs;
//! * node changed (node facts): CPU default set recomputed, assignments on
//!   CPUs that are gone or reserved released; memory machine state rebuilt
//!   from the node plus the assignments;
//! * inconsistent state: overlapping exclusive CPU sets, CPUs both shared
//!   and exclusive, a device held twice — reconciled without inventing;
//! * a configuration error that stops the kubelet before it reads state:
//!   nothing is touched, the setting is named.
//!
//! The result must pass the target release's verdict (with the node's
//! start checks when node facts are given) before it is offered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::formats::lower::{self, Loss};
use crate::formats::node::cpu::{cpu_construct, CpuPolicy, StaticCpuPolicy};
use crate::formats::node::memory::{memory_construct, MemBlock, MemoryPolicy, MemoryStateView};
use crate::formats::node::{Node, NodeError, Release};
use crate::formats::releases::{self, Gates, ReleaseVerdict};
use crate::formats::state::{
    self, CpuList, CpuState, DeviceState, MemoryState, MemoryTable, NumaNode, State,
};
use crate::formats::{self, Verdict, VerifyOptions};
use crate::fs::atomic::{self, WriteOptions, BACKUP_MARKER};
use crate::fs::lock::{self, LockState};
use crate::go::cpuset::CpuSet;
use crate::ops::convert::lower_checked;
use crate::ops::kubelet_proc;
use crate::ops::verify::{self as vops, Request};
use crate::salvage;

/// What the caller asks.
#[derive(Debug, Clone, Default)]
pub struct RepairRequest {
    /// `--kind`: read the file as exactly this kind.
    pub kind: Option<String>,
    /// `--for-kubelet` (minor release); default: the newest release that
    /// reads the file's shape.
    pub for_kubelet: Option<u8>,
    /// `--feature-gates`.
    pub gates: Gates,
    /// Node facts: the start checks run and the node strategies apply.
    pub node: Option<Arc<Node>>,
    /// Allow releasing assignments and lossy shapes.
    pub allow_loss: bool,
}

/// One change, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The strategy (`checksum`, `salvage`, `policy`, `node`, `consistency`, `shape`).
    pub strategy: &'static str,
    /// What changes.
    pub what: String,
    /// Why.
    pub reason: String,
}

/// What the plan does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The target release reads the file as it is.
    Nothing,
    /// Replace the file's bytes.
    Rewrite,
    /// Nothing can be kept: rename the file to a backup so the kubelet
    /// starts fresh.
    SetAside,
    /// Cannot repair without `needs` (`--allow-loss`).
    Refused,
    /// A configuration error stops the kubelet before it reads the file.
    ConfigError,
}

/// The plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The file.
    pub path: String,
    /// The kubelet file name (`cpu_manager_state`).
    pub file: String,
    /// The kind the file was read as.
    pub kind: Option<String>,
    /// The target release (`1.35`) and why it was chosen.
    pub target: String,
    /// Why that target.
    pub target_reason: String,
    /// The feature gates the target release is judged with
    /// (`Name=true,...`; empty: the release's defaults).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gates: String,
    /// The shape written.
    pub target_kind: Option<String>,
    /// Checksum over the newer Go type name.
    pub named: bool,
    /// The target release's verdict on the file as it is.
    pub before: String,
    /// What the plan does.
    pub action: Action,
    /// Every change with its reason.
    pub changes: Vec<Change>,
    /// Entries (or text) dropped because they could not be read.
    pub dropped: Vec<String>,
    /// Assignments released (containers to restart to be re-admitted).
    pub released: Vec<String>,
    /// What the target shape cannot hold.
    pub losses: Vec<Loss>,
    /// The target release's verdict on the result.
    pub after: Option<String>,
    /// Why it is refused / what to pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The file as it is.
    #[serde(skip)]
    pub old_bytes: Vec<u8>,
    /// The repaired bytes.
    #[serde(skip)]
    pub new_bytes: Option<Vec<u8>>,
}

impl Plan {
    /// The exit status this plan implies (before applying).
    pub fn exit_code(&self) -> i32 {
        match self.action {
            Action::Nothing | Action::Rewrite | Action::SetAside => 0,
            Action::Refused | Action::ConfigError => 1,
        }
    }
}

/// Why the kubelet's lock forbids writing (`None`: go ahead): held by a
/// running kubelet, or not probeable, unless `force`. An absent lock file
/// says nothing either way and allows the write.
pub fn lock_refusal(lock_file: &Path, force: bool) -> Option<String> {
    if force {
        return None;
    }
    lock_reason(lock_file).map(|w| format!("{w}; stop it or pass --force"))
}

fn lock_reason(lock_file: &Path) -> Option<String> {
    match lock::probe(lock_file) {
        LockState::Held => Some(format!(
            "{} is held: a kubelet is running",
            lock_file.display()
        )),
        LockState::Error(e) => Some(format!(
            "cannot probe the lock file {}: {e} (a kubelet may be running)",
            lock_file.display()
        )),
        LockState::Free | LockState::Absent => None,
    }
}

/// What [`write_guard`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// No kubelet is known to use the file: write.
    Clear,
    /// A kubelet is running (or cannot be ruled out): write nothing; why.
    Refused(String),
    /// A kubelet is running, but `--force` was given: write, and say so.
    Forced(String),
}

/// Whether a running kubelet forbids writing files under the kubelet root
/// directory `kubelet_root`: its lock file held ([`lock_refusal`]'s probe)
/// or a running process whose `comm`/`exe` is `kubelet` with that root
/// directory ([`kubelet_proc::kubelets_with_root`], reading `proc_root`,
/// normally `/proc`; `on_disk`: compare the directories with symlinks
/// resolved, for paths of this machine). With `force`, what would have
/// refused is returned as [`Guard::Forced`].
pub fn write_guard(
    lock_file: &Path,
    proc_root: &Path,
    kubelet_root: Option<&Path>,
    on_disk: bool,
    force: bool,
) -> Guard {
    let mut why = Vec::new();
    why.extend(lock_reason(lock_file));
    if let Some(root) = kubelet_root {
        for k in kubelet_proc::kubelets_with_root(proc_root, root, on_disk) {
            why.push(format!(
                "{}, the root directory of the file: it rewrites its state files from memory",
                k.describe(proc_root)
            ));
        }
    }
    match (why.is_empty(), force) {
        (true, _) => Guard::Clear,
        (false, false) => Guard::Refused(format!(
            "{}; stop the kubelet or pass --force",
            why.join("; ")
        )),
        (false, true) => Guard::Forced(format!("--force: writing although {}", why.join("; "))),
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The plan had nothing to write.
    Nothing,
    /// The file was replaced atomically; the backup of the old bytes.
    Rewritten { backup: Option<PathBuf> },
    /// The file was renamed to this backup (the kubelet starts fresh).
    SetAside { to: PathBuf },
}

/// Why [`apply`] wrote nothing (or failed half-way).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The file is no longer what was planned on: run again (exit 1).
    #[error("{0}")]
    Changed(String),
    /// Reading or writing failed (exit 2).
    #[error("{0}")]
    Io(String),
}

/// Applies `plan` to `path` (the file it was made from): checks that the
/// file still holds the planned-on bytes, then replaces it atomically with
/// a backup ([`atomic::replace`]) or sets it aside. The caller checks the
/// lock first ([`lock_refusal`]). Refused and configuration-error plans
/// write nothing.
pub fn apply(path: &Path, plan: &Plan, backup_dir: Option<&Path>) -> Result<Applied, ApplyError> {
    if !matches!(plan.action, Action::Rewrite | Action::SetAside) {
        return Ok(Applied::Nothing);
    }
    // The file must still be what was planned on.
    match std::fs::read(path) {
        Ok(now) if now == plan.old_bytes => {}
        Ok(_) => {
            return Err(ApplyError::Changed(format!(
                "{} changed while planning; run again",
                path.display()
            )))
        }
        Err(e) => return Err(ApplyError::Io(format!("{}: {e}", path.display()))),
    }
    if plan.action == Action::SetAside {
        return set_aside(path, backup_dir)
            .map(|to| Applied::SetAside { to })
            .map_err(|e| ApplyError::Io(format!("{}: {e}", path.display())));
    }
    let opts = WriteOptions {
        backup: true,
        backup_dir: backup_dir.map(Path::to_path_buf),
        timestamp: None,
    };
    let bytes = plan.new_bytes.as_deref().unwrap_or_default();
    atomic::replace(path, bytes, &opts)
        .map(|r| Applied::Rewritten { backup: r.backup })
        .map_err(|e| ApplyError::Io(e.to_string()))
}

/// Renames `path` to `<dir>/<name>.kubelet-ckpt-backup.<stamp>` (same
/// directory by default; a copy then a removal across file systems).
fn set_aside(path: &Path, dir: Option<&Path>) -> std::io::Result<PathBuf> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let stamp = atomic::utc_stamp(std::time::SystemTime::now());
    let dir = dir
        .map(Path::to_path_buf)
        .or_else(|| path.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let to = dir.join(format!("{name}{BACKUP_MARKER}{stamp}"));
    if std::fs::rename(path, &to).is_err() {
        std::fs::copy(path, &to)?;
        std::fs::remove_file(path)?;
    }
    if let Some(p) = path.parent() {
        if let Ok(d) = std::fs::File::open(if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        }) {
            let _ = d.sync_all();
        }
    }
    Ok(to)
}

/// Usage / input errors (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RepairError(pub String);

fn verdict_text(v: &ReleaseVerdict) -> (bool, String) {
    match v {
        ReleaseVerdict::Judged { verification, .. } => {
            let ok = verification.verdict == Verdict::Ok;
            let msg = if verification.message.is_empty() {
                verification.verdict.as_str().to_string()
            } else {
                format!(
                    "{}: {}",
                    verification.verdict.as_str(),
                    crate::excerpt::cap(&verification.message, 400)
                )
            };
            (ok, msg)
        }
        ReleaseVerdict::Ignored => (true, "the release does not read the file".into()),
        ReleaseVerdict::Unmodelled => (false, "the release's reader is not modelled".into()),
        ReleaseVerdict::Undetermined(w) => (false, format!("undetermined: {w}")),
    }
}

/// The newest release that reads `kind` from `file` (under some gate
/// setting, the defaults first), with those gates.
fn newest_reader(file: &str, kind: &str, user: &Gates) -> Option<(u8, Gates)> {
    for m in releases::MINORS.rev() {
        let Some(r) = releases::row(file, m) else {
            continue;
        };
        let mut settings = vec![Gates::default()];
        settings.extend(releases::gate_settings(r));
        for g in settings {
            let mut g = g;
            for (k, v) in &user.0 {
                g.0.insert(k.clone(), *v);
            }
            let eff = r.gates(&g);
            if r.readers(&eff).contains(&kind) && r.writer(&eff).is_some() {
                return Some((m, g));
            }
        }
    }
    None
}

/// Whether `kind` is a shape of the kubelet file `file` (any, when the
/// file is not known).
fn kind_of_file(kind: &str, file: &str) -> bool {
    file.is_empty() || formats::kind(kind).is_some_and(|k| k.info().file == file)
}

/// The kind to read salvaged `text` as, for the kubelet file `file`: the
/// torn text's identified kind when it reads the salvage, else the salvage's
/// own identification, only shapes of that file. Without `--kind` and
/// `--for-kubelet`, among the shapes that read the salvage as the same
/// content (what salvage kept may be too little to tell them apart:
/// `{"version":"v1"}`, a cpu-v2 file cut before its checksum) the one the
/// newest release reads is chosen: a shape no release reads, or only an
/// old one, gives way.
fn salvaged_kind(
    path: &Path,
    file: &str,
    torn: Option<&'static str>,
    text: &[u8],
    req: &RepairRequest,
) -> Option<(&'static str, State)> {
    if req.kind.is_some() {
        return None;
    }
    let id = crate::formats::identify::identify(Some(path), text, &VerifyOptions::default());
    let mut order: Vec<&'static str> = torn.into_iter().collect();
    order.extend(id.best().map(|c| c.kind.info().name));
    order.extend(id.candidates.iter().map(|c| c.kind.info().name));
    order.retain(|k| kind_of_file(k, file));
    let mut seen = std::collections::BTreeSet::new();
    order.retain(|k| seen.insert(*k));
    let lift = |k: &'static str| Some((k, state::lift(k, text)?.ok()?));
    let (k, s) = order.iter().find_map(|k| lift(k))?;
    if req.for_kubelet.is_some() {
        return Some((k, s));
    }
    let file = formats::kind(k)?.info().file;
    let content = |s: &State| {
        let mut v = serde_json::to_value(s).ok()?;
        v.get_mut("state")?.as_object_mut()?.remove("source");
        Some(v)
    };
    let want = content(&s);
    let newest = |k: &str| newest_reader(file, k, &req.gates).map(|(m, _)| m);
    let mut best = (newest(k), k, s);
    for o in &order {
        let m = newest(o);
        if m > best.0 {
            if let Some((o, t)) = lift(o).filter(|(_, t)| content(t) == want) {
                best = (m, o, t);
            }
        }
    }
    Some((best.1, best.2))
}

/// The records of each kubelet file's JSON (paths for
/// [`salvage::recover_with`], inside the payload string for the kinds that
/// wrap one): containers that hold one entry, kept whole or not at all when
/// the text ends inside them (a NUMA node's accounting, a container's
/// memory blocks or resources, a device allocation, a DRA claim, a port
/// mapping). The maps and lists around them keep their complete members.
fn records(file: &str) -> &'static [&'static str] {
    const MEMORY: &[&str] = &["machineState.*", "entries.*.*", "podEntries.*"];
    const DEVICE: &[&str] = &[
        "Data.PodDeviceEntries.*",
        "Data.RegisteredDevices.*",
        "PodDeviceEntries.*",
        "RegisteredDevices.*",
    ];
    const DRA: &[&str] = &["entries.*", "ClaimInfoStateList.*"];
    const POD: &[&str] = &["allocationEntries.*.*", "entries.*"];
    const DOCKERSHIM: &[&str] = &["data.port_mappings.*"];
    const IMAGE: &[&str] = &["credentialMapping.*", "observedImages.*"];
    match file {
        "cpu_manager_state" => &[],
        "memory_manager_state" => MEMORY,
        "device-plugins/kubelet_internal_checkpoint" => DEVICE,
        "dra_manager_state" => DRA,
        "pod_status_manager_state" | "allocated_pods_state" | "actuated_pods_state" => POD,
        f if f.starts_with("dockershim/") => DOCKERSHIM,
        f if f.starts_with("image_manager/") => IMAGE,
        _ => &[],
    }
}

fn has(b: &[u8], needle: &[u8]) -> bool {
    b.windows(needle.len()).any(|w| w == needle)
}

/// `Name=true,Other=false`, as `--feature-gates` takes them.
fn gates_text(g: &Gates) -> String {
    g.0.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn is_blank(b: &[u8]) -> bool {
    b.iter().all(|c| *c == 0 || c.is_ascii_whitespace())
}

/// Plans the repair of `bytes`, the content of `path`.
pub fn plan(path: &Path, bytes: &[u8], req: &RepairRequest) -> Result<Plan, RepairError> {
    let by_name = releases::file_for_path(path);
    let given = req
        .kind
        .as_deref()
        .map(vops::kind_by_name)
        .transpose()
        .map_err(|e| RepairError(e.to_string()))?;
    let mut plan = Plan {
        path: path.display().to_string(),
        file: given
            .map(|k| k.info().file)
            .or(by_name)
            .unwrap_or_default()
            .to_string(),
        kind: None,
        target: String::new(),
        target_reason: String::new(),
        gates: String::new(),
        target_kind: None,
        named: false,
        before: String::new(),
        action: Action::Nothing,
        changes: Vec::new(),
        dropped: Vec::new(),
        released: Vec::new(),
        losses: Vec::new(),
        after: None,
        message: None,
        old_bytes: bytes.to_vec(),
        new_bytes: None,
    };

    // 1. What the file holds: as it is, else what salvage can keep.
    let vreq = Request {
        kind: req.kind.clone(),
        ..Default::default()
    };
    let lifted = |b: &[u8]| -> Option<(&'static str, State)> {
        let (k, _, id) = vops::choose(path, b, &vreq).ok()?;
        let k = k?;
        // Shapes of one layout in several files (podstatus-v3, allocated,
        // actuated) are told apart by the name only: when the content was
        // identified as another file's, a shape of the file the path names
        // that decodes the same bytes is what the kubelet reads there.
        if let (Some(named), None) = (by_name, &req.kind) {
            if k.info().file != named {
                let id = crate::formats::identify::identify_thorough(
                    Some(path),
                    b,
                    &VerifyOptions::default(),
                );
                let own = id.candidates.iter().find_map(|c| {
                    let n = c.kind.info().name;
                    if c.kind.info().file != named
                        || c.verification.verdict == crate::formats::Verdict::InvalidJson
                    {
                        return None;
                    }
                    Some((n, state::lift(n, b)?.ok()?))
                });
                if own.is_some() {
                    return own;
                }
            }
        }
        // A path that names no kubelet file leaves same-layout shapes of
        // several files tied (`{"data":...,"checksum":...}`): for a chosen
        // release, a tied shape of a file that release writes is taken.
        if let (None, None, Some(minor)) = (by_name, &req.kind, req.for_kubelet) {
            let writes = |k: &dyn formats::Shape| {
                releases::row(k.info().file, minor)
                    .is_some_and(|r| r.writer(&r.gates(&req.gates)).is_some())
            };
            if let (false, Some(id)) = (writes(k), &id) {
                // The identification `choose` made (same path, same bytes).
                let tied = id.ties.iter().find_map(|t| {
                    let tk = formats::kind(t).filter(|tk| writes(*tk))?;
                    Some((tk.info().name, state::lift(tk.info().name, b)?.ok()?))
                });
                if tied.is_some() {
                    return tied;
                }
            }
        }
        let s = state::lift(k.info().name, b)?.ok()?;
        Some((k.info().name, s))
    };
    let mut content = bytes.to_vec();
    let mut found = if is_blank(bytes) { None } else { lifted(bytes) };
    // A syntax error inside the text (not a cut): salvage does not mend it.
    let mut syntax: Option<Box<salvage::Diagnosis>> = None;
    if found.is_none() && !is_blank(bytes) {
        // A payload string cut short first (its entries are inside it),
        // then the envelope as JSON text.
        let recs = records(&plan.file);
        // A payload written after plain members (cpu-v4, memory-v3 keep
        // their state in both) comes second: the plain members are whole.
        let recovered = salvage::recover_with(bytes, recs);
        syntax = recovered
            .as_ref()
            .err()
            .filter(|e| e.diagnosis.code == salvage::Code::Syntax)
            .map(|e| e.diagnosis.clone());
        let mut tries: Vec<salvage::Recovery> = recovered.ok().into_iter().collect();
        if let Some(Ok(p)) = salvage::recover_payload(bytes, recs) {
            if crate::go::json::equal_fold(p.key.as_bytes(), b"data") {
                let at = if p.members_before == 0 {
                    0
                } else {
                    tries.len()
                };
                tries.insert(at, p.envelope);
            }
        }
        // The kind the torn text itself is identified as (its member names,
        // its payload's keys even when cut) comes first: what salvage
        // keeps may be too little to tell the shapes of one file apart
        // (an entry list left empty).
        let torn_kind = match req.kind {
            Some(_) => None,
            None => {
                crate::formats::identify::identify(Some(path), bytes, &VerifyOptions::default())
                    .best()
                    .map(|c| c.kind.info().name)
            }
        };
        // Of the salvages that read as a state, the one that keeps the
        // most: each keeps only what was whole, and for a file that keeps
        // its state twice (plain members, then a payload string) either
        // copy may have been cut earlier.
        let mut best: Option<(salvage::Recovery, (&'static str, State), usize)> = None;
        for r in tries {
            let f = salvaged_kind(path, &plan.file, torn_kind, &r.text, req)
                .or_else(|| lifted(&r.text).filter(|(k, _)| kind_of_file(k, &plan.file)));
            // A cut-off checksum leaves a cpu-v2+ file looking like the
            // 1.8-1.11 file backend's: the member names in the torn text
            // say which shape it was.
            let f = match f {
                Some(("cpu-file", s)) if req.kind.is_none() && has(bytes, b"\"check") => {
                    let ks: &[&'static str] = if has(bytes, b"\"podEntries\"") {
                        &["cpu-v3", "cpu-v2", "cpu-v1"]
                    } else {
                        &["cpu-v2", "cpu-v1"]
                    };
                    ks.iter()
                        .find_map(|k| {
                            let s = state::lift(k, &r.text)?.ok()?;
                            Some((*k, s))
                        })
                        .or(Some(("cpu-file", s)))
                }
                f => f,
            };
            if let Some(f) = f {
                let size = serde_json::to_vec(&f.1).map_or(0, |v| v.len());
                if best.as_ref().map_or(true, |b| size > b.2) {
                    best = Some((r, f, size));
                }
            }
        }
        if let Some((r, f, _)) = best {
            for e in &r.edits {
                plan.changes.push(Change {
                    strategy: "salvage",
                    what: format!(
                        "bytes {}..{}: {}{}",
                        e.range.start,
                        e.range.end,
                        if e.removed.is_empty() {
                            String::new()
                        } else {
                            format!("remove {:?} ", e.removed)
                        },
                        if e.inserted.is_empty() {
                            String::new()
                        } else {
                            format!("insert {:?}", crate::excerpt::cap(&e.inserted, 200))
                        }
                    ),
                    reason: e.reason.clone(),
                });
            }
            for d in &r.dropped {
                plan.dropped.push(format!("{} ({})", d.path, d.message));
            }
            content = r.text;
            found = Some(f);
        }
    }
    let Some((kind, state)) = found else {
        // Nothing can be kept.
        if plan.file.is_empty() {
            return Err(RepairError(format!(
                "{}: nothing in it can be read and its name is no kubelet file's; name the kind with --kind",
                path.display()
            )));
        }
        let what = if bytes.is_empty() {
            "the file is empty".to_string()
        } else if bytes.iter().all(|b| *b == 0) {
            "the file holds only NUL bytes".to_string()
        } else if is_blank(bytes) {
            "the file holds only whitespace and NUL bytes".to_string()
        } else if let Some(d) = &syntax {
            format!(
                "a syntax error inside the text at byte {} (line {}, column {}): {}; salvage mends a file cut short, not this",
                d.offset, d.line, d.column, d.message
            )
        } else {
            "nothing in the file can be read as a kubelet state".to_string()
        };
        plan.before = what.clone();
        plan.target = "-".into();
        plan.target_reason = "no shape to read".into();
        plan.action = Action::SetAside;
        plan.changes.push(Change {
            strategy: "salvage",
            what: "set the file aside (rename it to a backup)".into(),
            reason: match &syntax {
                Some(d) => format!(
                    "{what}: the kubelet starts with a fresh state when {} is absent; the backup keeps every byte: to keep the entries instead, mend byte {} by hand and run repair again",
                    plan.file, d.offset
                ),
                None => format!(
                    "{what}: no entry can be kept, and the kubelet starts with a fresh state when {} is absent",
                    plan.file
                ),
            },
        });
        return Ok(plan);
    };
    let shape = formats::kind(kind).expect("chosen kinds exist");
    // The kubelet reads the path as the file its name says: a state of
    // another file (a pulled-image record under pulling/, found by the
    // `repair` fuzz target) would be judged, and written, as the wrong file.
    if let (Some(named), None) = (by_name, &req.kind) {
        if named != shape.info().file {
            return Err(RepairError(format!(
                "{}: the kubelet reads this path as {named}, but what can be read in it is a {kind} state (the kubelet's {}); move it there, or name the kind with --kind",
                path.display(),
                shape.info().file
            )));
        }
    }
    plan.kind = Some(kind.to_string());
    if plan.file.is_empty() {
        plan.file = shape.info().file.to_string();
    }
    let file = shape.info().file;

    // 2. The target release.
    let (minor, gates, why) = match req.for_kubelet {
        Some(m) => (m, req.gates.clone(), "--for-kubelet".to_string()),
        None => match newest_reader(file, kind, &req.gates) {
            Some((m, g)) => {
                let why = if g.0.is_empty() {
                    format!("the newest release that reads {kind} (pass --for-kubelet to choose)")
                } else {
                    format!(
                        "the newest release that reads {kind}, with feature gates {} (pass --for-kubelet and --feature-gates to choose)",
                        gates_text(&g)
                    )
                };
                (m, g, why)
            }
            None => {
                return Err(RepairError(format!(
                    "no release in the table reads {kind}; pass --for-kubelet"
                )))
            }
        },
    };
    let row = releases::row(file, minor)
        .ok_or_else(|| RepairError(format!("the release table has no row for {file} 1.{minor}")))?;
    plan.target = format!("1.{minor}");
    plan.target_reason = why;
    plan.gates = gates_text(&gates);
    let eff = row.gates(&gates);
    let node = req.node.as_deref();
    let verdict_of = |b: &[u8]| {
        verdict_text(&releases::verify(
            row,
            &gates,
            b,
            &VerifyOptions::default(),
            node,
        ))
    };
    let (ok_before, before) = verdict_of(bytes);
    plan.before = before;

    // 3. A configuration the kubelet stops on before reading any state.
    if let (Some(n), Some(rel)) = (node, Release::new(minor)) {
        let mut n = n.clone();
        n.kubelet_config.feature_gates = eff.0.clone().into_iter().collect();
        let err = if kind.starts_with("cpu") {
            cpu_construct(rel, &n).err()
        } else if kind.starts_with("memory") {
            memory_construct(rel, &n).err()
        } else {
            None
        };
        if let Some(NodeError::Kubelet(t)) = err {
            plan.action = Action::ConfigError;
            plan.message = Some(format!(
                "kubelet 1.{minor} stops before it reads {file}: {t}. No edit of the file can help: fix {} in the kubelet configuration",
                setting_of(&t)
            ));
            return Ok(plan);
        }
    }

    // 4. The shape to write.
    let (wk, wnamed) = row
        .writer(&eff)
        .ok_or_else(|| RepairError(format!("kubelet 1.{minor} writes no {file}")))?;
    let readers = row.readers(&eff);
    let (tkind, named_options): (&str, Vec<bool>) = if wk == kind {
        (wk, vec![wnamed])
    } else if readers.contains(&kind) {
        (kind, vec![false, true])
    } else {
        (wk, vec![wnamed])
    };
    plan.target_kind = Some(tkind.to_string());

    // 5. The state the target needs.
    let mut new_state = state.clone();
    let mut released = Vec::new();
    reconcile(
        &mut new_state,
        node,
        minor,
        &eff,
        &mut plan.changes,
        &mut released,
    );
    plan.released = released;

    let unchanged = new_state == state;
    if ok_before && unchanged && content == bytes {
        plan.action = Action::Nothing;
        plan.after = Some(plan.before.clone());
        return Ok(plan);
    }

    // 6. Write and check.
    let mut last_err = String::new();
    let mut result = None;
    for named in named_options {
        let r = if lower::writable(tkind) {
            lower_checked(&new_state, tkind, named, None, true, None)
                .map(|(b, l, _)| (b, l))
                .map_err(|e| e.to_string())
        } else if tkind == kind && unchanged && !named {
            shape
                .canonical(&content)
                .map(|b| (b, Vec::new()))
                .map_err(|e| e.to_string())
        } else {
            Err(format!(
                "{tkind} cannot be written from a {kind} state by this tool"
            ))
        };
        match r {
            Ok((b, losses)) => {
                let (ok, text) = verdict_of(&b);
                if ok {
                    plan.named = named;
                    result = Some((b, losses, text));
                    break;
                }
                last_err = text;
            }
            Err(e) => last_err = e,
        }
    }
    let Some((new_bytes, losses, after)) = result else {
        plan.action = Action::Refused;
        plan.message = Some(format!(
            "no rewrite passes kubelet 1.{minor}'s checks: {last_err}"
        ));
        return Ok(plan);
    };
    if tkind != kind {
        plan.changes.push(Change {
            strategy: "shape",
            what: format!("rewrite {kind} as {tkind}"),
            reason: format!("kubelet 1.{minor} does not read {kind}; it writes {tkind}"),
        });
    }
    if new_bytes != content || content != bytes {
        let (stored_note, reason) = if ok_before {
            ("rewrite".to_string(), "the state changed".to_string())
        } else {
            (
                "recompute the checksum".to_string(),
                format!("kubelet 1.{minor} says: {}", plan.before),
            )
        };
        plan.changes.push(Change {
            strategy: "checksum",
            what: format!(
                "{stored_note} in the shape kubelet 1.{minor} reads ({tkind}{})",
                if plan.named {
                    ", checksum over the newer Go type name"
                } else {
                    ""
                }
            ),
            reason,
        });
    }
    plan.losses = losses;
    plan.after = Some(after);
    if new_bytes == bytes {
        plan.action = Action::Nothing;
        return Ok(plan);
    }
    plan.new_bytes = Some(new_bytes);
    let needs_loss = !plan.losses.is_empty() || !plan.released.is_empty();
    if needs_loss && !req.allow_loss {
        plan.action = Action::Refused;
        plan.message = Some(
            "the repair releases assignments or drops what the target shape cannot hold; pass --allow-loss to apply it"
                .into(),
        );
    } else {
        plan.action = Action::Rewrite;
    }
    Ok(plan)
}

/// The configuration setting a construction error is about.
fn setting_of(t: &str) -> &'static str {
    let l = t.to_ascii_lowercase();
    if l.contains("reserved memory") || l.contains("reservedmemory") {
        "reservedMemory (and kubeReserved/systemReserved/evictionHard memory)"
    } else if l.contains("reserved") && l.contains("cpu") {
        "reservedSystemCPUs (or the cpu in kubeReserved/systemReserved)"
    } else if l.contains("option") {
        "cpuManagerPolicyOptions"
    } else if l.contains("memory") {
        "memoryManagerPolicy / reservedMemory"
    } else if l.contains("policy") {
        "cpuManagerPolicy"
    } else {
        "the kubelet configuration named in the message"
    }
}

/// Applies the policy, node and consistency strategies to `s`.
fn reconcile(
    s: &mut State,
    node: Option<&Node>,
    minor: u8,
    eff: &Gates,
    changes: &mut Vec<Change>,
    released: &mut Vec<String>,
) {
    let node = node.map(|n| {
        let mut n = n.clone();
        n.kubelet_config.feature_gates = eff.0.clone().into_iter().collect();
        n
    });
    let rel = Release::new(minor);
    match s {
        State::Cpu(c) => {
            let policy = match (&node, rel) {
                (Some(n), Some(r)) => cpu_construct(r, n)
                    .ok()
                    .map(|p| (p, n.kubelet_config.cpu_policy_name(r).to_string())),
                _ => None,
            };
            cpu(c, policy, changes, released)
        }
        State::Memory(m) => {
            let policy = match (&node, rel) {
                (Some(n), Some(r)) => memory_construct(r, n)
                    .ok()
                    .map(|p| (p, n.kubelet_config.memory_policy().to_string())),
                _ => None,
            };
            memory(m, policy, changes, released)
        }
        State::Device(d) => device(d, changes, released),
        _ => {}
    }
}

fn list_of(set: &CpuSet) -> CpuList {
    CpuList::parse(&set.to_string())
}

/// Every exclusive holder of CPUs, in key order: (owner, path).
fn cpu_owners(c: &CpuState) -> Vec<(String, CpuSet)> {
    c.owners().into_iter().map(|(o, l)| (o, l.set())).collect()
}

fn remove_owner(c: &mut CpuState, owner: &str) {
    if c.containers_by_id.remove(owner).is_some() {
        return;
    }
    if let Some((pod, ctr)) = owner.split_once('/') {
        if let Some(p) = c.pods.get_mut(pod) {
            p.containers.remove(ctr);
        }
    }
}

fn cpu(
    c: &mut CpuState,
    policy: Option<(CpuPolicy, String)>,
    changes: &mut Vec<Change>,
    released: &mut Vec<String>,
) {
    // Policy changed.
    if let Some((_, name)) = &policy {
        if c.policy_name != *name
            && !(c.policy_name.is_empty() && c.default_cpu_set.text.is_empty())
        {
            let from = c.policy_name.clone();
            for (owner, l) in c.owners() {
                released.push(format!(
                    "{owner}: exclusive CPUs {} released (policy {from:?} -> {name:?}; restart the container to re-admit it)",
                    l.text
                ));
            }
            for (pod, p) in &c.pods {
                if let Some(l) = &p.pod_cpu_set {
                    released.push(format!("{pod}: pod-level CPUs {} released", l.text));
                }
            }
            changes.push(Change {
                strategy: "policy",
                what: format!(
                    "policyName {from:?} -> {name:?}; default set emptied and every assignment released (the {name} policy initialises the state)"
                ),
                reason: format!("the kubelet is configured with the {name} CPU manager policy"),
            });
            c.policy_name = name.clone();
            c.default_cpu_set = CpuList::parse("");
            c.pods.clear();
            c.containers_by_id.clear();
            c.baselines.clear();
            return;
        }
    }
    let st: Option<StaticCpuPolicy> = match policy {
        Some((CpuPolicy::Static(p), _)) => Some(p),
        _ => None,
    };
    if c.default_cpu_set.text.is_empty() && c.owners().is_empty() {
        return; // the static policy initialises an empty state
    }
    // Consistency (and, with the node, validity) of exclusive sets.
    let (all, reserved, strict) = match &st {
        Some(p) => {
            let mut all = p.topology.cpus();
            if p.strict {
                all = all.difference(&p.reserved);
            }
            (Some(all), p.reserved.clone(), p.strict)
        }
        None => (None, CpuSet::default(), false),
    };
    let mut taken = CpuSet::default();
    for (owner, set) in cpu_owners(c) {
        let why = if let Some(all) = &all {
            if !set.is_subset_of(all) {
                Some(format!(
                    "CPUs {} are not on this node (online: {all})",
                    set.difference(all)
                ))
            } else if !strict && !set.intersection(&reserved).is_empty() {
                Some(format!(
                    "CPUs {} are reserved for the system",
                    set.intersection(&reserved)
                ))
            } else {
                None
            }
        } else {
            None
        };
        let why = why.or_else(|| {
            let o = set.intersection(&taken);
            (!o.is_empty()).then(|| format!("CPUs {o} are held exclusively by an earlier entry"))
        });
        match why {
            Some(w) => {
                released.push(format!("{owner}: exclusive CPUs {set} released ({w})"));
                changes.push(Change {
                    strategy: if all.is_some() { "node" } else { "consistency" },
                    what: format!("release the exclusive CPUs {set} of {owner}"),
                    reason: w,
                });
                remove_owner(c, &owner);
            }
            None => taken = taken.union(&set),
        }
    }
    let pod_level = st.as_ref().is_some_and(|p| p.pod_level);
    if pod_level {
        for p in c.pods.values() {
            if let Some(l) = &p.pod_cpu_set {
                taken = taken.union(&l.set());
            }
        }
    }
    let current = c.default_cpu_set.set();
    let want = match &all {
        Some(all) => all.difference(&taken),
        None => current.difference(&taken),
    };
    if want != current || c.default_cpu_set.error.is_some() {
        changes.push(Change {
            strategy: if all.is_some() { "node" } else { "consistency" },
            what: format!(
                "defaultCpuSet {:?} -> {:?}",
                c.default_cpu_set.text,
                want.to_string()
            ),
            reason: match &all {
                Some(all) => format!(
                    "the shared pool is the node's CPUs ({all}) minus the exclusive assignments ({taken})"
                ),
                None => format!("CPUs {} are held exclusively", current.intersection(&taken)),
            },
        });
        c.default_cpu_set = list_of(&want);
    }
}

fn memory(
    m: &mut MemoryState,
    policy: Option<(MemoryPolicy, String)>,
    changes: &mut Vec<Change>,
    released: &mut Vec<String>,
) {
    let Some((policy, name)) = policy else {
        return;
    };
    if m.policy_name != name {
        let from = m.policy_name.clone();
        for (pod, p) in &m.pods {
            for c in p.containers.keys() {
                released.push(format!(
                    "{pod}/{c}: memory blocks released (policy {from:?} -> {name:?}; restart the container to re-admit it)"
                ));
            }
            if p.pod_blocks.is_some() {
                released.push(format!("{pod}: pod-level memory blocks released"));
            }
        }
        changes.push(Change {
            strategy: "policy",
            what: format!("policyName {from:?} -> {name:?}; machine state and assignments emptied (the {name} policy initialises them)"),
            reason: format!("the kubelet is configured with the {name} memory manager policy"),
        });
        m.policy_name = name;
        m.machine_state.clear();
        m.pods.clear();
        return;
    }
    let MemoryPolicy::Static(p) = policy else {
        return;
    };
    if m.machine_state.is_empty() && m.pods.is_empty() {
        return;
    }
    let view = MemoryStateView {
        policy_name: m.policy_name.clone(),
        machine: BTreeMap::new(),
        entries: m
            .pods
            .iter()
            .filter(|(_, p)| p.in_entries || !p.containers.is_empty())
            .map(|(pod, p)| {
                let cs = p
                    .containers
                    .iter()
                    .map(|(c, b)| (c.clone(), b.iter().map(mem_block).collect()))
                    .collect();
                (pod.clone(), cs)
            })
            .collect(),
        pod_blocks: m
            .pods
            .iter()
            .filter_map(|(pod, p)| {
                Some((
                    pod.clone(),
                    p.pod_blocks.as_ref()?.iter().map(mem_block).collect(),
                ))
            })
            .collect(),
    };
    let (exp, dropped) = p.rebuild(&view);
    for d in &dropped {
        let owner = if d.container.is_empty() {
            d.pod.clone()
        } else {
            format!("{}/{}", d.pod, d.container)
        };
        released.push(format!("{owner}: memory blocks released ({})", d.reason));
        changes.push(Change {
            strategy: "node",
            what: format!("release the memory blocks of {owner}"),
            reason: d.reason.clone(),
        });
        if let Some(pod) = m.pods.get_mut(&d.pod) {
            if d.container.is_empty() {
                pod.pod_blocks = None;
            } else {
                pod.containers.remove(&d.container);
            }
        }
    }
    let machine: BTreeMap<i64, Option<NumaNode>> = exp
        .into_iter()
        .map(|(id, n)| {
            let n = n.map(|n| NumaNode {
                number_of_assignments: n.number_of_assignments,
                memory_map: Some(
                    n.memory_map
                        .into_iter()
                        .map(|(r, t)| {
                            let t = t.map(|t| MemoryTable {
                                total: t.total,
                                system_reserved: t.system_reserved,
                                allocatable: t.allocatable,
                                reserved: t.reserved,
                                free: t.free,
                            });
                            (r, t)
                        })
                        .collect(),
                ),
                cells: n.cells,
            });
            (id, n)
        })
        .collect();
    if machine != m.machine_state {
        changes.push(Change {
            strategy: "node",
            what: "machineState rebuilt from the node (the Static policy's initial state plus every kept assignment)".into(),
            reason: "the machine state must equal what the kubelet computes from the node and the assignments".into(),
        });
        m.machine_state = machine;
    }
}

fn mem_block(b: &state::MemoryBlock) -> MemBlock {
    MemBlock {
        numa_affinity: b.numa_affinity.clone(),
        kind: b.resource.clone(),
        size: b.size,
    }
}

fn device(d: &mut DeviceState, changes: &mut Vec<Change>, released: &mut Vec<String>) {
    let mut holder: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut keep = Vec::new();
    for a in d.allocations.drain(..) {
        let owner = format!("{}/{}", a.pod_uid, a.container_name);
        let twice: Vec<String> = a
            .device_ids()
            .filter(|id| {
                holder
                    .get(&(a.resource_name.clone(), id.to_string()))
                    .is_some_and(|o| *o != owner)
            })
            .map(str::to_string)
            .collect();
        if twice.is_empty() {
            for id in a.device_ids() {
                holder.insert((a.resource_name.clone(), id.to_string()), owner.clone());
            }
            keep.push(a);
        } else {
            let w = format!(
                "{} device(s) {} already held by an earlier entry",
                a.resource_name,
                twice.join(",")
            );
            released.push(format!(
                "{owner}: {} devices released ({w})",
                a.resource_name
            ));
            changes.push(Change {
                strategy: "consistency",
                what: format!("release the {} devices of {owner}", a.resource_name),
                reason: w,
            });
        }
    }
    d.allocations = keep;
}

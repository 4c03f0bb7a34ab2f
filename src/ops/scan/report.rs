//! The scan report as data: the `-o json` schema (stable: fields are only
//! ever added; `schema` changes when one changes meaning).
//!
//! ```text
//! {
//!   "schema": 1,
//!   "tool": {"name": "kubelet-ckpt", "version": "0.1.0"},
//!   "scanned_at": "2026-12-05T08:00:00Z",        // wall clock of the scan
//!   "now": {"time": "...", "source": "--now" | "clock"},  // time certificates are judged at
//!   "snapshot": {"path", "kind": "directory|tar|tar.gz|tar.zst", "entries", "bytes_read"},
//!   "release": {"minor": "1.34" | null, "source", "hints": [..]},
//!   "node_facts": {"start_checks": true|false, "source"},  // what the start checks ran against
//!   "layout": {"mode": "full|kubelet-root", "prefix", "argv", "argv_source", "root_dir",
//!              "cert_dir", "config", "config_dir", "kubeconfig", "static_pod_path",
//!              "pod_logs_dir", "runtime_endpoint", "cpu_manager_policy", "memory_manager_policy"},
//!   "summary": {"errors", "warnings", "infos", "files", "unknown"},
//!   "findings": [{"code", "severity": "error|warning|info", "paths": [..], "message"}],
//!   "files": [{"path", "type", "mode": "0600"|null, "size", "mtime", "mtime_utc", "uid", "gid",
//!              "link_target"?, "sha256"?, "class", "owner", "fields"?, "state"?: {"kind",
//!              "verdict", "message", "decided_by", "fatal", "ok_releases", "summary"}}],
//!   "allocation": {"cpus": [{"cpu", "pod_uid"?, "pod"?, "container"?, "shared"}],
//!                  "memory": [{"numa", "resource", "total", "reserved", "free",
//!                              "blocks": [{"pod_uid", "pod"?, "container", "size"}]}],
//!                  "devices": [{"resource", "device", "numa"?, "pod_uid", "pod"?, "container"}],
//!                  "claims": [{"claim", "namespace", "pod_uids", "drivers": [..], "devices": [..]}]},
//!   "timeline": [{"mtime", "time", "path", "class"}]
//! }
//! ```
//!
//! Paths are relative to the snapshot root. File-derived strings are
//! included as read (JSON escapes them); renderers for people escape them
//! for their medium.

use std::collections::BTreeMap;

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The kubelet will not start, or a secret is exposed.
    Error,
    /// Misbehaviour is likely.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// `error`, `warning`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code (`state.verdict`, `pki.expiring`, ...).
    pub code: String,
    pub severity: Severity,
    /// Snapshot-relative paths concerned.
    pub paths: Vec<String>,
    /// For people.
    pub message: String,
}

impl Finding {
    /// A finding.
    pub fn new(
        code: impl Into<String>,
        severity: Severity,
        paths: Vec<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            code: code.into(),
            severity,
            paths,
            message: message.into(),
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub schema: u32,
    pub tool: Tool,
    pub scanned_at: String,
    pub now: NowUsed,
    pub snapshot: SnapshotInfo,
    pub release: ReleaseUsed,
    pub node_facts: NodeFactsUsed,
    pub layout: LayoutInfo,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub files: Vec<FileEntry>,
    pub allocation: Allocation,
    pub timeline: Vec<TimelineEntry>,
}

impl ScanReport {
    /// Whether any finding is an error (exit status 1).
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// The time certificates were judged at, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct NowUsed {
    pub time: String,
    pub unix: i64,
    /// `--now` or `clock`.
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotInfo {
    pub path: String,
    /// `directory`, `tar`, `tar.gz`, `tar.zst`.
    pub kind: &'static str,
    pub entries: usize,
    pub bytes_read: u64,
}

/// The kubelet release the state files were judged for.
/// The node facts the static policies' start checks ran against, if any.
#[derive(Debug, Clone, Serialize)]
pub struct NodeFactsUsed {
    /// Whether the start checks ran (`state.start-check` findings).
    pub start_checks: bool,
    /// `--node FILE`, the sysfs tree and configuration used, or why none.
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseUsed {
    /// `1.34`, or `null`: every release (as `verify` without
    /// `--for-kubelet`).
    pub minor: Option<String>,
    /// `--for-kubelet`, the snapshot file that named it, or why none.
    pub source: String,
    /// Weaker evidence, not used for verdicts (control-plane images).
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayoutInfo {
    pub mode: &'static str,
    pub prefix: String,
    pub argv: Vec<String>,
    pub argv_source: String,
    pub root_dir: String,
    pub cert_dir: String,
    pub config: Option<String>,
    pub config_dir: Option<String>,
    pub kubeconfig: Option<String>,
    pub static_pod_path: Option<String>,
    pub pod_logs_dir: String,
    pub runtime_endpoint: String,
    pub cpu_manager_policy: Option<String>,
    pub memory_manager_policy: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub files: usize,
    pub unknown: usize,
}

/// One entry of the snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: String,
    /// `file`, `dir`, `symlink`, `hardlink`, `fifo`, `socket`, `char-device`, ...
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Permission bits in octal (`0600`).
    pub mode: String,
    pub size: u64,
    pub mtime: i64,
    pub mtime_utc: String,
    pub uid: u64,
    pub gid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// SHA-256 of the contents, for every regular file read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub class: &'static str,
    pub owner: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateSummary>,
}

/// A checkpoint or state file's verdict and content summary.
#[derive(Debug, Clone, Serialize)]
pub struct StateSummary {
    pub kind: Option<String>,
    /// `ok`, `corrupt`, `invalid-json`, `rejected`, `ignored`, `unknown`,
    /// `undetermined`.
    pub verdict: String,
    pub message: String,
    /// The release whose verdict this is (`1.34`), when one decided.
    pub decided_by: Option<String>,
    /// Whether that failure stops the kubelet.
    pub fatal: bool,
    /// The releases that read the file (ok or ignored), as spans.
    pub ok_releases: String,
    /// One line: what the file holds.
    pub summary: String,
}

/// The node's allocation as the state files record it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Allocation {
    pub cpus: Vec<CpuCell>,
    pub memory: Vec<NumaMemory>,
    pub devices: Vec<DeviceRow>,
    pub claims: Vec<ClaimRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CpuCell {
    pub cpu: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// In the default (shared) set.
    pub shared: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NumaMemory {
    pub numa: i64,
    pub resource: String,
    pub total: u64,
    pub reserved: u64,
    pub free: u64,
    pub blocks: Vec<MemoryBlockRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryBlockRow {
    pub pod_uid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    pub container: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceRow {
    pub resource: String,
    pub device: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numa: Option<i64>,
    pub pod_uid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    pub container: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClaimRow {
    pub claim: String,
    pub namespace: String,
    pub pod_uids: Vec<String>,
    pub drivers: Vec<String>,
    pub devices: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub mtime: i64,
    pub time: String,
    pub path: String,
    pub class: &'static str,
}

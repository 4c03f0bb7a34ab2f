//! The `doctor` command (`ops::doctor`): the live node's kubelet state
//! files before the kubelet starts; with `--fix`, repaired. Every action is
//! one line on stderr (the journal, as `ExecStartPre`); `--metrics FILE`
//! writes a Prometheus textfile.

use std::io::Write;
use std::path::PathBuf;

use crate::ops::doctor::{self, DoctorFile, DoctorOptions, DoctorReport, Outcome};

use super::convert::version;

/// Output format of `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum DoctorFormat {
    /// One line per state file, for people.
    #[default]
    Text,
    /// The report (`ops::doctor::DoctorReport`).
    Json,
}

/// Check (and with --fix repair) the node's kubelet state files before the
/// kubelet starts.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  kubelet-ckpt doctor                      # what would stop the kubelet, and the plan
  kubelet-ckpt doctor --fix --metrics /var/lib/node_exporter/textfile_collector/kubelet_ckpt.prom
  kubelet-ckpt doctor --root /mnt/node --for-kubelet 1.34 -o json

As a kubelet pre-start step: deploy/kubelet-ckpt-doctor.conf.

Exit status: 0 the kubelet can start (every state file that would stop it
loads, after the fixes), 1 it cannot (a repair refused, a configuration
error, the lock held, a write failed), 2 usage errors or doctor could not
decide (no kubelet release known, the machine unreadable).")]
pub struct DoctorArgs {
    /// Apply repair's plan to every state file that would stop the kubelet
    /// (backups beside the files, atomic writes, lock check).
    #[arg(long)]
    fix: bool,
    /// The node's kubelet release (`1.34`, `v1.34.2`); default: the kubelet
    /// package version in var/lib/dpkg/status.
    #[arg(long, value_name = "VERSION", env = "KUBELET_CKPT_KUBELET_VERSION")]
    for_kubelet: Option<String>,
    /// The node's `/` (its units, /etc, /var/lib/kubelet and /sys).
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// Write a Prometheus textfile here (atomically; repair counts carry
    /// over from the previous file).
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
    /// The kubelet's lock file, probed with a non-blocking flock (default:
    /// the unit's --lock-file, else /var/run/kubelet.lock, under --root).
    #[arg(long, value_name = "PATH")]
    lock_file: Option<PathBuf>,
    /// Write even while a kubelet runs (its lock held, or a kubelet
    /// process with the layout's root directory).
    #[arg(long)]
    force: bool,
    /// Where to look for running kubelets (default: proc under --root;
    /// tests: a fake /proc).
    #[arg(long, value_name = "DIR", hide = true)]
    proc_root: Option<PathBuf>,
    /// Put backups in DIR (default: beside each file).
    #[arg(long, value_name = "DIR")]
    backup_dir: Option<PathBuf>,
    /// Let repairs release CPU/memory assignments (a policy or machine
    /// change) and drop what the release's shape cannot hold; without it
    /// such a file is reported and the status is 1.
    #[arg(long)]
    allow_loss: bool,
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: DoctorFormat,
}

fn log(m: impl std::fmt::Display) {
    eprintln!("kubelet-ckpt doctor: {m}");
}

/// One journal line for a file, when there is something to say.
fn describe(f: &DoctorFile) -> Option<String> {
    let what = match f.outcome {
        Outcome::Ok => return None,
        Outcome::NotFatal => format!(
            "{} ({}); the kubelet logs it and starts; not touched",
            f.before, f.message
        ),
        Outcome::WouldRewrite => format!(
            "{}; would be rewritten ({}); run with --fix",
            f.before,
            f.reasons.join(", ")
        ),
        Outcome::WouldSetAside => format!(
            "{}; nothing in it can be kept: would be set aside; run with --fix",
            f.before
        ),
        Outcome::Rewritten => format!(
            "{}; rewritten ({}), now {}; backup {}",
            f.before,
            f.reasons.join(", "),
            f.after,
            f.backup.as_deref().unwrap_or("-")
        ),
        Outcome::SetAside => format!(
            "{}; set aside as {}; the kubelet starts with a fresh state",
            f.before,
            f.backup.as_deref().unwrap_or("-")
        ),
        Outcome::Refused => format!(
            "{}; not repaired: {}",
            f.before,
            f.note.as_deref().unwrap_or("refused")
        ),
        Outcome::ConfigError => {
            format!("configuration error: {}", f.note.as_deref().unwrap_or("-"))
        }
        Outcome::Untouched => format!(
            "{}; not written: {}",
            f.before,
            f.note.as_deref().unwrap_or("-")
        ),
        Outcome::Failed => format!("{}; failed: {}", f.before, f.note.as_deref().unwrap_or("-")),
    };
    Some(format!("{}: {what}", f.path))
}

fn text(out: &mut dyn Write, r: &DoctorReport) -> std::io::Result<()> {
    writeln!(
        out,
        "kubelet {} ({}); config {}; machine {}",
        r.release,
        r.release_source,
        r.config.as_deref().unwrap_or("(none)"),
        r.machine
    )?;
    if let Some(c) = &r.config_error {
        writeln!(out, "configuration error: {c}")?;
    }
    for f in &r.files {
        let outcome = serde_json::to_value(f.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        writeln!(
            out,
            "{:<14} {:<13} {}{}",
            outcome,
            f.after,
            f.path,
            f.kind
                .as_deref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default()
        )?;
    }
    writeln!(
        out,
        "{}",
        if r.can_start {
            "the kubelet can start"
        } else {
            "the kubelet will not start"
        }
    )
}

/// Runs `doctor`; returns the exit status.
pub fn run(out: &mut dyn Write, a: DoctorArgs, max_size: u64) -> std::io::Result<i32> {
    let for_kubelet = match a
        .for_kubelet
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(version)
        .transpose()
    {
        Ok(v) => v,
        Err(e) => {
            log(e);
            return Ok(2);
        }
    };
    let opts = DoctorOptions {
        root: a.root.clone(),
        for_kubelet,
        fix: a.fix,
        allow_loss: a.allow_loss,
        lock_file: a.lock_file.clone(),
        force: a.force,
        proc_root: a.proc_root.clone(),
        backup_dir: a.backup_dir.clone(),
        max_size,
    };
    let report = match doctor::run(&opts) {
        Ok(r) => r,
        Err(e) => {
            log(e);
            return Ok(2);
        }
    };
    if let Some(c) = &report.config_error {
        log(format!("configuration error: {c}"));
    }
    if let Some(f) = &report.forced {
        log(f.clone());
    }
    for f in &report.files {
        if let Some(l) = describe(f) {
            log(l);
        }
    }
    let repaired = report
        .files
        .iter()
        .filter(|f| matches!(f.outcome, Outcome::Rewritten | Outcome::SetAside))
        .count();
    log(format!(
        "kubelet {}: {} state file(s), {repaired} repaired; {}",
        report.release,
        report.files.len(),
        if report.can_start {
            "the kubelet can start"
        } else {
            "the kubelet will not start"
        }
    ));
    let code = report.exit_code();
    if let Some(m) = &a.metrics {
        let previous = std::fs::read_to_string(m).ok();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let text = doctor::metrics(&report, previous.as_deref(), now);
        // Not the kubelet's business: logged, the status stays.
        if let Err(e) = doctor::write_atomic(m, text.as_bytes()) {
            log(format!("metrics {}: {e}", m.display()));
        }
    }
    match a.output {
        DoctorFormat::Text => text(out, &report)?,
        DoctorFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
    }
    Ok(code)
}

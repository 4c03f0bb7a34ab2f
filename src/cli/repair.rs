//! The `repair` command (`ops::repair`): plan, print, then apply safely.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::fs::lock::DEFAULT_LOCK_PATH;
use crate::ops::kubelet_proc;
use crate::ops::repair::{self, Action, Applied, ApplyError, Guard, Plan, RepairRequest};

use super::convert::{gates, version};

/// Repair FILE so the target kubelet reads it, keeping every readable entry.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  kubelet-ckpt repair --dry-run /var/lib/kubelet/cpu_manager_state
  kubelet-ckpt repair --for-kubelet 1.35 /var/lib/kubelet/cpu_manager_state
  kubelet-ckpt repair --kubelet-config /var/lib/kubelet/config.yaml --allow-loss /var/lib/kubelet/cpu_manager_state

Exit status: 0 repaired or nothing to do, 1 cannot repair without
--force/--allow-loss (or a configuration error no edit can fix), 2 usage
or I/O errors.")]
pub struct RepairArgs {
    /// The kubelet release to repair for (default: the newest that reads
    /// the file's shape; the plan says which).
    #[arg(long, value_name = "VERSION")]
    for_kubelet: Option<String>,
    /// Feature gates (`PodLevelResourceManagers=true,...`).
    #[arg(long, value_name = "GATES")]
    feature_gates: Option<String>,
    /// Read FILE as exactly this kind (default: detected).
    #[arg(long)]
    kind: Option<String>,
    /// The node as a node.json: the start checks run, policy and node
    /// changes are repaired.
    #[arg(long, value_name = "FILE")]
    node: Option<PathBuf>,
    /// The kubelet's configuration (KubeletConfiguration YAML); the machine
    /// is read from sysfs.
    #[arg(long, value_name = "FILE", conflicts_with = "node")]
    kubelet_config: Option<PathBuf>,
    /// The kubelet's drop-in directory.
    #[arg(long, value_name = "DIR", requires = "kubelet_config")]
    config_dir: Option<PathBuf>,
    /// Read sysfs under DIR instead of `/`.
    #[arg(long, value_name = "DIR", requires = "kubelet_config")]
    sysfs_root: Option<PathBuf>,
    /// Print the plan and a diff of the canonical bytes; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Put backups in DIR (default: beside the file).
    #[arg(long, value_name = "DIR")]
    backup_dir: Option<PathBuf>,
    /// The kubelet's lock file, probed with a non-blocking flock.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_LOCK_PATH)]
    lock_file: PathBuf,
    /// Write even while a kubelet runs (its lock held, or a kubelet
    /// process with the file's root directory).
    #[arg(long)]
    force: bool,
    /// Where to look for running kubelets (tests: a fake /proc).
    #[arg(long, value_name = "DIR", default_value = "/proc", hide = true)]
    proc_root: PathBuf,
    /// Release assignments and write lossy shapes when the repair needs it.
    #[arg(long)]
    allow_loss: bool,
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: super::Format,
    file: PathBuf,
}

/// Reports `e` on stderr; returns `code`.
pub(super) fn fail(code: i32, e: impl std::fmt::Display) -> i32 {
    eprintln!("kubelet-ckpt: {e}");
    code
}

/// Reads a file that is about to be rewritten in place (`repair`, `edit`):
/// only a regular file (a symlink is refused: the write replaces the path,
/// not what it points to), bounded by the size limit.
pub(super) fn read_for_rewrite(file: &Path, max_size: u64, what: &str) -> Result<Vec<u8>, String> {
    match std::fs::symlink_metadata(file) {
        Ok(m) if m.file_type().is_file() => {}
        Ok(_) => {
            return Err(format!(
                "{}: not a regular file; refusing to {what} it",
                file.display()
            ))
        }
        Err(e) => return Err(format!("{}: {e}", file.display())),
    }
    crate::ops::verify::read(file, max_size).map_err(|e| e.to_string())
}

/// Runs `repair`; returns the exit status.
pub fn run(out: &mut dyn Write, a: RepairArgs, max_size: u64) -> std::io::Result<i32> {
    let for_kubelet = match a.for_kubelet.as_deref().map(version).transpose() {
        Ok(v) => v,
        Err(e) => return Ok(fail(2, e)),
    };
    let gates = match gates(a.feature_gates.as_deref()) {
        Ok(g) => g,
        Err(e) => return Ok(fail(2, e)),
    };
    let node = match crate::ops::node::load(&crate::ops::node::NodeSource {
        node_json: a.node.as_deref(),
        kubelet_config: a.kubelet_config.as_deref(),
        config_dir: a.config_dir.as_deref(),
        sysfs_root: a.sysfs_root.as_deref(),
    }) {
        Ok(n) => n,
        Err(e) => return Ok(fail(2, e)),
    };
    let bytes = match read_for_rewrite(&a.file, max_size, "repair") {
        Ok(b) => b,
        Err(e) => return Ok(fail(2, e)),
    };
    let req = RepairRequest {
        kind: a.kind.clone(),
        for_kubelet,
        gates,
        node,
        allow_loss: a.allow_loss,
    };
    let plan = match repair::plan(&a.file, &bytes, &req) {
        Ok(p) => p,
        Err(e) => return Ok(fail(2, e)),
    };
    print_plan(out, &plan, a.output, a.dry_run)?;
    let code = plan.exit_code();
    if a.dry_run || code != 0 || plan.action == Action::Nothing {
        return Ok(code);
    }
    let root = kubelet_proc::root_of(&a.file, &plan.file);
    match repair::write_guard(&a.lock_file, &a.proc_root, root.as_deref(), true, a.force) {
        Guard::Clear => {}
        Guard::Refused(why) => {
            return Ok(fail(1, format!("{why}. {} is untouched", a.file.display())))
        }
        Guard::Forced(what) => eprintln!("kubelet-ckpt: {what}"),
    }
    match repair::apply(&a.file, &plan, a.backup_dir.as_deref()) {
        Ok(Applied::Rewritten { backup }) => {
            if let Some(b) = backup {
                eprintln!("kubelet-ckpt: backup: {}", b.display());
            }
            eprintln!("kubelet-ckpt: repaired {}", a.file.display());
            Ok(0)
        }
        Ok(Applied::SetAside { to }) => {
            eprintln!(
                "kubelet-ckpt: {} set aside as {}; the kubelet starts with a fresh state",
                a.file.display(),
                to.display()
            );
            Ok(0)
        }
        Ok(Applied::Nothing) => Ok(code),
        Err(e @ ApplyError::Changed(_)) => Ok(fail(1, e)),
        Err(e @ ApplyError::Io(_)) => Ok(fail(2, e)),
    }
}

fn print_plan(
    out: &mut dyn Write,
    p: &Plan,
    format: super::Format,
    dry_run: bool,
) -> std::io::Result<()> {
    if format == super::Format::Json {
        let mut v = serde_json::to_value(p).map_err(std::io::Error::other)?;
        v["dry_run"] = serde_json::Value::Bool(dry_run);
        if dry_run {
            v["diff"] = serde_json::Value::String(diff(p));
        }
        serde_json::to_writer_pretty(&mut *out, &v).map_err(std::io::Error::other)?;
        return writeln!(out);
    }
    writeln!(out, "file:    {} ({})", p.path, p.file)?;
    writeln!(out, "kind:    {}", p.kind.as_deref().unwrap_or("-"))?;
    writeln!(out, "target:  kubelet {} ({})", p.target, p.target_reason)?;
    if let Some(k) = &p.target_kind {
        writeln!(
            out,
            "writes:  {k}{}",
            if p.named {
                " (checksum over the newer Go type name)"
            } else {
                ""
            }
        )?;
    }
    writeln!(out, "before:  {}", p.before)?;
    let action = match p.action {
        Action::Nothing => "nothing to do",
        Action::Rewrite => "rewrite",
        Action::SetAside => "set the file aside",
        Action::Refused => "refused",
        Action::ConfigError => "configuration error",
    };
    writeln!(out, "action:  {action}")?;
    for c in &p.changes {
        writeln!(out, "  change [{}] {}: {}", c.strategy, c.what, c.reason)?;
    }
    for d in &p.dropped {
        writeln!(out, "  dropped (unreadable): {d}")?;
    }
    for r in &p.released {
        writeln!(out, "  released: {r}")?;
    }
    for l in &p.losses {
        writeln!(out, "  lost: {l}")?;
    }
    if let Some(a) = &p.after {
        writeln!(out, "after:   {a}")?;
    }
    if let Some(m) = &p.message {
        writeln!(out, "note:    {m}")?;
    }
    if dry_run {
        out.write_all(diff(p).as_bytes())?;
        writeln!(out, "(dry run: nothing written)")?;
    }
    Ok(())
}

/// A unified diff of the old and new bytes, line by line (JSON files are
/// one line: the diff shows the whole old and new text).
fn diff(p: &Plan) -> String {
    let new = match (&p.action, &p.new_bytes) {
        (Action::SetAside, _) => Vec::new(),
        (_, Some(b)) => b.clone(),
        _ => return String::new(),
    };
    let old = String::from_utf8_lossy(&p.old_bytes);
    let new = String::from_utf8_lossy(&new);
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut s = format!("--- {}\n+++ {} (repaired)\n", p.path, p.path);
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    s.push_str(&format!(
        "@@ -{},{} +{},{} @@\n",
        pre + 1,
        a.len() - pre - suf,
        pre + 1,
        b.len() - pre - suf
    ));
    for l in &a[pre..a.len() - suf] {
        s.push_str(&format!("-{}\n", super::render::sanitized(l)));
    }
    for l in &b[pre..b.len() - suf] {
        s.push_str(&format!("+{}\n", super::render::sanitized(l)));
    }
    s
}

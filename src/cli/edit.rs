//! The `edit` command (`ops::edit`): the file's human document in
//! `$VISUAL`/`$EDITOR`, then the same lock check, backup and atomic write
//! as `repair`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fs::atomic::{self, WriteOptions};
use crate::fs::lock::DEFAULT_LOCK_PATH;
use crate::ops::edit;
use crate::ops::repair::Guard;

use super::convert::{gates, version};

/// Edit FILE as YAML in $VISUAL / $EDITOR and write it back with the
/// right checksum.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  kubelet-ckpt edit /var/lib/kubelet/cpu_manager_state
  EDITOR=nano kubelet-ckpt edit --for-kubelet 1.35 /var/lib/kubelet/dra_manager_state

The document is the state as `convert --to yaml` prints it. On save it is
lowered to the file's shape (or the shape --for-kubelet writes) and
verified; on an error the editor opens again with the error at the top.
Saving it unchanged writes nothing; emptying it aborts.

Exit status: 0 written or unchanged, 1 aborted (emptied, editor failed,
lock held), 2 usage or I/O errors.")]
pub struct EditArgs {
    /// Read FILE as exactly this kind (default: detected).
    #[arg(long)]
    kind: Option<String>,
    /// Write the shape (and checksum name) this kubelet release writes
    /// (default: the file's own shape).
    #[arg(long, value_name = "VERSION")]
    for_kubelet: Option<String>,
    /// Feature gates for --for-kubelet (`Name=true,...`).
    #[arg(long, value_name = "GATES")]
    feature_gates: Option<String>,
    /// Put the backup in DIR (default: beside the file).
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
    file: PathBuf,
}

use super::repair::fail;

/// `$VISUAL`, else `$EDITOR`, else `vi` (a command line: it may carry
/// arguments, as shells run it).
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

fn run_editor(cmd: &str, path: &Path) -> Result<(), String> {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} \"$1\""))
        .arg("kubelet-ckpt-editor")
        .arg(path)
        .status()
        .map_err(|e| format!("cannot run the editor {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the editor {cmd:?} failed ({status})"))
    }
}

/// A private temp file for the document (0600: image pull records hold
/// secret coordinates), removed when dropped.
struct TempDoc(PathBuf);

impl TempDoc {
    fn create(file: &Path, doc: &[u8]) -> std::io::Result<TempDoc> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().replace('/', "_"))
            .unwrap_or_default();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "kubelet-ckpt-edit-{}-{stamp}-{name}.yaml",
            std::process::id()
        ));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        f.write_all(doc)?;
        f.sync_all()?;
        Ok(TempDoc(path))
    }
}

impl Drop for TempDoc {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `edit`; returns the exit status.
pub fn run(out: &mut dyn Write, a: EditArgs, max_size: u64) -> std::io::Result<i32> {
    let release = match a.for_kubelet.as_deref().map(version).transpose() {
        Ok(v) => v,
        Err(e) => return Ok(fail(2, e)),
    };
    let gates = match gates(a.feature_gates.as_deref()) {
        Ok(g) => g,
        Err(e) => return Ok(fail(2, e)),
    };
    let bytes = match super::repair::read_for_rewrite(&a.file, max_size, "edit") {
        Ok(b) => b,
        Err(e) => return Ok(fail(2, e)),
    };
    let editing = match edit::start(&a.file, &bytes, a.kind.as_deref()) {
        Ok(e) => e,
        Err(e) => return Ok(fail(2, e)),
    };
    let tmp = match TempDoc::create(&a.file, &editing.document) {
        Ok(t) => t,
        Err(e) => return Ok(fail(2, format!("temporary file: {e}"))),
    };
    let cmd = editor();
    let mut shown = editing.document.clone();
    let new_bytes = loop {
        if let Err(e) = run_editor(&cmd, &tmp.0) {
            return Ok(fail(1, format!("{e}; {} is untouched", a.file.display())));
        }
        let doc = match std::fs::read(&tmp.0) {
            Ok(d) => d,
            Err(e) => return Ok(fail(2, format!("{}: {e}", tmp.0.display()))),
        };
        let body = edit::strip_errors(&doc);
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(fail(
                1,
                format!(
                    "the document was emptied: aborted; {} is untouched",
                    a.file.display()
                ),
            ));
        }
        if body == editing.document.as_slice() || doc == shown {
            writeln!(out, "{}: unchanged; nothing written", a.file.display())?;
            return Ok(0);
        }
        match edit::finish(&doc, &editing.kind, release.map(|m| (m, &gates))) {
            Ok((b, verified)) => {
                writeln!(out, "{}: {verified}", a.file.display())?;
                break b;
            }
            Err(e) => {
                eprintln!("kubelet-ckpt: {e}; re-opening the editor");
                shown = edit::with_error(&doc, &e);
                if let Err(e) = std::fs::write(&tmp.0, &shown) {
                    return Ok(fail(2, format!("{}: {e}", tmp.0.display())));
                }
            }
        }
    };
    if new_bytes == bytes {
        writeln!(out, "{}: the same bytes; nothing written", a.file.display())?;
        return Ok(0);
    }
    let file = crate::formats::releases::file_for_path(&a.file).unwrap_or_default();
    let root = crate::ops::kubelet_proc::root_of(&a.file, file);
    match crate::ops::repair::write_guard(
        &a.lock_file,
        &a.proc_root,
        root.as_deref(),
        true,
        a.force,
    ) {
        Guard::Clear => {}
        Guard::Refused(why) => {
            return Ok(fail(1, format!("{why}. {} is untouched", a.file.display())))
        }
        Guard::Forced(what) => eprintln!("kubelet-ckpt: {what}"),
    }
    // The file must still be what was edited.
    match std::fs::read(&a.file) {
        Ok(now) if now == bytes => {}
        Ok(_) => {
            return Ok(fail(
                1,
                format!(
                    "{} changed while it was being edited; nothing written",
                    a.file.display()
                ),
            ))
        }
        Err(e) => return Ok(fail(2, format!("{}: {e}", a.file.display()))),
    }
    let opts = WriteOptions {
        backup: true,
        backup_dir: a.backup_dir.clone(),
        timestamp: None,
    };
    match atomic::replace(&a.file, &new_bytes, &opts) {
        Ok(r) => {
            if let Some(b) = r.backup {
                eprintln!("kubelet-ckpt: backup: {}", b.display());
            }
            writeln!(out, "{}: written", a.file.display())?;
            Ok(0)
        }
        Err(e) => Ok(fail(2, e)),
    }
}

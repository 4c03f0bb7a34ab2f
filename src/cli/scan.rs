//! The `scan` command: a whole node snapshot (`ops::scan`), rendered as
//! text, JSON or one self-contained HTML file.
//!
//! Exit status: 0 when no finding is an error, 1 when any is, 2 when the
//! snapshot cannot be read (or the arguments are wrong).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::render;
use crate::formats::releases::{self, Gates};
use crate::ops::scan::{self, ScanOptions};

/// Output format of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ScanFormat {
    /// A summary by severity, for people.
    #[default]
    Text,
    /// The report's documented schema (`ops::scan::report`).
    Json,
    /// One self-contained HTML page with the allocation picture.
    Html,
}

/// The arguments of `scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Judge the state files as this kubelet release does (`1.34`,
    /// `v1.34.2`); default: the release the snapshot's package record
    /// names, else every release.
    #[arg(long, value_name = "VERSION", env = "KUBELET_CKPT_KUBELET_VERSION")]
    for_kubelet: Option<String>,
    /// Feature gates for the verdicts (`PodLevelResourceManagers=true,...`).
    #[arg(long, value_name = "GATES")]
    feature_gates: Option<String>,
    /// Judge certificates at TIME (RFC 3339 `2026-12-01T00:00:00Z`, a date,
    /// or `@UNIX`); default: the clock. For evidence, the snapshot's own
    /// time is often the right one.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: ScanFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The node as a node.json (KubeletConfiguration fields and cAdvisor's
    /// MachineInfo): the static policies' start checks run against it.
    #[arg(long, value_name = "FILE")]
    node: Option<PathBuf>,
    /// Read the machine (CPUs, NUMA memory, huge pages) from sysfs under
    /// DIR, with the kubelet configuration found in the snapshot; default:
    /// the snapshot's own `sys/devices/system` when it is a directory that
    /// holds one (`scan /` on a live node).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["node", "each"])]
    sysfs_root: Option<PathBuf>,
    /// PATH is a directory of snapshots: scan every directory and archive
    /// directly under it (sorted by name, in parallel) and write one compact
    /// JSON line per snapshot (the report, or `{"path", "error"}`).
    #[arg(long)]
    each: bool,
    /// A directory (a copy of a node's `/` or of `/var/lib/kubelet`) or a
    /// tar, tar.gz or tar.zst archive of one; with --each, a directory of
    /// them.
    path: PathBuf,
}

/// The progress line on stderr (a terminal only): entries and bytes so far.
fn progress_line(entries: usize, bytes: u64) {
    eprint!(
        "\rkubelet-ckpt: scanning: {entries} entries, {} MiB",
        bytes >> 20
    );
}

/// Runs `scan`.
pub fn run(args: ScanArgs, max_size: u64) -> std::io::Result<i32> {
    let usage = |m: String| {
        eprintln!("kubelet-ckpt: {m}");
        Ok(2)
    };
    let for_kubelet = match args.for_kubelet.as_deref() {
        None | Some("") => None,
        Some(v) => match releases::parse_version(v) {
            Some(m) => Some(m),
            None => {
                return usage(format!(
                    "--for-kubelet {v:?}: want a minor release 1.8 ... 1.37 (1.30, v1.30.2)"
                ))
            }
        },
    };
    let gates = match args.feature_gates.as_deref() {
        None => Gates::default(),
        Some(g) => match Gates::parse(g) {
            Ok(g) => g,
            Err(e) => return usage(format!("--feature-gates: {e}")),
        },
    };
    let now = match args.now.as_deref() {
        None => None,
        Some(t) => match scan::time::parse(t) {
            Some(n) => Some(n),
            None => {
                return usage(format!(
                "--now {t:?}: want RFC 3339 (2026-12-01T00:00:00Z), a date (2026-12-01) or @UNIX"
            ))
            }
        },
    };
    let limits = crate::fs::snapshot::Limits {
        max_file_bytes: max_size,
        descend: Some(crate::ops::scan::descend_rule(&args.path)),
        ..Default::default()
    };
    let node = match &args.node {
        None => None,
        Some(f) => match crate::ops::node::load(&crate::ops::node::NodeSource {
            node_json: Some(f),
            ..Default::default()
        }) {
            Ok(n) => n,
            Err(e) => return usage(e.to_string()),
        },
    };
    let opts = ScanOptions {
        for_kubelet,
        gates,
        now,
        node,
        sysfs_root: args.sysfs_root.clone(),
        sysfs_auto: true,
        limits,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()).then_some(progress_line),
    };
    if args.each {
        if args.output == ScanFormat::Html {
            return usage("--each writes JSON lines; -o html is for one snapshot".into());
        }
        return each(&args.path, &opts, args.report.as_deref());
    }
    let scanned = scan::scan(&args.path, &opts);
    if opts.progress.is_some() {
        eprint!("\r\x1b[K"); // clear the progress line
    }
    let report = match scanned {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kubelet-ckpt: {e}");
            return Ok(2);
        }
    };
    let mut buf: Vec<u8> = Vec::new();
    match args.output {
        ScanFormat::Text => render::scan::text(&mut buf, &report)?,
        ScanFormat::Json => render::structured(&mut buf, &report, false)?,
        ScanFormat::Html => render::scan::html(&mut buf, &report)?,
    }
    match &args.report {
        Some(file) => {
            write_report(file, &buf)?;
            eprintln!(
                "kubelet-ckpt: report written to {} ({} error(s), {} warning(s), {} info)",
                file.display(),
                report.summary.errors,
                report.summary.warnings,
                report.summary.infos
            );
        }
        None => std::io::stdout().lock().write_all(&buf)?,
    }
    Ok(i32::from(report.has_errors()))
}

fn write_report(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(file, bytes)
}

/// One line of `scan --each`, and what it says for the exit status.
struct Line {
    json: String,
    /// 0 no error finding, 1 an error finding, 2 unreadable.
    code: i32,
}

fn scan_line(path: &Path, opts: &ScanOptions) -> Line {
    let failed = |e: String| Line {
        json: serde_json::json!({"path": path.display().to_string(), "error": e}).to_string(),
        code: 2,
    };
    // Each snapshot gets the directory rule that fits it (a whole root or not).
    let mut opts = opts.clone();
    opts.limits.descend = Some(crate::ops::scan::descend_rule(path));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scan::scan(path, &opts)));
    match r {
        Ok(Ok(report)) => match serde_json::to_string(&report) {
            Ok(json) => Line {
                json,
                code: i32::from(report.has_errors()),
            },
            Err(e) => failed(e.to_string()),
        },
        Ok(Err(e)) => failed(e.to_string()),
        Err(_) => failed("internal error: the scan panicked".into()),
    }
}

/// `scan --each DIR`: every entry directly under DIR (directories and
/// files, sorted by name bytes), scanned by one worker per core, written
/// in that order as one compact JSON line each. Exit status 2 when any
/// could not be read, else 1 when any has an error finding, else 0.
fn each(dir: &Path, opts: &ScanOptions, report: Option<&Path>) -> std::io::Result<i32> {
    use std::os::unix::ffi::OsStrExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};

    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .filter(|e| e.metadata().is_ok_and(|m| m.is_dir() || m.is_file()))
            .map(|e| e.path())
            .collect(),
        Err(e) => {
            eprintln!("kubelet-ckpt: {}: {e}", dir.display());
            return Ok(2);
        }
    };
    paths.sort_by(|a, b| {
        a.file_name()
            .unwrap_or_default()
            .as_bytes()
            .cmp(b.file_name().unwrap_or_default().as_bytes())
    });
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len())
        .max(1);
    let mut out: Box<dyn Write> = match report {
        Some(f) => Box::new(std::io::BufWriter::new(std::fs::File::create(f)?)),
        None => Box::new(std::io::stdout().lock()),
    };
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Line>>> = Mutex::new((0..paths.len()).map(|_| None).collect());
    let ready = Condvar::new();
    let mut code = 0;
    let written = std::thread::scope(|s| -> std::io::Result<()> {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = paths.get(i) else { break };
                let line = scan_line(p, opts);
                done.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(line);
                ready.notify_all();
            });
        }
        // Lines in name order, each as soon as it and those before it are done.
        for i in 0..paths.len() {
            let mut g = done.lock().unwrap_or_else(|e| e.into_inner());
            let line = loop {
                if let Some(l) = g[i].take() {
                    break l;
                }
                g = ready.wait(g).unwrap_or_else(|e| e.into_inner());
            };
            drop(g);
            code = code.max(line.code);
            if let Err(e) = writeln!(out, "{}", line.json) {
                // Stop the workers: nothing more can be written.
                next.store(paths.len(), Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    });
    match written.and_then(|()| out.flush()) {
        Err(e) if super::format::pipe_closed(&e) => Ok(code),
        Err(e) => Err(e),
        Ok(()) => {
            if let Some(f) = report {
                eprintln!(
                    "kubelet-ckpt: {} snapshot report(s) written to {}",
                    paths.len(),
                    f.display()
                );
            }
            Ok(code)
        }
    }
}

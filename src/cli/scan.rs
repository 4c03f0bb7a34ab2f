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
    /// A directory (a copy of a node's `/` or of `/var/lib/kubelet`) or a
    /// tar, tar.gz or tar.zst archive of one.
    path: PathBuf,
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
        ..Default::default()
    };
    let opts = ScanOptions {
        for_kubelet,
        gates,
        now,
        node: None,
        limits,
    };
    let report = match scan::scan(&args.path, &opts) {
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

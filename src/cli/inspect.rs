//! The `inspect` and `diff` commands: what a file holds and what changed
//! between two files, from the version-neutral state (`ops::inspect`,
//! `ops::diff`), rendered by `render`.

use std::io::Write;
use std::path::Path;

use clap::ValueEnum;

use super::render;

/// Output format of the state views (`text`, `json`, `yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum StateFormat {
    /// For people.
    #[default]
    Text,
    /// Pretty JSON: the documented schema of the report.
    Json,
    /// The same schema as YAML.
    Yaml,
}

/// `inspect`: exit 0 when the kubelet would load the file and no warning
/// was found, 1 otherwise, 2 when it cannot be read or decoded at all.
pub fn inspect(
    out: &mut dyn Write,
    file: &Path,
    kind: Option<&str>,
    format: StateFormat,
    max_size: u64,
) -> std::io::Result<i32> {
    let r = match crate::ops::inspect::inspect_file(file, kind, max_size) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kubelet-ckpt: {e}");
            return Ok(2);
        }
    };
    match format {
        StateFormat::Text => render::inspect::text(out, &r)?,
        f => render::structured(out, &r, f == StateFormat::Yaml)?,
    }
    Ok(if r.header.verdict == "ok" && r.warnings.is_empty() {
        0
    } else {
        1
    })
}

/// `diff`: exit 0 when the states are equal, 1 when they differ (as
/// diff(1)), 2 when a file cannot be read or the families differ.
pub fn diff(
    out: &mut dyn Write,
    a: &Path,
    b: &Path,
    kind: Option<&str>,
    format: StateFormat,
    max_size: u64,
) -> std::io::Result<i32> {
    let r = match crate::ops::diff::diff_files(a, kind, b, kind, max_size) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kubelet-ckpt: {e}");
            return Ok(2);
        }
    };
    match format {
        StateFormat::Text => render::diff::text(out, &r)?,
        f => render::structured(out, &r, f == StateFormat::Yaml)?,
    }
    Ok(i32::from(!r.changes.is_empty()))
}

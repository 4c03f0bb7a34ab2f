//! The `convert` command (`ops::convert`).

use std::io::Write;
use std::path::PathBuf;

use crate::formats::lower::ContainerMap;
use crate::formats::releases::{self, Gates};
use crate::ops::convert::{self, ConvertFailure, ConvertRequest, Target};

/// Rewrite FILE as another shape, another kubelet's shape, or the human
/// document (and back).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  kubelet-ckpt convert --to cpu-v3 cpu_manager_state
  kubelet-ckpt convert --for-kubelet 1.30 -o new_state cpu_manager_state
  kubelet-ckpt convert --to yaml cpu_manager_state > state.yaml
  kubelet-ckpt convert --to cpu-v2 state.yaml
  kubelet-ckpt convert --to cpu-v2 --container-map <(crictl ps -o json) cpu_manager_state

Exit status: 0 converted, 1 the target cannot hold the state (without
--allow-loss) or cannot be written from it, 2 usage or I/O errors.")]
pub struct ConvertArgs {
    /// Target: a kind (`cpu-v3`), or `yaml` / `json` for the human document.
    #[arg(
        long,
        value_name = "KIND|yaml|json",
        conflicts_with = "for_kubelet",
        required_unless_present = "for_kubelet"
    )]
    to: Option<String>,
    /// Target: the shape (and checksum) this kubelet release writes.
    #[arg(long, value_name = "VERSION")]
    for_kubelet: Option<String>,
    /// Feature gates of the target release (`PodLevelResourceManagers=true`).
    #[arg(long, value_name = "GATES")]
    feature_gates: Option<String>,
    /// Read FILE as exactly this kind (default: detected; a human document
    /// is recognised by its `family` member).
    #[arg(long)]
    kind: Option<String>,
    /// Write even when the target cannot hold everything (the losses are listed).
    #[arg(long)]
    allow_loss: bool,
    /// Container ID -> pod/container map (JSON, CSV `id,pod,container`, or
    /// `crictl ps -o json` output) for cpu-v1/cpu-file <-> cpu-v2+.
    #[arg(long, value_name = "FILE")]
    container_map: Option<PathBuf>,
    /// Write the result to OUT instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,
    file: PathBuf,
}

/// Parses `--feature-gates`.
pub(super) fn gates(s: Option<&str>) -> Result<Gates, String> {
    s.map(Gates::parse)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Parses `--for-kubelet`.
pub(super) fn version(s: &str) -> Result<u8, String> {
    releases::parse_version(s)
        .ok_or_else(|| format!("--for-kubelet {s:?}: want a version like 1.30"))
}

fn usage(e: impl std::fmt::Display) -> i32 {
    eprintln!("kubelet-ckpt: {e}");
    2
}

/// Runs `convert`; returns the exit status.
pub fn run(out: &mut dyn Write, a: ConvertArgs, max_size: u64) -> std::io::Result<i32> {
    let target = match (&a.to, &a.for_kubelet) {
        (Some(t), _) => Target::parse_to(t),
        (None, Some(v)) => match version(v) {
            Ok(m) => Target::Release(m),
            Err(e) => return Ok(usage(e)),
        },
        (None, None) => return Ok(usage("give --to or --for-kubelet")),
    };
    let gates = match gates(a.feature_gates.as_deref()) {
        Ok(g) => g,
        Err(e) => return Ok(usage(e)),
    };
    let container_map = match &a.container_map {
        None => None,
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| format!("{}: {e}", p.display()))
            .and_then(|t| ContainerMap::parse(&t))
        {
            Ok(m) => Some(m),
            Err(e) => return Ok(usage(e)),
        },
    };
    let bytes = match crate::ops::verify::read(&a.file, max_size) {
        Ok(b) => b,
        Err(e) => return Ok(usage(e)),
    };
    let req = ConvertRequest {
        target,
        kind: a.kind,
        gates,
        allow_loss: a.allow_loss,
        container_map,
    };
    let c = match convert::convert(&a.file, &bytes, &req) {
        Ok(c) => c,
        Err(e @ ConvertFailure::Usage(_)) => return Ok(usage(e)),
        Err(e) => {
            eprintln!("kubelet-ckpt: {e}");
            return Ok(1);
        }
    };
    let release = c
        .release
        .as_ref()
        .map(|r| format!(" (what kubelet {r} writes)"))
        .unwrap_or_default();
    let named = if c.named {
        ", checksum over the newer Go type name"
    } else {
        ""
    };
    eprintln!(
        "kubelet-ckpt: {} -> {}{release}{named}; {}",
        c.from, c.to, c.verified
    );
    for l in &c.losses {
        eprintln!("kubelet-ckpt: lost: {l}");
    }
    match &a.output {
        Some(p) => std::fs::write(p, &c.bytes)?,
        None => out.write_all(&c.bytes)?,
    }
    Ok(0)
}

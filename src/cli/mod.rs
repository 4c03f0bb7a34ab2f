//! The `kubelet-ckpt` command line: argument parsing (clap), output
//! rendering and exit codes. Everything it does is an [`crate::ops`] call.
//!
//! Exit status: 0 when every file is `ok` (or the command succeeded), 1 when
//! any file is not, 2 for usage and I/O errors.

mod convert;
mod inspect;
mod output;
pub mod render;
mod repair;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::formats::{self, FormatError, Shape, VerifyOptions};
use crate::ops::verify::{self as vops, OpError};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "kubelet-ckpt",
    version,
    about = "Verify, explain and rewrite the kubelet's checkpoint files, byte for byte as the kubelet does",
    long_about = None
)]
struct Cli {
    /// Refuse input files larger than SIZE (e.g. 64MiB, 1G, 10k, 1048576;
    /// K/M/G/T are all 1024-based).
    #[arg(long, global = true, value_name = "SIZE", default_value = "64MiB",
          value_parser = crate::fs::parse_size)]
    max_size: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every kind: name, file name, Kubernetes versions, checksum scheme.
    Kinds {
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Format,
    },
    /// The kubelet's verdict on each file: ok, corrupt, invalid-json or rejected.
    Verify {
        /// Judge every file as exactly this kind (no fallbacks).
        #[arg(long)]
        kind: Option<String>,
        /// Also run the kubelet's policy-name check against this configured policy.
        #[arg(long)]
        policy: Option<String>,
        /// Give the verdict of this kubelet release's whole read path
        /// (`1.30`, `v1.30.2`); default: every release, grouped.
        #[arg(long, value_name = "VERSION", env = "KUBELET_CKPT_KUBELET_VERSION")]
        for_kubelet: Option<String>,
        /// Feature gates as the kubelet takes them (`PodLevelResourceManagers=true,...`).
        #[arg(long, value_name = "GATES")]
        feature_gates: Option<String>,
        #[command(flatten)]
        node: NodeArgs,
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Format,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the exact bytes the kubelet would write for the state in FILE.
    Canonical {
        #[arg(long)]
        kind: Option<String>,
        file: PathBuf,
    },
    /// Print the stored checksum and the one the kubelet would store.
    Checksum {
        #[arg(long)]
        kind: Option<String>,
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Format,
        file: PathBuf,
    },
    /// Print the exact text that is hashed for the state in FILE.
    Explain {
        #[arg(long)]
        kind: Option<String>,
        file: PathBuf,
    },
    /// Show what FILE holds (state, verdict, warnings).
    Inspect {
        /// Read the file as exactly this kind (default: detected).
        #[arg(long)]
        kind: Option<String>,
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: inspect::StateFormat,
        file: PathBuf,
    },
    /// Compare the states of two files of one family (any shapes).
    Diff {
        /// Read both files as exactly this kind (default: each detected).
        #[arg(long)]
        kind: Option<String>,
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: inspect::StateFormat,
        a: PathBuf,
        b: PathBuf,
    },
    /// Rewrite FILE as another shape, another release's shape, or YAML/JSON (and back).
    Convert(convert::ConvertArgs),
    /// Repair FILE for a kubelet release (plan, then a safe atomic write).
    Repair(repair::RepairArgs),
}

/// Node facts for the static policies' start checks.
#[derive(Debug, clap::Args)]
struct NodeArgs {
    /// The node as a node.json (KubeletConfiguration fields and cAdvisor's
    /// MachineInfo; `oracle node-example` shows one). Runs the start checks.
    #[arg(long, value_name = "FILE")]
    node: Option<PathBuf>,
    /// The kubelet's configuration file (KubeletConfiguration YAML); the
    /// machine is read from sysfs (see --sysfs-root). Runs the start checks.
    #[arg(long, value_name = "FILE")]
    kubelet_config: Option<PathBuf>,
    /// The kubelet's drop-in directory (`*.conf`, merged in name order).
    #[arg(long, value_name = "DIR")]
    config_dir: Option<PathBuf>,
    /// Read the machine (CPUs, NUMA memory, huge pages) from sysfs under DIR
    /// instead of `/`.
    #[arg(long, value_name = "DIR")]
    sysfs_root: Option<PathBuf>,
}

impl NodeArgs {
    fn load(&self) -> Result<Option<std::sync::Arc<formats::node::Node>>, OpError> {
        crate::ops::node::load(&crate::ops::node::NodeSource {
            node_json: self.node.as_deref(),
            kubelet_config: self.kubelet_config.as_deref(),
            config_dir: self.config_dir.as_deref(),
            sysfs_root: self.sysfs_root.as_deref(),
        })
    }
}

/// Runs the CLI with the process arguments and returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli.command, cli.max_size) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubelet-ckpt: {e}");
            2
        }
    }
}

/// Failures that end a command with status 2.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Op(#[from] OpError),
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

fn run(cmd: Command, max_size: u64) -> Result<i32, CliError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cmd {
        Command::Kinds { output } => {
            output::kinds(&mut out, output)?;
            Ok(0)
        }
        Command::Verify {
            kind,
            policy,
            for_kubelet,
            feature_gates,
            node,
            output,
            files,
        } => {
            if let Some(k) = &kind {
                vops::kind_by_name(k)?;
            }
            let for_kubelet = match for_kubelet.as_deref() {
                None | Some("") => None,
                Some(v) => Some(formats::releases::parse_version(v).ok_or_else(|| {
                    OpError::Usage(format!(
                        "--for-kubelet {v:?}: want a minor release 1.8 ... 1.37 (1.30, v1.30.2)"
                    ))
                })?),
            };
            let gates = match feature_gates.as_deref() {
                None => Default::default(),
                Some(g) => formats::releases::Gates::parse(g)
                    .map_err(|e| OpError::Usage(format!("--feature-gates: {e}")))?,
            };
            let req = vops::Request {
                kind,
                for_kubelet,
                gates,
                opts: VerifyOptions {
                    policy,
                    ..Default::default()
                },
                node: node.load()?,
            };
            let mut all_ok = true;
            let mut io_error = false;
            for f in &files {
                match vops::verify_file(f, &req, max_size) {
                    Ok(r) => {
                        all_ok &= r.status.passes();
                        output::verify(&mut out, &r, output)?;
                    }
                    Err(e @ OpError::Usage(_)) => return Err(e.into()),
                    Err(e) => {
                        io_error = true;
                        eprintln!("kubelet-ckpt: {e}");
                    }
                }
            }
            Ok(if io_error {
                2
            } else if all_ok {
                0
            } else {
                1
            })
        }
        Command::Canonical { kind, file } => {
            let (k, bytes) = kind_for(&file, kind.as_deref(), max_size)?;
            match k.canonical(&bytes) {
                Ok(c) => {
                    out.write_all(&c)?;
                    Ok(0)
                }
                Err(e) => Ok(refuse(&file, k, &e)),
            }
        }
        Command::Checksum { kind, output, file } => {
            let (k, bytes) = kind_for(&file, kind.as_deref(), max_size)?;
            match k.checksum(&bytes) {
                Ok(c) => {
                    output::checksum(&mut out, &file, k, &c, output)?;
                    Ok(0)
                }
                Err(e) => Ok(refuse(&file, k, &e)),
            }
        }
        Command::Explain { kind, file } => {
            let (k, bytes) = kind_for(&file, kind.as_deref(), max_size)?;
            let mut sink = output::WriteSink::new(&mut out);
            let r = k.explain(&bytes, &mut sink);
            sink.finish()?;
            match r {
                Ok(()) => Ok(0),
                Err(e) => Ok(refuse(&file, k, &e)),
            }
        }
        Command::Inspect { kind, output, file } => Ok(inspect::inspect(
            &mut out,
            &file,
            kind.as_deref(),
            output,
            max_size,
        )?),
        Command::Convert(a) => Ok(convert::run(&mut out, a, max_size)?),
        Command::Repair(a) => Ok(repair::run(&mut out, a, max_size)?),
        Command::Diff { kind, output, a, b } => Ok(inspect::diff(
            &mut out,
            &a,
            &b,
            kind.as_deref(),
            output,
            max_size,
        )?),
    }
}

/// The kind for a single-file command: `--kind`, or identification.
fn kind_for(
    file: &Path,
    kind: Option<&str>,
    max_size: u64,
) -> Result<(&'static dyn Shape, Vec<u8>), CliError> {
    let bytes = vops::read(file, max_size)?;
    let k = vops::resolve_kind(file, &bytes, kind)?;
    Ok((k, bytes))
}

/// Reports that the kubelet would not read the file; status 1.
fn refuse(file: &Path, k: &dyn Shape, e: &FormatError) -> i32 {
    eprintln!(
        "kubelet-ckpt: {}: the kubelet would not load this as {}: {}",
        file.display(),
        k.info().name,
        output::describe_error(e)
    );
    1
}

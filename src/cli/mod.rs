//! The `kubelet-ckpt` command line: argument parsing (clap), output
//! rendering and exit codes. Everything it does is an [`crate::ops`] call.
//!
//! Exit status: 0 when every file is `ok` (or the command succeeded), 1 when
//! any file is not (`checksum`: the stored checksum does not match), 2 for
//! usage and I/O errors.

mod convert;
mod doctor;
mod edit;
mod extras;
mod format;
mod help;
mod inspect;
mod output;
pub mod render;
mod repair;
mod scan;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::formats::{self, FormatError, Shape, VerifyOptions};
use crate::ops::verify::{self as vops, OpError};
pub use format::Format;
use format::{pipe_closed, warn};

#[derive(Debug, Parser)]
#[command(
    name = "kubelet-ckpt",
    version,
    about = "Verify, explain and rewrite the kubelet's checkpoint files, byte for byte as the kubelet does",
    long_about = None,
    after_help = help::MAIN
)]
struct Cli {
    /// Refuse input files larger than SIZE (e.g. 64MiB, 1G, 10k, 1048576;
    /// K/M/G/T are all 1024-based).
    #[arg(long, global = true, value_name = "SIZE", default_value = "64MiB",
          value_parser = crate::fs::parse_size)]
    max_size: u64,
    /// Colour verdicts in text output: auto (on a terminal, unless NO_COLOR
    /// is set), always, never.
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t)]
    color: format::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every kind: name, file name, Kubernetes versions, checksum scheme.
    #[command(after_help = help::KINDS)]
    Kinds {
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: format::TableFormat,
    },
    /// The kubelet's verdict on each file: ok, corrupt, invalid-json or rejected.
    #[command(after_help = help::VERIFY)]
    Verify {
        /// Judge every file as exactly this kind (no fallbacks).
        #[arg(long, value_parser = help::KindParser)]
        kind: Option<String>,
        #[command(flatten)]
        judge: JudgeArgs,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Format,
        /// Files to judge (`-`: standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Which kubelet file each FILE is, every shape considered, and what is
    /// wrong with it (byte offset, line:column, next step).
    #[command(after_help = help::IDENTIFY)]
    Identify {
        #[command(flatten)]
        judge: JudgeArgs,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Format,
        /// Files to identify (`-`: standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the exact bytes the kubelet would write for the state in FILE.
    #[command(after_help = help::CANONICAL)]
    Canonical {
        /// Read FILE as exactly this kind (default: detected).
        #[arg(long, value_parser = help::KindParser)]
        kind: Option<String>,
        file: PathBuf,
    },
    /// Print the stored checksum and the one the kubelet would store.
    #[command(after_help = help::CHECKSUM)]
    Checksum {
        /// Read FILE as exactly this kind (default: detected).
        #[arg(long, value_parser = help::KindParser)]
        kind: Option<String>,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: Format,
        file: PathBuf,
    },
    /// Print the exact text that is hashed for the state in FILE.
    #[command(after_help = help::EXPLAIN)]
    Explain {
        /// Read FILE as exactly this kind (default: detected).
        #[arg(long, value_parser = help::KindParser)]
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(visible_alias = "completion", after_help = help::COMPLETIONS)]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    #[command(after_help = help::MAN)]
    Man,
    /// Scan a node snapshot (a directory or a tar/tar.gz/tar.zst): every
    /// kubelet file classified and judged, cross-checks, certificates,
    /// permissions, a timeline; text, JSON or one HTML file.
    Scan(scan::ScanArgs),
    /// Rewrite FILE as another shape, another release's shape, or YAML/JSON (and back).
    Convert(convert::ConvertArgs),
    /// Repair FILE for a kubelet release (plan, then a safe atomic write).
    Repair(repair::RepairArgs),
    /// Edit FILE as YAML in $VISUAL/$EDITOR; write it back with the right
    /// checksum (lock check, backup, atomic write).
    Edit(edit::EditArgs),
    /// Check the node's kubelet state files before the kubelet starts;
    /// with --fix, repair those that would stop it.
    Doctor(doctor::DoctorArgs),
    /// Write a valid file of any writable kind and size (for benchmarks and
    /// fuzz corpora), or a damaged one with --mutate.
    #[command(after_help = help::SAMPLE)]
    Sample {
        /// The kind to write.
        #[arg(long, value_parser = help::KindParser)]
        kind: String,
        /// Entries to hold: pods (allocations for device files, claims for
        /// DRA files). Default 10.
        #[arg(long, conflicts_with = "size")]
        pods: Option<usize>,
        /// Grow the file to at least this many bytes (`1048576`, `1M`, `10MiB`).
        #[arg(long, value_parser = parse_byte_size)]
        size: Option<usize>,
        /// Seed for the UIDs (and the damage): the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Damage the file once, as real nodes do (checksum digit, truncation,
        /// trailing data, NUL padding, a flipped bit, a deleted byte); the
        /// damage is named on standard error.
        #[arg(long)]
        mutate: bool,
    },
}

/// `1048576`, `512K`, `1M`, `10MiB`, `2G` (powers of 1024).
fn parse_byte_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: usize = num
        .parse()
        .map_err(|_| format!("{s:?}: want a byte count such as 1048576, 512K, 10MiB"))?;
    let mult: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (K, M, G)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?}: too large"))
}

/// What a verdict is judged against: the kubelet release, its gates, the
/// configured policy and the node.
#[derive(Debug, clap::Args)]
struct JudgeArgs {
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
}

impl JudgeArgs {
    /// The request for `ops::verify` (and identify), validated.
    fn request(&self, kind: Option<String>) -> Result<vops::Request, OpError> {
        if let Some(k) = &kind {
            vops::kind_by_name(k)?;
        }
        let for_kubelet = match self.for_kubelet.as_deref() {
            None | Some("") => None,
            Some(v) => Some(formats::releases::parse_version(v).ok_or_else(|| {
                OpError::Usage(format!(
                    "--for-kubelet {v:?}: want a minor release 1.8 ... 1.37 (1.30, v1.30.2)"
                ))
            })?),
        };
        let gates = match self.feature_gates.as_deref() {
            None => Default::default(),
            Some(g) => formats::releases::Gates::parse(g)
                .map_err(|e| OpError::Usage(format!("--feature-gates: {e}")))?,
        };
        Ok(vops::Request {
            kind,
            for_kubelet,
            gates,
            opts: VerifyOptions {
                policy: self.policy.clone(),
                ..Default::default()
            },
            node: self.node.load()?,
        })
    }
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
    format::init_color(cli.color);
    match run(cli.command, cli.max_size) {
        Ok(code) => code,
        // The reader went away (`| head`): nothing more to say.
        Err(CliError::Io(e)) if pipe_closed(&e) => 0,
        Err(e) => {
            warn(format_args!("{e}"));
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
        Command::Kinds { output } => done(output::kinds(&mut out, output), 0),
        Command::Verify {
            kind,
            judge,
            output,
            files,
        } => {
            let req = judge.request(kind)?;
            let mut all_ok = true;
            let mut io_error = false;
            // json and yaml are one document: collected, then written.
            let mut batch = Vec::new();
            for f in &files {
                match vops::verify_file(f, &req, max_size) {
                    Ok(r) => {
                        all_ok &= r.status.passes();
                        if matches!(output, Format::Json | Format::Yaml) {
                            batch.push(r);
                        } else if let Err(e) = output::verify(&mut out, &r, output) {
                            match e {
                                // `| head`: stop; the verdict so far decides.
                                CliError::Io(e) if pipe_closed(&e) => break,
                                e => return Err(e),
                            }
                        }
                    }
                    Err(e @ OpError::Usage(_)) => return Err(e.into()),
                    Err(e) => {
                        io_error = true;
                        warn(format_args!("{e}"));
                    }
                }
            }
            let code = if io_error {
                2
            } else if all_ok {
                0
            } else {
                1
            };
            done(output::verify_all(&mut out, &batch, output), code)
        }
        Command::Identify {
            judge,
            output,
            files,
        } => {
            let req = judge.request(None)?;
            let mut code = 0;
            let mut batch = Vec::new();
            for f in &files {
                match crate::ops::identify::identify_file(f, &req, max_size) {
                    Ok(r) => {
                        if r.verdict != "ok" && r.verdict != "ignored" {
                            code = code.max(1);
                        }
                        if output == Format::Text {
                            if let Err(e) = render::identify::text(&mut out, &r) {
                                if pipe_closed(&e) {
                                    break;
                                }
                                return Err(e.into());
                            }
                        } else {
                            batch.push(r);
                        }
                    }
                    Err(e @ OpError::Usage(_)) => return Err(e.into()),
                    Err(e) => {
                        code = 2;
                        warn(format_args!("{e}"));
                    }
                }
            }
            let written = match output {
                Format::Text => Ok(()),
                Format::Jsonl => batch
                    .iter()
                    .try_for_each(|r| format::one(&mut out, Format::Jsonl, r))
                    .map_err(CliError::from),
                f => format::one(&mut out, f, &batch).map_err(CliError::from),
            };
            done(written, code)
        }
        Command::Canonical { kind, file } => {
            let (k, bytes) = kind_for(&file, kind.as_deref(), max_size)?;
            let foreign = formats::identify::foreign_members(k, &bytes);
            if !foreign.is_empty() {
                warn(format_args!(
                    "{}: the file holds {} which {} does not hold: its canonical form would drop them; `convert` changes shapes (listing what is lost)",
                    file.display(),
                    foreign.join(", "),
                    k.info().name
                ));
                return Ok(1);
            }
            match k.canonical(&bytes) {
                Ok(c) => done(out.write_all(&c).map_err(CliError::from), 0),
                Err(e) => Ok(refuse(&file, k, &e)),
            }
        }
        Command::Checksum { kind, output, file } => {
            let (k, bytes) = kind_for(&file, kind.as_deref(), max_size)?;
            if k.info().scheme == formats::ChecksumScheme::None {
                return done(output::checksum(&mut out, &file, k, None, output), 0);
            }
            match k.checksum(&bytes) {
                Ok(c) => {
                    // 1 when a stored checksum is not the one the kubelet computes.
                    let code = i32::from(c.stored.is_some_and(|s| s != c.computed));
                    done(output::checksum(&mut out, &file, k, Some(&c), output), code)
                }
                Err(e) => Ok(refuse(&file, k, &e)),
            }
        }
        Command::Explain { kind, file } => {
            let (k, bytes) = kind_for(&file, kind.as_deref(), max_size)?;
            let mut sink = output::WriteSink::new(&mut out);
            let r = k.explain(&bytes, &mut sink);
            let code = match r {
                Ok(()) => 0,
                Err(e) => refuse(&file, k, &e),
            };
            done(sink.finish().map_err(CliError::from), code)
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
        Command::Edit(a) => Ok(edit::run(&mut out, a, max_size)?),
        Command::Doctor(a) => Ok(doctor::run(&mut out, a, max_size)?),
        Command::Sample {
            kind,
            pods,
            size,
            seed,
            mutate,
        } => {
            let size = match (pods, size) {
                (_, Some(b)) => crate::ops::sample::Size::Bytes(b),
                (n, None) => crate::ops::sample::Size::Entries(n.unwrap_or(10)),
            };
            match crate::ops::sample::sample(&kind, size, seed, mutate) {
                Ok(s) => {
                    if let Some(m) = &s.mutation {
                        warn(format_args!(
                            "{kind} sample, {} entries, damaged: {m}",
                            s.entries
                        ));
                    }
                    done(out.write_all(&s.bytes).map_err(CliError::from), 0)
                }
                Err(e) => Err(OpError::Usage(e.to_string()).into()),
            }
        }
        Command::Diff { kind, output, a, b } => Ok(inspect::diff(
            &mut out,
            &a,
            &b,
            kind.as_deref(),
            output,
            max_size,
        )?),
        Command::Completions { shell } => done(
            extras::completions(&mut out, shell).map_err(CliError::from),
            0,
        ),
        Command::Man => done(extras::man(&mut out).map_err(CliError::from), 0),
        Command::Scan(args) => Ok(scan::run(args, max_size)?),
    }
}

/// The command's status once its output is written (and flushed): a closed
/// pipe is not an error, the status stays what the command decided.
fn done(written: Result<(), CliError>, code: i32) -> Result<i32, CliError> {
    let flushed = written.and_then(|()| Ok(std::io::stdout().flush()?));
    match flushed {
        Err(CliError::Io(e)) if pipe_closed(&e) => Ok(code),
        Err(e) => Err(e),
        Ok(()) => Ok(code),
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
    warn(format_args!(
        "{}: the kubelet would not load this as {}: {}",
        file.display(),
        k.info().name,
        output::describe_error(e)
    ));
    1
}

//! Shared test harness: finding and running the Go reference ("oracle"),
//! and comparing its answers with ours.
//!
//! Test files use it with `mod support;`. Not every test file uses every
//! helper, hence the crate-level `dead_code` allowance below.
//!
//! The oracle is located through `KUBELET_CKPT_ORACLE`. When it is unset a
//! test prints why it skips and passes, except under `CI=true`, where a
//! missing oracle fails the test: CI must never go green by comparing
//! nothing.
#![allow(dead_code)]

pub mod mutate;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kubelet_ckpt::formats::{Shape, Verdict, Verification, VerifyOptions};

/// The environment variable naming the oracle binary.
pub const ORACLE_ENV: &str = "KUBELET_CKPT_ORACLE";

/// True when running under CI (`CI=true`, as CI sets it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The oracle binary, or `None` (with a printed skip reason) when
/// `KUBELET_CKPT_ORACLE` is unset. Panics under `CI=true` when it is unset
/// or does not point at a file.
pub fn oracle() -> Option<PathBuf> {
    match std::env::var_os(ORACLE_ENV) {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "{ORACLE_ENV}={} does not name a file",
                p.display()
            );
            Some(p)
        }
        _ => {
            if in_ci() {
                panic!("{ORACLE_ENV} is unset but CI=true: the oracle is required in CI");
            }
            eprintln!(
                "skipping: {ORACLE_ENV} is unset (build it with shared/oracle/build.sh and \
                 export {ORACLE_ENV}=/path/to/oracle)"
            );
            None
        }
    }
}

/// What one oracle run produced.
#[derive(Debug, Clone)]
pub struct OracleOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Exit status; -1 if killed by a signal.
    pub code: i32,
}

impl OracleOutput {
    pub fn success(&self) -> bool {
        self.code == 0
    }
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs `oracle ARGS...` with `stdin` (empty when `None`) and
/// `ORACLE_POLICY=policy` when given.
pub fn run_oracle(
    oracle: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    policy: Option<&str>,
) -> OracleOutput {
    let mut cmd = Command::new(oracle);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match policy {
        Some(p) => cmd.env("ORACLE_POLICY", p),
        None => cmd.env_remove("ORACLE_POLICY"),
    };
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run oracle {}: {e}", oracle.display()));
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().expect("stdin is piped");
    // Feed stdin from a thread so a large input cannot deadlock against a
    // full stdout pipe.
    let feeder = std::thread::spawn(move || {
        // The oracle may exit before reading everything (e.g. a usage
        // error); a broken pipe is not our failure.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("oracle wait");
    let _ = feeder.join();
    OracleOutput {
        stdout: out.stdout,
        stderr: out.stderr,
        code: out.status.code().unwrap_or(-1),
    }
}

/// `oracle kinds`: the kind names (first column).
pub fn oracle_kinds(oracle: &Path) -> Vec<String> {
    let out = run_oracle(oracle, &["kinds"], None, None);
    assert!(out.success(), "oracle kinds failed: {}", out.stderr_str());
    out.stdout_str()
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `oracle KIND gen SEED`.
pub fn oracle_gen(oracle: &Path, kind: &str, seed: u64) -> Vec<u8> {
    let seed = seed.to_string();
    let out = run_oracle(oracle, &[kind, "gen", &seed], None, None);
    assert!(
        out.success(),
        "oracle {kind} gen {seed} failed: {}",
        out.stderr_str()
    );
    out.stdout
}

/// The oracle's verdict line, split into category and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictLine {
    /// `ok`, `corrupt`, `invalid-json` or `other`.
    pub category: String,
    /// The text after `category: ` (empty for `ok`).
    pub message: String,
}

impl VerdictLine {
    /// Parses `oracle verify` stdout (`ok\n`, `corrupt: ...\n`, ...).
    pub fn parse(stdout: &[u8]) -> VerdictLine {
        let s = String::from_utf8_lossy(stdout);
        let s = s.strip_suffix('\n').unwrap_or(&s);
        match s.split_once(": ") {
            Some((c, m)) if ["corrupt", "invalid-json", "other"].contains(&c) => VerdictLine {
                category: c.to_owned(),
                message: m.to_owned(),
            },
            _ => VerdictLine {
                category: s.to_owned(),
                message: String::new(),
            },
        }
    }

    /// Our verification as the oracle would print it.
    pub fn from_ours(v: &Verification) -> VerdictLine {
        let category = match v.verdict {
            Verdict::Ok => "ok",
            Verdict::Corrupt => "corrupt",
            Verdict::InvalidJson => "invalid-json",
            Verdict::Rejected => "other",
        };
        VerdictLine {
            category: category.to_owned(),
            message: if v.verdict == Verdict::Ok {
                String::new()
            } else {
                v.message.clone()
            },
        }
    }

    /// Whether `ours` agrees with `self` (the oracle's): same category, and
    /// for `other` (or for every category when `all_messages`) the same text.
    pub fn agrees(&self, ours: &VerdictLine, all_messages: bool) -> bool {
        self.category == ours.category
            && (self.category == "ok"
                || !(all_messages || self.category == "other")
                || self.message == ours.message)
    }
}

impl std::fmt::Display for VerdictLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            f.write_str(&self.category)
        } else {
            write!(f, "{}: {}", self.category, self.message)
        }
    }
}

/// `oracle KIND verify < bytes` (with `ORACLE_POLICY` when given).
pub fn oracle_verify(oracle: &Path, kind: &str, bytes: &[u8], policy: Option<&str>) -> VerdictLine {
    let out = run_oracle(oracle, &[kind, "verify"], Some(bytes), policy);
    assert!(
        out.code == 0 || out.code == 1,
        "oracle {kind} verify crashed (exit {}): {}",
        out.code,
        out.stderr_str()
    );
    VerdictLine::parse(&out.stdout)
}

/// `oracle KIND OP < bytes` for `canonical`, `dump`, `checksum`: stdout on
/// success, stderr text on failure.
pub fn oracle_op(oracle: &Path, kind: &str, op: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let out = run_oracle(oracle, &[kind, op], Some(bytes), None);
    match out.code {
        0 => Ok(out.stdout),
        1 => Err(out.stderr_str().trim_end().to_owned()),
        c => panic!(
            "oracle {kind} {op} crashed (exit {c}): {}",
            out.stderr_str()
        ),
    }
}

/// `oracle KIND checksum < bytes`, parsed.
pub fn oracle_checksum(oracle: &Path, kind: &str, bytes: &[u8]) -> Result<u64, String> {
    let out = oracle_op(oracle, kind, "checksum", bytes)?;
    let s = String::from_utf8_lossy(&out);
    s.trim()
        .parse()
        .map_err(|e| format!("oracle printed a bad checksum {s:?}: {e}"))
}

/// Runs `f`, turning a panic into an `Err` with its message, so one broken
/// input is reported as a mismatch instead of aborting a whole sweep.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "non-string panic".to_owned());
        format!("PANIC: {msg}")
    })
}

/// Our four answers on one input, in the oracle's terms. Panics inside our
/// code are caught and reported as `PANIC: ...`.
pub struct Ours {
    pub verify: Result<VerdictLine, String>,
    pub canonical: Result<Vec<u8>, String>,
    pub dump: Result<Vec<u8>, String>,
    pub checksum: Result<u64, String>,
}

/// Our verify with an optional policy, in the oracle's terms.
pub fn our_verify(
    kind: &dyn Shape,
    bytes: &[u8],
    policy: Option<&str>,
) -> Result<VerdictLine, String> {
    let opts = VerifyOptions {
        policy: policy.map(str::to_owned),
        ..Default::default()
    };
    catch(|| VerdictLine::from_ours(&kind.verify(bytes, &opts)))
}

pub fn our_canonical(kind: &dyn Shape, bytes: &[u8]) -> Result<Vec<u8>, String> {
    catch(|| kind.canonical(bytes).map_err(|e| e.to_string())).and_then(|r| r)
}

pub fn our_dump(kind: &dyn Shape, bytes: &[u8]) -> Result<Vec<u8>, String> {
    catch(|| {
        let mut out = Vec::new();
        kind.explain(bytes, &mut out)
            .map(|()| out)
            .map_err(|e| e.to_string())
    })
    .and_then(|r| r)
}

pub fn our_checksum(kind: &dyn Shape, bytes: &[u8]) -> Result<u64, String> {
    catch(|| {
        kind.checksum(bytes)
            .map(|c| c.computed)
            .map_err(|e| e.to_string())
    })
    .and_then(|r| r)
}

/// Shows bytes for a report: lossy UTF-8, cut at `max` bytes.
pub fn show(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        format!("{:?}", String::from_utf8_lossy(bytes))
    } else {
        format!(
            "{:?}... ({} bytes)",
            String::from_utf8_lossy(&bytes[..max]),
            bytes.len()
        )
    }
}

/// Shows a result of bytes for a report.
pub fn show_result(r: &Result<Vec<u8>, String>, max: usize) -> String {
    match r {
        Ok(b) => format!("ok {}", show(b, max)),
        Err(e) => format!("error {e:?}"),
    }
}

/// A 64-bit SplitMix generator: deterministic per seed, so a failing case
/// is reproduced from the printed kind and seed alone.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform-enough in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Reads a positive integer from the environment, with a default.
pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={v:?} is not a number: {e}")),
        Err(_) => default,
    }
}

/// The sample node snapshot (`corpus/node-snapshot`).
pub fn sample_snapshot() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/node-snapshot")
}

/// Copies the tree `src` to `dst` (symbolic links as links).
pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let ty = e.file_type().unwrap();
        let to = dst.join(e.file_name());
        if ty.is_dir() {
            copy_tree(&e.path(), &to);
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// A copy of the sample node snapshot at `dst`, with the modes and mtimes
/// of its `meta.tsv` (git keeps neither; what `make.py --restore-meta COPY`
/// does).
pub fn sample_copy(dst: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let src = sample_snapshot();
    copy_tree(&src, dst);
    let meta = std::fs::read_to_string(src.join("meta.tsv")).unwrap();
    for line in meta
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let p = dst.join(f[0]);
        let mode = u32::from_str_radix(f[1], 8).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        let t: u64 = f[2].parse().unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t))
            .unwrap();
    }
    dst.to_path_buf()
}

//! Hostile input on the command line: files that would hang, exhaust memory
//! or flood the terminal if read naively. Each case runs the built binary
//! with a watchdog (a hang fails the test instead of blocking it) and checks
//! exit status, time and the message — expectations come from the file
//! system (what the object is, how large) and from the Go reference's
//! golden answers, never from our own output.
//!
//! Peak memory is measured with `/usr/bin/time -v` (GNU time) when it is
//! installed; without it the memory asserts are skipped, saying so.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubelet-ckpt");
const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
const GNU_TIME: &str = "/usr/bin/time";

/// The outcome of one run: output, wall time, peak RSS in KiB when known.
struct Run {
    out: Output,
    elapsed: Duration,
    max_rss_kib: Option<u64>,
}

impl Run {
    fn stderr(&self) -> String {
        let s = String::from_utf8_lossy(&self.out.stderr);
        // Drop GNU time's report, keep ours.
        match s.find("\tCommand being timed:") {
            Some(i) => s[..i].to_string(),
            None => s.into_owned(),
        }
    }
}

/// Runs the binary with `args`, feeding `stdin`; kills it after `limit` and
/// fails the test, so a hang cannot block the suite.
fn run(args: &[&str], stdin: Option<&[u8]>, limit: Duration) -> Run {
    let measured = Path::new(GNU_TIME).exists();
    let mut cmd = if measured {
        let mut c = Command::new(GNU_TIME);
        c.arg("-v").arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let mut child = cmd.spawn().expect("spawn kubelet-ckpt");
    if let Some(bytes) = stdin {
        let mut w = child.stdin.take().unwrap();
        // The binary may refuse before reading everything: ignore EPIPE.
        let _ = w.write_all(bytes);
    }
    // Read the pipes on threads so a large output cannot block the child.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let ho = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).map(|_| v)
    });
    let he = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).map(|_| v)
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kubelet-ckpt {args:?} still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = t.elapsed();
    let out = Output {
        status,
        stdout: ho.join().unwrap().unwrap(),
        stderr: he.join().unwrap().unwrap(),
    };
    let max_rss_kib = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|n| n.trim().parse().ok());
    if !measured {
        eprintln!("note: {GNU_TIME} not installed; peak memory not measured");
    }
    Run {
        out,
        elapsed,
        max_rss_kib,
    }
}

fn tmpdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Refused in well under a second (nothing is read), exit 2, the message
/// naming the path.
fn assert_refused_fast(r: &Run, path: &str, words: &[&str]) {
    let err = r.stderr();
    assert_eq!(r.out.status.code(), Some(2), "stderr: {err}");
    assert!(
        r.elapsed < Duration::from_secs(1),
        "took {:?}: {err}",
        r.elapsed
    );
    assert!(err.contains(path), "path not named: {err}");
    for w in words {
        assert!(err.contains(w), "{w:?} missing: {err}");
    }
    assert!(r.out.stdout.is_empty());
}

/// Nothing was read into memory: a binary that read the input would need
/// at least the file's size (1 GiB here); 64 MiB is generous for the
/// process itself.
fn assert_small_rss(r: &Run) {
    match r.max_rss_kib {
        Some(kib) => assert!(kib < 64 * 1024, "peak RSS {kib} KiB"),
        None => eprintln!("note: peak memory not measured"),
    }
}

#[test]
fn fifo_is_refused_without_hanging() {
    let d = tmpdir("fifo");
    let p = d.join("cpu_manager_state");
    let st = Command::new("mkfifo").arg(&p).status().expect("mkfifo");
    assert!(st.success());
    // No writer ever opens the FIFO: reading it would block forever.
    let r = run(&["verify", s(&p)], None, Duration::from_secs(10));
    assert_refused_fast(&r, s(&p), &["FIFO"]);
}

#[test]
fn symlink_to_dev_zero_is_refused() {
    let d = tmpdir("zero");
    let p = d.join("cpu_manager_state");
    std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
    // /dev/zero never ends: reading it would stop only at the size limit.
    for cmd in ["verify", "canonical", "checksum", "explain"] {
        let r = run(&[cmd, s(&p)], None, Duration::from_secs(10));
        assert_refused_fast(&r, s(&p), &["character device"]);
        assert_small_rss(&r);
    }
}

#[test]
fn sparse_gigabyte_file_is_refused_by_the_limit() {
    let d = tmpdir("sparse");
    let p = d.join("cpu_manager_state");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(1 << 30).unwrap();
    let r = run(&["verify", s(&p)], None, Duration::from_secs(20));
    // 1 GiB = 1073741824 bytes; the default limit 64 MiB = 67108864 bytes.
    assert_refused_fast(&r, s(&p), &["1073741824", "67108864", "--max-size"]);
    assert_small_rss(&r);
    // The limit in the message is the one given (reading the 1 GiB file
    // with a higher limit is not tried: it would allocate 1 GiB on a
    // shared machine).
    let r = run(
        &["--max-size", "512MiB", "verify", s(&p)],
        None,
        Duration::from_secs(20),
    );
    assert_refused_fast(&r, s(&p), &["1073741824", "536870912"]);
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn max_size_refuses_a_small_golden_file() {
    let p = format!("{GOLDEN}/cpu-v2/gen-1.json");
    let size = std::fs::metadata(&p).unwrap().len();
    assert!(size > 10);
    // The option is global: before or after the subcommand.
    for args in [
        vec!["--max-size", "10", "verify", &p],
        vec!["verify", "--max-size", "10", &p],
        vec!["canonical", "--max-size", "10", &p],
    ] {
        let r = run(&args, None, Duration::from_secs(10));
        assert_refused_fast(&r, &p, &[&size.to_string(), "10 bytes", "--max-size"]);
    }
    // At exactly its size it is read; the Go reference's verdict is `ok`.
    let limit = size.to_string();
    let r = run(
        &["--max-size", &limit, "verify", "--kind", "cpu-v2", &p],
        None,
        Duration::from_secs(10),
    );
    assert_eq!(
        std::fs::read_to_string(format!("{GOLDEN}/cpu-v2/gen-1.verify"))
            .unwrap()
            .trim(),
        "ok"
    );
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    // A bad size is a usage error.
    let r = run(
        &["--max-size", "ten", "verify", &p],
        None,
        Duration::from_secs(10),
    );
    assert_eq!(r.out.status.code(), Some(2));
}

#[test]
fn stdin_dash_is_read_with_the_limit() {
    let p = format!("{GOLDEN}/cpu-v2/gen-1.json");
    let bytes = std::fs::read(&p).unwrap();
    // The Go reference's checksum for this file.
    let want = std::fs::read_to_string(format!("{GOLDEN}/cpu-v2/gen-1.checksum")).unwrap();
    let r = run(
        &["checksum", "--kind", "cpu-v2", "-o", "json", "-"],
        Some(&bytes),
        Duration::from_secs(10),
    );
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    let v: serde_json::Value = serde_json::from_slice(&r.out.stdout).unwrap();
    assert_eq!(v["computed"].as_u64(), Some(want.trim().parse().unwrap()));
    // Go's canonical bytes, through stdin.
    let want = std::fs::read(format!("{GOLDEN}/cpu-v2/gen-1.canonical")).unwrap();
    let r = run(
        &["canonical", "--kind", "cpu-v2", "-"],
        Some(&bytes),
        Duration::from_secs(10),
    );
    assert_eq!(r.out.stdout, want, "{}", r.stderr());
    // Over the limit: refused, naming stdin.
    let r = run(
        &["--max-size", "10", "verify", "-"],
        Some(&bytes),
        Duration::from_secs(10),
    );
    assert_refused_fast(&r, "<stdin>", &["at least 11 bytes", "limit of 10 bytes"]);
}

/// The image-pull readers echo the whole document when `kind` is missing:
/// the Go reference answers `Object 'Kind' is missing in '<document>'`
/// (tests/golden/imagepull-intent-v1alpha1/kind-missing.verify). With a
/// 50 MB image name the message would be 50 MB; it must be capped.
#[test]
fn fifty_megabyte_message_is_capped() {
    let golden = std::fs::read_to_string(format!(
        "{GOLDEN}/imagepull-intent-v1alpha1/kind-missing.verify"
    ))
    .unwrap();
    assert!(
        golden.contains("Object 'Kind' is missing in '{"),
        "{golden}"
    );

    let d = tmpdir("bigmsg");
    let p = d.join("sha256-0000");
    let big = "a".repeat(50_000_000);
    let doc = format!(r#"{{"apiVersion":"kubelet.config.k8s.io/v1alpha1","image":"{big}"}}"#);
    std::fs::write(&p, &doc).unwrap();
    drop(doc);
    for output in ["text", "json"] {
        let r = run(
            &[
                "verify",
                "--kind",
                "imagepull-intent-v1alpha1",
                "-o",
                output,
                s(&p),
            ],
            None,
            Duration::from_secs(300),
        );
        let out = String::from_utf8_lossy(&r.out.stdout);
        assert_eq!(r.out.status.code(), Some(1), "{}", r.stderr());
        assert!(out.len() < 10_000, "{output}: {} bytes printed", out.len());
        assert!(out.contains("invalid-json"), "{out}");
        assert!(out.contains("Object 'Kind' is missing in"), "{out}");
        assert!(out.contains("bytes omitted"), "{out}");
        // Reading and judging a 50 MB file needs a few copies of it (the
        // bytes, the decoded string, the message); ten would be a leak.
        match r.max_rss_kib {
            Some(kib) => {
                eprintln!("{output}: peak RSS {kib} KiB for a 50 MB input");
                assert!(kib < 512 * 1024, "peak RSS {kib} KiB");
            }
            None => eprintln!("note: peak memory not measured"),
        }
    }
    std::fs::remove_file(&p).unwrap();
}

/// `kubelet-ckpt ARGS` as the unprivileged user `nobody` (util-linux
/// `setpriv`), or `None` when this test does not run as root or cannot
/// drop privileges (then the caller skips, saying why).
fn as_nobody(args: &[&str]) -> Option<Output> {
    let root = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&root.stdout).trim() != "0" {
        eprintln!("skipping: not root, cannot switch to nobody");
        return None;
    }
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_kubelet-ckpt"))
        .args(args)
        .output();
    match o {
        Ok(o) => Some(o),
        Err(e) => {
            eprintln!("skipping: setpriv: {e}");
            None
        }
    }
}

/// Whether `nobody` can run the built binary at all (the checkout may sit
/// in a directory only root can enter).
fn nobody_can_run() -> bool {
    match as_nobody(&["--version"]) {
        Some(o) if o.status.success() => true,
        Some(o) => {
            eprintln!(
                "skipping: nobody cannot run the binary here: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            false
        }
        None => false,
    }
}

/// As a non-root user: an unreadable file is a clear error naming it (exit
/// 2), and a repair that cannot write into a read-only directory fails
/// clearly and leaves the original untouched (no backup, no temp file).
#[test]
fn permissions_as_a_non_root_user() {
    use std::os::unix::fs::PermissionsExt;
    if !nobody_can_run() {
        return;
    }
    let d = tmpdir("perm");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let golden = std::fs::read(format!("{GOLDEN}/cpu-v2/gen-1.json")).unwrap();

    let secret = d.join("cpu_manager_state");
    std::fs::write(&secret, &golden).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let Some(o) = as_nobody(&["verify", s(&secret)]) else {
        return;
    };
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(s(&secret)) && err.contains("ermission denied"),
        "{err}"
    );

    // Readable, but in a directory nobody may not write: a zero checksum
    // would be rewritten, which needs a temp file beside the target.
    let ro = tmpdir("perm-ro");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    let target = ro.join("cpu_manager_state");
    let text = String::from_utf8(golden).unwrap();
    let i = text.find("\"checksum\":").unwrap() + "\"checksum\":".len();
    let end = i + text[i..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let bad = format!("{}1{}", &text[..i], &text[end..]);
    std::fs::write(&target, &bad).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let lock = ro.join("no-kubelet.lock");
    let o = as_nobody(&["repair", "--lock-file", s(&lock), s(&target)]).expect("nobody");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("ermission denied"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        bad,
        "original changed"
    );
    let left: Vec<_> = std::fs::read_dir(&ro)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "files left behind: {left:?}");
}

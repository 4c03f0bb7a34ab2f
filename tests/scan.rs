//! `scan` on the sample node snapshot (`corpus/node-snapshot`, built by its
//! `make.py` from oracle-generated files): the same findings from the
//! directory and from tar, tar.gz and tar.zst copies; every planted problem
//! found with its severity and nothing else an error; HTML escaping of a
//! hostile pod name; a FIFO reported, never opened. `--now` is fixed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use kubelet_ckpt::ops::scan::{scan, ScanOptions, ScanReport, Severity};

const NOW: &str = "2026-12-01T00:00:00Z";

fn opts() -> ScanOptions {
    ScanOptions {
        now: kubelet_ckpt::ops::scan::time::parse(NOW),
        ..Default::default()
    }
}

/// A copy of the sample under `dir`, modes and mtimes restored.
fn sample_copy(dir: &Path) -> PathBuf {
    crate::support::sample_copy(&dir.join("node"))
}

fn tar_bytes(root: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    b.mode(tar::HeaderMode::Complete);
    b.append_dir_all(".", root).unwrap();
    b.into_inner().unwrap()
}

type Key = (String, Severity, Vec<String>, String);

fn findings(r: &ScanReport) -> Vec<Key> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.code.clone(),
                f.severity,
                f.paths.clone(),
                f.message.clone(),
            )
        })
        .collect()
}

#[test]
fn directory_and_archives_agree_and_planted_problems_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = sample_copy(tmp.path());
    let r = scan(&dir, &opts()).unwrap();
    assert_eq!(r.snapshot.kind, "directory");
    assert_eq!(r.release.minor.as_deref(), Some("1.34"));
    assert_eq!(r.now.source, "--now");

    let tar = tar_bytes(&dir);
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    let zst = zstd::encode_all(&tar[..], 3).unwrap();
    for (name, bytes, kind) in [
        ("node.tar", &tar, "tar"),
        ("node.tar.gz", &gz, "tar.gz"),
        ("node.tar.zst", &zst, "tar.zst"),
    ] {
        let p = tmp.path().join(name);
        fs::write(&p, bytes).unwrap();
        let a = scan(&p, &opts()).unwrap();
        assert_eq!(a.snapshot.kind, kind);
        assert_eq!(findings(&a), findings(&r), "{name}");
        let sums = |r: &ScanReport| -> Vec<(String, Option<String>)> {
            r.files
                .iter()
                .filter(|f| f.kind == "file")
                .map(|f| (f.path.clone(), f.sha256.clone()))
                .collect()
        };
        assert_eq!(sums(&a), sums(&r), "{name}");
    }
    // The committed archive (the README's first command scans it; written
    // by `make.py --archive` from the directory and meta.tsv) says the same.
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/node-snapshot.tar.gz");
    let a = scan(&committed, &opts()).unwrap();
    assert_eq!(
        findings(&a),
        findings(&r),
        "corpus/node-snapshot.tar.gz is stale: run python3 corpus/node-snapshot/make.py --archive"
    );

    let has = |code: &str, sev: Severity, path: &str| {
        r.findings
            .iter()
            .any(|f| f.code == code && f.severity == sev && f.paths.iter().any(|p| p == path))
    };
    let k = "var/lib/kubelet";
    let planted = [
        (
            "state.verdict",
            Severity::Error,
            format!("{k}/cpu_manager_state"),
        ),
        (
            "state.verdict",
            Severity::Error,
            format!("{k}/allocated_pods_state"),
        ),
        (
            "state.cpu-policy-mismatch",
            Severity::Error,
            format!("{k}/cpu_manager_state"),
        ),
        (
            "pods.state-without-pod-dir",
            Severity::Warning,
            format!("{k}/device-plugins/kubelet_internal_checkpoint"),
        ),
        (
            "perm.key-readable",
            Severity::Error,
            format!("{k}/pki/kubelet.key"),
        ),
        (
            "pki.expiring",
            Severity::Warning,
            format!("{k}/pki/kubelet.crt"),
        ),
        (
            "state.shape-vs-release",
            Severity::Warning,
            format!("{k}/cpu_manager_state"),
        ),
    ];
    for (code, sev, path) in &planted {
        assert!(
            has(code, *sev, path),
            "{code} {sev:?} {path}: {:#?}",
            r.findings
        );
    }
    let errors: BTreeSet<(String, String)> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code.clone(), f.paths[0].clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = planted
        .iter()
        .filter(|p| p.1 == Severity::Error)
        .map(|p| (p.0.to_string(), p.2.clone()))
        .collect();
    assert_eq!(errors, expected);
    assert!(r
        .findings
        .iter()
        .any(|f| f.message.contains("9b2e4f60-0c1d-4e2f-8a3b-4c5d6e7f8091")));

    // The allocation picture and the timeline.
    assert_eq!(r.allocation.cpus.len(), 8);
    assert!(r
        .allocation
        .cpus
        .iter()
        .any(|c| c.cpu == 4 && c.pod.as_deref() == Some("ml/trainer-0")));
    assert_eq!(r.allocation.devices.len(), 2);
    assert_eq!(r.allocation.claims.len(), 1);
    assert!(r.timeline.windows(2).all(|w| w[0].mtime <= w[1].mtime));
    assert!(r
        .files
        .iter()
        .all(|f| f.kind != "file" || f.sha256.is_some()));
}

#[test]
fn fifo_is_reported_not_opened_and_hostile_names_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("kubelet");
    fs::create_dir_all(root.join("pods")).unwrap();
    // A cpu_manager_state whose pod and container names are markup (the
    // checksum is wrong; the state is still drawn).
    let evil = "<script>alert(1)</script>";
    fs::write(
        root.join("cpu_manager_state"),
        format!(
            r#"{{"policyName":"static","defaultCpuSet":"0-1","entries":{{"{evil}":{{"{evil}":"2-3"}}}},"checksum":1}}"#
        ),
    )
    .unwrap();
    let fifo = root.join("memory_manager_state");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());

    let r = scan(&root, &opts()).unwrap();
    let f = r
        .files
        .iter()
        .find(|f| f.path == "memory_manager_state")
        .unwrap();
    assert_eq!(f.kind, "fifo");
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "state.not-a-file" && f.paths == ["memory_manager_state"]));

    let exe = env!("CARGO_BIN_EXE_kubelet-ckpt");
    let out = Command::new(exe)
        .args(["scan", "--now", NOW, "-o", "html"])
        .arg(&root)
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains(evil));
    assert!(!html.to_lowercase().contains("<script"));
    assert_eq!(out.status.code(), Some(1), "the corrupt file is an error");

    // --report writes the file; JSON parses.
    let rep = tmp.path().join("r.json");
    let st = Command::new(exe)
        .args(["scan", "--now", NOW, "-o", "json", "--report"])
        .arg(&rep)
        .arg(&root)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&rep).unwrap()).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["now"]["time"], NOW);

    // Unreadable input: exit 2.
    let st = Command::new(exe)
        .args(["scan"])
        .arg(tmp.path().join("missing"))
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(2));
}

/// A memory manager file copied over `cpu_manager_state`: the kubelet reads
/// the path as `cpu_manager_state` and will not start (the snapshot's
/// release, 1.34, panics on an unreadable CPU manager checkpoint; text from
/// `oracle release 1.34 cpu_manager_state verify`), so the
/// scan reports an error although the content is a fine memory manager
/// file. It was `ok (memory)` before.
#[test]
fn content_of_another_file_under_a_kubelet_name_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = sample_copy(tmp.path());
    let kubelet = dir.join("var/lib/kubelet");
    fs::copy(
        kubelet.join("memory_manager_state"),
        kubelet.join("cpu_manager_state"),
    )
    .unwrap();
    let r = scan(&dir, &opts()).unwrap();
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "state.verdict" && f.paths == ["var/lib/kubelet/cpu_manager_state"])
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert_eq!(f.severity, Severity::Error, "{f:?}");
    assert!(
        f.message.starts_with(
            "invalid-json (memory, the content of a memory_manager_state) for kubelet 1.34: "
        ),
        "{f:?}"
    );
    assert!(
        f.message
            .contains("Go struct field CPUManagerCheckpoint.entries of type string"),
        "{f:?}"
    );
}

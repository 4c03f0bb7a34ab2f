//! `doctor` on copies of the sample node (`corpus/node-snapshot`, modes
//! and mtimes restored) with a fake sysfs matching its state: two sockets =
//! two NUMA nodes of 4 CPUs (0-3, 4-7) and 32 GiB each with an empty 1 GiB
//! huge page pool (what `make.py` planted: `defaultCpuSet 0-1,6-7`, CPUs
//! 2-3 and 4-5 held, a memory machine state of 2 × 32 GiB with
//! `hugepages-1Gi` tables of 0). `--fix --allow-loss` leaves every state
//! file `ok` for kubelet 1.34 with the start checks (ours, and the Go
//! reference's `oracle release 1.34 FILE verify` under `ORACLE_NODE` when
//! `KUBELET_CKPT_ORACLE` is set), with backups and a metrics file; a second
//! run has nothing to do. Without `--allow-loss` the policy change is
//! refused; a held lock refuses every write. `scan --each` over the sample
//! directory and a tar.gz of it gives two equal JSON lines.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use kubelet_ckpt::formats::node::{KubeletConfig, Node};
use kubelet_ckpt::ops::verify::{judge, Request, Status};

use crate::support::sample_copy;

const NOW: &str = "2026-12-01T00:00:00Z";
const GIB_KB: u64 = 32 * 1024 * 1024;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_kubelet-ckpt")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// The machine the sample's state was written on, as sysfs shows it
/// (what `formats/node/sysfs.rs` reads).
fn fake_sysfs(root: &Path) {
    let sys = "sys/devices/system";
    write(root, &format!("{sys}/cpu/online"), "0-7\n");
    for cpu in 0..8 {
        let t = format!("{sys}/cpu/cpu{cpu}/topology");
        write(root, &format!("{t}/core_id"), &format!("{}\n", cpu % 4));
        write(
            root,
            &format!("{t}/physical_package_id"),
            &format!("{}\n", cpu / 4),
        );
    }
    for n in 0..2 {
        let d = format!("{sys}/node/node{n}");
        write(
            root,
            &format!("{d}/cpulist"),
            &format!("{}-{}\n", 4 * n, 4 * n + 3),
        );
        write(
            root,
            &format!("{d}/meminfo"),
            &format!("Node {n} MemTotal:       {GIB_KB} kB\nNode {n} MemFree:        1024 kB\n"),
        );
        write(
            root,
            &format!("{d}/hugepages/hugepages-1048576kB/nr_hugepages"),
            "0\n",
        );
    }
}

/// The same facts as a node.json for the Go reference's `ORACLE_NODE`
/// (the sample's config.yaml fields the start checks read, and the
/// machine above).
fn node_json() -> String {
    let numa = |n: u64| {
        let cores: Vec<String> = (0..4)
            .map(|c| {
                format!(
                    r#"{{"core_id": {c}, "thread_ids": [{}], "socket_id": {n}}}"#,
                    4 * n + c
                )
            })
            .collect();
        format!(
            r#"{{"node_id": {n}, "memory": {}, "hugepages": [{{"page_size": 1048576, "num_pages": 0}}], "cores": [{}]}}"#,
            GIB_KB * 1024,
            cores.join(", ")
        )
    };
    format!(
        r#"{{
  "kubeletConfig": {{
    "cpuManagerPolicy": "none",
    "memoryManagerPolicy": "Static",
    "reservedMemory": [{{"numaNode": 0, "limits": {{"memory": "1Gi"}}}}, {{"numaNode": 1, "limits": {{"memory": "1Gi"}}}}],
    "kubeReserved": {{"cpu": "500m", "memory": "1Gi"}},
    "systemReserved": {{"cpu": "500m", "memory": "512Mi"}},
    "evictionHard": {{"memory.available": "512Mi"}}
  }},
  "machineInfo": {{
    "num_cores": 8,
    "num_sockets": 2,
    "memory_capacity": {},
    "topology": [{}, {}]
  }}
}}"#,
        2 * GIB_KB * 1024,
        numa(0),
        numa(1)
    )
}

/// A sample copy with the fake sysfs under `<tmp>/node`.
fn node(tmp: &Path) -> PathBuf {
    let root = sample_copy(&tmp.join("node"));
    fake_sysfs(&root);
    root
}

fn doctor(root: &Path, extra: &[&str]) -> Output {
    Command::new(bin())
        .arg("doctor")
        .arg("--root")
        .arg(root)
        .args(extra)
        .env_remove("KUBELET_CKPT_KUBELET_VERSION")
        .output()
        .unwrap()
}

fn say(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// State files under var/lib/kubelet (not backups), relative to it.
fn state_files(root: &Path) -> Vec<String> {
    let k = root.join("var/lib/kubelet");
    let mut v = Vec::new();
    for d in ["", "device-plugins"] {
        for e in fs::read_dir(k.join(d)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            if e.file_type().unwrap().is_file()
                && (name.ends_with("_state") || name == "kubelet_internal_checkpoint")
            {
                v.push(if d.is_empty() {
                    name
                } else {
                    format!("{d}/{name}")
                });
            }
        }
    }
    v.sort();
    v
}

/// Every file under `dir` with its bytes.
fn snapshot_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            v.extend(snapshot_bytes(&e.path()));
        } else if ty.is_file() {
            v.push((e.path(), fs::read(e.path()).unwrap()));
        }
    }
    v.sort();
    v
}

fn backups(dir: &Path, name: &str) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{name}.kubelet-ckpt-backup."))
        })
        .collect()
}

/// Parses a Prometheus textfile: every line a `#` comment or
/// `name{labels} value` / `name value`; returns the samples.
fn parse_metrics(text: &str) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => {
                let l = l.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                for pair in l.split("\",") {
                    let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                    assert!(k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
                    assert!(!v.trim_end_matches('"').contains('\n'));
                }
                (n, l.to_string())
            }
            None => (series, String::new()),
        };
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        out.push((name.to_string(), labels, value));
    }
    out
}

/// `oracle release 1.34 FILE verify` with `ORACLE_NODE`.
fn oracle_verdict(oracle: &Path, node: &Path, file: &str, bytes: &[u8]) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let mut c = Command::new(oracle)
        .args(["release", "1.34", file, "verify"])
        .env("ORACLE_NODE", node)
        .env_remove("ORACLE_POLICY")
        .env_remove("ORACLE_RELEASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = c.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn fix_leaves_every_state_file_ok_with_backups_and_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let root = node(tmp.path());
    let k = root.join("var/lib/kubelet");
    let metrics = tmp.path().join("kubelet_ckpt.prom");
    let old_cpu = fs::read(k.join("cpu_manager_state")).unwrap();
    let old_alloc = fs::read(k.join("allocated_pods_state")).unwrap();

    let out = doctor(
        &root,
        &[
            "--fix",
            "--allow-loss",
            "--metrics",
            metrics.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", say(&out));
    let log = String::from_utf8_lossy(&out.stderr);
    // One journal line per action.
    assert!(
        log.lines().any(|l| l.starts_with(
            "kubelet-ckpt doctor: /var/lib/kubelet/cpu_manager_state: corrupt; rewritten (policy, shape, checksum), now ok; backup "
        )),
        "{log}"
    );
    // The torn allocated_pods_state (cut inside its payload string, in
    // its second pod entry) keeps its first, whole entry.
    assert!(
        log.lines().any(|l| l.starts_with(
            "kubelet-ckpt doctor: /var/lib/kubelet/allocated_pods_state: invalid-json; rewritten (salvage, checksum), now ok; backup "
        )),
        "{log}"
    );

    // Every state file is ok for the node's release with the start checks.
    let config =
        KubeletConfig::from_yaml(&fs::read_to_string(k.join("config.yaml")).unwrap()).unwrap();
    let node = Arc::new(Node::from_sysfs(&root, config).unwrap());
    let req = Request {
        for_kubelet: Some(34),
        node: Some(node),
        ..Default::default()
    };
    let files = state_files(&root);
    assert_eq!(
        files,
        [
            "actuated_pods_state",
            "allocated_pods_state",
            "cpu_manager_state",
            "device-plugins/kubelet_internal_checkpoint",
            "dra_manager_state",
            "memory_manager_state"
        ]
    );
    let oracle = std::env::var_os("KUBELET_CKPT_ORACLE").map(PathBuf::from);
    let node_file = tmp.path().join("node.json");
    fs::write(&node_file, node_json()).unwrap();
    for f in &files {
        let bytes = fs::read(k.join(f)).unwrap();
        let r = judge(&k.join(f), &bytes, &req).unwrap();
        assert_eq!(r.status, Status::Ok, "{f}: {}", r.verification.message);
        if let Some(o) = &oracle {
            assert_eq!(
                oracle_verdict(o, &node_file, f, &bytes),
                "ok",
                "{f}: oracle"
            );
        }
    }
    if oracle.is_none() {
        eprintln!("KUBELET_CKPT_ORACLE not set: the oracle's verdicts were not checked");
    }
    // The oracle agrees that the files were not ok before (the node facts
    // are the ones it judges the repaired files with).
    if let Some(o) = &oracle {
        assert_ne!(
            oracle_verdict(o, &node_file, "cpu_manager_state", &old_cpu),
            "ok"
        );
    }

    // Backups beside the files, holding the old bytes.
    let b = backups(&k, "cpu_manager_state");
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(fs::read(&b[0]).unwrap(), old_cpu);
    let b = backups(&k, "allocated_pods_state");
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(fs::read(&b[0]).unwrap(), old_alloc);
    let alloc = String::from_utf8(fs::read(k.join("allocated_pods_state")).unwrap()).unwrap();
    assert!(
        alloc.contains("3f1c2a9e-5b7d-4c1e-9a2b-6d8e0f1a2b3c"),
        "{alloc}"
    );
    assert!(
        !alloc.contains("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"),
        "{alloc}"
    );

    // The metrics file parses and counts the repairs.
    let text = fs::read_to_string(&metrics).unwrap();
    let samples = parse_metrics(&text);
    let repairs: f64 = samples
        .iter()
        .filter(|s| s.0 == "kubelet_ckpt_repairs_total")
        .map(|s| s.2)
        .sum();
    assert_eq!(repairs, 2.0, "{text}");
    assert!(text.contains(
        "kubelet_ckpt_repairs_total{file=\"/var/lib/kubelet/cpu_manager_state\",reason=\"policy+shape+checksum\"} 1\n"
    ), "{text}");
    assert!(text.contains(
        "kubelet_ckpt_repairs_total{file=\"/var/lib/kubelet/allocated_pods_state\",reason=\"salvage+checksum\"} 1\n"
    ), "{text}");
    assert!(
        text.contains("kubelet_ckpt_files{verdict=\"ok\"} 6\n"),
        "{text}"
    );
    assert!(
        !text.contains("kubelet_ckpt_files{verdict=\"absent\"} 1\n"),
        "{text}"
    );
    assert!(samples
        .iter()
        .any(|s| s.0 == "kubelet_ckpt_last_run_timestamp_seconds" && s.2 > 1.7e9));
    for t in [
        "kubelet_ckpt_repairs_total counter",
        "kubelet_ckpt_files gauge",
        "kubelet_ckpt_last_run_timestamp_seconds gauge",
    ] {
        assert!(text.contains(&format!("# TYPE {t}\n")), "{text}");
    }

    // A second run: nothing to fix; the counter keeps its count.
    let before = snapshot_bytes(&k);
    let out = doctor(
        &root,
        &[
            "--fix",
            "--metrics",
            metrics.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", say(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["can_start"], true);
    assert_eq!(r["release"], "1.34");
    let outcomes: Vec<&str> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ok"; 6], "{}", say(&out));
    assert_eq!(snapshot_bytes(&k), before);
    let text = fs::read_to_string(&metrics).unwrap();
    let repairs: f64 = parse_metrics(&text)
        .iter()
        .filter(|s| s.0 == "kubelet_ckpt_repairs_total")
        .map(|s| s.2)
        .sum();
    assert_eq!(repairs, 2.0, "{text}");
}

#[test]
fn a_policy_change_is_refused_without_allow_loss() {
    let tmp = tempfile::tempdir().unwrap();
    let root = node(tmp.path());
    let k = root.join("var/lib/kubelet");
    let old_cpu = fs::read(k.join("cpu_manager_state")).unwrap();
    let out = doctor(&root, &["--fix"]);
    assert_eq!(out.status.code(), Some(1), "{}", say(&out));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("/var/lib/kubelet/cpu_manager_state: corrupt; not repaired: the repair releases assignments"),
        "{log}"
    );
    assert!(log.contains("the kubelet will not start"), "{log}");
    assert_eq!(fs::read(k.join("cpu_manager_state")).unwrap(), old_cpu);
    assert!(backups(&k, "cpu_manager_state").is_empty());
}

#[test]
fn a_held_lock_makes_fix_refuse_and_touch_nothing() {
    use std::os::fd::AsRawFd;
    let tmp = tempfile::tempdir().unwrap();
    let root = node(tmp.path());
    let lock = tmp.path().join("kubelet.lock");
    fs::write(&lock, b"").unwrap();
    let held = fs::File::open(&lock).unwrap();
    // SAFETY: the fd is open.
    assert_eq!(
        unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let before = snapshot_bytes(&root);
    let out = doctor(
        &root,
        &[
            "--fix",
            "--allow-loss",
            "--lock-file",
            lock.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", say(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is held: a kubelet is running"),
        "{}",
        say(&out)
    );
    assert_eq!(snapshot_bytes(&root), before);
    drop(held);
}

/// A fake `/proc/PID` under `proc` for a process named `comm` with the
/// command line `argv`.
fn fake_process(proc: &Path, pid: u32, comm: &str, argv: &[&str]) {
    let d = proc.join(pid.to_string());
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("comm"), format!("{comm}\n")).unwrap();
    let mut cmd = Vec::new();
    for a in argv {
        cmd.extend_from_slice(a.as_bytes());
        cmd.push(0);
    }
    fs::write(d.join("cmdline"), cmd).unwrap();
}

/// A kubelet process with the node's root directory (the default,
/// /var/lib/kubelet: no --root-dir) in `<root>/proc` makes --fix refuse
/// and touch nothing, naming the PID; --force writes and says so. A
/// kubelet with another root directory does not stop it.
#[test]
fn a_running_kubelet_with_the_root_dir_makes_fix_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let root = node(tmp.path());
    let proc = root.join("proc");
    fake_process(
        &proc,
        4242,
        "kubelet",
        &[
            "/usr/bin/kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--v=2",
        ],
    );
    fake_process(&proc, 77, "containerd", &["/usr/bin/containerd"]);
    let before = snapshot_bytes(&root);
    let out = doctor(&root, &["--fix", "--allow-loss"]);
    assert_eq!(out.status.code(), Some(1), "{}", say(&out));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("kubelet PID 4242"), "{}", say(&out));
    assert!(
        log.contains("root directory /var/lib/kubelet"),
        "{}",
        say(&out)
    );
    assert_eq!(snapshot_bytes(&root), before);

    // The same kubelet with --root-dir elsewhere: not this node's files.
    fake_process(
        &proc,
        4242,
        "kubelet",
        &["/usr/bin/kubelet", "--root-dir", "/srv/kubelet"],
    );
    let out = doctor(&root, &["--fix", "--allow-loss", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", say(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("PID 4242"),
        "{}",
        say(&out)
    );

    // Back to the node's root directory, with --force: written, and said.
    let tmp2 = tempfile::tempdir().unwrap();
    let root = node(tmp2.path());
    fake_process(
        &root.join("proc"),
        4242,
        "kubelet",
        &["kubelet", "--root-dir=/var/lib/kubelet/"],
    );
    let out = doctor(&root, &["--fix", "--allow-loss", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", say(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--force: writing although kubelet PID 4242"),
        "{}",
        say(&out)
    );
    assert!(!backups(&root.join("var/lib/kubelet"), "cpu_manager_state").is_empty());
}

#[test]
fn scan_each_gives_one_equal_line_per_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fleet");
    let a = sample_copy(&dir.join("a-node"));
    let tar = {
        let mut b = tar::Builder::new(Vec::new());
        b.follow_symlinks(false);
        b.mode(tar::HeaderMode::Complete);
        b.append_dir_all(".", &a).unwrap();
        b.into_inner().unwrap()
    };
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    fs::write(dir.join("b-node.tar.gz"), gz).unwrap();
    let out = Command::new(bin())
        .args(["scan", "--each", "--now", NOW])
        .arg(&dir)
        .env_remove("KUBELET_CKPT_KUBELET_VERSION")
        .output()
        .unwrap();
    // The sample has error findings.
    assert_eq!(out.status.code(), Some(1), "{}", say(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(text
        .lines()
        .all(|l| !l.contains('\n') && l.starts_with('{')));
    assert_eq!(lines[0]["snapshot"]["kind"], "directory");
    assert_eq!(lines[1]["snapshot"]["kind"], "tar.gz");
    assert!(lines[0]["snapshot"]["path"]
        .as_str()
        .unwrap()
        .ends_with("a-node"));
    assert!(!lines[0]["findings"].as_array().unwrap().is_empty());
    assert_eq!(lines[0]["findings"], lines[1]["findings"]);

    // An unreadable entry is an error line, and status 2.
    fs::write(dir.join("c-notes.txt"), "not a snapshot\n").unwrap();
    let out = Command::new(bin())
        .args(["scan", "--each", "--now", NOW])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().nth(2).unwrap()).unwrap();
    assert!(last["path"].as_str().unwrap().ends_with("c-notes.txt"));
    assert!(last["error"].is_string());
}

//! Lowering, convert and repair: the write side of the version-neutral
//! state. Rule: a test belongs here when it writes a file from a state
//! (lower, convert, repair); answers are checked against the committed
//! oracle outputs (golden) or the Go reference itself (`KUBELET_CKPT_ORACLE`).

use crate::support;

use std::collections::BTreeSet;

use std::path::{Path, PathBuf};

use kubelet_ckpt::formats::lower::{lower, writable};
use kubelet_ckpt::formats::state::lift;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every `gen-N.json` of `kind` with its oracle canonical bytes.
fn gens(kind: &str) -> Vec<(PathBuf, Vec<u8>, Vec<u8>)> {
    let dir = golden_dir().join(kind);
    let mut out = Vec::new();
    for n in 1..=9 {
        let input = dir.join(format!("gen-{n}.json"));
        let canon = dir.join(format!("gen-{n}.canonical"));
        if input.is_file() && canon.is_file() {
            out.push((
                input.clone(),
                std::fs::read(&input).unwrap(),
                std::fs::read(&canon).unwrap(),
            ));
        }
    }
    out
}

fn writable_kinds() -> Vec<&'static str> {
    kubelet_ckpt::formats::registry()
        .iter()
        .map(|k| k.info().name)
        .filter(|k| writable(k))
        .collect()
}

/// gimli's `convert_self`: the version-neutral state keeps everything the
/// kubelet writes back:
/// lifting a file and lowering it to its own kind gives the oracle's
/// canonical bytes (nil and empty collections kept apart, order kept),
/// for every committed input the kubelet reads. The exception is a
/// podstatus-v1 file whose canonical form the kubelet itself cannot read
/// back (its checksum covers the quantity as read, the text as
/// re-marshalled): lowering writes a file that verifies instead.
#[test]
fn golden_lift_lower_is_canonical() {
    use kubelet_ckpt::formats::{registry, Verdict, VerifyOptions};
    let mut compared = 0;
    let mut bad = Vec::new();
    for k in registry() {
        let name = k.info().name;
        let dir = golden_dir().join(name);
        if !writable(name) || !dir.is_dir() {
            continue;
        }
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        inputs.sort();
        for input in inputs {
            let bytes = std::fs::read(&input).unwrap();
            // The oracle's canonical bytes (absent: it refused the file).
            let Ok(want) = std::fs::read(input.with_extension("canonical")) else {
                continue;
            };
            if k.verify(&bytes, &VerifyOptions::default()).verdict != Verdict::Ok {
                continue;
            }
            let state = match lift(name, &bytes) {
                Some(Ok(s)) => s,
                other => {
                    bad.push(format!("{}: lift: {other:?}", input.display()));
                    continue;
                }
            };
            let got = match lower(name, &state) {
                Ok((b, losses)) if losses.is_empty() => b,
                Ok((_, losses)) => {
                    bad.push(format!("{}: losses {losses:?}", input.display()));
                    continue;
                }
                // The writer refuses what the kubelet could not finish
                // writing either (an exponent too large to evaluate).
                Err(e) if e.to_string().contains("too large to evaluate") => continue,
                Err(e) => {
                    bad.push(format!("{}: lower: {e}", input.display()));
                    continue;
                }
            };
            if got != want {
                let canonical_unreadable =
                    k.verify(&want, &VerifyOptions::default()).verdict != Verdict::Ok;
                let ours_reads = k.verify(&got, &VerifyOptions::default()).verdict == Verdict::Ok;
                if !(name == "podstatus-v1" && canonical_unreadable && ours_reads) {
                    bad.push(format!(
                        "{}:\n  oracle {}\n  ours   {}",
                        input.display(),
                        support::show(&want, 300),
                        support::show(&got, 300)
                    ));
                }
            }
            compared += 1;
        }
    }
    assert!(compared > 300, "only {compared} inputs compared");
    assert!(bad.is_empty(), "{} differ:\n{}", bad.len(), bad.join("\n"));
}

use kubelet_ckpt::formats::node::Node;
use kubelet_ckpt::formats::state::State;
use kubelet_ckpt::formats::{kind as kind_of, releases};
use kubelet_ckpt::ops::convert::{human, parse_human, Human};
use kubelet_ckpt::ops::repair::{plan, Action, Plan, RepairRequest};

/// yaml and json out, back in, lowered: the same canonical bytes.
#[test]
fn human_document_round_trips_for_every_writable_kind() {
    for kind in writable_kinds() {
        for (path, input, canonical) in gens(kind) {
            let state = lift(kind, &input).unwrap().unwrap();
            for h in [Human::Yaml, Human::Json] {
                let doc = human(&state, h).unwrap();
                let (back, _) = parse_human(&doc)
                    .unwrap_or_else(|| panic!("{}: {h:?} does not read back", path.display()));
                let (bytes, _) = lower(kind, &back).unwrap();
                assert_eq!(bytes, canonical, "{}: {h:?} round trip", path.display());
            }
        }
    }
}

/// The state without its source (kind and checksum status), for comparing
/// what two files hold.
fn content(s: &State) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap();
    v["state"].as_object_mut().unwrap().remove("source");
    v
}

/// `ORACLE_GATES=gates oracle release 1.MINOR FILE verify` on `bytes`.
fn oracle_release_gated(
    oracle: &Path,
    minor: &str,
    file: &str,
    gates: &str,
    bytes: &[u8],
) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut c = Command::new(oracle)
        .args(["release", minor, file, "verify"])
        .env("ORACLE_GATES", gates)
        .env_remove("ORACLE_POLICY")
        .env_remove("ORACLE_NODE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = c.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn kubelet_path(kind: &str) -> PathBuf {
    let f = kind_of(kind).unwrap().info().file;
    Path::new("/nonexistent").join(f)
}

fn damaged(input: &[u8]) -> Vec<(String, Vec<u8>, bool)> {
    let text = String::from_utf8(input.to_vec()).unwrap();
    let mut out = Vec::new();
    // (name, bytes, every entry must be kept)
    if let Some(i) = text.rfind(|c: char| c.is_ascii_digit()) {
        let mut t = text.clone().into_bytes();
        t[i] = if t[i] == b'9' { b'1' } else { t[i] + 1 };
        out.push(("flipped digit".into(), t, false));
    }
    for key in ["\"checksum\":", "\"Checksum\":"] {
        if let Some(i) = text.find(key) {
            let start = i + key.len();
            let end = start
                + text[start..]
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(0);
            if end > start {
                let t = format!("{}0{}", &text[..start], &text[end..]);
                out.push(("zero checksum".into(), t.into_bytes(), true));
            }
        }
    }
    let mut nul = input.to_vec();
    nul.extend([0u8; 64]);
    out.push(("NUL padding".into(), nul, true));
    let mut trail = input.to_vec();
    trail.extend_from_slice(b"\n{\"policyName\":\"x\"}garbage");
    out.push(("trailing data".into(), trail, true));
    for frac in [3, 2] {
        let cut = input.len() * (frac - 1) / frac;
        out.push((format!("truncated at {cut}"), input[..cut].to_vec(), false));
    }
    out.push((
        "truncated by one".into(),
        input[..input.len() - 1].to_vec(),
        false,
    ));
    out
}

/// Kinds whose payload is JSON inside a string member (`Data`/`data`).
fn data_string(kind: &str) -> bool {
    matches!(
        kind,
        "dra-v6" | "dra-v7" | "dra-v8" | "podstatus-v2" | "podstatus-v3"
    ) || kind.starts_with("allocated-")
        || kind.starts_with("actuated-")
}

fn check_repaired(oracle: Option<&Path>, what: &str, p: &Plan) {
    assert!(
        matches!(p.action, Action::Rewrite | Action::Nothing),
        "{what}: {:?} {:?} {:?}",
        p.action,
        p.message,
        p.before
    );
    assert!(
        p.after.as_deref().unwrap_or("").starts_with("ok"),
        "{what}: {p:?}"
    );
    if let Some(o) = oracle {
        let bytes = p.new_bytes.as_deref().unwrap_or(&p.old_bytes);
        let v = oracle_release_gated(o, &p.target, &p.file, &p.gates, bytes);
        assert_eq!(v, "ok", "{what}: the oracle says, for kubelet {}", p.target);
    }
}

/// Every writable kind's gen-1, damaged in each way, is repaired: the
/// oracle's release chain says ok, and every entry is kept where the
/// damage left them readable.
#[test]
fn damaged_golden_files_are_repaired() {
    let oracle = support::oracle();
    let mut unread = Vec::new();
    let mut payload_kept = 0;
    let mut lossy = BTreeSet::new();
    for kind in writable_kinds() {
        let Some((path, input, _)) = gens(kind).into_iter().next() else {
            continue;
        };
        let original = lift(kind, &input).unwrap().unwrap();
        // A development-only shape no release in the table reads has no
        // target to repair for: repair says so, and is asked for the
        // newest release that reads the file instead.
        if let Err(e) = plan(&kubelet_path(kind), &input, &RepairRequest::default()) {
            assert!(
                e.to_string().contains("no release in the table reads"),
                "{kind}: {e}"
            );
            unread.push(kind);
        }
        let req =
            repair_request(kind, &input).unwrap_or_else(|| panic!("{kind}: no release repairs it"));
        for (name, bytes, keeps) in damaged(&input) {
            let what = format!("{} ({kind}) {name}", path.display());
            let p =
                plan(&kubelet_path(kind), &bytes, &req).unwrap_or_else(|e| panic!("{what}: {e}"));
            check_repaired(oracle.as_deref(), &what, &p);
            let out = p.new_bytes.as_deref().unwrap_or(&p.old_bytes);
            // A target shape that cannot hold everything (repaired with
            // --allow-loss for a release that reads the file but not this
            // shape) leaves nothing to compare entry by entry.
            let same_shape = in_shape(kind, &p, out);
            if same_shape.is_none() {
                lossy.insert(kind);
            }
            if let (true, Some(out)) = (
                name.starts_with("truncated") && data_string(kind),
                same_shape,
            ) {
                // Cut inside the payload string: the entries complete
                // before the cut are kept (hand-derived: the payload's
                // entries found whole in the unquoted prefix).
                let in_payload = |e: &Ent| e.path.starts_with("data:");
                let kept = entry_set(kind, &out, in_payload);
                let all = entry_set(kind, &input, in_payload);
                let whole = entry_set(kind, &input, |e| in_payload(e) && before(e, bytes.len()));
                payload_kept += whole.len();
                for e in &whole {
                    assert!(kept.contains(e), "{what}: entry lost: {e}\nkept: {kept:?}");
                }
                for e in &kept {
                    assert!(all.contains(e), "{what}: entry not in the original: {e}");
                }
            }
            let out = p.new_bytes.clone().unwrap_or(p.old_bytes.clone());
            let k = p.target_kind.clone().unwrap();
            let after = lift(&k, &out).unwrap().unwrap();
            if keeps && k == kind {
                assert_eq!(content(&after), content(&original), "{what}: entries lost");
            }
            assert!(p.released.is_empty(), "{what}: {:?}", p.released);
        }
        let p = plan(&kubelet_path(kind), b"", &req).unwrap();
        assert_eq!(p.action, Action::SetAside, "{kind}: empty");
        let p = plan(&kubelet_path(kind), &[0u8; 32], &req).unwrap();
        assert_eq!(p.action, Action::SetAside, "{kind}: NUL only");
    }
    eprintln!("no release reads (repaired for the newest release that reads the file): {unread:?}");
    assert!(unread.len() < 16, "{unread:?}");
    eprintln!("payload entries kept across truncations: {payload_kept}; not compared (lossy target shape): {lossy:?}");
    assert!(payload_kept > 10, "{payload_kept}");
}

fn vectors() -> PathBuf {
    PathBuf::from("/work/shared/spec/vectors")
}

/// Version skew: a 1.36 writer's cpu-v2 (checksum over the V2 name) for
/// 1.35, and the other release vectors the oracle rejects for a release.
#[test]
fn version_skew_is_repaired_for_the_release() {
    let dir = vectors().join("releases");
    if !dir.is_dir() {
        eprintln!("skipping: {} is absent", dir.display());
        return;
    }
    let oracle = support::oracle();
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut n = 0;
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (file, kfile, rel, env, expected) = (f[0], f[1], f[2], f[3], f[4]);
        if !env.is_empty() || expected == "ok" || !expected.starts_with("corrupt") {
            continue;
        }
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let minor = releases::parse_version(rel).unwrap();
        let mut req = RepairRequest {
            for_kubelet: Some(minor),
            ..Default::default()
        };
        let mut p = plan(&Path::new("/nonexistent").join(kfile), &bytes, &req).unwrap();
        let what = format!("{file} for {rel}");
        if p.action == Action::Refused && !p.losses.is_empty() {
            // A lossy shape change: refused, then done with --allow-loss.
            req.allow_loss = true;
            p = plan(&Path::new("/nonexistent").join(kfile), &bytes, &req).unwrap();
        }
        if p.action == Action::Refused {
            // Only a shape that cannot be written from what the file
            // holds (names an older shape never recorded) may refuse.
            assert!(
                p.message
                    .as_deref()
                    .unwrap_or("")
                    .contains("cannot be written"),
                "{what}: {p:?}"
            );
            continue;
        }
        check_repaired(oracle.as_deref(), &what, &p);
        n += 1;
    }
    assert!(n > 0);
}

fn node_of(name: &str) -> Node {
    Node::from_json(&std::fs::read(vectors().join("node").join(name)).unwrap()).unwrap()
}

/// `ORACLE_RELEASE=1.MINOR ORACLE_NODE=node oracle KIND verify` on bytes.
fn oracle_node(oracle: &Path, kind: &str, minor: &str, node: &str, bytes: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut c = Command::new(oracle)
        .args([kind, "verify"])
        .env("ORACLE_NODE", vectors().join("node").join(node))
        .env("ORACLE_RELEASE", minor)
        .env_remove("ORACLE_POLICY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = c.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Node changes: the repaired file passes the start checks on the new node.
#[test]
fn node_changes_are_repaired() {
    if !vectors().join("node").is_dir() {
        eprintln!("skipping: node vectors absent");
        return;
    }
    let oracle = support::oracle();
    // (state, kind, node, releases something)
    let cases = [
        ("cpu-vm8.json", "cpu-v2", "node-vm12.json", false),
        ("cpu-vm8.json", "cpu-v2", "node-vm4.json", false),
        (
            "cpu-2numa.json",
            "cpu-v2",
            "node-2numa-kube-reserved-3cpu.json",
            true,
        ),
        ("cpu-2numa.json", "cpu-v2", "node-2numa-strict.json", false),
        ("cpu-2numa.json", "cpu-v2", "node-2numa-cpu-none.json", true),
        ("memory-2numa.json", "memory", "node-1numa.json", true),
        (
            "memory-2numa.json",
            "memory",
            "node-2numa-reserved-memory-moved.json",
            false,
        ),
    ];
    for (file, kind, node, releases_some) in cases {
        let bytes = std::fs::read(vectors().join("node").join(file)).unwrap();
        let what = format!("{file} on {node}");
        let mut req = RepairRequest {
            for_kubelet: Some(35),
            node: Some(std::sync::Arc::new(node_of(node))),
            ..Default::default()
        };
        let p = plan(&kubelet_path(kind), &bytes, &req).unwrap();
        if releases_some {
            assert_eq!(
                p.action,
                Action::Refused,
                "{what}: needs --allow-loss: {p:?}"
            );
            assert!(!p.released.is_empty(), "{what}");
            req.allow_loss = true;
        }
        let p = plan(&kubelet_path(kind), &bytes, &req).unwrap();
        assert_eq!(p.action, Action::Rewrite, "{what}: {p:?}");
        assert_eq!(p.after.as_deref(), Some("ok"), "{what}: {p:?}");
        if let Some(o) = &oracle {
            let out = p.new_bytes.as_deref().unwrap();
            assert_eq!(oracle_node(o, kind, "1.35", node, out), "ok", "{what}");
            // Every assignment still valid is kept.
            let before = lift(kind, &bytes).unwrap().unwrap();
            let after = lift(kind, out).unwrap().unwrap();
            if let (State::Cpu(b), State::Cpu(a)) = (&before, &after) {
                for (owner, l) in a.owners() {
                    assert!(b
                        .owners()
                        .iter()
                        .any(|(o, x)| *o == owner && x.cpus == l.cpus));
                }
                assert_eq!(
                    a.owners().len() + p.released.len(),
                    b.owners().len(),
                    "{what}"
                );
            }
        }
    }
    // A configuration error: nothing to edit, the setting named.
    let bytes = std::fs::read(vectors().join("node/cpu-vm8.json")).unwrap();
    let req = RepairRequest {
        for_kubelet: Some(35),
        node: Some(std::sync::Arc::new(node_of(
            "node-vm4-reserved-cpus-6.json",
        ))),
        allow_loss: true,
        ..Default::default()
    };
    let p = plan(&kubelet_path("cpu-v2"), &bytes, &req).unwrap();
    assert_eq!(p.action, Action::ConfigError);
    assert!(p.message.unwrap().contains("reservedSystemCPUs"));
}

/// Inconsistent state without node facts: overlapping exclusive sets and a
/// CPU both shared and exclusive are reconciled, nothing invented.
#[test]
fn overlapping_cpu_sets_are_reconciled() {
    let bytes = kubelet_ckpt::formats::lower::lower(
        "cpu-v2",
        &parse_human(
            br#"{"family":"cpu","state":{"source":{"kind":"cpu-v2","scheme":"","checksum":{"status":"none"}},
            "policy_name":"static","default_cpu_set":{"text":"0-3","cpus":[]},"keyed_by":"pod-container",
            "pods":{"a":{"in_entries":true,"containers":{"c":{"text":"2-3","cpus":[]}}},
                    "b":{"in_entries":true,"containers":{"d":{"text":"3","cpus":[]}}}},
            "containers_by_id":{}}}"#,
        )
        .unwrap()
        .0,
    )
    .unwrap()
    .0;
    let req = RepairRequest {
        allow_loss: true,
        ..Default::default()
    };
    let p = plan(&kubelet_path("cpu-v2"), &bytes, &req).unwrap();
    assert_eq!(p.action, Action::Rewrite, "{p:?}");
    assert_eq!(p.released.len(), 1, "{p:?}");
    let out = String::from_utf8(p.new_bytes.unwrap()).unwrap();
    assert!(out.contains(r#""defaultCpuSet":"0-1""#), "{out}");
    assert!(out.contains(r#""a":{"c":"2-3"}"#), "{out}");
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_kubelet-ckpt")
}

/// A syntax error inside the text (a digit of the checksum turned into a
/// letter) is no cut that salvage mends: the file is set aside, and the
/// plan says where the bad byte is and that mending it by hand keeps the
/// entries (the backup keeps every byte).
#[test]
fn a_syntax_error_inside_the_text_names_its_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cpu_manager_state");
    let mut bad = std::fs::read(golden_dir().join("cpu-v2/gen-1.json")).unwrap();
    let at = bad.len() - 3; // inside the checksum's digits: `…"checksum":NNN}`
    assert!(bad[at].is_ascii_digit());
    bad[at] = b'x';
    std::fs::write(&file, &bad).unwrap();
    let out = std::process::Command::new(bin())
        .args(["repair", "--dry-run"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("a syntax error inside the text at byte {at} "))
            && text.contains(&format!("mend byte {at} by hand")),
        "{text}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), bad);
}

/// The CLI refuses while another open file description holds the lock,
/// and --dry-run writes nothing.
#[test]
fn lock_and_dry_run_leave_the_file_untouched() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cpu_manager_state");
    let input = std::fs::read(golden_dir().join("cpu-v2/gen-1.json")).unwrap();
    let mut bad = input.clone();
    let n = bad.len();
    bad[n - 2] = if bad[n - 2] == b'9' {
        b'1'
    } else {
        bad[n - 2] + 1
    };
    std::fs::write(&file, &bad).unwrap();
    let lock = dir.path().join("kubelet.lock");
    std::fs::write(&lock, b"").unwrap();
    let held = std::fs::File::open(&lock).unwrap();
    // SAFETY: the fd is open.
    assert_eq!(
        unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let run = |lock: &std::path::Path, extra: &[&str]| {
        std::process::Command::new(bin())
            .arg("repair")
            .arg("--lock-file")
            .arg(lock)
            .args(extra)
            .arg(&file)
            .output()
            .unwrap()
    };
    let out = run(&lock, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), bad);
    let out = run(&lock, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("+++"));
    assert_eq!(std::fs::read(&file).unwrap(), bad);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    // Unlocked, the repair proceeds: under a lock file no one holds. Not
    // `held`'s, even dropped: a child that another test thread forks keeps
    // a copy of its file description until it execs (O_CLOEXEC acts only
    // then), so a released lock may look held for an instant.
    let free = dir.path().join("kubelet-free.lock");
    std::fs::write(&free, b"").unwrap();
    let out = run(&free, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repaired = std::fs::read(&file).unwrap();
    assert_eq!(
        repaired,
        std::fs::read(golden_dir().join("cpu-v2/gen-1.canonical")).unwrap()
    );
}

/// Conversions across shapes: every generated file of `from` lowered to
/// `to` verifies as `to` (the oracle's `verify`, when built); losses are
/// what `to` cannot hold; where nothing is lost, converting back gives
/// the source's canonical bytes again.
#[test]
fn conversions_across_shapes_verify_and_round_trip() {
    use kubelet_ckpt::formats::lower::ConvertError;
    let oracle = support::oracle();
    let chain = |ks: &[&'static str]| -> Vec<(&'static str, &'static str)> {
        let mut v = Vec::new();
        for w in ks.windows(2) {
            v.push((w[0], w[1]));
            v.push((w[1], w[0]));
        }
        v
    };
    let mut pairs = Vec::new();
    pairs.extend(chain(&["dra-v2", "dra-v3", "dra-v4"]));
    pairs.extend(chain(&["dra-v5", "dra-v6", "dra-v7", "dra-v8"]));
    pairs.extend([("dra-v5", "dra-v8"), ("dra-v8", "dra-v5")]);
    pairs.extend(chain(&["podstatus-v1", "podstatus-v2", "podstatus-v3"]));
    for t in [
        "allocated-v1",
        "allocated-v2",
        "allocated-v3",
        "allocated-v4",
    ] {
        pairs.push(("podstatus-v3", t));
    }
    pairs.extend([
        ("podstatus-v3", "actuated-v4"),
        ("podstatus-v1", "allocated-v4"),
    ]);
    pairs.extend(chain(&[
        "allocated-v1",
        "allocated-v2",
        "allocated-v3",
        "allocated-v4",
    ]));
    pairs.extend(chain(&[
        "actuated-v1",
        "actuated-v2",
        "actuated-v3",
        "actuated-v4",
    ]));
    pairs.extend(chain(&["allocated-v4", "actuated-v4"]));
    pairs.extend(chain(&[
        "dockershim-v0a",
        "dockershim-v0",
        "dockershim-v1",
        "dockershim-v2",
    ]));
    pairs.extend(chain(&[
        "imagepull-intent-v1alpha1",
        "imagepull-intent-v1beta1",
    ]));
    pairs.extend(chain(&[
        "imagepull-pulled-v1alpha1",
        "imagepull-pulled-v1beta1",
    ]));
    let mut round_trips = 0;
    for (from, to) in pairs {
        let mut written = 0;
        for (path, input, _) in gens(from) {
            let what = format!("{} ({from} -> {to})", path.display());
            let state = lift(from, &input).unwrap().unwrap();
            let (bytes, losses) = match lower(to, &state) {
                Ok(r) => r,
                // A source without what the target needs (no data in a
                // dockershim-v0 checkpoint) is refused, never guessed.
                Err(e @ (ConvertError::Missing(_) | ConvertError::Write(_))) => {
                    eprintln!("{what}: refused: {e}");
                    continue;
                }
                Err(e) => panic!("{what}: {e}"),
            };
            written += 1;
            let v = kind_of(to).unwrap().verify(&bytes, &Default::default());
            assert_eq!(v.verdict.as_str(), "ok", "{what}: {}", v.message);
            if let Some(o) = &oracle {
                let out = support::run_oracle(o, &[to, "verify"], Some(&bytes), None);
                assert_eq!(out.stdout_str().trim(), "ok", "{what}: the oracle says");
            }
            // A Go nil where the target writes an empty value (a null
            // claim list through dra-v5, null requests through
            // ResourceRequirements' omitempty) comes back empty: the
            // kubelet reads both alike, but the bytes differ.
            let json = serde_json::to_string(&state).unwrap();
            let nil_facts = json.contains("_null\":true") || json.contains("\"nulls\":");
            if losses.is_empty() && !nil_facts {
                let back = lift(to, &bytes).unwrap().unwrap();
                let (again, l2) = lower(from, &back).unwrap();
                let canonical = kind_of(from).unwrap().canonical(&input).unwrap();
                assert!(l2.is_empty(), "{what}: back: {l2:?}");
                assert_eq!(
                    String::from_utf8_lossy(&again),
                    String::from_utf8_lossy(&canonical),
                    "{what}: round trip"
                );
                round_trips += 1;
            }
        }
        assert!(written > 0, "{from} -> {to}: nothing converted");
    }
    assert!(round_trips > 0);
}

/// dra-v2 … v4 record no pool or device names: going up to the
/// structured shapes is refused, not invented; going down lists the
/// names lost.
#[test]
fn dra_conversions_refuse_to_invent_and_list_losses() {
    use kubelet_ckpt::formats::lower::ConvertError;
    let (_, v4, _) = gens("dra-v4").into_iter().next().unwrap();
    let s = lift("dra-v4", &v4).unwrap().unwrap();
    for k in ["dra-v5", "dra-v6", "dra-v7", "dra-v8"] {
        assert!(matches!(lower(k, &s), Err(ConvertError::Missing(_))), "{k}");
    }
    let (_, losses) = lower("dra-v2", &s).unwrap();
    let State::Dra(d) = &s else { panic!() };
    let handles: usize = d.claims.iter().map(|c| c.resource_handles.len()).sum();
    assert_eq!(
        losses
            .iter()
            .filter(|l| l.path.ends_with("resource_handles"))
            .count(),
        d.claims
            .iter()
            .filter(|c| !c.resource_handles.is_empty())
            .count(),
        "{losses:?} ({handles} handles)"
    );
    let (_, v8, _) = gens("dra-v8").into_iter().next().unwrap();
    let s = lift("dra-v8", &v8).unwrap().unwrap();
    let State::Dra(d) = &s else { panic!() };
    let shares = d
        .claims
        .iter()
        .flat_map(|c| c.drivers.values().flatten())
        .filter(|x| x.share_id.is_some())
        .count();
    let (_, losses) = lower("dra-v7", &s).unwrap();
    assert_eq!(
        losses
            .iter()
            .filter(|l| l.path.ends_with("share_id"))
            .count(),
        shares
    );
    assert!(matches!(lower("dra-v2", &s), Err(ConvertError::Missing(_))));
}

/// Runs `kubelet-ckpt edit` on `file` with `EDITOR` set to a shell script.
fn edit_with(dir: &Path, file: &Path, script: &str) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    let ed = dir.join("editor.sh");
    std::fs::write(&ed, format!("#!/bin/sh\nset -e\n{script}\n")).unwrap();
    std::fs::set_permissions(&ed, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::process::Command::new(bin())
        .arg("edit")
        .arg("--lock-file")
        .arg(dir.join("kubelet.lock"))
        .arg(file)
        .env_remove("VISUAL")
        .env("EDITOR", &ed)
        .output()
        .unwrap()
}

fn edit_fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cpu_manager_state");
    let input = std::fs::read(golden_dir().join("cpu-v2/gen-1.canonical")).unwrap();
    std::fs::write(&file, &input).unwrap();
    std::fs::write(dir.path().join("kubelet.lock"), b"").unwrap();
    (dir, file)
}

/// `edit` with an EDITOR that changes the default CPU set with sed: the
/// file is rewritten with the right checksum (the oracle agrees), a
/// backup is kept.
#[test]
fn edit_writes_back_what_the_editor_changed() {
    let (dir, file) = edit_fixture();
    let out = edit_with(dir.path(), &file, r#"sed -i 's/text: 0-1/text: 0-3/' "$1""#);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(r#""defaultCpuSet":"0-3""#), "{text}");
    assert_eq!(
        kind_of("cpu-v2")
            .unwrap()
            .verify(&bytes, &Default::default())
            .verdict
            .as_str(),
        "ok"
    );
    if let Some(o) = support::oracle() {
        let v = support::run_oracle(&o, &["cpu-v2", "verify"], Some(&bytes), None);
        assert_eq!(v.stdout_str().trim(), "ok");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.contains("backup")), "{names:?}");
}

/// An editor that first saves invalid YAML sees the error at the top of
/// the re-opened document; its valid second save is written.
#[test]
fn edit_reopens_with_the_error_then_writes() {
    let (dir, file) = edit_fixture();
    let d = dir.path().display();
    let script = format!(
        r#"if [ ! -f {d}/first ]; then
  cp "$1" {d}/orig; touch {d}/first; echo 'family: [' > "$1"
else
  grep -q '^# kubelet-ckpt: error' "$1"; touch {d}/saw-error
  sed 's/text: 0-1/text: 0-2/' {d}/orig > "$1"
fi"#
    );
    let out = edit_with(dir.path(), &file, &script);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("saw-error").is_file());
    let bytes = std::fs::read(&file).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains(r#""defaultCpuSet":"0-2""#));
    if let Some(o) = support::oracle() {
        let v = support::run_oracle(&o, &["cpu-v2", "verify"], Some(&bytes), None);
        assert_eq!(v.stdout_str().trim(), "ok");
    }
}

/// Saved unchanged: nothing written; emptied: aborted; a held lock:
/// refused. The file is untouched each time.
#[test]
fn edit_unchanged_emptied_or_locked_leaves_the_file() {
    use std::os::fd::AsRawFd;
    let (dir, file) = edit_fixture();
    let before = std::fs::read(&file).unwrap();
    let out = edit_with(dir.path(), &file, "true");
    assert_eq!(out.status.code(), Some(0));
    let out2 = edit_with(dir.path(), &file, r#": > "$1""#);
    assert_eq!(out2.status.code(), Some(1));
    let held = std::fs::File::open(dir.path().join("kubelet.lock")).unwrap();
    // SAFETY: the fd is open.
    assert_eq!(
        unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let out3 = edit_with(dir.path(), &file, r#"sed -i 's/text: 0-1/text: 0-3/' "$1""#);
    assert_eq!(
        out3.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out3.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("backup")));
}

// ---- Entries of a checkpoint, located in its text -------------------------
//
// What "an entry" is, per file family (the test's own definition, from the
// kubelet's types): a record that says one thing whole (a NUMA node's
// accounting, a container's memory blocks or resources, a device
// allocation, a claim, a port mapping, a credential mapping), or else any
// scalar member outside records (a CPU assignment `"ctr":"0-3"`, the
// policy name). A torn record is no entry; a record or scalar is "wholly
// before the cut" when its last byte is (a number also needs the byte after
// it: "12" may have been "123"). A payload string member (`data`/`Data`)
// holding JSON counts as the document it holds, byte offsets mapped back to
// the file through its escapes.

/// Record paths (dotted, `*` any key or index) by kind.
fn entry_records(kind: &str) -> &'static [&'static str] {
    match kind.split('-').next().unwrap() {
        "memory" => &["machineState.*", "entries.*.*", "podEntries.*"],
        "device" => &["Data.PodDeviceEntries.*", "Data.RegisteredDevices.*"],
        "dra" => &["entries.*", "ClaimInfoStateList.*"],
        "podstatus" | "allocated" | "actuated" => &["allocationEntries.*.*", "entries.*"],
        "dockershim" => &["data.port_mappings.*"],
        "imagepull" => &["credentialMapping.*", "observedImages.*"],
        _ => &[],
    }
}

/// One entry: its path (`data:` first inside a payload), its value as
/// compact JSON, and the file offset just past its last byte.
#[derive(Debug, Clone)]
struct Ent {
    path: String,
    value: String,
    end: usize,
    number: bool,
}

/// End of the JSON value starting at `i` (after whitespace) in `b`.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// Walks the value at `i`; calls `f(path, start, end)` for every value.
fn walk(
    b: &[u8],
    i: usize,
    path: &mut Vec<String>,
    f: &mut dyn FnMut(&[String], usize, usize),
) -> usize {
    let i = skip_ws(b, i);
    let end = match b[i] {
        b'{' | b'[' => {
            let obj = b[i] == b'{';
            let mut j = skip_ws(b, i + 1);
            let mut n = 0;
            while b[j] != b'}' && b[j] != b']' {
                if obj {
                    let ke = string_end(b, j);
                    let key: String = serde_json::from_slice(&b[j..ke]).unwrap();
                    j = skip_ws(b, ke) + 1; // ':'
                    path.push(key);
                } else {
                    path.push(n.to_string());
                }
                j = walk(b, j, path, f);
                path.pop();
                n += 1;
                j = skip_ws(b, j);
                if b[j] == b',' {
                    j = skip_ws(b, j + 1);
                }
            }
            j + 1
        }
        b'"' => string_end(b, i),
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\t' | b'\r')
            {
                j += 1;
            }
            j
        }
    };
    f(path, i, end);
    end
}

/// The unquoted content of the JSON string at `b[s..e]` and, for each
/// unquoted byte, the offset in `b` just past the escape (or byte) that
/// made it.
fn unquote_mapped(b: &[u8], s: usize, e: usize) -> (Vec<u8>, Vec<usize>) {
    let text: String = serde_json::from_slice(&b[s..e]).unwrap();
    let mut out = Vec::new();
    let mut map = Vec::new();
    let mut i = s + 1;
    for c in text.chars() {
        let mut buf = [0u8; 4];
        let enc = c.encode_utf8(&mut buf).as_bytes();
        let len = if b[i] == b'\\' {
            if b[i + 1] == b'u' {
                if (c as u32) >= 0x10000 {
                    12
                } else {
                    6
                }
            } else {
                2
            }
        } else {
            enc.len()
        };
        for (k, byte) in enc.iter().enumerate() {
            out.push(*byte);
            // A raw multi-byte character is whole only at its last byte.
            map.push(if b[i] == b'\\' { i + len } else { i + k + 1 });
        }
        i += len;
    }
    (out, map)
}

fn matches_record(path: &[String], records: &[&str]) -> bool {
    records.iter().any(|r| {
        let parts: Vec<&str> = r.split('.').collect();
        parts.len() == path.len()
            && parts
                .iter()
                .zip(path)
                .all(|(p, k)| *p == "*" || p.eq_ignore_ascii_case(k))
    })
}

fn is_zero(v: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match v {
        V::Null | V::Bool(false) => true,
        V::String(s) => s.is_empty(),
        V::Number(n) => n.as_f64() == Some(0.0),
        V::Array(a) => a.is_empty(),
        V::Object(o) => o.is_empty(),
        _ => false,
    }
}

const NOT_ENTRIES: &[&str] = &["checksum", "datachecksum", "version", "kind", "apiversion"];

/// The entries of one document (`b`, a complete JSON text).
fn doc_entries(
    b: &[u8],
    records: &[&str],
    prefix: &str,
    map: Option<&[usize]>,
    out: &mut Vec<Ent>,
) {
    let mut payloads = Vec::new();
    walk(b, 0, &mut Vec::new(), &mut |path, s, e| {
        if path.is_empty() {
            return;
        }
        // Top-level payload strings holding a document.
        if path.len() == 1
            && prefix.is_empty()
            && path[0].eq_ignore_ascii_case("data")
            && b[s] == b'"'
        {
            payloads.push((s, e));
            return;
        }
        if path.len() == 1 && NOT_ENTRIES.contains(&path[0].to_ascii_lowercase().as_str()) {
            return;
        }
        let under = (1..path.len()).any(|n| matches_record(&path[..n], records));
        let record = matches_record(path, records);
        let leaf = !matches!(b[s], b'{' | b'[') || matches!(b[skip_ws(b, s + 1)], b'}' | b']');
        if under || !(record || leaf) {
            return;
        }
        let v: serde_json::Value = serde_json::from_slice(&b[s..e]).unwrap();
        if is_zero(&v) && !record {
            return;
        }
        out.push(Ent {
            path: format!("{prefix}{}", path.join(".")),
            // A record written empty or null says the same ("nothing
            // assigned"); shapes differ in which they write.
            value: if is_zero(&v) {
                "(empty)".to_string()
            } else {
                v.to_string()
            },
            end: map.map_or(e, |m| m[e - 1]),
            number: v.is_number(),
        });
    });
    for (s, e) in payloads {
        let (inner, m) = unquote_mapped(b, s, e);
        if serde_json::from_slice::<serde_json::Value>(&inner).is_ok_and(|v| v.is_object()) {
            doc_entries(&inner, records, "data:", Some(&m), out);
        }
    }
}

fn entries(kind: &str, bytes: &[u8]) -> Vec<Ent> {
    let mut out = Vec::new();
    doc_entries(bytes, entry_records(kind), "", None, &mut out);
    out
}

/// `path=value` of the entries of `bytes` (read as `kind`) that `keep` accepts.
fn entry_set(kind: &str, bytes: &[u8], keep: impl Fn(&Ent) -> bool) -> BTreeSet<String> {
    entries(kind, bytes)
        .into_iter()
        .filter(|e| keep(e))
        .map(|e| format!("{}={}", e.path, e.value))
        .collect()
}

/// Whether the entry is wholly in the first `cut` bytes.
fn before(e: &Ent, cut: usize) -> bool {
    e.end < cut || (e.end == cut && !e.number)
}

/// `out`, repair's result, in the shape `kind` so that its entries can be
/// compared with the original's: as it is when written in that shape, else
/// lifted and lowered back when neither direction loses anything (`None`
/// otherwise: the target shape cannot hold everything, converted with
/// --allow-loss).
fn in_shape(kind: &str, p: &Plan, out: &[u8]) -> Option<Vec<u8>> {
    let tk = p.target_kind.as_deref()?;
    if tk == kind {
        return Some(out.to_vec());
    }
    if !p.losses.is_empty() {
        return None;
    }
    let (b, losses) = lower(kind, &lift(tk, out)?.ok()?).ok()?;
    losses.is_empty().then_some(b)
}

/// The offsets to cut `n` bytes at: every one with `KUBELET_CKPT_FULL=1`;
/// otherwise the first and last 5 (the envelope's start, the checksum and
/// closing brackets) and a stride giving about 12 more, shifted by `phase`
/// so that the files of one kind are cut at different places.
fn cut_offsets(n: usize, full: bool, phase: usize) -> Vec<usize> {
    if full || n <= 22 {
        return (0..n).collect();
    }
    let stride = n.div_ceil(12);
    let mut v: BTreeSet<usize> = (phase * 7 % stride..n).step_by(stride).collect();
    v.extend(0..5);
    v.extend(n - 5..n);
    v.into_iter().collect()
}

/// The request repair is tested with for `kind`'s `input`: the default
/// (the newest release that reads the shape); for a shape no release reads
/// (a development shape), the newest release, with the gates it needs,
/// that reads and writes the file (repair converts).
fn repair_request(kind: &str, input: &[u8]) -> Option<RepairRequest> {
    use kubelet_ckpt::formats::releases::Gates;
    let path = kubelet_path(kind);
    let ok = |req: &RepairRequest| {
        plan(&path, input, req).is_ok_and(|p| {
            matches!(p.action, Action::Rewrite | Action::Nothing)
                && p.after.as_deref().is_some_and(|a| a.starts_with("ok"))
        })
    };
    let req = RepairRequest::default();
    if plan(&path, input, &req).is_ok() {
        return Some(req);
    }
    let file = kind_of(kind).unwrap().info().file;
    for m in releases::MINORS.rev() {
        let Some(r) = releases::row(file, m) else {
            continue;
        };
        let mut settings = vec![Gates::default()];
        settings.extend(releases::gate_settings(r));
        for gates in settings {
            if r.writer(&r.gates(&gates)).is_none() {
                continue;
            }
            let req = RepairRequest {
                for_kubelet: Some(m),
                gates,
                allow_loss: true,
                ..Default::default()
            };
            if ok(&req) {
                return Some(req);
            }
        }
    }
    None
}

/// Truncation at every byte offset (sampled unless `KUBELET_CKPT_FULL=1`)
/// of every writable kind's golden gen files: repair plans without
/// panicking; it rewrites (the result ok for the target release by our
/// verify, and by the Go reference for a sample) or sets the file aside
/// when no entry was whole; the entries kept are the original's and every
/// entry wholly before the cut is kept.
#[test]
fn truncation_at_every_offset_is_repaired() {
    use kubelet_ckpt::formats::releases::Gates;
    use kubelet_ckpt::ops::verify::{judge, Request};
    let full = std::env::var("KUBELET_CKPT_FULL").is_ok_and(|v| v == "1");
    let oracle = support::oracle();
    let start = std::time::Instant::now();
    let (mut tried, mut rewrites, mut aside, mut nothing, mut checked, mut by_oracle) =
        (0, 0, 0, 0, 0, 0);
    let mut for_release = BTreeSet::new();
    let mut other_shape = BTreeSet::new();
    let mut unread = Vec::new();
    let mut failures = Vec::new();
    for kind in writable_kinds() {
        for (i, (gpath, input, _)) in gens(kind).into_iter().enumerate() {
            let file = kubelet_path(kind);
            let Some(req) = repair_request(kind, &input) else {
                unread.push(kind);
                continue;
            };
            if req.for_kubelet.is_some() {
                for_release.insert(kind);
            }
            let all = entry_set(kind, &input, |_| true);
            let ents = entries(kind, &input);
            let offsets = cut_offsets(input.len(), full, i);
            // The Go reference checks a few rewrites per file.
            let mut oracle_at: BTreeSet<usize> = (1..=3).map(|q| input.len() * q / 4).collect();
            for c in offsets {
                tried += 1;
                let what = format!("{} ({kind}) cut at {c}", gpath.display());
                let cut = &input[..c];
                let p = match support::catch(|| plan(&file, cut, &req)) {
                    Ok(Ok(p)) => p,
                    Ok(Err(e)) => {
                        failures.push(format!("{what}: error: {e}"));
                        continue;
                    }
                    Err(panic) => {
                        failures.push(format!("{what}: {panic}"));
                        continue;
                    }
                };
                let whole: BTreeSet<String> = ents
                    .iter()
                    .filter(|e| before(e, c))
                    .map(|e| format!("{}={}", e.path, e.value))
                    .collect();
                let out = match p.action {
                    Action::SetAside => {
                        aside += 1;
                        if !whole.is_empty() {
                            failures.push(format!(
                                "{what}: set aside although these entries were whole: {whole:?}"
                            ));
                        }
                        continue;
                    }
                    Action::Nothing => {
                        nothing += 1;
                        p.old_bytes.clone()
                    }
                    Action::Rewrite => {
                        rewrites += 1;
                        p.new_bytes.clone().unwrap()
                    }
                    _ => {
                        failures.push(format!("{what}: {:?}: {:?}", p.action, p.message));
                        continue;
                    }
                };
                let tk = p.target_kind.clone().unwrap();
                let minor = releases::parse_version(&p.target).unwrap();
                let vreq = Request {
                    kind: Some(tk.clone()),
                    for_kubelet: Some(minor),
                    gates: Gates::parse(&p.gates).unwrap(),
                    ..Default::default()
                };
                match judge(&kubelet_path(&tk), &out, &vreq) {
                    Ok(r) if r.status.as_str() == "ok" => {}
                    Ok(r) => failures.push(format!(
                        "{what}: kubelet {} would say {}: {}",
                        p.target,
                        r.status.as_str(),
                        r.verification.message
                    )),
                    Err(e) => failures.push(format!("{what}: verify: {e}")),
                }
                if let Some(o) = &oracle {
                    if let Some(&at) = oracle_at.iter().next().filter(|&&at| c >= at) {
                        oracle_at.remove(&at);
                        by_oracle += 1;
                        let v = oracle_release_gated(o, &p.target, &p.file, &p.gates, &out);
                        if v != "ok" {
                            failures.push(format!("{what}: the Go reference says {v}"));
                        }
                    }
                }
                let Some(out) = in_shape(kind, &p, &out) else {
                    other_shape.insert(format!(
                        "{kind}->{tk}{}",
                        if p.losses.is_empty() { "" } else { " (lossy)" }
                    ));
                    continue;
                };
                checked += 1;
                let kept = entry_set(kind, &out, |_| true);
                let extra: Vec<_> = kept.difference(&all).collect();
                let lost: Vec<_> = whole.difference(&kept).collect();
                if !extra.is_empty() || !lost.is_empty() {
                    failures.push(format!(
                        "{what}: entries not in the original: {extra:?}; whole entries lost: {lost:?}"
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} offsets cut{}: {rewrites} rewritten, {aside} set aside, {nothing} unchanged; entries checked on {checked} (not on results in shapes that cannot be compared: {other_shape:?}); {by_oracle} checked by the Go reference; repaired for a release that reads the file (no release reads the shape): {for_release:?}; not repaired at all: {unread:?}; {:.1?}",
        tried,
        if full { " (all)" } else { " (sampled; KUBELET_CKPT_FULL=1 for all)" },
        start.elapsed()
    );
    assert!(tried > 3000 && rewrites > 2500, "{tried} {rewrites}");
    let n = failures.len();
    failures.truncate(40);
    assert!(n == 0, "{n} failures, first ones:\n{}", failures.join("\n"));
}

/// A fake `/proc/PID` for a process named `comm` with the command line
/// `argv`.
fn fake_process(proc: &Path, pid: u32, comm: &str, argv: &[&str]) {
    let d = proc.join(pid.to_string());
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("comm"), format!("{comm}\n")).unwrap();
    let mut cmd = Vec::new();
    for a in argv {
        cmd.extend_from_slice(a.as_bytes());
        cmd.push(0);
    }
    std::fs::write(d.join("cmdline"), cmd).unwrap();
}

/// repair refuses while a process whose comm is `kubelet` runs with the
/// file's root directory (its --root-dir, read from a fake /proc), naming
/// the PID, and leaves the file untouched; a kubelet with another root
/// directory (the default /var/lib/kubelet) does not stop it; --force
/// writes and says what it overrode. The same for a device checkpoint,
/// whose root is two directories up.
#[test]
fn a_running_kubelet_with_the_files_root_dir_makes_repair_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let kroot = dir.path().join("kubelet-root");
    let proc = dir.path().join("proc");
    std::fs::create_dir_all(kroot.join("device-plugins")).unwrap();
    let canonical = std::fs::read(golden_dir().join("cpu-v2/gen-1.canonical")).unwrap();
    let mut bad = canonical.clone();
    let n = bad.len();
    bad[n - 2] = if bad[n - 2] == b'9' {
        b'1'
    } else {
        bad[n - 2] + 1
    };
    let file = kroot.join("cpu_manager_state");
    std::fs::write(&file, &bad).unwrap();
    let dev = kroot.join("device-plugins/kubelet_internal_checkpoint");
    let dev_canonical = std::fs::read(golden_dir().join("device-v2/gen-1.canonical")).unwrap();
    let mut dev_bad = dev_canonical.clone();
    dev_bad.extend_from_slice(&[0; 16]);
    std::fs::write(&dev, &dev_bad).unwrap();
    let run = |f: &Path, extra: &[&str]| {
        std::process::Command::new(bin())
            .arg("repair")
            .arg("--lock-file")
            .arg(dir.path().join("absent.lock"))
            .arg("--proc-root")
            .arg(&proc)
            .args(extra)
            .arg(f)
            .output()
            .unwrap()
    };
    let say = |o: &std::process::Output| {
        format!(
            "{:?}\n{}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    // A kubelet with the default root directory only: not this one.
    fake_process(&proc, 100, "kubelet", &["/usr/bin/kubelet", "--v=2"]);
    let root_arg = format!("--root-dir={}/", kroot.display());
    fake_process(
        &proc,
        4242,
        "kubelet",
        &["kubelet", &root_arg, "--config=x"],
    );
    fake_process(&proc, 7, "bash", &["bash", &root_arg]);
    for (f, bytes) in [(&file, &bad), (&dev, &dev_bad)] {
        let out = run(f, &[]);
        assert_eq!(out.status.code(), Some(1), "{}", say(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("kubelet PID 4242"), "{}", say(&out));
        assert!(
            !err.contains("PID 100") && !err.contains("PID 7 "),
            "{}",
            say(&out)
        );
        assert!(err.contains("--root-dir"), "{}", say(&out));
        assert_eq!(&std::fs::read(f).unwrap(), bytes);
    }
    // --force: written, and said.
    let out = run(&file, &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", say(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--force: writing although kubelet PID 4242"),
        "{}",
        say(&out)
    );
    assert_eq!(std::fs::read(&file).unwrap(), canonical);
    // The kubelet gone: the device checkpoint is repaired without --force.
    std::fs::remove_dir_all(proc.join("4242")).unwrap();
    let out = run(&dev, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", say(&out));
    assert_eq!(std::fs::read(&dev).unwrap(), dev_canonical);
}

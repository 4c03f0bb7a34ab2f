//! One kubelet release's verdict (`verify --for-kubelet`) against the Go
//! reference's `oracle release VERSION FILE verify`, and the release
//! vectors of `shared/spec/vectors/releases/` (expected lines produced by
//! the oracle and re-derived by hand in the vectors' `why` column).

use crate::support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use kubelet_ckpt::formats::node::Node;
use kubelet_ckpt::formats::releases::{self, Gates, ReleaseVerdict};
use kubelet_ckpt::formats::{Verdict, VerifyOptions};
use support::mutate::Mutation;
use support::{env_usize, oracle, oracle_gen, oracle_kinds, run_oracle, Rng};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec")
}

/// Our verdict as the oracle prints it (`ok`, `corrupt: ...`, `other: ...`,
/// `ignored: ...`; a newline in the kubelet's text as `\n`).
fn our_line(
    file: &str,
    minor: u8,
    gates: &Gates,
    bytes: &[u8],
    policy: Option<&str>,
    node: Option<&Node>,
) -> String {
    let row = releases::row(file, minor).expect("row");
    let opts = VerifyOptions {
        policy: policy.map(str::to_owned),
        ..Default::default()
    };
    match releases::verify(row, gates, bytes, &opts, node) {
        ReleaseVerdict::Ignored => format!("ignored: kubelet 1.{minor} does not read {file}"),
        ReleaseVerdict::Unmodelled => "unmodelled".into(),
        ReleaseVerdict::Undetermined(why) => format!("undetermined: {why}"),
        ReleaseVerdict::Judged { verification, .. } => {
            let cat = match verification.verdict {
                Verdict::Ok => return "ok".into(),
                Verdict::Corrupt => "corrupt",
                Verdict::InvalidJson => "invalid-json",
                Verdict::Rejected => "other",
            };
            format!("{cat}: {}", verification.message.replace('\n', "\\n"))
        }
    }
}

#[test]
fn embedded_table_is_the_spec_table() {
    let spec = shared().join("releases.tsv");
    let Ok(want) = fs::read_to_string(&spec) else {
        assert!(!support::in_ci(), "{} is missing in CI", spec.display());
        eprintln!("skipping: {} not found", spec.display());
        return;
    };
    assert!(
        want == releases::TABLE_TSV,
        "src/formats/releases.tsv differs from {}: copy the spec file over it",
        spec.display()
    );
}

#[test]
fn release_vectors() {
    let dir = shared().join("vectors/releases");
    let Ok(manifest) = fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        assert!(!support::in_ci(), "release vectors missing in CI");
        eprintln!("skipping: release vectors not found");
        return;
    };
    let mut checked = 0;
    let mut with_node = 0;
    let mut failures = Vec::new();
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (file, kfile, release, env, expected) = (f[0], f[1], f[2], f[3], f[4]);
        let mut gates = Gates::default();
        let mut policy = None;
        let mut node = None;
        for kv in env.split_whitespace() {
            let (k, v) = kv.split_once('=').expect("env item");
            match k {
                "ORACLE_GATES" => gates = Gates::parse(v).expect("gates"),
                "ORACLE_POLICY" => policy = Some(v.to_string()),
                "ORACLE_NODE" => {
                    let b = fs::read(dir.join(v)).expect("node.json");
                    node = Some(Node::from_json(&b).expect("node.json parses"));
                }
                other => panic!("unknown env {other}"),
            }
        }
        if node.is_some() {
            with_node += 1;
        }
        let minor = releases::parse_version(release).expect("release");
        let table_file = releases::file_for_path(Path::new(kfile)).expect("file");
        let bytes = fs::read(dir.join(file)).expect("vector file");
        let got = our_line(
            table_file,
            minor,
            &gates,
            &bytes,
            policy.as_deref(),
            node.as_ref(),
        );
        checked += 1;
        if got != expected {
            failures.push(format!(
                "{file} {kfile} {release} [{env}]\n   want {expected}\n   got  {got}"
            ));
        }
    }
    eprintln!("release vectors: {checked} checked, {with_node} of them with a node");
    assert!(
        checked >= 90 && with_node >= 12,
        "only {checked} vectors checked"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} release vectors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The distinct rows of a file: releases whose rows differ only in the
/// release, certainty and source give the Go reference the same chain, so
/// one representative per group is compared (every group is).
fn row_groups(file: &str) -> Vec<u8> {
    let mut seen: BTreeMap<String, u8> = BTreeMap::new();
    for line in releases::TABLE_TSV.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[0] != file {
            continue;
        }
        let key = f[2..12].join("\t");
        let minor = releases::parse_version(f[1]).expect("release");
        seen.entry(key).or_insert(minor);
    }
    seen.into_values().collect()
}

#[test]
fn release_chains_match_the_go_reference() {
    let Some(oracle) = oracle() else { return };
    let seeds = env_usize("KUBELET_CKPT_RELEASE_SEEDS", 1) as u64;
    let base_seed = env_usize("KUBELET_CKPT_DIFF_SEED", 1) as u64;
    let kinds = oracle_kinds(&oracle);
    let kind_file: BTreeMap<String, String> = run_oracle(&oracle, &["kinds"], None, None)
        .stdout_str()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, f)| (k.to_string(), f.to_string()))
        .collect();
    let mut compared = 0;
    let mut failures = Vec::new();
    for file in releases::files() {
        // Inputs: generated files of every kind stored under this name,
        // their mutations, a zero checksum, and an empty file.
        let mut inputs: Vec<(String, Vec<u8>)> = vec![("empty".into(), Vec::new())];
        for k in kinds
            .iter()
            .filter(|k| kind_file.get(*k).map(String::as_str) == Some(file))
        {
            for s in 0..seeds {
                let seed = base_seed + s;
                let g = oracle_gen(&oracle, k, seed);
                let mut rng = Rng::new(seed * 7919 + k.len() as u64);
                for m in Mutation::ALL {
                    if let Some(b) = m.apply(&g, &mut rng) {
                        inputs.push((format!("{k} gen {seed} {}", m.name()), b));
                    }
                }
                if let Some(z) = zero_checksum(&g) {
                    inputs.push((format!("{k} gen {seed} zero-checksum"), z));
                }
                inputs.push((format!("{k} gen {seed}"), g));
            }
        }
        for minor in row_groups(file) {
            let row = releases::row(file, minor).expect("row");
            for gates in releases::gate_settings(row) {
                let gate_env: Vec<String> =
                    gates.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let version = format!("1.{minor}");
                for (label, bytes) in &inputs {
                    let ours = our_line(file, minor, &gates, bytes, None, None);
                    if ours == "unmodelled" {
                        continue;
                    }
                    let out = run_oracle_gates(&oracle, &version, file, bytes, &gate_env.join(","));
                    compared += 1;
                    if out != ours {
                        failures.push(format!(
                            "{file} 1.{minor} [{}] {label}:\n   oracle {out}\n   ours   {ours}",
                            gate_env.join(",")
                        ));
                    }
                }
            }
        }
    }
    eprintln!("release chains: {compared} (file, release, gates, input) verdicts compared");
    assert!(compared > 500, "only {compared} comparisons");
    assert!(
        failures.is_empty(),
        "{} of {compared} release verdicts differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn run_oracle_gates(oracle: &Path, version: &str, file: &str, bytes: &[u8], gates: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(oracle);
    cmd.args(["release", version, file, "verify"])
        .env_remove("ORACLE_POLICY")
        .env_remove("ORACLE_NODE")
        .env_remove("ORACLE_RELEASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if gates.is_empty() {
        cmd.env_remove("ORACLE_GATES");
    } else {
        cmd.env("ORACLE_GATES", gates);
    }
    let mut child = cmd.spawn().expect("run oracle");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = bytes.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("oracle");
    let _ = feeder.join();
    String::from_utf8_lossy(&out.stdout)
        .trim_end_matches('\n')
        .to_string()
}

/// The file with its top-level `checksum` (any case) set to 0, when it has one.
fn zero_checksum(b: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(b).ok()?;
    let lower = s.to_ascii_lowercase();
    let i = lower.find("\"checksum\":")? + "\"checksum\":".len();
    let end = i + s[i..].find(|c: char| !c.is_ascii_digit())?;
    if end == i {
        return None;
    }
    Some(format!("{}0{}", &s[..i], &s[end..]).into_bytes())
}

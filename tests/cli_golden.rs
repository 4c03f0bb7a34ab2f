//! The CLI end to end on golden files: for a sample of every kind's golden
//! inputs, `verify --kind`, `canonical`, `explain` and `checksum` print what
//! the Go reference printed (the `.verify`, `.canonical`, `.dump`,
//! `.checksum` files beside each input, written by `tests/golden/regen.sh`).
//! Detection is checked on the oracle-generated files: without `--kind`, a
//! file the kubelet wrote must be detected as the kind that wrote it, or as
//! a kind whose writer produces the very same bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubelet-ckpt"))
}

fn run(args: &[&str], file: &Path) -> Output {
    bin()
        .args(args)
        .arg(file)
        .output()
        .expect("run kubelet-ckpt")
}

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// A few inputs per kind: two generated files and up to three hand-made
/// ones, so the whole matrix stays a few hundred process runs.
fn sample(kind_dir: &Path) -> Vec<PathBuf> {
    let mut gen = Vec::new();
    let mut hand = Vec::new();
    let Ok(rd) = fs::read_dir(kind_dir) else {
        return Vec::new();
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("gen-") {
            gen.push(p);
        } else {
            hand.push(p);
        }
    }
    gen.sort();
    hand.sort();
    gen.truncate(2);
    hand.truncate(3);
    gen.extend(hand);
    gen
}

fn expected(input: &Path, op: &str) -> Option<Vec<u8>> {
    fs::read(input.with_extension(op)).ok()
}

/// Maps the oracle's verify line to our verdict name and message.
fn oracle_verdict(line: &str) -> (&str, &str) {
    let line = line.trim_end_matches('\n');
    if line == "ok" {
        return ("ok", "");
    }
    let (cat, msg) = line.split_once(": ").unwrap_or((line, ""));
    let cat = if cat == "other" { "rejected" } else { cat };
    (cat, msg)
}

#[test]
fn commands_print_what_the_go_reference_printed() {
    let mut compared = 0;
    let mut failures = Vec::new();
    for kind in kubelet_ckpt::formats::registry() {
        let name = kind.info().name;
        for input in sample(&golden().join(name)) {
            if input.with_extension("policy").exists() {
                continue; // policy cases are covered by tests/golden.rs
            }
            let label = format!("{name} {}", input.display());
            // verify
            if let Some(v) = expected(&input, "verify") {
                let v = String::from_utf8_lossy(&v).into_owned();
                let (cat, msg) = oracle_verdict(&v);
                let o = run(&["verify", "--kind", name, "-o", "json"], &input);
                // One file: the document is a one-element array.
                let j: serde_json::Value = match serde_json::from_slice(&o.stdout) {
                    Ok(serde_json::Value::Array(mut a)) if a.len() == 1 => a.remove(0),
                    Ok(j) => {
                        failures.push(format!("{label}: verify -o json gave {j}"));
                        continue;
                    }
                    Err(e) => {
                        failures.push(format!("{label}: verify -o json: {e}"));
                        continue;
                    }
                };
                // An `ok` may carry a note (e.g. which releases accept a
                // zero checksum); every other verdict carries the oracle's text.
                let msg_ok = cat == "ok" || j["message"] == msg;
                if j["verdict"] != cat || !msg_ok || j["kind"] != name {
                    failures.push(format!("{label}: verify gave {j}, oracle said {v:?}"));
                }
                let want_code = if cat == "ok" { 0 } else { 1 };
                if o.status.code() != Some(want_code) {
                    failures.push(format!("{label}: verify exit {:?}", o.status.code()));
                }
            }
            // canonical
            if let Some(want) = expected(&input, "canonical") {
                let o = run(&["canonical", "--kind", name], &input);
                if o.stdout != want || o.status.code() != Some(0) {
                    failures.push(format!("{label}: canonical differs"));
                }
            } else if input.with_extension("canonical.fail").exists() {
                let o = run(&["canonical", "--kind", name], &input);
                if o.status.code() != Some(1) || !o.stdout.is_empty() {
                    failures.push(format!("{label}: canonical should refuse"));
                }
            }
            // explain
            if let Some(want) = expected(&input, "dump") {
                let o = run(&["explain", "--kind", name], &input);
                if o.stdout != want {
                    failures.push(format!("{label}: explain differs from the oracle's dump"));
                }
            }
            // checksum
            if let Some(want) = expected(&input, "checksum") {
                let want: u64 = String::from_utf8_lossy(&want)
                    .trim()
                    .parse()
                    .unwrap_or(u64::MAX);
                let o = run(&["checksum", "--kind", name, "-o", "json"], &input);
                let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
                if j["computed"].as_u64() != Some(want) {
                    failures.push(format!("{label}: checksum gave {j}, oracle {want}"));
                }
            }
            compared += 1;
        }
    }
    eprintln!("compared {compared} golden inputs through the CLI");
    assert!(compared > 0 || kubelet_ckpt::formats::registry().is_empty());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn detection_names_the_writer_of_generated_files() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for kind in kubelet_ckpt::formats::registry() {
        let name = kind.info().name;
        let input = golden().join(name).join("gen-1.json");
        if !input.exists() {
            continue;
        }
        // Give the file the name the kubelet stores it under, so detection
        // sees what it would see on a node.
        let dir = std::env::temp_dir().join(format!("kckpt-detect-{}-{name}", std::process::id()));
        let target = dir.join(kind.info().file.replace('*', "0123abcd"));
        let Some(parent) = target.parent() else {
            continue;
        };
        fs::create_dir_all(parent).expect("mkdir");
        fs::copy(&input, &target).expect("copy");
        let o = run(&["verify", "-o", "json"], &target);
        let _ = fs::remove_dir_all(&dir);
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        let j = j[0].clone();
        compared += 1;
        if j["verdict"] != "ok" {
            failures.push(format!("{name}: detected verdict {j}"));
            continue;
        }
        if j["kind"] != name {
            // Acceptable only when the other kind's writer gives the same bytes.
            let other = j["kind"].as_str().unwrap_or("");
            let o = bin()
                .args(["canonical", "--kind", other])
                .arg(&input)
                .output()
                .expect("run");
            let same = fs::read(&input).map(|b| b == o.stdout).unwrap_or(false);
            if !same {
                failures.push(format!("{name}: detected as {other}: {j}"));
            }
        }
    }
    eprintln!("detection checked on {compared} generated files");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

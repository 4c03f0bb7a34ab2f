//! Golden files: the oracle's answers, committed beside their inputs
//! (`tests/golden/<kind>/<name>.json` + `.verify`, `.canonical`, `.dump`,
//! `.checksum`, or `.<op>.fail` where the oracle failed; `.policy` sets the
//! configured policy for verify). Runs without Go. Regenerate with
//! `tests/golden/regen.sh` (see tests/golden/README.md).
//!
//! Every verdict's message is compared too (Go's json error texts, the
//! corrupt text with both checksums, the kubelet's restore texts);
//! `KUBELET_CKPT_DIFF_ALL_MESSAGES=0` relaxes that to `other` messages only,
//! for investigating a change in error wording.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};

use kubelet_ckpt::formats::{registry, Shape};
use support::*;

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The `*.json` inputs of one kind directory, sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

/// What the oracle answered for `op`: `Ok(stdout)` or `Err(stderr)`.
fn expected(input: &Path, op: &str) -> Result<Vec<u8>, String> {
    let ok = input.with_extension(op);
    let fail = input.with_extension(format!("{op}.fail"));
    match (fs::read(&ok), fs::read(&fail)) {
        (Ok(b), _) => Ok(b),
        (Err(_), Ok(e)) => Err(String::from_utf8_lossy(&e).trim_end().to_owned()),
        (Err(_), Err(_)) => panic!(
            "{} has neither .{op} nor .{op}.fail: run tests/golden/regen.sh",
            input.display()
        ),
    }
}

/// Checks one input; returns a description of every disagreement.
fn check(kind: &dyn Shape, input: &Path, all_messages: bool) -> Vec<String> {
    let bytes = fs::read(input).unwrap_or_else(|e| panic!("read {}: {e}", input.display()));
    let policy = fs::read_to_string(input.with_extension("policy"))
        .ok()
        .map(|p| p.trim().to_owned());
    let mut bad = Vec::new();

    let want = VerdictLine::parse(
        &fs::read(input.with_extension("verify"))
            .unwrap_or_else(|e| panic!("{}: no .verify ({e})", input.display())),
    );
    match our_verify(kind, &bytes, policy.as_deref()) {
        Ok(got) if want.agrees(&got, all_messages) => {}
        Ok(got) => bad.push(format!("verify: oracle {want}\n      ours   {got}")),
        Err(e) => bad.push(format!("verify: oracle {want}\n      ours   {e}")),
    }

    let same = |want: &Result<Vec<u8>, String>, got: &Result<Vec<u8>, String>| {
        want.is_ok() == got.is_ok() && (want.is_err() || want == got)
    };
    for (op, got) in [
        ("canonical", our_canonical(kind, &bytes)),
        ("dump", our_dump(kind, &bytes)),
    ] {
        let want = expected(input, op);
        if !same(&want, &got) {
            bad.push(format!(
                "{op}: oracle {}\n      ours   {}",
                show_result(&want, 400),
                show_result(&got, 400)
            ));
        }
    }
    let want = expected(input, "checksum").map(|b| String::from_utf8_lossy(&b).trim().to_owned());
    let got = our_checksum(kind, &bytes).map(|c| c.to_string());
    if want.is_ok() != got.is_ok() || (want.is_ok() && want != got) {
        bad.push(format!("checksum: oracle {want:?}\n      ours   {got:?}"));
    }
    bad
}

#[test]
fn our_outputs_equal_the_committed_oracle_outputs() {
    let root = golden_root();
    let all_messages = std::env::var("KUBELET_CKPT_DIFF_ALL_MESSAGES").map_or(true, |v| v != "0");
    let mut dirs: Vec<String> = fs::read_dir(&root)
        .expect("tests/golden exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    dirs.sort();

    let mut compared = 0;
    let mut failures = Vec::new();
    for name in &dirs {
        let Some(kind) = registry().iter().find(|k| k.info().name == name) else {
            eprintln!("note: golden/{name} skipped: kind not in the registry");
            continue;
        };
        for input in inputs(&root.join(name)) {
            compared += 1;
            let bad = check(*kind, &input, all_messages);
            if !bad.is_empty() {
                failures.push(format!(
                    "{name}/{}:\n    {}",
                    input.file_name().unwrap_or_default().to_string_lossy(),
                    bad.join("\n    ")
                ));
            }
        }
    }
    for k in registry() {
        if !dirs.iter().any(|d| d == k.info().name) {
            eprintln!("note: kind {} has no golden directory", k.info().name);
        }
    }
    if compared == 0 {
        eprintln!("nothing compared: no registered kind has golden files yet");
    } else {
        eprintln!(
            "golden: {compared} files compared, {} differ",
            failures.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{} golden files differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The golden data itself is complete: every input has every answer.
#[test]
fn every_golden_input_has_all_oracle_outputs() {
    let root = golden_root();
    for dir in fs::read_dir(&root).expect("tests/golden exists").flatten() {
        if !dir.path().is_dir() {
            continue;
        }
        let files = inputs(&dir.path());
        assert!(
            files.iter().any(|f| f
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("gen-"))),
            "{}: no generated files",
            dir.path().display()
        );
        for input in files {
            assert!(
                input.with_extension("verify").is_file(),
                "{}: no .verify",
                input.display()
            );
            for op in ["canonical", "dump", "checksum"] {
                let _ = expected(&input, op);
            }
        }
    }
}

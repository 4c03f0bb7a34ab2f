//! Lowering, convert and repair: the write side of the version-neutral
//! state. Rule: a test belongs here when it writes a file from a state
//! (lower, convert, repair); answers are checked against the committed
//! oracle outputs (golden) or the Go reference itself (`KUBELET_CKPT_ORACLE`).

mod support;

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

/// gimli's `convert_self`: lower(lift(x)) is the oracle's canonical(x),
/// for every generated golden input of every writable kind.
#[test]
fn golden_lift_lower_is_canonical() {
    let mut failures = Vec::new();
    let mut n = 0;
    for kind in writable_kinds() {
        for (path, input, canonical) in gens(kind) {
            n += 1;
            let state = lift(kind, &input).unwrap().unwrap();
            match lower(kind, &state) {
                Ok((bytes, losses)) => {
                    if bytes != canonical {
                        failures.push(format!(
                            "{}: lowered bytes differ\n ours: {}\n  go : {}",
                            path.display(),
                            String::from_utf8_lossy(&bytes),
                            String::from_utf8_lossy(&canonical)
                        ));
                    }
                    if !losses.is_empty() {
                        failures.push(format!("{}: losses {losses:?}", path.display()));
                    }
                }
                Err(e) => failures.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(n > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

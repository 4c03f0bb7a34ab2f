//! Replays fuzz findings and seeds through the fuzz targets' own checks.
//!
//! The property code is fuzz/src/lib.rs, compiled into this test as a
//! module (the fuzz crate depends on this one, so it cannot be a
//! dev-dependency). Every input under tests/data/fuzz-regressions/TARGET/
//! (minimised crashes, kept forever) and every seed under
//! corpus/TARGET/ must pass the family checks of TARGET, so a fixed
//! bug stays fixed without cargo-fuzz, and the seeds keep satisfying the
//! properties as the library changes.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod fuzz_props;

use std::path::{Path, PathBuf};

use fuzz_props::{families, Family};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files of `dir/<family>/`, sorted (none when the directory is absent).
fn inputs(dir: &Path, family: &Family) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir.join(family.name)) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Runs the family checks on each file; reports every failing file.
fn replay(dir: &Path) -> usize {
    let mut count = 0;
    let mut failed = Vec::new();
    for family in families() {
        for path in inputs(dir, family) {
            let data = std::fs::read(&path).expect("read input");
            count += 1;
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| family.check(&data)))
                .is_err()
            {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "property failures on: {failed:#?}");
    count
}

#[test]
fn minimised_fuzz_findings_stay_fixed() {
    let n = replay(&root().join("tests/data/fuzz-regressions"));
    eprintln!("{n} regression inputs replayed");
}

#[test]
fn fuzz_seed_corpora_satisfy_the_properties() {
    let n = replay(&root().join("corpus"));
    // Every family target has seeds: an empty corpus would make this test
    // (and the fuzz run's start) vacuous.
    for family in families() {
        assert!(
            !inputs(&root().join("corpus"), family).is_empty(),
            "no seeds for fuzz target {}",
            family.name
        );
        if family.kinds().is_empty() {
            eprintln!(
                "note: no kind of family {} in this build's registry; its seeds were not checked",
                family.name
            );
        }
    }
    // These families must always resolve to kinds: a renamed
    // `KindInfo::file` must not quietly empty their fuzz targets.
    for family in [
        &fuzz_props::CPU,
        &fuzz_props::MEMORY,
        &fuzz_props::DEVICE,
        &fuzz_props::DRA,
        &fuzz_props::POD_STATE,
        &fuzz_props::DOCKERSHIM,
        &fuzz_props::IMAGE_PULL,
    ] {
        assert!(
            !family.kinds().is_empty(),
            "family {} has no kinds",
            family.name
        );
    }
    eprintln!("{n} seeds replayed");
}

//! The command line as a user runs it (the built binary): output formats, exit codes, hostile input, scan.
//!
//! One test binary per suite (cargo links each integration test binary
//! against the whole crate; a few binaries instead of thirty keep CI fast).
//! Each member file is a module; shared helpers are declared here.

mod support;

#[path = "cli.rs"]
mod cli;
#[path = "cli_golden.rs"]
mod cli_golden;
#[path = "doctor.rs"]
mod doctor;
#[path = "hostile_input.rs"]
mod hostile_input;
#[path = "scan.rs"]
mod scan;

/// With `autotests = false` a new file under tests/ runs only when a suite
/// lists it: every `tests/*.rs` must be a suite, the fuzz regressions, or a
/// member of exactly one suite.
#[test]
fn every_test_file_is_in_one_suite() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let suites: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/")
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("suite_").then(|| {
                (
                    n.clone(),
                    std::fs::read_to_string(e.path()).unwrap_or_default(),
                )
            })
        })
        .collect();
    for e in std::fs::read_dir(&dir).expect("tests/").flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !n.ends_with(".rs") || n.starts_with("suite_") || n == "fuzz_regressions.rs" {
            continue;
        }
        let needle = format!("#[path = \"{n}\"]");
        let owners: Vec<&str> = suites
            .iter()
            .filter(|(_, s)| s.contains(&needle))
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(
            owners.len(),
            1,
            "tests/{n} is listed by {owners:?}: add it to one suite"
        );
    }
}

//! The CLI contract: exit codes, output shapes. Kind-specific verdicts are
//! covered by the golden and differential tests; here we check the plumbing
//! on files whose verdicts are known independently.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubelet-ckpt"))
        .args(args)
        .output()
        .expect("run kubelet-ckpt")
}

#[test]
fn usage_error_exits_2() {
    let o = run(&["verify"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn unreadable_file_exits_2_and_names_it() {
    let o = run(&["verify", "/nonexistent/cpu_manager_state"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("/nonexistent/cpu_manager_state"), "{err}");
}

#[test]
fn unknown_kind_exits_2() {
    let o = run(&["verify", "--kind", "no-such-kind", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown kind"));
}

#[test]
fn kinds_json_lists_the_registry() {
    let o = run(&["kinds", "-o", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("kinds -o json is JSON");
    let rows = v.as_array().expect("an array");
    assert_eq!(rows.len(), kubelet_ckpt::formats::registry().len());
    for r in rows {
        for key in ["name", "file", "versions", "checksum", "summary"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
    }
}

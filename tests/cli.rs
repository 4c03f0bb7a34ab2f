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

/// Spec (pod-state §3, resource managers §6): a reader of one payload shape
/// silently ignores another shape's members and loads empty state; verify
/// still says `ok` (the kubelet's verdict) but must say what was ignored.
#[test]
fn ignored_payload_members_are_reported_on_ok() {
    let golden = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
    for (kind, file, member) in [
        (
            "allocated-v2",
            "allocated-v1/gen-1.json",
            "\"allocationEntries\"",
        ),
        ("allocated-v1", "allocated-v2/gen-1.json", "\"entries\""),
        ("dra-v7", "dra-v6/gen-1.json", "\"Entries\""),
    ] {
        let path = format!("{golden}/{file}");
        let o = run(&["verify", "--kind", kind, "-o", "json", &path]);
        assert_eq!(o.status.code(), Some(0), "{kind} {file}");
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(j["verdict"], "ok");
        let msg = j["message"].as_str().unwrap_or("");
        assert!(
            msg.contains(member) && msg.contains("empty state"),
            "{kind} {file}: {msg}"
        );
        // Read as its own shape, nothing is ignored.
        let own = file.split('/').next().unwrap_or("");
        let o = run(&["verify", "--kind", own, "-o", "json", &path]);
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(j["message"], "", "{own} {file}");
    }
}

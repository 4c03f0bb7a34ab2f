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
        let j = &j[0];
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
        assert_eq!(j[0]["message"], "", "{own} {file}");
    }
}

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");

fn golden(file: &str) -> String {
    format!("{GOLDEN}/{file}")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&o.stdout));
    })
}

/// `-o yaml` renders the same serde value as `-o json`, for every report.
#[test]
fn yaml_is_the_json_document() {
    let (a, b) = (
        golden("cpu-v2/gen-1.json"),
        golden("cpu-v2/hand-corrupt.json"),
    );
    for args in [
        vec!["kinds"],
        vec!["verify", &a, &b],
        vec!["verify", "--kind", "cpu-v3", &a],
        vec!["checksum", &a],
        vec!["checksum", "--kind", "cpu-file", &a],
    ] {
        let with = |f: &str| {
            let mut v = args.clone();
            v.extend(["-o", f]);
            run(&v)
        };
        let (j, y) = (with("json"), with("yaml"));
        assert_eq!(j.status.code(), y.status.code(), "{args:?}");
        let y: serde_json::Value =
            serde_norway::from_slice(&y.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_eq!(json(&j), y, "{args:?}");
    }
}

/// `verify -o json` is one document (an array, one object per file);
/// `-o jsonl` is the same objects, one compact line each.
#[test]
fn verify_json_is_one_array_and_jsonl_one_line_per_file() {
    let files = [
        golden("cpu-v2/gen-1.json"),
        golden("cpu-v2/hand-corrupt.json"),
        golden("dra-v7/gen-1.json"),
    ];
    let mut args = vec!["verify"];
    args.extend(files.iter().map(String::as_str));
    let j = run(&[&args[..], &["-o", "json"]].concat());
    let l = run(&[&args[..], &["-o", "jsonl"]].concat());
    assert_eq!(j.status.code(), Some(1)); // hand-corrupt is corrupt
    assert_eq!(l.status.code(), Some(1));
    let arr = json(&j);
    let arr = arr.as_array().expect("an array");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&l.stdout)
        .lines()
        .map(|s| serde_json::from_str(s).expect("each jsonl line is JSON"))
        .collect();
    assert_eq!(arr.len(), files.len());
    assert_eq!(arr, &lines);
    for (o, f) in arr.iter().zip(&files) {
        assert_eq!(o["path"], f.as_str());
    }
    assert_eq!(arr[1]["verdict"], "corrupt");
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.contains("verify") && s.contains("checksum"),
            "{shell}: {s}"
        );
    }
    // kubectl's spelling.
    let o = run(&["completion", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!o.stdout.is_empty());
    // --kind values complete.
    assert!(String::from_utf8_lossy(&o.stdout).contains("cpu-v4"));

    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = String::from_utf8_lossy(&o.stdout);
    // The first request after clap_mangen's quote-string set-up
    // (`.ie`/`.el`) is the title.
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap_or("");
    assert!(first.starts_with(".TH kubelet-ckpt 1"), "{page}");
    assert!(page.contains("verify"), "{page}");
}

#[test]
fn help_has_examples_exit_codes_and_kinds() {
    for cmd in ["verify", "checksum", "canonical", "explain", "kinds"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.contains("Examples:") && s.contains("Exit status"),
            "{cmd}: {s}"
        );
        if cmd != "kinds" {
            assert!(s.contains("cpu-v4") && s.contains("dra-v7"), "{cmd}: {s}");
        }
    }
    let o = run(&["checksum", "--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("does not match"));
}

#[test]
fn unknown_kind_suggests_the_nearest() {
    for cmd in ["verify", "checksum", "canonical", "explain"] {
        let o = run(&[cmd, "--kind", "cpu-v9", "Cargo.toml"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(r#"unknown kind "cpu-v9" (did you mean "cpu-v4"?)"#),
            "{cmd}: {err}"
        );
    }
    let o = run(&["verify", "--kind", "zzzzzzzzzzzz", "Cargo.toml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(r#"unknown kind "zzzzzzzzzzzz" (see `kubelet-ckpt kinds`)"#),
        "{err}"
    );
}

/// `kubelet-ckpt ... | head -1`: the reader goes away; the command ends
/// quietly (no "Broken pipe", no panic) with its own status.
#[test]
fn closed_pipe_is_quiet() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let ok = golden("cpu-v2/gen-1.json");
    let bad = golden("cpu-v2/hand-corrupt.json");
    let many = vec![ok.as_str(); 3000];
    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kubelet-ckpt"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    // Output far over a pipe's buffer; read one line, then close.
    for format in ["text", "jsonl", "json"] {
        let mut args = vec!["verify", "--kind", "cpu-v2", "-o", format];
        args.extend(&many);
        let mut child = spawn(&args);
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("first line");
        assert!(!line.is_empty());
        let o = child.wait_with_output().expect("wait");
        assert_eq!(o.status.code(), Some(0), "{format}");
        assert!(
            o.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // Closed before anything is written: every command.
    for (args, code) in [
        (vec!["kinds"], 0),
        (vec!["kinds", "-o", "wide"], 0),
        (vec!["verify", &bad], 1),
        (vec!["checksum", &bad], 1),
        (vec!["canonical", &ok], 0),
        (vec!["explain", &ok], 0),
        (vec!["completions", "bash"], 0),
        (vec!["man"], 0),
        (vec!["--help"], 0),
    ] {
        let mut child = spawn(&args);
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("wait");
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        assert!(
            o.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let bad = golden("cpu-v2/hand-corrupt.json");
    let ok = golden("cpu-v2/gen-1.json");
    let esc = |o: &Output| o.stdout.contains(&0x1b);
    let with_env = |args: &[&str], no_color: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kubelet-ckpt"));
        c.args(args);
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        c.output().expect("run")
    };
    let text = ["verify", ok.as_str(), bad.as_str()];
    // Not a terminal (a pipe here): no colour, with or without NO_COLOR.
    assert!(!esc(&with_env(&text, None)));
    assert!(!esc(&with_env(&text, Some("1"))));
    assert!(!esc(&with_env(
        &[&text[..], &["--color", "auto"]].concat(),
        None
    )));
    assert!(!esc(&with_env(
        &[&text[..], &["--color", "never"]].concat(),
        None
    )));
    // Forced: the verdict words are coloured (green ok, red corrupt).
    let o = with_env(&[&text[..], &["--color", "always"]].concat(), Some("1"));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("\x1b[32mok\x1b[0m") || s.contains("32mok"),
        "{s}"
    );
    assert!(s.contains("31mcorrupt"), "{s}");
    // Never in data formats.
    for f in ["json", "yaml", "jsonl"] {
        let o = with_env(&[&text[..], &["--color", "always", "-o", f]].concat(), None);
        assert!(!esc(&o), "{f}");
    }
}

#[test]
fn kinds_fits_100_columns_and_wide_shows_all() {
    let o = run(&["kinds"]);
    assert_eq!(o.status.code(), Some(0));
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        s.lines().count(),
        kubelet_ckpt::formats::registry().len() + 1
    );
    for l in s.lines() {
        assert!(
            l.chars().count() <= 100,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    assert!(!s.contains("SUMMARY"));
    for k in kubelet_ckpt::formats::registry() {
        assert!(
            s.lines()
                .any(|l| l.split_whitespace().next() == Some(k.info().name)),
            "{}",
            k.info().name
        );
    }
    let o = run(&["kinds", "-o", "wide"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.lines().next().unwrap_or("").ends_with("SUMMARY"));
    for k in kubelet_ckpt::formats::registry() {
        let i = k.info();
        assert!(
            s.contains(i.summary) && s.contains(i.file) && s.contains(i.versions),
            "{}",
            i.name
        );
    }
}

/// `checksum` exits 1 when the stored checksum is not the computed one.
/// Expected checksums: the Go reference's (tests/golden/<kind>/*.checksum).
#[test]
fn checksum_exit_status_follows_the_match() {
    let dir = std::env::temp_dir().join(format!("kckpt-cli-sum-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    for kind in ["cpu-v2", "memory", "dra-v7", "allocated-v4"] {
        let input = golden(&format!("{kind}/gen-1.json"));
        let want: u64 = std::fs::read_to_string(golden(&format!("{kind}/gen-1.checksum")))
            .expect("golden checksum")
            .trim()
            .parse()
            .expect("decimal");
        let o = run(&["checksum", "--kind", kind, "-o", "json", &input]);
        assert_eq!(o.status.code(), Some(0), "{kind}");
        let j = json(&o);
        assert_eq!(j["computed"].as_u64(), Some(want), "{kind}");
        assert_eq!(j["matches"], true, "{kind}");

        // Flip the last digit of the stored checksum.
        let text = std::fs::read_to_string(&input).expect("read");
        let digits = want.to_string();
        let at = text.rfind(&digits).expect("stored checksum in the file") + digits.len() - 1;
        let d = text.as_bytes()[at];
        let flipped = if d == b'9' { '0' } else { char::from(d + 1) };
        let mut bad = text.clone();
        bad.replace_range(at..=at, &flipped.to_string());
        let p = dir.join(format!("{kind}.json"));
        std::fs::write(&p, &bad).expect("write");
        let p = p.to_str().expect("utf-8 path");
        let o = run(&["checksum", "--kind", kind, "-o", "json", p]);
        assert_eq!(o.status.code(), Some(1), "{kind}");
        let j = json(&o);
        assert_eq!(j["computed"].as_u64(), Some(want), "{kind}");
        assert_eq!(j["matches"], false, "{kind}");
        assert_ne!(j["stored"].as_u64(), Some(want), "{kind}");
        let o = run(&["checksum", "--kind", kind, p]);
        assert_eq!(o.status.code(), Some(1), "{kind} text");
        assert!(String::from_utf8_lossy(&o.stdout).contains("matches:  no"));
    }
    // A kind without a checksum: nothing to mismatch.
    let o = run(&[
        "checksum",
        "--kind",
        "cpu-file",
        &golden("cpu-file/gen-1.json"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A memory manager file copied under the name `cpu_manager_state`: the
/// content is identified as what it is (and a note says so), but a release
/// reads the file by its path, so `--for-kubelet 1.34` gives the verdict of
/// 1.34's `cpu_manager_state` reader chain, and without a release every
/// release that reads `cpu_manager_state` decides. Expected texts from the
/// Go reference (`oracle release 1.3x cpu_manager_state verify` on this file).
#[test]
fn a_file_under_another_files_name_gets_that_names_release_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let misplaced = dir.path().join("cpu_manager_state");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus/node-snapshot/var/lib/kubelet/memory_manager_state"
        ),
        &misplaced,
    )
    .unwrap();
    let path = misplaced.to_str().unwrap();
    // With a release, that release's chain; without one, every release
    // that reads `cpu_manager_state` decides and the newest failure is
    // reported (1.37). Either way the exit status says the file is not fine
    // where it is, and the note says what it is and what to do.
    for (args, release, model) in [
        (
            &["--for-kubelet", "1.34"][..],
            "1.34",
            "CPUManagerCheckpoint",
        ),
        (&[][..], "1.37", "CPUManagerCheckpointV2"),
    ] {
        let o = run(&[&["verify", "-o", "json"][..], args, &[path]].concat());
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let r = &json(&o)[0];
        assert_eq!(r["kind"], "memory", "{r}");
        assert_eq!(r["file"], "memory_manager_state", "{r}");
        assert_eq!(r["read_as"], "cpu_manager_state", "{r}");
        assert_eq!(r["verdict"], "invalid-json", "{r}");
        assert_eq!(r["release"], release, "{r}");
        assert_eq!(
            r["message"],
            format!("could not restore state from checkpoint: json: cannot unmarshal array into Go struct field {model}.entries of type string, please drain this node and delete the CPU manager checkpoint file \"/var/lib/kubelet/cpu_manager_state\" before restarting Kubelet"),
            "{r}"
        );
        let note = r["notes"][0].as_str().unwrap_or_default();
        assert!(
            note.contains("stored under the name of cpu_manager_state")
                && note.contains("give it its own name (memory_manager_state)"),
            "{r}"
        );
        // The memory policy the content needs is no concern of the CPU
        // manager reading it: no policy note.
        assert_eq!(r["notes"].as_array().map(Vec::len), Some(1), "{r}");
    }
    // identify says the same, and which file the kubelet reads it as.
    let o = run(&["identify", "-o", "json", path]);
    let r = &json(&o)[0];
    assert_eq!(r["verdict"], "invalid-json", "{r}");
    assert_eq!(r["file"], "memory_manager_state", "{r}");
    assert_eq!(r["read_as"], "cpu_manager_state", "{r}");
    // Under its own name the same bytes are fine.
    let own = dir.path().join("memory_manager_state");
    std::fs::rename(&misplaced, &own).unwrap();
    let o = run(&[
        "verify",
        "--policy",
        "Static",
        "-o",
        "json",
        own.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(json(&o)[0]["verdict"], "ok");
    assert!(json(&o)[0].get("read_as").is_none());
}

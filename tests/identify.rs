//! Identification by content: a file keeps its kind and verdict when it is
//! renamed, gets a trailing newline or is pretty-printed; what is not a
//! kubelet file is `unknown`. Inputs are the Go reference's golden files
//! (`tests/golden/<kind>/gen-*.json`, written as the kubelet writes them).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use kubelet_ckpt::formats::identify::{identify, is_member};
use kubelet_ckpt::formats::registry;
use kubelet_ckpt::ops::verify::{judge, Request, Status};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The path a kubelet stores a kind's file under (placeholders filled).
fn kubelet_path(file: &str) -> PathBuf {
    let f = file
        .replace("<sandbox-id>", "0123abcd")
        .replace("<sha256 of imageRef>", "00ff")
        .replace("<sha256 of image>", "00ff");
    Path::new("/var/lib/kubelet").join(f)
}

/// Go's `json.Indent`-like pretty printing by serde_json (key order kept).
fn pretty(bytes: &[u8]) -> Option<Vec<u8>> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    serde_json::to_vec_pretty(&v).ok()
}

#[test]
fn renamed_copies_keep_kind_and_verdict() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for k in registry() {
        let name = k.info().name;
        for seed in 1..=2 {
            let input = golden().join(name).join(format!("gen-{seed}.json"));
            let Ok(bytes) = fs::read(&input) else {
                continue;
            };
            let req = Request::default();
            let at_home = judge(&kubelet_path(k.info().file), &bytes, &req).expect("judge");
            if at_home.kind != Some(name) {
                // Another kind whose writer gives the same bytes may win
                // (dra-v7/dra-v8): only the kind's own file counts here.
                let other = at_home.kind.and_then(kubelet_ckpt::formats::kind);
                let same = other.is_some_and(|o| o.canonical(&bytes).is_ok_and(|c| c == bytes));
                if !same {
                    failures.push(format!(
                        "{name} gen-{seed}: at home identified as {:?}",
                        at_home.kind
                    ));
                }
            }
            let mut variants: Vec<(String, PathBuf, Vec<u8>)> = vec![
                (
                    "renamed".into(),
                    PathBuf::from("/tmp/evidence/state-1.json"),
                    bytes.clone(),
                ),
                (
                    "trailing newline".into(),
                    PathBuf::from("copy"),
                    [bytes.as_slice(), b"\n"].concat(),
                ),
            ];
            if let Some(p) = pretty(&bytes) {
                // Pretty printing changes no value, so every checksum holds
                // (data strings keep their bytes: they are JSON strings).
                variants.push(("pretty".into(), PathBuf::from("x.json"), p));
            }
            for (what, path, b) in variants {
                let r = judge(&path, &b, &req).expect("judge");
                compared += 1;
                // Shapes of two files with one layout (allocated/actuated)
                // cannot be told apart without the name: then the at-home
                // kind must be among the ties the identification reports.
                let ties = identify(Some(&path), &b, &Default::default()).ties;
                let same_family = r
                    .kind
                    .and_then(kubelet_ckpt::formats::kind)
                    .is_some_and(|o| o.info().file == k.info().file)
                    || at_home.kind.is_some_and(|h| ties.contains(&h));
                if !same_family || r.status != at_home.status {
                    failures.push(format!(
                        "{name} gen-{seed} {what}: {:?} {:?}, at home {:?} {:?}",
                        r.kind, r.status, at_home.kind, at_home.status
                    ));
                }
                // The pretty-printed copy keeps the same shape (the exact
                // bytes differ, so a byte-identical tie-break cannot apply;
                // shapes the content cannot tell apart may differ).
                if what != "pretty"
                    && r.kind != at_home.kind
                    && !at_home.kind.is_some_and(|h| ties.contains(&h))
                {
                    failures.push(format!(
                        "{name} gen-{seed} {what}: kind {:?}, at home {:?}",
                        r.kind, at_home.kind
                    ));
                }
            }
        }
    }
    eprintln!("{compared} renamed copies compared");
    assert!(compared > 100, "{compared}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn what_is_not_a_kubelet_file_is_unknown() {
    let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("foo", br#"{"foo":1}"#.to_vec()),
        ("empty object", b"{}".to_vec()),
        ("null", b"null".to_vec()),
        ("empty", Vec::new()),
        ("array", b"[1,2]".to_vec()),
        (
            "yaml",
            b"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n".to_vec(),
        ),
        ("pem", pem),
        ("binary", vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0]),
        ("checksum only", br#"{"checksum":12}"#.to_vec()),
        (
            "kubeconfig json",
            br#"{"apiVersion":"v1","clusters":[]}"#.to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        let r = judge(Path::new("/evidence/blob"), &bytes, &Request::default()).expect("judge");
        assert_eq!(
            r.status,
            Status::Unknown,
            "{what}: {:?} {:?}",
            r.kind,
            r.verification
        );
        assert!(
            r.verification.message.contains("not a kubelet checkpoint"),
            "{what}"
        );
    }
}

#[test]
fn empty_files_are_judged_by_their_name() {
    // Every checkpoint-era kubelet fails on an empty cpu_manager_state
    // (Go: "unexpected end of JSON input"); only 1.9–1.11's file backend
    // read it as "no state".
    let r = judge(
        Path::new("/var/lib/kubelet/cpu_manager_state"),
        b"",
        &Request::default(),
    )
    .expect("judge");
    assert_eq!(r.status, Status::InvalidJson, "{:?}", r.verification);
    assert!(r
        .verification
        .message
        .contains("unexpected end of JSON input"));
    let old = Request {
        for_kubelet: Some(10),
        ..Default::default()
    };
    let r = judge(Path::new("/var/lib/kubelet/cpu_manager_state"), b"", &old).expect("judge");
    assert_eq!(r.status, Status::Ok);
}

#[test]
fn checksum_less_shapes_never_win_over_checkpoints() {
    // A cpu-v1 file (1.12–1.17) with a wrong checksum: every checksummed
    // reader refuses it, so it must not be "ok as cpu-file" (which ignores
    // the checksum member).
    let good = fs::read(golden().join("cpu-v1/gen-1.json")).expect("golden");
    let s = String::from_utf8(good).expect("utf8");
    let i = s.find("\"checksum\":").expect("checksum") + "\"checksum\":".len();
    let bad = format!("{}1{}", &s[..i], &s[i..]);
    let r = judge(Path::new("state.json"), bad.as_bytes(), &Request::default()).expect("judge");
    assert_eq!(r.kind, Some("cpu-v1"));
    assert_eq!(r.status, Status::Corrupt, "{:?}", r.verification);
}

#[test]
fn member_lists_hold_every_golden_key() {
    // Every top-level key of every golden input (parsed by serde_json) is a
    // member of its kind, except keys the inputs plant on purpose.
    let planted = ["extra"];
    for k in registry() {
        let name = k.info().name;
        let Ok(dir) = fs::read_dir(golden().join(name)) else {
            continue;
        };
        for e in dir.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json") {
                let Ok(serde_json::Value::Object(m)) =
                    serde_json::from_slice::<serde_json::Value>(&fs::read(&p).unwrap_or_default())
                else {
                    continue;
                };
                for key in m.keys() {
                    // Generated files hold exactly their kind's members;
                    // hand-made cases may hold another shape of the file.
                    let generated = p
                        .file_name()
                        .is_some_and(|f| f.to_string_lossy().starts_with("gen-"));
                    let known = is_member(name, key)
                        || (!generated
                            && registry().iter().any(|o| {
                                o.info().file == k.info().file && is_member(o.info().name, key)
                            }));
                    assert!(
                        known || planted.contains(&key.as_str()),
                        "{name}: {} has key {key:?} not in its member list",
                        p.display()
                    );
                }
            }
        }
    }
}

#[test]
fn cli_unknown_exits_1() {
    let dir = std::env::temp_dir().join(format!("kckpt-unknown-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("mkdir");
    let f = dir.join("thing.json");
    fs::write(&f, br#"{"foo":1}"#).expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_kubelet-ckpt"))
        .args(["verify", "-o", "json"])
        .arg(&f)
        .output()
        .expect("run");
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(j[0]["verdict"], "unknown");
    assert!(j[0]["kind"].is_null());
}

/// The diagnoses of `identify`, each on a crafted file (the damage is
/// made here; which code it must give is decided by how it was made).
#[test]
fn each_diagnosis_on_a_crafted_file() {
    use kubelet_ckpt::ops::identify::identify_bytes;
    use kubelet_ckpt::ops::verify::Request;
    let gen = fs::read(golden().join("cpu-v2/gen-2.json")).expect("golden");
    let codes = |name: &str, bytes: &[u8], req: &Request| -> Vec<String> {
        identify_bytes(Path::new(name), bytes, req)
            .expect("identify")
            .diagnoses
            .into_iter()
            .map(|d| d.code)
            .collect()
    };
    let plain = Request::default();
    let has = |v: Vec<String>, code: &str, what: &str| {
        assert!(
            v.iter().any(|c| c == code),
            "{what}: want {code}, got {v:?}"
        );
    };
    has(codes("cpu_manager_state", b"", &plain), "empty", "empty");
    has(
        codes(
            "s.json",
            &[b"\xEF\xBB\xBF".as_slice(), &gen].concat(),
            &plain,
        ),
        "utf8-bom",
        "bom",
    );
    has(
        codes("s.json", &[gen.as_slice(), &[0u8; 64]].concat(), &plain),
        "nul-bytes",
        "nul padding",
    );
    has(
        codes("s.json", &gen[..gen.len() / 2], &plain),
        "truncated",
        "prefix",
    );
    has(
        codes("s.json", &[gen.as_slice(), b"{}"].concat(), &plain),
        "trailing-data",
        "second document",
    );
    let mut bad_utf8 = gen.clone();
    let q = bad_utf8.iter().position(|b| *b == b':').expect(":") + 2;
    bad_utf8.insert(q, 0xFF);
    has(
        codes("s.json", &bad_utf8, &plain),
        "invalid-utf8",
        "0xFF in a string",
    );
    // The vector the spec sealed under CPUManagerCheckpointV2 (1.36's writer).
    let named = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/spec/vectors/releases/cpu-v2-named.json"),
    );
    if let Ok(named) = named {
        has(
            codes("s.json", &named, &plain),
            "checksum-release-skew",
            "named checksum",
        );
    }
    // Checksum 0: accepted unchecked by some releases.
    let s = String::from_utf8(gen.clone()).expect("utf8");
    let i = s.find("\"checksum\":").expect("checksum") + "\"checksum\":".len();
    let end = i + s[i..].find(|c: char| !c.is_ascii_digit()).expect("end");
    let zero = format!("{}0{}", &s[..i], &s[end..]);
    has(
        codes("s.json", zero.as_bytes(), &plain),
        "checksum-zero",
        "zero",
    );
    // A checksum no recipe gives.
    let edited = format!("{}{}{}", &s[..i], "12345", &s[end..]);
    has(
        codes("s.json", edited.as_bytes(), &plain),
        "hand-edit",
        "edited checksum",
    );
    // The policy-name check (the file says static).
    let policy = Request {
        opts: kubelet_ckpt::formats::VerifyOptions {
            policy: Some("none".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    if s.contains("\"policyName\":\"static\"") {
        has(
            codes("s.json", &gen, &policy),
            "restore-check",
            "policy none",
        );
    }
    // Undamaged: nothing to say.
    assert!(codes("s.json", &gen, &plain).is_empty());
}

/// Torn copies keep their family: the prefix of a device checkpoint
/// (`Data` spelt as the device manager writes it, `BootID` absent as in
/// most files) is a device checkpoint, not a DRA or pod-state file whose
/// members match only by case folding; a torn pod-state payload is judged
/// by the names inside its `data` string.
#[test]
fn torn_copies_keep_their_family() {
    for (kind, family) in [
        ("device-v2", "device-plugins/kubelet_internal_checkpoint"),
        ("allocated-v4", "allocated_pods_state"),
    ] {
        let g = fs::read(golden().join(kind).join("gen-1.json")).expect("golden");
        for cut in [g.len() / 2, g.len() * 3 / 4] {
            let r = judge(Path::new("copy"), &g[..cut], &Request::default()).expect("judge");
            let file = r
                .kind
                .and_then(kubelet_ckpt::formats::kind)
                .map(|k| k.info().file);
            let tie = |f: &str| family == "allocated_pods_state" && f == "actuated_pods_state";
            assert!(
                file == Some(family) || file.is_some_and(tie),
                "{kind} cut at {cut}: {:?}",
                r.kind
            );
        }
    }
}

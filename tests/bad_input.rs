//! The bad-input catalogue: damaged and hostile inputs for every kind.
//!
//! * Every prefix of every golden file (`tests/golden/KIND/*.json`; files
//!   over 2 KiB: a sample of prefixes) and every single-bit flip of the
//!   golden files under 300 bytes is verified as the file's own kind:
//!   never a panic, and a non-`ok` verdict always carries a message.
//! * Crafted inputs for every kind of the registry: empty, one byte, NUL
//!   bytes, a UTF-8 BOM before a valid file, invalid UTF-8 inside a string,
//!   nesting at Go's limit of 10,000 and beyond it ("exceeded max depth"),
//!   numbers out of range (a checksum of 2^64, -1, 1e400), duplicate keys,
//!   a 10 MB string: a clear verdict (no panic, a message when not `ok`).
//!
//! With the Go reference (`KUBELET_CKPT_ORACLE`) the verdicts are also
//! compared with `oracle KIND verify`: a deterministic sample of at most
//! [`ORACLE_SAMPLE`] of the prefixes and flips, and every crafted input
//! (category always; the message too unless
//! `KUBELET_CKPT_DIFF_ALL_MESSAGES=0`, as in `tests/golden.rs`). Without it
//! only "no panic" and "clear verdict" are checked, and the test says so.
//! Kinds the reference does not know (dra-v1, the read-only kinds) are
//! checked without it.
//!
//! The sweep runs on every available core. In a debug build the ~463,000
//! prefixes and flips cost about 40 s of CPU (about 20 s of wall time on
//! two idle cores; 55-70 s measured on a heavily loaded machine), the
//! crafted inputs (10 MB strings included) about 10 s.

use crate::support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use kubelet_ckpt::formats::{registry, Shape, Verdict, VerifyOptions};
use support::{catch, oracle, oracle_kinds, oracle_verify, show, Rng, VerdictLine};

/// Most oracle calls of the prefix / bit-flip sweep.
const ORACLE_SAMPLE: usize = 300;
/// Files up to this size have every prefix verified; larger ones a sample.
const ALL_PREFIXES_UP_TO: usize = 2048;
/// Files below this size have every single-bit flip verified.
const FLIPS_BELOW: usize = 300;

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every golden input of every registry kind: (kind, file name, bytes).
fn golden_inputs() -> Vec<(&'static dyn Shape, String, Vec<u8>)> {
    let mut out = Vec::new();
    for &k in registry() {
        let dir = golden_root().join(k.info().name);
        let Ok(rd) = fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for p in files {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((k, name, fs::read(&p).expect("read golden file")));
        }
    }
    assert!(out.len() > 100, "golden files missing under tests/golden");
    out
}

/// The prefix lengths checked for a file of `len` bytes.
fn prefix_lengths(len: usize) -> Vec<usize> {
    if len <= ALL_PREFIXES_UP_TO {
        return (0..len).collect();
    }
    // The first and last 256 and every len/512-th in between.
    let step = (len / 512).max(1);
    let mut v: BTreeSet<usize> = (0..256).chain(len - 256..len).collect();
    v.extend((0..len).step_by(step));
    v.into_iter().collect()
}

/// Verifies `bytes` as `k` (without a policy): a panic is an `Err` with its
/// message; a non-`ok` verdict without a message is an `Err` too.
fn clear_verdict(k: &dyn Shape, bytes: &[u8]) -> Result<VerdictLine, String> {
    let v = catch(|| k.verify(bytes, &VerifyOptions::default()))?;
    if v.verdict != Verdict::Ok && v.message.trim().is_empty() {
        return Err(format!("{} verdict without a message", v.verdict.as_str()));
    }
    Ok(VerdictLine::from_ours(&v))
}

/// One checked input: kind, what it is, bytes.
struct Case {
    kind: &'static dyn Shape,
    label: String,
    bytes: Vec<u8>,
}

/// Runs `clear_verdict` on every case on all cores; returns the verdicts
/// in case order and the failures.
fn sweep(cases: &[Case]) -> (Vec<Option<VerdictLine>>, Vec<String>) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let chunk = cases.len().div_ceil(threads).max(1);
    let parts: Vec<(Vec<Option<VerdictLine>>, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut verdicts = Vec::with_capacity(part.len());
                    let mut failures = Vec::new();
                    for c in part {
                        match clear_verdict(c.kind, &c.bytes) {
                            Ok(v) => verdicts.push(Some(v)),
                            Err(e) => {
                                verdicts.push(None);
                                failures.push(format!(
                                    "{} {}: {e} on {}",
                                    c.kind.info().name,
                                    c.label,
                                    show(&c.bytes, 200)
                                ));
                            }
                        }
                    }
                    (verdicts, failures)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut verdicts = Vec::with_capacity(cases.len());
    let mut failures = Vec::new();
    for (v, f) in parts {
        verdicts.extend(v);
        failures.extend(f);
    }
    (verdicts, failures)
}

/// Compares our verdicts on `picked` cases with the oracle's; returns the
/// disagreements.
fn against_oracle(
    oracle: &Path,
    cases: &[Case],
    verdicts: &[Option<VerdictLine>],
    picked: &[usize],
) -> Vec<String> {
    let all_messages = std::env::var("KUBELET_CKPT_DIFF_ALL_MESSAGES").map_or(true, |v| v != "0");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let chunk = picked.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = picked
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for &i in part {
                        let c = &cases[i];
                        let Some(ours) = &verdicts[i] else { continue };
                        let name = c.kind.info().name;
                        let go = oracle_verify(oracle, name, &c.bytes, None);
                        if !go.agrees(ours, all_messages) {
                            bad.push(format!(
                                "{name} {}: oracle {}\n    ours {}\n    input {}",
                                c.label,
                                cut(&go.to_string()),
                                cut(&ours.to_string()),
                                show(&c.bytes, 200)
                            ));
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// A verdict line shortened for a report (Go echoes whole values).
fn cut(s: &str) -> String {
    if s.len() <= 300 {
        return s.to_string();
    }
    let mut end = 300;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &s[..end], s.len())
}

fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s):\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_prefix_and_bit_flip_of_the_golden_files() {
    let mut cases = Vec::new();
    for (k, name, bytes) in golden_inputs() {
        for n in prefix_lengths(bytes.len()) {
            cases.push(Case {
                kind: k,
                label: format!("{name} prefix {n}"),
                bytes: bytes[..n].to_vec(),
            });
        }
        if bytes.len() < FLIPS_BELOW {
            for bit in 0..bytes.len() * 8 {
                let mut b = bytes.clone();
                b[bit / 8] ^= 1 << (bit % 8);
                cases.push(Case {
                    kind: k,
                    label: format!("{name} flip byte {} bit {}", bit / 8, bit % 8),
                    bytes: b,
                });
            }
        }
    }
    let started = std::time::Instant::now();
    let (verdicts, failures) = sweep(&cases);
    eprintln!(
        "{} prefixes and bit flips verified in {:.1?}",
        cases.len(),
        started.elapsed()
    );
    report("prefixes and bit flips", &failures);

    let Some(oracle) = oracle() else {
        eprintln!("only no-panic and clear verdicts were checked (no oracle)");
        return;
    };
    let known: BTreeSet<String> = oracle_kinds(&oracle).into_iter().collect();
    let eligible: Vec<usize> = (0..cases.len())
        .filter(|&i| known.contains(cases[i].kind.info().name))
        .collect();
    let mut rng = Rng::new(0x0bad_0001);
    let mut picked: BTreeSet<usize> = BTreeSet::new();
    while picked.len() < ORACLE_SAMPLE.min(eligible.len()) {
        picked.insert(eligible[rng.below(eligible.len())]);
    }
    let picked: Vec<usize> = picked.into_iter().collect();
    let bad = against_oracle(&oracle, &cases, &verdicts, &picked);
    eprintln!("{} sampled verdicts compared with the oracle", picked.len());
    report("prefixes and bit flips against the oracle", &bad);
}

/// Go's `encoding/json` nesting limit.
const GO_MAX_DEPTH: usize = 10_000;

/// `member` (e.g. `"zz":1`) added as the first member of `base` when it is
/// an object, else a one-member object.
fn with_first_member(base: &[u8], member: &[u8]) -> Vec<u8> {
    let t = trim(base);
    let mut out = b"{".to_vec();
    out.extend_from_slice(member);
    if t.first() == Some(&b'{') {
        let rest = trim(&t[1..]);
        if rest.first() != Some(&b'}') {
            out.push(b',');
        }
        out.extend_from_slice(rest);
    } else {
        out.push(b'}');
    }
    out
}

/// `member` added as the last member of `base` when it is an object.
fn with_last_member(base: &[u8], member: &[u8]) -> Vec<u8> {
    let t = trim(base);
    if t.first() != Some(&b'{') || t.last() != Some(&b'}') {
        return with_first_member(base, member);
    }
    let body = trim(&t[1..t.len() - 1]);
    let mut out = b"{".to_vec();
    out.extend_from_slice(body);
    if !body.is_empty() {
        out.push(b',');
    }
    out.extend_from_slice(member);
    out.push(b'}');
    out
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &b[s..e.max(s)]
}

/// `base` with the value of its top-level `"checksum"` member (any case)
/// replaced by `value`, or with such a member added first.
fn with_checksum(base: &[u8], value: &str) -> Vec<u8> {
    let lower = base.to_ascii_lowercase();
    let key = b"\"checksum\":";
    if let Some(at) = lower.windows(key.len()).position(|w| w == key) {
        let start = at + key.len();
        let end = base[start..]
            .iter()
            .position(|&c| c == b',' || c == b'}')
            .map_or(base.len(), |e| start + e);
        let mut out = base[..start].to_vec();
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(&base[end..]);
        return out;
    }
    with_first_member(base, format!("\"checksum\":{value}").as_bytes())
}

/// The first key of `base` when it is an object (raw, with its quotes).
fn first_key(base: &[u8]) -> Option<&[u8]> {
    let t = trim(base);
    let rest = trim(t.strip_prefix(b"{")?);
    if rest.first() != Some(&b'"') {
        return None;
    }
    let end = rest[1..].iter().position(|&c| c == b'"' || c == b'\\')?;
    (rest[1 + end] == b'"').then_some(&rest[..end + 2])
}

/// The crafted inputs for one kind, built around `base` (its first golden
/// file, or `{}`).
fn crafted(base: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("one byte {".into(), b"{".to_vec()),
        ("one byte 0".into(), b"0".to_vec()),
        ("one byte x".into(), b"x".to_vec()),
        ("one NUL".into(), vec![0]),
        ("16 NULs".into(), vec![0; 16]),
        ("valid then NULs".into(), [base, &[0u8; 16][..]].concat()),
        ("BOM + valid".into(), [&b"\xef\xbb\xbf"[..], base].concat()),
    ];
    let invalid_utf8 = match base.windows(2).position(|w| w == b":\"") {
        Some(at) => [&base[..at + 2], &b"\xff\xfe"[..], &base[at + 2..]].concat(),
        None => with_first_member(base, b"\"zz\":\"\xff\xfe\""),
    };
    v.push(("invalid UTF-8 in a string".into(), invalid_utf8));
    for depth in [GO_MAX_DEPTH - 1, GO_MAX_DEPTH, GO_MAX_DEPTH + 1, 100_000] {
        let arrays = [vec![b'['; depth], vec![b']'; depth]].concat();
        v.push((format!("{depth} nested arrays"), arrays));
        // The object itself is one level.
        let inner = [vec![b'['; depth - 1], vec![b']'; depth - 1]].concat();
        let member = [&b"\"zz\":"[..], &inner].concat();
        v.push((
            format!("unknown member nested to depth {depth}"),
            with_first_member(base, &member),
        ));
    }
    // A known member (the file's first key) nested to Go's limit: the
    // kinds with an `interface{}` member (image-pull's version probe,
    // bootstrap-pod's pod) decode it whole.
    if let Some(k) = first_key(base) {
        let d = GO_MAX_DEPTH - 1;
        let member = [k, &b":"[..], &vec![b'['; d], &vec![b']'; d]].concat();
        v.push((
            "first key again, nested to depth 10000".into(),
            with_first_member(base, &member),
        ));
    }
    for n in ["18446744073709551616", "-1", "1e400"] {
        v.push((format!("checksum {n}"), with_checksum(base, n)));
    }
    v.push((
        "duplicate checksum, first".into(),
        with_first_member(base, b"\"checksum\":1"),
    ));
    v.push((
        "duplicate checksum, last".into(),
        with_last_member(base, b"\"checksum\":1"),
    ));
    if let Some(k) = first_key(base) {
        let member = [k, &b":null"[..]].concat();
        v.push((
            "first key again as null".into(),
            with_last_member(base, &member),
        ));
    }
    let huge = [&b"\"zz\":\""[..], &vec![b'a'; 10 << 20], &b"\""[..]].concat();
    v.push(("10 MB string".into(), with_first_member(base, &huge)));
    v
}

#[test]
fn crafted_inputs_for_every_kind() {
    let mut cases = Vec::new();
    for &k in registry() {
        let base = fs::read(golden_root().join(k.info().name).join("gen-1.json"))
            .unwrap_or_else(|_| b"{}".to_vec());
        for (label, bytes) in crafted(&base) {
            cases.push(Case {
                kind: k,
                label,
                bytes,
            });
        }
    }
    let started = std::time::Instant::now();
    let (verdicts, failures) = sweep(&cases);
    eprintln!(
        "{} crafted inputs verified in {:.1?}",
        cases.len(),
        started.elapsed()
    );
    report("crafted inputs", &failures);

    // Go's encoding/json refuses nesting beyond its limit, whatever the
    // kind. Not checked for the read-only kinds (no Go reference; e.g.
    // dynamic-config-meta is judged by its apiVersion/kind probe first).
    let read_only: Vec<&str> = kubelet_ckpt::formats::readonly::KINDS
        .iter()
        .map(|k| k.info().name)
        .collect();
    for (c, v) in cases.iter().zip(&verdicts) {
        if read_only.contains(&c.kind.info().name) {
            continue;
        }
        if c.label.starts_with("100000 nested") || c.label.starts_with("10001 nested") {
            let v = v.as_ref().unwrap();
            assert!(
                v.category == "invalid-json" && v.message.contains("exceeded max depth"),
                "{} {}: {v}",
                c.kind.info().name,
                c.label
            );
        }
    }

    let Some(oracle) = oracle() else {
        eprintln!("only no-panic and clear verdicts were checked (no oracle)");
        return;
    };
    let known: BTreeSet<String> = oracle_kinds(&oracle).into_iter().collect();
    let picked: Vec<usize> = (0..cases.len())
        .filter(|&i| known.contains(cases[i].kind.info().name))
        .collect();
    let bad = against_oracle(&oracle, &cases, &verdicts, &picked);
    eprintln!("{} crafted verdicts compared with the oracle", picked.len());
    report("crafted inputs against the oracle", &bad);
}

/// Root cause of two stack overflows this catalogue found (debug build,
/// 2 MiB thread stack, 10,000-deep input that Go accepts): image-pull's
/// version probe decodes the whole file as `interface{}` and dropped the
/// value normally, and bootstrap-pod cloned and dropped its `interface{}`
/// pod; and the decoder overwrote the earlier value of a duplicate key
/// (into an `interface{}`, or inside one) by plain assignment. `Value`'s
/// clone and drop glue recurse once per level. All now drop with
/// `json::drop_deep` (and bootstrap-pod keeps no copy). Checked here
/// on an explicit 2 MiB stack, whatever `RUST_MIN_STACK` says.
#[test]
fn deep_interface_values_fit_a_2_mib_stack() {
    let d = GO_MAX_DEPTH - 1;
    let deep = [vec![b'['; d], vec![b']'; d]].concat();
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        (
            "imagepull-pulled-v1beta1",
            [vec![b'['], deep.clone(), vec![b']']].concat(),
        ),
        (
            "imagepull-intent-v1alpha1",
            [&b"{\"zz\":"[..], &deep, b"}"].concat(),
        ),
        (
            "bootstrap-pod",
            [&b"{\"pod\":"[..], &deep, b",\"checksum\":1}"].concat(),
        ),
        // Duplicate keys: the deep first value is replaced.
        (
            "bootstrap-pod",
            [&b"{\"pod\":"[..], &deep, b",\"pod\":1}"].concat(),
        ),
        (
            "imagepull-pulled-v1beta1",
            [&b"{\"kind\":"[..], &deep, b",\"kind\":1}"].concat(),
        ),
        (
            "imagepull-pulled-v1beta1",
            [&b"[{\"a\":"[..], &deep, b",\"a\":1}]"].concat(),
        ),
    ];
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for (name, bytes) in inputs {
                let k = kubelet_ckpt::formats::kind(name).unwrap();
                let v = k.verify(&bytes, &VerifyOptions::default());
                assert!(!v.message.is_empty(), "{name}: {}", v.verdict.as_str());
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

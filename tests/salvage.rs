//! `salvage::recover` and `salvage::diagnose` on damaged copies of real
//! files: every golden input under `tests/golden/*/` cut at (nearly) every
//! byte, with NUL padding, trailing garbage, a second copy or a BOM added,
//! and on generated JSON.
//!
//! Expected values never come from the salvage code: the reference is the
//! undamaged original, parsed by `serde_json` (a separate parser). Where each
//! member of the original starts and ends is found by `serde_json` too
//! (`StreamDeserializer::byte_offset`), with only `{ } [ ] : ,` and
//! whitespace stepped over by hand. A recovered document must then be a
//! "sub-document" of the original: every value complete in the prefix kept
//! and equal, values cut short absent, and containers cut short holding a
//! subset (objects) or prefix (arrays) of their members, checked the same
//! way at every depth.

use std::path::{Path, PathBuf};

use kubelet_ckpt::salvage::{self, Code, Recovery};
use proptest::prelude::*;
use serde_json::Value;

/// A value of the original and where it is: `start..end` in the input.
#[derive(Debug)]
struct Node {
    start: usize,
    end: usize,
    value: Value,
    kids: Kids,
}

#[derive(Debug)]
enum Kids {
    Scalar,
    Obj(Vec<(String, Node)>),
    Arr(Vec<Node>),
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// serde_json's value starting at `at` (no whitespace before) and its end.
fn serde_at<T: serde::de::DeserializeOwned>(b: &[u8], at: usize) -> Option<(T, usize)> {
    let mut it = serde_json::Deserializer::from_slice(&b[at..]).into_iter::<T>();
    let v = it.next()?.ok()?;
    Some((v, at + it.byte_offset()))
}

/// The reference tree of the value at `at`; `None` when serde_json refuses.
fn node(b: &[u8], at: usize) -> Option<Node> {
    let (value, end) = serde_at::<Value>(b, at)?;
    let kids = match b[at] {
        b'{' => {
            let mut kids = Vec::new();
            let mut i = skip_ws(b, at + 1);
            if b[i] != b'}' {
                loop {
                    let (key, e) = serde_at::<String>(b, i)?;
                    i = skip_ws(b, e);
                    assert_eq!(b[i], b':');
                    i = skip_ws(b, i + 1);
                    let kid = node(b, i)?;
                    i = skip_ws(b, kid.end);
                    kids.push((key, kid));
                    if b[i] == b'}' {
                        break;
                    }
                    assert_eq!(b[i], b',');
                    i = skip_ws(b, i + 1);
                }
            }
            Kids::Obj(kids)
        }
        b'[' => {
            let mut kids = Vec::new();
            let mut i = skip_ws(b, at + 1);
            if b[i] != b']' {
                loop {
                    let kid = node(b, i)?;
                    i = skip_ws(b, kid.end);
                    kids.push(kid);
                    if b[i] == b']' {
                        break;
                    }
                    assert_eq!(b[i], b',');
                    i = skip_ws(b, i + 1);
                }
            }
            Kids::Arr(kids)
        }
        _ => Kids::Scalar,
    };
    Some(Node {
        start: at,
        end,
        value,
        kids,
    })
}

/// Complete in the first `p` bytes. A number that reaches the end of the
/// prefix is not: "12" may be the start of "123".
fn complete(n: &Node, p: usize) -> bool {
    if n.value.is_number() {
        n.end < p
    } else {
        n.end <= p
    }
}

/// Must be in the recovered document: complete, or a container whose
/// opening bracket was written.
fn kept(n: &Node, p: usize) -> bool {
    complete(n, p) || (n.start < p && !matches!(n.kids, Kids::Scalar))
}

/// `v` (recovered from the first `p` bytes) against the original `n`.
fn check_sub(v: &Value, n: &Node, p: usize, path: &str) {
    if complete(n, p) {
        assert_eq!(
            v, &n.value,
            "{path}: complete in the prefix, must be kept as is"
        );
        return;
    }
    match &n.kids {
        Kids::Scalar => panic!("{path}: a scalar cut short was kept: {v}"),
        Kids::Obj(kids) => {
            let obj = v
                .as_object()
                .unwrap_or_else(|| panic!("{path}: not an object: {v}"));
            // With duplicate keys the last kept occurrence wins (serde_json).
            let mut want: Vec<(&str, &Node)> = Vec::new();
            for (k, kid) in kids.iter().filter(|(_, kid)| kept(kid, p)) {
                want.retain(|(k2, _)| k2 != k);
                want.push((k, kid));
            }
            let mut got: Vec<&str> = obj.keys().map(String::as_str).collect();
            let mut names: Vec<&str> = want.iter().map(|(k, _)| *k).collect();
            got.sort_unstable();
            names.sort_unstable();
            assert_eq!(got, names, "{path}: members kept");
            for (k, kid) in want {
                check_sub(&obj[k], kid, p, &format!("{path}.{k}"));
            }
        }
        Kids::Arr(kids) => {
            let arr = v
                .as_array()
                .unwrap_or_else(|| panic!("{path}: not an array: {v}"));
            let want: Vec<&Node> = kids.iter().filter(|k| kept(k, p)).collect();
            assert_eq!(arr.len(), want.len(), "{path}: elements kept");
            for (i, (e, kid)) in arr.iter().zip(want).enumerate() {
                check_sub(e, kid, p, &format!("{path}[{i}]"));
            }
        }
    }
}

/// Replaces each edit's range of `input` by its insertion.
fn apply(input: &[u8], r: &Recovery) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    for e in &r.edits {
        assert!(e.range.start >= at, "edits overlap or are out of order");
        out.extend_from_slice(&input[at..e.range.start]);
        out.extend_from_slice(e.inserted.as_bytes());
        at = e.range.end;
    }
    out.extend_from_slice(&input[at..]);
    out
}

/// Checks that hold for any `Ok` recovery: the text is the input (after a
/// BOM) up to some byte followed by closing brackets only, and the edits
/// describe it exactly.
fn check_shape(input: &[u8], r: &Recovery) {
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let same = r.text.iter().zip(body).take_while(|(a, b)| a == b).count();
    assert!(
        r.text[same..].iter().all(|c| matches!(c, b'}' | b']')),
        "recovered text is not a prefix of the input plus closing brackets"
    );
    assert_eq!(apply(input, r), r.text, "edits do not describe the text");
}

/// [`check_shape`], and the text parses with serde_json.
fn check_parses(input: &[u8], r: &Recovery) -> Value {
    check_shape(input, r);
    serde_json::from_slice(&r.text).unwrap_or_else(|e| {
        panic!(
            "recovered text does not parse ({e}): {:?}",
            String::from_utf8_lossy(&r.text)
        )
    })
}

fn golden_inputs() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/golden") {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "json") {
                let bytes = std::fs::read(&f).unwrap();
                out.push((f, bytes));
            }
        }
    }
    out.sort();
    assert!(out.len() > 100, "golden inputs not found under {root:?}");
    out
}

/// All prefixes of files up to this size; bigger ones are sampled.
const ALL_PREFIXES_UP_TO: usize = 1500;
const SAMPLES: usize = 300;

fn boundaries(n: &Node, out: &mut Vec<usize>) {
    out.extend([
        n.start,
        n.start + 1,
        n.end.saturating_sub(1),
        n.end,
        n.end + 1,
    ]);
    match &n.kids {
        Kids::Scalar => {}
        Kids::Obj(kids) => kids.iter().for_each(|(_, k)| boundaries(k, out)),
        Kids::Arr(kids) => kids.iter().for_each(|k| boundaries(k, out)),
    }
}

/// Every prefix, or for big files a stride plus every member boundary ±1.
fn prefix_lengths(len: usize, root: Option<&Node>) -> Vec<usize> {
    if len <= ALL_PREFIXES_UP_TO {
        return (0..=len).collect();
    }
    let mut ps: Vec<usize> = (0..=len).step_by(len / SAMPLES).collect();
    if let Some(root) = root {
        boundaries(root, &mut ps);
    }
    ps.push(len);
    ps.retain(|&p| p <= len);
    ps.sort_unstable();
    ps.dedup();
    ps
}

/// The reference for a file: its first value (after a BOM), when serde_json
/// reads it and it is an object or array.
fn reference(bytes: &[u8]) -> Option<(usize, Node)> {
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let first = skip_ws(bytes, start);
    if first == bytes.len() || !matches!(bytes[first], b'{' | b'[') {
        return None;
    }
    Some((start, node(bytes, first)?))
}

#[test]
fn salvage_every_prefix_of_every_golden_input_is_a_sub_document() {
    let t0 = std::time::Instant::now();
    let (mut files, mut prefixes, mut no_ref) = (0, 0usize, Vec::new());
    for (path, bytes) in golden_inputs() {
        files += 1;
        let name = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&path);
        let refr = reference(&bytes);
        if refr.is_none() {
            no_ref.push(name.display().to_string());
        }
        for p in prefix_lengths(bytes.len(), refr.as_ref().map(|(_, n)| n)) {
            prefixes += 1;
            let input = &bytes[..p];
            let result = salvage::recover(input);
            let diags = salvage::diagnose(input);
            let Some((start, root)) = &refr else {
                // No reference (serde_json refuses the original, e.g. a lone
                // surrogate escape that Go accepts): "no panic" and the shape.
                if let Ok(r) = &result {
                    check_shape(input, r);
                }
                continue;
            };
            let has_text = p > *start && input[*start..].iter().any(|&c| !is_ws(c));
            if !has_text {
                assert!(result.is_err(), "{name:?}[..{p}]: nothing to recover");
                assert!(!diags.is_empty(), "{name:?}[..{p}]: no diagnosis");
                continue;
            }
            let r = result.unwrap_or_else(|e| panic!("{name:?}[..{p}]: {e}"));
            let v = check_parses(input, &r);
            let at = format!("{name:?}[..{p}] $");
            check_sub(&v, root, p, &at);
            if p < root.end {
                assert!(
                    diags
                        .iter()
                        .any(|d| d.code == Code::Truncated && d.offset == p),
                    "{at}: cut inside the value but no truncated diagnosis: {diags:?}"
                );
            }
        }
        // Undamaged files come back byte for byte.
        if serde_json::from_slice::<Value>(&bytes).is_ok() && refr.is_some() {
            let r = salvage::recover(&bytes).unwrap();
            assert_eq!(r.text, bytes, "{name:?}: undamaged file changed");
            assert!(r.edits.is_empty() && r.dropped.is_empty());
            assert_eq!(salvage::diagnose(&bytes), vec![], "{name:?}");
        }
    }
    eprintln!(
        "{files} golden inputs, {prefixes} prefixes in {:?}; without a serde_json reference ({}): {}",
        t0.elapsed(),
        no_ref.len(),
        no_ref.join(" ")
    );
}

/// Golden files that serde_json reads whole, start with `{` or `[` and have
/// no BOM: the originals for the damage tests.
fn undamaged_golden() -> Vec<(PathBuf, Vec<u8>)> {
    golden_inputs()
        .into_iter()
        .filter(|(_, b)| {
            serde_json::from_slice::<Value>(b).is_ok() && matches!(b.first(), Some(b'{' | b'['))
        })
        .collect()
}

#[test]
fn salvage_added_bytes_are_cut_back_to_the_original_exactly() {
    let mut n = 0;
    for (path, orig) in undamaged_golden() {
        n += 1;
        let mut damaged: Vec<(&str, Vec<u8>)> = Vec::new();
        let with = |pre: &[u8], post: &[u8]| [pre, &orig[..], post].concat();
        damaged.push(("NUL padding", with(b"", &[0; 4096])));
        damaged.push(("one NUL", with(b"", &[0])));
        damaged.push(("trailing garbage", with(b"", b"x\x00\xff garbage")));
        damaged.push(("stray quote (issue 135711)", with(b"", b"\"")));
        damaged.push(("stray brace", with(b"", b"}}")));
        damaged.push(("second copy", with(b"", &orig)));
        damaged.push(("half a second copy", with(b"", &orig[..orig.len() / 2])));
        damaged.push(("BOM", with(b"\xEF\xBB\xBF", b"")));
        damaged.push(("BOM and NUL padding", with(b"\xEF\xBB\xBF", &[0; 100])));
        for (what, input) in damaged {
            let r =
                salvage::recover(&input).unwrap_or_else(|e| panic!("{path:?} with {what}: {e}"));
            assert!(
                r.text == orig,
                "{path:?} with {what}: recovered {:?}",
                String::from_utf8_lossy(&r.text)
            );
            assert!(
                r.dropped.is_empty(),
                "{path:?} with {what}: {:?}",
                r.dropped
            );
            assert_eq!(apply(&input, &r), orig);
            let codes: Vec<Code> = salvage::diagnose(&input).iter().map(|d| d.code).collect();
            let want = match what {
                "NUL padding" | "one NUL" => vec![Code::NulBytes],
                "BOM" => vec![Code::Utf8Bom],
                "BOM and NUL padding" => vec![Code::Utf8Bom, Code::NulBytes],
                // The garbage holds a NUL and an invalid byte as well.
                "trailing garbage" => vec![Code::TrailingData, Code::NulBytes, Code::InvalidUtf8],
                _ => vec![Code::TrailingData],
            };
            assert_eq!(codes, want, "{path:?} with {what}");
        }
    }
    assert!(n > 100, "only {n} undamaged golden files");
}

#[test]
fn salvage_whole_file_nul_and_empty_are_refused() {
    for (input, code) in [
        (&b""[..], Code::Empty),
        (b"\n", Code::Empty),
        (&[0u8; 4096][..], Code::NulBytes),
    ] {
        let e = salvage::recover(input).unwrap_err();
        assert_eq!(e.diagnosis.code, code);
        let d = salvage::diagnose(input);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, code);
    }
}

/// JSON values from a small vocabulary (keys that repeat across levels,
/// strings with escapes and non-ASCII, all number shapes).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z\"\\\\/é\u{1F600}\n\t]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]{1,3}|pod-[0-9]", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Token soup: mostly-JSON byte strings with damage mixed in.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let tok = prop::sample::select(vec![
        &b"{"[..],
        b"}",
        b"[",
        b"]",
        b"\"",
        b"\"k\"",
        b":",
        b",",
        b"0",
        b"12",
        b"-",
        b".5",
        b"e-3",
        b"true",
        b"fals",
        b"null",
        b" ",
        b"\n",
        b"\\",
        b"\\u00e9",
        b"\\u",
        b"\0",
        b"\xEF\xBB\xBF",
        "é".as_bytes(),
        b"\xff",
        b"x",
    ]);
    prop::collection::vec(tok, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn salvage_prefixes_of_generated_json(v in json_value(), pretty in any::<bool>(), cut in any::<prop::sample::Index>()) {
        let v = Value::Object([("data".to_string(), v)].into_iter().collect());
        let full = if pretty { serde_json::to_vec_pretty(&v) } else { serde_json::to_vec(&v) }.unwrap();
        let root = node(&full, 0).expect("serde_json reads its own output");
        let p = 1 + cut.index(full.len());
        let r = salvage::recover(&full[..p]).unwrap();
        let got = check_parses(&full[..p], &r);
        check_sub(&got, &root, p, "$");
        if p == full.len() {
            prop_assert_eq!(&r.text, &full);
        }
        // NUL padding after a torn write changes nothing.
        let padded = [&full[..p], &[0u8; 7]].concat();
        prop_assert_eq!(salvage::recover(&padded).unwrap().text, r.text);
    }

    #[test]
    fn salvage_never_panics_and_agrees_with_serde_json_on_soup(b in soup()) {
        let diags = salvage::diagnose(&b);
        let serde_ok = serde_json::from_slice::<Value>(&b).is_ok();
        prop_assert_eq!(diags.is_empty(), serde_ok, "{:?}", diags);
        for d in &diags {
            prop_assert!(d.offset <= b.len() && d.line >= 1 && d.column >= 1);
        }
        if let Ok(r) = salvage::recover(&b) {
            check_parses(&b, &r);
            if serde_ok {
                prop_assert_eq!(&r.text, &b);
            }
        }
    }
}

fn golden(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(rel),
    )
    .unwrap()
}

/// The damaged golden inputs. Offsets of trailing data and bad UTF-8 are
/// Python's `json.loads` error positions ("Extra data: ... (char 37)",
/// "can't decode byte 0xff in position 56"); recovered texts derived by
/// hand from the bytes.
#[test]
fn salvage_damaged_golden_inputs() {
    for (rel, at) in [
        ("dra-v2/trailing-garbage.json", 37),
        ("podstatus-v1/trailing-garbage-issue135711.json", 22),
        ("cpu-file/hand-trailing-garbage.json", 43),
        ("device-v2/trailing-garbage.json", 25),
    ] {
        let b = golden(rel);
        let d = salvage::diagnose(&b);
        assert_eq!(d.len(), 1, "{rel}: {d:?}");
        assert_eq!((d[0].code, d[0].offset), (Code::TrailingData, at), "{rel}");
        let r = salvage::recover(&b).unwrap();
        assert_eq!(r.text, &b[..at], "{rel}");
        assert_eq!(r.edits.len(), 1);
        assert_eq!(r.edits[0].range, at..b.len());
    }

    // `{"kind":"ImagePullIntent",`: a dangling comma at 25, text ends at 26.
    let b = golden("imagepull-intent-v1alpha1/syntax-error.json");
    let d = salvage::diagnose(&b);
    assert_eq!((d.len(), d[0].code, d[0].offset), (1, Code::Truncated, 26));
    assert_eq!(d[0].path.as_deref(), Some("$"));
    let r = salvage::recover(&b).unwrap();
    assert_eq!(r.text, br#"{"kind":"ImagePullIntent"}"#);
    assert_eq!(r.edits[1].kind, salvage::EditKind::DanglingComma);
    assert_eq!(r.edits[1].range, 25..26);

    let b = golden("memory-v3/kubelet-invalid-json.json");
    assert_eq!(salvage::recover(&b).unwrap().text, b"{}");

    let b = golden("cpu-file/hand-invalid-utf8.json");
    let e = salvage::recover(&b).unwrap_err();
    assert_eq!(
        (e.diagnosis.code, e.diagnosis.offset),
        (Code::InvalidUtf8, 56)
    );

    let b = golden("cpu-v2/hand-bom.json");
    let codes: Vec<Code> = salvage::diagnose(&b).iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::Utf8Bom]);
    assert_eq!(salvage::recover(&b).unwrap().text, &b[3..]);

    let b = golden("cpu-file/hand-whitespace.json");
    assert_eq!(
        salvage::recover(&b).unwrap_err().diagnosis.code,
        Code::Empty
    );
}

//! Differential check of `json::unmarshal` against real Go `json.Unmarshal`:
//! random structured inputs (keys from the targets' field names with case
//! and Unicode-fold variants, values of every JSON kind with edge-case
//! numbers and strings) plus byte-level mutations of them, decoded into the
//! spec vectors' types on both sides; verdict, error text and the go-spew
//! text of the target after the call must be identical, and so must
//! `json.Marshal` of the target afterwards (bytes or error text).
//!
//! The Go side is `tests/go/jsondiff` (build instructions in its header).
//! Set `KUBELET_CKPT_GO_JSONDIFF=/path/to/jsondiff` to run; without it the
//! test prints why it is skipped. `KUBELET_CKPT_GO_JSONDIFF_CASES` sets the
//! number of inputs (default 20000), `KUBELET_CKPT_GO_JSONDIFF_SEED` the seed.

use crate::json_common;

use std::fmt::Write as _;
use std::io::Write as _;

use json_common::*;
use kubelet_ckpt::go::json;
use kubelet_ckpt::go::{spew, Type, TypeRef, Value};

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const TARGETS: &[&str] = &[
    "T",
    "Tpre",
    "Fold",
    "Kind",
    "Quoted",
    "WithEmbed",
    "EmbedPtr",
    "Conflict",
    "Tags",
    "TaggedEmbed",
    "Dominant",
    "EmbedUnexported",
    "Raw",
    "WithNumber",
    "SubList",
    "Arr",
    "Bytes",
    "MapSub",
    "PtrSub",
    "Iface",
    "CPU",
    "CPUpre",
    "Mem",
    "Dev",
    "DevMap",
];

fn target(name: &str) -> (TypeRef, Value) {
    match name {
        "T" => (t_t(), t_t().zero()),
        "Tpre" => {
            let t = t_t();
            let v = sv(
                &t,
                vec![
                    ("Name", s("old")),
                    ("N", i(5)),
                    ("P", ptr(i(9))),
                    ("S", strs(&["x", "y"])),
                    ("M", map(vec![(s("old"), i(1))])),
                    ("Sub", Value::Struct(vec![i(1), i(2)])),
                    ("Data", bytes(&[1])),
                ],
            );
            (t, v)
        }
        "Fold" => (t_fold(), t_fold().zero()),
        "Kind" => (t_kind(), t_kind().zero()),
        "Quoted" => (t_quoted(), t_quoted().zero()),
        "WithEmbed" => (t_with_embed(), t_with_embed().zero()),
        "EmbedPtr" => (t_embed_ptr(), t_embed_ptr().zero()),
        "Conflict" => (t_conflict(), t_conflict().zero()),
        "Tags" => (t_tags(), t_tags().zero()),
        "TaggedEmbed" => (t_tagged_embed(), t_tagged_embed().zero()),
        "Dominant" => (t_dominant(), t_dominant().zero()),
        "EmbedUnexported" => (t_embed_unexported(), t_embed_unexported().zero()),
        "Raw" => (t_raw(), t_raw().zero()),
        "WithNumber" => (t_with_number(), t_with_number().zero()),
        "SubList" => (t_sub_list(), t_sub_list().zero()),
        "Arr" => {
            let t = t_arr();
            let v = sv(&t, vec![("A", Value::Array(vec![i(8), i(9)]))]);
            (t, v)
        }
        "Bytes" => (t_bytes(), t_bytes().zero()),
        "MapSub" => (
            Type::map(strt(), t_sub()),
            map(vec![
                (s("a"), Value::Struct(vec![i(1), i(2)])),
                (s("k"), Value::Struct(vec![i(3), i(0)])),
            ]),
        ),
        "PtrSub" => (
            Type::structure(vec![f("P", Type::ptr(t_sub()), "")]),
            Value::Struct(vec![ptr(Value::Struct(vec![i(1), i(2)]))]),
        ),
        "Iface" => (ifacet(), Value::Interface(None)),
        "CPU" => (t_cpu(), t_cpu().zero()),
        "CPUpre" => {
            let t = t_cpu();
            let v = sv(&t, vec![("Entries", map(vec![]))]);
            (t, v)
        }
        "Mem" => (t_mem(), t_mem().zero()),
        "Dev" => (t_dev_data(), t_dev_data().zero()),
        "DevMap" => (t_devices_per_numa(), Value::Map(None)),
        other => panic!("unknown target {other}"),
    }
}

const KEYS: &[&str] = &[
    "name",
    "NAME",
    "Name",
    "n",
    "N",
    "u8",
    "U8",
    "u64",
    "i32",
    "f",
    "F",
    "f32",
    "b",
    "B",
    "p",
    "s",
    "S",
    "\u{17f}",
    "m",
    "sub",
    "SUB",
    "data",
    "any",
    "a",
    "A",
    "foo",
    "FOO",
    "fOO",
    "kind",
    "\u{212a}ind",
    "KIND",
    "i",
    "I",
    "u",
    "ID",
    "id",
    "shared",
    "Shared",
    "Extra",
    "X",
    "Z",
    "base",
    "Base",
    "V",
    "v",
    "r",
    "rp",
    "l",
    "nb",
    "a4",
    "i8",
    "pb",
    "P",
    "Skip",
    "-",
    "unexp",
    "renamed",
    "Renamed",
    "NoName",
    "Untagged",
    "BadTag",
    "with space",
    "ключ",
    "КЛЮЧ",
    "EmptyName",
    "Dash",
    "policyName",
    "POLICYNAME",
    "defaultCpuSet",
    "DefaultCPUSet",
    "entries",
    "checksum",
    "CheckSum",
    "machineState",
    "numberOfAssignments",
    "memoryMap",
    "cells",
    "memory",
    "total",
    "free",
    "numaAffinity",
    "type",
    "size",
    "Data",
    "Checksum",
    "PodDeviceEntries",
    "RegisteredDevices",
    "PodUID",
    "DeviceIDs",
    "AllocResp",
    "ResourceName",
    "0",
    "1",
    "01",
    "+2",
    "-1",
    " 1",
    "1.0",
    "9223372036854775808",
    "x",
    "k",
    "pod",
    "c",
    "zzz",
    "n\\u0061me",
    "na\\ud800me",
    "\\u212aind",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "7",
    "255",
    "256",
    "-128",
    "1e3",
    "1E+2",
    "1.0",
    "1.5",
    "-0.0",
    "0.1",
    "-1.5e-7",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "12345678901234567890",
    "3.4028235e38",
    "3.5e38",
    "1e400",
    "-1e400",
    "1e-400",
    "2.2250738585072011e-308",
    "123456789.125",
];

const STRINGS: &[&str] = &[
    "\"\"",
    "\"x\"",
    "\"5\"",
    "\"-5\"",
    "\" 5\"",
    "\"+5\"",
    "\"5 \"",
    "\"1e3\"",
    "\"1.5\"",
    "\"-Inf\"",
    "\"inf\"",
    "\"NaN\"",
    "\"0x10\"",
    "\"18446744073709551616\"",
    "\"null\"",
    "\"nul\"",
    "\"true\"",
    "\"false\"",
    "\"tru\"",
    "\"\\\"x\\\"\"",
    "\"\\\"a\\\\'b\\\"\"",
    "\"\\\"unterminated\"",
    "\"[1]\"",
    "\"{}\"",
    "\"AAEC/w==\"",
    "\"AAEC/w\"",
    "\"AAEC_w==\"",
    "\"AAEC\\n/w==\"",
    "\"AQ==\\r\\n\"",
    "\"AA==AA==\"",
    "\"=\"",
    "\"\\ud800\"",
    "\"\\udc00\\ud800\"",
    "\"\\ud83d\\ude00\"",
    "\"\\u0000\"",
    "\"é\"",
    "\"<&>\"",
    "\"\u{2028}\"",
    "\"0-3\"",
    "\"1_000\"",
    "\"0x1p-2\"",
    "\"-0x1.8p1\"",
    "\"0x10\"",
    "\".5\"",
    "\"1.\"",
    "\"+1\"",
    "\"03\"",
    "\"\\/\\b\\f\\n\\r\\t\"",
];

fn gen_value(r: &mut Rng, depth: u32, out: &mut String) {
    let choice = if depth >= 4 { r.below(4) } else { r.below(7) };
    match choice {
        0 => out.push_str(r.pick(&["null", "true", "false"])),
        1 => match r.below(3) {
            0 => out.push_str(r.pick(NUMBERS)),
            // Random finite doubles and float32s, in Rust's shortest form.
            1 => {
                let x = f64::from_bits(r.next());
                if x.is_finite() {
                    let _ = write!(out, "{x:e}");
                } else {
                    out.push('0');
                }
            }
            _ => {
                let digits = r.next() % 10_000_000_000;
                let exp = r.below(90) as i64 - 45;
                let sign = if r.below(2) == 0 { "" } else { "-" };
                let _ = write!(out, "{sign}{digits}e{exp}");
            }
        },
        2 | 3 => out.push_str(r.pick(STRINGS)),
        4 => {
            out.push('[');
            for j in 0..r.below(4) {
                if j > 0 {
                    out.push(',');
                }
                gen_value(r, depth + 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            for j in 0..r.below(5) {
                if j > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{}\":", r.pick(KEYS));
                gen_value(r, depth + 1, out);
            }
            out.push('}');
        }
    }
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"0",
    b"1",
    b"-",
    b".",
    b"e",
    b"+",
    b"n",
    b"t",
    b" ",
    b"\n",
    b"\x00",
    b"\xff",
    b"\xe2\x80\xa8",
    b"\x0c",
    b"null",
    b"\"a\"",
    b"'",
];

fn mutate(r: &mut Rng, input: &mut Vec<u8>) {
    for _ in 0..=r.below(3) {
        let pos = if input.is_empty() {
            0
        } else {
            r.below(input.len() + 1)
        };
        match r.below(3) {
            0 if pos < input.len() => {
                input.remove(pos);
            }
            1 if pos < input.len() => {
                let tok = r.pick(TOKENS);
                input.splice(pos..pos + 1, tok.iter().copied());
            }
            _ => {
                let tok = r.pick(TOKENS);
                input.splice(pos..pos, tok.iter().copied());
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn unmarshal_matches_go() {
    let Ok(helper) = std::env::var("KUBELET_CKPT_GO_JSONDIFF") else {
        eprintln!(
            "skipped: KUBELET_CKPT_GO_JSONDIFF is unset (build tests/go/jsondiff and point it there)"
        );
        return;
    };
    let n: usize = std::env::var("KUBELET_CKPT_GO_JSONDIFF_CASES")
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(20000);
    let seed: u64 = std::env::var("KUBELET_CKPT_GO_JSONDIFF_SEED")
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut r = Rng(seed | 1);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::with_capacity(n);
    for k in 0..n {
        let t = r.pick(TARGETS);
        let mut s = String::new();
        // Mostly objects: that is where the field rules live.
        if r.below(5) == 0 {
            gen_value(&mut r, 0, &mut s);
        } else {
            s.push('{');
            // Sometimes big objects (duplicate keys past the map index's
            // linear-scan limit).
            let members = if r.below(8) == 0 {
                r.below(40)
            } else {
                r.below(6)
            };
            for j in 0..members {
                if j > 0 {
                    s.push(',');
                }
                let _ = write!(s, "\"{}\":", r.pick(KEYS));
                gen_value(&mut r, 1, &mut s);
            }
            s.push('}');
        }
        let mut input = s.into_bytes();
        if k % 4 == 3 {
            mutate(&mut r, &mut input);
        }
        cases.push((t, input));
    }

    let mut stdin = String::new();
    for (t, input) in &cases {
        let _ = writeln!(stdin, "{t}\t{}", hex(input));
    }
    let mut child = std::process::Command::new(&helper)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run the Go helper");
    let mut child_in = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || child_in.write_all(stdin.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len());

    let mut failures = Vec::new();
    let mut errors = 0;
    for ((tname, input), line) in cases.iter().zip(lines) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (want_verdict, want_err, want_spew) = (cols[0], unhex(cols[1]), unhex(cols[2]));
        let (want_mverdict, want_mout) = (cols[3], unhex(cols[4]));
        let (t, mut v) = target(tname);
        let res = json::unmarshal(input, &t, &mut v);
        let got_spew = spew::to_bytes(&v, &t);
        let (got_verdict, got_err) = match &res {
            Ok(()) => ("ok", Vec::new()),
            Err(e) => ("error", e.message.clone().into_bytes()),
        };
        let (got_mverdict, got_mout) = match json::marshal(&v, &t) {
            Ok(b) => ("ok", b),
            Err(e) => ("error", e.message.into_bytes()),
        };
        if want_verdict == "error" {
            errors += 1;
        }
        if got_verdict != want_verdict
            || got_err != want_err
            || got_spew != want_spew
            || got_mverdict != want_mverdict
            || got_mout != want_mout
        {
            failures.push(format!(
                "{tname} {:?}\n  go:   {want_verdict} {:?}\n        {}\n        marshal {want_mverdict} {}\n  ours: {got_verdict} {:?}\n        {}\n        marshal {got_mverdict} {}",
                String::from_utf8_lossy(input),
                String::from_utf8_lossy(&want_err),
                String::from_utf8_lossy(&want_spew),
                String::from_utf8_lossy(&want_mout),
                String::from_utf8_lossy(&got_err),
                String::from_utf8_lossy(&got_spew),
                String::from_utf8_lossy(&got_mout),
            ));
        }
        json::drop_deep(v);
    }
    eprintln!(
        "{} inputs compared with Go ({} rejected by Go), {} differ",
        cases.len(),
        errors,
        failures.len()
    );
    let shown: Vec<_> = failures.iter().take(15).cloned().collect();
    assert!(
        failures.is_empty(),
        "{} of {} differ, first ones:\n{}",
        failures.len(),
        cases.len(),
        shown.join("\n")
    );
}

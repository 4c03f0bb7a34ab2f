//! Differential checks the generic sweep (tests/oracle_differential.rs)
//! cannot reach, for the device-manager and DRA kinds:
//!
//! * **cross-kind**: a file written in one shape judged as every other shape
//!   of the same file (dra-v2 files through the dra-v3/v4 compat checksum,
//!   dra-v3 files under dra-v4 — kubernetes issue 123552 —, device-v1 under
//!   device-v2, dra-v6 data under dra-v7, ...);
//! * **resealed mutations**: a generated file is mutated and then its
//!   checksum is made valid again (the oracle's `checksum` for the spew
//!   kinds; CRC-32 over the mutated data string for the CRC kinds), so the
//!   mutated state gets past the checksum and exercises decoding, the
//!   writer and, for the CRC kinds, the inner `GetEntries()` decode.
//!
//! Every answer (verify with message, canonical, dump, checksum) must equal
//! the oracle's. `KUBELET_CKPT_DIFF_N` seeds per kind (default 20).

use crate::support;

use std::path::Path;

use kubelet_ckpt::formats::{kind, Shape};
use support::mutate::Mutation;
use support::*;

const GROUPS: [&[&str]; 3] = [
    &["device-v1", "device-v2"],
    &["dra-v2", "dra-v3", "dra-v4", "dra-v5"],
    &["dra-v6", "dra-v7", "dra-v8"],
];

fn shape(name: &str) -> &'static dyn Shape {
    kind(name).unwrap_or_else(|| panic!("{name} not registered"))
}

/// Compares all four operations; pushes a line per disagreement.
fn compare(oracle: &Path, name: &str, case: &str, input: &[u8], bad: &mut Vec<String>) {
    let k = shape(name);
    let want = oracle_verify(oracle, name, input, None);
    match our_verify(k, input, None) {
        Ok(got) if want.agrees(&got, true) => {}
        Ok(got) => bad.push(format!("{name} {case} verify: oracle {want} / ours {got}")),
        Err(e) => bad.push(format!("{name} {case} verify: oracle {want} / ours {e}")),
    }
    for (op, got) in [
        ("canonical", our_canonical(k, input)),
        ("dump", our_dump(k, input)),
    ] {
        let want = oracle_op(oracle, name, op, input);
        if want.is_ok() != got.is_ok() || (want.is_ok() && want != got) {
            bad.push(format!(
                "{name} {case} {op}: oracle {} / ours {} / input {}",
                show_result(&want, 300),
                show_result(&got, 300),
                show(input, 300)
            ));
        }
    }
    let want = oracle_checksum(oracle, name, input);
    let got = our_checksum(k, input);
    if want.is_ok() != got.is_ok() || (want.is_ok() && want != got) {
        bad.push(format!(
            "{name} {case} checksum: oracle {want:?} / ours {got:?}"
        ));
    }
}

/// Replaces the number after the last `"<key>":` with `value`.
fn reseal_number(input: &[u8], key: &str, value: u64) -> Option<Vec<u8>> {
    let s = String::from_utf8(input.to_vec()).ok()?;
    let pat = format!("\"{key}\":");
    let at = s.rfind(&pat)? + pat.len();
    let end = at + s[at..].find(|c: char| !c.is_ascii_digit() && c != '-')?;
    Some(format!("{}{value}{}", &s[..at], &s[end..]).into_bytes())
}

#[test]
fn cross_kind_files_agree_with_oracle() {
    let Some(oracle) = oracle() else { return };
    let n = env_usize("KUBELET_CKPT_DIFF_N", 20) as u64;
    let mut bad = Vec::new();
    let mut inputs = 0;
    for group in GROUPS {
        for seed in 1..=n {
            for &src in group {
                let file = oracle_gen(&oracle, src, seed);
                for &dst in group {
                    if dst != src {
                        inputs += 1;
                        compare(&oracle, dst, &format!("{src}-gen-{seed}"), &file, &mut bad);
                    }
                }
            }
        }
    }
    eprintln!("cross-kind: {inputs} inputs, {} mismatches", bad.len());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn resealed_mutations_agree_with_oracle() {
    let Some(oracle) = oracle() else { return };
    let n = env_usize("KUBELET_CKPT_DIFF_N", 20) as u64;
    let mut bad = Vec::new();
    let mut inputs = 0;
    for name in [
        "device-v1",
        "device-v2",
        "dra-v2",
        "dra-v3",
        "dra-v4",
        "dra-v5",
    ] {
        let key = if name.starts_with("device") {
            "Checksum"
        } else {
            "checksum"
        };
        for seed in 1..=n {
            let file = oracle_gen(&oracle, name, seed);
            for (i, m) in Mutation::ALL.iter().enumerate() {
                if *m == Mutation::FlipChecksumDigit {
                    continue;
                }
                let mut rng = Rng::new(seed * 977 + i as u64);
                let Some(mutated) = m.apply(&file, &mut rng) else {
                    continue;
                };
                let Ok(c) = oracle_checksum(&oracle, name, &mutated) else {
                    continue;
                };
                let Some(sealed) = reseal_number(&mutated, key, c) else {
                    continue;
                };
                inputs += 1;
                compare(
                    &oracle,
                    name,
                    &format!("gen-{seed}+{}+reseal", m.name()),
                    &sealed,
                    &mut bad,
                );
            }
        }
    }
    for name in ["dra-v6", "dra-v7", "dra-v8"] {
        for seed in 1..=n {
            let file = oracle_gen(&oracle, name, seed);
            let outer: serde_json::Value = serde_json::from_slice(&file).expect("oracle file");
            let data = outer["Data"].as_str().expect("Data string").to_owned();
            for (i, m) in Mutation::ALL.iter().enumerate() {
                let mut rng = Rng::new(seed * 991 + i as u64);
                let Some(inner) = m.apply(data.as_bytes(), &mut rng) else {
                    continue;
                };
                let Ok(inner) = String::from_utf8(inner) else {
                    continue;
                };
                let sealed = serde_json::json!({
                    "Data": inner,
                    "Checksum": kubelet_ckpt::go::crc::crc32_ieee(inner.as_bytes()),
                });
                inputs += 1;
                compare(
                    &oracle,
                    name,
                    &format!("gen-{seed}+data-{}+reseal", m.name()),
                    sealed.to_string().as_bytes(),
                    &mut bad,
                );
            }
        }
    }
    eprintln!(
        "resealed mutations: {inputs} inputs, {} mismatches",
        bad.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

//! Differential test of `resource.Quantity` against the Go reference.
//!
//! Generates many quantity notations (all suffix families, signs, leading
//! zeros, `.` forms, exponents that wrap int32, values past int64, junk,
//! white space, raw JSON tokens) and compares, per notation:
//! * the internal fields go-spew prints (from `oracle podstatus-v1 dump` of a
//!   file holding a batch of them),
//! * the JSON text `MarshalJSON` writes (from `oracle allocated-v4 canonical`),
//! * the error text for notations either side rejects (`oracle podstatus-v1 verify`),
//! * and, end to end, our podstatus-v1 `explain` and allocated-v4 `canonical`
//!   on the same batch files.
//!
//! `KUBELET_CKPT_QUANTITY_N` sets the number of notations (default 12000).

use crate::support;

use kubelet_ckpt::formats::pod_state::{ALLOCATED_V4, PODSTATUS_V1};
use kubelet_ckpt::go::fnv::Fnv32a;
use kubelet_ckpt::go::quantity::Quantity;
use support::*;

/// go-spew's text for one quantity inside a map (no type prefix).
fn spew_text(q: &Quantity) -> String {
    let dec = match &q.d.dec {
        None => "<nil>".to_string(),
        Some(d) => {
            let words = match &d.unscaled.abs.0 {
                None => "<nil>".to_string(),
                Some(w) => format!(
                    "[{}]",
                    w.iter()
                        .map(|x| x.0.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            format!(
                "{{unscaled:(big.Int){{neg:(bool){} abs:(big.nat){}}} scale:(inf.Scale){}}}",
                d.unscaled.neg, words, d.scale.0
            )
        }
    };
    format!(
        "{{i:(resource.int64Amount){{value:(int64){} scale:(resource.Scale){}}} d:(resource.infDecAmount){{Dec:(*inf.Dec){}}} s:(string){} Format:(resource.Format){}}}",
        q.i.value, q.i.scale.0, dec, q.s, q.format.0
    )
}

/// Builds a random notation as a raw JSON token.
fn notation(r: &mut Rng) -> String {
    const DEC: [&str; 10] = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E"];
    const BIN: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    const JUNK: [&str; 12] = [
        "K", "ee3", "e", "E", "i", "Kii", "mk", "e+", "e-", "x", "1", "e3m",
    ];
    const EXP: [&str; 16] = [
        "0",
        "1",
        "3",
        "-3",
        "+2",
        "9",
        "-9",
        "-10",
        "18",
        "19",
        "-20",
        "400",
        "2147483647",
        "-2147483648",
        "4294967296",
        "4294967299",
    ];
    let digits = |r: &mut Rng, max: usize| -> String {
        let n = r.below(max + 1);
        (0..n)
            .map(|_| {
                if r.below(4) == 0 {
                    '0'
                } else {
                    char::from(b'0' + r.below(10) as u8)
                }
            })
            .collect()
    };
    let mut s = String::new();
    match r.below(8) {
        0 => s.push('-'),
        1 => s.push('+'),
        _ => {}
    }
    if r.below(5) == 0 {
        s.push_str(&"0".repeat(1 + r.below(3)));
    }
    let long = if r.below(6) == 0 { 30 } else { 8 };
    s.push_str(&digits(r, long));
    if r.below(3) == 0 {
        s.push('.');
        let max = if r.below(5) == 0 { 14 } else { 4 };
        s.push_str(&digits(r, max));
    }
    match r.below(10) {
        0..=3 => s.push_str(DEC[r.below(DEC.len())]),
        4..=6 => s.push_str(BIN[r.below(BIN.len())]),
        7 | 8 => {
            s.push(if r.below(2) == 0 { 'e' } else { 'E' });
            s.push_str(EXP[r.below(EXP.len())]);
        }
        _ => s.push_str(JUNK[r.below(JUNK.len())]),
    }
    if s.is_empty() && r.below(2) == 0 {
        s.push('0');
    }
    // Token form: mostly a JSON string, sometimes padded, sometimes a bare number.
    match r.below(20) {
        0 => format!("\"\u{a0}{s} \""),
        1 => format!("\" {s}\u{2028}\""),
        2 if s.parse::<f64>().is_ok() && !s.starts_with('+') && !s.starts_with('.') => {
            // A JSON number token, when the text is one.
            if is_json_number(&s) {
                s
            } else {
                format!("\"{s}\"")
            }
        }
        3 => "null".to_string(),
        _ => format!("\"{s}\""),
    }
}

/// Whether `s` is a valid JSON number.
fn is_json_number(s: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(s).is_ok_and(|v| v.is_number())
}

fn ours(token: &str) -> Result<Quantity, String> {
    let mut q = Quantity::default();
    q.unmarshal_json(token.as_bytes())
        .map(|()| q)
        .map_err(|e| e.to_string())
}

fn podstatus_file(entries: &[(String, &str)]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(k, t)| format!("\"{k}\":{t}"))
        .collect();
    format!(
        "{{\"allocationEntries\":{{\"p\":{{\"c\":{{{}}}}}}},\"checksum\":1}}",
        body.join(",")
    )
}

fn allocated_file(entries: &[(String, &str)]) -> Vec<u8> {
    let body: Vec<String> = entries
        .iter()
        .map(|(k, t)| format!("\"{k}\":{t}"))
        .collect();
    let data = format!(
        "{{\"entries\":{{\"p\":{{\"ContainerResources\":{{\"c\":{{\"requests\":{{{}}}}}}}}}}}}}",
        body.join(",")
    );
    let mut h = Fnv32a::new();
    h.update(b"(string)");
    h.update(data.as_bytes());
    let env = serde_json::json!({"data": data, "checksum": h.finish()});
    serde_json::to_vec(&env).unwrap()
}

#[test]
fn quantity_matches_oracle() {
    let Some(oracle) = oracle() else { return };
    let n = env_usize("KUBELET_CKPT_QUANTITY_N", 12000);
    let mut rng = Rng::new(env_usize("KUBELET_CKPT_DIFF_SEED", 1) as u64);
    let tokens: Vec<String> = (0..n).map(|_| notation(&mut rng)).collect();
    let mut mismatches: Vec<String> = Vec::new();
    let mut valid: Vec<(String, &str, Quantity)> = Vec::new();
    let mut errors = 0usize;
    let mut compared = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match ours(t) {
            Ok(q) => valid.push((format!("r{i:06}"), t.as_str(), q)),
            Err(e) => {
                errors += 1;
                let file = podstatus_file(&[("cpu".to_string(), t)]);
                let v = oracle_verify(&oracle, "podstatus-v1", file.as_bytes(), None);
                let want = format!("invalid-json: {e}");
                let want_other = format!("other: {e}");
                if v.to_string() != want && v.to_string() != want_other {
                    mismatches.push(format!("{t}: oracle {v}, ours error {e}"));
                }
                // And through our kind's verify, message included.
                let ours = our_verify(&PODSTATUS_V1, file.as_bytes(), None);
                if ours.as_ref() != Ok(&v) {
                    mismatches.push(format!("{t}: oracle {v}, our podstatus-v1 verify {ours:?}"));
                }
            }
        }
    }
    for chunk in valid.chunks(400) {
        let entries: Vec<(String, &str)> = chunk.iter().map(|(k, t, _)| (k.clone(), *t)).collect();
        let dump = oracle_op(
            &oracle,
            "podstatus-v1",
            "dump",
            podstatus_file(&entries).as_bytes(),
        );
        let canon = oracle_op(
            &oracle,
            "allocated-v4",
            "canonical",
            &allocated_file(&entries),
        );
        let (dump, canon) = match (dump, canon) {
            (Ok(d), Ok(c)) => (String::from_utf8(d).unwrap(), c),
            (d, c) => {
                // Find the culprits one by one.
                for (k, t, _) in chunk {
                    let f = podstatus_file(&[(k.clone(), t)]);
                    let v = oracle_verify(&oracle, "podstatus-v1", f.as_bytes(), None);
                    if v.category != "corrupt" {
                        mismatches.push(format!("{t}: oracle {v}, ours ok"));
                    }
                }
                if d.is_ok() && c.is_err() {
                    mismatches.push(format!("canonical failed alone: {c:?}"));
                }
                continue;
            }
        };
        // End to end through our kinds: the same files, our explain and canonical.
        let pfile = podstatus_file(&entries);
        let ours_dump = support::our_dump(&PODSTATUS_V1, pfile.as_bytes());
        if ours_dump.as_deref() != Ok(dump.as_bytes()) {
            mismatches.push(format!(
                "podstatus-v1 explain differs on batch starting {}: {}",
                chunk[0].1,
                show_result(&ours_dump, 300)
            ));
        }
        let afile = allocated_file(&entries);
        let ours_canon = support::our_canonical(&ALLOCATED_V4, &afile);
        if ours_canon.as_ref() != Ok(&canon) {
            mismatches.push(format!(
                "allocated-v4 canonical differs on batch starting {}: {}",
                chunk[0].1,
                show_result(&ours_canon, 300)
            ));
        }
        let env: serde_json::Value = serde_json::from_slice(&canon).unwrap();
        let data: serde_json::Value = serde_json::from_str(env["data"].as_str().unwrap()).unwrap();
        let req = &data["entries"]["p"]["ContainerResources"]["c"]["requests"];
        for (k, t, q) in chunk {
            compared += 1;
            let want = format!("{k}:{}", spew_text(q));
            let pos = dump.find(&format!("{k}:"));
            let got = pos.map(|p| {
                let rest = &dump[p..];
                let end = rest
                    .find(" r")
                    .or_else(|| rest.find("]]"))
                    .unwrap_or(rest.len());
                &rest[..end]
            });
            if got != Some(want.as_str()) {
                mismatches.push(format!("{t}: spew\n  oracle {got:?}\n  ours   {want:?}"));
            }
            let json = String::from_utf8(q.marshal_json()).unwrap();
            let oj = format!("\"{}\"", req[k].as_str().unwrap_or("<missing>"));
            if json != oj {
                mismatches.push(format!("{t}: json oracle {oj} ours {json}"));
            }
        }
    }
    println!(
        "quantity differential: {n} notations, {} valid ({compared} compared in batches), \
         {errors} rejected, {} mismatches",
        valid.len(),
        mismatches.len()
    );
    assert_eq!(compared, valid.len(), "some batches were not compared");
    for m in mismatches.iter().take(30) {
        println!("{m}");
    }
    assert!(mismatches.is_empty(), "{} mismatches", mismatches.len());
}

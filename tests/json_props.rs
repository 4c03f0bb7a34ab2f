//! Properties of the encoding/json port: write->read round trips, the
//! escaping rules of `json.Marshal`, and "never panics" on arbitrary input.
//!
//! Expected values are derived independently of the code under test: Go's
//! per-byte U+FFFD replacement is recomputed here from `std::str::from_utf8`,
//! and `serde_json` (a separate parser) checks validity and unescaping.

use crate::json_common;

use std::collections::BTreeMap;

use json_common::*;
use kubelet_ckpt::go::json;
use kubelet_ckpt::go::{Type, TypeKind, TypeRef, Value};
use proptest::prelude::*;

/// Go's rule: every byte that does not start a valid UTF-8 sequence becomes
/// U+FFFD on its own.
fn go_replace(s: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = s;
    loop {
        match std::str::from_utf8(rest) {
            Ok(v) => {
                out.push_str(v);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap());
                out.push('\u{FFFD}');
                rest = &bad[1..];
            }
        }
    }
}

/// Byte strings biased towards the interesting cases.
fn go_bytes() -> impl Strategy<Value = Vec<u8>> {
    let atom = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        Just(b"<".to_vec()),
        Just(b">".to_vec()),
        Just(b"&".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\\".to_vec()),
        Just("\u{2028}".as_bytes().to_vec()),
        Just("\u{2029}".as_bytes().to_vec()),
        Just("\u{FFFD}".as_bytes().to_vec()),
        Just(b"\xed\xa0\x80".to_vec()),
        Just(b"\xe2\x82".to_vec()),
        Just(b"\xc0\xaf".to_vec()),
        any::<char>().prop_map(|c| c.to_string().into_bytes()),
    ];
    proptest::collection::vec(atom, 0..24).prop_map(|v| v.concat())
}

fn marshal_string(b: &[u8]) -> Vec<u8> {
    json::marshal(&Value::String(b.to_vec()), &strt()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn string_round_trip_is_utf8_replacement(b in go_bytes()) {
        let out = marshal_string(&b);
        let mut back = Value::String(b"prefilled".to_vec());
        json::unmarshal(&out, &strt(), &mut back).unwrap();
        prop_assert_eq!(back, Value::String(go_replace(&b).into_bytes()));
    }

    #[test]
    fn escaping_rules(b in go_bytes()) {
        let out = marshal_string(&b);
        // Valid JSON for our scanner and for an independent parser.
        prop_assert!(json::check_valid(&out).is_ok());
        let parsed: String = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(parsed, go_replace(&b));
        // HTML-safe and JS-safe: none of these ever appear raw.
        let text = std::str::from_utf8(&out).unwrap();
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            prop_assert!(!text.contains(bad), "raw {:?} in {}", bad, text);
        }
        // No raw control characters; 0x08/0x0C use Go 1.19's \u form.
        prop_assert!(!out.iter().any(|&c| c < 0x20));
        prop_assert!(!text.contains("\\b") || text.contains("\\\\b"));
        // write_string is the same escaping.
        let mut ws = Vec::new();
        json::write_string(&mut ws, &b);
        prop_assert_eq!(ws, out);
    }

    #[test]
    fn int_keyed_map_round_trip(m in proptest::collection::btree_map(any::<i64>(), proptest::collection::vec("[a-z<&]{0,3}", 0..3), 0..12)) {
        let t = t_devices_per_numa();
        let v = Value::Map(Some(m.iter().map(|(k, ids)| (Value::Int(*k), strs_owned(ids))).collect()));
        let out = json::marshal(&v, &t).unwrap();
        // Keys appear sorted as decimal strings.
        let parsed: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(parsed.len(), m.len());
        let text = String::from_utf8(out.clone()).unwrap();
        let mut want_keys: Vec<String> = m.keys().map(i64::to_string).collect();
        want_keys.sort();
        let mut last = 0;
        for k in &want_keys {
            let at = text.find(&format!("\"{k}\":")).unwrap();
            prop_assert!(at >= last);
            last = at;
        }
        let mut back = Value::Map(None);
        json::unmarshal(&out, &t, &mut back).unwrap();
        let Value::Map(Some(entries)) = back else { panic!("nil map") };
        let got: BTreeMap<i64, Vec<String>> = entries
            .into_iter()
            .map(|(k, v)| {
                let Value::Int(k) = k else { panic!("key") };
                let Value::Slice(Some(ids)) = v else { panic!("value") };
                (k, ids.into_iter().map(|x| match x { Value::String(s) => String::from_utf8(s).unwrap(), _ => panic!() }).collect())
            })
            .collect();
        prop_assert_eq!(got, m);
    }

    #[test]
    fn nested_struct_round_trip(v in nested_value()) {
        let t = t_nested();
        let out = json::marshal(&v, &t).unwrap();
        let mut back = t.zero();
        json::unmarshal(&out, &t, &mut back).unwrap();
        // Encoding the decoded value gives the same bytes...
        prop_assert_eq!(json::marshal(&back, &t).unwrap(), out.clone());
        // ...and the value is the original with omitempty's losses applied.
        prop_assert_eq!(back, normalize_omitted(v));
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..64), which in 0usize..6) {
        let (t, mut v) = any_target(which);
        let _ = json::unmarshal(&b, &t, &mut v);
    }

    #[test]
    fn never_panics_on_near_json(v in nested_value(), cut in any::<prop::sample::Index>(), ins in any::<u8>(), which in 0usize..6) {
        let mut b = json::marshal(&v, &t_nested()).unwrap();
        let at = cut.index(b.len() + 1);
        b.insert(at.min(b.len()), ins);
        let (t, mut x) = any_target(which);
        let r = json::unmarshal(&b, &t, &mut x);
        // A successful decode re-encodes to something our reader accepts.
        if r.is_ok() {
            let again = json::marshal(&x, &t).unwrap();
            prop_assert!(json::check_valid(&again).is_ok());
        }
    }
}

fn strs_owned(ids: &[String]) -> Value {
    Value::Slice(Some(ids.iter().map(Value::string).collect()))
}

fn t_item() -> TypeRef {
    named_struct(
        "main.Item",
        vec![
            f("A", int(), "a"),
            f("M", Type::map(strt(), u64t()), "m,omitempty"),
            f("F", f64t(), "f"),
        ],
    )
}

fn t_nested() -> TypeRef {
    named_struct(
        "main.Nested",
        vec![
            f("Name", strt(), "name,omitempty"),
            f("N", i32t(), "n"),
            f("Tags", Type::slice(strt()), "tags,omitempty"),
            f("Sub", Type::ptr(t_sub()), "sub,omitempty"),
            f("Items", Type::slice(t_item()), "items"),
            f("Blob", bytest(), "blob,omitempty"),
            f("Q", u64t(), "q,string"),
        ],
    )
}

fn opt_vec<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<Vec<T>>> {
    prop_oneof![
        Just(None),
        proptest::collection::vec(s, 0..3).prop_map(Some)
    ]
}

fn nested_value() -> impl Strategy<Value = Value> {
    let item = (
        any::<i64>(),
        prop_oneof![
            Just(None),
            proptest::collection::btree_map("[a-zA-Z<]{0,3}", any::<u64>(), 0..3).prop_map(Some)
        ],
        prop_oneof![
            any::<i32>().prop_map(f64::from),
            Just(0.1),
            Just(-0.0),
            Just(1e21),
            Just(5e-324)
        ],
    )
        .prop_map(|(a, m, fl)| {
            Value::Struct(vec![
                Value::Int(a),
                Value::Map(m.map(|m| {
                    m.into_iter()
                        .map(|(k, v)| (Value::string(k), Value::Uint(v)))
                        .collect()
                })),
                Value::Float(fl),
            ])
        });
    (
        go_bytes().prop_map(|b| Value::String(go_replace(&b).into_bytes())),
        any::<i32>(),
        opt_vec("[ -~]{0,4}"),
        prop_oneof![Just(None), (any::<i64>(), any::<i64>()).prop_map(Some)],
        opt_vec(item),
        opt_vec(any::<u8>()),
        any::<u64>(),
    )
        .prop_map(|(name, n, tags, sub, items, blob, q)| {
            Value::Struct(vec![
                name,
                Value::Int(i64::from(n)),
                Value::Slice(tags.map(|t| t.into_iter().map(Value::string).collect())),
                Value::Ptr(
                    sub.map(|(a, b)| Box::new(Value::Struct(vec![Value::Int(a), Value::Int(b)]))),
                ),
                Value::Slice(items),
                Value::Slice(
                    blob.map(|b| b.into_iter().map(|x| Value::Uint(u64::from(x))).collect()),
                ),
                Value::Uint(q),
            ])
        })
}

/// What a value looks like after a write/read cycle: `omitempty` drops
/// empty collections, so they come back nil; an empty `map` inside an item
/// likewise.
fn normalize_omitted(v: Value) -> Value {
    let Value::Struct(mut f) = v else { return v };
    for idx in [2, 5] {
        if matches!(&f[idx], Value::Slice(Some(x)) if x.is_empty()) {
            f[idx] = Value::Slice(None);
        }
    }
    if let Value::Slice(Some(items)) = &mut f[4] {
        for it in items {
            if let Value::Struct(fs) = it {
                if matches!(&fs[1], Value::Map(Some(m)) if m.is_empty()) {
                    fs[1] = Value::Map(None);
                }
            }
        }
    }
    Value::Struct(f)
}

fn any_target(which: usize) -> (TypeRef, Value) {
    match which {
        0 => (t_nested(), t_nested().zero()),
        1 => (t_t(), t_t().zero()),
        2 => (t_quoted(), t_quoted().zero()),
        3 => (t_mem(), t_mem().zero()),
        4 => (Type::new(TypeKind::Interface), Value::Interface(None)),
        _ => (t_embed_ptr(), t_embed_ptr().zero()),
    }
}

//! Properties of the spew renderer over generated Go types and values.

use kubelet_ckpt::go::fnv::{fnv32a, Fnv32a};
use kubelet_ckpt::go::sink::{CountSink, Tee};
use kubelet_ckpt::go::spew;
use kubelet_ckpt::go::{Field, IntBits, Type, TypeKind, TypeRef, Value};
use proptest::prelude::*;

// ---------- generated types and values ----------

fn scalar_type() -> impl Strategy<Value = TypeRef> {
    prop_oneof![
        Just(Type::new(TypeKind::String)),
        Just(Type::new(TypeKind::Int(IntBits::Size))),
        Just(Type::new(TypeKind::Int(IntBits::B8))),
        Just(Type::new(TypeKind::Uint(IntBits::B64))),
        Just(Type::new(TypeKind::Uintptr)),
        Just(Type::new(TypeKind::Bool)),
        Just(Type::new(TypeKind::Float64)),
        Just(Type::new(TypeKind::Float32)),
        Just(Type::new(TypeKind::Complex128)),
        Just(Type::named("main.Named", TypeKind::String)),
        Just(Type::new(TypeKind::Interface)),
    ]
}

/// Types usable as map keys (comparable), including SpewKeys kinds.
fn key_type() -> impl Strategy<Value = TypeRef> {
    prop_oneof![
        Just(Type::new(TypeKind::String)),
        Just(Type::new(TypeKind::Int(IntBits::B64))),
        Just(Type::new(TypeKind::Uint(IntBits::B8))),
        Just(Type::new(TypeKind::Bool)),
        Just(Type::new(TypeKind::Float64)),
        Just(Type::array(2, Type::new(TypeKind::Int(IntBits::Size)))),
        Just(Type::named(
            "main.K",
            TypeKind::Struct(vec![
                Field::new("A", Type::new(TypeKind::String), ""),
                Field::new("b", Type::new(TypeKind::Int(IntBits::Size)), ""),
            ])
        )),
        Just(Type::ptr(Type::new(TypeKind::Int(IntBits::Size)))),
        Just(Type::new(TypeKind::Interface)),
    ]
}

fn any_type() -> impl Strategy<Value = TypeRef> {
    scalar_type().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::ptr),
            inner.clone().prop_map(Type::slice),
            (0usize..3, inner.clone()).prop_map(|(n, e)| Type::array(n, e)),
            (key_type(), inner.clone()).prop_map(|(k, v)| Type::map(k, v)),
            (
                proptest::collection::vec(inner.clone(), 0..4),
                any::<bool>()
            )
                .prop_map(|(tys, named)| {
                    let fields = tys
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let name = if i % 2 == 0 {
                                format!("F{i}")
                            } else {
                                format!("f{i}")
                            };
                            Field::new(name, t, "")
                        })
                        .collect();
                    if named {
                        Type::named("main.S", TypeKind::Struct(fields))
                    } else {
                        Type::structure(fields)
                    }
                }),
        ]
    })
}

fn bytes_value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..6)
}

/// A value of type `t` (interfaces hold a scalar dynamic value or nil).
fn value_of(t: &TypeRef) -> BoxedStrategy<Value> {
    match &t.kind {
        TypeKind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        TypeKind::Int(IntBits::B8) => any::<i8>().prop_map(|x| Value::Int(x.into())).boxed(),
        TypeKind::Int(_) => any::<i64>().prop_map(Value::Int).boxed(),
        TypeKind::Uint(IntBits::B8) => any::<u8>().prop_map(|x| Value::Uint(x.into())).boxed(),
        TypeKind::Uint(_) | TypeKind::Uintptr => any::<u64>().prop_map(Value::Uint).boxed(),
        TypeKind::Float32 => any::<f32>().prop_map(|x| Value::Float(x.into())).boxed(),
        TypeKind::Float64 => any::<f64>().prop_map(Value::Float).boxed(),
        TypeKind::Complex64 | TypeKind::Complex128 => (any::<f64>(), any::<f64>())
            .prop_map(|(r, i)| Value::Complex(r, i))
            .boxed(),
        TypeKind::String => bytes_value().prop_map(Value::String).boxed(),
        TypeKind::Interface => prop_oneof![
            Just(Value::Interface(None)),
            any::<i64>().prop_map(|x| Value::Interface(Some(Box::new((
                Type::new(TypeKind::Int(IntBits::Size)),
                Value::Int(x)
            ))))),
            bytes_value().prop_map(|s| Value::Interface(Some(Box::new((
                Type::new(TypeKind::String),
                Value::String(s)
            ))))),
            Just(Value::Interface(Some(Box::new((
                Type::ptr(Type::new(TypeKind::Int(IntBits::Size))),
                Value::Ptr(None)
            ))))),
        ]
        .boxed(),
        TypeKind::Ptr(e) => prop_oneof![
            1 => Just(Value::Ptr(None)),
            3 => value_of(e).prop_map(|v| Value::Ptr(Some(Box::new(v)))),
        ]
        .boxed(),
        TypeKind::Slice(e) => prop_oneof![
            1 => Just(Value::Slice(None)),
            3 => proptest::collection::vec(value_of(e), 0..4).prop_map(|v| Value::Slice(Some(v))),
        ]
        .boxed(),
        TypeKind::Array(n, e) => proptest::collection::vec(value_of(e), *n)
            .prop_map(Value::Array)
            .boxed(),
        TypeKind::Map(k, v) => {
            let k = k.clone();
            prop_oneof![
                1 => Just(Value::Map(None)),
                3 => proptest::collection::vec((value_of(&k), value_of(v)), 0..5)
                    .prop_map(move |entries| Value::Map(Some(dedup_keys(&k, entries)))),
            ]
            .boxed()
        }
        TypeKind::Struct(fields) => {
            let parts: Vec<BoxedStrategy<Value>> = fields.iter().map(|f| value_of(&f.ty)).collect();
            parts.prop_map(Value::Struct).boxed()
        }
    }
}

/// Go map keys are unique; drop later duplicates (by rendered text, which
/// is injective enough for the key kinds generated here).
fn dedup_keys(kt: &TypeRef, entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (k, v) in entries {
        let text = spew::to_bytes(&k, kt);
        if !seen.contains(&text) {
            seen.push(text);
            out.push((k, v));
        }
    }
    out
}

fn typed_value() -> impl Strategy<Value = (TypeRef, Value)> {
    any_type().prop_flat_map(|t| {
        let v = value_of(&t);
        (Just(t), v)
    })
}

/// Has a map whose sort order is not reproducible in Go (NaN keys, keys
/// that tie under spew's comparison); shuffling those may change the text.
fn ambiguous_key_type(t: &Type) -> bool {
    match &t.kind {
        TypeKind::Map(k, v) => {
            // NaN keys; pointer keys with equal pointees (equal sort strings).
            matches!(k.kind, TypeKind::Float64 | TypeKind::Ptr(_)) || ambiguous_key_type(v)
        }
        TypeKind::Ptr(e) | TypeKind::Slice(e) | TypeKind::Array(_, e) => ambiguous_key_type(e),
        TypeKind::Struct(fs) => fs.iter().any(|f| ambiguous_key_type(&f.ty)),
        _ => false,
    }
}

/// Reverses the entry order of every map inside `v`.
fn reverse_maps(t: &Type, v: &Value) -> Value {
    match (&t.kind, v) {
        (TypeKind::Map(kt, vt), Value::Map(Some(entries))) => Value::Map(Some(
            entries
                .iter()
                .rev()
                .map(|(k, x)| (reverse_maps(kt, k), reverse_maps(vt, x)))
                .collect(),
        )),
        (TypeKind::Ptr(e), Value::Ptr(Some(x))) => Value::Ptr(Some(Box::new(reverse_maps(e, x)))),
        (TypeKind::Slice(e), Value::Slice(Some(xs))) => {
            Value::Slice(Some(xs.iter().map(|x| reverse_maps(e, x)).collect()))
        }
        (TypeKind::Array(_, e), Value::Array(xs)) => {
            Value::Array(xs.iter().map(|x| reverse_maps(e, x)).collect())
        }
        (TypeKind::Struct(fs), Value::Struct(xs)) => Value::Struct(
            fs.iter()
                .zip(xs)
                .map(|(f, x)| reverse_maps(&f.ty, x))
                .collect(),
        ),
        _ => v.clone(),
    }
}

// ---------- a small kubelet-like struct ----------

fn small_struct() -> TypeRef {
    Type::named(
        "state.Small",
        TypeKind::Struct(vec![
            Field::new("PolicyName", Type::new(TypeKind::String), ""),
            Field::new(
                "Entries",
                Type::map(Type::new(TypeKind::String), Type::new(TypeKind::String)),
                "",
            ),
            Field::new(
                "Checksum",
                Type::named("checksum.Checksum", TypeKind::Uint(IntBits::B64)),
                "",
            ),
        ]),
    )
}

fn small_value(name: &[u8], entries: Vec<(Vec<u8>, Vec<u8>)>) -> Value {
    Value::Struct(vec![
        Value::String(name.to_vec()),
        Value::Map(Some(
            entries
                .into_iter()
                .map(|(k, v)| (Value::String(k), Value::String(v)))
                .collect(),
        )),
        Value::Uint(0),
    ])
}

fn unique_entries() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    proptest::collection::btree_map(bytes_value(), bytes_value(), 0..8)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Streaming into the hasher hashes exactly the bytes `to_bytes` returns.
    #[test]
    fn streamed_fnv_equals_fnv_of_text((t, v) in typed_value()) {
        let text = spew::to_bytes(&v, &t);
        prop_assert_eq!(spew::fnv32a(&v, &t), fnv32a(&text));
        let mut tee = Tee(Fnv32a::new(), CountSink::default());
        spew::render(&v, &t, &mut tee);
        prop_assert_eq!(tee.0.finish(), fnv32a(&text));
        prop_assert_eq!(tee.1 .0, text.len());
    }

    /// Go map iteration order is random; spew's sorted output must not
    /// depend on it (for key kinds whose order is total).
    #[test]
    fn map_text_independent_of_entry_order((t, v) in typed_value()) {
        prop_assume!(!ambiguous_key_type(&t));
        let reversed = reverse_maps(&t, &v);
        prop_assert_eq!(spew::to_bytes(&v, &t), spew::to_bytes(&reversed, &t));
    }

    /// Same, for a kubelet-like string map, under arbitrary permutations.
    #[test]
    fn string_map_order_is_insertion_independent(
        entries in unique_entries(),
        seed in any::<u64>(),
    ) {
        let t = small_struct();
        let mut shuffled = entries.clone();
        // Deterministic Fisher-Yates driven by the generated seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let j = (s % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let a = small_value(b"static", entries);
        let b = small_value(b"static", shuffled);
        prop_assert_eq!(spew::to_bytes(&a, &t), spew::to_bytes(&b, &t));
        prop_assert_eq!(spew::fnv32a(&a, &t), spew::fnv32a(&b, &t));
    }

    /// The checksum covers string fields: changing `PolicyName` changes the
    /// text (same prefix and suffix around different bytes) and the hash.
    #[test]
    fn checksum_changes_with_string_field(
        a in bytes_value(),
        b in bytes_value(),
        entries in unique_entries(),
    ) {
        prop_assume!(a != b);
        let t = small_struct();
        let va = small_value(&a, entries.clone());
        let vb = small_value(&b, entries);
        prop_assert_ne!(spew::to_bytes(&va, &t), spew::to_bytes(&vb, &t));
        prop_assert_ne!(spew::fnv32a(&va, &t), spew::fnv32a(&vb, &t));
    }
}

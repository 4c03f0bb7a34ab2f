//! Generators of Go types and matching values for property tests and the
//! differential test against real go-spew.
#![allow(dead_code)]

use kubelet_ckpt::go::fnv::fnv32a;
use kubelet_ckpt::go::spew;
use kubelet_ckpt::go::{Field, IntBits, Type, TypeKind, TypeRef, Value};
use proptest::prelude::*;

// ---------- generated types and values ----------

pub fn scalar_type() -> impl Strategy<Value = TypeRef> {
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
pub fn key_type() -> impl Strategy<Value = TypeRef> {
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

pub fn any_type() -> impl Strategy<Value = TypeRef> {
    scalar_type().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::ptr),
            inner.clone().prop_map(Type::slice),
            (0usize..3, inner.clone()).prop_map(|(n, e)| Type::array(n, e)),
            (key_type(), inner.clone()).prop_map(|(k, v)| Type::map(k, v)),
            // Shapes that exercise spew's nil-pointer type leak (spec §5.1):
            // a container of pointers followed by more fields.
            (0usize..3, inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, e, a, b)| {
                let container = match c {
                    0 => Type::slice(Type::ptr(e)),
                    1 => Type::map(Type::new(TypeKind::String), Type::ptr(e)),
                    _ => Type::ptr(Type::ptr(e)),
                };
                Type::structure(vec![
                    Field::new("L", container, ""),
                    Field::new("A", a, ""),
                    Field::new("B", b, ""),
                ])
            }),
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
                    let anon = Type::structure(fields);
                    if named {
                        // One name per structure, so that a Go program can
                        // declare every named type of a case once.
                        let name = format!("main.S{:08x}", fnv32a(anon.go_string().as_bytes()));
                        Type::renamed(&anon, name)
                    } else {
                        anon
                    }
                }),
        ]
    })
}

pub fn bytes_value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..6)
}

/// A value of type `t` (interfaces hold a scalar dynamic value or nil).
pub fn value_of(t: &TypeRef) -> BoxedStrategy<Value> {
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
            2 => value_of(e).prop_map(|v| Value::Ptr(Some(Box::new(v)))),
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
pub fn dedup_keys(kt: &TypeRef, entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
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

pub fn typed_value() -> impl Strategy<Value = (TypeRef, Value)> {
    any_type().prop_flat_map(|t| {
        let v = value_of(&t);
        (Just(t), v)
    })
}

/// Has a map whose sort order is not reproducible in Go (NaN keys, keys
/// that tie under spew's comparison); shuffling those may change the text.
pub fn ambiguous_key_type(t: &Type) -> bool {
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

/// Any value tree, unrelated to any type (for robustness tests: shapes that
/// do not match the type must not panic the renderer).
pub fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<u64>().prop_map(Value::Uint),
        any::<f64>().prop_map(Value::Float),
        (any::<f64>(), any::<f64>()).prop_map(|(a, b)| Value::Complex(a, b)),
        bytes_value().prop_map(Value::String),
        Just(Value::Ptr(None)),
        Just(Value::Slice(None)),
        Just(Value::Map(None)),
        Just(Value::Interface(None)),
        Just(Value::Cycle),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|v| Value::Ptr(Some(Box::new(v)))),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| Value::Slice(Some(v))),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Struct),
            proptest::collection::vec((inner.clone(), inner.clone()), 0..4)
                .prop_map(|v| Value::Map(Some(v))),
            (any_type(), inner).prop_map(|(t, v)| Value::Interface(Some(Box::new((t, v))))),
        ]
    })
}

//! Properties of the spew renderer over generated Go types and values.

use crate::common;

use common::{ambiguous_key_type, any_type, any_value, bytes_value, typed_value};
use kubelet_ckpt::go::fnv::{fnv32a, Fnv32a};
use kubelet_ckpt::go::sink::{CountSink, Tee};
use kubelet_ckpt::go::spew;
use kubelet_ckpt::go::{Field, IntBits, Type, TypeKind, TypeRef, Value};
use proptest::prelude::*;

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

    /// Values whose shape does not match their type (never produced by the
    /// decoders) render without panicking, `<invalid>` marking the mismatch.
    #[test]
    fn mismatched_values_never_panic(t in any_type(), v in any_value()) {
        let text = spew::to_bytes(&v, &t);
        prop_assert_eq!(spew::fnv32a(&v, &t), fnv32a(&text));
        let mut out = Vec::new();
        spew::render_pointer_to(&v, &t, &mut out);
    }
}

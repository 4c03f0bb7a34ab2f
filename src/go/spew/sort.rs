//! go-spew's `sortValues` (common.go) for `SortKeys` + `SpewKeys`.
//!
//! Keys of "simple" kinds (bool, ints, uints, uintptr, floats, string,
//! arrays) compare with `valueSortLess`; all other kinds compare the
//! package-default spew rendering of each key (`SpewKeys`).
//!
//! Go sorts with `sort.Sort` (not stable) over keys in random map order, so
//! ties (equal sort strings, NaN keys) have no reproducible order in Go;
//! here ties keep the value's entry order. The sort is a hand-written merge
//! sort because spew's `less` is not a total order (NaN), which Rust's
//! `sort_by` may reject with a panic.

use super::format::{Panic, PANIC_UNEXPORTED};
use super::Methods;
use crate::go::model::{Type, TypeKind, Value};

/// The printing order of `entries` (a permutation of their indices).
///
/// `ro`: the map was read through an unexported field; the spew sorter then
/// hits reflect's `Interface()` panic wherever it calls it.
pub(super) fn sorted_order(
    kt: &Type,
    entries: &[(Value, Value)],
    ro: bool,
    methods: &dyn Methods,
) -> Result<Vec<usize>, Panic> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    if entries.is_empty() {
        return Ok(order);
    }
    let key = |i: usize| entries.get(i).map(|e| &e.0);
    if can_sort_simply(kt) {
        // valueSortLess calls Interface() on the first array elements as soon
        // as sort.Sort compares two keys (it does whenever there are two).
        if ro && entries.len() >= 2 {
            if let TypeKind::Array(n, _) = kt.kind {
                if n > 0 {
                    return Err(PANIC_UNEXPORTED);
                }
            }
        }
        // Integer and string keys are totally ordered: when they already
        // stand in strictly increasing order (a map built from a sorted
        // model, a cpuset's million ids), every sort leaves them so. The
        // check is linear where the sort is not.
        let total = matches!(
            kt.kind,
            TypeKind::Int(_) | TypeKind::Uint(_) | TypeKind::Uintptr | TypeKind::String
        );
        if total
            && entries
                .windows(2)
                .all(|w| value_sort_less(kt, &w[0].0, &w[1].0))
        {
            return Ok(order);
        }
        merge_sort(&mut order, |a, b| match (key(a), key(b)) {
            (Some(x), Some(y)) => value_sort_less(kt, x, y),
            _ => false,
        });
        return Ok(order);
    }
    // SpewKeys: `Sprintf("%#v", key.Interface())` for every key, up front.
    if ro {
        return Err(PANIC_UNEXPORTED);
    }
    let strings: Vec<Vec<u8>> = entries
        .iter()
        .map(|(k, _)| super::default_to_bytes(k, kt, methods))
        .collect();
    merge_sort(&mut order, |a, b| match (strings.get(a), strings.get(b)) {
        (Some(x), Some(y)) => x < y,
        _ => false,
    });
    Ok(order)
}

/// `canSortSimply`.
fn can_sort_simply(t: &Type) -> bool {
    matches!(
        t.kind,
        TypeKind::Bool
            | TypeKind::Int(_)
            | TypeKind::Uint(_)
            | TypeKind::Uintptr
            | TypeKind::Float32
            | TypeKind::Float64
            | TypeKind::String
            | TypeKind::Array(..)
    )
}

/// `valueSortLess`. Kinds without a rule fall back to Go's
/// `a.String() < b.String()`, which for non-string kinds compares two equal
/// `"<T Value>"` placeholders: false.
fn value_sort_less(t: &Type, a: &Value, b: &Value) -> bool {
    match (&t.kind, a, b) {
        (TypeKind::Bool, Value::Bool(x), Value::Bool(y)) => !*x && *y,
        (TypeKind::Int(_), Value::Int(x), Value::Int(y)) => x < y,
        (TypeKind::Uint(_) | TypeKind::Uintptr, Value::Uint(x), Value::Uint(y)) => x < y,
        (TypeKind::Float32 | TypeKind::Float64, Value::Float(x), Value::Float(y)) => x < y,
        (TypeKind::String, Value::String(x), Value::String(y)) => x < y,
        (TypeKind::Array(_, e), Value::Array(xs), Value::Array(ys)) => {
            for (x, y) in xs.iter().zip(ys) {
                if go_equal(e, x, y) {
                    continue;
                }
                return value_sort_less(e, x, y);
            }
            false
        }
        _ => false,
    }
}

/// Go's `==` on two values of type `t` boxed in interfaces
/// (`av.Interface() == bv.Interface()`).
///
/// Pointers: this model has no addresses; two non-nil pointers are taken to
/// be different allocations (what distinct map keys hold in practice).
fn go_equal(t: &Type, a: &Value, b: &Value) -> bool {
    match (&t.kind, a, b) {
        (TypeKind::Ptr(_), Value::Ptr(None), Value::Ptr(None)) => true,
        (TypeKind::Ptr(_), _, _) => false,
        (TypeKind::Array(_, e), Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| go_equal(e, x, y))
        }
        (TypeKind::Struct(fields), Value::Struct(xs), Value::Struct(ys)) => {
            xs.len() == ys.len()
                && fields
                    .iter()
                    .zip(xs.iter().zip(ys))
                    .all(|(f, (x, y))| go_equal(&f.ty, x, y))
        }
        (TypeKind::Interface, Value::Interface(x), Value::Interface(y)) => match (x, y) {
            (None, None) => true,
            (Some(x), Some(y)) => x.0.go_string() == y.0.go_string() && go_equal(&x.0, &x.1, &y.1),
            _ => false,
        },
        // Slices, maps: not comparable (cannot occur inside a map key).
        (TypeKind::Slice(_) | TypeKind::Map(..), _, _) => false,
        // Scalars: derived PartialEq is Go's == (floats: NaN != NaN, -0 == 0).
        _ => a == b,
    }
}

/// Stable bottom-up merge sort over indices with a strict "less" that need
/// not be a total order. Never panics: every index below is bounded by the
/// loop conditions (`i < mid <= n`, `j < end <= n`, `k < end`).
fn merge_sort(v: &mut Vec<usize>, less: impl Fn(usize, usize) -> bool) {
    let n = v.len();
    let mut buf = vec![0usize; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // Take from the right only when strictly less: stability.
                if less(v[j], v[i]) {
                    buf[k] = v[j];
                    j += 1;
                } else {
                    buf[k] = v[i];
                    i += 1;
                }
                k += 1;
            }
            while i < mid {
                buf[k] = v[i];
                i += 1;
                k += 1;
            }
            while j < end {
                buf[k] = v[j];
                j += 1;
                k += 1;
            }
            start = end;
        }
        std::mem::swap(v, &mut buf);
        width *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sort_is_stable_and_sorted() {
        let keys = [5, 3, 5, 1, 3, 9, 0, 1];
        let mut order: Vec<usize> = (0..keys.len()).collect();
        merge_sort(&mut order, |a, b| keys[a] < keys[b]);
        assert_eq!(order, vec![6, 3, 7, 1, 4, 0, 2, 5]);
    }

    /// Keys already in strictly increasing order keep it (the linear
    /// path); otherwise the sort runs: out of order, or equal neighbours
    /// (kept in input order, the merge sort being stable). Hand-derived.
    #[test]
    fn sorted_order_of_ints_and_strings() {
        use crate::go::model::IntBits;
        let int = Type::new(TypeKind::Int(IntBits::Size));
        let ints = |ks: &[i64]| -> Vec<(Value, Value)> {
            ks.iter()
                .map(|&k| (Value::Int(k), Value::Struct(Vec::new())))
                .collect()
        };
        let order = |t: &Type, e: &[(Value, Value)]| {
            sorted_order(t, e, false, &super::super::NoMethods).unwrap()
        };
        assert_eq!(order(&int, &ints(&[-3, 0, 7, 1 << 40])), vec![0, 1, 2, 3]);
        assert_eq!(order(&int, &ints(&[7, -3, 1 << 40, 0])), vec![1, 3, 0, 2]);
        assert_eq!(order(&int, &ints(&[1, 2, 2, 0])), vec![3, 0, 1, 2]);
        let string = Type::new(TypeKind::String);
        let strs = |ks: &[&str]| -> Vec<(Value, Value)> {
            ks.iter()
                .map(|k| (Value::string(k), Value::Struct(Vec::new())))
                .collect()
        };
        assert_eq!(
            order(&string, &strs(&["A", "a", "ab", "b"])),
            vec![0, 1, 2, 3]
        );
        assert_eq!(
            order(&string, &strs(&["b", "ab", "a", "A"])),
            vec![3, 2, 1, 0]
        );
    }

    #[test]
    fn merge_sort_survives_nan_like_less() {
        let keys = [f64::NAN, 1.0, f64::NAN, 0.0];
        let mut order: Vec<usize> = (0..keys.len()).collect();
        merge_sort(&mut order, |a, b| keys[a] < keys[b]);
        assert_eq!(order.len(), 4);
    }
}

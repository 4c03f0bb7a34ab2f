//! go-spew rendering of arbitrary Go types and values (built from the fuzz
//! input with `arbitrary`, bounded depth): never panics, and the streamed
//! FNV-32a (what the verify path computes) equals FNV-32a of the rendered
//! bytes (what `explain` shows).
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use kubelet_ckpt::go::fnv::fnv32a;
use kubelet_ckpt::go::model::{Field, IntBits, Type, TypeKind, TypeRef, Value};
use kubelet_ckpt::go::spew;
use libfuzzer_sys::fuzz_target;

/// Deepest type nesting generated.
const MAX_DEPTH: u32 = 5;
/// Most elements in one slice/map/struct.
const MAX_LEN: usize = 5;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Width {
    B8,
    B16,
    B32,
    B64,
    Size,
}

impl From<Width> for IntBits {
    fn from(w: Width) -> IntBits {
        match w {
            Width::B8 => IntBits::B8,
            Width::B16 => IntBits::B16,
            Width::B32 => IntBits::B32,
            Width::B64 => IntBits::B64,
            Width::Size => IntBits::Size,
        }
    }
}

/// The shape of one type node; children are generated recursively.
#[derive(Arbitrary, Debug)]
enum Shape {
    Bool,
    Int(Width),
    Uint(Width),
    Uintptr,
    Float32,
    Float64,
    Complex64,
    Complex128,
    String,
    Interface,
    Ptr,
    Slice,
    Array(u8),
    Map,
    Struct(u8),
    /// A defined type over the next shape (`type main.N0 ...`).
    Named(u8),
}

/// Names a generated type may carry, including the kubelet's.
const NAMES: [&str; 6] = [
    "main.T",
    "state.CPUManagerCheckpoint",
    "checksum.Checksum",
    "v1.ResourceName",
    "cpuset.CPUSet",
    "sets.Set[string]",
];

fn scalar(shape: &Shape) -> Option<TypeKind> {
    Some(match shape {
        Shape::Bool => TypeKind::Bool,
        Shape::Int(w) => TypeKind::Int((*w).into()),
        Shape::Uint(w) => TypeKind::Uint((*w).into()),
        Shape::Uintptr => TypeKind::Uintptr,
        Shape::Float32 => TypeKind::Float32,
        Shape::Float64 => TypeKind::Float64,
        Shape::Complex64 => TypeKind::Complex64,
        Shape::Complex128 => TypeKind::Complex128,
        Shape::String => TypeKind::String,
        Shape::Interface => TypeKind::Interface,
        _ => return None,
    })
}

/// A comparable key type: a scalar, possibly named.
fn key_type(u: &mut Unstructured<'_>) -> Result<TypeRef> {
    let kind = match u.int_in_range(0..=5)? {
        0 => TypeKind::String,
        1 => TypeKind::Int(Width::arbitrary(u)?.into()),
        2 => TypeKind::Uint(Width::arbitrary(u)?.into()),
        3 => TypeKind::Bool,
        4 => TypeKind::Float64,
        _ => TypeKind::Interface,
    };
    Ok(if u.arbitrary()? {
        Type::named(*u.choose(&NAMES)?, kind)
    } else {
        Type::new(kind)
    })
}

fn gen_type(u: &mut Unstructured<'_>, depth: u32) -> Result<TypeRef> {
    let shape = Shape::arbitrary(u)?;
    if let Some(kind) = scalar(&shape) {
        return Ok(Type::new(kind));
    }
    if depth >= MAX_DEPTH {
        return Ok(Type::new(TypeKind::String));
    }
    let d = depth + 1;
    Ok(match shape {
        Shape::Ptr => Type::ptr(gen_type(u, d)?),
        Shape::Slice => Type::slice(gen_type(u, d)?),
        Shape::Array(n) => Type::array(usize::from(n) % 4, gen_type(u, d)?),
        Shape::Map => Type::map(key_type(u)?, gen_type(u, d)?),
        Shape::Struct(n) => {
            let mut fields = Vec::new();
            for i in 0..usize::from(n) % MAX_LEN {
                let name = if u.arbitrary()? {
                    format!("F{i}")
                } else {
                    format!("f{i}")
                };
                fields.push(Field::new(name, gen_type(u, d)?, ""));
            }
            if u.arbitrary()? {
                Type::named(*u.choose(&NAMES)?, TypeKind::Struct(fields))
            } else {
                Type::structure(fields)
            }
        }
        Shape::Named(i) => {
            let under = gen_type(u, d)?;
            Type::defined(NAMES[usize::from(i) % NAMES.len()], &under)
        }
        _ => Type::new(TypeKind::String),
    })
}

fn gen_len(u: &mut Unstructured<'_>) -> Result<usize> {
    u.int_in_range(0..=MAX_LEN)
}

/// A value of type `t`; interfaces get a dynamic type from the input too.
fn gen_value(u: &mut Unstructured<'_>, t: &Type, depth: u32) -> Result<Value> {
    Ok(match &t.kind {
        TypeKind::Bool => Value::Bool(u.arbitrary()?),
        TypeKind::Int(b) => Value::Int(match b {
            IntBits::B8 => i64::from(i8::arbitrary(u)?),
            IntBits::B16 => i64::from(i16::arbitrary(u)?),
            IntBits::B32 => i64::from(i32::arbitrary(u)?),
            IntBits::B64 | IntBits::Size => i64::arbitrary(u)?,
        }),
        TypeKind::Uint(b) => Value::Uint(match b {
            IntBits::B8 => u64::from(u8::arbitrary(u)?),
            IntBits::B16 => u64::from(u16::arbitrary(u)?),
            IntBits::B32 => u64::from(u32::arbitrary(u)?),
            IntBits::B64 | IntBits::Size => u64::arbitrary(u)?,
        }),
        TypeKind::Uintptr => Value::Uint(u.arbitrary()?),
        // float32 values are held exactly as f64.
        TypeKind::Float32 => Value::Float(f64::from(f32::arbitrary(u)?)),
        TypeKind::Float64 => Value::Float(u.arbitrary()?),
        TypeKind::Complex64 => {
            Value::Complex(f64::from(f32::arbitrary(u)?), f64::from(f32::arbitrary(u)?))
        }
        TypeKind::Complex128 => Value::Complex(u.arbitrary()?, u.arbitrary()?),
        // Go strings are bytes: invalid UTF-8 included.
        TypeKind::String => Value::String(<Vec<u8>>::arbitrary(u)?),
        TypeKind::Ptr(e) => match u.int_in_range(0..=7)? {
            0 => Value::Ptr(None),
            // go-spew's `<shown>` for a pointer cycle.
            1 => Value::Cycle,
            _ => Value::Ptr(Some(Box::new(gen_value(u, e, depth + 1)?))),
        },
        TypeKind::Slice(e) => {
            if u.ratio(1, 5)? {
                Value::Slice(None)
            } else {
                let n = gen_len(u)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(gen_value(u, e, depth + 1)?);
                }
                Value::Slice(Some(v))
            }
        }
        TypeKind::Array(n, e) => {
            let mut v = Vec::with_capacity(*n);
            for _ in 0..*n {
                v.push(gen_value(u, e, depth + 1)?);
            }
            Value::Array(v)
        }
        TypeKind::Map(k, e) => {
            if u.ratio(1, 5)? {
                Value::Map(None)
            } else {
                let n = gen_len(u)?;
                let mut entries: Vec<(Value, Value)> = Vec::with_capacity(n);
                for _ in 0..n {
                    let key = gen_value(u, k, depth + 1)?;
                    // Map keys are unique (NaN keys aside, which Go allows
                    // repeatedly; keep them unique here too).
                    if entries.iter().any(|(x, _)| x == &key) {
                        continue;
                    }
                    entries.push((key, gen_value(u, e, depth + 1)?));
                }
                Value::Map(Some(entries))
            }
        }
        TypeKind::Struct(fields) => {
            let mut v = Vec::with_capacity(fields.len());
            for f in fields {
                v.push(gen_value(u, &f.ty, depth + 1)?);
            }
            Value::Struct(v)
        }
        TypeKind::Interface => {
            if depth >= MAX_DEPTH || u.ratio(1, 4)? {
                Value::Interface(None)
            } else {
                let dt = gen_type(u, depth + 1)?;
                let dv = gen_value(u, &dt, depth + 1)?;
                Value::Interface(Some(Box::new((dt, dv))))
            }
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(t) = gen_type(&mut u, 0) else { return };
    let Ok(v) = gen_value(&mut u, &t, 0) else {
        return;
    };
    let text = spew::to_bytes(&v, &t);
    assert_eq!(
        spew::fnv32a(&v, &t),
        fnv32a(&text),
        "streamed hash differs from the hash of the text for {}",
        t.go_string()
    );
    // The pointer form the kubelet hashes (`(*T){...}`) streams the same way.
    let mut ptr_text = Vec::new();
    spew::render_pointer_to(&v, &t, &mut ptr_text);
    assert_eq!(spew::fnv32a_pointer_to(&v, &t), fnv32a(&ptr_text));
});

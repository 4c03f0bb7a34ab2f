//! Typed Rust models of Go types: declare a Go struct once, get its
//! [`Type`] descriptor and the conversions to and from [`Value`].
//!
//! Every checkpoint shape is declared with [`go_struct!`](crate::go_struct)
//! (and named scalar/map types with [`go_named!`](crate::go_named)). From
//! that one declaration the JSON writer, the JSON reader (with Go's merge
//! semantics) and the spew renderer all work, because they operate on the
//! descriptor and the value tree.
//!
//! Mapping of Rust types to Go types:
//!
//! | Rust | Go |
//! | --- | --- |
//! | `bool`, `String` | `bool`, `string` |
//! | `i8`..`i64`, `u8`..`u64` | `int8`..`int64`, `uint8`..`uint64` |
//! | `isize` / `usize` | `int` / `uint` (64-bit, as on every kubelet platform) |
//! | `()` | `struct {}` |
//! | `Option<Box<T>>` | `*T` (`None` = nil) |
//! | `Option<Vec<T>>` / `Vec<T>` | `[]T`; only the `Option` form keeps nil apart from empty |
//! | `Option<BTreeMap<K, V>>` / `BTreeMap<K, V>` | `map[K]V`; likewise |
//! | `Bytes` | `[]byte` (nil kept apart from empty) |
//!
//! Use the non-`Option` collection forms only where the kubelet can never
//! hold a nil there: converting a nil back yields an empty collection.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::model::{IntBits, Type, TypeKind, TypeRef, Value};

/// A Rust type that models one Go type.
pub trait GoType: Sized {
    /// The Go type descriptor (built once, then shared).
    fn go_type() -> TypeRef;
    /// The Go value this Rust value stands for.
    fn to_go(&self) -> Value;
    /// Reads a value of [`Self::go_type`]. Values of another shape cannot be
    /// produced by this crate's decoder; if one is passed anyway, the zero
    /// value is returned rather than panicking.
    fn from_go(v: &Value) -> Self;
}

/// Caches a descriptor in a `static` `OnceLock` (used by the macros).
pub fn cached(cell: &'static OnceLock<TypeRef>, init: impl FnOnce() -> TypeRef) -> TypeRef {
    Arc::clone(cell.get_or_init(init))
}

macro_rules! scalar {
    ($rust:ty, $kind:expr, $variant:ident, $to:expr, $from:expr) => {
        impl GoType for $rust {
            fn go_type() -> TypeRef {
                static T: OnceLock<TypeRef> = OnceLock::new();
                cached(&T, || Type::new($kind))
            }
            fn to_go(&self) -> Value {
                #[allow(clippy::redundant_closure_call)]
                Value::$variant(($to)(*self))
            }
            fn from_go(v: &Value) -> Self {
                match v {
                    #[allow(clippy::redundant_closure_call)]
                    Value::$variant(x) => ($from)(*x),
                    _ => Self::default(),
                }
            }
        }
    };
}

// Integer conversions: values decoded by the JSON reader are range-checked
// for the Go kind, so the `as` casts below are exact for them; for
// hand-built out-of-range values they wrap like a Go conversion would.
scalar!(bool, TypeKind::Bool, Bool, |x| x, |x| x);
scalar!(i8, TypeKind::Int(IntBits::B8), Int, i64::from, |x: i64| x
    as i8);
scalar!(
    i16,
    TypeKind::Int(IntBits::B16),
    Int,
    i64::from,
    |x: i64| x as i16
);
scalar!(
    i32,
    TypeKind::Int(IntBits::B32),
    Int,
    i64::from,
    |x: i64| x as i32
);
scalar!(i64, TypeKind::Int(IntBits::B64), Int, |x| x, |x| x);
scalar!(
    isize,
    TypeKind::Int(IntBits::Size),
    Int,
    |x: isize| x as i64,
    |x: i64| x as isize
);
scalar!(
    u8,
    TypeKind::Uint(IntBits::B8),
    Uint,
    u64::from,
    |x: u64| x as u8
);
scalar!(
    u16,
    TypeKind::Uint(IntBits::B16),
    Uint,
    u64::from,
    |x: u64| x as u16
);
scalar!(
    u32,
    TypeKind::Uint(IntBits::B32),
    Uint,
    u64::from,
    |x: u64| x as u32
);
scalar!(u64, TypeKind::Uint(IntBits::B64), Uint, |x| x, |x| x);
scalar!(
    usize,
    TypeKind::Uint(IntBits::Size),
    Uint,
    |x: usize| x as u64,
    |x: u64| x as usize
);

impl GoType for String {
    fn go_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached(&T, || Type::new(TypeKind::String))
    }
    fn to_go(&self) -> Value {
        Value::String(self.as_bytes().to_vec())
    }
    fn from_go(v: &Value) -> Self {
        match v {
            // Strings decoded from JSON are always valid UTF-8 (Go replaces
            // invalid bytes with U+FFFD), so this is lossless for them.
            // `from_utf8` first: its ASCII fast path is several times
            // quicker than the lossy iterator on the (usual) valid input.
            Value::String(b) => match std::str::from_utf8(b) {
                Ok(s) => s.to_owned(),
                Err(_) => String::from_utf8_lossy(b).into_owned(),
            },
            _ => String::new(),
        }
    }
}

/// `struct {}`.
impl GoType for () {
    fn go_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached(&T, || Type::structure(Vec::new()))
    }
    fn to_go(&self) -> Value {
        Value::Struct(Vec::new())
    }
    fn from_go(_: &Value) -> Self {}
}

/// Go `[]byte`: base64 in JSON, a decimal list in spew. `None` is nil.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Option<Vec<u8>>);

impl GoType for Bytes {
    fn go_type() -> TypeRef {
        static T: OnceLock<TypeRef> = OnceLock::new();
        cached(&T, || Type::slice(u8::go_type()))
    }
    fn to_go(&self) -> Value {
        Value::Slice(
            self.0
                .as_ref()
                .map(|b| b.iter().map(|&x| Value::Uint(u64::from(x))).collect()),
        )
    }
    fn from_go(v: &Value) -> Self {
        match v {
            Value::Slice(s) => Bytes(s.as_ref().map(|s| s.iter().map(u8::from_go).collect())),
            _ => Bytes(None),
        }
    }
}

// Generic collections build a fresh descriptor per call; the declaring
// struct caches its whole descriptor, so this runs once per shape.

impl<T: GoType> GoType for Option<Box<T>> {
    fn go_type() -> TypeRef {
        Type::ptr(T::go_type())
    }
    fn to_go(&self) -> Value {
        Value::Ptr(self.as_ref().map(|b| Box::new(b.to_go())))
    }
    fn from_go(v: &Value) -> Self {
        match v {
            Value::Ptr(Some(p)) => Some(Box::new(T::from_go(p))),
            _ => None,
        }
    }
}

impl<T: GoType> GoType for Option<Vec<T>> {
    fn go_type() -> TypeRef {
        Type::slice(T::go_type())
    }
    fn to_go(&self) -> Value {
        Value::Slice(self.as_ref().map(|v| v.iter().map(T::to_go).collect()))
    }
    fn from_go(v: &Value) -> Self {
        match v {
            Value::Slice(Some(s)) => Some(s.iter().map(T::from_go).collect()),
            _ => None,
        }
    }
}

impl<T: GoType> GoType for Vec<T> {
    fn go_type() -> TypeRef {
        Type::slice(T::go_type())
    }
    fn to_go(&self) -> Value {
        Value::Slice(Some(self.iter().map(T::to_go).collect()))
    }
    fn from_go(v: &Value) -> Self {
        Option::<Vec<T>>::from_go(v).unwrap_or_default()
    }
}

impl<K: GoType + Ord, V: GoType> GoType for Option<BTreeMap<K, V>> {
    fn go_type() -> TypeRef {
        Type::map(K::go_type(), V::go_type())
    }
    fn to_go(&self) -> Value {
        Value::Map(
            self.as_ref()
                .map(|m| m.iter().map(|(k, v)| (k.to_go(), v.to_go())).collect()),
        )
    }
    fn from_go(v: &Value) -> Self {
        match v {
            Value::Map(Some(entries)) => Some(
                entries
                    .iter()
                    .map(|(k, v)| (K::from_go(k), V::from_go(v)))
                    .collect(),
            ),
            _ => None,
        }
    }
}

impl<K: GoType + Ord, V: GoType> GoType for BTreeMap<K, V> {
    fn go_type() -> TypeRef {
        Type::map(K::go_type(), V::go_type())
    }
    fn to_go(&self) -> Value {
        Value::Map(Some(
            self.iter().map(|(k, v)| (k.to_go(), v.to_go())).collect(),
        ))
    }
    fn from_go(v: &Value) -> Self {
        Option::<BTreeMap<K, V>>::from_go(v).unwrap_or_default()
    }
}

/// Declares a Go struct type once: the Rust struct, its Go descriptor
/// (package-qualified name, field names, field order, struct tags) and the
/// conversions to and from [`Value`].
///
/// ```
/// use std::collections::BTreeMap;
/// kubelet_ckpt::go_struct! {
///     /// `state.CPUManagerCheckpointV2` as 1.18 names it.
///     pub struct CpuV2 = "state.CPUManagerCheckpoint" {
///         pub policy_name: String => PolicyName json "policyName",
///         pub entries: Option<BTreeMap<String, String>> => Entries json "entries,omitempty",
///     }
/// }
/// ```
///
/// `json "..."` is the value of the field's `json:"..."` tag; `tag "..."`
/// gives a whole raw Go struct tag instead (for tags with other keys). A
/// field may be marked `[embedded]` (Go anonymous field) and may override its
/// Go type with `as EXPR` (an expression giving a [`TypeRef`]) when one Rust
/// type stands for several Go types. The struct
/// name may be followed by `json_with PATH` (a path to a `const` [`CustomJson`](super::model::CustomJson))
/// when the Go type has its own JSON methods.
#[macro_export]
macro_rules! go_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident = $goname:literal $(json_with $custom:path)? {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $fty:ty => $gofield:ident $(json $json:literal)? $(tag $tag:literal)? $([$embedded:ident])? $(as $gotype:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $fty, )*
        }

        impl $crate::go::reflect::GoType for $name {
            fn go_type() -> $crate::go::model::TypeRef {
                static T: ::std::sync::OnceLock<$crate::go::model::TypeRef> = ::std::sync::OnceLock::new();
                $crate::go::reflect::cached(&T, || {
                    #[allow(unused_mut)]
                    let mut t = $crate::go::model::Type::named(
                        $goname,
                        $crate::go::model::TypeKind::Struct(vec![
                            $(
                                $crate::go::model::Field {
                                    name: stringify!($gofield).to_string(),
                                    ty: $crate::go_struct!(@ty $fty $(, $gotype)?),
                                    tag: $crate::go_struct!(@tag $(json $json)? $(tag $tag)?),
                                    embedded: $crate::go_struct!(@embedded $($embedded)?),
                                }
                            ),*
                        ]),
                    );
                    $( t = $crate::go::model::Type::with_custom_json(t, $custom); )?
                    t
                })
            }

            fn to_go(&self) -> $crate::go::model::Value {
                $crate::go::model::Value::Struct(vec![
                    $( $crate::go::reflect::GoType::to_go(&self.$field) ),*
                ])
            }

            #[allow(unused_variables, unused_mut)]
            fn from_go(v: &$crate::go::model::Value) -> Self {
                let empty = ::std::vec::Vec::new();
                let fields = match v {
                    $crate::go::model::Value::Struct(f) => f,
                    _ => &empty,
                };
                let mut it = fields.iter();
                $name {
                    $(
                        $field: match it.next() {
                            Some(x) => <$fty as $crate::go::reflect::GoType>::from_go(x),
                            None => ::std::default::Default::default(),
                        },
                    )*
                }
            }
        }
    };
    (@ty $fty:ty) => { <$fty as $crate::go::reflect::GoType>::go_type() };
    (@ty $fty:ty, $gotype:expr) => { $gotype };
    (@tag) => { ::std::string::String::new() };
    (@tag json $json:literal) => { ::std::format!("json:\"{}\"", $json) };
    (@tag tag $tag:literal) => { ::std::string::String::from($tag) };
    (@embedded) => { false };
    (@embedded embedded) => { true };
}

/// Declares a Go defined type over another type (`type Checksum uint64`,
/// `type NUMANodeMap map[int]*NUMANodeState`, `sets.Set[string]`): a Rust
/// newtype whose descriptor carries the Go name.
///
/// ```
/// kubelet_ckpt::go_named! {
///     /// `checksum.Checksum`.
///     pub struct Checksum(pub u64) = "checksum.Checksum";
/// }
/// ```
#[macro_export]
macro_rules! go_named {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($ivis:vis $inner:ty) = $goname:literal $(json_with $custom:path)?;
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        $vis struct $name($ivis $inner);

        impl $crate::go::reflect::GoType for $name {
            fn go_type() -> $crate::go::model::TypeRef {
                static T: ::std::sync::OnceLock<$crate::go::model::TypeRef> = ::std::sync::OnceLock::new();
                $crate::go::reflect::cached(&T, || {
                    #[allow(unused_mut)]
                    let mut t = $crate::go::model::Type::defined(
                        $goname,
                        &<$inner as $crate::go::reflect::GoType>::go_type(),
                    );
                    $( t = $crate::go::model::Type::with_custom_json(t, $custom); )?
                    t
                })
            }
            fn to_go(&self) -> $crate::go::model::Value {
                $crate::go::reflect::GoType::to_go(&self.0)
            }
            fn from_go(v: &$crate::go::model::Value) -> Self {
                $name(<$inner as $crate::go::reflect::GoType>::from_go(v))
            }
        }
    };
}

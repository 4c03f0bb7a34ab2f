//! The `encoding/json` types checkpoints and tests need, as model types:
//! `json.RawMessage`, `json.Number`, and a stand-in for Go kinds the model
//! has no variant for (`chan`, `func`).

use std::sync::OnceLock;

use crate::go::model::{CustomJson, IntBits, Type, TypeKind, TypeRef, Value};

/// Error text a [`CustomJson`] function returns to say "this Go type is not
/// supported by encoding/json at all" (a channel or a function). The writer
/// turns it into `json: unsupported type: T`, the reader into the
/// `UnmarshalTypeError` Go reports. It starts with NUL so that no real
/// marshaler's error text can collide with it.
pub const UNSUPPORTED_TYPE_MARKER: &str = "\0encoding/json: unsupported type";

fn unsupported_marshal(_: &Value) -> Result<Vec<u8>, String> {
    Err(UNSUPPORTED_TYPE_MARKER.to_string())
}

fn unsupported_unmarshal(_: &[u8], _: &mut Value) -> Result<(), String> {
    Err(UNSUPPORTED_TYPE_MARKER.to_string())
}

/// Custom JSON behaviour of a type `encoding/json` refuses (see
/// [`UNSUPPORTED_TYPE_MARKER`]).
pub const UNSUPPORTED: CustomJson = CustomJson {
    marshal: unsupported_marshal,
    unmarshal: unsupported_unmarshal,
};

/// A Go type the model cannot express and `encoding/json` does not support,
/// named as `reflect` prints it (`chan int`, `func()`). Its values are
/// `Value::Struct(vec![])` placeholders (Go: a nil channel or function).
pub fn unsupported_type(go_name: &str) -> TypeRef {
    Type::with_custom_json(
        Type::named(go_name, TypeKind::Struct(Vec::new())),
        UNSUPPORTED,
    )
}

/// Is `t` Go's `json.Number` (a string type the encoder and decoder treat
/// as a number literal)?
pub fn is_number_type(t: &Type) -> bool {
    matches!(t.kind, TypeKind::String) && t.name.as_deref() == Some("json.Number")
}

/// `json.Number`.
pub fn number_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    TypeRef::clone(T.get_or_init(|| Type::named("json.Number", TypeKind::String)))
}

/// The bytes of a `[]byte`-shaped value (`Value::Slice` of `Value::Uint`).
/// `None` for nil or for a value of another shape.
pub fn value_to_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Slice(Some(items)) => items
            .iter()
            .map(|x| match x {
                Value::Uint(u) => u8::try_from(*u).ok(),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// A non-nil `[]byte` value holding `b`.
pub fn bytes_to_value(b: &[u8]) -> Value {
    Value::Slice(Some(b.iter().map(|&x| Value::Uint(u64::from(x))).collect()))
}

fn raw_marshal(v: &Value) -> Result<Vec<u8>, String> {
    match v {
        Value::Slice(None) => Ok(b"null".to_vec()),
        other => Ok(value_to_bytes(other).unwrap_or_default()),
    }
}

fn raw_unmarshal(data: &[u8], v: &mut Value) -> Result<(), String> {
    *v = bytes_to_value(data);
    Ok(())
}

/// `json.RawMessage` (`[]byte` with `MarshalJSON` returning itself, `null`
/// when nil, and `UnmarshalJSON` keeping the exact value bytes).
pub const RAW_MESSAGE: CustomJson = CustomJson {
    marshal: raw_marshal,
    unmarshal: raw_unmarshal,
};

/// `json.RawMessage`.
pub fn raw_message_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    TypeRef::clone(T.get_or_init(|| {
        Type::with_custom_json(
            Type::named(
                "json.RawMessage",
                TypeKind::Slice(Type::new(TypeKind::Uint(IntBits::B8))),
            ),
            RAW_MESSAGE,
        )
    }))
}

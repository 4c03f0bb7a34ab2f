//! Go `encoding/json`, byte-exact: [`marshal`] equals `json.Marshal`,
//! [`unmarshal`] has `json.Unmarshal`'s acceptance, merge semantics and
//! error texts (spec: `go-json.md`; reference: Go 1.19's encoding/json,
//! which the port follows function by function).
//!
//! Layout: [`scanner`] (Go's syntax state machine and its error texts),
//! `fields` (struct field visibility and naming), `encode` (writer),
//! `decode` (reader), `unquote` (string literals), `quote` (Go quoting and
//! case folding for messages and key matching), `strconv` (Go's number
//! parsers), `keyindex` (O(1) map-entry lookup), `base64`, and [`types`]
//! (`json.RawMessage`, `json.Number`, unsupported kinds). Float *output*
//! comes from the shared [`crate::go::float`].
//!
//! Go semantics the model cannot carry, and what happens instead:
//!
//! * Slice capacity: Go reuses elements *beyond* a slice's length but
//!   within its capacity when decoding into it; `Value::Slice` has no
//!   capacity, so such hidden elements start as zero values.
//! * Methods: [`CustomJson`](super::model::CustomJson) on a type means
//!   "has `MarshalJSON` (value receiver) and `UnmarshalJSON`"; methods
//!   promoted from embedded fields, `encoding.TextMarshaler` map keys and
//!   named pointer types with methods are not modelled. Named interface
//!   types are treated as having methods (Go refuses to fill them).
//! * Kinds without a model variant (`chan`, `func`): [`unsupported_type`].

mod base64;
mod decode;
mod encode;
mod fields;
mod keyindex;
mod quote;
pub mod scanner;
mod strconv;
mod tables;
pub mod types;
mod unquote;

pub use encode::{is_valid_number, MarshalOptions};
pub use fields::{type_fields, FieldInfo, StructFields};
pub use quote::{equal_fold, go_quote};
pub use scanner::{check_valid, compact, with_validated, SyntaxError, MAX_NESTING_DEPTH};
pub use types::{
    bytes_to_value, number_type, raw_message_type, unsupported_type, value_to_bytes, RAW_MESSAGE,
    UNSUPPORTED, UNSUPPORTED_TYPE_MARKER,
};
pub use unquote::unquote_bytes;

use super::model::{Type, TypeRef, Value};

/// A `json.Marshal` failure (`json: unsupported type: ...`, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MarshalError {
    /// Go's error text.
    pub message: String,
}

/// A `json.Unmarshal` failure. `Display` is Go's `err.Error()` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnmarshalError {
    /// Go's error text, verbatim.
    pub message: String,
    /// Byte offset in the input where the problem was found (Go's
    /// `SyntaxError.Offset` / `UnmarshalTypeError.Offset` where Go has one).
    pub offset: usize,
    /// Whether the input was rejected before decoding (syntax error: the
    /// target is untouched) or during it (type error: Go keeps going and the
    /// target holds everything else that decoded).
    pub syntax: bool,
}

/// `json.Marshal(v)` for a value of type `t`.
pub fn marshal(v: &Value, t: &Type) -> Result<Vec<u8>, MarshalError> {
    marshal_with(v, t, &MarshalOptions::default())
}

/// `json.Marshal` with explicit options (Go version behaviour, HTML escaping).
pub fn marshal_with(v: &Value, t: &Type, opts: &MarshalOptions) -> Result<Vec<u8>, MarshalError> {
    let t: TypeRef = std::sync::Arc::new(t.clone());
    let mut e = encode::Encoder::new(*opts);
    e.encode(v, &t, false)?;
    Ok(e.out)
}

/// `json.Unmarshal(input, &target)` where `target` already holds a value of
/// type `t` (pre-filled like the kubelet's `New...` constructors).
pub fn unmarshal(input: &[u8], t: &Type, target: &mut Value) -> Result<(), UnmarshalError> {
    let t: TypeRef = std::sync::Arc::new(t.clone());
    decode::unmarshal(input, &t, target)
}

/// Go's string escaping as `json.Marshal` does it (HTML-safe, Go 1.19
/// control escapes, `\ufffd` per invalid UTF-8 byte), appended to `out`.
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    encode::write_string_with(out, s, &MarshalOptions::default());
}

/// [`write_string`] with explicit options.
pub fn write_string_with(out: &mut Vec<u8>, s: &[u8], opts: &MarshalOptions) {
    encode::write_string_with(out, s, opts);
}

/// Parses `raw`, the bytes of one JSON value, as a JSON string literal (for
/// custom `UnmarshalJSON` implementations that expect a string, e.g. a
/// cpuset `"0-3"`). Surrounding whitespace is allowed, as `json.Unmarshal`
/// into a `string` allows it. Errors carry Go's texts: a syntax error, or
/// `json: cannot unmarshal number into Go value of type string` for another
/// kind of value. `null` gives `Ok(None)` (Go: a no-op for strings).
pub fn parse_string_literal(raw: &[u8]) -> Result<Option<Vec<u8>>, UnmarshalError> {
    let mut v = Value::String(Vec::new());
    let t = Type::new(super::model::TypeKind::String);
    if raw
        .iter()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        == Some(&b'n')
        && check_valid(raw).is_ok()
    {
        return Ok(None);
    }
    decode::unmarshal(raw, &t, &mut v)?;
    match v {
        Value::String(s) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// Drops a value of any depth without recursion.
///
/// `Value`'s drop glue recurses once per nesting level; a 10000-deep
/// `interface{}` value (which [`unmarshal`] accepts, as Go does) would
/// overflow a 2 MiB thread stack when dropped normally. Checkpoint types
/// bound the depth of what they decode, so only `interface{}` targets need
/// this.
pub fn drop_deep(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Ptr(Some(b)) => stack.push(*b),
            Value::Slice(Some(items)) | Value::Array(items) | Value::Struct(items) => {
                stack.extend(items);
            }
            Value::Map(Some(entries)) => {
                for (k, x) in entries {
                    stack.push(k);
                    stack.push(x);
                }
            }
            Value::Interface(Some(b)) => stack.push(b.1),
            _ => {}
        }
    }
}

/// The top-level object keys of `input` that `json.Unmarshal` into struct
/// type `t` would silently ignore: keys matching no JSON-visible field,
/// neither exactly nor under Go's case folding. Empty when `input` is not a
/// JSON object or `t` not a struct. `input` should be valid JSON (callers
/// ask after it decoded); it is not checked again.
///
/// The kubelet never reports these; a payload written by another shape of
/// the same file (e.g. `allocationEntries` read by a reader that expects
/// `entries`) then loads as empty state, and this is how we say so.
pub fn ignored_keys(input: &[u8], t: &TypeRef) -> Vec<String> {
    if !matches!(t.kind, super::model::TypeKind::Struct(_)) {
        return Vec::new();
    }
    // What `json.Unmarshal` into `map[string]json.RawMessage` would hold as
    // keys, read with one linear scan of the (valid) text instead of
    // copying every member's raw value.
    let Some(keys) = top_level_keys(input) else {
        return Vec::new();
    };
    let fields = type_fields(t);
    let mut out: Vec<String> = keys
        .iter()
        .filter(|k| {
            !fields
                .list
                .iter()
                .any(|f| f.name.as_bytes() == k.as_ref() || equal_fold(f.name.as_bytes(), k))
        })
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The unquoted keys of the top-level object of `input`, in document
/// order (duplicates kept); `None` unless the top level is an object (or
/// `null`, which gives no keys, as Go's map unmarshal does). The callers
/// pass text that has just decoded, so it is not validated again; other
/// text gives some list of strings, never a panic.
fn top_level_keys(input: &[u8]) -> Option<Vec<std::borrow::Cow<'_, [u8]>>> {
    let mut i = input
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))?;
    match input.get(i) {
        Some(b'{') => {}
        Some(b'n') => return Some(Vec::new()),
        _ => return None,
    }
    let mut keys = Vec::new();
    let mut depth = 0usize;
    // After `{` or `,` at depth 1 the next string is a key.
    let mut key_next = false;
    while let Some(&c) = input.get(i) {
        match c {
            b'{' | b'[' => {
                depth += 1;
                key_next = depth == 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => key_next = depth == 1,
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&d) = input.get(i) {
                    match d {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if key_next {
                    let lit = input.get(start..=i)?;
                    keys.push(unquote_bytes(lit)?);
                    key_next = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Some(keys)
}

#[cfg(test)]
mod ignored_keys_tests {
    use super::*;
    use crate::go::model::Field;

    #[test]
    fn unknown_keys_are_listed_and_folded_keys_are_not() {
        let t = Type::structure(vec![Field::new(
            "Entries",
            <String as crate::go::reflect::GoType>::go_type(),
            "json:\"entries,omitempty\"",
        )]);
        // `ENTRIES` folds to `entries`; `allocationEntries` matches nothing.
        let keys = ignored_keys(br#"{"ENTRIES":"x","allocationEntries":{},"z":1}"#, &t);
        assert_eq!(keys, ["allocationEntries", "z"]);
        assert!(ignored_keys(b"[1]", &t).is_empty());
        assert!(ignored_keys(b"null", &t).is_empty());
        // Keys below the top level are not members; a duplicate is one
        // map key; an escaped key is compared unescaped (`\u0045ntries` is
        // `Entries`); a string value that looks like a key is not a key.
        let doc =
            br#" {"z":{"inner":1,"y":[{"w":2}]},"z":"a:b","\u0045ntries":1,"q":"\"","k":[","]}"#;
        assert_eq!(ignored_keys(doc, &t), ["k", "q", "z"]);
    }
}

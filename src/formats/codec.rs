//! Decoding and encoding typed models the way the kubelet does: unmarshal
//! into a value its constructor pre-filled, marshal with `encoding/json`.
//!
//! The pre-fill matters: `json.Unmarshal` merges into the existing value, so
//! an absent key keeps the constructor's empty non-nil map/slice while an
//! explicit `null` makes it nil, and the two hash differently.

use crate::go::json::{self, MarshalError, UnmarshalError};
use crate::go::reflect::GoType;
use crate::go::sink::Sink;
use crate::go::spew;

use super::common::FormatError;

/// `json.Unmarshal(bytes, &prefilled)`; on error Go's text and offset.
///
/// Go leaves the target partially decoded on a type error; the kubelet
/// discards it, so only the error is returned then.
pub fn decode_into<T: GoType>(bytes: &[u8], prefilled: &T) -> Result<T, UnmarshalError> {
    let mut v = prefilled.to_go();
    json::unmarshal(bytes, &T::go_type(), &mut v)?;
    Ok(T::from_go(&v))
}

/// `json.Marshal(v)`.
pub fn encode<T: GoType>(v: &T) -> Result<Vec<u8>, MarshalError> {
    json::marshal(&v.to_go(), &T::go_type())
}

/// `json.Marshal` failures cannot happen for checkpoint types (no floats,
/// channels or funcs); if one ever does, report Go's text as a decode-side
/// problem rather than panicking.
pub fn marshal_failed(e: MarshalError) -> FormatError {
    FormatError::Invalid(e.message)
}

/// Prefixes a JSON error with kubelet wrapping text (`fmt.Errorf("...: %w")`),
/// keeping its byte offset.
pub fn wrap_unmarshal(prefix: &str, e: UnmarshalError) -> UnmarshalError {
    UnmarshalError {
        message: format!("{prefix}{}", e.message),
        ..e
    }
}

/// Streams go-spew `%#v` of `v` into `sink`.
pub fn spew_into<T: GoType, S: Sink + ?Sized>(v: &T, sink: &mut S) {
    spew::render(&v.to_go(), &T::go_type(), sink);
}

/// Streams go-spew `%#v` of `&v` (a pointer to `v`), as the kubelet hashes
/// checkpoints it passes by pointer (`checksum.New(cp)`).
pub fn spew_ptr_into<T: GoType, S: Sink + ?Sized>(v: &T, sink: &mut S) {
    let ptr = crate::go::Value::Ptr(Some(Box::new(v.to_go())));
    spew::render(&ptr, &crate::go::model::Type::ptr(T::go_type()), sink);
}

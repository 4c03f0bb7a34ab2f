//! Helpers shared by the pod-state kinds: decoding into pre-filled typed
//! values, error classification as the Go reference reports it.

use crate::formats::common::FormatError;
use crate::go::json::{self, UnmarshalError};
use crate::go::quantity::QuantityError;
use crate::go::reflect::GoType;

/// `json.Unmarshal(bytes, &prefilled)` into a typed model.
pub fn decode_into<T: GoType>(bytes: &[u8], prefilled: &T) -> Result<T, UnmarshalError> {
    let mut v = prefilled.to_go();
    json::unmarshal(bytes, &T::go_type(), &mut v)?;
    Ok(T::from_go(&v))
}

/// `json.Marshal(v)`. The checkpoint types hold no floats, channels or
/// funcs, so Go's marshal cannot fail on them; a failure is still reported
/// rather than panicking.
pub fn encode<T: GoType>(v: &T) -> Result<Vec<u8>, FormatError> {
    json::marshal(&v.to_go(), &T::go_type()).map_err(|e| FormatError::Invalid(e.message))
}

/// Classifies a decoding error of the file itself: invalid JSON, except
/// the reference's refusal to evaluate astronomically large quantity
/// exponents (the kubelet would not finish), which it reports as "other".
pub fn file_error(e: UnmarshalError) -> FormatError {
    if QuantityError::is_too_expensive_text(&e.message) {
        FormatError::Rejected(e.message)
    } else {
        FormatError::InvalidJson(e)
    }
}

/// A decoding error of an inner payload, with the kubelet's wrapping text
/// (`failed to get pod resource information: ...`), same classification.
pub fn payload_error(prefix: &str, e: UnmarshalError) -> FormatError {
    let msg = format!("{prefix}{}", e.message);
    if QuantityError::is_too_expensive_text(&e.message) {
        FormatError::Rejected(msg)
    } else {
        FormatError::Invalid(msg)
    }
}

/// Go's FNV-32a checksum of go-spew's text for a string: `(string)` + bytes.
pub fn string_checksum(data: &[u8]) -> u64 {
    let mut h = crate::go::fnv::Fnv32a::new();
    h.update(b"(string)");
    h.update(data);
    u64::from(h.finish())
}

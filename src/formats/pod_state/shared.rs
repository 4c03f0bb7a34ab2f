//! Helpers shared by the pod-state kinds (and dockershim, read-only files):
//! error classification as the Go reference reports it. Decoding and the
//! data-string checksum are [`crate::formats::resmgr`]'s.

use crate::formats::common::FormatError;
use crate::formats::resmgr;
use crate::go::json::UnmarshalError;
use crate::go::quantity::QuantityError;
use crate::go::reflect::GoType;

/// `json.Marshal(v)`. The checkpoint types hold no floats, channels or
/// funcs, so Go's marshal cannot fail on them; a failure is still reported
/// rather than panicking.
pub fn encode<T: GoType>(v: &T) -> Result<Vec<u8>, FormatError> {
    resmgr::encode(v).map_err(|e| FormatError::Invalid(e.message))
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

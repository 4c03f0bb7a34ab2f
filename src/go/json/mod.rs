//! Go `encoding/json`, byte-exact: [`marshal`] equals `json.Marshal`,
//! [`unmarshal`] has `json.Unmarshal`'s acceptance, merge semantics and
//! error texts (spec: `go-json.md`).
//!
//! STUB: the API below is the contract; the implementation lands with the
//! foundation issue.

use super::model::{Type, Value};

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
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
    /// Whether the input was rejected before decoding (syntax error: the
    /// target is untouched) or during it (type error: Go keeps going and the
    /// target holds everything else that decoded).
    pub syntax: bool,
}

/// `json.Marshal(v)` for a value of type `t`.
pub fn marshal(_v: &Value, _t: &Type) -> Result<Vec<u8>, MarshalError> {
    todo!("foundation issue")
}

/// `json.Unmarshal(input, &target)` where `target` already holds a value of
/// type `t` (pre-filled like the kubelet's `New...` constructors).
pub fn unmarshal(_input: &[u8], _t: &Type, _target: &mut Value) -> Result<(), UnmarshalError> {
    todo!("foundation issue")
}

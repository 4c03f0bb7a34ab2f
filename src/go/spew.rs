//! go-spew 1.1.1 `%#v` with the kubelet's config
//! `{Indent:" ", SortKeys:true, DisableMethods:true, SpewKeys:true}`
//! (spec: `go-spew-hash.md`), streamed into a [`Sink`].
//!
//! STUB: the API below is the contract; the implementation lands with the
//! foundation issue.

use super::model::{Type, Value};
use super::sink::Sink;

/// Writes `Sprintf("%#v", v)` for `v` of static type `t` into `sink`.
pub fn render<S: Sink + ?Sized>(_v: &Value, _t: &Type, _sink: &mut S) {
    todo!("foundation issue")
}

/// The spew text as bytes (for `explain`; the verify path streams instead).
pub fn to_bytes(v: &Value, t: &Type) -> Vec<u8> {
    let mut out = Vec::new();
    render(v, t, &mut out);
    out
}

/// FNV-32a of the spew text, streamed: the kubelet's `checksum.New`.
pub fn fnv32a(v: &Value, t: &Type) -> u32 {
    let mut h = super::fnv::Fnv32a::new();
    render(v, t, &mut h);
    h.finish()
}

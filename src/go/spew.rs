//! go-spew 1.1.1 `%#v` with the kubelet's config
//! `{Indent:" ", SortKeys:true, DisableMethods:true, SpewKeys:true}`
//! (spec: `go-spew-hash.md`), streamed into a [`Sink`].
//!
//! The implementation mirrors go-spew's `format.go` control flow rather than
//! a grammar, because the kubelet checksum depends on spew's accidents as
//! much as on its design: the `ignoreNextType` flag that a nil pointer in an
//! untyped position leaves set (spec §5.1), the `*` count taken from the
//! pointee's *type string*, the SpewKeys sort strings rendered by the
//! *package-default* printer (methods enabled), and the panic text `fmt`
//! appends when a SpewKeys sort touches a value read through an unexported
//! field.
//!
//! * `format`: the `formatState` state machine (`format`, `formatPtr`,
//!   `unpackValue`).
//! * `sort`: spew's `sortValues` (`valueSortLess`, SpewKeys strings).
//!
//! Go methods (`String()`, `Error()`) are never called by the kubelet's
//! printer, but spew's SpewKeys key ordering renders keys with the default
//! printer, which does call them. A caller that needs that (no kubelet
//! checkpoint type does) passes a [`Methods`] table to [`render_with`].

mod format;
mod sort;

use super::model::{Type, Value};
use super::sink::Sink;

/// The Go methods go-spew's default printer would call on a value.
///
/// Only consulted while computing SpewKeys sort strings (spec §7.1): the
/// kubelet's own printer has `DisableMethods`.
pub trait Methods {
    /// The output of the value's `Error()` method if its type (or a pointer
    /// to it; spew's default config calls pointer-receiver methods too) is
    /// an `error`, else of its `String()` method if it is a `fmt.Stringer`,
    /// else `None`. `Error` wins over `String`, as in go-spew's type switch.
    fn call(&self, t: &Type, v: &Value) -> Option<Vec<u8>>;
}

/// No type has methods: the right table for every kubelet checkpoint type.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMethods;

impl Methods for NoMethods {
    fn call(&self, _t: &Type, _v: &Value) -> Option<Vec<u8>> {
        None
    }
}

/// Writes `Sprintf("%#v", v)` for `v` of static type `t` into `sink`.
///
/// For an interface `t`, `v` is the interface value and its dynamic type is
/// printed (as `Sprintf` receives the value boxed in an `interface{}`); a nil
/// interface prints `(interface {})<nil>`.
pub fn render<S: Sink + ?Sized>(v: &Value, t: &Type, sink: &mut S) {
    render_with(v, t, sink, &NoMethods);
}

/// [`render`] with a table of Go methods for SpewKeys key ordering.
pub fn render_with<S: Sink + ?Sized>(v: &Value, t: &Type, sink: &mut S, methods: &dyn Methods) {
    format::sprintf(format::Mode::Kubelet, methods, v, t, sink);
}

/// Writes `Sprintf("%#v", &v)` for `v` of type `elem`: what the kubelet
/// hashes for cpu/memory/DRA checkpoints (`(*state.CPUManagerCheckpoint){...}`),
/// without cloning the checkpoint into a pointer value.
pub fn render_pointer_to<S: Sink + ?Sized>(v: &Value, elem: &Type, sink: &mut S) {
    format::sprintf_pointer_to(&NoMethods, v, elem, sink);
}

/// FNV-32a of [`render_pointer_to`]'s text.
pub fn fnv32a_pointer_to(v: &Value, elem: &Type) -> u32 {
    let mut h = super::fnv::Fnv32a::new();
    render_pointer_to(v, elem, &mut h);
    h.finish()
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

/// The package-default go-spew rendering, `spew.Sprintf("%#v", v)`
/// (`ConfigState{Indent:" "}`: methods enabled, map keys in the order given,
/// since Go's own order is random): what SpewKeys compares.
pub fn default_to_bytes(v: &Value, t: &Type, methods: &dyn Methods) -> Vec<u8> {
    let mut out = Vec::new();
    format::sprintf(format::Mode::Default, methods, v, t, &mut out);
    out
}

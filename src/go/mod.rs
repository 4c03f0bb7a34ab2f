//! Go behaviours with no kubelet knowledge: the pieces of Go's runtime and
//! standard library whose exact output decides a checkpoint's bytes and
//! checksum.
//!
//! * [`model`]: Go types and values (a tiny `reflect`).
//! * [`reflect`]: typed Rust models declared once (`go_struct!`, `go_named!`).
//! * [`json`]: `encoding/json` Marshal and Unmarshal, byte-exact.
//! * [`spew`]: go-spew's `%#v` text, streamed into a [`sink::Sink`].
//! * [`float`]: Go's float texts (`strconv` 'g' shortest, `encoding/json`).
//! * [`fnv`], [`crc`]: the two checksum hashes.
//! * [`cpuset`]: `k8s.io/utils/cpuset` parsing and printing.
//! * [`strconv`]: Go's `Atoi` and `Quote` (accepted numbers, error texts).

pub mod cpuset;
pub mod crc;
pub mod float;
pub mod fnv;
pub mod json;
pub mod model;
pub mod reflect;
pub mod sink;
pub mod spew;
pub mod strconv;

pub use model::{Field, IntBits, Type, TypeKind, TypeRef, Value};
pub use reflect::{Bytes, GoType};
pub use sink::Sink;

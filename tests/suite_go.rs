//! Go behaviour with no kubelet knowledge: encoding/json, go-spew, floats, the reflect macros (vectors, properties, differential against Go programs).
//!
//! One test binary per suite (cargo links each integration test binary
//! against the whole crate; a few binaries instead of thirty keep CI fast).
//! Each member file is a module; shared helpers are declared here.

mod common;
mod json_common;
mod vector_tsv;

#[path = "float_go.rs"]
mod float_go;
#[path = "json_custom.rs"]
mod json_custom;
#[path = "json_go_diff.rs"]
mod json_go_diff;
#[path = "json_props.rs"]
mod json_props;
#[path = "json_vectors.rs"]
mod json_vectors;
#[path = "reflect_macro.rs"]
mod reflect_macro;
#[path = "spew_go_diff.rs"]
mod spew_go_diff;
#[path = "spew_props.rs"]
mod spew_props;
#[path = "spew_vectors.rs"]
mod spew_vectors;

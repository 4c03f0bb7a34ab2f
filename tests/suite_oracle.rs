//! Answers compared with the Go reference: committed golden outputs, live differential runs (skipped with a reason unless KUBELET_CKPT_ORACLE is set; required under CI=true), release chains, repairs.
//!
//! One test binary per suite (cargo links each integration test binary
//! against the whole crate; a few binaries instead of thirty keep CI fast).
//! Each member file is a module; shared helpers are declared here.

mod support;

#[path = "bad_input.rs"]
mod bad_input;
#[path = "diff_devdra.rs"]
mod diff_devdra;
#[path = "golden.rs"]
mod golden;
#[path = "oracle_differential.rs"]
mod oracle_differential;
#[path = "quantity_diff.rs"]
mod quantity_diff;
#[path = "release_chain.rs"]
mod release_chain;
#[path = "repair.rs"]
mod repair;
#[path = "sample.rs"]
mod sample;

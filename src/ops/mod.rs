//! Operations on files: what the CLI (and later `scan`) runs. They work on
//! the typed kinds of [`crate::formats`] and know nothing of the command line.

pub mod convert;
pub mod diff;
pub mod inspect;
pub mod node;
pub mod repair;
pub mod scan;
pub mod verify;

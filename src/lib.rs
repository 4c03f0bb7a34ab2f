//! kubelet-ckpt: read, write, verify, repair and convert the kubelet's
//! checkpoint and state files, byte for byte as the kubelet does.
//!
//! Layers (imports point downwards only):
//!
//! * [`cli`]: the command line (clap), output rendering, exit codes.
//! * [`ops`]: verify, explain, ... on whole files.
//! * [`formats`]: one module per kubelet file family, the kind registry and
//!   detection; each kind parses, serialises, checksums and runs the
//!   kubelet's restore checks.
//! * [`go`]: Go behaviours with no kubelet knowledge (encoding/json, go-spew,
//!   FNV/CRC, cpuset, Quantity).

pub mod cli;
pub mod formats;
pub mod fs;
pub mod go;
pub mod ops;

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
//! * [`fs`]: the file system with no kubelet knowledge: bounded, type-checked
//!   reads, crash-safe replacement, the kubelet-lock probe.
//! * [`excerpt`]: capping long texts for display.

pub mod cli;
pub mod excerpt;
pub mod formats;
pub mod fs;
pub mod go;
pub mod ops;
pub mod salvage;

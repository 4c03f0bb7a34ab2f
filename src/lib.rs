//! kubelet-ckpt: read, write, verify, repair and convert the kubelet's
//! checkpoint and state files, byte for byte as the kubelet does.
//!
//! The kubelet's checksum is FNV-32a over go-spew's `%#v` text of its Go
//! structs, so Go package and type names, field order and `encoding/json`
//! behaviour all decide it; this crate reproduces them and gives the verdict
//! a kubelet *release* gives a file (its whole reader chain, fallbacks and
//! accepted checksum names), optionally on a *node* (its configuration and
//! topology: the static policies' start checks).
//!
//! # Example
//!
//! Open a `cpu_manager_state`, ask for its verdict and list its CPU
//! assignments:
//!
//! ```
//! use kubelet_ckpt::{open, Request, State, Status, DEFAULT_MAX_SIZE};
//! # let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/samples/cpu_manager_state");
//! let f = open(&path, &Request::default(), DEFAULT_MAX_SIZE)?;
//! assert_eq!(f.report.kind, Some("cpu-v2"));
//! assert_eq!(f.report.status, Status::Ok);
//! if let Some(Ok(State::Cpu(cpu))) = f.state() {
//!     println!("policy {}, shared CPUs {}", cpu.policy_name, cpu.default_cpu_set.text);
//!     for (pod, p) in &cpu.pods {
//!         for (container, cpus) in &p.containers {
//!             println!("{pod}/{container}: {}", cpus.text);
//!         }
//!     }
//! }
//! # Ok::<(), kubelet_ckpt::OpError>(())
//! ```
//!
//! One kubelet release's verdict: set [`Request::for_kubelet`] (`Some(30)`
//! for 1.30). The release table itself is [`formats::releases`].
//!
//! # Layers
//!
//! Imports point downwards only: `cli` → `ops` → `formats`, `salvage`, `fs`
//! → `go`. The modules below the facade are public for the tests, the fuzz
//! targets and the benchmarks; they are not a stable interface.

#![deny(missing_docs)]

#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod excerpt;
#[doc(hidden)]
pub mod formats;
#[doc(hidden)]
pub mod fs;
#[doc(hidden)]
pub mod go;
#[doc(hidden)]
pub mod ops;
#[doc(hidden)]
pub mod salvage;

pub use formats::releases::{Gates, ReleaseVerdict};
pub use formats::state::State;
pub use formats::{kind, registry, KindInfo, Shape, Verdict, Verification, VerifyOptions};
pub use fs::DEFAULT_MAX_SIZE;
pub use ops::identify::IdentifyReport;
pub use ops::inspect::InspectReport;
pub use ops::{open, FileReport, OpError, Opened, Request, Status};

/// Tunes the C allocator for this crate's allocation pattern; call once at
/// the start of a program (the CLI and the benchmarks do).
///
/// A verify builds a tree of many small values and frees it whole; with
/// glibc's default "fast bins", freeing a multi-megabyte tree spends a
/// quarter of a whole-process verify in `malloc_consolidate` and
/// `unlink_chunk`. With fast bins off (`M_MXFAST = 0`; small blocks still
/// go through the per-thread cache) a 10 MB file verifies 10-20% faster
/// and the CLI's judgement of it for every release about 20% faster
/// (`benches/RESULTS.md`). Does nothing on other C libraries.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets an allocator parameter; called before
    // anything else runs, and glibc serialises it with its own locks.
    unsafe {
        libc::mallopt(libc::M_MXFAST, 0);
    }
}

//! The file-system layer: safe reading, crash-safe writing and the
//! kubelet-lock probe. No kubelet file formats here — only what any tool
//! inspecting and repairing files on a possibly broken node needs:
//!
//! * [`read`]: read only regular files, bounded in size, never hanging on a
//!   FIFO or device, symlinks followed only when the user named the path.
//! * [`atomic`]: replace a file so that it always holds exactly the old or
//!   the new bytes, with a backup, keeping mode and owner.
//! * [`lock`]: is the kubelet running (does it hold its lock file)?
//! * [`snapshot`]: one streaming iterator of files over a node snapshot
//!   (a directory, or a tar / tar.gz / tar.zst archive).

pub mod atomic;
pub mod lock;
pub mod read;
pub mod snapshot;

pub use read::{parse_size, read_limited, ReadError, ReadOptions, DEFAULT_MAX_SIZE};

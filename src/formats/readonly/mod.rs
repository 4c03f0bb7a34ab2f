//! Kubelet state files that carry **no checksum the tool can verify**
//! (spec §7, §8, §10, §12): their verdicts say so plainly. `verify` checks
//! what the kubelet's reader checks (the decoding), `canonical` re-encodes
//! where the writer is reproducible, `explain`/`checksum` refuse.
//!
//! None of these has a Go reference kind; behaviour follows the spec.

pub mod bootstrap;
pub mod csi;
pub mod dynamic_config;
pub mod shutdown;

use super::common::{FormatError, Verification};
use super::Shape;

/// The verdict on a file that has no checksum: `ok`, with a note saying
/// so, when it decodes as the kubelet reads it.
pub fn decodes<T>(r: Result<T, FormatError>) -> Verification {
    match r {
        Ok(_) => Verification {
            message: "no checksum exists for this file; it decodes as the kubelet reads it".into(),
            ..Verification::ok(None, None)
        },
        Err(e) => Verification::from_error(e, None, None),
    }
}

/// The refusal for `explain` / `checksum` on a kind without a checksum.
pub fn no_checksum(kind: &str) -> FormatError {
    FormatError::Rejected(format!("{kind} files carry no checksum"))
}

/// The kinds of this family, in registry order.
pub static KINDS: [&dyn Shape; 4] = [
    &bootstrap::BOOTSTRAP_POD,
    &dynamic_config::DYNAMIC_CONFIG_META,
    &csi::CSI_VOL_DATA,
    &shutdown::GRACEFUL_SHUTDOWN,
];

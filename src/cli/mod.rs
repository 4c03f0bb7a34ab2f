//! The `kubelet-ckpt` command line. STUB.

/// Runs the CLI and returns the process exit status.
pub fn main() -> i32 {
    eprintln!("kubelet-ckpt: not implemented yet");
    2
}

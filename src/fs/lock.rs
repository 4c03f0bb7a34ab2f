//! Is the kubelet running? A non-blocking probe of its lock file.
//!
//! The kubelet started with `--lock-file` (default path
//! `/var/run/kubelet.lock`) holds an exclusive `flock` on that file for as
//! long as it runs. Repairing a checkpoint under a running kubelet is
//! pointless (it rewrites the file from memory) or harmful (it may read a
//! half-finished repair), so writers probe first.

use std::fs::OpenOptions;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The kubelet's default `--lock-file`.
pub const DEFAULT_LOCK_PATH: &str = "/var/run/kubelet.lock";

/// The result of [`probe`].
#[derive(Debug)]
pub enum LockState {
    /// The file exists and nobody holds the lock: no kubelet using this lock
    /// file is running.
    Free,
    /// Another process (presumably the kubelet) holds the lock.
    Held,
    /// There is no lock file: the kubelet runs without `--lock-file` or has
    /// never run here; the probe says nothing either way.
    Absent,
    /// The probe could not be made (typically permission: the kubelet
    /// creates the file 0600 as root).
    Error(io::Error),
}

impl LockState {
    /// Whether a kubelet is known to hold the lock.
    pub fn is_held(&self) -> bool {
        matches!(self, LockState::Held)
    }
}

/// Tries `flock(LOCK_EX | LOCK_NB)` on `lock_path` and releases it at once.
///
/// Never creates the file (an absent file is [`LockState::Absent`]: creating
/// it would leave a root-owned stray where the kubelet expects to create its
/// own). Opens read-only, `O_NONBLOCK | O_NOCTTY`, so a path that is
/// not a regular file cannot hang the probe. `flock` locks belong to the
/// open file description, so holding ours for an instant only delays a
/// kubelet starting at that very moment, by that instant.
pub fn probe(lock_path: &Path) -> LockState {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(lock_path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return LockState::Absent,
        Err(e) => return LockState::Error(e),
    };
    // SAFETY: the fd is open for the duration of the call.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        // SAFETY: as above. Closing the file would release it too; unlocking
        // explicitly releases it even if the descriptor were shared.
        unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
        return LockState::Free;
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        LockState::Held
    } else {
        LockState::Error(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "kubelet-ckpt-fs-lock-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn lock(f: &std::fs::File) {
        assert_eq!(
            unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
            0
        );
    }

    #[test]
    fn absent_is_not_created() {
        let d = tmpdir("absent");
        let p = d.join("kubelet.lock");
        assert!(matches!(probe(&p), LockState::Absent));
        assert!(!p.exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn free_then_released() {
        let d = tmpdir("free");
        let p = d.join("kubelet.lock");
        std::fs::write(&p, b"").unwrap();
        assert!(matches!(probe(&p), LockState::Free));
        // The probe released it: we can take it ourselves.
        let f = std::fs::File::open(&p).unwrap();
        lock(&f);
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// flock locks belong to the open file description: a lock held through
    /// another `open` of the same file in this process conflicts.
    #[test]
    fn held_by_another_open_file_description() {
        let d = tmpdir("held");
        let p = d.join("kubelet.lock");
        std::fs::write(&p, b"").unwrap();
        let holder = std::fs::File::open(&p).unwrap();
        lock(&holder);
        assert!(probe(&p).is_held());
        drop(holder);
        assert!(matches!(probe(&p), LockState::Free));
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A lock held by another process, with util-linux `flock(1)`.
    #[test]
    fn held_by_child_process() {
        let d = tmpdir("child");
        let p = d.join("kubelet.lock");
        std::fs::write(&p, b"").unwrap();
        // `flock FILE cat`: holds the lock until we close cat's stdin.
        let child = Command::new("flock")
            .arg(&p)
            .arg("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!("skip: util-linux flock(1) not available");
            return;
        };
        // Wait for the child to take the lock.
        let t = Instant::now();
        let mut state = probe(&p);
        while !state.is_held() && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
            state = probe(&p);
        }
        drop(child.stdin.take());
        child.wait().unwrap();
        assert!(state.is_held(), "{state:?}");
        assert!(matches!(probe(&p), LockState::Free));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn fifo_does_not_hang() {
        let d = tmpdir("fifo");
        let p = d.join("kubelet.lock");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let t = Instant::now();
        let _ = probe(&p);
        assert!(t.elapsed() < Duration::from_secs(1));
        std::fs::remove_dir_all(&d).unwrap();
    }
}

//! Bounded, type-checked reading of one file.
//!
//! The tool is pointed at evidence from broken nodes: a state directory may
//! hold a FIFO left by a crashed process, a symlink planted to `/dev/zero`,
//! a sparse multi-gigabyte file or a `/proc` file that reports size 0. A
//! plain `std::fs::read` hangs on the first, never ends on the second and
//! exhausts memory on the third. [`read_limited`] reads only regular files,
//! never opens anything else for reading, and never holds more than
//! `max_size + 1` bytes.

use std::fmt;
use std::fs::{File, FileType, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The default size limit, 64 MiB: far above any checkpoint the kubelet
/// writes (the largest real ones are a few MB), far below what would hurt a
/// node when read into memory.
pub const DEFAULT_MAX_SIZE: u64 = 64 * 1024 * 1024;

/// How to read one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Follow a symbolic link at `path` itself. `true` for a path the user
    /// named (they meant the file it points to); `false` for paths found
    /// while walking a directory, where a link may point anywhere (another
    /// node's mount, `/dev/zero`) and is refused as a "symbolic link".
    /// Either way the file finally opened must be a regular file.
    pub follow_symlinks: bool,
    /// Refuse files larger than this many bytes. Checked against the
    /// metadata before reading and enforced while reading, because a file
    /// can grow between the two or report a false size (`/proc` files say 0).
    pub max_size: u64,
}

impl Default for ReadOptions {
    /// Follows symlinks (a named path), [`DEFAULT_MAX_SIZE`].
    fn default() -> Self {
        ReadOptions {
            follow_symlinks: true,
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// Why a file was not read. Every variant names the file, so a message from
/// a run over many files says which one.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a regular file (or a symlink that was not to be followed); it was
    /// never opened for reading.
    #[error("{}: not a regular file (it is a {kind}); only regular files are read", .path.display())]
    NotRegular { path: PathBuf, kind: FileKind },
    /// Larger than the limit. `size` is from the metadata, or, when the file
    /// grew or lied about its size, the number of bytes read before giving
    /// up (`at_least`).
    #[error(
        "{}: {}{size} bytes, more than the limit of {limit} bytes (raise it with --max-size)",
        .path.display(),
        if *.at_least { "at least " } else { "" }
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        at_least: bool,
    },
    /// The operating system refused a step (absent file, permission, ...).
    #[error("{}: cannot read: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl ReadError {
    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReadError::NotRegular { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::Io { path, .. } => path,
        }
    }
}

/// The type of a file system object, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Unknown,
}

impl FileKind {
    /// Classifies a [`FileType`] from `stat`/`lstat`/`fstat`.
    pub fn of(t: FileType) -> FileKind {
        if t.is_file() {
            FileKind::Regular
        } else if t.is_dir() {
            FileKind::Directory
        } else if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_fifo() {
            FileKind::Fifo
        } else if t.is_socket() {
            FileKind::Socket
        } else if t.is_char_device() {
            FileKind::CharDevice
        } else if t.is_block_device() {
            FileKind::BlockDevice
        } else {
            FileKind::Unknown
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Regular => "regular file",
            FileKind::Directory => "directory",
            FileKind::Symlink => "symbolic link",
            FileKind::Fifo => "FIFO",
            FileKind::Socket => "socket",
            FileKind::CharDevice => "character device",
            FileKind::BlockDevice => "block device",
            FileKind::Unknown => "file of unknown type",
        })
    }
}

/// Reads the whole of the regular file at `path`, at most `opts.max_size`
/// bytes.
///
/// Steps, each closing a hole the previous one leaves:
/// 1. `stat` (or `lstat` when not following links): anything but a regular
///    file is refused without being opened — opening a FIFO for reading can
///    block forever, opening a tty can make it our controlling terminal,
///    opening some devices has side effects.
/// 2. the size from the metadata is checked against the limit.
/// 3. the file is opened `O_NONBLOCK | O_NOCTTY` (plus `O_NOFOLLOW` when not
///    following links, and `O_NOATIME` where permitted, so inspecting
///    evidence does not change its access time), so that even if it was
///    swapped for a FIFO or device since step 1 the open itself cannot hang.
/// 4. `fstat` on the opened descriptor re-checks type and size: this is the
///    object actually read.
/// 5. at most `max_size + 1` bytes are read, so a file that grows or
///    reports a false size still cannot exceed the limit.
pub fn read_limited(path: &Path, opts: &ReadOptions) -> Result<Vec<u8>, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = if opts.follow_symlinks {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .map_err(io_err)?;
    check_meta(path, &meta, opts.max_size)?;

    let file = open_nonblocking(path, opts.follow_symlinks).map_err(|e| {
        // O_NOFOLLOW on a symlink fails with ELOOP: the path was swapped for
        // a link after the lstat.
        if !opts.follow_symlinks && e.raw_os_error() == Some(libc::ELOOP) {
            ReadError::NotRegular {
                path: path.to_path_buf(),
                kind: FileKind::Symlink,
            }
        } else {
            io_err(e)
        }
    })?;
    let meta = file.metadata().map_err(io_err)?;
    check_meta(path, &meta, opts.max_size)?;
    clear_nonblocking(&file).map_err(io_err)?;
    read_bounded(path, file, opts.max_size, meta.len())
}

/// Reads standard input with the same size limit as [`read_limited`].
/// Standard input may be a pipe or a terminal (that is the point of `-`), so
/// its type is not checked; errors name it `<stdin>`.
pub fn read_stdin_limited(max_size: u64) -> Result<Vec<u8>, ReadError> {
    read_bounded(Path::new("<stdin>"), io::stdin().lock(), max_size, 0)
}

/// Reads at most `limit + 1` bytes of `r`; more than `limit` is an error.
/// `hint` (the size the metadata claims) presizes the buffer, capped by the
/// limit so a lying size cannot make us allocate more.
fn read_bounded(path: &Path, r: impl Read, limit: u64, hint: u64) -> Result<Vec<u8>, ReadError> {
    let cap = usize::try_from(hint.min(limit)).unwrap_or(0);
    let mut buf = Vec::with_capacity(cap);
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: buf.len() as u64,
            limit,
            at_least: true,
        });
    }
    Ok(buf)
}

fn check_meta(path: &Path, meta: &Metadata, limit: u64) -> Result<(), ReadError> {
    let kind = FileKind::of(meta.file_type());
    if kind != FileKind::Regular {
        return Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit,
            at_least: false,
        });
    }
    Ok(())
}

/// Opens for reading without blocking on FIFOs and without acquiring a
/// controlling terminal; tries `O_NOATIME` first (only the owner or a
/// process with CAP_FOWNER may use it: EPERM means retry without).
fn open_nonblocking(path: &Path, follow: bool) -> io::Result<File> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let r = OpenOptions::new()
            .read(true)
            .custom_flags(flags | libc::O_NOATIME)
            .open(path);
        match r {
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => {}
            r => return r,
        }
    }
    OpenOptions::new().read(true).custom_flags(flags).open(path)
}

const SIZE_SYNTAX: &str = "expected a whole number of bytes with an optional unit \
     B, K/KiB, M/MiB, G/GiB or T/TiB (all 1024-based), e.g. 64MiB, 1G, 10k, 1048576";

/// Back to blocking reads now that the file is known to be regular: Linux
/// ignores `O_NONBLOCK` on local regular files, but a network or FUSE file
/// system may honour it and answer `EAGAIN` mid-read.
fn clear_nonblocking(file: &File) -> io::Result<()> {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, for the duration of the call.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Parses a size such as `64MiB`, `1G`, `10k` or `1048576` (bytes).
///
/// Units (case-insensitive, optional `B` suffix, optional space before the
/// unit): none or `B` = bytes; `K`/`Ki`/`KiB`/`KB` = 1024; `M`/`Mi`/`MiB`/`MB`
/// = 1024²; `G`/`Gi`/`GiB`/`GB` = 1024³; `T`/`Ti`/`TiB`/`TB` = 1024⁴. Every
/// unit is binary, `K`/`KB` included: a limit is a memory budget, and one
/// meaning per letter is less surprising than two that differ by 2-10%.
/// Only whole numbers are accepted; the result must fit in a `u64`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    if num.is_empty() {
        return Err(format!("invalid size {s:?}: {SIZE_SYNTAX}"));
    }
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid size {s:?}: number too large"))?;
    let shift = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "ki" | "kib" | "kb" => 10,
        "m" | "mi" | "mib" | "mb" => 20,
        "g" | "gi" | "gib" | "gb" => 30,
        "t" | "ti" | "tib" | "tb" => 40,
        _ => return Err(format!("invalid size {s:?}: {SIZE_SYNTAX}")),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("invalid size {s:?}: too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;
    use std::time::{Duration, Instant};

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "kubelet-ckpt-fs-read-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn opts(max_size: u64, follow_symlinks: bool) -> ReadOptions {
        ReadOptions {
            follow_symlinks,
            max_size,
        }
    }

    #[test]
    fn parse_size_units() {
        // Expected values: 1024-based arithmetic by hand.
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        assert_eq!(parse_size("64MiB"), Ok(67_108_864));
        assert_eq!(parse_size("1G"), Ok(1_073_741_824));
        assert_eq!(parse_size("10k"), Ok(10_240));
        assert_eq!(parse_size("10KB"), Ok(10_240));
        assert_eq!(parse_size("2 Mi"), Ok(2_097_152));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("5b"), Ok(5));
        for bad in [
            "",
            "MiB",
            "1.5M",
            "-1",
            "10x",
            "5ib",
            "99999999999999999999",
            "16777216T",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn reads_regular_file() {
        let d = tmpdir("regular");
        let p = d.join("f");
        std::fs::write(&p, b"hello").unwrap();
        assert_eq!(read_limited(&p, &opts(5, false)).unwrap(), b"hello");
        match read_limited(&p, &opts(4, false)) {
            Err(ReadError::TooLarge {
                size: 5,
                limit: 4,
                at_least: false,
                ..
            }) => {}
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn fifo_is_refused_without_hanging() {
        let d = tmpdir("fifo");
        let p = d.join("pipe");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let t = Instant::now();
        let e = read_limited(&p, &opts(DEFAULT_MAX_SIZE, true)).unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(1));
        assert!(
            matches!(
                e,
                ReadError::NotRegular {
                    kind: FileKind::Fifo,
                    ..
                }
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(msg.contains("pipe") && msg.contains("FIFO"), "{msg}");
    }

    #[test]
    fn directory_socket_and_devices_are_refused() {
        let d = tmpdir("types");
        let sock = d.join("sock");
        let _l = UnixListener::bind(&sock).unwrap();
        for (p, kind) in [
            (d.clone(), FileKind::Directory),
            (sock, FileKind::Socket),
            (PathBuf::from("/dev/null"), FileKind::CharDevice),
        ] {
            match read_limited(&p, &opts(DEFAULT_MAX_SIZE, true)) {
                Err(ReadError::NotRegular { kind: k, .. }) if k == kind => {}
                r => panic!("{p:?}: {r:?}"),
            }
        }
    }

    #[test]
    fn symlinks_followed_only_when_asked() {
        let d = tmpdir("symlink");
        let target = d.join("target");
        std::fs::write(&target, b"data").unwrap();
        let link = d.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_limited(&link, &opts(100, true)).unwrap(), b"data");
        match read_limited(&link, &opts(100, false)) {
            Err(ReadError::NotRegular {
                kind: FileKind::Symlink,
                ..
            }) => {}
            r => panic!("{r:?}"),
        }
        // Followed, the target must still be a regular file.
        let zero = d.join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        match read_limited(&zero, &opts(100, true)) {
            Err(ReadError::NotRegular {
                kind: FileKind::CharDevice,
                ..
            }) => {}
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn limit_enforced_while_reading_when_size_lies() {
        // /proc files report size 0 but have content.
        let p = Path::new("/proc/self/status");
        if !p.exists() {
            eprintln!("skip: no /proc");
            return;
        }
        assert_eq!(std::fs::metadata(p).unwrap().len(), 0);
        match read_limited(p, &opts(10, true)) {
            Err(ReadError::TooLarge {
                size: 11,
                limit: 10,
                at_least: true,
                ..
            }) => {}
            r => panic!("{r:?}"),
        }
        assert!(read_limited(p, &opts(DEFAULT_MAX_SIZE, true)).is_ok());
    }

    #[test]
    fn sparse_file_refused_from_metadata() {
        let d = tmpdir("sparse");
        let p = d.join("big");
        let f = File::create(&p).unwrap();
        f.set_len(1 << 30).unwrap();
        let e = read_limited(&p, &ReadOptions::default()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("1073741824") && msg.contains("67108864") && msg.contains("--max-size"),
            "{msg}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn missing_file_names_path() {
        let e = read_limited(Path::new("/nonexistent/x"), &ReadOptions::default()).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }));
        assert!(e.to_string().contains("/nonexistent/x"));
    }
}

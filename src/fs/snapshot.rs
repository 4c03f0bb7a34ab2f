//! A streaming iterator of files over a node snapshot: a directory (a copy
//! of a node's `/`, or of `/var/lib/kubelet` alone) or a `tar`, `tar.gz` or
//! `tar.zst` archive of one.
//!
//! The input is hostile evidence, so the iterator never extracts anything to
//! disk, never follows a symlink, never opens a FIFO, socket or device, keeps
//! every path inside the snapshot (entries whose archive path is absolute or
//! has `..` are reported as errors with the path kept, their contents never
//! used) and bounds both the bytes read per file and the bytes decompressed
//! in total (a decompression bomb ends the iteration with an error instead
//! of filling memory or time). Like tar-rs's `Archive::entries()` it hands
//! out one entry at a time; the contents of an archive entry can only be read
//! before the next entry is asked for.
//!
//! This module knows nothing of the kubelet: classification by path lives in
//! `ops::scan::layout`.
//!
//! ```no_run
//! use kubelet_ckpt::fs::snapshot::{Limits, Snapshot};
//! let mut snap = Snapshot::open("node.tar.zst", Limits::default())?;
//! for item in snap.entries() {
//!     match item {
//!         Ok(mut entry) => {
//!             if entry.path() == "var/lib/kubelet/cpu_manager_state" {
//!                 let bytes = entry.read_limited(1 << 20)?;
//!                 println!("{} bytes, sha256 {}", bytes.len(), entry.sha256_hex().unwrap());
//!             }
//!         }
//!         Err(err) => eprintln!("{err}"),
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sha2::{Digest, Sha256};

/// Bounds on what one walk reads. Evidence may be crafted to exhaust memory
/// or time, so every read is bounded; the defaults fit real kubelet nodes
/// (the largest state files are a few MiB) with a wide margin.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes [`Entry::read_limited`] returns for one file, whatever the
    /// caller asks for (default 64 MiB).
    pub max_file_bytes: u64,
    /// Most bytes the whole walk may decompress (archives: every byte that
    /// comes out of the decompressor, headers and skipped contents included;
    /// directories: every byte read from files). Crossing it ends the
    /// iteration with [`StreamErrorKind::TotalLimit`] (default 4 GiB).
    pub max_total_bytes: u64,
    /// Directory walks only: whether to list the directory at this relative
    /// path (`None`: every directory). A pruned directory is still reported
    /// as an entry; its contents are not visited. Scanning a live `/` needs
    /// this (`/proc`, container images and logs are no kubelet files).
    pub descend: Option<fn(&str) -> bool>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 << 20,
            max_total_bytes: 4 << 30,
            descend: None,
        }
    }
}

/// What a snapshot was recognised as, by magic bytes (never by the name):
/// the caller reports it, and knows from it whether sockets can be present
/// at all (tar does not store them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A directory tree on the host, walked without following symlinks.
    Directory,
    /// An uncompressed tar stream.
    Tar,
    /// A gzip-compressed tar stream (`1f 8b`; concatenated members allowed).
    TarGz,
    /// A zstd-compressed tar stream (`28 b5 2f fd`).
    TarZst,
}

/// The type of one entry, with what the type carries. Non-regular files are
/// reported, never opened: a FIFO would block the reader, a device could be
/// a disk.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file; its contents can be read with [`Entry::read_limited`].
    File,
    /// A directory.
    Dir,
    /// A symbolic link and its target exactly as stored (lossy UTF-8).
    Symlink {
        /// The link target as stored, not resolved.
        target: String,
    },
    /// An archive hard link to an earlier entry (normalised path; in a
    /// directory walk hard links are plain files).
    Hardlink {
        /// The earlier entry's path, normalised like [`Entry::path`].
        target: String,
    },
    /// A named pipe.
    Fifo,
    /// A Unix socket (directory walks only: tar does not store sockets).
    Socket,
    /// A character device.
    CharDevice {
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
    /// A block device.
    BlockDevice {
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
    /// An archive entry type this crate does not interpret (the tar type
    /// byte as a character), reported so nothing is silently dropped.
    Other(char),
}

impl EntryKind {
    /// A short stable name for reports (`file`, `dir`, `symlink`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink { .. } => "symlink",
            EntryKind::Hardlink { .. } => "hardlink",
            EntryKind::Fifo => "fifo",
            EntryKind::Socket => "socket",
            EntryKind::CharDevice { .. } => "char-device",
            EntryKind::BlockDevice { .. } => "block-device",
            EntryKind::Other(_) => "other",
        }
    }
}

/// Something notable about a symlink's target, found without following it
/// on the host: the resolution is chroot-like (absolute targets resolve
/// against the snapshot root, `..` never leaves it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkFlag {
    /// The target is absolute: it names a path of the node, resolved here
    /// against the snapshot root (the kubelet's `-current.pem` links are).
    Absolute,
    /// Resolving the target climbs above the snapshot root with `..`: on the
    /// node it pointed outside what was copied.
    EscapesRoot,
    /// More than [`MAX_LINK_HOPS`] links, or a cycle: the kernel would
    /// answer `ELOOP`.
    Loop,
    /// Some component of the resolved target is not in the snapshot.
    Dangling,
}

/// Most symlinks followed while resolving one path, as Linux's `MAXSYMLINKS`.
pub const MAX_LINK_HOPS: usize = 40;

/// Why an archive path was refused: using it would place a file outside the
/// snapshot, so its contents are never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsafeReason {
    /// The path starts with `/`.
    Absolute,
    /// The path has a `..` component.
    ParentDir,
    /// The path is empty or holds a NUL byte.
    Invalid,
}

/// The kind of a stream error: what a caller can tell the user about why
/// the iteration ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamErrorKind {
    /// The input ends in the middle of an entry or before the tar
    /// end-of-archive blocks.
    Truncated,
    /// Malformed data: a tar header checksum, a gzip CRC or length, a
    /// zstd frame error.
    Corrupt,
    /// [`Limits::max_total_bytes`] was crossed (a decompression bomb, or
    /// simply a snapshot larger than allowed).
    TotalLimit,
    /// The host failed to read the input.
    Io,
}

/// One item of the iteration that is not an entry. `UnsafePath` and `Walk`
/// are about one entry and the iteration goes on; `Stream` ends it.
#[derive(Debug)]
pub enum SnapshotError {
    /// An archive entry with an absolute path or a `..` component. The path
    /// is kept (lossy UTF-8, as stored) for the report; nothing is read.
    UnsafePath {
        /// The path exactly as the archive stores it.
        path: String,
        /// Why it was refused.
        reason: UnsafeReason,
        /// The entry's type.
        kind: EntryKind,
    },
    /// A directory walk could not inspect one entry (e.g. permission
    /// denied); the walk goes on with the next one.
    Walk {
        /// The entry's path relative to the snapshot root.
        path: String,
        /// The host's error.
        source: io::Error,
    },
    /// The archive stream cannot be read further; the iteration ends.
    Stream {
        /// What went wrong.
        kind: StreamErrorKind,
        /// Decompressed bytes consumed when it happened.
        offset: u64,
        /// The underlying error text.
        message: String,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::UnsafePath { path, reason, .. } => {
                let why = match reason {
                    UnsafeReason::Absolute => "absolute path",
                    UnsafeReason::ParentDir => "path with '..'",
                    UnsafeReason::Invalid => "empty or invalid path",
                };
                write!(f, "{path:?}: {why} in archive, contents not used")
            }
            SnapshotError::Walk { path, source } => write!(f, "{path}: {source}"),
            SnapshotError::Stream {
                kind,
                offset,
                message,
            } => write!(f, "{kind:?} at byte {offset}: {message}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// Why [`Entry::read_limited`] returned no contents.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// Only regular files have contents here (a hard link's contents are in
    /// the entry it names).
    #[error("{path}: not a regular file ({kind})")]
    NotAFile {
        /// The entry's path.
        path: String,
        /// Its type name.
        kind: &'static str,
    },
    /// The file is larger than the limit asked for (or the per-file limit).
    #[error("{path}: {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// The entry's path.
        path: String,
        /// Its size.
        size: u64,
        /// The effective limit.
        limit: u64,
    },
    /// The contents were already read (an archive entry can be read once).
    #[error("{path}: contents already read")]
    AlreadyRead {
        /// The entry's path.
        path: String,
    },
    /// The file changed between the walk and the read (no longer the same
    /// regular file), or its contents are shorter than its size (a
    /// truncated archive).
    #[error("{path}: {what}")]
    Changed {
        /// The entry's path.
        path: String,
        /// What was seen.
        what: String,
    },
    /// Reading would cross [`Limits::max_total_bytes`].
    #[error("{path}: total read limit of {limit} bytes reached")]
    TotalLimit {
        /// The entry's path.
        path: String,
        /// The total limit.
        limit: u64,
    },
    /// The host or the decompressor failed.
    #[error("{path}: {source}")]
    Io {
        /// The entry's path.
        path: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}

/// Shared accounting of decompressed bytes, read by the entry that needs it.
#[derive(Debug)]
struct Counter {
    total: Cell<u64>,
    limit: u64,
    exceeded: Cell<bool>,
    eof: Cell<bool>,
}

/// The reader under tar-rs: counts every decompressed byte, refuses to go
/// past the total limit and remembers whether the end of the input was met.
struct Counting<R> {
    inner: R,
    counter: Rc<Counter>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let c = &self.counter;
        let left = c.limit.saturating_sub(c.total.get());
        if left == 0 && !buf.is_empty() {
            // One more byte would cross the limit: probe for it, so that an
            // input of exactly the limit still ends cleanly.
            let mut probe = [0u8; 1];
            let n = self.inner.read(&mut probe)?;
            if n == 0 {
                c.eof.set(true);
                return Ok(0);
            }
            c.exceeded.set(true);
            return Err(io::Error::other(format!(
                "total decompressed-bytes limit of {} reached",
                c.limit
            )));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 && want > 0 {
            c.eof.set(true);
        }
        c.total.set(c.total.get() + n as u64);
        Ok(n)
    }
}

enum Source {
    Dir(PathBuf),
    Archive(tar::Archive<Box<dyn Read>>, SharedStream),
}

/// An opened snapshot. [`Snapshot::entries`] walks it once.
pub struct Snapshot {
    kind: SourceKind,
    limits: Limits,
    counter: Rc<Counter>,
    source: Source,
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("kind", &self.kind)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

impl Snapshot {
    /// Opens a directory or an archive file, telling archives apart by their
    /// first bytes (gzip, zstd, else tar). Nothing is read beyond the magic
    /// bytes until [`Snapshot::entries`] is iterated.
    pub fn open(path: impl AsRef<Path>, limits: Limits) -> io::Result<Snapshot> {
        let path = path.as_ref();
        let meta = fs::metadata(path)?;
        if meta.is_dir() {
            return Ok(Snapshot {
                kind: SourceKind::Directory,
                limits,
                counter: new_counter(limits),
                source: Source::Dir(path.to_path_buf()),
            });
        }
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a snapshot is a directory or an archive file",
            ));
        }
        Snapshot::from_reader(open_noatime(path)?, limits)
    }

    /// Reads an archive from any stream (stdin, a pipe, a file), detecting
    /// its compression by the first bytes.
    pub fn from_reader<R: Read + 'static>(mut reader: R, limits: Limits) -> io::Result<Snapshot> {
        let mut head = Vec::with_capacity(4);
        (&mut reader).take(4).read_to_end(&mut head)?;
        let whole = io::Cursor::new(head.clone()).chain(reader);
        let (kind, decoded): (SourceKind, Box<dyn Read>) = if head.starts_with(GZIP_MAGIC) {
            (
                SourceKind::TarGz,
                Box::new(flate2::read::MultiGzDecoder::new(whole)),
            )
        } else if head.starts_with(ZSTD_MAGIC) {
            (
                SourceKind::TarZst,
                Box::new(zstd::stream::read::Decoder::new(whole)?),
            )
        } else {
            (SourceKind::Tar, Box::new(whole))
        };
        let counter = new_counter(limits);
        let stream = SharedStream(Rc::new(std::cell::RefCell::new(Counting {
            inner: decoded,
            counter: Rc::clone(&counter),
        })));
        let mut archive = tar::Archive::new(Box::new(stream.clone()) as Box<dyn Read>);
        archive.set_ignore_zeros(false);
        Ok(Snapshot {
            kind,
            limits,
            counter,
            source: Source::Archive(archive, stream),
        })
    }

    /// What the input was recognised as.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Bytes decompressed (archives) or read (directories) so far.
    pub fn bytes_read(&self) -> u64 {
        self.counter.total.get()
    }

    /// Walks the snapshot: one item per entry, the root itself excluded.
    /// Directories come in sorted order (byte order of names, parents before
    /// children) so results are deterministic; archives in archive order (a
    /// caller that wants a stable order sorts). After a
    /// [`SnapshotError::Stream`] item the iteration ends. Call once: a
    /// second call on an archive yields one `Stream` error (the stream
    /// cannot be rewound).
    pub fn entries(&mut self) -> Entries<'_> {
        let counter = Rc::clone(&self.counter);
        let limits = self.limits;
        let inner = match &mut self.source {
            Source::Dir(root) => EntriesInner::Dir(DirWalk::new(root.clone())),
            Source::Archive(archive, stream) => match archive.entries() {
                Ok(entries) => EntriesInner::Archive(entries, stream.clone()),
                Err(e) => EntriesInner::Failed(Some(e)),
            },
        };
        Entries {
            inner,
            counter,
            limits,
            done: false,
        }
    }
}

fn new_counter(limits: Limits) -> Rc<Counter> {
    Rc::new(Counter {
        total: Cell::new(0),
        limit: limits.max_total_bytes,
        exceeded: Cell::new(false),
        eof: Cell::new(false),
    })
}

/// Opens a file read-only with `O_NOATIME` (evidence keeps its access
/// times), falling back without it where the kernel refuses (`EPERM`: not
/// the owner and no `CAP_FOWNER`). `O_NOFOLLOW` and `O_NONBLOCK` make a
/// symlink or FIFO swapped in after the `lstat` fail or return at once
/// instead of being followed or blocking.
fn open_noatime(path: &Path) -> io::Result<File> {
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
    match OpenOptions::new()
        .read(true)
        .custom_flags(flags | libc::O_NOATIME)
        .open(path)
    {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            OpenOptions::new().read(true).custom_flags(flags).open(path)
        }
        other => other,
    }
}

enum EntriesInner<'a> {
    Dir(DirWalk),
    Archive(tar::Entries<'a, Box<dyn Read>>, SharedStream),
    Failed(Option<io::Error>),
}

/// The iterator returned by [`Snapshot::entries`].
pub struct Entries<'a> {
    inner: EntriesInner<'a>,
    counter: Rc<Counter>,
    limits: Limits,
    done: bool,
}

impl fmt::Debug for Entries<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entries")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, SnapshotError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.counter.exceeded.get() && matches!(self.inner, EntriesInner::Dir(_)) {
            // Archives stop through their reader; a directory walk stops
            // here, once a read crossed the total limit.
            self.done = true;
            return Some(Err(SnapshotError::Stream {
                kind: StreamErrorKind::TotalLimit,
                offset: self.counter.total.get(),
                message: format!("total read limit of {} bytes reached", self.counter.limit),
            }));
        }
        let item = match &mut self.inner {
            EntriesInner::Dir(walk) => walk.next_item(&self.counter, self.limits),
            EntriesInner::Archive(entries, stream) => {
                archive_next(entries, stream, &self.counter, self.limits)
            }
            EntriesInner::Failed(e) => e.take().map(|e| Err(self.stream_error(e))),
        };
        match &item {
            None | Some(Err(SnapshotError::Stream { .. })) => self.done = true,
            _ => {}
        }
        item
    }
}

impl Entries<'_> {
    fn stream_error(&self, e: io::Error) -> SnapshotError {
        stream_error(&self.counter, e)
    }
}

fn stream_error(counter: &Counter, e: io::Error) -> SnapshotError {
    let kind = if counter.exceeded.get() {
        StreamErrorKind::TotalLimit
    } else if counter.eof.get() || e.kind() == io::ErrorKind::UnexpectedEof {
        StreamErrorKind::Truncated
    } else if e.kind() == io::ErrorKind::InvalidInput
        || e.kind() == io::ErrorKind::InvalidData
        || e.kind() == io::ErrorKind::Other
    {
        StreamErrorKind::Corrupt
    } else {
        StreamErrorKind::Io
    };
    SnapshotError::Stream {
        kind,
        offset: counter.total.get(),
        message: e.to_string(),
    }
}

/// Pulls the next archive entry; at the end, drains the rest of the stream
/// so a gzip CRC or zstd checksum error after the end-of-archive blocks is
/// still reported, and reports an archive that stops before them.
fn archive_next<'a>(
    entries: &mut tar::Entries<'a, Box<dyn Read>>,
    stream: &SharedStream,
    counter: &Rc<Counter>,
    limits: Limits,
) -> Option<Result<Entry<'a>, SnapshotError>> {
    loop {
        match entries.next() {
            Some(Ok(entry)) => {
                if let Some(item) = archive_entry(entry, counter, limits) {
                    return Some(item);
                }
            }
            Some(Err(e)) => return Some(Err(stream_error(counter, e))),
            None => {
                if counter.eof.get() {
                    return Some(Err(SnapshotError::Stream {
                        kind: StreamErrorKind::Truncated,
                        offset: counter.total.get(),
                        message: "archive ends without the tar end-of-archive blocks".into(),
                    }));
                }
                return drain(stream, counter).map(Err);
            }
        }
    }
}

/// Reads whatever follows the end-of-archive blocks up to the end of the
/// compressed stream (counted against the total limit), for the
/// decompressor's trailer checks (gzip CRC and length, zstd checksum).
fn drain(stream: &SharedStream, counter: &Rc<Counter>) -> Option<SnapshotError> {
    let mut buf = [0u8; 32 * 1024];
    loop {
        match stream.0.borrow_mut().read(&mut buf) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Some(stream_error(counter, e)),
        }
    }
}

/// The counted, decompressed stream, shared between tar-rs (which reads
/// the archive through it) and the iterator (which drains it at the end).
#[derive(Clone)]
struct SharedStream(Rc<std::cell::RefCell<Counting<Box<dyn Read>>>>);

impl Read for SharedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

fn archive_entry<'a>(
    entry: tar::Entry<'a, Box<dyn Read>>,
    counter: &Rc<Counter>,
    limits: Limits,
) -> Option<Result<Entry<'a>, SnapshotError>> {
    let header = entry.header();
    let etype = header.entry_type();
    if etype.is_pax_global_extensions() {
        // Metadata for the whole archive, not a file.
        return None;
    }
    let link_raw = entry
        .link_name_bytes()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let kind = match etype {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            EntryKind::File
        }
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Symlink {
            target: link_raw.clone().unwrap_or_default(),
        },
        tar::EntryType::Link => EntryKind::Hardlink {
            target: link_raw.clone().unwrap_or_default(),
        },
        tar::EntryType::Fifo => EntryKind::Fifo,
        tar::EntryType::Char => EntryKind::CharDevice {
            major: header.device_major().ok().flatten().unwrap_or(0),
            minor: header.device_minor().ok().flatten().unwrap_or(0),
        },
        tar::EntryType::Block => EntryKind::BlockDevice {
            major: header.device_major().ok().flatten().unwrap_or(0),
            minor: header.device_minor().ok().flatten().unwrap_or(0),
        },
        other => EntryKind::Other(other.as_byte() as char),
    };
    let raw = entry.path_bytes();
    let lossy = std::str::from_utf8(&raw).is_err();
    let raw_path = String::from_utf8_lossy(&raw).into_owned();
    let path = match normalise_archive_path(&raw_path) {
        Ok(p) => p,
        Err(reason) => {
            return Some(Err(SnapshotError::UnsafePath {
                path: raw_path,
                reason,
                kind,
            }))
        }
    };
    if path.is_empty() {
        // "./" or "." : the snapshot root itself.
        return None;
    }
    // A hard link's target names another entry: refuse the same escapes.
    let kind = match kind {
        EntryKind::Hardlink { target } => match normalise_archive_path(&target) {
            Ok(t) => EntryKind::Hardlink { target: t },
            Err(reason) => {
                return Some(Err(SnapshotError::UnsafePath {
                    path: raw_path,
                    reason,
                    kind: EntryKind::Hardlink { target },
                }))
            }
        },
        k => k,
    };
    let link_flags = match &kind {
        EntryKind::Symlink { target } => lexical_link_flags(&path, target),
        _ => Vec::new(),
    };
    let header = entry.header();
    let meta = Meta {
        size: if kind == EntryKind::File {
            entry.size()
        } else {
            0
        },
        mode: header.mode().unwrap_or(0) & 0o7777,
        uid: header.uid().unwrap_or(0),
        gid: header.gid().unwrap_or(0),
        mtime: header.mtime().map(|m| m as i64).unwrap_or(0),
    };
    Some(Ok(Entry {
        path,
        path_lossy: lossy,
        kind,
        meta,
        link_flags,
        counter: Rc::clone(counter),
        limits,
        body: Body::Archive(Box::new(entry)),
        sha256: None,
    }))
}

/// Normalises an archive member name: drops `./` and empty components and
/// a trailing `/`; refuses absolute names and `..`.
pub fn normalise_archive_path(raw: &str) -> Result<String, UnsafeReason> {
    if raw.contains('\0') {
        return Err(UnsafeReason::Invalid);
    }
    if raw.starts_with('/') {
        return Err(UnsafeReason::Absolute);
    }
    let mut parts = Vec::new();
    for comp in raw.split('/') {
        match comp {
            "" | "." => {}
            ".." => return Err(UnsafeReason::ParentDir),
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

/// Flags of a symlink target that need no other entry: absolute, or
/// climbing above the root with `..` from where the link sits.
pub fn lexical_link_flags(link_path: &str, target: &str) -> Vec<LinkFlag> {
    let mut flags = Vec::new();
    let mut depth: Vec<&str> = if target.starts_with('/') {
        flags.push(LinkFlag::Absolute);
        Vec::new()
    } else {
        let mut d: Vec<&str> = link_path.split('/').filter(|c| !c.is_empty()).collect();
        d.pop();
        d
    };
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    flags.push(LinkFlag::EscapesRoot);
                    break;
                }
            }
            c => depth.push(c),
        }
    }
    flags
}

/// What [`resolve_link`] needs to know about one path of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A directory.
    Dir,
    /// A symlink with its stored target.
    Symlink(String),
    /// Anything else (a file, a device...).
    Other,
}

/// The outcome of resolving a symlink inside the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The final path relative to the root, when resolution got that far
    /// (also for a dangling target: the path that would exist).
    pub path: Option<String>,
    /// What was met on the way.
    pub flags: Vec<LinkFlag>,
}

/// Resolves the symlink at `link_path` (relative to the snapshot root) with
/// stored target `target`, chroot-like, asking `lookup` about each path on
/// the way: absolute targets start at the root, `..` at the root stays at
/// the root (flagged [`LinkFlag::EscapesRoot`]), at most [`MAX_LINK_HOPS`]
/// links are followed. Nothing on the host is followed: for archives the
/// lookup is an index built from the entries, for directories an `lstat`
/// under the root. Needed because an archive may list a link before its
/// target, so a streaming walk can only flag what is lexical.
pub fn resolve_link(
    link_path: &str,
    target: &str,
    lookup: &dyn Fn(&str) -> Option<Node>,
) -> Resolved {
    let mut flags = Vec::new();
    let note = |f: LinkFlag, flags: &mut Vec<LinkFlag>| {
        if !flags.contains(&f) {
            flags.push(f);
        }
    };
    let mut cur: Vec<String> = link_path
        .split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    cur.pop();
    // Components still to walk, in reverse (a stack).
    let mut pending: Vec<String> = Vec::new();
    let push_target = |t: &str, cur: &mut Vec<String>, pending: &mut Vec<String>| {
        if t.starts_with('/') {
            cur.clear();
        }
        for c in t.split('/').rev() {
            if !c.is_empty() && c != "." {
                pending.push(c.to_owned());
            }
        }
    };
    if target.starts_with('/') {
        note(LinkFlag::Absolute, &mut flags);
    }
    push_target(target, &mut cur, &mut pending);
    let mut hops = 1usize;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    while let Some(comp) = pending.pop() {
        if comp == ".." {
            if cur.pop().is_none() {
                note(LinkFlag::EscapesRoot, &mut flags);
            }
            continue;
        }
        cur.push(comp);
        let here = cur.join("/");
        match lookup(&here) {
            None => {
                note(LinkFlag::Dangling, &mut flags);
                for c in pending.iter().rev() {
                    if c == ".." {
                        cur.pop();
                    } else {
                        cur.push(c.clone());
                    }
                }
                return Resolved {
                    path: Some(cur.join("/")),
                    flags,
                };
            }
            Some(Node::Symlink(t)) => {
                hops += 1;
                let rest: String = pending.iter().rev().cloned().collect::<Vec<_>>().join("/");
                if hops > MAX_LINK_HOPS || !seen.insert((here.clone(), rest)) {
                    note(LinkFlag::Loop, &mut flags);
                    return Resolved { path: None, flags };
                }
                cur.pop();
                if t.starts_with('/') {
                    note(LinkFlag::Absolute, &mut flags);
                }
                push_target(&t, &mut cur, &mut pending);
            }
            Some(Node::Dir) | Some(Node::Other) => {}
        }
    }
    Resolved {
        path: Some(cur.join("/")),
        flags,
    }
}

/// Metadata common to every entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Meta {
    size: u64,
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: i64,
}

enum Body<'a> {
    /// A file in a directory walk: opened only when read, then checked to
    /// be the same regular file (device and inode) the walk saw.
    Host {
        path: PathBuf,
        dev: u64,
        ino: u64,
    },
    Archive(Box<tar::Entry<'a, Box<dyn Read>>>),
    /// Read already, or nothing to read.
    Spent,
}

/// One entry of a snapshot. Its contents (regular files only) are read with
/// [`Entry::read_limited`]; for archives this must happen before the next
/// entry is asked for, as with tar-rs.
pub struct Entry<'a> {
    path: String,
    path_lossy: bool,
    kind: EntryKind,
    meta: Meta,
    link_flags: Vec<LinkFlag>,
    counter: Rc<Counter>,
    limits: Limits,
    body: Body<'a>,
    sha256: Option<[u8; 32]>,
}

impl fmt::Debug for Entry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("size", &self.meta.size)
            .field("mode", &format_args!("{:o}", self.meta.mode))
            .field("link_flags", &self.link_flags)
            .finish_non_exhaustive()
    }
}

impl Entry<'_> {
    /// The path relative to the snapshot root: `/`-separated, no leading
    /// `./` or `/`, no trailing `/`, no `.` or empty components.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// True when the stored name was not valid UTF-8 and [`Entry::path`]
    /// holds replacement characters (two such names may then look equal).
    pub fn path_lossy(&self) -> bool {
        self.path_lossy
    }

    /// The entry's type.
    pub fn kind(&self) -> &EntryKind {
        &self.kind
    }

    /// Size of a regular file's contents; 0 for every other type (directory
    /// sizes and link lengths depend on the file system, not the evidence).
    pub fn size(&self) -> u64 {
        self.meta.size
    }

    /// Permission bits (`0o7777`), as stored.
    pub fn mode(&self) -> u32 {
        self.meta.mode
    }

    /// Owner user id, as stored.
    pub fn uid(&self) -> u64 {
        self.meta.uid
    }

    /// Owner group id, as stored.
    pub fn gid(&self) -> u64 {
        self.meta.gid
    }

    /// Modification time, seconds since the Unix epoch.
    pub fn mtime(&self) -> i64 {
        self.meta.mtime
    }

    /// For symlinks: what is notable about the target. Directory walks
    /// resolve fully inside the snapshot (absolute, escape, loop,
    /// dangling); archive entries carry the lexical flags only (absolute,
    /// escape), since the target may come later; use [`resolve_link`] over
    /// an index for the rest.
    pub fn link_flags(&self) -> &[LinkFlag] {
        &self.link_flags
    }

    /// SHA-256 of the bytes the last successful [`Entry::read_limited`]
    /// returned (for evidence reports); `None` before.
    pub fn sha256(&self) -> Option<[u8; 32]> {
        self.sha256
    }

    /// [`Entry::sha256`] as lower-case hex.
    pub fn sha256_hex(&self) -> Option<String> {
        self.sha256
            .map(|d| d.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Reads a regular file's whole contents, refusing files larger than
    /// `max` or the per-file limit (nothing is returned then: a partial
    /// file would be judged as a torn one). Counts against the total
    /// limit. Can be called once per entry.
    pub fn read_limited(&mut self, max: u64) -> Result<Vec<u8>, EntryError> {
        if self.kind != EntryKind::File {
            return Err(EntryError::NotAFile {
                path: self.path.clone(),
                kind: self.kind.name(),
            });
        }
        let limit = max.min(self.limits.max_file_bytes);
        if self.meta.size > limit {
            return Err(EntryError::TooLarge {
                path: self.path.clone(),
                size: self.meta.size,
                limit,
            });
        }
        let path = self.path.clone();
        let io_err = |source: io::Error| EntryError::Io {
            path: path.clone(),
            source,
        };
        let mut data = Vec::with_capacity(self.meta.size.min(1 << 20) as usize);
        match std::mem::replace(&mut self.body, Body::Spent) {
            Body::Spent => return Err(EntryError::AlreadyRead { path }),
            Body::Archive(mut entry) => {
                let res = (&mut entry).take(limit + 1).read_to_end(&mut data);
                if let Err(e) = res {
                    if self.counter.exceeded.get() {
                        return Err(EntryError::TotalLimit {
                            path,
                            limit: self.counter.limit,
                        });
                    }
                    return Err(io_err(e));
                }
                if (data.len() as u64) < self.meta.size {
                    return Err(EntryError::Changed {
                        path,
                        what: format!(
                            "archive ends after {} of {} bytes",
                            data.len(),
                            self.meta.size
                        ),
                    });
                }
            }
            Body::Host {
                path: host,
                dev,
                ino,
            } => {
                let file = open_noatime(&host).map_err(io_err)?;
                let m = file.metadata().map_err(io_err)?;
                if !m.file_type().is_file() || m.dev() != dev || m.ino() != ino {
                    return Err(EntryError::Changed {
                        path,
                        what: "no longer the regular file the walk saw".into(),
                    });
                }
                let left = self.counter.limit.saturating_sub(self.counter.total.get());
                let cap = (limit + 1).min(left.saturating_add(1));
                (&file).take(cap).read_to_end(&mut data).map_err(io_err)?;
                self.counter
                    .total
                    .set(self.counter.total.get() + data.len() as u64);
                if self.counter.total.get() > self.counter.limit {
                    self.counter.exceeded.set(true);
                    return Err(EntryError::TotalLimit {
                        path,
                        limit: self.counter.limit,
                    });
                }
                if data.len() as u64 > limit {
                    return Err(EntryError::TooLarge {
                        path,
                        size: m.len().max(data.len() as u64),
                        limit,
                    });
                }
            }
        }
        if data.len() as u64 > limit {
            return Err(EntryError::TooLarge {
                path,
                size: data.len() as u64,
                limit,
            });
        }
        self.sha256 = Some(Sha256::digest(&data).into());
        Ok(data)
    }
}

/// A sorted, depth-first, pre-order walk that never follows symlinks.
struct DirWalk {
    root: PathBuf,
    /// Stack of directories being listed: (relative path, sorted names
    /// still to visit, reversed).
    stack: Vec<(String, Vec<std::ffi::OsString>)>,
    /// An error listing the root, reported once.
    pending: Option<SnapshotError>,
    started: bool,
}

impl DirWalk {
    fn new(root: PathBuf) -> DirWalk {
        DirWalk {
            root,
            stack: Vec::new(),
            pending: None,
            started: false,
        }
    }

    fn list(&self, rel: &str) -> io::Result<Vec<std::ffi::OsString>> {
        let dir = if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        };
        let mut names = read_dir_noatime(&dir)?;
        use std::os::unix::ffi::OsStrExt;
        names.sort_by(|a, b| b.as_bytes().cmp(a.as_bytes()));
        Ok(names)
    }

    fn next_item<'a>(
        &mut self,
        counter: &Rc<Counter>,
        limits: Limits,
    ) -> Option<Result<Entry<'a>, SnapshotError>> {
        if !self.started {
            self.started = true;
            match self.list("") {
                Ok(names) => self.stack.push((String::new(), names)),
                Err(e) => {
                    self.pending = Some(SnapshotError::Stream {
                        kind: StreamErrorKind::Io,
                        offset: 0,
                        message: e.to_string(),
                    })
                }
            }
        }
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        loop {
            let (dir, names) = self.stack.last_mut()?;
            let Some(name) = names.pop() else {
                self.stack.pop();
                continue;
            };
            let name_str = name.to_str();
            let lossy = name_str.is_none();
            let name_s = name.to_string_lossy().into_owned();
            let rel = if dir.is_empty() {
                name_s
            } else {
                format!("{dir}/{name_s}")
            };
            let host = self.root.join(&rel);
            let host = if lossy {
                // The lossy string does not name the file: rebuild the path
                // from the raw name.
                let mut h = host;
                h.set_file_name(&name);
                h
            } else {
                host
            };
            let meta = match fs::symlink_metadata(&host) {
                Ok(m) => m,
                Err(source) => return Some(Err(SnapshotError::Walk { path: rel, source })),
            };
            let ft = meta.file_type();
            let mut link_flags = Vec::new();
            let mut body = Body::Spent;
            let kind = if ft.is_symlink() {
                let target = match fs::read_link(&host) {
                    Ok(t) => t.to_string_lossy().into_owned(),
                    Err(source) => return Some(Err(SnapshotError::Walk { path: rel, source })),
                };
                let root = self.root.clone();
                let lookup = move |p: &str| host_node(&root, p);
                link_flags = resolve_link(&rel, &target, &lookup).flags;
                EntryKind::Symlink { target }
            } else if ft.is_dir() && limits.descend.is_some_and(|d| !d(&rel)) {
                EntryKind::Dir
            } else if ft.is_dir() {
                match self.list(&rel) {
                    Ok(names) => self.stack.push((rel.clone(), names)),
                    Err(source) => {
                        // Report the directory; its listing failure follows
                        // as a separate item.
                        self.pending = Some(SnapshotError::Walk {
                            path: rel.clone(),
                            source,
                        });
                    }
                }
                EntryKind::Dir
            } else if ft.is_file() {
                body = Body::Host {
                    path: host,
                    dev: meta.dev(),
                    ino: meta.ino(),
                };
                EntryKind::File
            } else if ft.is_fifo() {
                EntryKind::Fifo
            } else if ft.is_socket() {
                EntryKind::Socket
            } else if ft.is_char_device() {
                let (major, minor) = split_dev(meta.rdev());
                EntryKind::CharDevice { major, minor }
            } else if ft.is_block_device() {
                let (major, minor) = split_dev(meta.rdev());
                EntryKind::BlockDevice { major, minor }
            } else {
                EntryKind::Other('?')
            };
            let size = if kind == EntryKind::File {
                meta.len()
            } else {
                0
            };
            return Some(Ok(Entry {
                path: rel,
                path_lossy: lossy,
                kind,
                meta: Meta {
                    size,
                    mode: meta.mode() & 0o7777,
                    uid: u64::from(meta.uid()),
                    gid: u64::from(meta.gid()),
                    mtime: meta.mtime(),
                },
                link_flags,
                counter: Rc::clone(counter),
                limits,
                body,
                sha256: None,
            }));
        }
    }
}

/// Lists a directory's names (without `.` and `..`) through a descriptor
/// opened with `O_NOATIME` where permitted (std's `read_dir` would update
/// the directory's access time, which is evidence) and `O_NOFOLLOW` (a
/// directory swapped for a symlink after the `lstat` is refused).
fn read_dir_noatime(dir: &Path) -> io::Result<Vec<std::ffi::OsString>> {
    use std::os::unix::ffi::OsStringExt;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(flags | libc::O_NOATIME)
        .open(dir)
    {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => OpenOptions::new()
            .read(true)
            .custom_flags(flags)
            .open(dir)?,
        other => other?,
    };
    use std::os::fd::IntoRawFd;
    let fd = file.into_raw_fd();
    // SAFETY: `fd` is an open directory descriptor we own; on success
    // `fdopendir` takes it over and `closedir` below closes it.
    let dirp = unsafe { libc::fdopendir(fd) };
    if dirp.is_null() {
        let err = io::Error::last_os_error();
        // SAFETY: `fdopendir` failed, so `fd` is still ours to close.
        unsafe { libc::close(fd) };
        return Err(err);
    }
    let mut names = Vec::new();
    let result = loop {
        // SAFETY: errno is thread-local; clearing it tells end of stream
        // (NULL, errno 0) from an error (NULL, errno set).
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: `dirp` is a valid open DIR*.
        let ent = unsafe { libc::readdir(dirp) };
        if ent.is_null() {
            let err = io::Error::last_os_error();
            break match err.raw_os_error() {
                Some(0) | None => Ok(()),
                Some(_) => Err(err),
            };
        }
        // SAFETY: `d_name` is a NUL-terminated name inside the entry,
        // valid until the next `readdir`; it is copied at once.
        let name = unsafe { std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()) };
        let bytes = name.to_bytes();
        if bytes != b"." && bytes != b".." {
            names.push(std::ffi::OsString::from_vec(bytes.to_vec()));
        }
    };
    // SAFETY: `dirp` is valid and closed exactly once.
    unsafe { libc::closedir(dirp) };
    result?;
    Ok(names)
}

fn split_dev(rdev: u64) -> (u32, u32) {
    (
        libc::major(rdev as libc::dev_t),
        libc::minor(rdev as libc::dev_t),
    )
}

/// `lstat` of a snapshot-relative path under the root, for [`resolve_link`].
fn host_node(root: &Path, rel: &str) -> Option<Node> {
    let p = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let m = fs::symlink_metadata(&p).ok()?;
    let ft = m.file_type();
    if ft.is_symlink() {
        let t = fs::read_link(&p).ok()?;
        Some(Node::Symlink(t.to_string_lossy().into_owned()))
    } else if ft.is_dir() {
        Some(Node::Dir)
    } else {
        Some(Node::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_archive_paths() {
        assert_eq!(normalise_archive_path("./a//b/./c/").unwrap(), "a/b/c");
        assert_eq!(normalise_archive_path("./").unwrap(), "");
        assert_eq!(
            normalise_archive_path("/etc/passwd"),
            Err(UnsafeReason::Absolute)
        );
        assert_eq!(
            normalise_archive_path("a/../../b"),
            Err(UnsafeReason::ParentDir)
        );
    }

    #[test]
    fn lexical_flags() {
        assert_eq!(lexical_link_flags("a/b/l", "../c"), vec![]);
        assert_eq!(
            lexical_link_flags("a/l", "../../etc"),
            vec![LinkFlag::EscapesRoot]
        );
        assert_eq!(lexical_link_flags("l", "/x"), vec![LinkFlag::Absolute]);
    }

    #[test]
    fn resolve_over_an_index() {
        let idx = |p: &str| match p {
            "a" => Some(Node::Symlink("b".into())),
            "b" => Some(Node::Symlink("a".into())),
            "d" => Some(Node::Dir),
            "d/f" => Some(Node::Other),
            "cur" => Some(Node::Symlink("/d/f".into())),
            _ => None,
        };
        assert_eq!(resolve_link("a", "b", &idx).flags, vec![LinkFlag::Loop]);
        let r = resolve_link("x", "cur", &idx);
        assert_eq!(r.path.as_deref(), Some("d/f"));
        assert_eq!(r.flags, vec![LinkFlag::Absolute]);
        let r = resolve_link("d/l", "../../d/f", &idx);
        assert_eq!(r.path.as_deref(), Some("d/f"));
        assert_eq!(r.flags, vec![LinkFlag::EscapesRoot]);
        let r = resolve_link("l", "nope/x", &idx);
        assert_eq!(r.flags, vec![LinkFlag::Dangling]);
    }
}

//! Node snapshots: the streaming file iterator (`fs::snapshot`) over
//! directories and tar / tar.gz / tar.zst archives built here at test time,
//! and the kubelet layout (`ops::scan::layout`) against the spec's vectors
//! in `../shared/spec/vectors/layout/`.
//!
//! Expected values are hand-derived (the trees are built here, so their
//! paths, sizes and SHA-256 are known independently: the digests are
//! computed with `sha2` over the bytes written) or read from the vectors.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubelet_ckpt::fs::snapshot::{
    resolve_link, EntryError, EntryKind, Limits, LinkFlag, Node, Snapshot, SnapshotError,
    SourceKind, StreamErrorKind, UnsafeReason,
};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------
// Helpers: trees, archives, listing

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// One listed entry: path, type name, size, SHA-256 of the contents (files).
type Row = (String, String, u64, Option<String>);

/// Lists a snapshot, reading every file; also returns the error items.
fn list(snap: &mut Snapshot) -> (Vec<Row>, Vec<SnapshotError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for item in snap.entries() {
        match item {
            Ok(mut e) => {
                let digest = if *e.kind() == EntryKind::File {
                    let data = e.read_limited(u64::MAX).expect("read file");
                    assert_eq!(data.len() as u64, e.size());
                    Some(e.sha256_hex().unwrap())
                } else {
                    None
                };
                rows.push((
                    e.path().to_owned(),
                    e.kind().name().to_owned(),
                    e.size(),
                    digest,
                ));
            }
            Err(err) => errors.push(err),
        }
    }
    (rows, errors)
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

const HELLO: &[u8] = b"hello, kubelet\n";

fn deep_bytes() -> Vec<u8> {
    (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// The common tree: dirs, files (one empty), a symlink inside the tree.
fn build_tree(root: &Path) {
    fs::create_dir_all(root.join("var/lib/kubelet/pki")).unwrap();
    fs::create_dir_all(root.join("etc/kubernetes/manifests")).unwrap();
    fs::write(root.join("var/lib/kubelet/cpu_manager_state"), HELLO).unwrap();
    fs::write(
        root.join("var/lib/kubelet/pki/kubelet-client-2024-05-01-10-20-30.pem"),
        deep_bytes(),
    )
    .unwrap();
    fs::write(root.join("etc/kubernetes/manifests/.kubelet-keep"), b"").unwrap();
    symlink(
        "/var/lib/kubelet/pki/kubelet-client-2024-05-01-10-20-30.pem",
        root.join("var/lib/kubelet/pki/kubelet-client-current.pem"),
    )
    .unwrap();
    fs::set_permissions(
        root.join("var/lib/kubelet/cpu_manager_state"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
}

/// The rows the common tree must give, derived by hand from `build_tree`.
fn expected_rows() -> Vec<Row> {
    let d = |p: &str| (p.to_owned(), "dir".to_owned(), 0, None);
    let f = |p: &str, b: &[u8]| {
        (
            p.to_owned(),
            "file".to_owned(),
            b.len() as u64,
            Some(hex(&Sha256::digest(b))),
        )
    };
    sorted(vec![
        d("etc"),
        d("etc/kubernetes"),
        d("etc/kubernetes/manifests"),
        f("etc/kubernetes/manifests/.kubelet-keep", b""),
        d("var"),
        d("var/lib"),
        d("var/lib/kubelet"),
        f("var/lib/kubelet/cpu_manager_state", HELLO),
        d("var/lib/kubelet/pki"),
        f(
            "var/lib/kubelet/pki/kubelet-client-2024-05-01-10-20-30.pem",
            &deep_bytes(),
        ),
        (
            "var/lib/kubelet/pki/kubelet-client-current.pem".to_owned(),
            "symlink".to_owned(),
            0,
            None,
        ),
    ])
}

/// A tar of `root` with `./` prefixed names (as `tar -C root -cf - .`),
/// symlinks stored as links.
fn tar_of(root: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    b.append_dir_all(".", root).unwrap();
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// zstd with the frame checksum on, as the `zstd` command writes it.
fn zstd_of(data: &[u8]) -> Vec<u8> {
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    e.include_checksum(true).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn write_file(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, data).unwrap();
    p
}

/// A tar header for `name` stored verbatim (tar-rs's `set_path` refuses
/// `..` and absolute names, which is exactly what these tests need).
fn raw_entry(out: &mut Vec<u8>, name: &str, etype: tar::EntryType, data: &[u8]) {
    let mut h = tar::Header::new_ustar();
    {
        let raw = h.as_old_mut();
        raw.name = [0; 100];
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
    }
    h.set_entry_type(etype);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(1_700_000_000);
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn end_blocks(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0u8; 1024]);
}

fn stream_kind(errors: &[SnapshotError]) -> Option<StreamErrorKind> {
    errors.iter().find_map(|e| match e {
        SnapshotError::Stream { kind, .. } => Some(*kind),
        _ => None,
    })
}

// ---------------------------------------------------------------------------
// Snapshot iterator

#[test]
fn same_tree_as_dir_tar_gz_zst_lists_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let tar = tar_of(&root);
    let expected = expected_rows();

    let mut dir = Snapshot::open(&root, Limits::default()).unwrap();
    assert_eq!(dir.kind(), SourceKind::Directory);
    let (rows, errors) = list(&mut dir);
    assert!(errors.is_empty(), "{errors:?}");
    // Directory walks are already sorted (parents first, names in byte order).
    assert_eq!(rows, expected);

    for (name, bytes, kind) in [
        ("s.tar", tar.clone(), SourceKind::Tar),
        // Names that lie about the format: detection is by magic bytes.
        ("s.tar.zst", gzip(&tar), SourceKind::TarGz),
        ("s.bin", zstd_of(&tar), SourceKind::TarZst),
    ] {
        let p = write_file(tmp.path(), name, &bytes);
        let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
        assert_eq!(snap.kind(), kind);
        let (rows, errors) = list(&mut snap);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(sorted(rows), expected, "{name}");
    }
}

#[test]
fn metadata_and_symlink_target_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let p = write_file(tmp.path(), "s.tar", &tar_of(&root));
    for path in [root.clone(), p] {
        let mut snap = Snapshot::open(&path, Limits::default()).unwrap();
        let mut seen = 0;
        for item in snap.entries() {
            let e = item.unwrap();
            if e.path() == "var/lib/kubelet/cpu_manager_state" {
                assert_eq!(e.mode(), 0o600);
                seen += 1;
            }
            if e.path() == "var/lib/kubelet/pki/kubelet-client-current.pem" {
                assert_eq!(
                    e.kind(),
                    &EntryKind::Symlink {
                        target: "/var/lib/kubelet/pki/kubelet-client-2024-05-01-10-20-30.pem"
                            .into()
                    }
                );
                assert!(e.link_flags().contains(&LinkFlag::Absolute));
                assert!(!e.link_flags().contains(&LinkFlag::EscapesRoot));
                assert!(!e.link_flags().contains(&LinkFlag::Dangling));
                seen += 1;
            }
        }
        assert_eq!(seen, 2, "{path:?}");
    }
}

#[test]
fn dir_walk_reports_fifo_socket_and_never_opens_them() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(root.join("device-plugins")).unwrap();
    let fifo = root.join("device-plugins/pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let _listener =
        std::os::unix::net::UnixListener::bind(root.join("device-plugins/kubelet.sock")).unwrap();

    // Opening the FIFO would block forever (no writer): the walk must not.
    let mut snap = Snapshot::open(&root, Limits::default()).unwrap();
    let mut kinds = Vec::new();
    for item in snap.entries() {
        let mut e = item.unwrap();
        if matches!(e.kind(), EntryKind::Fifo | EntryKind::Socket) {
            assert!(matches!(
                e.read_limited(10),
                Err(EntryError::NotAFile { .. })
            ));
        }
        kinds.push((e.path().to_owned(), e.kind().name()));
    }
    assert_eq!(
        kinds,
        vec![
            ("device-plugins".to_owned(), "dir"),
            ("device-plugins/kubelet.sock".to_owned(), "socket"),
            ("device-plugins/pipe".to_owned(), "fifo"),
        ]
    );
}

#[test]
fn symlinks_outside_and_loops_are_flagged_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(root.join("a/b")).unwrap();
    // A secret beside the snapshot, which a followed link would reveal.
    fs::write(tmp.path().join("secret"), b"host secret").unwrap();
    symlink("../../../secret", root.join("a/b/out")).unwrap();
    symlink("loop2", root.join("a/loop1")).unwrap();
    symlink("loop1", root.join("a/loop2")).unwrap();
    symlink("missing", root.join("a/dangling")).unwrap();
    symlink("b", root.join("a/inside")).unwrap();
    // A directory symlink leading out: the walk must not descend into it.
    symlink(tmp.path(), root.join("hostdir")).unwrap();

    let mut snap = Snapshot::open(&root, Limits::default()).unwrap();
    let mut got = Vec::new();
    for item in snap.entries() {
        let e = item.unwrap();
        got.push((e.path().to_owned(), e.link_flags().to_vec()));
    }
    assert_eq!(
        got,
        vec![
            ("a".into(), vec![]),
            ("a/b".into(), vec![]),
            (
                "a/b/out".into(),
                vec![LinkFlag::EscapesRoot, LinkFlag::Dangling]
            ),
            ("a/dangling".into(), vec![LinkFlag::Dangling]),
            ("a/inside".into(), vec![]),
            ("a/loop1".into(), vec![LinkFlag::Loop]),
            ("a/loop2".into(), vec![LinkFlag::Loop]),
            (
                "hostdir".into(),
                vec![LinkFlag::Absolute, LinkFlag::Dangling]
            ),
        ]
    );

    // Archives: lexical flags at once, loops through an index afterwards.
    let mut t = Vec::new();
    raw_entry(&mut t, "a/b/out", tar::EntryType::Symlink, b"");
    let mut h = tar::Header::new_ustar();
    h.set_path("a/loop1").unwrap();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_link_name("loop2").unwrap();
    h.set_size(0);
    h.set_cksum();
    t.extend_from_slice(h.as_bytes());
    end_blocks(&mut t);
    // Give the first entry its escaping target.
    let mut first = tar::Header::from_byte_slice(&t[..512]).clone();
    first.set_link_name("../../../secret").unwrap();
    first.set_cksum();
    t[..512].copy_from_slice(first.as_bytes());
    let p = write_file(tmp.path(), "links.tar", &t);
    let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
    let mut index = std::collections::HashMap::new();
    for item in snap.entries() {
        let e = item.unwrap();
        if let EntryKind::Symlink { target } = e.kind() {
            index.insert(e.path().to_owned(), target.clone());
            if e.path() == "a/b/out" {
                assert_eq!(e.link_flags(), &[LinkFlag::EscapesRoot]);
            }
        }
    }
    index.insert("a/loop2".into(), "loop1".into());
    let lookup = |p: &str| {
        index
            .get(p)
            .map(|t| Node::Symlink(t.clone()))
            .or_else(|| (p == "a").then_some(Node::Dir))
    };
    assert_eq!(
        resolve_link("a/loop1", "loop2", &lookup).flags,
        vec![LinkFlag::Loop]
    );
}

#[test]
fn absolute_and_dotdot_entries_are_errors_and_the_walk_goes_on() {
    let mut t = Vec::new();
    raw_entry(&mut t, "/etc/shadow", tar::EntryType::Regular, b"root:x");
    raw_entry(&mut t, "./../escape", tar::EntryType::Regular, b"evil");
    raw_entry(&mut t, "ok/../../x", tar::EntryType::Regular, b"evil");
    raw_entry(&mut t, "./good", tar::EntryType::Regular, b"fine");
    raw_entry(&mut t, "hard", tar::EntryType::Link, b"");
    end_blocks(&mut t);
    // The hard link's target climbs out.
    let off = 8 * 512;
    let mut h = tar::Header::from_byte_slice(&t[off..off + 512]).clone();
    h.as_old_mut().linkname[..9].copy_from_slice(b"../shadow");
    h.set_cksum();
    t[off..off + 512].copy_from_slice(h.as_bytes());

    let tmp = tempfile::tempdir().unwrap();
    let p = write_file(tmp.path(), "evil.tar", &t);
    let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
    let mut out = Vec::new();
    for item in snap.entries() {
        match item {
            Ok(mut e) => {
                let data = e.read_limited(100).unwrap();
                out.push(format!(
                    "ok {} {}",
                    e.path(),
                    String::from_utf8_lossy(&data)
                ));
            }
            Err(SnapshotError::UnsafePath { path, reason, .. }) => {
                out.push(format!("unsafe {path} {reason:?}"))
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(
        out,
        vec![
            format!("unsafe /etc/shadow {:?}", UnsafeReason::Absolute),
            format!("unsafe ./../escape {:?}", UnsafeReason::ParentDir),
            format!("unsafe ok/../../x {:?}", UnsafeReason::ParentDir),
            "ok good fine".to_owned(),
            format!("unsafe hard {:?}", UnsafeReason::ParentDir),
        ]
    );
}

#[test]
fn truncated_tar_gz_ends_with_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let gz = gzip(&tar_of(&root));
    for cut in [gz.len() / 2, gz.len() - 4, 12] {
        let p = write_file(tmp.path(), "cut.tar.gz", &gz[..cut]);
        let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
        let mut errors = Vec::new();
        let mut n = 0;
        for item in snap.entries() {
            match item {
                Ok(mut e) => {
                    // Reading a cut file fails; that is not the test here.
                    let _ = e.read_limited(u64::MAX);
                    n += 1;
                }
                Err(e) => errors.push(e),
            }
        }
        assert!(
            n < expected_rows().len() || cut == gz.len() - 4,
            "cut {cut}"
        );
        assert_eq!(errors.len(), 1, "cut {cut}: {errors:?}");
        assert_eq!(
            stream_kind(&errors),
            Some(StreamErrorKind::Truncated),
            "cut {cut}: {errors:?}"
        );
    }
}

#[test]
fn plain_tar_cut_at_a_block_boundary_is_truncated() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let tar = tar_of(&root);
    // Drop the end-of-archive blocks (and tar-rs's padding) entirely.
    let mut end = tar.len();
    while tar[end - 512..end].iter().all(|b| *b == 0) {
        end -= 512;
    }
    let p = write_file(tmp.path(), "noend.tar", &tar[..end]);
    let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
    let (rows, errors) = list(&mut snap);
    assert_eq!(sorted(rows), expected_rows());
    assert_eq!(
        stream_kind(&errors),
        Some(StreamErrorKind::Truncated),
        "{errors:?}"
    );
}

#[test]
fn gzip_crc_error_is_reported_after_the_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let mut gz = gzip(&tar_of(&root));
    // The gzip trailer is CRC32 then ISIZE (RFC 1952): flip a CRC byte.
    let n = gz.len();
    gz[n - 8] ^= 0xff;
    let p = write_file(tmp.path(), "crc.tar.gz", &gz);
    let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
    let (rows, errors) = list(&mut snap);
    // Every entry was readable; the CRC is checked at the very end.
    assert_eq!(sorted(rows), expected_rows());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        stream_kind(&errors),
        Some(StreamErrorKind::Corrupt),
        "{errors:?}"
    );
}

#[test]
fn corrupt_zstd_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let z = zstd_of(&tar_of(&root));
    let n = z.len();
    // The frame ends with the content checksum (low 4 bytes of XXH64).
    let mut bad_sum = z.clone();
    bad_sum[n - 1] ^= 0xff;
    // Garbage in the middle of the compressed blocks.
    let mut bad_block = z.clone();
    for b in &mut bad_block[n / 2..n / 2 + 16] {
        *b ^= 0x5a;
    }
    for (name, bytes) in [
        ("sum", bad_sum),
        ("block", bad_block),
        ("cut", z[..n / 2].to_vec()),
    ] {
        let p = write_file(tmp.path(), "bad.tar.zst", &bytes);
        let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
        let mut errors = Vec::new();
        for item in snap.entries() {
            match item {
                Ok(mut e) => {
                    let _ = e.read_limited(u64::MAX);
                }
                Err(e) => errors.push(e),
            }
        }
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        let want = if name == "cut" {
            StreamErrorKind::Truncated
        } else {
            StreamErrorKind::Corrupt
        };
        assert_eq!(stream_kind(&errors), Some(want), "{name}: {errors:?}");
    }
}

/// 100 MiB of zeros in one tar member, gzip-compressed as concatenated
/// members (one header member, 100 copies of a 1 MiB-of-zeros member, an
/// end member) so the test itself compresses only 1 MiB.
fn zero_bomb_tar_gz() -> Vec<u8> {
    const MIB: usize = 1 << 20;
    let mut header = Vec::new();
    let mut h = tar::Header::new_ustar();
    h.set_path("var/lib/kubelet/cpu_manager_state").unwrap();
    h.set_size(100 * MIB as u64);
    h.set_mode(0o600);
    h.set_cksum();
    header.extend_from_slice(h.as_bytes());
    let mut out = gzip(&header);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; MIB]).unwrap();
    let chunk = e.finish().unwrap();
    for _ in 0..100 {
        out.extend_from_slice(&chunk);
    }
    out.extend_from_slice(&gzip(&[0u8; 1024]));
    out
}

#[test]
fn decompression_bomb_is_cut_off_at_the_total_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let bomb = zero_bomb_tar_gz();
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let p = write_file(tmp.path(), "bomb.tar.gz", &bomb);
    let limits = Limits {
        max_file_bytes: 64 << 20,
        max_total_bytes: 10 << 20,
        descend: None,
    };
    let start = Instant::now();

    // Skipping the file: tar-rs reads past it, the counter stops it.
    let mut snap = Snapshot::open(&p, limits).unwrap();
    let mut errors = Vec::new();
    let mut sizes = Vec::new();
    for item in snap.entries() {
        match item {
            Ok(e) => sizes.push(e.size()),
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(sizes, vec![100 << 20]);
    assert_eq!(
        stream_kind(&errors),
        Some(StreamErrorKind::TotalLimit),
        "{errors:?}"
    );
    assert!(snap.bytes_read() <= 10 << 20);

    // Reading it: the per-file limit refuses at once ...
    let mut snap = Snapshot::open(&p, limits).unwrap();
    let mut e = snap.entries().next().unwrap().unwrap();
    assert!(matches!(
        e.read_limited(u64::MAX),
        Err(EntryError::TooLarge { .. })
    ));
    drop(e);
    // ... and with a larger per-file limit, the total limit does.
    let big = Limits {
        max_file_bytes: 1 << 30,
        ..limits
    };
    let mut snap = Snapshot::open(&p, big).unwrap();
    let mut entries = snap.entries();
    let mut e = entries.next().unwrap().unwrap();
    assert!(matches!(
        e.read_limited(u64::MAX),
        Err(EntryError::TotalLimit { .. })
    ));
    drop(e);
    assert!(matches!(
        entries.next(),
        Some(Err(SnapshotError::Stream {
            kind: StreamErrorKind::TotalLimit,
            ..
        }))
    ));
    assert!(entries.next().is_none());
    drop(entries);
    assert!(snap.bytes_read() <= 10 << 20);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn per_file_limit_and_single_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let limits = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    let p = write_file(tmp.path(), "s.tar", &tar_of(&root));
    for path in [root.clone(), p] {
        let mut snap = Snapshot::open(&path, limits).unwrap();
        for item in snap.entries() {
            let mut e = item.unwrap();
            if e.path().ends_with("10-20-30.pem") {
                // 10,000 bytes > 100: refused, nothing returned.
                assert!(matches!(
                    e.read_limited(u64::MAX),
                    Err(EntryError::TooLarge {
                        size: 10_000,
                        limit: 100,
                        ..
                    })
                ));
            }
            if e.path().ends_with("cpu_manager_state") {
                assert!(matches!(
                    e.read_limited(3),
                    Err(EntryError::TooLarge { .. })
                ));
                assert_eq!(e.sha256(), None);
            }
        }
        let mut snap = Snapshot::open(&path, limits).unwrap();
        for item in snap.entries() {
            let mut e = item.unwrap();
            if e.path().ends_with("cpu_manager_state") {
                assert_eq!(e.read_limited(100).unwrap(), HELLO);
                assert_eq!(e.sha256_hex().unwrap(), hex(&Sha256::digest(HELLO)));
                assert!(matches!(
                    e.read_limited(100),
                    Err(EntryError::AlreadyRead { .. })
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Kubelet layout: the spec's vectors (`tests/data/layout/` is a copy of
// `../shared/spec/vectors/layout/`, checked equal below when present).

use kubelet_ckpt::ops::scan::layout::{
    classify, classify_kind, dropin_walk, effective_config, get_path, ArgvSource, Layout, MemFiles,
    PathKind, RootMode, CLASSES,
};
use serde_json::Value;

fn layout_data(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/layout")
        .join(name);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `../shared/spec` when present; with CI=true it must be.
fn shared_spec() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {} is missing",
        p.display()
    );
    eprintln!("skipping: {} is absent", p.display());
    None
}

/// TSV rows as maps of header → cell.
fn tsv(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t').chain(std::iter::repeat("")))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn layout_vector_copies_equal_the_spec() {
    let Some(spec) = shared_spec() else { return };
    let theirs = spec.join("vectors/layout");
    let mut names: Vec<String> = fs::read_dir(&theirs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut ours: Vec<String> =
        fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/layout"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    ours.sort();
    assert_eq!(ours, names);
    for n in names {
        assert_eq!(
            layout_data(&n),
            fs::read_to_string(theirs.join(&n)).unwrap(),
            "tests/data/layout/{n} differs from the spec's copy"
        );
    }
}

/// Every class ID in the spec's §2 tables (column `class`) and §2.5's list
/// is in our table; `pod.*`/`legacy.*` are families, `…-dropin-ignored`
/// abbreviates `kubelet.config-dropin-ignored`.
#[test]
fn class_table_covers_the_spec() {
    let Some(spec) = shared_spec() else { return };
    let md = fs::read_to_string(spec.join("kubelet-node-layout.md")).unwrap();
    let mut ids = Vec::new();
    let mut col: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            col = None;
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        match col {
            None => col = cells.iter().position(|c| *c == "class"),
            Some(i) => {
                for id in cells.get(i).unwrap_or(&"").split('`').skip(1).step_by(2) {
                    ids.push(id.to_owned());
                }
            }
        }
    }
    let logs = md
        .split("### 2.5")
        .nth(1)
        .unwrap()
        .split("* Pod directory")
        .next()
        .unwrap();
    ids.extend(
        logs.split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| s.starts_with("log."))
            .map(String::from),
    );
    assert!(ids.len() > 60, "{ids:?}");
    for id in ids {
        let id = id.replace("…-dropin-ignored", "kubelet.config-dropin-ignored");
        if id.ends_with(".*") {
            let fam = id.trim_end_matches('*');
            assert!(CLASSES.iter().any(|c| c.id.starts_with(fam)), "{id}");
            continue;
        }
        assert!(
            CLASSES.iter().any(|c| c.id == id),
            "class {id} of the spec is not in CLASSES"
        );
    }
}

#[test]
fn paths_tsv_classes_and_fields() {
    let layout = Layout::kubeadm_defaults();
    for row in tsv(&layout_data("paths.tsv")) {
        let path = &row["path"];
        let class = classify(path, &layout);
        assert_eq!(class.id(), row["class"], "{path}");
        // Owner: the first word of the spec's column ("DRA driver" is a
        // plugin in our vocabulary).
        let owner = row["owner"].split_whitespace().next().unwrap();
        let owner = if owner == "DRA" { "plugin" } else { owner };
        assert_eq!(class.owner, owner, "{path}");
        // Fields: every `key=value` the spec lists that a path alone can
        // give. Not from the path: `target` (the symlink's stored target)
        // and `host_network` (the first line of etc-hosts).
        for pair in row["parsed fields"].split("; ") {
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            if k.contains(' ') || k == "target" || k == "host_network" {
                continue;
            }
            let v = v.split(" (").next().unwrap();
            let got = class
                .field(k)
                .unwrap_or_else(|| panic!("{path}: no field {k}"));
            match v.split_once('…') {
                // Abbreviated in the spec: compare both ends.
                Some((head, tail)) => assert!(
                    got.starts_with(head) && got.ends_with(tail) && got.len() > v.len(),
                    "{path}: {k}={got} vs {v}"
                ),
                None => assert_eq!(got, v, "{path}: {k}"),
            }
        }
    }
}

#[test]
fn static_pod_dir_tsv() {
    let layout = Layout::kubeadm_defaults();
    assert_eq!(
        layout.static_pod_path.as_deref(),
        Some("/etc/kubernetes/manifests")
    );
    for row in tsv(&layout_data("static-pod-dir.tsv")) {
        let entry = row["entry (relative to staticPodPath)"]
            .split(" (")
            .next()
            .unwrap();
        let entry = entry.split(" -> ").next().unwrap();
        let kind = match row["type"].as_str() {
            "file" => PathKind::File,
            "dir" => PathKind::Dir,
            "symlink" => PathKind::Symlink,
            t => panic!("{t}"),
        };
        let class = classify_kind(&format!("etc/kubernetes/manifests/{entry}"), kind, &layout);
        let want = if row["read by the kubelet"].starts_with("yes") {
            "staticpod.manifest"
        } else {
            "staticpod.ignored"
        };
        assert_eq!(class.id(), want, "{entry}");
    }
}

#[test]
fn dropin_order_tsv() {
    let rows = tsv(&layout_data("dropin-order.tsv"));
    let mut cases: Vec<&str> = rows.iter().map(|r| r["case"].as_str()).collect();
    cases.dedup();
    for case in cases {
        let mut files = MemFiles::new();
        let dir = "etc/kubernetes/kubelet.conf.d";
        files.add_dir(dir);
        let mut want: Vec<(usize, String)> = Vec::new();
        let mut want_skipped = Vec::new();
        for r in rows.iter().filter(|r| r["case"] == case) {
            let entry = &r["entry (relative to --config-dir)"];
            match r["type"].as_str() {
                "dir" => files.add_dir(&format!("{dir}/{entry}")),
                _ => files.add_file(&format!("{dir}/{entry}"), "x"),
            }
            match r["loaded"].as_str() {
                "yes" => want.push((r["position"].parse().unwrap(), entry.clone())),
                "no" => want_skipped.push(entry.clone()),
                _ => {}
            }
        }
        want.sort();
        let want: Vec<String> = want.into_iter().map(|(_, e)| e).collect();
        let (loaded, mut skipped) = dropin_walk(&files, dir);
        assert_eq!(loaded, want, "{case}");
        skipped.sort();
        want_skipped.sort();
        assert_eq!(skipped, want_skipped, "{case}");
    }
}

fn mem_files(files: &Value) -> MemFiles {
    let mut m = MemFiles::new();
    for (path, text) in files.as_object().unwrap() {
        m.add_file(path, text.as_str().unwrap());
    }
    m
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn unit_argv_json() {
    let cases: Value = serde_json::from_str(&layout_data("unit-argv.json")).unwrap();
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let layout = Layout::discover(&mem_files(&case["files"]));
        assert_eq!(layout.mode, RootMode::Full, "{name}");
        assert!(
            matches!(layout.argv_source, ArgvSource::Systemd(_)),
            "{name}"
        );
        assert_eq!(layout.argv, strings(&case["expect_argv"]), "{name}");
        // Layout-level findings (release-dependent ones, such as removed
        // flags, belong to the scan's release checks).
        if let Some(findings) = case.get("expect_findings") {
            for f in strings(findings) {
                let code = f.split(' ').next().unwrap();
                let note = layout
                    .notes
                    .iter()
                    .find(|n| n.code == code)
                    .unwrap_or_else(|| panic!("{name}: no {code} in {:?}", layout.notes));
                for p in &note.paths {
                    assert!(f.contains(p.as_str()), "{name}: {p} not in {f}");
                }
            }
        }
    }
    // The first case is kubeadm on a pkgs.k8s.io deb: where things are.
    let layout = Layout::discover(&mem_files(&cases[0]["files"]));
    assert_eq!(
        layout.config.as_deref(),
        Some("/var/lib/kubelet/config.yaml")
    );
    assert_eq!(
        layout.kubeconfig.as_deref(),
        Some("/etc/kubernetes/kubelet.conf")
    );
    assert_eq!(
        layout.runtime_endpoint,
        "unix:///var/run/containerd/containerd.sock"
    );
    assert_eq!(layout.root_dir, "/var/lib/kubelet");
    assert_eq!(layout.cert_dir, "/var/lib/kubelet/pki");
}

#[test]
fn dropin_merge_json() {
    let cases: Value = serde_json::from_str(&layout_data("dropin-merge.json")).unwrap();
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let got = effective_config(&mem_files(&case["files"]), &strings(&case["argv"]));
        if case.get("expect_error").is_some() {
            assert!(got.is_err(), "{name}: {got:?}");
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        for (path, want) in case["expect"].as_object().unwrap() {
            assert_eq!(get_path(&got.config, path), Some(want), "{name}: {path}");
        }
    }
}

// ---------------------------------------------------------------------------
// Kubelet layout: discovery cases derived by hand from spec §1.4 and §5.

#[test]
fn root_only_snapshot_is_recognised() {
    let mut files = MemFiles::new();
    files.add_file("cpu_manager_state", "{}");
    files.add_file("pki/kubelet.crt", "");
    files.add_file("device-plugins/kubelet_internal_checkpoint", "{}");
    files.add_file(
        "config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: manifests\n",
    );
    let layout = Layout::discover(&files);
    assert_eq!(layout.mode, RootMode::KubeletRoot);
    assert!(layout.notes.iter().any(|n| n.code == "config.argv-assumed"));
    assert_eq!(
        layout.config.as_deref(),
        Some("/var/lib/kubelet/config.yaml")
    );
    // Relative staticPodPath: against the config file's directory (§1.2).
    assert_eq!(
        layout.static_pod_path.as_deref(),
        Some("/var/lib/kubelet/manifests")
    );
    for (path, class) in [
        ("cpu_manager_state", "state.cpu-manager"),
        ("pki/kubelet.crt", "pki.serving-selfsigned-cert"),
        (
            "device-plugins/kubelet_internal_checkpoint",
            "state.device-checkpoint",
        ),
        ("config.yaml", "kubelet.config"),
        ("manifests/etcd.yaml", "staticpod.manifest"),
        ("", "dir.root"),
        ("something-else", "unknown"),
    ] {
        assert_eq!(classify(path, &layout).id(), class, "{path}");
    }
    assert!(classify("something-else", &layout).in_kubelet_area);
}

#[test]
fn one_top_directory_is_descended() {
    let mut files = MemFiles::new();
    files.add_file("node1/var/lib/kubelet/cpu_manager_state", "{}");
    files.add_file("node1/etc/hostname", "node1");
    let layout = Layout::discover(&files);
    assert_eq!(layout.mode, RootMode::Full);
    assert_eq!(layout.prefix, "node1/");
    assert!(layout.notes.iter().any(|n| n.code == "layout.descended"));
    assert_eq!(
        classify("node1/var/lib/kubelet/cpu_manager_state", &layout).id(),
        "state.cpu-manager"
    );
    let other = classify("node1/etc/hostname", &layout);
    assert_eq!(other.id(), "unknown");
    assert!(!other.in_kubelet_area);
}

#[test]
fn root_dir_flag_moves_the_root_but_not_the_device_plugins_or_cert_dir() {
    let mut files = MemFiles::new();
    files.add_file(
        "usr/lib/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --root-dir=/data/kubelet --lock-file=/var/run/kubelet.lock\n",
    );
    let layout = Layout::discover(&files);
    assert_eq!(layout.root_dir, "/data/kubelet");
    // §1.4: --cert-dir's default is a literal; device-plugins is fixed.
    assert_eq!(layout.cert_dir, "/var/lib/kubelet/pki");
    for (path, class) in [
        ("data/kubelet/cpu_manager_state", "state.cpu-manager"),
        ("var/lib/kubelet/cpu_manager_state", "unknown"),
        (
            "var/lib/kubelet/device-plugins/kubelet.sock",
            "socket.device-registration",
        ),
        (
            "var/lib/kubelet/pki/kubelet.key",
            "pki.serving-selfsigned-key",
        ),
        ("var/run/kubelet.lock", "lockfile"),
        ("usr/lib/systemd/system/kubelet.service", "systemd.unit"),
        ("usr/bin/kubelet", "binary.kubelet"),
    ] {
        assert_eq!(classify(path, &layout).id(), class, "{path}");
    }
}

#[test]
fn snapshot_and_layout_together() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let p = write_file(tmp.path(), "node.tar.zst", &zstd_of(&tar_of(&root)));
    // Index the archive in one pass: small files' contents, every path.
    let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
    let mut files = MemFiles::new();
    let mut paths = Vec::new();
    for item in snap.entries() {
        let mut e = item.unwrap();
        match e.kind() {
            EntryKind::Dir => files.add_dir(e.path()),
            EntryKind::File => {
                let data = e.read_limited(1 << 20).unwrap();
                files.add_file(e.path(), data);
            }
            _ => {}
        }
        let kind = match e.kind() {
            EntryKind::Dir => PathKind::Dir,
            EntryKind::File => PathKind::File,
            EntryKind::Symlink { .. } => PathKind::Symlink,
            _ => PathKind::Special,
        };
        paths.push((e.path().to_owned(), kind));
    }
    let layout = Layout::discover(&files);
    assert_eq!(layout.mode, RootMode::Full);
    let mut got: Vec<(String, &str)> = paths
        .iter()
        .map(|(p, k)| (p.clone(), classify_kind(p, *k, &layout).id()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("etc".into(), "unknown"),
            ("etc/kubernetes".into(), "unknown"),
            ("etc/kubernetes/manifests".into(), "unknown"),
            ("etc/kubernetes/manifests/.kubelet-keep".into(), "unknown"),
            ("var".into(), "unknown"),
            ("var/lib".into(), "unknown"),
            ("var/lib/kubelet".into(), "dir.root"),
            (
                "var/lib/kubelet/cpu_manager_state".into(),
                "state.cpu-manager"
            ),
            ("var/lib/kubelet/pki".into(), "dir.cert"),
            (
                "var/lib/kubelet/pki/kubelet-client-2024-05-01-10-20-30.pem".into(),
                "pki.client-pair"
            ),
            (
                "var/lib/kubelet/pki/kubelet-client-current.pem".into(),
                "pki.client-current"
            ),
        ]
    );
}

/// systemd.unit(5): a unit in /etc linked to /dev/null is masked; a
/// symlinked unit or drop-in is read through the link.
#[test]
fn masked_and_symlinked_units() {
    let mut files = MemFiles::new();
    files.add_symlink("etc/systemd/system/kubelet.service", "/dev/null");
    files.add_file(
        "usr/lib/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --v=9\n",
    );
    let layout = Layout::discover(&files);
    assert!(
        layout.notes.iter().any(|n| n.code == "config.unit-masked"),
        "{:?}",
        layout.notes
    );
    assert_eq!(layout.argv_source, ArgvSource::Assumed);

    let mut files = MemFiles::new();
    files.add_symlink(
        "etc/systemd/system/kubelet.service",
        "/opt/k8s/kubelet.service",
    );
    files.add_file(
        "opt/k8s/kubelet.service",
        "[Service]\nExecStart=/opt/k8s/kubelet $ARGS\n",
    );
    files.add_symlink(
        "etc/systemd/system/kubelet.service.d/10-args.conf",
        "../../../../opt/k8s/args.conf",
    );
    files.add_file(
        "opt/k8s/args.conf",
        "[Service]\nEnvironment=\"ARGS=--root-dir=/srv/kubelet --v=1\"\n",
    );
    let layout = Layout::discover(&files);
    assert_eq!(
        layout.argv,
        vec!["/opt/k8s/kubelet", "--root-dir=/srv/kubelet", "--v=1"]
    );
    assert_eq!(layout.root_dir, "/srv/kubelet");
    assert_eq!(classify("opt/k8s/kubelet", &layout).id(), "binary.kubelet");
}

#[test]
fn archive_hardlinks_devices_and_odd_names() {
    let mut t = Vec::new();
    raw_entry(
        &mut t,
        "./var/lib/kubelet/cpu_manager_state",
        tar::EntryType::Regular,
        b"{}",
    );
    raw_entry(&mut t, "./var/lib/kubelet/copy", tar::EntryType::Link, b"");
    raw_entry(&mut t, "dev/sda", tar::EntryType::Block, b"");
    raw_entry(&mut t, "dev/null", tar::EntryType::Char, b"");
    raw_entry(&mut t, "run/fifo", tar::EntryType::Fifo, b"");
    raw_entry(&mut t, "odd-\u{fffd}", tar::EntryType::Regular, b"");
    end_blocks(&mut t);
    // Link target of the hard link; device numbers; a non-UTF-8 name byte.
    let mut h = tar::Header::from_byte_slice(&t[1024..1536]).clone();
    h.set_link_name("./var/lib/kubelet/cpu_manager_state")
        .unwrap();
    h.set_cksum();
    t[1024..1536].copy_from_slice(h.as_bytes());
    let mut h = tar::Header::from_byte_slice(&t[1536..2048]).clone();
    h.set_device_major(8).unwrap();
    h.set_device_minor(0).unwrap();
    h.set_cksum();
    t[1536..2048].copy_from_slice(h.as_bytes());
    let mut h = tar::Header::from_byte_slice(&t[3072..3584]).clone();
    h.as_old_mut().name[4..7].copy_from_slice(&[0xff, 0, 0]);
    h.set_cksum();
    t[3072..3584].copy_from_slice(h.as_bytes());

    let tmp = tempfile::tempdir().unwrap();
    let p = write_file(tmp.path(), "odd.tar", &t);
    let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
    let mut got = Vec::new();
    for item in snap.entries() {
        let mut e = item.unwrap();
        if *e.kind() != EntryKind::File {
            assert!(matches!(
                e.read_limited(10),
                Err(EntryError::NotAFile { .. })
            ));
        }
        got.push((e.path().to_owned(), e.kind().clone(), e.path_lossy()));
    }
    assert_eq!(
        got,
        vec![
            (
                "var/lib/kubelet/cpu_manager_state".into(),
                EntryKind::File,
                false
            ),
            (
                "var/lib/kubelet/copy".into(),
                EntryKind::Hardlink {
                    target: "var/lib/kubelet/cpu_manager_state".into()
                },
                false
            ),
            (
                "dev/sda".into(),
                EntryKind::BlockDevice { major: 8, minor: 0 },
                false
            ),
            (
                "dev/null".into(),
                EntryKind::CharDevice { major: 0, minor: 0 },
                false
            ),
            ("run/fifo".into(), EntryKind::Fifo, false),
            ("odd-\u{fffd}".into(), EntryKind::File, true),
        ]
    );
}

#[test]
fn dir_walk_stops_at_the_total_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_total_bytes: 1000,
        descend: None,
    };
    let mut snap = Snapshot::open(&root, limits).unwrap();
    let mut out = Vec::new();
    for item in snap.entries() {
        match item {
            Ok(mut e) => {
                if *e.kind() == EntryKind::File {
                    out.push(match e.read_limited(u64::MAX) {
                        Ok(_) => format!("read {}", e.path()),
                        Err(EntryError::TotalLimit { .. }) => format!("limit {}", e.path()),
                        Err(err) => panic!("{err}"),
                    });
                }
            }
            Err(SnapshotError::Stream { kind, .. }) => out.push(format!("end {kind:?}")),
            Err(e) => panic!("{e}"),
        }
    }
    // Sorted walk: the empty .kubelet-keep, then the 15-byte state file,
    // then the 10,000-byte pem crosses 1,000 and the walk ends.
    assert_eq!(
        out,
        vec![
            "read etc/kubernetes/manifests/.kubelet-keep".to_owned(),
            "read var/lib/kubelet/cpu_manager_state".to_owned(),
            "limit var/lib/kubelet/pki/kubelet-client-2024-05-01-10-20-30.pem".to_owned(),
            "end TotalLimit".to_owned(),
        ]
    );
}

#[test]
fn entries_twice_on_an_archive_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let p = write_file(tmp.path(), "s.tar.gz", &gzip(&tar_of(&root)));
    let mut snap = Snapshot::open(&p, Limits::default()).unwrap();
    assert_eq!(snap.entries().count(), expected_rows().len());
    let again: Vec<_> = snap.entries().collect();
    assert_eq!(again.len(), 1);
    assert!(matches!(again[0], Err(SnapshotError::Stream { .. })));
}

/// Evidence keeps its access times: files are read and directories listed
/// through `O_NOATIME` descriptors (we run as the owner here, so the
/// kernel permits it). The control read shows whether this file system
/// updates atimes at all (relatime updates an atime older than a day).
#[test]
fn walking_and_reading_keep_access_times() {
    use std::time::SystemTime;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    build_tree(&root);
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800); // 2000-01-01
    let dir = root.join("var/lib/kubelet");
    let file = dir.join("cpu_manager_state");
    for p in [&dir, &file] {
        let f = fs::File::open(p).unwrap();
        f.set_times(fs::FileTimes::new().set_accessed(old).set_modified(old))
            .unwrap();
    }
    let atime = |p: &Path| fs::metadata(p).unwrap().accessed().unwrap();
    let mut snap = Snapshot::open(&root, Limits::default()).unwrap();
    for item in snap.entries() {
        let mut e = item.unwrap();
        if *e.kind() == EntryKind::File {
            e.read_limited(u64::MAX).unwrap();
        }
    }
    assert_eq!(atime(&dir), old, "directory atime changed");
    assert_eq!(atime(&file), old, "file atime changed");
    // Control: plain std reads.
    let _ = fs::read_dir(&dir).unwrap().count();
    let _ = fs::read(&file).unwrap();
    eprintln!(
        "control: std reads {} atimes here",
        if atime(&file) != old {
            "update"
        } else {
            "do not update"
        }
    );
}

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

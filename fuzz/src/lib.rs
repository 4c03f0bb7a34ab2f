//! The properties every kubelet file family is fuzzed against, written once.
//!
//! Each `fuzz_targets/<family>.rs` names its family by the kubelet file
//! name(s) its kinds are stored under ([`KindInfo::file`]) and hands the raw
//! input bytes to [`Family::check`], which judges them as *every* kind of the
//! family (so a seed is a plain kubelet file, usable by every era's reader,
//! and one input exercises the family's whole fallback chain) and checks:
//!
//! 1. `verify` never panics and is deterministic (same `Verification` twice);
//! 2. `explain` and `checksum` never panic; when both succeed, the checksum
//!    of the explained text under the kind's scheme is `checksum().computed`
//!    (explain shows exactly what is hashed), and a checksum `verify`
//!    reports agrees with `checksum()`;
//! 3. if `verify` says `ok` (on a non-empty input: an empty cpu-file is "no
//!    state" and has no canonical form), `canonical` succeeds (except for the
//!    [`READ_ONLY`] kinds, whose `canonical` must always refuse) and, where
//!    the scheme has a checksum, `checksum` and `explain` succeed too;
//! 4. whenever `canonical(x)` succeeds: it is a fixed point
//!    (`canonical(canonical(x)) == canonical(x)`); `verify` accepts it
//!    (`ok`, or `rejected` when a restore check refuses the state itself,
//!    never `corrupt` or `invalid-json`), and `ok` whenever `x` was `ok`;
//!    for kinds with a stored checksum, `checksum(canonical(x))` finds the
//!    stored checksum equal to the computed one (what canonical wrote is
//!    what `checksum` computes). Note that this is *not* always
//!    `checksum(x).computed`: the kubelet writes its in-memory state, not
//!    the decoded file (e.g. `"entries":null` is written back as `{}`, which
//!    spew renders differently), and `checksum(x)` hashes the decoded file
//!    as the kubelet's verification does. [`REWRITE_MAY_CORRUPT`] kinds are
//!    exempt: their kubelet's rewrite can be corrupt by design; so is a
//!    rewrite the reference refuses as too expensive ([`TOO_EXPENSIVE`]);
//! 5. `identify` never panics, with the family's file name and without a
//!    path; its verdict is the chosen kind's own `verify`, and `exact` means
//!    that kind's `canonical` gives the input back.
//!
//! Failures panic with the kind name and the first bytes involved, which is
//! what libFuzzer records as a crash.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kubelet_ckpt::formats::identify::identify as identify_kind;
use kubelet_ckpt::formats::{
    registry, ChecksumScheme, Shape, Verdict, Verification, VerifyOptions,
};
use kubelet_ckpt::go::crc::crc32_ieee;
use kubelet_ckpt::go::fnv::fnv32a;

/// One file family: the kinds stored under some kubelet file names.
pub struct Family {
    /// Short name, for messages.
    pub name: &'static str,
    /// [`KindInfo::file`] values (exact) of the family's kinds. A value
    /// ending in `/` selects every kind whose file is under that directory.
    files: &'static [&'static str],
    kinds: OnceLock<(Vec<&'static dyn Shape>, PathBuf)>,
}

impl Family {
    pub const fn new(name: &'static str, files: &'static [&'static str]) -> Self {
        Family {
            name,
            files,
            kinds: OnceLock::new(),
        }
    }

    /// The family's kinds (registry order) and a concrete path for its file
    /// (a `*` in a file pattern becomes `0`). Empty when this build's
    /// registry has no kind of the family (the branch that adds them is not
    /// merged yet); `tests/fuzz_regressions.rs` fails when a family with
    /// seeds has no kinds, so a renamed file cannot empty a target silently.
    fn resolved(&self) -> &(Vec<&'static dyn Shape>, PathBuf) {
        self.kinds.get_or_init(|| {
            let kinds: Vec<_> = registry()
                .iter()
                .copied()
                .filter(|k| {
                    let file = k.info().file;
                    self.files.iter().any(|f| match f.strip_suffix('/') {
                        Some(dir) => file
                            .strip_prefix(dir)
                            .is_some_and(|rest| rest.starts_with('/')),
                        None => file == *f,
                    })
                })
                .collect();
            let file = kinds.first().map_or("", |k| k.info().file);
            let path = PathBuf::from("/var/lib/kubelet").join(file.replace('*', "0"));
            (kinds, path)
        })
    }

    /// The family's kinds, in registry order.
    pub fn kinds(&self) -> &[&'static dyn Shape] {
        &self.resolved().0
    }

    /// Runs every property on `data` (see the crate docs).
    pub fn check(&self, data: &[u8]) {
        let (kinds, path) = self.resolved();
        if kinds.is_empty() {
            return;
        }
        let opts = VerifyOptions::default();
        for &k in kinds {
            check_kind(k, data, &opts);
        }
        check_detect(Some(path), data, &opts);
        check_detect(None, data, &opts);
    }
}

/// The CPU manager's checkpoint (cpu-file, cpu-v1..v4).
pub static CPU: Family = Family::new("cpu", &["cpu_manager_state"]);
/// The memory manager's checkpoint (memory, memory-v2, memory-v3).
pub static MEMORY: Family = Family::new("memory", &["memory_manager_state"]);
/// The device manager's checkpoint (device-v1, device-v2).
pub static DEVICE: Family = Family::new("device", &["device-plugins/kubelet_internal_checkpoint"]);
/// The DRA manager's checkpoint (dra-v1..v8).
pub static DRA: Family = Family::new("dra", &["dra_manager_state"]);

/// The pod resize/status state files (podstatus-v1..v3, allocated-v1..v4,
/// actuated-v1..v4).
pub static POD_STATE: Family = Family::new(
    "pod_state",
    &[
        "pod_status_manager_state",
        "allocated_pods_state",
        "actuated_pods_state",
    ],
);
/// dockershim's sandbox checkpoints (dockershim-v0, -v0a, -v1, -v2).
pub static DOCKERSHIM: Family = Family::new("dockershim", &["dockershim/"]);
/// The image-pull records (intent, pulled, preloaded; v1alpha1, v1beta1).
pub static IMAGE_PULL: Family = Family::new("image_pull", &["image_manager/"]);

/// Every family target, by fuzz target name (= corpus directory name).
pub fn families() -> [&'static Family; 7] {
    [
        &CPU,
        &MEMORY,
        &DEVICE,
        &DRA,
        &POD_STATE,
        &DOCKERSHIM,
        &IMAGE_PULL,
    ]
}

/// Kinds we read but never write (`canonical` always refuses): dra-v1 is
/// modelled from the spec alone, with no Go reference to check a writer
/// against; bootstrap-pod's checksum covers go-spew of a whole `v1.Pod` of
/// one exact release (time zone internals included), which cannot be
/// recomputed (found by the `kind` target on `null`, which it verifies
/// `ok` as the kubelet does).
pub const READ_ONLY: &[&str] = &["dra-v1", "bootstrap-pod"];

/// Kinds whose kubelet rewrite of a valid file can itself be invalid, by
/// design of the kubelet (spec pod-state §2.1: podstatus-v1 hashes the
/// quantities' parse-dependent internals, so `1000m` is written back as `1`
/// under the checksum of `1000m`). For them property 4 only requires that
/// re-reading what `canonical` wrote does not panic.
pub const REWRITE_MAY_CORRUPT: &[&str] = &["podstatus-v1"];

/// The reference refuses (rather than hangs on) a quantity whose exponent
/// is astronomically large; the kubelet's own rewrite can produce one
/// (`3666666226666650.5e666000` is written `3666666226666650500e665997`,
/// golden allocated-v4/exponent-rewritten-too-expensive). When re-reading
/// `canonical(x)` fails with this error, property 4 stops there.
pub const TOO_EXPENSIVE: &str = "quantity exponent too large to evaluate";

/// At most this many bytes of an input are quoted in a failure message.
const SHOW: usize = 300;

fn show(b: &[u8]) -> String {
    let cut = &b[..b.len().min(SHOW)];
    let more = if b.len() > SHOW { "..." } else { "" };
    format!("{:?}{more}", String::from_utf8_lossy(cut))
}

/// Properties 1-4 for one kind.
pub fn check_kind(k: &dyn Shape, data: &[u8], opts: &VerifyOptions) {
    let info = k.info();
    let name = info.name;
    let v = k.verify(data, opts);
    let again = k.verify(data, opts);
    assert_eq!(
        v,
        again,
        "{name}: verify is not deterministic on {}",
        show(data)
    );

    let sum = k.checksum(data);
    let mut text = Vec::new();
    let explained = k.explain(data, &mut text);
    if let (Ok(sum), Ok(())) = (&sum, &explained) {
        let of_text = match info.scheme {
            ChecksumScheme::SpewFnv32a | ChecksumScheme::DataStringFnv32a => {
                Some(u64::from(fnv32a(&text)))
            }
            ChecksumScheme::DataCrc32 => Some(u64::from(crc32_ieee(&text))),
            ChecksumScheme::Adler32 => Some(u64::from(adler32(&text))),
            ChecksumScheme::None => None,
        };
        if let Some(of_text) = of_text {
            assert_eq!(
                of_text,
                sum.computed,
                "{name}: the explained text does not hash to checksum().computed on {}\ntext: {}",
                show(data),
                show(&text)
            );
        }
        if let Some(c) = v.computed_checksum {
            assert_eq!(
                c,
                sum.computed,
                "{name}: verify and checksum compute different checksums on {}",
                show(data)
            );
        }
    }

    let canonical = k.canonical(data);
    if READ_ONLY.contains(&name) {
        assert!(
            canonical.is_err(),
            "{name}: a read-only kind wrote {}",
            show(data)
        );
        return;
    }
    if v.verdict == Verdict::Ok && !data.is_empty() {
        if let Err(e) = &canonical {
            panic!(
                "{name}: verify ok but canonical fails ({e}) on {}",
                show(data)
            );
        }
        if info.scheme != ChecksumScheme::None {
            if let Err(e) = &sum {
                panic!(
                    "{name}: verify ok but checksum fails ({e}) on {}",
                    show(data)
                );
            }
            if let Err(e) = &explained {
                panic!(
                    "{name}: verify ok but explain fails ({e}) on {}",
                    show(data)
                );
            }
        }
    }
    let Ok(c) = canonical else { return };
    if !check_canonical_output(k, data, &v, &c, opts) {
        return;
    }
    let same = c == data;
    if info.scheme != ChecksumScheme::None {
        let sum_c = if same { sum.clone() } else { k.checksum(&c) };
        match sum_c {
            Ok(sum) => assert_eq!(
                sum.stored,
                Some(sum.computed),
                "{name}: the checksum canonical stored does not recompute: {} (from {})",
                show(&c),
                show(data)
            ),
            Err(e) => panic!(
                "{name}: canonical output has no checksum ({e}): {} (from {})",
                show(&c),
                show(data)
            ),
        }
    }
}

/// What `canonical(x)`'s output `c` must satisfy (shared by
/// [`check_kind`] and [`check_round_trip`]; `v` is `verify(x)`):
/// `canonical(c) == c`, and `verify(c)` is `ok` or `rejected`, `ok` when
/// `v` was. Returns `false` where the checks stop early: a
/// [`REWRITE_MAY_CORRUPT`] kind (its output is only required not to make
/// anything panic) or a rewrite the reference refuses as [`TOO_EXPENSIVE`].
/// On canonical input (every seed) the second round is the first one
/// again, so it is reused instead of re-rendering a possibly large state.
fn check_canonical_output(
    k: &dyn Shape,
    data: &[u8],
    v: &Verification,
    c: &[u8],
    opts: &VerifyOptions,
) -> bool {
    let name = k.info().name;
    if REWRITE_MAY_CORRUPT.contains(&name) {
        let _ = (k.canonical(c), k.verify(c, opts), k.checksum(c));
        return false;
    }
    let same = c == data;
    let cc = if same { Ok(c.to_vec()) } else { k.canonical(c) };
    if cc
        .as_ref()
        .is_err_and(|e| e.to_string().contains(TOO_EXPENSIVE))
    {
        // The kubelet wrote a quantity it cannot read back in any
        // reasonable time; nothing more to compare.
        return false;
    }
    match cc {
        Ok(cc) => assert!(
            cc == c,
            "{name}: canonical is not a fixed point on {}\nonce:  {}\ntwice: {}",
            show(data),
            show(c),
            show(&cc)
        ),
        Err(e) => panic!(
            "{name}: canonical output does not canonicalise ({e}): {} (from {})",
            show(c),
            show(data)
        ),
    }
    let vc = if same { v.clone() } else { k.verify(c, opts) };
    assert!(
        vc.verdict == Verdict::Ok || vc.verdict == Verdict::Rejected,
        "{name}: canonical output verifies {} ({}): {} (from {})",
        vc.verdict.as_str(),
        vc.message,
        show(c),
        show(data)
    );
    if v.verdict == Verdict::Ok {
        assert_eq!(
            vc.verdict,
            Verdict::Ok,
            "{name}: ok input, canonical output not ok ({}): {}",
            vc.message,
            show(c)
        );
    }
    true
}

/// Adler-32 (zlib's, Go's `hash/adler32`), written out here so this crate
/// does not depend on which hash modules the library has.
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % MOD;
        b = (b + a) % MOD;
    }
    (b << 16) | a
}

/// Property 5: identification. The chosen kind's verdict is its own, and
/// "exact" means its writer gives the bytes back (no candidate at all is
/// allowed: the input is then `unknown`).
pub fn check_detect(path: Option<&Path>, data: &[u8], opts: &VerifyOptions) {
    let id = identify_kind(path, data, opts);
    let Some(d) = id.best() else {
        return;
    };
    let name = d.kind.info().name;
    assert_eq!(
        d.verification,
        d.kind.verify(data, opts),
        "identify({path:?}) reports a verdict other than {name}'s own on {}",
        show(data)
    );
    if d.exact {
        assert!(
            d.kind.canonical(data).is_ok_and(|c| c == data),
            "identify({path:?}) says {name} reproduces {} exactly, but it does not",
            show(data)
        );
    }
}

// ---------------------------------------------------------------------------
// Fast and part-specific targets (`kind`, `salvage`, `identify`, `release`,
// `snapshot`, `inspect`). Each `fuzz_targets/<name>.rs` hands its input to
// the function of the same name here, and `tests/fuzz_regressions.rs`
// replays the seeds and the minimised findings through them.
// ---------------------------------------------------------------------------

/// The kind the first byte selects: `registry()[byte % len]`, and the rest
/// of the input. `None` for an empty input. (The index shifts when kinds are
/// added to the registry; seeds stay valid inputs, just for another kind.
/// Regression files of the `kind` target therefore store the kind's name,
/// not the byte: see `tests/fuzz_regressions.rs`.)
pub fn split_kind(data: &[u8]) -> Option<(&'static dyn Shape, &[u8])> {
    let (&b, rest) = data.split_first()?;
    let reg = registry();
    Some((reg[usize::from(b) % reg.len()], rest))
}

/// `kind` target: one shape, chosen by the first byte (see [`split_kind`]),
/// and its verify + canonical round trip ([`check_round_trip`]).
pub fn kind(data: &[u8]) {
    if let Some((k, rest)) = split_kind(data) {
        check_round_trip(k, rest, &VerifyOptions::default());
    }
}

/// The fast subset of [`check_kind`] for one shape: one `verify`, one
/// `canonical`, and when that succeeds one more of each on its output.
///
/// * `verify` never panics; `canonical` never panics;
/// * [`READ_ONLY`] kinds always refuse `canonical`;
/// * `verify` ok on a non-empty input implies `canonical` succeeds;
/// * when `canonical(x)` succeeds: `canonical(canonical(x)) ==
///   canonical(x)` and `verify(canonical(x))` is `ok` or `rejected`, and
///   `ok` when `x` was. Exempt: [`REWRITE_MAY_CORRUPT`] kinds (only "no
///   panic" on the output) and a rewrite the reference itself refuses as
///   [`TOO_EXPENSIVE`].
pub fn check_round_trip(k: &dyn Shape, data: &[u8], opts: &VerifyOptions) {
    let name = k.info().name;
    let v = k.verify(data, opts);
    let canonical = k.canonical(data);
    if READ_ONLY.contains(&name) {
        assert!(
            canonical.is_err(),
            "{name}: a read-only kind wrote {}",
            show(data)
        );
        return;
    }
    if v.verdict == Verdict::Ok && !data.is_empty() {
        if let Err(e) = &canonical {
            panic!(
                "{name}: verify ok but canonical fails ({e}) on {}",
                show(data)
            );
        }
    }
    if let Ok(c) = canonical {
        check_canonical_output(k, data, &v, &c, opts);
    }
}

/// Whether serde_json accepts `data` as one JSON text (UTF-8, any value,
/// surrounding whitespace only). `None` when serde_json cannot tell: it
/// stops at 128 levels of nesting, the salvage scanner does not.
pub fn serde_accepts(data: &[u8]) -> Option<bool> {
    use serde::de::{Deserialize, IgnoredAny};
    let Ok(text) = std::str::from_utf8(data) else {
        return Some(false);
    };
    let mut de = serde_json::Deserializer::from_str(text);
    match IgnoredAny::deserialize(&mut de).and_then(|_| de.end()) {
        Ok(()) => Some(true),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => None,
        Err(_) => Some(false),
    }
}

/// `salvage` target: `salvage::diagnose` and `salvage::recover` never panic;
///
/// * `diagnose` finds nothing exactly when serde_json accepts the bytes as
///   UTF-8 JSON (where serde_json can tell, see [`serde_accepts`]);
/// * an undamaged object or array document comes back from `recover`
///   unchanged, with no edits and nothing dropped;
/// * whatever `recover` returns is JSON serde_json accepts, in which
///   `diagnose` finds nothing, and `recover` gives it back unchanged;
/// * a text cut inside a top-level member's string (`recover_payload`):
///   the salvaged payload is JSON, and the envelope is JSON whose member
///   holds exactly the payload's text (unquoted, as Go reads it).
pub fn salvage(data: &[u8]) {
    use kubelet_ckpt::salvage::{diagnose, recover};
    check_payload(data);
    let d = diagnose(data);
    let accepted = serde_accepts(data);
    if let Some(acc) = accepted {
        assert_eq!(
            d.is_empty(),
            acc,
            "diagnose says {:?} but serde_json {} {}",
            d.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            if acc { "accepts" } else { "refuses" },
            show(data)
        );
    }
    let r = recover(data);
    let first = data
        .iter()
        .copied()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'));
    if d.is_empty() && matches!(first, Some(b'{' | b'[')) {
        match &r {
            Ok(r) => assert!(
                r.text == data && r.edits.is_empty() && r.dropped.is_empty(),
                "recover changed an undamaged document {}",
                show(data)
            ),
            Err(e) => panic!(
                "recover refuses an undamaged document ({}): {}",
                e.diagnosis.message,
                show(data)
            ),
        }
    }
    let Ok(r) = r else { return };
    assert_ne!(
        serde_accepts(&r.text),
        Some(false),
        "recover's output is not JSON: {} (from {})",
        show(&r.text),
        show(data)
    );
    let again = diagnose(&r.text);
    assert!(
        again.is_empty(),
        "diagnose finds {:?} in recover's output {} (from {})",
        again.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        show(&r.text),
        show(data)
    );
    match recover(&r.text) {
        Ok(r2) => assert!(
            r2.text == r.text && r2.edits.is_empty(),
            "recover is not idempotent on {}",
            show(&r.text)
        ),
        Err(e) => panic!(
            "recover refuses its own output ({}): {}",
            e.diagnosis.message,
            show(&r.text)
        ),
    }
}

/// The `recover_payload` part of the `salvage` target.
fn check_payload(data: &[u8]) {
    let Some(Ok(p)) = kubelet_ckpt::salvage::recover_payload(data, &[]) else {
        return;
    };
    assert_ne!(
        serde_accepts(&p.payload.text),
        Some(false),
        "the salvaged payload is not JSON: {} (from {})",
        show(&p.payload.text),
        show(data)
    );
    // Members before the payload are kept as they were, invalid UTF-8
    // included (Go reads it; serde_json refuses it): a UTF-8 envelope is
    // JSON (as serde_json tells it).
    if std::str::from_utf8(&p.envelope.text).is_err() {
        return;
    }
    assert_ne!(
        serde_accepts(&p.envelope.text),
        Some(false),
        "the envelope is not JSON: {} (from {})",
        show(&p.envelope.text),
        show(data)
    );
    // The member, read by serde_json (its own string unescaping); not
    // checked where serde_json cannot read the envelope's members (not
    // UTF-8, or an earlier member of the same name that is no string).
    let Some(held) = member_string(&p.envelope.text, &p.key) else {
        return;
    };
    assert!(
        held.is_some_and(|h| h.as_bytes() == p.payload.text),
        "the envelope's {:?} does not hold the payload {}: {} (from {})",
        p.key,
        show(&p.payload.text),
        show(&p.envelope.text),
        show(data)
    );
}

/// The string value of the last member `key` of the JSON object `text`
/// (`Some(None)`: no such member), the other members skipped unread
/// (serde_json would refuse a number out of f64's range as a value, not as
/// syntax); `None` when serde_json cannot read it.
fn member_string(text: &[u8], key: &str) -> Option<Option<String>> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Member<'k>(&'k str);
    impl<'de> Visitor<'de> for Member<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Option<String>, A::Error> {
            let mut found = None;
            while let Some(k) = m.next_key::<String>()? {
                if k == self.0 {
                    found = Some(m.next_value::<String>()?);
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    impl<'de> DeserializeSeed<'de> for Member<'_> {
        type Value = Option<String>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
            d.deserialize_map(self)
        }
    }
    let text = std::str::from_utf8(text).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    Member(key).deserialize(&mut de).ok()
}

/// The paths the `identify` target chooses from: every kubelet file name
/// of the registry and the release table (a `*` becomes a sandbox-like id),
/// under `/var/lib/kubelet/` and bare, plus a few that name no kind.
fn known_paths() -> &'static [PathBuf] {
    static PATHS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let mut files: Vec<String> = registry()
            .iter()
            .map(|k| k.info().file.to_string())
            .chain(
                kubelet_ckpt::formats::releases::files()
                    .into_iter()
                    .map(str::to_string),
            )
            .collect();
        files.sort();
        files.dedup();
        let mut v = Vec::new();
        for f in files {
            let f = f.replace('*', "0123abcd");
            v.push(Path::new("/var/lib/kubelet").join(&f));
            v.push(PathBuf::from(f));
        }
        for p in ["-", "/", "", "state.json", "/var/lib/kubelet/checkpoints/x"] {
            v.push(PathBuf::from(p));
        }
        v
    })
}

/// Splits the `identify` input: byte 0 picks a path from [`known_paths`]
/// (or, past their end, no path); byte 1 below 64 asks `judge` for a
/// release (`1.(8 + byte % 32)`), and byte 1 = 255 makes the path out of
/// the input's bytes up to the first newline (at most 64, raw bytes, so not
/// necessarily UTF-8). The rest is the file's content.
pub fn split_path(data: &[u8]) -> (Option<PathBuf>, Option<u8>, &[u8]) {
    use std::os::unix::ffi::OsStrExt;
    let paths = known_paths();
    let (sel, rel, mut rest) = match data {
        [a, b, rest @ ..] => (*a, *b, rest),
        _ => return (None, None, data),
    };
    let mut path = paths.get(usize::from(sel)).cloned();
    if rel == 255 {
        let end = rest.iter().take(64).position(|&c| c == b'\n');
        if let Some(end) = end {
            path = Some(PathBuf::from(std::ffi::OsStr::from_bytes(&rest[..end])));
            rest = &rest[end + 1..];
        }
    }
    let minor = (rel < 64).then(|| 8 + rel % 32);
    (path, minor, rest)
}

/// `identify` target: `formats::identify::identify` (with and without the
/// path) and `ops::verify::judge` never panic; the chosen candidate exists.
pub fn identify(data: &[u8]) {
    use kubelet_ckpt::ops::verify::{judge, Request};
    let (path, minor, bytes) = split_path(data);
    let opts = VerifyOptions::default();
    for p in [path.as_deref(), None] {
        let id = kubelet_ckpt::formats::identify::identify(p, bytes, &opts);
        if let Some(i) = id.chosen {
            assert!(
                i < id.candidates.len(),
                "identify chose candidate {i} of {}",
                id.candidates.len()
            );
        }
    }
    let req = Request {
        for_kubelet: minor,
        ..Request::default()
    };
    let path = path.unwrap_or_else(|| PathBuf::from("-"));
    let _ = judge(&path, bytes, &req);
}

/// `release` target: the first two bytes pick a row of the release table
/// (little-endian, modulo its length); `releases::verify` runs that
/// release's whole read path over the rest and never panics, and is
/// deterministic; a judged verdict names one of the row's readers.
pub fn release(data: &[u8]) {
    use kubelet_ckpt::formats::releases::{self, Gates, ReleaseVerdict};
    let [a, b, bytes @ ..] = data else { return };
    let table = releases::table();
    if table.is_empty() {
        return;
    }
    let row = &table[usize::from(u16::from_le_bytes([*a, *b])) % table.len()];
    let gates = Gates::default();
    let opts = VerifyOptions::default();
    let v = releases::verify(row, &gates, bytes, &opts, None);
    let again = releases::verify(row, &gates, bytes, &opts, None);
    assert_eq!(
        v,
        again,
        "release {} 1.{}: verify is not deterministic on {}",
        row.file,
        row.minor,
        show(bytes)
    );
    if let ReleaseVerdict::Judged { reader, .. } = v {
        let readers = row.readers(&row.gates(&gates));
        assert!(
            readers.contains(&reader),
            "release {} 1.{}: verdict from {reader}, not one of its readers {readers:?}",
            row.file,
            row.minor
        );
    }
}

/// The `snapshot` target's limits: small, so that the fuzzer reaches them.
pub const SNAPSHOT_LIMITS: kubelet_ckpt::fs::snapshot::Limits =
    kubelet_ckpt::fs::snapshot::Limits {
        max_file_bytes: 1024,
        max_total_bytes: 64 * 1024,
        descend: None,
    };

/// `snapshot` target: byte 0 says how the rest reaches
/// `Snapshot::from_reader`: as is (`% 3 == 0`: tar, or whatever
/// compression its magic bytes announce), gzip-compressed (`1`) or
/// zstd-compressed (`2`) here first, so that the fuzzer's mutations land in
/// the tar stream rather than in the compressed bytes. With
/// [`SNAPSHOT_LIMITS`]: never a panic; no file longer than the per-file
/// limit nor than its declared size; never more than the total limit
/// decompressed; the walk ends after a bounded number of items.
pub fn snapshot(data: &[u8]) {
    use kubelet_ckpt::fs::snapshot::{EntryKind, Snapshot};
    use std::io::Write;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input: Vec<u8> = match mode % 3 {
        1 => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(rest).expect("gzip into memory");
            e.finish().expect("gzip into memory")
        }
        2 => zstd::stream::encode_all(rest, 1).expect("zstd into memory"),
        _ => rest.to_vec(),
    };
    let limits = SNAPSHOT_LIMITS;
    let Ok(mut snap) = Snapshot::from_reader(std::io::Cursor::new(input), limits) else {
        return;
    };
    // Every archive item costs at least one 512-byte header of the
    // decompressed stream, and the walk ends after an error item.
    let max_items = limits.max_total_bytes / 512 + 2;
    let mut items = 0u64;
    for item in snap.entries() {
        items += 1;
        assert!(items <= max_items, "snapshot walk does not end");
        let Ok(mut e) = item else { continue };
        let _ = (e.path(), e.mode(), e.mtime(), e.link_flags().len());
        if *e.kind() != EntryKind::File {
            continue;
        }
        let size = e.size();
        if let Ok(body) = e.read_limited(u64::MAX) {
            assert!(
                body.len() as u64 <= limits.max_file_bytes,
                "read {} bytes past the per-file limit",
                body.len()
            );
            assert_eq!(
                body.len() as u64,
                size,
                "a file's body is not its declared size"
            );
            assert!(e.sha256().is_some(), "read file without a digest");
        }
    }
    assert!(
        snap.bytes_read() <= limits.max_total_bytes,
        "decompressed {} bytes, over the {} limit",
        snap.bytes_read(),
        limits.max_total_bytes
    );
}

/// `inspect` target: the first byte picks a kind (as for `kind`);
/// `formats::state::lift` of the rest never panics, nor do
/// `ops::inspect::warnings` and the redaction of a lifted state; the state
/// serialises to JSON and YAML (what `inspect -o json|yaml` prints) and the
/// JSON reads back as the same state.
pub fn inspect(data: &[u8]) {
    use kubelet_ckpt::formats::state::{lift, State};
    let Some((k, rest)) = split_kind(data) else {
        return;
    };
    let name = k.info().name;
    let Some(lifted) = lift(name, rest) else {
        panic!("lift does not know the registry's kind {name}");
    };
    let Ok(state) = lifted else { return };
    let _ = kubelet_ckpt::ops::inspect::warnings(&state);
    let red = state.redacted();
    let json = serde_json::to_string(&red)
        .unwrap_or_else(|e| panic!("{name}: state does not serialise ({e}) from {}", show(rest)));
    let back: State = serde_json::from_str(&json).unwrap_or_else(|e| {
        panic!(
            "{name}: state JSON does not read back ({e}): {}",
            show(json.as_bytes())
        )
    });
    assert!(
        back == red,
        "{name}: state JSON reads back different: {}",
        show(json.as_bytes())
    );
    serde_norway::to_string(&red)
        .unwrap_or_else(|e| panic!("{name}: state does not serialise as YAML ({e})"));
}

// ---------------------------------------------------------------------------
// Issue 10's fast per-kind target and the targets of the unfuzzed parts
// (`kind_fast`, `repair`, `convert`, `human`).
// ---------------------------------------------------------------------------

/// `kind_fast` target: byte 0 picks the kind as for `kind` ([`split_kind`]),
/// the rest is the file; [`check_fast`].
pub fn kind_fast(data: &[u8]) {
    if let Some((k, rest)) = split_kind(data) {
        check_fast(k, rest, &VerifyOptions::default());
    }
}

/// The cheapest useful property set for one shape: one `verify`; nothing
/// more unless it says `ok` (most mutated inputs do not, so most runs cost
/// one decode). On an `ok`, non-empty input:
///
/// * `verify` is deterministic (a second `verify`, equal);
/// * [`READ_ONLY`] kinds refuse `canonical`; every other kind's
///   `canonical` succeeds;
/// * `canonical(x)` is a fixed point and verifies `ok` ([`REWRITE_MAY_CORRUPT`]
///   kinds: only no panic; a rewrite refused as [`TOO_EXPENSIVE`] stops
///   there).
///
/// What `kind` checks beyond this (canonical of inputs that do not verify,
/// determinism of refusals) is left to `kind` and the family targets.
pub fn check_fast(k: &dyn Shape, data: &[u8], opts: &VerifyOptions) {
    let name = k.info().name;
    let v = k.verify(data, opts);
    if v.verdict != Verdict::Ok || data.is_empty() {
        return;
    }
    assert_eq!(
        v,
        k.verify(data, opts),
        "{name}: verify is not deterministic on {}",
        show(data)
    );
    let canonical = k.canonical(data);
    if READ_ONLY.contains(&name) {
        assert!(
            canonical.is_err(),
            "{name}: a read-only kind wrote {}",
            show(data)
        );
        return;
    }
    let c = canonical.unwrap_or_else(|e| {
        panic!(
            "{name}: verify ok but canonical fails ({e}) on {}",
            show(data)
        )
    });
    if c == data {
        return;
    }
    if REWRITE_MAY_CORRUPT.contains(&name) {
        let _ = (k.canonical(&c), k.verify(&c, opts));
        return;
    }
    match k.canonical(&c) {
        Ok(cc) => assert!(
            cc == c,
            "{name}: canonical is not a fixed point on {}\nonce:  {}\ntwice: {}",
            show(data),
            show(&c),
            show(&cc)
        ),
        Err(e) if e.to_string().contains(TOO_EXPENSIVE) => return,
        Err(e) => panic!(
            "{name}: canonical output does not canonicalise ({e}): {} (from {})",
            show(&c),
            show(data)
        ),
    }
    let vc = k.verify(&c, opts);
    assert_eq!(
        vc.verdict,
        Verdict::Ok,
        "{name}: ok input, canonical output not ok ({}): {} (from {})",
        vc.message,
        show(&c),
        show(data)
    );
}

/// A concrete path under `/var/lib/kubelet` for a kubelet file name of the
/// registry or the release table: each `*` and `<placeholder>` becomes
/// `0123abcd` (an id, a digest).
pub fn concrete(file: &str) -> PathBuf {
    let mut out = String::new();
    let mut rest = file;
    while let Some(i) = rest.find(['*', '<']) {
        out.push_str(&rest[..i]);
        out.push_str("0123abcd");
        rest = if rest[i..].starts_with('*') {
            &rest[i + 1..]
        } else {
            rest[i..].find('>').map_or("", |j| &rest[i + j + 1..])
        };
    }
    out.push_str(rest);
    Path::new("/var/lib/kubelet").join(out)
}

/// The paths the `repair` target chooses from: every kubelet file of the
/// release table ([`concrete`], in table order), then one name no kubelet
/// file has.
pub fn state_paths() -> &'static [PathBuf] {
    static PATHS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let mut v: Vec<PathBuf> = kubelet_ckpt::formats::releases::files()
            .into_iter()
            .map(concrete)
            .collect();
        v.push(PathBuf::from("/tmp/state.json"));
        v
    })
}

/// The release a `repair` selector byte asks for: `b % 64 < 30` is
/// `--for-kubelet 1.(8 + b % 64)` (1.8-1.37), otherwise none (the newest
/// release that reads the file). Bit 6 is `--allow-loss`.
pub fn repair_request(b: u8) -> kubelet_ckpt::ops::repair::RepairRequest {
    let m = b % 64;
    kubelet_ckpt::ops::repair::RepairRequest {
        for_kubelet: (m < 30).then_some(8 + m),
        allow_loss: b & 0x40 != 0,
        ..Default::default()
    }
}

/// The target release's verdict on `bytes` for the plan's file, release
/// and gates: `Ok(())` when that release reads it as `ok` (or ignores the
/// file), else the verdict as text.
fn target_accepts(plan: &kubelet_ckpt::ops::repair::Plan, bytes: &[u8]) -> Result<(), String> {
    use kubelet_ckpt::formats::releases::{self, Gates, ReleaseVerdict};
    let minor = plan
        .target
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u8>().ok())
        .ok_or_else(|| format!("plan target {:?} is no release", plan.target))?;
    let row = releases::row(&plan.file, minor)
        .ok_or_else(|| format!("no release row for {} 1.{minor}", plan.file))?;
    let gates = Gates::parse(&plan.gates)?;
    match releases::verify(row, &gates, bytes, &VerifyOptions::default(), None) {
        ReleaseVerdict::Judged { verification, .. } if verification.verdict == Verdict::Ok => {
            Ok(())
        }
        ReleaseVerdict::Ignored => Ok(()),
        other => Err(format!("{other:?}")),
    }
}

/// `repair` target: byte 0 picks a path from [`state_paths`], byte 1 the
/// request ([`repair_request`]); the rest is the file. `ops::repair::plan`
/// (no node facts; nothing is written) never panics, and:
///
/// * a refusal (`Err`) says why (a non-empty message);
/// * `Rewrite`: new bytes exist, differ from the input, and the plan's
///   target release (with the plan's gates) reads them as `ok`; planning
///   the repair of those bytes again, for that release and gates, does
///   nothing (repair is idempotent);
/// * `Refused`: a message says why; new bytes, if any, are read as `ok`
///   too (only `--allow-loss` is missing);
/// * `Nothing`: no new bytes, and the target release reads the input as
///   `ok`;
/// * `SetAside`: no new bytes, the plan names a kubelet file;
/// * `ConfigError` never happens without node facts.
pub fn repair(data: &[u8]) {
    use kubelet_ckpt::ops::repair::{plan, Action};
    let [sel, opt, bytes @ ..] = data else { return };
    let paths = state_paths();
    let path = &paths[usize::from(*sel) % paths.len()];
    let req = repair_request(*opt);
    let p = match plan(path, bytes, &req) {
        Ok(p) => p,
        Err(e) => {
            assert!(!e.0.is_empty(), "repair refused without a reason");
            return;
        }
    };
    let what = || {
        format!(
            "{} {:?} (1.{:?})",
            path.display(),
            req.for_kubelet,
            p.target
        )
    };
    match p.action {
        Action::Rewrite => {
            let new = p
                .new_bytes
                .as_deref()
                .unwrap_or_else(|| panic!("{}: a rewrite without bytes", what()));
            assert!(new != bytes, "{}: a rewrite to the same bytes", what());
            if let Err(e) = target_accepts(&p, new) {
                panic!(
                    "{}: the repaired file is not ok for its target: {e}\nrepaired: {} (from {})",
                    what(),
                    show(new),
                    show(bytes)
                );
            }
            let again_req = kubelet_ckpt::ops::repair::RepairRequest {
                for_kubelet: p.target.strip_prefix("1.").and_then(|m| m.parse().ok()),
                gates: kubelet_ckpt::formats::releases::Gates::parse(&p.gates)
                    .expect("the plan's gates parse"),
                allow_loss: req.allow_loss,
                ..Default::default()
            };
            match plan(path, new, &again_req) {
                Ok(p2) => assert!(
                    p2.action == Action::Nothing,
                    "{}: repairing the repaired file again plans {:?} ({:?}, {:?}): {} (from {})",
                    what(),
                    p2.action,
                    p2.changes,
                    p2.message,
                    show(new),
                    show(bytes)
                ),
                Err(e) => panic!(
                    "{}: the repaired file cannot be planned again ({}): {} (from {})",
                    what(),
                    e.0,
                    show(new),
                    show(bytes)
                ),
            }
        }
        Action::Refused => {
            assert!(p.message.is_some(), "{}: refused without a message", what());
            if let Some(new) = &p.new_bytes {
                if let Err(e) = target_accepts(&p, new) {
                    panic!(
                        "{}: the refused repair's output is not ok: {e}\n{} (from {})",
                        what(),
                        show(new),
                        show(bytes)
                    );
                }
            }
        }
        Action::Nothing => {
            assert!(
                p.new_bytes.is_none(),
                "{}: nothing to do, but bytes",
                what()
            );
            if let Err(e) = target_accepts(&p, bytes) {
                panic!(
                    "{}: repair does nothing, but the target does not read the file as ok: {e}\n{}",
                    what(),
                    show(bytes)
                );
            }
        }
        Action::SetAside => {
            assert!(p.new_bytes.is_none(), "{}: set aside, but bytes", what());
            assert!(
                !p.file.is_empty(),
                "{}: set aside a file of no name",
                what()
            );
        }
        Action::ConfigError => panic!("{}: a configuration error without a node", what()),
    }
}

/// What the `convert` target's byte 1 asks for, given the source kind:
/// below 128 a kind of the source's file (`b % n`), 128-191 the human
/// document (even: YAML, odd: JSON), from 192 the shape release
/// `1.(8 + b % 30)` writes.
pub fn convert_target(src: &dyn Shape, b: u8) -> kubelet_ckpt::ops::convert::Target {
    use kubelet_ckpt::ops::convert::{Human, Target};
    if b < 128 {
        let file = src.info().file;
        let same: Vec<_> = registry()
            .iter()
            .filter(|k| k.info().file == file)
            .collect();
        Target::Kind(same[usize::from(b) % same.len()].info().name.to_string())
    } else if b < 192 {
        Target::Human(if b & 1 == 0 { Human::Yaml } else { Human::Json })
    } else {
        Target::Release(8 + b % 30)
    }
}

/// `convert` target: byte 0 picks the source kind (`registry()[b % len]`,
/// as [`split_kind`]), byte 1 the target ([`convert_target`]); the rest is
/// the file, read as exactly that kind (`--kind`), without `--allow-loss`.
/// `ops::convert::convert` never panics, and:
///
/// * a conversion to a kind gives bytes that kind verifies `ok`, and
///   converting them to the same kind again gives them back;
/// * a conversion to a release's shape gives bytes that release reads `ok`;
/// * a conversion to the human document gives a document `parse_human`
///   reads back as the same state, in the same format; converting that
///   document back to the source kind gives the same bytes as converting
///   the file to it directly (or both fail alike);
/// * `Unverified` (the output does not verify: a bug by its own docs) only
///   when the input itself does not verify `ok` (a state the kubelet's
///   restore checks refuse stays refused).
pub fn convert(data: &[u8]) {
    use kubelet_ckpt::ops::convert::{
        convert as run, parse_human, ConvertFailure, ConvertRequest, Target,
    };
    let [sel, tb, bytes @ ..] = data else { return };
    let reg = registry();
    let src = reg[usize::from(*sel) % reg.len()];
    let name = src.info().name;
    let target = convert_target(src, *tb);
    let path = concrete(src.info().file);
    let req = |kind: Option<&str>, target: Target| ConvertRequest {
        target,
        kind: kind.map(str::to_string),
        gates: Default::default(),
        allow_loss: false,
        container_map: None,
    };
    let r = run(&path, bytes, &req(Some(name), target.clone()));
    let what = || format!("{name} -> {target:?}");
    let out = match r {
        Ok(out) => out,
        Err(ConvertFailure::Unverified { kind, message }) => {
            let v = src.verify(bytes, &VerifyOptions::default());
            assert!(
                v.verdict != Verdict::Ok,
                "{}: an ok input converts to bytes that do not verify as {kind}: {message}\n{}",
                what(),
                show(bytes)
            );
            return;
        }
        Err(_) => return,
    };
    assert!(
        out.losses.is_empty(),
        "{}: losses without --allow-loss",
        what()
    );
    match &target {
        Target::Kind(k) => {
            let shape = kubelet_ckpt::formats::kind(k).expect("target kinds exist");
            let v = shape.verify(&out.bytes, &VerifyOptions::default());
            assert_eq!(
                v.verdict,
                Verdict::Ok,
                "{}: output does not verify ({}): {} (from {})",
                what(),
                v.message,
                show(&out.bytes),
                show(bytes)
            );
            match run(&path, &out.bytes, &req(Some(k), target.clone())) {
                Ok(again) => assert!(
                    again.bytes == out.bytes,
                    "{}: converting the output again changes it: {} -> {}",
                    what(),
                    show(&out.bytes),
                    show(&again.bytes)
                ),
                Err(e) => panic!(
                    "{}: the output does not convert again ({e}): {}",
                    what(),
                    show(&out.bytes)
                ),
            }
        }
        Target::Release(m) => {
            use kubelet_ckpt::formats::releases::{self, ReleaseVerdict};
            let file = out_file(&out.to);
            let row = releases::row(file, *m).expect("converted for an existing row");
            match releases::verify(
                row,
                &Default::default(),
                &out.bytes,
                &VerifyOptions::default(),
                None,
            ) {
                ReleaseVerdict::Judged { verification, .. }
                    if verification.verdict == Verdict::Ok => {}
                other => panic!(
                    "{}: kubelet 1.{m} does not read the output as ok ({other:?}): {} (from {})",
                    what(),
                    show(&out.bytes),
                    show(bytes)
                ),
            }
        }
        Target::Human(h) => {
            let Some((state, h2)) = parse_human(&out.bytes) else {
                panic!(
                    "{}: the human document does not read back: {} (from {})",
                    what(),
                    show(&out.bytes),
                    show(bytes)
                );
            };
            assert_eq!(
                *h,
                h2,
                "{}: the document reads back as another format",
                what()
            );
            let lifted = kubelet_ckpt::formats::state::lift(name, bytes)
                .expect("registry kinds lift")
                .expect("a converted file lifts");
            assert!(
                state == lifted,
                "{}: the document reads back as another state: {}",
                what(),
                show(&out.bytes)
            );
            if !kubelet_ckpt::formats::lower::writable(name) {
                return;
            }
            let direct = run(
                &path,
                bytes,
                &req(Some(name), Target::Kind(name.to_string())),
            );
            let via = run(
                &path,
                &out.bytes,
                &req(None, Target::Kind(name.to_string())),
            );
            match (direct, via) {
                (Ok(d), Ok(v)) => assert!(
                    d.bytes == v.bytes,
                    "{}: back from the document differs from the direct conversion\ndirect: {}\nvia:    {}",
                    what(),
                    show(&d.bytes),
                    show(&v.bytes)
                ),
                (Err(d), Err(v)) => assert_eq!(
                    d.to_string(),
                    v.to_string(),
                    "{}: the direct conversion and the one via the document fail differently",
                    what()
                ),
                (d, v) => panic!(
                    "{}: direct conversion {:?}, via the document {:?} (from {})",
                    what(),
                    d.map(|c| c.to),
                    v.map(|c| c.to),
                    show(bytes)
                ),
            }
        }
    }
}

/// The kubelet file of a kind name.
fn out_file(kind: &str) -> &'static str {
    kubelet_ckpt::formats::kind(kind)
        .map(|k| k.info().file)
        .unwrap_or("")
}

/// `human` target: arbitrary bytes as the human document `convert` and
/// `edit` read (YAML or JSON). `parse_human`, `edit::strip_errors`,
/// `edit::with_error` and `edit::finish` never panic, and:
///
/// * error comments are stripped exactly: `strip_errors(with_error(x, e))
///   == strip_errors(x)`;
/// * a document that parses as a state re-renders (`convert::human`, YAML
///   and JSON) into documents that parse back as the same state;
/// * `edit::finish` of it to the state's own source kind, when it succeeds,
///   gives bytes that kind verifies `ok`.
pub fn human(data: &[u8]) {
    use kubelet_ckpt::ops::convert::{human as render, parse_human, Human};
    use kubelet_ckpt::ops::edit::{finish, strip_errors, with_error};
    let stripped = strip_errors(data);
    assert_eq!(
        strip_errors(&with_error(data, "line one\nline two")),
        stripped,
        "with_error/strip_errors do not round-trip on {}",
        show(data)
    );
    let Some((state, _)) = parse_human(data) else {
        return;
    };
    for h in [Human::Yaml, Human::Json] {
        let doc = render(&state, h).unwrap_or_else(|e| panic!("state does not render ({e})"));
        match parse_human(&doc) {
            Some((back, h2)) => {
                assert_eq!(h, h2, "a {h:?} document reads back as {h2:?}");
                assert!(
                    back == state,
                    "the {h:?} document reads back as another state: {} (from {})",
                    show(&doc),
                    show(data)
                );
            }
            None => panic!(
                "the rendered {h:?} document does not parse: {} (from {})",
                show(&doc),
                show(data)
            ),
        }
    }
    let kind = state.source().kind.clone();
    let Some(shape) = kubelet_ckpt::formats::kind(&kind) else {
        return;
    };
    if let Ok((bytes, _)) = finish(data, &kind, None) {
        let v = shape.verify(&bytes, &VerifyOptions::default());
        assert_eq!(
            v.verdict,
            Verdict::Ok,
            "edit::finish as {kind} gives bytes that do not verify ({}): {} (from {})",
            v.message,
            show(&bytes),
            show(data)
        );
    }
}

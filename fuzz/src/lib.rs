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
//! 5. `detect` never panics, with the family's file name and without a
//!    path; its verdict is the chosen kind's own `verify`, and `exact` means
//!    that kind's `canonical` gives the input back.
//!
//! Failures panic with the kind name and the first bytes involved, which is
//! what libFuzzer records as a crash.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kubelet_ckpt::formats::detect::detect;
use kubelet_ckpt::formats::{registry, ChecksumScheme, Shape, Verdict, VerifyOptions};
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
/// against.
pub const READ_ONLY: &[&str] = &["dra-v1"];

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
    if REWRITE_MAY_CORRUPT.contains(&name) {
        let _ = (k.canonical(&c), k.verify(&c, opts), k.checksum(&c));
        return;
    }

    // On canonical input (every seed) the second round is the first one
    // again: reuse it instead of re-rendering a possibly large state.
    let same = c == data;
    let cc = if same { Ok(c.clone()) } else { k.canonical(&c) };
    if cc
        .as_ref()
        .is_err_and(|e| e.to_string().contains(TOO_EXPENSIVE))
    {
        // The kubelet wrote a quantity it cannot read back in any
        // reasonable time; nothing more to compare.
        return;
    }
    match cc {
        Ok(cc) => assert!(
            cc == c,
            "{name}: canonical is not a fixed point on {}\nonce:  {}\ntwice: {}",
            show(data),
            show(&c),
            show(&cc)
        ),
        Err(e) => panic!(
            "{name}: canonical output does not canonicalise ({e}): {} (from {})",
            show(&c),
            show(data)
        ),
    }
    let vc = if same { v.clone() } else { k.verify(&c, opts) };
    assert!(
        vc.verdict == Verdict::Ok || vc.verdict == Verdict::Rejected,
        "{name}: canonical output verifies {} ({}): {} (from {})",
        vc.verdict.as_str(),
        vc.message,
        show(&c),
        show(data)
    );
    if v.verdict == Verdict::Ok {
        assert_eq!(
            vc.verdict,
            Verdict::Ok,
            "{name}: ok input, canonical output not ok ({}): {}",
            vc.message,
            show(&c)
        );
    }
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

/// Property 5: detection.
pub fn check_detect(path: Option<&Path>, data: &[u8], opts: &VerifyOptions) {
    let Some(d) = detect(path, data, opts) else {
        panic!("detect found no candidate for {path:?}");
    };
    let name = d.kind.info().name;
    assert_eq!(
        d.verification,
        d.kind.verify(data, opts),
        "detect({path:?}) reports a verdict other than {name}'s own on {}",
        show(data)
    );
    if d.exact {
        assert!(
            d.kind.canonical(data).is_ok_and(|c| c == data),
            "detect({path:?}) says {name} reproduces {} exactly, but it does not",
            show(data)
        );
    }
}

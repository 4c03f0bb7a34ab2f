//! Differential test against the Go reference: for every kind that both
//! `formats::registry()` and `oracle kinds` know, generate files with the
//! oracle, mutate them, and require our verify / canonical / explain /
//! checksum to give the oracle's answers.
//!
//! Environment:
//! * `KUBELET_CKPT_ORACLE`: the oracle binary (see `support::oracle`).
//! * `KUBELET_CKPT_DIFF_N`: files per kind (default 30; CI uses 200).
//! * `KUBELET_CKPT_DIFF_SEED`: base seed (default 1); file `i` of a kind
//!   uses seed `base + i`, and every mismatch names kind and seed, so
//!   `oracle KIND gen SEED` reproduces it.
//! * `KUBELET_CKPT_DIFF_KINDS`: comma-separated kind names to restrict to.
//! * `KUBELET_CKPT_DIFF_ALL_MESSAGES=0`: require the same message only for
//!   `other` verdicts (by default every verdict's message must match).

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use kubelet_ckpt::formats::{
    registry, ChecksumInfo, ChecksumScheme, FormatError, KindInfo, Shape, Verdict, Verification,
    VerifyOptions,
};
use kubelet_ckpt::go::Sink;
use support::mutate::Mutation;
use support::*;

/// Policies tried, one per seed, on the unmutated file (`ORACLE_POLICY`).
const POLICIES: [&str; 4] = ["static", "none", "Static", "None"];

/// How many mismatches per kind are printed in full.
const SHOWN_PER_KIND: usize = 3;

#[derive(Debug)]
struct Mismatch {
    kind: &'static str,
    seed: u64,
    /// `gen`, or `gen+<mutation>`.
    case: String,
    /// `verify`, `verify[policy=...]`, `canonical`, `dump`, `checksum`.
    op: String,
    expected: String,
    got: String,
    input: Vec<u8>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "  kind {} seed {} case {} op {}",
            self.kind, self.seed, self.case, self.op
        )?;
        writeln!(f, "    oracle: {}", self.expected)?;
        writeln!(f, "    ours:   {}", self.got)?;
        write!(f, "    input:  {}", show(&self.input, 600))
    }
}

struct Ctx<'a> {
    oracle: &'a Path,
    all_messages: bool,
}

/// Compares every operation on one input; returns the mismatches.
fn compare(
    ctx: &Ctx<'_>,
    kind: &'static dyn Shape,
    seed: u64,
    case: &str,
    input: &[u8],
    policy: Option<&str>,
) -> Vec<Mismatch> {
    let name = kind.info().name;
    let mut out = Vec::new();
    let mut push = |op: String, expected: String, got: String| {
        out.push(Mismatch {
            kind: name,
            seed,
            case: case.to_owned(),
            op,
            expected,
            got,
            input: input.to_vec(),
        });
    };

    let mut policies = vec![None];
    if policy.is_some() {
        policies.push(policy);
    }
    for p in policies {
        let op = match p {
            Some(p) => format!("verify[policy={p}]"),
            None => "verify".to_owned(),
        };
        let want = oracle_verify(ctx.oracle, name, input, p);
        match our_verify(kind, input, p) {
            Ok(got) if want.agrees(&got, ctx.all_messages) => {}
            Ok(got) => push(op, want.to_string(), got.to_string()),
            Err(e) => push(op, want.to_string(), e),
        }
    }

    let want = oracle_op(ctx.oracle, name, "canonical", input);
    let got = our_canonical(kind, input);
    if want.is_ok() != got.is_ok() || (want.is_ok() && want != got) {
        push(
            "canonical".into(),
            show_result(&want, 400),
            show_result(&got, 400),
        );
    }

    let want = oracle_op(ctx.oracle, name, "dump", input);
    let got = our_dump(kind, input);
    if want.is_ok() != got.is_ok() || (want.is_ok() && want != got) {
        push(
            "dump".into(),
            show_result(&want, 400),
            show_result(&got, 400),
        );
    }

    let want = oracle_checksum(ctx.oracle, name, input);
    let got = our_checksum(kind, input);
    if want.is_ok() != got.is_ok() || (want.is_ok() && want != got) {
        push("checksum".into(), format!("{want:?}"), format!("{got:?}"));
    }
    out
}

/// One generated file and all its mutations.
fn check_seed(ctx: &Ctx<'_>, kind: &'static dyn Shape, seed: u64) -> (usize, Vec<Mismatch>) {
    let name = kind.info().name;
    let original = oracle_gen(ctx.oracle, name, seed);
    let policy = POLICIES[(seed % POLICIES.len() as u64) as usize];
    let mut mismatches = compare(ctx, kind, seed, "gen", &original, Some(policy));
    let mut inputs = 1;
    for (i, m) in Mutation::ALL.iter().enumerate() {
        let mut rng = Rng::new(seed.wrapping_mul(0x100).wrapping_add(i as u64));
        if let Some(mutated) = m.apply(&original, &mut rng) {
            inputs += 1;
            let case = format!("gen+{}", m.name());
            mismatches.extend(compare(ctx, kind, seed, &case, &mutated, None));
        }
    }
    (inputs, mismatches)
}

#[test]
fn ours_equals_oracle_on_generated_and_mutated_files() {
    let Some(oracle) = oracle() else { return };
    let n = env_usize("KUBELET_CKPT_DIFF_N", 30) as u64;
    let base = env_usize("KUBELET_CKPT_DIFF_SEED", 1) as u64;
    let only: Option<Vec<String>> = std::env::var("KUBELET_CKPT_DIFF_KINDS")
        .ok()
        .map(|s| s.split(',').map(|k| k.trim().to_owned()).collect());
    let ctx = Ctx {
        oracle: &oracle,
        all_messages: std::env::var("KUBELET_CKPT_DIFF_ALL_MESSAGES").map_or(true, |v| v != "0"),
    };

    let oracle_kinds = oracle_kinds(&oracle);
    let mut kinds: Vec<&'static dyn Shape> = Vec::new();
    for k in registry() {
        let name = k.info().name;
        if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == name)) {
            continue;
        }
        if oracle_kinds.iter().any(|o| o == name) {
            kinds.push(*k);
        } else {
            eprintln!("note: kind {name} is registered but the oracle does not know it");
        }
    }
    if kinds.is_empty() {
        eprintln!(
            "nothing compared: the registry has {} kinds, none of them shared with the oracle's {}",
            registry().len(),
            oracle_kinds.len()
        );
        return;
    }

    let (total, report) = sweep(&ctx, &kinds, n, base);
    assert!(
        total == 0,
        "{total} mismatches against the oracle (reproduce with `oracle KIND gen SEED`):{report}"
    );
}

/// Runs `n` seeds from `base` for every kind; returns the mismatch count
/// and a report (per kind: counts by operation and case, the first few in
/// full).
fn sweep(ctx: &Ctx<'_>, kinds: &[&'static dyn Shape], n: u64, base: u64) -> (usize, String) {
    // Jobs are (kind, seed) pairs, handed out to a few worker threads: the
    // cost is dominated by starting oracle processes.
    let jobs: Vec<(&'static dyn Shape, u64)> = kinds
        .iter()
        .flat_map(|k| (0..n).map(move |i| (*k, base + i)))
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<&'static str, (usize, Vec<Mismatch>)>> = Mutex::new(
        kinds
            .iter()
            .map(|k| (k.info().name, (0, Vec::new())))
            .collect(),
    );
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(&(kind, seed)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (inputs, mm) = check_seed(ctx, kind, seed);
                    let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                    let entry = r.entry(kind.info().name).or_default();
                    entry.0 += inputs;
                    entry.1.extend(mm);
                }
            });
        }
    });

    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut report = String::new();
    let mut total = 0;
    for (name, (inputs, mut mm)) in results {
        mm.sort_by(|a, b| (a.seed, &a.case, &a.op).cmp(&(b.seed, &b.case, &b.op)));
        eprintln!(
            "{name}: {inputs} inputs from {n} seeds ({base}..{}), {} mismatches",
            base + n - 1,
            mm.len()
        );
        if mm.is_empty() {
            continue;
        }
        total += mm.len();
        let mut by_op: BTreeMap<(String, String), usize> = BTreeMap::new();
        for m in &mm {
            *by_op.entry((m.op.clone(), m.case.clone())).or_default() += 1;
        }
        report.push_str(&format!("\n{name}: {} mismatches\n", mm.len()));
        for ((op, case), c) in by_op {
            report.push_str(&format!("  {c:4} x {op} on {case}\n"));
        }
        for m in mm.iter().take(SHOWN_PER_KIND) {
            report.push_str(&format!("{m}\n"));
        }
    }
    (total, report)
}

/// The mutation helpers themselves: each applies to a typical file and
/// changes it (otherwise the sweep above would silently test less).
#[test]
fn mutations_apply_and_change_the_file() {
    let file = br#"{"policyName":"static","defaultCpuSet":"0-3","entries":{"pod":{"c":"4"}},"checksum":1234567}"#;
    for (i, m) in Mutation::ALL.iter().enumerate() {
        for seed in 0..20u64 {
            let mut rng = Rng::new(seed * 100 + i as u64);
            let out = m
                .apply(file, &mut rng)
                .unwrap_or_else(|| panic!("{} did not apply", m.name()));
            assert_ne!(&out[..], &file[..], "{} changed nothing", m.name());
        }
    }
    // Structural mutations keep the document JSON (except where they are
    // meant to break it).
    for m in [
        Mutation::DropKey,
        Mutation::RenameKey,
        Mutation::CaseFoldKey,
        Mutation::NullValue,
        Mutation::DuplicateKey,
        Mutation::FlipChecksumDigit,
        Mutation::ChangeValueChar,
    ] {
        for seed in 0..20u64 {
            let out = m.apply(file, &mut Rng::new(seed)).unwrap();
            assert!(
                serde_json::from_slice::<serde_json::Value>(&out).is_ok(),
                "{} broke the JSON: {}",
                m.name(),
                String::from_utf8_lossy(&out)
            );
        }
    }
}

/// A kind that answers by asking the oracle itself, optionally with a
/// deliberate fault: proves the sweep compares what it claims to compare
/// (a faithful proxy has no mismatches, a faulty one is caught).
struct Proxy {
    info: &'static KindInfo,
    oracle: std::path::PathBuf,
    /// Adds 1 to every checksum we report.
    faulty: bool,
}

impl Shape for Proxy {
    fn info(&self) -> &'static KindInfo {
        self.info
    }
    fn verify(&self, bytes: &[u8], opts: &VerifyOptions) -> Verification {
        let line = oracle_verify(&self.oracle, self.info.name, bytes, opts.policy.as_deref());
        let verdict = match line.category.as_str() {
            "ok" => Verdict::Ok,
            "corrupt" => Verdict::Corrupt,
            "invalid-json" => Verdict::InvalidJson,
            _ => Verdict::Rejected,
        };
        Verification {
            verdict,
            message: line.message,
            offset: None,
            stored_checksum: None,
            computed_checksum: None,
        }
    }
    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        oracle_op(&self.oracle, self.info.name, "canonical", bytes).map_err(FormatError::Invalid)
    }
    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        let text =
            oracle_op(&self.oracle, self.info.name, "dump", bytes).map_err(FormatError::Invalid)?;
        sink.put(&text);
        Ok(())
    }
    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let c =
            oracle_checksum(&self.oracle, self.info.name, bytes).map_err(FormatError::Invalid)?;
        Ok(ChecksumInfo {
            stored: None,
            computed: c + u64::from(self.faulty),
        })
    }
}

fn proxy(oracle: &Path, name: &'static str, faulty: bool) -> &'static dyn Shape {
    let info = Box::leak(Box::new(KindInfo {
        name,
        file: "cpu_manager_state",
        versions: "test",
        scheme: ChecksumScheme::SpewFnv32a,
        summary: "oracle proxy (harness self-test)",
    }));
    Box::leak(Box::new(Proxy {
        info,
        oracle: oracle.to_owned(),
        faulty,
    }))
}

#[test]
fn sweep_finds_nothing_on_a_faithful_proxy_and_catches_a_faulty_one() {
    let Some(oracle) = oracle() else { return };
    let ctx = Ctx {
        oracle: &oracle,
        all_messages: true,
    };
    let (total, report) = sweep(&ctx, &[proxy(&oracle, "cpu-v2", false)], 2, 1);
    assert_eq!(total, 0, "faithful proxy reported mismatches:{report}");
    let (total, report) = sweep(&ctx, &[proxy(&oracle, "cpu-v2", true)], 2, 1);
    assert!(total > 0, "a wrong checksum went unnoticed");
    assert!(report.contains("checksum"), "report names the op: {report}");
}

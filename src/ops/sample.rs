//! `sample`: a valid file of any writable kind and (nearly) any size, for
//! benchmarks and for other projects' fuzz corpora, or a mutated one.
//!
//! A sample grows from a seed file the Go reference generated
//! (`tests/golden/KIND/gen-{1,2,3}.json`, built in; the one with the most
//! entries is used): the seed is lifted into its
//! family's version-neutral state, its entries (pods, device allocations,
//! DRA claims) are copied under fresh deterministic UIDs until the wanted
//! count or size is reached, and the kind's own writer lowers the result,
//! so the bytes and checksum are what the kubelet writes. `--mutate` then
//! applies one damage of the kinds met on real nodes (checksum edit,
//! truncation, trailing data, NUL padding, a flipped byte).

use std::collections::BTreeMap;

use crate::formats::lower::{lower, writable};
use crate::formats::state::{lift, State};

/// How big a sample to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// This many entries (pods; allocations for device files; claims for
    /// DRA files).
    Entries(usize),
    /// A sample of at least this many bytes (and about 1% more at most).
    Bytes(usize),
}

/// What `sample` produced.
#[derive(Debug, Clone)]
pub struct Sample {
    pub bytes: Vec<u8>,
    /// Entries in the file.
    pub entries: usize,
    /// The damage applied (`--mutate`), for people.
    pub mutation: Option<String>,
}

/// Why no sample can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    #[error("unknown kind {0:?} (see `kubelet-ckpt kinds`)")]
    UnknownKind(String),
    #[error("{0} is not written by any kubelet this tool models (read-only kind): no sample")]
    NotWritable(String),
    #[error("{kind}: {why}")]
    Failed { kind: String, why: String },
}

macro_rules! seeds {
    ($($k:literal),* $(,)?) => {
        /// The built-in seeds of `kind`: the Go reference's `gen 1..3` files.
        fn seeds(kind: &str) -> Option<[&'static [u8]; 3]> {
            match kind {
                $($k => Some([
                    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/", $k, "/gen-1.json")).as_slice(),
                    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/", $k, "/gen-2.json")).as_slice(),
                    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/", $k, "/gen-3.json")).as_slice(),
                ]),)*
                _ => None,
            }
        }
    };
}

seeds!(
    "cpu-file",
    "cpu-v1",
    "cpu-v2",
    "cpu-v3",
    "cpu-v4",
    "memory",
    "memory-v2",
    "memory-v3",
    "device-v1",
    "device-v2",
    "dra-v2",
    "dra-v3",
    "dra-v4",
    "dra-v5",
    "dra-v6",
    "dra-v7",
    "dra-v8",
    "podstatus-v1",
    "podstatus-v2",
    "podstatus-v3",
    "allocated-v1",
    "allocated-v2",
    "allocated-v3",
    "allocated-v4",
    "actuated-v1",
    "actuated-v2",
    "actuated-v3",
    "actuated-v4",
    "dockershim-v0",
    "dockershim-v0a",
    "dockershim-v1",
    "dockershim-v2",
    "imagepull-intent-v1alpha1",
    "imagepull-intent-v1beta1",
    "imagepull-preloaded-v1beta1",
    "imagepull-pulled-v1alpha1",
    "imagepull-pulled-v1beta1",
);

/// SplitMix64: reproducible, well spread, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    /// A UUID-shaped pod/claim UID.
    fn uid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// How many entries `grow` would copy.
fn entries(state: &State) -> usize {
    match state {
        State::Cpu(s) => s.pods.len().max(s.containers_by_id.len()),
        State::Memory(s) => s.pods.len(),
        State::PodResize(s) => s.pods.len(),
        State::Device(s) => s.allocations.len(),
        State::Dra(s) => s.claims.len(),
        State::Dockershim(_) | State::ImagePull(_) | State::Other(_) => 1,
    }
}

/// Copies the seed's entries under fresh UIDs until there are `n`; returns
/// the number of entries the state then holds (a family with one record
/// per file keeps its one).
fn grow(state: &mut State, n: usize, rng: &mut Rng) -> usize {
    fn cycle<K: Clone + Ord, V: Clone>(
        map: &mut BTreeMap<K, V>,
        n: usize,
        rng: &mut Rng,
        key: impl Fn(&mut Rng) -> K,
    ) -> usize {
        let seeds: Vec<V> = map.values().cloned().collect();
        if seeds.is_empty() {
            return 0;
        }
        map.clear();
        while map.len() < n {
            let v = seeds[map.len() % seeds.len()].clone();
            map.insert(key(rng), v);
        }
        map.len()
    }
    fn cycle_vec<T: Clone>(
        v: &mut Vec<T>,
        n: usize,
        rng: &mut Rng,
        fresh: impl Fn(&mut T, &mut Rng),
    ) -> usize {
        let seeds = std::mem::take(v);
        if seeds.is_empty() {
            return 0;
        }
        for i in 0..n {
            let mut e = seeds[i % seeds.len()].clone();
            fresh(&mut e, rng);
            v.push(e);
        }
        v.len()
    }
    match state {
        State::Cpu(s) if !s.pods.is_empty() => cycle(&mut s.pods, n, rng, Rng::uid),
        State::Cpu(s) => cycle(&mut s.containers_by_id, n, rng, |r| {
            format!(
                "{:016x}{:016x}{:016x}{:016x}",
                r.next(),
                r.next(),
                r.next(),
                r.next()
            )
        }),
        State::Memory(s) => cycle(&mut s.pods, n, rng, Rng::uid),
        State::PodResize(s) => cycle(&mut s.pods, n, rng, Rng::uid),
        State::Device(s) => cycle_vec(&mut s.allocations, n, rng, |e, r| e.pod_uid = r.uid()),
        State::Dra(s) => cycle_vec(&mut s.claims, n, rng, |c, r| {
            c.claim_uid = r.uid();
            c.claim_name = format!("claim-{:x}", r.next() & 0xffff_ffff);
        }),
        State::Dockershim(_) | State::ImagePull(_) | State::Other(_) => 1,
    }
}

/// Writes a sample of `kind`.
pub fn sample(kind: &str, size: Size, seed: u64, mutate: bool) -> Result<Sample, SampleError> {
    if crate::formats::kind(kind).is_none() {
        return Err(SampleError::UnknownKind(kind.to_string()));
    }
    let (Some(seeds), true) = (seeds(kind), writable(kind)) else {
        return Err(SampleError::NotWritable(kind.to_string()));
    };
    let failed = |why: String| SampleError::Failed {
        kind: kind.to_string(),
        why,
    };
    let mut base: Option<(usize, State)> = None;
    for bytes in seeds {
        let state = lift(kind, bytes)
            .ok_or_else(|| failed("no state model".into()))?
            .map_err(failed)?;
        let n = entries(&state);
        if base.as_ref().map_or(true, |(m, _)| n > *m) {
            base = Some((n, state));
        }
    }
    let Some((_, base)) = base else {
        return Err(failed("no seed".into()));
    };
    let build = |n: usize| -> Result<(Vec<u8>, usize), SampleError> {
        let mut state = base.clone();
        let mut rng = Rng(seed);
        let got = grow(&mut state, n, &mut rng);
        let (out, _losses) = lower(kind, &state).map_err(|e| failed(e.to_string()))?;
        Ok((out, got))
    };
    let (mut bytes, mut entries) = match size {
        Size::Entries(n) => build(n)?,
        Size::Bytes(want) => {
            // The size per entry from a 64-entry probe, then up in small
            // steps until big enough (entries cycle through the seed's, so
            // their sizes differ).
            let (probe, _) = build(64)?;
            let per = probe.len().div_ceil(64).max(1);
            let mut n = (want / per).max(1);
            let mut out = build(n)?;
            while out.0.len() < want && out.1 >= n {
                n += ((want - out.0.len()) / per).max(n / 100).max(1);
                out = build(n)?;
            }
            out
        }
    };
    let mut mutation = None;
    if mutate {
        let mut rng = Rng(seed ^ 0x6d75_7461_7465);
        mutation = Some(damage(&mut bytes, &mut rng));
        if bytes.is_empty() {
            entries = 0;
        }
    }
    Ok(Sample {
        bytes,
        entries,
        mutation,
    })
}

/// One damage of the kinds met on real nodes; says which.
fn damage(b: &mut Vec<u8>, rng: &mut Rng) -> String {
    let len = b.len();
    match rng.below(6) {
        0 => {
            // A digit of the stored checksum (the last number in the file).
            let digit = b.iter().rposition(u8::is_ascii_digit);
            match digit {
                Some(i) => {
                    b[i] = if b[i] == b'9' { b'0' } else { b[i] + 1 };
                    format!("checksum digit at byte {i} changed")
                }
                None => damage(b, rng),
            }
        }
        1 => {
            let cut = rng.below(len);
            b.truncate(cut);
            format!("truncated to {cut} of {len} bytes")
        }
        2 => {
            b.extend_from_slice(b"\n{\"checksum\":1}");
            "trailing data after the document".to_string()
        }
        3 => {
            let n = 1 + rng.below(4096);
            b.resize(b.len() + n, 0);
            format!("{n} NUL bytes appended (a torn write)")
        }
        4 => {
            let i = rng.below(len);
            let bit = rng.below(8);
            if let Some(c) = b.get_mut(i) {
                *c ^= 1 << bit;
            }
            format!("bit {bit} of byte {i} flipped")
        }
        _ => {
            let i = rng.below(len);
            if i < b.len() {
                b.remove(i);
            }
            format!("byte {i} deleted")
        }
    }
}

//! `sample`: every writable kind gives a file that the Go reference (and,
//! without it, our own verify) accepts as that kind, holding the entries
//! asked for; the same seed gives the same bytes; `--size` reaches the size.

use crate::support;

use kubelet_ckpt::formats::lower::writable;
use kubelet_ckpt::formats::state::{lift, State};
use kubelet_ckpt::formats::{kind, registry, Verdict, VerifyOptions};
use kubelet_ckpt::ops::sample::{sample, SampleError, Size};

fn entries(s: &State) -> usize {
    match s {
        State::Cpu(c) => c.pods.len().max(c.containers_by_id.len()),
        State::Memory(m) => m.pods.len(),
        State::PodResize(p) => p.pods.len(),
        State::Device(d) => d.allocations.len(),
        State::Dra(d) => d.claims.len(),
        _ => 1,
    }
}

#[test]
fn every_writable_kind_samples_valid_files_of_the_size_asked() {
    let oracle = support::oracle();
    let mut sampled = 0;
    for k in registry() {
        let name = k.info().name;
        if !writable(name) {
            assert!(
                matches!(
                    sample(name, Size::Entries(3), 1, false),
                    Err(SampleError::NotWritable(_))
                ),
                "{name}"
            );
            continue;
        }
        for (n, seed) in [(1usize, 1u64), (37, 2)] {
            let s = sample(name, Size::Entries(n), seed, false).unwrap_or_else(|e| panic!("{e}"));
            let v = kind(name)
                .unwrap()
                .verify(&s.bytes, &VerifyOptions::default());
            assert_eq!(v.verdict, Verdict::Ok, "{name} n={n}: {}", v.message);
            if let Some(o) = &oracle {
                let line = support::oracle_verify(o, name, &s.bytes, None);
                assert_eq!(
                    line.category, "ok",
                    "{name} n={n}: oracle: {}",
                    line.message
                );
            }
            let state = lift(name, &s.bytes).unwrap().unwrap();
            let family_scales = !matches!(state, State::Dockershim(_) | State::ImagePull(_));
            let want = if family_scales { n } else { 1 };
            assert_eq!(entries(&state), want, "{name} n={n}");
            assert_eq!(s.entries, want, "{name} n={n}");
            // Same seed, same bytes; another seed, other UIDs.
            let again = sample(name, Size::Entries(n), seed, false).unwrap();
            assert_eq!(again.bytes, s.bytes, "{name}: not deterministic");
            if family_scales {
                let other = sample(name, Size::Entries(n), seed + 100, false).unwrap();
                assert_ne!(other.bytes, s.bytes, "{name}: the seed changes nothing");
            }
        }
        sampled += 1;
    }
    assert!(sampled >= 30, "{sampled} writable kinds");
}

#[test]
fn size_is_reached_within_a_few_percent_and_mutation_damages() {
    for name in ["cpu-v2", "device-v2", "dra-v7", "memory-v2", "allocated-v4"] {
        let want = 200 * 1024;
        let s = sample(name, Size::Bytes(want), 5, false).unwrap();
        assert!(
            s.bytes.len() >= want && s.bytes.len() < want + want / 20,
            "{name}: {} bytes for {want}",
            s.bytes.len()
        );
        let v = kind(name)
            .unwrap()
            .verify(&s.bytes, &VerifyOptions::default());
        assert_eq!(v.verdict, Verdict::Ok, "{name}: {}", v.message);
        let mut damaged = 0;
        for seed in 0..20 {
            let clean = sample(name, Size::Entries(4), seed, false).unwrap();
            let m = sample(name, Size::Entries(4), seed, true).unwrap();
            assert!(m.mutation.is_some());
            assert_ne!(m.bytes, clean.bytes, "{name} seed {seed}: {:?}", m.mutation);
            let v = kind(name)
                .unwrap()
                .verify(&m.bytes, &VerifyOptions::default());
            damaged += usize::from(v.verdict != Verdict::Ok);
        }
        // A flipped bit inside a UID can leave a valid file; most damage
        // cannot.
        assert!(
            damaged >= 12,
            "{name}: only {damaged} of 20 mutations are refused"
        );
    }
}

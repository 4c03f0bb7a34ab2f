//! Properties of the CPU and memory manager kinds.
//!
//! * Oracle-generated files are what the kubelet writes, so our writer must
//!   reproduce them byte for byte (`canonical` is the identity on them) and
//!   must be a fixed point.
//! * Changing a hashed field changes the checksum, and the old stored
//!   checksum then no longer verifies.
//! * Without the oracle: states built here, written by our writer, verify
//!   and are fixed points of `canonical`.

use crate::support;

use std::collections::BTreeMap;

use kubelet_ckpt::formats::cpu::types::CheckpointV2;
use kubelet_ckpt::formats::gotypes::Checksum;
use kubelet_ckpt::formats::{kind, Shape, Verdict, VerifyOptions};
use proptest::prelude::*;
use support::*;

const KINDS: [&str; 8] = [
    "cpu-file",
    "cpu-v1",
    "cpu-v2",
    "cpu-v3",
    "cpu-v4",
    "memory",
    "memory-v2",
    "memory-v3",
];

fn shape(name: &str) -> &'static dyn Shape {
    kind(name).unwrap_or_else(|| panic!("kind {name} is not registered"))
}

/// Replaces the first `"policyName":"<old>"` (top level and inside `data`,
/// where the quotes are escaped) with `new`.
fn with_policy(file: &[u8], new: &str) -> Option<Vec<u8>> {
    let mut v: serde_json::Value = serde_json::from_slice(file).ok()?;
    let obj = v.as_object_mut()?;
    obj.insert("policyName".into(), new.into());
    if let Some(serde_json::Value::String(data)) = obj.get("data").cloned() {
        let mut d: serde_json::Value = serde_json::from_str(&data).ok()?;
        d.as_object_mut()?.insert("policyName".into(), new.into());
        obj.insert("data".into(), d.to_string().into());
    }
    serde_json::to_vec(&v).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn oracle_files_are_canonical_fixed_points(seed in 1u64..1_000_000, k in 0usize..KINDS.len()) {
        let Some(oracle) = oracle() else { return Ok(()); };
        let name = KINDS[k];
        let file = oracle_gen(&oracle, name, seed);
        let ours = shape(name).canonical(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(show(&ours, 300), show(&file, 300), "kind {} seed {}", name, seed);
        let again = shape(name).canonical(&ours).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, ours);
    }

    #[test]
    fn changing_a_hashed_field_changes_the_checksum(
        seed in 1u64..1_000_000,
        k in 1usize..KINDS.len(),
        policy in "[a-zA-Z<>&\u{e9}]{1,12}",
    ) {
        let Some(oracle) = oracle() else { return Ok(()); };
        let name = KINDS[k];
        let file = oracle_gen(&oracle, name, seed);
        let Some(changed) = with_policy(&file, &policy) else { return Ok(()); };
        let before = shape(name).checksum(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let after = shape(name).checksum(&changed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let same_policy = serde_json::from_slice::<serde_json::Value>(&file)
            .ok()
            .and_then(|v| v.get("policyName").and_then(|p| p.as_str()).map(|p| p == policy))
            .unwrap_or(false);
        prop_assume!(!same_policy);
        prop_assert_ne!(before.computed, after.computed, "kind {} seed {}", name, seed);
        let v = shape(name).verify(&changed, &VerifyOptions::default());
        prop_assert_eq!(v.verdict, Verdict::Corrupt, "kind {} seed {}: {}", name, seed, v.message);
    }

    #[test]
    fn written_v2_states_verify_and_are_fixed_points(
        policy in "[a-z]{0,8}",
        default in proptest::collection::btree_set(0i64..64, 0..10),
        entries in proptest::collection::btree_map(
            "[a-f0-9-]{1,12}",
            proptest::collection::btree_map("[a-z]{1,6}", proptest::collection::btree_set(0i64..64, 0..5), 0..3),
            0..4,
        ),
    ) {
        let list = |s: &std::collections::BTreeSet<i64>| {
            s.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
        };
        let cp = CheckpointV2 {
            policy_name: policy,
            default_cpu_set: list(&default),
            entries: Some(
                entries
                    .iter()
                    .map(|(p, cs)| (p.clone(), Some(cs.iter().map(|(c, s)| (c.clone(), list(s))).collect::<BTreeMap<_, _>>())))
                    .collect(),
            ),
            checksum: Checksum(0),
        };
        let written = kubelet_ckpt::formats::cpu::v2::write(&cp).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let k = shape("cpu-v2");
        let v = k.verify(&written, &VerifyOptions::default());
        prop_assert_eq!(v.verdict, Verdict::Ok, "{}", v.message);
        let again = k.canonical(&written).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, written);
    }
}

/// Every committed golden input of the family, as mutation seeds.
fn seeds() -> &'static [(&'static str, Vec<u8>)] {
    static SEEDS: std::sync::OnceLock<Vec<(&'static str, Vec<u8>)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(load_seeds)
}

fn load_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut out = Vec::new();
    for k in KINDS {
        let Ok(dir) = std::fs::read_dir(root.join(k)) else {
            continue;
        };
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for p in files {
            if p.extension().is_some_and(|e| e == "json") {
                if let Ok(b) = std::fs::read(&p) {
                    out.push((k, b));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Corrupted files get a verdict, never a panic, from every operation of
    /// every kind of the family.
    #[test]
    fn mutated_inputs_never_panic(
        pick in any::<proptest::sample::Index>(),
        k in 0usize..KINDS.len(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let all = seeds();
        prop_assume!(!all.is_empty());
        let (_, mut bytes) = all[pick.index(all.len())].clone();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        let kind = shape(KINDS[k]);
        let _ = kind.verify(&bytes, &VerifyOptions { policy: Some("static".into()), ..Default::default() });
        let _ = kind.canonical(&bytes);
        let mut sink = Vec::new();
        let _ = kind.explain(&bytes, &mut sink);
        let _ = kind.checksum(&bytes);
    }
}

fn block() -> impl Strategy<Value = kubelet_ckpt::formats::memory::types::Block> {
    use kubelet_ckpt::formats::gotypes::ResourceName;
    use kubelet_ckpt::formats::memory::types::Block;
    (
        proptest::option::of(proptest::collection::vec(-1isize..4, 0..3)),
        "memory|hugepages-2Mi|hugepages-1Gi",
        any::<u64>(),
    )
        .prop_map(|(numa_affinity, kind, size)| Block {
            numa_affinity,
            kind: ResourceName(kind),
            size,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever nils a memory state holds, the writer's output verifies and
    /// is a fixed point of `canonical` (the clone rules are idempotent).
    #[test]
    fn written_memory_states_verify_and_are_fixed_points(
        policy in "Static|None|static",
        nodes in proptest::collection::btree_map(-1isize..8, proptest::option::of((0isize..5, proptest::option::of(proptest::collection::vec(0isize..4, 0..3)))), 0..4),
        entries in proptest::collection::btree_map("[a-f0-9]{1,8}", proptest::option::of(proptest::collection::btree_map("[a-z]{1,5}", proptest::option::of(proptest::collection::vec(block(), 0..3)), 0..3)), 0..3),
    ) {
        use kubelet_ckpt::formats::memory::types::{CheckpointV1, ContainerMemoryAssignments, NumaNodeMap, NumaNodeState};
        let cp = CheckpointV1 {
            policy_name: policy,
            machine_state: NumaNodeMap(Some(
                nodes
                    .into_iter()
                    .map(|(n, s)| (n, s.map(|(a, cells)| Box::new(NumaNodeState { number_of_assignments: a, memory_map: None, cells }))))
                    .collect(),
            )),
            entries: ContainerMemoryAssignments(Some(entries)),
            checksum: Checksum(0),
        };
        let written = kubelet_ckpt::formats::memory::v1::write(&cp).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let k = shape("memory");
        let v = k.verify(&written, &VerifyOptions::default());
        prop_assert_eq!(v.verdict, Verdict::Ok, "{}", v.message);
        let again = k.canonical(&written).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, written);
    }
}

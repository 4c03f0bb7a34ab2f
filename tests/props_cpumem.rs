//! Properties of the CPU and memory manager kinds.
//!
//! * Oracle-generated files are what the kubelet writes, so our writer must
//!   reproduce them byte for byte (`canonical` is the identity on them) and
//!   must be a fixed point.
//! * Changing a hashed field changes the checksum, and the old stored
//!   checksum then no longer verifies.
//! * Without the oracle: states built here, written by our writer, verify
//!   and are fixed points of `canonical`.

mod support;

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

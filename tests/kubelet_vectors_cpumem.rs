//! The kubelet's own test vectors for the CPU and memory manager files,
//! with the kubelet's own expectations (not the Go reference's): the
//! memory manager 1.37 `state_checkpoint_test.go` cases (inputs committed as
//! `tests/golden/memory*/kubelet-*.json`, with the configured policy beside
//! them), plus the Go-generated CPU V2 vector of the JSON spec
//! (`cpu_checkpoint_v2_empty_entries_omitted`).
//!
//! The kubelet tests match error texts by substring, and a single-shape
//! kind does not chase the kubelet's fallbacks (a 1.37 kubelet reading `{`
//! ends with the V1 reader's error), so so do we.

use std::path::Path;

use kubelet_ckpt::formats::{kind, Verdict, VerifyOptions};

fn golden(kind: &str, name: &str) -> (Vec<u8>, VerifyOptions) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(kind);
    let bytes = std::fs::read(dir.join(format!("{name}.json"))).expect("input");
    let policy = std::fs::read_to_string(dir.join(format!("{name}.policy"))).ok();
    (
        bytes,
        VerifyOptions {
            policy,
            ..Default::default()
        },
    )
}

/// `(kind, file, expected verdict, substring the kubelet test expects)`.
const CASES: &[(&str, &str, Verdict, &str)] = &[
    ("memory-v3", "kubelet-valid", Verdict::Ok, ""),
    (
        "memory-v3",
        "kubelet-bad-datachecksum",
        Verdict::Corrupt,
        "could not load v3 checkpoint: checkpoint is corrupted",
    ),
    (
        "memory-v3",
        "kubelet-bad-data-json",
        Verdict::InvalidJson,
        "could not load v3 checkpoint: failed to deserialize memory manager checkpoint data: unexpected end of JSON input",
    ),
    (
        "memory-v3",
        "kubelet-invalid-json",
        Verdict::InvalidJson,
        "unexpected end of JSON input",
    ),
    (
        "memory-v3",
        "kubelet-policy-mismatch",
        Verdict::Rejected,
        "[memorymanager] configured policy \"none\" differs from state checkpoint policy \"static\"",
    ),
    ("memory-v3", "kubelet-unknown-field-in-data", Verdict::Ok, ""),
    ("memory-v3", "kubelet-v3-pod-entries", Verdict::Ok, ""),
    ("memory", "kubelet-v1", Verdict::Ok, ""),
    ("memory", "kubelet-v1-zero", Verdict::Ok, ""),
    (
        "memory",
        "kubelet-v1-bad-checksum",
        Verdict::Corrupt,
        "checkpoint is corrupted",
    ),
    ("memory-v2", "kubelet-v2", Verdict::Ok, ""),
    (
        "memory-v2",
        "kubelet-v2-bad-checksum",
        Verdict::Corrupt,
        "checkpoint is corrupted",
    ),
];

#[test]
fn memory_manager_vectors_get_the_kubelets_verdicts() {
    for (k, name, verdict, text) in CASES {
        let (bytes, opts) = golden(k, name);
        let v = kind(k).expect("registered").verify(&bytes, &opts);
        assert_eq!(v.verdict, *verdict, "{k}/{name}: {}", v.message);
        assert!(v.message.contains(text), "{k}/{name}: {}", v.message);
    }
}

#[test]
fn memory_v3_state_comes_from_data() {
    use kubelet_ckpt::formats::memory::MemoryAssignments;
    let (bytes, _) = golden("memory-v3", "kubelet-valid");
    let cp = kubelet_ckpt::formats::memory::v3::read(&bytes, Some("static"))
        .expect("loads")
        .checkpoint;
    // The inlined V1 part says containerX/128 and total 1024; data wins.
    assert!(cp.container_blocks("pod", "containerX").is_none());
    assert_eq!(
        cp.container_blocks("pod", "container1").unwrap()[0].size,
        512
    );
    assert_eq!(cp.node_table(0, "memory").unwrap().total_mem_size, 2048);
}

/// Spec vector `cpu_checkpoint_v2_empty_entries_omitted` (Go-generated):
/// empty entries are omitted, checksum 354655845.
#[test]
fn cpu_v2_kubelet_file_verifies_and_is_rewritten_identically() {
    let file = br#"{"policyName":"none","defaultCpuSet":"4-6","checksum":354655845}"#;
    let k = kind("cpu-v2").expect("registered");
    let v = k.verify(file, &VerifyOptions::default());
    assert_eq!(v.verdict, Verdict::Ok, "{}", v.message);
    assert_eq!(k.canonical(file).expect("canonical"), file.to_vec());
}

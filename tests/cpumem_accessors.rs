//! Typed accessors of the CPU and memory families on committed golden files.
//! Expected values are read off the JSON by hand.

use std::path::Path;

use kubelet_ckpt::formats::cpu::{self, CpuAssignments, CpuAssignmentsById};
use kubelet_ckpt::formats::memory::{self, MemoryAssignments};
use kubelet_ckpt::formats::{kind, Verdict, VerifyOptions};

fn golden(kind: &str, name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(kind)
        .join(format!("{name}.json"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn ids(s: &cpu::CpuSet) -> Vec<i64> {
    s.iter().collect()
}

#[test]
fn cpu_v3_container_and_pod_sets() {
    let l = cpu::v3::read(&golden("cpu-v3", "gen-2"), None).expect("loads");
    let cp = &l.checkpoint;
    assert_eq!(CpuAssignments::policy_name(cp), "static");
    assert!(cp.default_set().unwrap().is_empty());
    let got = cp
        .container_cpus("dd6a773e-21cb-4387-9e40-daac6225423c", "名前")
        .unwrap()
        .unwrap();
    assert_eq!(ids(&got), [0, 1]);
    assert!(cp.container_cpus("nope", "app").is_none());
    assert_eq!(cp.assignments().len(), 7);
    let pod = cp.pod_cpus("14a9945e-4fc0-49ca-9103-b928c58066d2").unwrap();
    assert!(pod.is_empty());
    assert_eq!(l.stored, Some(226192458));
}

#[test]
fn cpu_v1_by_container_id() {
    let cp = cpu::v1::read(&golden("cpu-v1", "hand-checksum-zero"), None)
        .expect("zero is accepted")
        .checkpoint;
    let got = CpuAssignmentsById::container_cpus(&cp, "containerd://abc")
        .unwrap()
        .unwrap();
    assert_eq!(ids(&got), [3, 4]);
}

#[test]
fn cpu_v4_reads_data_not_the_inlined_part() {
    let cp = cpu::v4::read(&golden("cpu-v4", "hand-data-baselines"), None)
        .expect("loads")
        .checkpoint;
    // inlined defaultCpuSet is "0"; data says "0-1"
    assert_eq!(ids(&cp.default_set().unwrap()), [0, 1]);
    assert_eq!(ids(&cp.container_cpus("p", "c").unwrap().unwrap()), [2, 3]);
}

#[test]
fn memory_blocks_per_node_and_machine_state() {
    let cp = memory::v2::read(&golden("memory-v2", "hand-pod-entries"), None)
        .expect("loads")
        .checkpoint;
    let b = cp.container_blocks("pod", "c").unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 512);
    let on0 = cp.container_memory_on_node("pod", "c", 0);
    assert_eq!(on0.get("memory"), Some(&512));
    assert!(cp.container_memory_on_node("pod", "c", 1).is_empty());
    let t = cp.node_table(0, "memory").unwrap();
    assert_eq!((t.total_mem_size, t.reserved, t.free), (1024, 512, 512));
    assert_eq!(cp.pod_entries().unwrap().len(), 3);
}

#[test]
fn verdicts_carry_checksums_and_release_notes() {
    let v = kind("cpu-v2").unwrap().verify(
        &golden("cpu-v2", "hand-checksum-zero"),
        &VerifyOptions::default(),
    );
    assert_eq!(v.verdict, Verdict::Ok);
    assert_eq!(v.stored_checksum, Some(0));
    assert!(v.message.contains("0 is accepted"), "{}", v.message);

    let opts = VerifyOptions {
        policy: Some("none".into()),
        ..Default::default()
    };
    let v = kind("cpu-v3")
        .unwrap()
        .verify(&golden("cpu-v3", "hand-policy-mismatch"), &opts);
    assert_eq!(v.verdict, Verdict::Rejected);
    assert!(v.stored_checksum.is_some());
    assert_eq!(v.stored_checksum, v.computed_checksum);
}

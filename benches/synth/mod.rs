//! Large synthetic checkpoint files for benchmarks, built from typed models
//! and written by this crate's own writers (so no Go is needed at bench
//! time). `scripts/bench-vs-go.sh` checks that the Go reference accepts every
//! one of them (`oracle KIND bench` refuses a file that does not verify), so
//! the timings compare like with like.
//!
//! Shared by `benches/verify.rs` and `examples/bench_verify.rs` through
//! `#[path]`; not every user needs every builder.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kubelet_ckpt::formats::cpu::types::CheckpointV2 as CpuCheckpointV2;
use kubelet_ckpt::formats::device::{CheckpointData, Data, DevicesPerNuma, PodDevicesEntry};
use kubelet_ckpt::formats::dra::types::{structured, v4};
use kubelet_ckpt::formats::gotypes::{Checksum, StringSet, TypeMeta, Uid};
use kubelet_ckpt::formats::{kind, resmgr};
use kubelet_ckpt::go::crc::crc32_ieee;
use kubelet_ckpt::go::Bytes;

/// A named synthetic input: the kind that reads it and how to build it.
pub struct Synthetic {
    /// Name used by the bench and the comparison script (`cpu-v2-1000pods`).
    pub name: &'static str,
    pub kind: &'static str,
    pub build: fn() -> Vec<u8>,
}

/// Every synthetic input, smallest first.
pub const ALL: &[Synthetic] = &[
    Synthetic {
        name: "cpu-v2-1000pods",
        kind: "cpu-v2",
        build: || cpu_v2(1000, 2),
    },
    Synthetic {
        name: "device-v2-5000entries",
        kind: "device-v2",
        build: || device_v2(5000),
    },
    Synthetic {
        name: "dra-v4-1mb",
        kind: "dra-v4",
        build: || dra_v4(2200),
    },
    Synthetic {
        name: "dra-v7-2mb",
        kind: "dra-v7",
        build: || dra_v7(3000),
    },
];

/// Looks a synthetic input up by name.
pub fn by_name(name: &str) -> Option<&'static Synthetic> {
    ALL.iter().find(|s| s.name == name)
}

/// A deterministic UUID-shaped string for index `i` of stream `salt`.
pub fn uuid(salt: u64, i: u64) -> String {
    // SplitMix64: well spread, reproducible, no dependency.
    let mut z = (salt << 32 ^ i).wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = z;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    let (a, b) = (next(), next());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// A `cpu-v2` file (static policy) with `pods` pods of `containers`
/// containers each, every container holding two exclusive CPUs.
pub fn cpu_v2(pods: usize, containers: usize) -> Vec<u8> {
    let mut entries = BTreeMap::new();
    for p in 0..pods {
        let mut cs = BTreeMap::new();
        for c in 0..containers {
            let cpu = 2 * ((p * containers + c) % 500) + 8;
            cs.insert(format!("container-{c}"), format!("{cpu}-{}", cpu + 1));
        }
        entries.insert(uuid(1, p as u64), Some(cs));
    }
    let cp = CpuCheckpointV2 {
        policy_name: "static".into(),
        default_cpu_set: "0-7,1008-1023".into(),
        entries: Some(entries),
        checksum: Checksum(0),
    };
    kubelet_ckpt::formats::cpu::v2::write(&cp).expect("cpu-v2 writer")
}

/// A `device-v2` file with `n` allocation entries (a quarter without
/// topology, NUMA `-1`) and the matching registered-device lists.
pub fn device_v2(n: usize) -> Vec<u8> {
    let resources = [
        "nvidia.com/gpu",
        "intel.com/sriov_netdevice",
        "example.com/fpga",
    ];
    let mut registered: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let res = resources[i % resources.len()];
        let dev = format!("DEV-{}", uuid(2, i as u64));
        let numa = if i % 4 == 0 { -1 } else { (i % 2) as i64 };
        registered
            .entry(res.to_string())
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(dev.clone());
        entries.push(PodDevicesEntry {
            pod_uid: uuid(3, (i / 2) as u64),
            container_name: format!("container-{}", i % 2),
            resource_name: res.to_string(),
            device_ids: DevicesPerNuma(Some(BTreeMap::from([(numa, Some(vec![dev]))]))),
            alloc_resp: Bytes(Some((0..24u8).map(|b| b.wrapping_mul(i as u8)).collect())),
        });
    }
    let cp = Data {
        data: CheckpointData {
            pod_device_entries: Some(entries),
            registered_devices: Some(registered),
        },
        checksum: Checksum(0),
        boot_id: String::new(),
    };
    kubelet_ckpt::formats::device::write_v2(&cp).expect("device-v2 writer")
}

fn structured_claim(i: usize) -> structured::ClaimInfoState {
    let devices = (0..2)
        .map(|d| structured::Device {
            pool_name: format!("worker-{}", i % 16),
            device_name: format!("gpu-{d}"),
            request_names: Some(vec![format!("req-{d}")]),
            cdi_device_ids: Some(vec![format!("gpu.example.com/gpu=gpu-{i}-{d}")]),
        })
        .collect();
    structured::ClaimInfoState {
        claim_uid: Uid(uuid(4, i as u64)),
        claim_name: format!("claim-{i}"),
        namespace: "default".into(),
        pod_uids: StringSet::of([uuid(5, i as u64), uuid(6, i as u64)]),
        driver_state: Some(BTreeMap::from([(
            "gpu.example.com".to_string(),
            structured::DriverState {
                devices: Some(devices),
            },
        )])),
    }
}

/// A `dra-v7` file with `claims` claims of two devices each (~640 bytes a
/// claim once escaped into the `Data` string).
pub fn dra_v7(claims: usize) -> Vec<u8> {
    let data = structured::CheckpointDataV7 {
        type_meta: TypeMeta {
            kind: "DRACheckpoint".into(),
            api_version: "checkpoint.dra.kubelet.k8s.io/v1".into(),
        },
        claim_info_state_list: structured::ClaimInfoStateList(Some(
            (0..claims).map(structured_claim).collect(),
        )),
    };
    let json = resmgr::encode(&data).expect("dra-v7 data");
    let cp = kubelet_ckpt::formats::dra::types::CrcCheckpoint {
        checksum: crc32_ieee(&json),
        data: String::from_utf8(json).expect("json.Marshal output is UTF-8"),
    };
    resmgr::encode(&cp).expect("dra-v7 file")
}

/// A `dra-v4` (spew-era, 1.30) file with `claims` claims of one resource
/// handle each.
pub fn dra_v4(claims: usize) -> Vec<u8> {
    let entries = (0..claims)
        .map(|i| v4::ClaimInfoState {
            driver_name: "gpu.example.com".into(),
            class_name: "gpu-class".into(),
            claim_uid: Uid(uuid(7, i as u64)),
            claim_name: format!("claim-{i}"),
            namespace: "default".into(),
            pod_uids: StringSet::of([uuid(8, i as u64)]),
            resource_handles: Some(vec![v4::ResourceHandle {
                driver_name: "gpu.example.com".into(),
                data: format!("{{\"gpus\":[\"gpu-{i}\"],\"sharing\":\"none\"}}"),
                structured_data: None,
            }]),
            cdi_devices: Some(BTreeMap::from([(
                "gpu.example.com".to_string(),
                Some(vec![format!("gpu.example.com/gpu=gpu-{i}")]),
            )])),
        })
        .collect();
    let mut cp = v4::DraManagerCheckpoint {
        version: "v1".into(),
        entries: v4::ClaimInfoStateList(Some(entries)),
        checksum: Checksum(0),
    };
    // The spew checksum of the state, as the kind computes it for any file.
    let unsealed = resmgr::encode(&cp).expect("dra-v4 file");
    let shape = kind("dra-v4").expect("dra-v4 is registered");
    cp.checksum = Checksum(
        shape
            .checksum(&unsealed)
            .expect("own output decodes")
            .computed,
    );
    resmgr::encode(&cp).expect("dra-v4 file")
}

//! Properties of the device-manager and DRA kinds, on files the Go
//! reference generated (so the inputs are what a kubelet writes):
//!
//! * serialize ∘ parse is the identity on canonical files: our writer gives
//!   back the oracle's bytes, both through `Shape::canonical` and through
//!   the typed read/write functions;
//! * the checksum changes when a hashed field changes, and does not when an
//!   unhashed one (device `BootID`) does.
//!
//! Needs `KUBELET_CKPT_ORACLE` (skips with a note when unset, fails in CI).

use crate::support;

use std::path::PathBuf;
use std::sync::OnceLock;

use kubelet_ckpt::formats::device::{self, DeviceView};
use kubelet_ckpt::formats::dra::{self, DraView};
use kubelet_ckpt::formats::gotypes::Uid;
use kubelet_ckpt::formats::{kind, Shape};
use proptest::prelude::*;
use support::{oracle, oracle_gen};

const KINDS: [&str; 9] = [
    "device-v1",
    "device-v2",
    "dra-v2",
    "dra-v3",
    "dra-v4",
    "dra-v5",
    "dra-v6",
    "dra-v7",
    "dra-v8",
];

fn the_oracle() -> Option<&'static PathBuf> {
    static O: OnceLock<Option<PathBuf>> = OnceLock::new();
    O.get_or_init(oracle).as_ref()
}

fn shape(name: &str) -> &'static dyn Shape {
    kind(name).unwrap_or_else(|| panic!("{name} is not registered"))
}

fn computed(name: &str, bytes: &[u8]) -> u64 {
    shape(name)
        .checksum(bytes)
        .unwrap_or_else(|e| panic!("{name}: checksum failed: {e}"))
        .computed
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// `oracle KIND gen SEED` is the kubelet's writer output; our canonical
    /// writer must reproduce it byte for byte, and the file must verify.
    #[test]
    fn canonical_is_identity_on_kubelet_written_files(k in 0..KINDS.len(), seed in 0u64..1_000_000) {
        let Some(o) = the_oracle() else { return Ok(()) };
        let name = KINDS[k];
        let file = oracle_gen(o, name, seed);
        let s = shape(name);
        let v = s.verify(&file, &Default::default());
        prop_assert_eq!(v.verdict.as_str(), "ok", "{} seed {}: {}", name, seed, v.message);
        let again = s.canonical(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(String::from_utf8_lossy(&again), String::from_utf8_lossy(&file));
    }

    /// The typed path (read into the Rust model, write it back) is the
    /// identity too.
    #[test]
    fn typed_read_write_is_identity(seed in 0u64..1_000_000) {
        let Some(o) = the_oracle() else { return Ok(()) };
        let f = oracle_gen(o, "device-v2", seed);
        let cp = device::read_v2(&f).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(device::write_v2(&cp).map_err(|e| TestCaseError::fail(e.to_string()))?, f);
        let f = oracle_gen(o, "device-v1", seed);
        let cp = device::read_v1(&f).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(device::write_v1(&cp).map_err(|e| TestCaseError::fail(e.to_string()))?, f);
    }

    /// Changing a hashed field changes the checksum; `BootID` is outside the
    /// hashed `Data` member and changes nothing.
    #[test]
    fn device_checksum_tracks_hashed_fields(seed in 0u64..1_000_000, tag in "[a-z]{1,8}") {
        let Some(o) = the_oracle() else { return Ok(()) };
        let f = oracle_gen(o, "device-v2", seed);
        let before = computed("device-v2", &f);
        let mut cp = device::read_v2(&f).map_err(|e| TestCaseError::fail(e.to_string()))?;

        let mut boot = cp.clone();
        boot.boot_id = format!("boot-{tag}");
        let b = device::write_v2(&boot).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(computed("device-v2", &b), before);

        // A new registered resource is always a change (the name is fresh).
        cp.data
            .registered_devices
            .get_or_insert_with(Default::default)
            .insert(format!("fresh.example/{tag}"), Some(vec![tag.clone()]));
        let fresh = format!("fresh.example/{}", tag);
        prop_assert!(cp.registered_devices().contains_key(fresh.as_str()));
        let changed = device::write_v2(&cp).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_ne!(computed("device-v2", &changed), before);
    }

    /// Same for DRA: a changed claim name changes the spew checksum
    /// (dra-v5) and the CRC (dra-v8, where ShareID is hashed too).
    #[test]
    fn dra_checksum_tracks_hashed_fields(seed in 0u64..1_000_000, tag in "[a-z]{1,8}") {
        let Some(o) = the_oracle() else { return Ok(()) };
        let f = oracle_gen(o, "dra-v5", seed);
        let cp = dra::read_v5(&f).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Some(first) = cp.entries.0.as_ref().and_then(|l| l.first()) {
            let before = computed("dra-v5", &f);
            let mut changed = cp.clone();
            if let Some(e) = changed.entries.0.as_mut().and_then(|l| l.first_mut()) {
                e.claim_name = format!("{}-{tag}", first.claim_name);
            }
            // The stored checksum is stale; `computed` ignores it.
            let bytes = kubelet_ckpt::formats::resmgr::encode(&changed).expect("marshal");
            prop_assert_ne!(computed("dra-v5", &bytes), before);
            let want = format!("{}-{}", first.claim_name, tag);
            prop_assert_eq!(changed.claims().first().map(|c| c.claim_name.clone()), Some(want));
        }

        let f = oracle_gen(o, "dra-v8", seed);
        let d = dra::read_v8(&f).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let before = computed("dra-v8", &f);
        let mut changed = d.clone();
        let mut touched = false;
        for e in changed.claim_info_state_list.0.iter_mut().flatten() {
            for st in e.driver_state.iter_mut().flat_map(|m| m.values_mut()) {
                for dev in st.devices.iter_mut().flatten() {
                    dev.share_id = Some(Box::new(Uid(format!("share-{tag}"))));
                    touched = true;
                }
            }
        }
        if touched {
            let bytes = <dra::DraV8 as DataWriter>::write(changed);
            prop_assert_ne!(computed("dra-v8", &bytes), before);
        }
    }
}

/// Writes a dra-v8 data value through the kind's canonical writer: wrap it
/// in a file with the right CRC, then let `canonical` re-render it.
trait DataWriter {
    fn write(d: dra::types::v8::CheckpointData) -> Vec<u8>;
}

impl DataWriter for dra::DraV8 {
    fn write(d: dra::types::v8::CheckpointData) -> Vec<u8> {
        let data = kubelet_ckpt::formats::resmgr::encode(&d).expect("marshal");
        let file = dra::types::CrcCheckpoint {
            data: String::from_utf8(data.clone()).expect("utf-8"),
            checksum: kubelet_ckpt::go::crc::crc32_ieee(&data),
        };
        let bytes = kubelet_ckpt::formats::resmgr::encode(&file).expect("marshal");
        shape("dra-v8").canonical(&bytes).expect("canonical")
    }
}

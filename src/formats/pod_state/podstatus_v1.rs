//! `podstatus-v1`: `pod_status_manager_state` of Kubernetes 1.27–1.31, whose
//! checksum is FNV-32a over go-spew of the whole
//! `*state.PodResourceAllocationCheckpoint` (quantity internals included,
//! spec §2.1).

use std::collections::BTreeMap;

use super::shared::{encode, file_error};
use super::types::{PodResizeStatus, ResourceList};
use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::decode_ok;
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::model::{Type, Value};
use crate::go::reflect::GoType;
use crate::go::sink::Sink;
use crate::go::{fnv, spew};

crate::go_struct! {
    /// `state.PodResourceAllocationCheckpoint` (pkg/kubelet/status/state).
    pub struct PodResourceAllocationCheckpoint = "state.PodResourceAllocationCheckpoint" {
        pub allocation_entries: Option<BTreeMap<String, Option<BTreeMap<String, ResourceList>>>>
            => AllocationEntries json "allocationEntries,omitempty",
        pub resize_status_entries: Option<BTreeMap<String, PodResizeStatus>>
            => ResizeStatusEntries json "resizeStatusEntries,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

impl PodResourceAllocationCheckpoint {
    /// `NewPodResourceAllocationCheckpoint`: both maps empty, not nil, so
    /// absent keys hash as `map[]` while an explicit `null` hashes `<nil>`.
    pub fn new_prefilled() -> Self {
        PodResourceAllocationCheckpoint {
            allocation_entries: Some(BTreeMap::new()),
            resize_status_entries: Some(BTreeMap::new()),
            checksum: Checksum(0),
        }
    }

    /// Streams the hashed text: go-spew of the pointer with Checksum 0.
    pub fn render_hashed<S: Sink + ?Sized>(&self, sink: &mut S) {
        let mut c = self.clone();
        c.checksum = Checksum(0);
        let t = Type::ptr(Self::go_type());
        spew::render(&Value::Ptr(Some(Box::new(c.to_go()))), &t, sink);
    }

    pub fn compute_checksum(&self) -> u64 {
        let mut h = fnv::Fnv32a::new();
        self.render_hashed(&mut h);
        u64::from(h.finish())
    }

    /// The in-memory cache copy the kubelet writes: every pod gets a non-nil
    /// container map, both top-level maps exist, quantities deep-copied.
    pub fn normalized(&self) -> Self {
        let mut out = Self::new_prefilled();
        let alloc = out.allocation_entries.get_or_insert_with(BTreeMap::new);
        for (pod, containers) in self.allocation_entries.iter().flatten() {
            let cs = containers
                .iter()
                .flatten()
                .map(|(c, l)| (c.clone(), l.deep_copy()))
                .collect();
            alloc.insert(pod.clone(), Some(cs));
        }
        let resize = out.resize_status_entries.get_or_insert_with(BTreeMap::new);
        for (pod, s) in self.resize_status_entries.iter().flatten() {
            resize.insert(pod.clone(), s.clone());
        }
        out.checksum = Checksum(out.compute_checksum());
        out
    }
}

fn raw(bytes: &[u8]) -> Result<PodResourceAllocationCheckpoint, FormatError> {
    decode_ok(bytes, &PodResourceAllocationCheckpoint::new_prefilled()).map_err(file_error)
}

/// `GetCheckpoint`: decode, then verify the checksum.
fn read(bytes: &[u8]) -> Result<PodResourceAllocationCheckpoint, FormatError> {
    let cp = raw(bytes)?;
    let sum = cp.compute_checksum();
    if sum != cp.checksum.0 {
        return Err(FormatError::Corrupt {
            prefix: String::new(),
            stored: cp.checksum.0,
            computed: sum,
        });
    }
    Ok(cp)
}

pub struct PodStatusV1;

pub static PODSTATUS_V1: PodStatusV1 = PodStatusV1;

static INFO: KindInfo = KindInfo {
    name: "podstatus-v1",
    file: "pod_status_manager_state",
    versions: "1.27-1.31",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "InPlacePodVerticalScaling allocations and resize status; the checksum covers \
              go-spew of the whole struct, quantity internals included",
};

impl Shape for PodStatusV1 {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        match read(bytes) {
            Ok(cp) => Verification::ok(Some(cp.checksum.0), Some(cp.checksum.0)),
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        encode(&read(bytes)?.normalized())
    }

    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        raw(bytes)?.render_hashed(sink);
        Ok(())
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let cp = raw(bytes)?;
        Ok(ChecksumInfo {
            stored: Some(cp.checksum.0),
            computed: cp.compute_checksum(),
        })
    }
}

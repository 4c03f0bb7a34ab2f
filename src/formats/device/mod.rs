//! `device-plugins/kubelet_internal_checkpoint`: the device manager's
//! checkpoint (spec: kubelet-files-resource-managers.md §5).
//!
//! Two shapes: `device-v1` (≤ 1.19, device ids a plain list) and
//! `device-v2` (1.20+, device ids per NUMA node). Both hash the spew text of
//! the `Data` member *as a value* with FNV-32a, with no zero acceptance; V1
//! is hashed the way 1.20+ re-hash it, by rendering the V1 types and renaming
//! `checkpointDataV1` (first occurrence) and `PodDevicesEntryV1` (every
//! occurrence, user strings included) back. Reading a file is not fatal for
//! the kubelet (it logs and continues without allocation info), but the
//! verdict is still the reader's.

pub mod state;
pub mod types;
pub mod view;

use crate::formats::common::{ChecksumInfo, FormatError, Verification};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{decode_ok, decode_value, encode, marshal_failed};
use crate::formats::{ChecksumScheme, KindInfo};
use crate::go::fnv::Fnv32a;
use crate::go::model::Value;
use crate::go::reflect::GoType;
use crate::go::sink::{Replace, Sink};
use crate::go::spew;

pub use types::{
    CheckpointData, CheckpointDataV1, Data, DataV1, DevicesPerNuma, PodDevicesEntry,
    PodDevicesEntryV1,
};
pub use view::{Allocation, DeviceView};

/// The file, relative to the kubelet root directory.
pub const FILE: &str = "device-plugins/kubelet_internal_checkpoint";

/// Streams the text 1.20+ kubelets hash for a V2 file.
fn render_v2(cp: &Data, sink: &mut dyn Sink) {
    render_v2_tree(&cp.data.to_go(), sink);
}

/// [`render_v2`] of the decoded `Data` member's value tree.
fn render_v2_tree(data: &Value, sink: &mut dyn Sink) {
    spew::render(data, &CheckpointData::go_type(), sink);
}

/// [`render_v1`] of the decoded `Data` member's value tree.
fn render_v1_tree(data: &Value, sink: &mut dyn Sink) {
    let all = Replace::new(sink, b"PodDevicesEntryV1", b"PodDevicesEntry", None);
    let mut first = Replace::new(all, b"checkpointDataV1", b"checkpointData", Some(1));
    spew::render(data, &CheckpointDataV1::go_type(), &mut first);
    first.finish().finish();
}

/// Streams the text 1.20+ kubelets hash for a V1 file: the V1 rendering,
/// then `strings.Replace(s, "checkpointDataV1", "checkpointData", 1)`, then
/// `strings.Replace(s, "PodDevicesEntryV1", "PodDevicesEntry", -1)`.
fn render_v1(cp: &DataV1, sink: &mut dyn Sink) {
    render_v1_tree(&cp.data.to_go(), sink);
}

fn hash_with(render: impl FnOnce(&mut dyn Sink)) -> u64 {
    let mut h = Fnv32a::new();
    render(&mut h);
    u64::from(h.finish())
}

/// What both device kinds share: decode into the pre-filled value, hash,
/// compare, write back.
trait DeviceShape {
    type File: crate::go::GoType;
    fn prefilled() -> Self::File;
    fn render(cp: &Self::File, sink: &mut dyn Sink);
    /// [`Self::render`] of the `Data` member as the decoder built it.
    fn render_tree(data: &Value, sink: &mut dyn Sink);
    fn stored(cp: &Self::File) -> u64;
    /// The writer's normalisation before hashing: the kubelet builds the
    /// entry list with `var data []PodDevicesEntry` + append, so no
    /// allocations is written as `null` (and hashed as `<nil>`).
    fn normalise_and_seal(cp: &mut Self::File);

    fn decode(bytes: &[u8]) -> Result<Self::File, FormatError> {
        Ok(decode_ok(bytes, &Self::prefilled())?)
    }

    fn computed(cp: &Self::File) -> u64 {
        hash_with(|s| Self::render(cp, s))
    }

    /// The verify path: decode and hash the decoded value tree itself (no
    /// typed value is needed to compare checksums). Returns (stored,
    /// computed).
    fn check(bytes: &[u8]) -> Result<(u64, u64), FormatError> {
        let tree = decode_value(bytes, &Self::prefilled())?;
        let fields: &[Value] = match &tree {
            Value::Struct(f) => f,
            _ => &[],
        };
        // Field order of both files: Data, Checksum (then BootID in V2).
        let stored = match fields.get(1) {
            Some(Value::Uint(n)) => *n,
            _ => 0,
        };
        let zero = Value::Struct(Vec::new());
        let computed = hash_with(|s| Self::render_tree(fields.first().unwrap_or(&zero), s));
        if stored != computed {
            return Err(FormatError::Corrupt {
                prefix: String::new(),
                stored,
                computed,
            });
        }
        Ok((stored, computed))
    }

    fn read(bytes: &[u8]) -> Result<(Self::File, u64, u64), FormatError> {
        let cp = Self::decode(bytes)?;
        let (stored, computed) = (Self::stored(&cp), Self::computed(&cp));
        if stored != computed {
            return Err(FormatError::Corrupt {
                prefix: String::new(),
                stored,
                computed,
            });
        }
        Ok((cp, stored, computed))
    }
}

/// `device-v1`: the ≤ 1.19 shape.
pub struct DeviceV1;
/// `device-v2`: the 1.20+ shape.
pub struct DeviceV2;

pub static DEVICE_V1: DeviceV1 = DeviceV1;
pub static DEVICE_V2: DeviceV2 = DeviceV2;

static INFO_V1: KindInfo = KindInfo {
    name: "device-v1",
    file: FILE,
    versions: "up to 1.19 (checkpoint-manager era); read by 1.20+ as a fallback",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "device manager checkpoint, device ids as a plain list; spew hash of Data renamed to checkpointData/PodDevicesEntry",
};

static INFO_V2: KindInfo = KindInfo {
    name: "device-v2",
    file: FILE,
    versions: "1.20+",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "device manager checkpoint, device ids per NUMA node (-1 = no topology); spew hash of the Data member",
};

impl DeviceShape for DeviceV1 {
    type File = DataV1;
    fn prefilled() -> DataV1 {
        DataV1::prefilled()
    }
    fn render(cp: &DataV1, sink: &mut dyn Sink) {
        render_v1(cp, sink);
    }
    fn render_tree(data: &Value, sink: &mut dyn Sink) {
        render_v1_tree(data, sink);
    }
    fn stored(cp: &DataV1) -> u64 {
        cp.checksum.0
    }
    fn normalise_and_seal(cp: &mut DataV1) {
        if cp
            .data
            .pod_device_entries
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            cp.data.pod_device_entries = None;
        }
        cp.checksum = Checksum(Self::computed(cp));
    }
}

impl DeviceShape for DeviceV2 {
    type File = Data;
    fn prefilled() -> Data {
        Data::prefilled()
    }
    fn render(cp: &Data, sink: &mut dyn Sink) {
        render_v2(cp, sink);
    }
    fn render_tree(data: &Value, sink: &mut dyn Sink) {
        render_v2_tree(data, sink);
    }
    fn stored(cp: &Data) -> u64 {
        cp.checksum.0
    }
    fn normalise_and_seal(cp: &mut Data) {
        if cp
            .data
            .pod_device_entries
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            cp.data.pod_device_entries = None;
        }
        cp.checksum = Checksum(Self::computed(cp));
    }
}

fn verify<K: DeviceShape>(bytes: &[u8]) -> Verification {
    match K::check(bytes) {
        Ok((stored, computed)) => Verification::ok(Some(stored), Some(computed)),
        Err(e) => Verification::from_error(e, None, None),
    }
}

fn canonical<K: DeviceShape>(bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
    let (mut cp, _, _) = K::read(bytes)?;
    K::normalise_and_seal(&mut cp);
    encode(&cp).map_err(marshal_failed)
}

fn explain<K: DeviceShape>(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
    let cp = K::decode(bytes)?;
    K::render(&cp, sink);
    Ok(())
}

fn checksum<K: DeviceShape>(bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
    let cp = K::decode(bytes)?;
    Ok(ChecksumInfo {
        stored: Some(K::stored(&cp)),
        computed: K::computed(&cp),
    })
}

family_shape!(self, DeviceV1, &INFO_V1);
family_shape!(self, DeviceV2, &INFO_V2);

/// Streams the text a 1.20+ kubelet hashes for a V1 value (the V1
/// rendering with the kubelet's renames applied).
pub fn explain_v1_value(cp: &DataV1, sink: &mut dyn Sink) {
    render_v1(cp, sink);
}

/// Streams the text hashed for a V2 value.
pub fn explain_v2_value(cp: &Data, sink: &mut dyn Sink) {
    render_v2(cp, sink);
}

/// Which shape [`restore`] loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    V2,
    /// A V1 file, converted with every device on NUMA node 0.
    V1,
}

/// The 1.20+ manager's read chain: V2 first; on failure V1 (converted);
/// when both fail, the **V2** error is returned. (The kubelet only logs it
/// and continues without allocation info.)
pub fn restore(bytes: &[u8]) -> Result<(Data, Loaded), FormatError> {
    match read_v2(bytes) {
        Ok(cp) => Ok((cp, Loaded::V2)),
        Err(v2_err) => match read_v1(bytes) {
            Ok(cp) => Ok((cp.to_latest(), Loaded::V1)),
            Err(_) => Err(v2_err),
        },
    }
}

/// Parses a device-v2 file as the kubelet does (checksum verified).
pub fn read_v2(bytes: &[u8]) -> Result<Data, FormatError> {
    DeviceV2::read(bytes).map(|(cp, _, _)| cp)
}

/// Parses a device-v1 file as the kubelet does (checksum verified).
pub fn read_v1(bytes: &[u8]) -> Result<DataV1, FormatError> {
    DeviceV1::read(bytes).map(|(cp, _, _)| cp)
}

/// The exact bytes the kubelet writes for `cp` (entry order kept, an empty
/// entry list written as `null`, checksum recomputed).
pub fn write_v2(cp: &Data) -> Result<Vec<u8>, FormatError> {
    let mut cp = cp.clone();
    DeviceV2::normalise_and_seal(&mut cp);
    encode(&cp).map_err(marshal_failed)
}

/// The exact bytes a ≤ 1.19 kubelet writes for `cp`.
pub fn write_v1(cp: &DataV1) -> Result<Vec<u8>, FormatError> {
    let mut cp = cp.clone();
    DeviceV1::normalise_and_seal(&mut cp);
    encode(&cp).map_err(marshal_failed)
}

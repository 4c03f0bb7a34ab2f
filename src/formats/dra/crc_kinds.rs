//! The CRC-era DRA shapes (dra-v6 … dra-v8): `{"Data":"<json>",
//! "Checksum":<uint32>}`, checksum = CRC-32/IEEE of the stored data string
//! (no type names, so struct changes never break it). The reader verifies
//! the CRC, then unmarshals the data into a zero `CheckpointData`.

use crate::formats::common::{ChecksumInfo, FormatError, Verification};
use crate::formats::gotypes::TypeMeta;
use crate::formats::resmgr::{
    decode_ok, decode_value, encode, marshal_failed, struct_field, wrap_json,
};
use crate::formats::{ChecksumScheme, KindInfo};
use crate::go::crc::crc32_ieee;
use crate::go::model::Value;
use crate::go::reflect::GoType;
use crate::go::sink::Sink;

use super::types::{structured, v8, CrcCheckpoint};
use super::{FILE, GET_PREFIX};

/// `kind` and `apiVersion` the writer puts in the data (never checked on read).
pub const DATA_KIND: &str = "DRACheckpoint";
pub const DATA_API_VERSION: &str = "checkpoint.dra.kubelet.k8s.io/v1";

fn type_meta() -> TypeMeta {
    TypeMeta {
        kind: DATA_KIND.to_string(),
        api_version: DATA_API_VERSION.to_string(),
    }
}

/// One CRC-era shape: the type its data string holds.
pub(crate) trait CrcDra {
    type Data: GoType + Default;
    type List: Clone;
    const INFO: &'static KindInfo;
    fn list(d: &Self::Data) -> &Self::List;
    /// `NewCheckpoint(list)`'s data value.
    fn data_for(list: Self::List) -> Self::Data;

    fn decode(bytes: &[u8]) -> Result<CrcCheckpoint, FormatError> {
        decode_ok(bytes, &CrcCheckpoint::default())
            .map_err(|e| FormatError::InvalidJson(wrap_json(GET_PREFIX, e)))
    }

    /// [`Self::read`] for verify: the same steps on value trees, with the
    /// data string borrowed from the decoded tree (no typed copies).
    /// Returns (stored, computed, note on ignored members).
    fn check(bytes: &[u8]) -> Result<(u32, u32, String), FormatError> {
        let tree = decode_value(bytes, &CrcCheckpoint::default())
            .map_err(|e| FormatError::InvalidJson(wrap_json(GET_PREFIX, e)))?;
        let ty = CrcCheckpoint::go_type();
        let data: &[u8] = match struct_field(&tree, &ty, "Data") {
            Some(Value::String(s)) => s,
            _ => &[],
        };
        let stored = match struct_field(&tree, &ty, "Checksum") {
            Some(Value::Uint(n)) => u32::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let computed = crc32_ieee(data);
        if computed != stored {
            return Err(FormatError::Corrupt {
                prefix: GET_PREFIX.to_string(),
                stored: u64::from(stored),
                computed: u64::from(computed),
            });
        }
        decode_value(data, &Self::Data::default()).map_err(|e| {
            FormatError::Invalid(format!("GetEntries() on checkpoint: {}", e.message))
        })?;
        let note = crate::formats::common::ignored_note(data, &Self::Data::go_type());
        Ok((stored, computed, note))
    }

    /// `GetCheckpoint` + `GetEntries()`.
    fn read(bytes: &[u8]) -> Result<(CrcCheckpoint, Self::Data, u32), FormatError> {
        let cp = Self::decode(bytes)?;
        let computed = crc32_ieee(cp.data.as_bytes());
        if computed != cp.checksum {
            return Err(FormatError::Corrupt {
                prefix: GET_PREFIX.to_string(),
                stored: u64::from(cp.checksum),
                computed: u64::from(computed),
            });
        }
        let data = decode_ok(cp.data.as_bytes(), &Self::Data::default()).map_err(|e| {
            FormatError::Invalid(format!("GetEntries() on checkpoint: {}", e.message))
        })?;
        Ok((cp, data, computed))
    }

    /// `NewCheckpoint(list)` + `MarshalCheckpoint`.
    fn write(list: Self::List) -> Result<Vec<u8>, FormatError> {
        let data = encode(&Self::data_for(list)).map_err(marshal_failed)?;
        let checksum = crc32_ieee(&data);
        // json.Marshal output is valid UTF-8 (invalid bytes are replaced),
        // so this conversion is lossless.
        let data = String::from_utf8_lossy(&data).into_owned();
        encode(&CrcCheckpoint { data, checksum }).map_err(marshal_failed)
    }
}

pub struct DraV6;
pub struct DraV7;
pub struct DraV8;

pub static DRA_V6: DraV6 = DraV6;
pub static DRA_V7: DraV7 = DraV7;
pub static DRA_V8: DraV8 = DraV8;

static INFO_V6: KindInfo = KindInfo {
    name: "dra-v6",
    file: FILE,
    versions: "after ~1.31 (exact releases not established)",
    scheme: ChecksumScheme::DataCrc32,
    summary: "DRA checkpoint {Data,Checksum}: JSON data with claims under \"Entries\"; CRC-32 of the data string",
};
static INFO_V7: KindInfo = KindInfo {
    name: "dra-v7",
    file: FILE,
    versions: "after dra-v6 (exact releases not established)",
    scheme: ChecksumScheme::DataCrc32,
    summary: "DRA checkpoint {Data,Checksum}: claims under \"ClaimInfoStateList\"; CRC-32 of the data string",
};
static INFO_V8: KindInfo = KindInfo {
    name: "dra-v8",
    file: FILE,
    versions: "newest development line (inferred)",
    scheme: ChecksumScheme::DataCrc32,
    summary: "DRA checkpoint like dra-v7, every device with ShareID (null when unset); CRC-32 of the data string",
};

impl CrcDra for DraV6 {
    type Data = structured::CheckpointDataV6;
    type List = structured::ClaimInfoStateList;
    const INFO: &'static KindInfo = &INFO_V6;
    fn list(d: &Self::Data) -> &Self::List {
        &d.entries
    }
    fn data_for(list: Self::List) -> Self::Data {
        structured::CheckpointDataV6 {
            type_meta: type_meta(),
            entries: list,
        }
    }
}

impl CrcDra for DraV7 {
    type Data = structured::CheckpointDataV7;
    type List = structured::ClaimInfoStateList;
    const INFO: &'static KindInfo = &INFO_V7;
    fn list(d: &Self::Data) -> &Self::List {
        &d.claim_info_state_list
    }
    fn data_for(list: Self::List) -> Self::Data {
        structured::CheckpointDataV7 {
            type_meta: type_meta(),
            claim_info_state_list: list,
        }
    }
}

impl CrcDra for DraV8 {
    type Data = v8::CheckpointData;
    type List = v8::ClaimInfoStateList;
    const INFO: &'static KindInfo = &INFO_V8;
    fn list(d: &Self::Data) -> &Self::List {
        &d.claim_info_state_list
    }
    fn data_for(list: Self::List) -> Self::Data {
        v8::CheckpointData {
            type_meta: type_meta(),
            claim_info_state_list: list,
        }
    }
}

pub(crate) fn verify<K: CrcDra>(bytes: &[u8]) -> Verification {
    match K::check(bytes) {
        Ok((stored, computed, note)) => {
            let mut v = Verification::ok(Some(u64::from(stored)), Some(u64::from(computed)));
            v.message = note;
            v
        }
        Err(e) => Verification::from_error(e, None, None),
    }
}

pub(crate) fn canonical<K: CrcDra>(bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
    let (_, data, _) = K::read(bytes)?;
    K::write(K::list(&data).clone())
}

/// The hashed text is the data string itself.
pub(crate) fn explain<K: CrcDra>(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
    let cp = K::decode(bytes)?;
    sink.put(cp.data.as_bytes());
    Ok(())
}

pub(crate) fn checksum<K: CrcDra>(bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
    let cp = K::decode(bytes)?;
    Ok(ChecksumInfo {
        stored: Some(u64::from(cp.checksum)),
        computed: u64::from(crc32_ieee(cp.data.as_bytes())),
    })
}

family_shape!(self, DraV6, <DraV6 as CrcDra>::INFO);
family_shape!(self, DraV7, <DraV7 as CrcDra>::INFO);
family_shape!(self, DraV8, <DraV8 as CrcDra>::INFO);

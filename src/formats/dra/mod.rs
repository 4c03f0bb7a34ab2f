//! `dra_manager_state`: the Dynamic Resource Allocation manager's checkpoint
//! (spec: kubelet-files-resource-managers.md §6).
//!
//! Spew era (dra-v1 … dra-v5): `{"version","entries","checksum"}` hashed with
//! go-spew + FNV-32a over `&cp`; dra-v3/v4 also accept the "without resource
//! handles" compat checksum, which is what lets dra-v2 files load. CRC era
//! (dra-v6 … dra-v8): `{"Data","Checksum"}` with CRC-32/IEEE over the data
//! string. dra-v1 is unverified and read-only.
//!
//! Every read error is fatal for the kubelet at start
//! (`could not initialize checkpoint manager, please drain node and remove DRA state file, err: ...`);
//! verdict messages leave out that outer wrapper, as for the other files.

pub mod crc_kinds;
pub mod spew_kinds;
pub mod state;
pub mod types;
pub mod view;

pub use crc_kinds::{DraV6, DraV7, DraV8, DRA_V6, DRA_V7, DRA_V8};
pub use spew_kinds::{DraV1, DraV2, DraV3, DraV4, DraV5, DRA_V1, DRA_V2, DRA_V3, DRA_V4, DRA_V5};
pub use view::{ClaimSummary, DeviceSummary, DraView};

use crate::formats::common::FormatError;

/// The file, relative to the kubelet root directory.
pub const FILE: &str = "dra_manager_state";

/// The checkpointer's wrapping of `GetCheckpoint` errors.
pub const GET_PREFIX: &str = "failed to get checkpoint dra_manager_state: ";

/// Reads a spew-era file as the kubelet does (checksum, with fallbacks).
pub fn read_v2(bytes: &[u8]) -> Result<types::v2::DraManagerCheckpoint, FormatError> {
    <DraV2 as spew_kinds::SpewDra>::read(bytes).map(|(cp, _, _)| cp)
}
/// dra-v3 reader.
pub fn read_v3(bytes: &[u8]) -> Result<types::v3::DraManagerCheckpoint, FormatError> {
    <DraV3 as spew_kinds::SpewDra>::read(bytes).map(|(cp, _, _)| cp)
}
/// dra-v4 reader.
pub fn read_v4(bytes: &[u8]) -> Result<types::v4::DraManagerCheckpoint, FormatError> {
    <DraV4 as spew_kinds::SpewDra>::read(bytes).map(|(cp, _, _)| cp)
}
/// dra-v5 reader.
pub fn read_v5(bytes: &[u8]) -> Result<types::structured::DraManagerCheckpoint, FormatError> {
    <DraV5 as spew_kinds::SpewDra>::read(bytes).map(|(cp, _, _)| cp)
}
/// dra-v1 reader (unverified shape).
pub fn read_v1(bytes: &[u8]) -> Result<types::v1::DraManagerCheckpoint, FormatError> {
    <DraV1 as spew_kinds::SpewDra>::read(bytes).map(|(cp, _, _)| cp)
}
/// dra-v6 reader: the decoded data.
pub fn read_v6(bytes: &[u8]) -> Result<types::structured::CheckpointDataV6, FormatError> {
    <DraV6 as crc_kinds::CrcDra>::read(bytes).map(|(_, d, _)| d)
}
/// dra-v7 reader: the decoded data.
pub fn read_v7(bytes: &[u8]) -> Result<types::structured::CheckpointDataV7, FormatError> {
    <DraV7 as crc_kinds::CrcDra>::read(bytes).map(|(_, d, _)| d)
}
/// dra-v8 reader: the decoded data.
pub fn read_v8(bytes: &[u8]) -> Result<types::v8::CheckpointData, FormatError> {
    <DraV8 as crc_kinds::CrcDra>::read(bytes).map(|(_, d, _)| d)
}

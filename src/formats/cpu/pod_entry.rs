//! `state.PodEntry`'s own `MarshalJSON` / `UnmarshalJSON` (V3/V4 pod-level
//! CPU sets), plugged into the generic JSON codec through `CustomJson`.
//!
//! `UnmarshalJSON` decodes into `state.podEntryJSON` and parses the list;
//! a parse failure aborts the whole decode with `failed to parse cpuset: <err>`.
//! A type error inside (e.g. `"cpuSet": 5`) is returned unwrapped; Go's
//! outer decoder then rewrites its struct/field to the field being decoded
//! (`CPUManagerCheckpointV3.podEntries`), which `go::json` reproduces for
//! every custom unmarshaler, so the text is passed on as Go's method would.

use crate::go::cpuset::CpuSet;
use crate::go::json;
use crate::go::model::{CustomJson, Value};
use crate::go::reflect::GoType;

use super::types::{PodEntry, PodEntryJson};

/// The JSON methods of `state.PodEntry`.
pub const POD_ENTRY_JSON: CustomJson = CustomJson { marshal, unmarshal };

/// `json.Marshal(podEntryJSON{CPUSet: p.CPUSet.String()})`: `{}` for an
/// empty set (omitempty).
fn marshal(v: &Value) -> Result<Vec<u8>, String> {
    let entry = PodEntry::from_go(v);
    let e = PodEntryJson {
        cpu_set: entry.cpu_set.to_string(),
    };
    json::marshal(&e.to_go(), &PodEntryJson::go_type()).map_err(|e| e.message)
}

/// Go calls this for `null` too (the entry is then the empty set, with a
/// non-nil map, as `cpuset.Parse("")` returns).
fn unmarshal(raw: &[u8], target: &mut Value) -> Result<(), String> {
    let mut e = PodEntryJson::default().to_go();
    json::unmarshal(raw, &PodEntryJson::go_type(), &mut e).map_err(|err| err.message)?;
    let text = PodEntryJson::from_go(&e).cpu_set;
    let set = CpuSet::parse(&text).map_err(|err| format!("failed to parse cpuset: {err}"))?;
    *target = PodEntry { cpu_set: set }.to_go();
    Ok(())
}

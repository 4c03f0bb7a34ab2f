//! `state.PodEntry`'s own `MarshalJSON` / `UnmarshalJSON` (V3/V4 pod-level
//! CPU sets), plugged into the generic JSON codec through `CustomJson`.
//!
//! `UnmarshalJSON` decodes into `state.podEntryJSON` and parses the list;
//! a parse failure aborts the whole decode with `failed to parse cpuset: <err>`.
//! A type error inside (e.g. `"cpuSet": 5`) is returned *unwrapped*, and Go's
//! outer decoder then rewrites its struct/field context to the field being
//! decoded (`CPUManagerCheckpointV3.podEntries`). The method cannot know
//! that context, so it reports the error with [`CONTEXT_PLACEHOLDER`], and
//! the kind that decoded the file substitutes its own context
//! ([`with_context`]).

use crate::go::cpuset::CpuSet;
use crate::go::json::{self, UnmarshalError};
use crate::go::model::{CustomJson, Value};
use crate::go::reflect::GoType;

use super::types::{PodEntry, PodEntryJson};

/// The JSON methods of `state.PodEntry`.
pub const POD_ENTRY_JSON: CustomJson = CustomJson { marshal, unmarshal };

/// Stands for `<Struct>.<field>` of the enclosing decode in a type error.
pub const CONTEXT_PLACEHOLDER: &str = "\u{1}podEntries-context\u{1}";

fn marshal(v: &Value) -> Result<Vec<u8>, String> {
    let entry = PodEntry::from_go(v);
    let text = entry.cpu_set.to_string();
    let e = PodEntryJson { cpu_set: text };
    json::marshal(&e.to_go(), &PodEntryJson::go_type()).map_err(|e| e.message)
}

fn unmarshal(raw: &[u8], target: &mut Value) -> Result<(), String> {
    let mut e = PodEntryJson::default().to_go();
    if let Err(err) = json::unmarshal(raw, &PodEntryJson::go_type(), &mut e) {
        return Err(recontext(&err.message));
    }
    let text = PodEntryJson::from_go(&e).cpu_set;
    let set = CpuSet::parse(&text).map_err(|err| format!("failed to parse cpuset: {err}"))?;
    *target = PodEntry { cpu_set: set }.to_go();
    Ok(())
}

/// Rewrites a Go `UnmarshalTypeError` text so its `Struct.Field` part is
/// the placeholder (Go 1.19 `addErrorContext`); other texts pass unchanged.
fn recontext(msg: &str) -> String {
    const HEAD: &str = "json: cannot unmarshal ";
    let Some(rest) = msg.strip_prefix(HEAD) else {
        return msg.to_string();
    };
    let split = [" into Go struct field ", " into Go value of type "]
        .iter()
        .find_map(|sep| rest.split_once(sep).map(|(what, tail)| (*sep, what, tail)));
    let Some((sep, what, tail)) = split else {
        return msg.to_string();
    };
    let ty = if sep == " into Go value of type " {
        tail
    } else {
        match tail.rsplit_once(" of type ") {
            Some((_, ty)) => ty,
            None => return msg.to_string(),
        }
    };
    format!("{HEAD}{what} into Go struct field {CONTEXT_PLACEHOLDER} of type {ty}")
}

/// Puts the decoding struct's context (`CPUManagerCheckpointV3`) into an
/// error produced by [`POD_ENTRY_JSON`].
pub fn with_context(mut err: UnmarshalError, struct_name: &str) -> UnmarshalError {
    if err.message.contains(CONTEXT_PLACEHOLDER) {
        err.message = err
            .message
            .replace(CONTEXT_PLACEHOLDER, &format!("{struct_name}.podEntries"));
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recontext_rewrites_struct_and_field() {
        assert_eq!(
            recontext("json: cannot unmarshal number into Go struct field podEntryJSON.cpuSet of type string"),
            format!("json: cannot unmarshal number into Go struct field {CONTEXT_PLACEHOLDER} of type string")
        );
        assert_eq!(
            recontext("json: cannot unmarshal number into Go value of type state.podEntryJSON"),
            format!("json: cannot unmarshal number into Go struct field {CONTEXT_PLACEHOLDER} of type state.podEntryJSON")
        );
        assert_eq!(
            recontext("failed to parse cpuset: x"),
            "failed to parse cpuset: x"
        );
    }
}

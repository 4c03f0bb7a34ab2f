//! The "data string" envelope of pod_status_manager_state (1.32+) and the
//! allocation manager's files: `{"data":"<payload JSON>","checksum":N}`,
//! checksum = FNV-32a(`(string)` + data). The payload's Go types matter only
//! for decoding (errors, case-insensitive keys) and for what is written.

use std::marker::PhantomData;

use super::shared::{encode, file_error, payload_error};
use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::resmgr::{decode_ok, decode_value, hash_data, hash_data_value, render_data};
use crate::formats::{KindInfo, Shape};
use crate::go::model::Value;
use crate::go::reflect::GoType;
use crate::go::sink::Sink;

crate::go_struct! {
    /// The envelope (`state.Checkpoint` in the kubelet). Its Go type name
    /// shows only in `encoding/json` error texts; it carries the Go
    /// reference's name (`main.r2DataEnvelope`) so those texts match the
    /// reference; the kubelet itself would say `Checkpoint.data`.
    pub struct DataEnvelope = "main.r2DataEnvelope" {
        pub data: String => Data json "data",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

/// A payload carried in the envelope.
pub trait Payload: GoType + 'static {
    /// The kubelet's wrapping text for payload decoding errors.
    const PREFIX: &'static str;
    /// The in-memory cache copy the kubelet writes back after restoring.
    fn normalized(&self) -> Self;
}

/// One envelope kind with payload type `P`.
pub struct DataKind<P> {
    pub info: &'static KindInfo,
    pub payload: PhantomData<fn() -> P>,
}

impl<P> DataKind<P> {
    pub const fn new(info: &'static KindInfo) -> Self {
        DataKind {
            info,
            payload: PhantomData,
        }
    }
}

fn envelope(bytes: &[u8]) -> Result<DataEnvelope, FormatError> {
    decode_ok(bytes, &DataEnvelope::default()).map_err(file_error)
}

/// Restore: decode the envelope, verify, decode the payload.
fn read<P: Payload>(bytes: &[u8]) -> Result<(DataEnvelope, P), FormatError> {
    let env = envelope(bytes)?;
    let sum = hash_data(&env.data);
    if sum != env.checksum.0 {
        return Err(FormatError::Corrupt {
            prefix: String::new(),
            stored: env.checksum.0,
            computed: sum,
        });
    }
    let p = decode_ok(env.data.as_bytes(), &P::from_go(&P::go_type().zero()))
        .map_err(|e| payload_error(P::PREFIX, e))?;
    Ok((env, p))
}

/// [`read`] for a verdict only: the same decodes, errors and checksum, but
/// the data string is hashed where the decoder left it (no copies) and the
/// payload stays a value tree (no typed conversion, which verify would
/// throw away). Returns the stored checksum and the payload's JSON text.
fn check<P: Payload>(bytes: &[u8]) -> Result<(u64, Vec<u8>), FormatError> {
    let tree = decode_value(bytes, &DataEnvelope::default()).map_err(file_error)?;
    // An envelope decodes to its two fields, `data` a string (a struct
    // target stays a struct); should that change, the typed path answers.
    let (data, stored) = match tree {
        Value::Struct(mut f) if f.len() == 2 && matches!(f[0], Value::String(_)) => {
            let stored = Checksum::from_go(&f[1]).0;
            (f.swap_remove(0), stored)
        }
        _ => return read::<P>(bytes).map(|(env, _)| (env.checksum.0, env.data.into_bytes())),
    };
    let sum = hash_data_value(&data);
    if sum != stored {
        return Err(FormatError::Corrupt {
            prefix: String::new(),
            stored,
            computed: sum,
        });
    }
    let Value::String(data) = data else {
        unreachable!("matched as a string above");
    };
    decode_value(&data, &P::from_go(&P::go_type().zero()))
        .map_err(|e| payload_error(P::PREFIX, e))?;
    Ok((stored, data))
}

/// `NewCheckpoint` + `MarshalCheckpoint` for a payload.
pub fn write<P: Payload>(p: &P) -> Result<Vec<u8>, FormatError> {
    // json.Marshal output is valid UTF-8 (invalid bytes were replaced).
    let data = String::from_utf8_lossy(&encode(p)?).into_owned();
    let env = DataEnvelope {
        checksum: Checksum(hash_data(&data)),
        data,
    };
    encode(&env)
}

impl<P: Payload> Shape for DataKind<P> {
    fn info(&self) -> &'static KindInfo {
        self.info
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        match check::<P>(bytes) {
            Ok((stored, data)) => {
                let mut v = Verification::ok(Some(stored), Some(stored));
                v.message = crate::formats::common::ignored_note(&data, &P::go_type());
                v
            }
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        let (_, p) = read::<P>(bytes)?;
        write(&p.normalized())
    }

    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        render_data(&envelope(bytes)?.data, sink);
        Ok(())
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let env = envelope(bytes)?;
        Ok(ChecksumInfo {
            stored: Some(env.checksum.0),
            computed: hash_data(&env.data),
        })
    }
}

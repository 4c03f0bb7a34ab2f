//! The device plugin API's `ContainerAllocateResponse`
//! (`k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1/api.proto`), which the
//! device manager stores verbatim as `AllocResp`, decoded with a minimal
//! protobuf wire-format reader (no protobuf dependency for five fields):
//!
//! ```text
//! message ContainerAllocateResponse {
//!   map<string, string> envs = 1;
//!   repeated Mount mounts = 2;          // container_path = 1, host_path = 2, read_only = 3
//!   repeated DeviceSpec devices = 3;    // container_path = 1, host_path = 2, permissions = 3
//!   map<string, string> annotations = 4;
//!   repeated CDIDevice cdi_devices = 5; // name = 1
//! }
//! ```
//!
//! What does not decode is kept as hex, so nothing a plugin wrote is hidden.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A decoded `ContainerAllocateResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContainerAllocateResponse {
    /// `envs`: environment variables set in the container.
    #[serde(default)]
    pub envs: BTreeMap<String, String>,
    /// `mounts`: host paths mounted into the container.
    #[serde(default)]
    pub mounts: Vec<Mount>,
    /// `devices`: device nodes exposed to the container.
    #[serde(default)]
    pub devices: Vec<DeviceSpec>,
    /// `annotations`: passed to the runtime.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `cdi_devices`: fully qualified CDI device names.
    #[serde(default)]
    pub cdi_devices: Vec<String>,
    /// Fields this reader does not know (a newer API), as hex.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_fields: Vec<UnknownField>,
    /// Why decoding stopped, with the undecoded rest in hex; `None` when
    /// all bytes decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `Mount`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mount {
    /// `container_path`.
    pub container_path: String,
    /// `host_path`.
    pub host_path: String,
    /// `read_only`.
    pub read_only: bool,
}

/// `DeviceSpec`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceSpec {
    /// `container_path`.
    pub container_path: String,
    /// `host_path`.
    pub host_path: String,
    /// `permissions` (cgroup: `r`, `w`, `m`).
    pub permissions: String,
}

/// A field the reader skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UnknownField {
    /// Field number.
    pub field: u64,
    /// Wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
    pub wire_type: u8,
    /// The field's payload, hex.
    pub hex: String,
}

/// One wire-format field: number, wire type and payload.
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed(&'a [u8]),
}

/// A cursor over wire-format bytes.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| format!("truncated varint at byte {}", self.pos))?;
            self.pos += 1;
            if shift == 63 && b > 1 {
                return Err(format!("varint overflows 64 bits at byte {}", self.pos - 1));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("varint too long at byte {}", self.pos))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| format!("field of {n} bytes at byte {} runs past the end", self.pos))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// The next field, or `None` at the end.
    fn field(&mut self) -> Result<Option<(u64, u8, Value<'a>)>, String> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let (num, wt) = (key >> 3, (key & 7) as u8);
        if num == 0 {
            return Err(format!("field number 0 at byte {}", self.pos));
        }
        let v = match wt {
            0 => Value::Varint(self.varint()?),
            1 => Value::Fixed(self.take(8)?),
            2 => {
                let n = usize::try_from(self.varint()?).map_err(|_| "length too large")?;
                Value::Bytes(self.take(n)?)
            }
            5 => Value::Fixed(self.take(4)?),
            _ => return Err(format!("unsupported wire type {wt} (field {num})")),
        };
        Ok(Some((num, wt, v)))
    }
}

fn string(v: &Value<'_>, what: &str) -> Result<String, String> {
    match v {
        Value::Bytes(b) => {
            String::from_utf8(b.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
        }
        _ => Err(format!("{what} is not length-delimited")),
    }
}

/// Decodes a message's fields with `on(field, value)`, skipping none.
fn fields<'a>(
    buf: &'a [u8],
    mut on: impl FnMut(u64, u8, Value<'a>) -> Result<(), String>,
) -> Result<(), String> {
    let mut r = Reader { buf, pos: 0 };
    while let Some((n, wt, v)) = r.field()? {
        on(n, wt, v)?;
    }
    Ok(())
}

fn map_entry(b: &[u8]) -> Result<(String, String), String> {
    let (mut k, mut v) = (String::new(), String::new());
    fields(b, |n, _, val| {
        match n {
            1 => k = string(&val, "map key")?,
            2 => v = string(&val, "map value")?,
            _ => {}
        }
        Ok(())
    })?;
    Ok((k, v))
}

fn sub(v: &Value<'_>, what: &str) -> Result<Vec<u8>, String> {
    match v {
        Value::Bytes(b) => Ok(b.to_vec()),
        _ => Err(format!("{what} is not length-delimited")),
    }
}

fn payload_hex(v: &Value<'_>) -> String {
    match v {
        Value::Varint(x) => format!("{x:x}"),
        Value::Bytes(b) | Value::Fixed(b) => crate::formats::state::hex_bytes::encode(b),
    }
}

/// Decodes `bytes` as a `ContainerAllocateResponse`. Never fails: what
/// does not decode is reported in `error` with the rest in hex.
pub fn decode(bytes: &[u8]) -> ContainerAllocateResponse {
    let mut out = ContainerAllocateResponse::default();
    let mut r = Reader { buf: bytes, pos: 0 };
    loop {
        let start = r.pos;
        let step = r.field().and_then(|f| {
            let Some((n, wt, v)) = f else {
                return Ok(false);
            };
            match n {
                1 => {
                    let (k, val) = map_entry(&sub(&v, "envs")?)?;
                    out.envs.insert(k, val);
                }
                2 => {
                    let mut m = Mount::default();
                    fields(&sub(&v, "mounts")?, |n, _, val| {
                        match n {
                            1 => m.container_path = string(&val, "container_path")?,
                            2 => m.host_path = string(&val, "host_path")?,
                            3 => m.read_only = matches!(val, Value::Varint(x) if x != 0),
                            _ => {}
                        }
                        Ok(())
                    })?;
                    out.mounts.push(m);
                }
                3 => {
                    let mut d = DeviceSpec::default();
                    fields(&sub(&v, "devices")?, |n, _, val| {
                        match n {
                            1 => d.container_path = string(&val, "container_path")?,
                            2 => d.host_path = string(&val, "host_path")?,
                            3 => d.permissions = string(&val, "permissions")?,
                            _ => {}
                        }
                        Ok(())
                    })?;
                    out.devices.push(d);
                }
                4 => {
                    let (k, val) = map_entry(&sub(&v, "annotations")?)?;
                    out.annotations.insert(k, val);
                }
                5 => {
                    let mut name = String::new();
                    fields(&sub(&v, "cdi_devices")?, |n, _, val| {
                        if n == 1 {
                            name = string(&val, "cdi device name")?;
                        }
                        Ok(())
                    })?;
                    out.cdi_devices.push(name);
                }
                _ => out.unknown_fields.push(UnknownField {
                    field: n,
                    wire_type: wt,
                    hex: payload_hex(&v),
                }),
            }
            Ok(true)
        });
        match step {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let rest = crate::formats::state::hex_bytes::encode(&bytes[start..]);
                out.error = Some(format!("{e}; undecoded from byte {start}: {rest}"));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-encoded: envs {"A":"1"}, one mount, one device, cdi "v/c=x".
    #[test]
    fn decodes_fields() {
        let mut b = vec![0x0a, 6, 0x0a, 1, b'A', 0x12, 1, b'1'];
        b.extend([0x12, 8, 0x0a, 2, b'/', b'c', 0x12, 2, b'/', b'h']);
        b.extend([0x1a, 7, 0x0a, 1, b'd', 0x1a, 2, b'r', b'w']);
        b.extend([0x2a, 7, 0x0a, 5, b'v', b'/', b'c', b'=', b'x']);
        let r = decode(&b);
        assert_eq!(r.error, None);
        assert_eq!(r.envs.get("A").map(String::as_str), Some("1"));
        assert_eq!(r.mounts.len(), 1);
        assert_eq!(r.mounts[0].host_path, "/h");
        assert_eq!(r.devices[0].permissions, "rw");
        assert_eq!(r.cdi_devices, vec!["v/c=x".to_string()]);
    }

    #[test]
    fn garbage_is_hex() {
        let r = decode(&[0x0a, 0x20, 1]);
        assert!(r.error.as_deref().unwrap_or_default().ends_with("0a2001"));
    }
}

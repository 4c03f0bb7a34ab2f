//! Bootstrap pod checkpoints, `<--bootstrap-checkpoint-path>/Pod_<uid>.yaml`
//! (≈1.9–1.18, spec §7): JSON `{"Pod":{...},"Checksum":N}` (no JSON tags).
//! The checksum is FNV-32a over go-spew of the full `v1.Pod` value of that
//! exact release, `time.Location` internals included, so it cannot be
//! recomputed portably: `verify` checks the decoding only and says plainly
//! that the checksum was **not** verified; `canonical`, `explain` and
//! `checksum` refuse.

use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::gotypes::Checksum;
use crate::formats::pod_state::shared::file_error;
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::json;
use crate::go::model::{Type, TypeKind, Value};
use crate::go::reflect::GoType;
use crate::go::sink::Sink;

crate::go_struct! {
    /// `checkpoint.Data`; `Pod` is decoded as `interface{}` here (only its
    /// JSON syntax is checked; the kubelet would decode a `*v1.Pod`).
    pub struct BootstrapData = "checkpoint.Data" {
        pub pod: AnyJson => Pod,
        pub checksum: Checksum => Checksum,
    }
}

/// An `interface{}` holder: decodes any JSON value and keeps none of it
/// (nothing reads the pod). Keeping it would mean cloning a value that can
/// be 10,000 levels deep, and `Value`'s clone and drop recurse once per
/// level: a `"Pod"` nested that deep overflowed a 2 MiB thread stack.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnyJson(pub Option<Value>);

impl crate::go::reflect::GoType for AnyJson {
    fn go_type() -> crate::go::model::TypeRef {
        Type::new(TypeKind::Interface)
    }
    fn to_go(&self) -> Value {
        self.0.clone().unwrap_or(Value::Interface(None))
    }
    fn from_go(_: &Value) -> Self {
        AnyJson(None)
    }
}

pub struct BootstrapPod;

pub static BOOTSTRAP_POD: BootstrapPod = BootstrapPod;

static INFO: KindInfo = KindInfo {
    name: "bootstrap-pod",
    file: "<bootstrap-checkpoint-path>/Pod_<pod uid>.yaml",
    versions: "1.9-1.18",
    scheme: ChecksumScheme::SpewFnv32a,
    summary: "bootstrap checkpoint of a self-hosted control-plane pod; checksum over go-spew of a \
              full v1.Pod, not reproducible: decoded only, never verified",
};

const NOT_VERIFIED: &str = "bootstrap pod checkpoint checksums cover go-spew of the full v1.Pod of \
                            one exact release (time zone internals included) and cannot be recomputed";

fn read(bytes: &[u8]) -> Result<BootstrapData, FormatError> {
    // `decode_ok`, but the decoded value (the pod as `interface{}`, up to
    // 10,000 levels deep) is dropped without recursion.
    let mut v = BootstrapData::default().to_go();
    let r = json::unmarshal(bytes, &BootstrapData::go_type(), &mut v);
    let d = BootstrapData::from_go(&v);
    json::drop_deep(v);
    r.map(|()| d).map_err(file_error)
}

impl Shape for BootstrapPod {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        match read(bytes) {
            Ok(d) => Verification {
                message: format!(
                    "decodes; stored checksum {} NOT verified: {NOT_VERIFIED}",
                    d.checksum.0
                ),
                ..Verification::ok(Some(d.checksum.0), None)
            },
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    fn canonical(&self, _bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        Err(FormatError::Rejected(format!(
            "cannot rewrite: {NOT_VERIFIED}"
        )))
    }

    fn explain(&self, _bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), FormatError> {
        Err(FormatError::Rejected(NOT_VERIFIED.into()))
    }

    fn checksum(&self, _bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        Err(FormatError::Rejected(NOT_VERIFIED.into()))
    }
}

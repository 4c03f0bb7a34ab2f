//! Image pull records of KubeletEnsureSecretPulledImages (1.33+, spec §9):
//! one JSON file per record, **no checksum**; the kubelet's only check is
//! apimachinery's strict decoding (registered `apiVersion`/`kind`,
//! case-sensitive field names, no unknown or duplicate fields). Writes are
//! `encoding/json` output plus a newline, `kind` and `apiVersion` first.
//!
//! The decoding order and error texts follow the Go reference, which
//! emulates the strict decoder (its texts are close to, not identical
//! with, apimachinery's).

pub mod state;
pub mod strict;
pub mod types;

use strict::Shape as S;
use types::{PreloadedRecord, PullIntent, PulledRecord, TypeMetaProbe};

use super::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use super::{ChecksumScheme, KindInfo, Shape};
use crate::go::json::{self, UnmarshalError};
use crate::go::model::{Type, TypeKind, Value};
use crate::go::quantity::trim_space;
use crate::go::reflect::GoType;
use crate::go::sink::Sink;
use crate::go::strconv::quote as strconv_quote;

const GROUP: &str = "kubelet.config.k8s.io/";

/// What the verdict says for a file that decoded: there is nothing to verify.
pub const NO_CHECKSUM_NOTE: &str =
    "no checksum exists for this file; strict decoding succeeded (nothing else is verified)";

/// A record type: sets its TypeMeta before writing.
pub trait Record: GoType + 'static {
    fn set_type_meta(&mut self, kind: &str, api_version: &str);
}

impl Record for PullIntent {
    fn set_type_meta(&mut self, kind: &str, api_version: &str) {
        self.kind = kind.into();
        self.api_version = api_version.into();
    }
}

impl Record for PulledRecord {
    fn set_type_meta(&mut self, kind: &str, api_version: &str) {
        self.kind = kind.into();
        self.api_version = api_version.into();
    }
}

impl Record for PreloadedRecord {
    fn set_type_meta(&mut self, kind: &str, api_version: &str) {
        self.kind = kind.into();
        self.api_version = api_version.into();
    }
}

static SECRET: S = S::Fields(&[
    ("uid", &S::Leaf),
    ("namespace", &S::Leaf),
    ("name", &S::Leaf),
    ("credentialHash", &S::Leaf),
]);
static SA: S = S::Fields(&[
    ("uid", &S::Leaf),
    ("namespace", &S::Leaf),
    ("name", &S::Leaf),
]);
static CREDS: S = S::Fields(&[
    ("kubernetesSecrets", &S::Elems(&SECRET)),
    ("kubernetesServiceAccounts", &S::Elems(&SA)),
    ("nodePodsAccessible", &S::Leaf),
]);
static INTENT_SHAPE: S = S::Fields(&[
    ("kind", &S::Leaf),
    ("apiVersion", &S::Leaf),
    ("image", &S::Leaf),
]);
static PULLED_SHAPE: S = S::Fields(&[
    ("kind", &S::Leaf),
    ("apiVersion", &S::Leaf),
    ("lastUpdatedTime", &S::Leaf),
    ("imageRef", &S::Leaf),
    ("credentialMapping", &S::Values(&CREDS)),
]);
static PRELOADED_SHAPE: S = S::Fields(&[
    ("kind", &S::Leaf),
    ("apiVersion", &S::Leaf),
    ("lastUpdatedTime", &S::Leaf),
    ("imageRef", &S::Leaf),
    ("observedImages", &S::Values(&S::Fields(&[]))),
]);

/// One record kind: which Go kind name, which versions are read, which is written.
pub struct RecordKind<R> {
    info: &'static KindInfo,
    kind: &'static str,
    read: &'static [&'static str],
    write: &'static str,
    shape: &'static S,
    _r: std::marker::PhantomData<fn() -> R>,
}

fn wrap(prefix: &str, e: UnmarshalError) -> FormatError {
    FormatError::InvalidJson(UnmarshalError {
        message: format!("{prefix}{}", e.message),
        ..e
    })
}

impl<R: Record> RecordKind<R> {
    /// The universal decoder: syntax, then kind/apiVersion lookup, then
    /// typed decoding, then the strict checks.
    fn decode(&self, bytes: &[u8]) -> Result<R, FormatError> {
        const PARSE: &str = "couldn't get version/kind; json parse error: ";
        let any = Type::new(TypeKind::Interface);
        let mut v = Value::Interface(None);
        let probed = json::unmarshal(bytes, &any, &mut v);
        // An `interface{}` value can be as deep as Go's limit (10,000
        // levels), and its drop glue recurses once per level: dropped
        // normally it overflows a 2 MiB thread stack (bad_input's
        // 10,000-deep inputs, debug build).
        json::drop_deep(v);
        if let Err(e) = probed {
            if e.syntax {
                return Err(wrap(PARSE, e));
            }
        }
        let mut tm = TypeMetaProbe::default().to_go();
        json::unmarshal(bytes, &types::type_meta_type(), &mut tm).map_err(|e| wrap(PARSE, e))?;
        let tm = TypeMetaProbe::from_go(&tm);
        if tm.kind.is_empty() {
            return Err(FormatError::Invalid(format!(
                "Object 'Kind' is missing in '{}'",
                String::from_utf8_lossy(trim_space(bytes))
            )));
        }
        let known = self
            .read
            .iter()
            .any(|v| tm.api_version.strip_prefix(GROUP) == Some(v));
        if !known || tm.kind != self.kind {
            return Err(FormatError::Invalid(format!(
                "no kind {} is registered for version {}",
                strconv_quote(&tm.kind),
                strconv_quote(&tm.api_version)
            )));
        }
        let mut out = R::go_type().zero();
        json::unmarshal(bytes, &R::go_type(), &mut out).map_err(|e| wrap("", e))?;
        strict::check(bytes, self.shape).map_err(FormatError::Invalid)?;
        Ok(R::from_go(&out))
    }

    fn no_checksum(&self) -> FormatError {
        FormatError::Rejected(format!("{} files carry no checksum", self.info.name))
    }
}

impl<R: Record> RecordKind<R> {
    /// The kubelet's writer: `kind` and the written `apiVersion` set, then
    /// `json.NewEncoder(w).Encode(record)`.
    pub fn write(&self, mut r: R) -> Result<Vec<u8>, FormatError> {
        r.set_type_meta(self.kind, &format!("{GROUP}{}", self.write));
        let mut out = json::marshal(&r.to_go(), &R::go_type())
            .map_err(|e| FormatError::Invalid(e.message))?;
        out.push(b'\n');
        Ok(out)
    }
}

impl<R: Record> Shape for RecordKind<R> {
    fn info(&self) -> &'static KindInfo {
        self.info
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        match self.decode(bytes) {
            Ok(_) => Verification {
                message: NO_CHECKSUM_NOTE.into(),
                ..Verification::ok(None, None)
            },
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    /// `json.NewEncoder(w).Encode(record)` with the written version.
    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        self.write(self.decode(bytes)?)
    }

    fn explain(&self, _bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), FormatError> {
        Err(self.no_checksum())
    }

    fn checksum(&self, _bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        Err(self.no_checksum())
    }
}

const PULLING: &str = "image_manager/pulling/sha256-<sha256 of image>";
const PULLED: &str = "image_manager/pulled/sha256-<sha256 of imageRef>";
const PRELOADED: &str = "image_manager/observed-preloaded/sha256-<sha256 of imageRef>";
const NONE: ChecksumScheme = ChecksumScheme::None;

pub static INTENT_V1ALPHA1: RecordKind<PullIntent> = RecordKind {
    info: &KindInfo {
        name: "imagepull-intent-v1alpha1",
        file: PULLING,
        versions: "1.33+",
        scheme: NONE,
        summary: "ImagePullIntent record (v1alpha1 reader/writer); no checksum, strict decoding",
    },
    kind: "ImagePullIntent",
    read: &["v1alpha1"],
    write: "v1alpha1",
    shape: &INTENT_SHAPE,
    _r: std::marker::PhantomData,
};

pub static INTENT_V1BETA1: RecordKind<PullIntent> = RecordKind {
    info: &KindInfo {
        name: "imagepull-intent-v1beta1",
        file: PULLING,
        versions: "1.34+ (writer switch unconfirmed)",
        scheme: NONE,
        summary: "ImagePullIntent record (reads v1alpha1/v1beta1, writes v1beta1); no checksum",
    },
    kind: "ImagePullIntent",
    read: &["v1alpha1", "v1beta1"],
    write: "v1beta1",
    shape: &INTENT_SHAPE,
    _r: std::marker::PhantomData,
};

pub static PULLED_V1ALPHA1: RecordKind<PulledRecord> = RecordKind {
    info: &KindInfo {
        name: "imagepull-pulled-v1alpha1",
        file: PULLED,
        versions: "1.33+",
        scheme: NONE,
        summary: "ImagePulledRecord (v1alpha1 reader/writer); no checksum, strict decoding",
    },
    kind: "ImagePulledRecord",
    read: &["v1alpha1"],
    write: "v1alpha1",
    shape: &PULLED_SHAPE,
    _r: std::marker::PhantomData,
};

pub static PULLED_V1BETA1: RecordKind<PulledRecord> = RecordKind {
    info: &KindInfo {
        name: "imagepull-pulled-v1beta1",
        file: PULLED,
        versions: "1.34+ (writer switch unconfirmed)",
        scheme: NONE,
        summary: "ImagePulledRecord (reads v1alpha1/v1beta1, writes v1beta1); no checksum",
    },
    kind: "ImagePulledRecord",
    read: &["v1alpha1", "v1beta1"],
    write: "v1beta1",
    shape: &PULLED_SHAPE,
    _r: std::marker::PhantomData,
};

pub static PRELOADED_V1BETA1: RecordKind<PreloadedRecord> = RecordKind {
    info: &KindInfo {
        name: "imagepull-preloaded-v1beta1",
        file: PRELOADED,
        versions: "development (approximate)",
        scheme: NONE,
        summary: "ImagePreloadedRecord (development, approximate); no checksum",
    },
    kind: "ImagePreloadedRecord",
    read: &["v1beta1"],
    write: "v1beta1",
    shape: &PRELOADED_SHAPE,
    _r: std::marker::PhantomData,
};

/// The kinds of this family, in registry order.
pub static KINDS: [&dyn Shape; 5] = [
    &INTENT_V1ALPHA1,
    &INTENT_V1BETA1,
    &PULLED_V1ALPHA1,
    &PULLED_V1BETA1,
    &PRELOADED_V1BETA1,
];

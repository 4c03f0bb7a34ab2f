//! Image pull record types (`kubelet.config.k8s.io` ImagePullIntent,
//! ImagePulledRecord, ImagePreloadedRecord), declared once for JSON.
//!
//! These files have no checksum, so Go type names only show in
//! `encoding/json` error texts; they carry the Go reference's names
//! (`main.r2PullIntent`, ...) so that those texts match it. The kubelet's own
//! decoder (apimachinery's strict serializer) words its errors differently
//! anyway (spec §9, §14).

use std::collections::BTreeMap;

use crate::go::json;
use crate::go::model::{CustomJson, Type, TypeKind, Value};
use crate::go::reflect::GoType;
use crate::go::rfc3339;

crate::go_struct! {
    /// `metav1.Time`-like timestamp: RFC 3339 in UTC, `null` when zero.
    /// Held as its written text (`""` for the zero time): the instant is
    /// only ever re-serialized, never compared.
    pub struct Time = "main.r2Time" json_with TIME_JSON {
        pub t: String => t,
    }
}

/// `r2Time`'s `MarshalJSON` / `UnmarshalJSON`.
pub const TIME_JSON: CustomJson = CustomJson {
    marshal: time_marshal,
    unmarshal: time_unmarshal,
};

fn time_marshal(v: &Value) -> Result<Vec<u8>, String> {
    let t = Time::from_go(v);
    if t.t.is_empty() {
        return Ok(b"null".to_vec());
    }
    Ok(format!("\"{}\"", t.t).into_bytes())
}

/// `null` → zero; otherwise a JSON string (`json.Unmarshal(b, &s)`) parsed
/// with `time.Parse(time.RFC3339, s)`.
/// A type error from the nested `json.Unmarshal` gets the outer field's
/// context from the JSON decoder (Go's `addErrorContext`).
fn time_unmarshal(raw: &[u8], target: &mut Value) -> Result<(), String> {
    if raw == b"null" {
        *target = Time::default().to_go();
        return Ok(());
    }
    let st = Type::new(TypeKind::String);
    let mut s = Value::String(Vec::new());
    json::unmarshal(raw, &st, &mut s).map_err(|e| e.message)?;
    let s = String::from_go(&s);
    let instant = rfc3339::parse(&s)?;
    let text = if instant.is_zero() {
        String::new()
    } else {
        rfc3339::format_utc(&instant)
    };
    *target = Time { t: text }.to_go();
    Ok(())
}

crate::go_struct! {
    /// ImagePullIntent (`image_manager/pulling/sha256-...`).
    pub struct PullIntent = "main.r2PullIntent" {
        pub kind: String => Kind json "kind,omitempty",
        pub api_version: String => APIVersion json "apiVersion,omitempty",
        pub image: String => Image json "image",
    }
}

crate::go_struct! {
    /// One Secret whose credentials pulled the image.
    pub struct PullSecret = "main.r2PullSecret" {
        pub uid: String => UID json "uid",
        pub namespace: String => Namespace json "namespace",
        pub name: String => Name json "name",
        pub credential_hash: String => CredentialHash json "credentialHash",
    }
}

crate::go_struct! {
    /// One ServiceAccount whose token pulled the image (1.34+).
    pub struct PullServiceAccount = "main.r2PullSA" {
        pub uid: String => UID json "uid",
        pub namespace: String => Namespace json "namespace",
        pub name: String => Name json "name",
    }
}

crate::go_struct! {
    /// The credentials recorded for one image.
    pub struct PullCredentials = "main.r2PullCreds" {
        pub kubernetes_secrets: Option<Vec<PullSecret>> => KubernetesSecrets json "kubernetesSecrets,omitempty",
        pub kubernetes_service_accounts: Option<Vec<PullServiceAccount>> => KubernetesServiceAccounts json "kubernetesServiceAccounts,omitempty",
        pub node_pods_accessible: bool => NodePodsAccessible json "nodePodsAccessible,omitempty",
    }
}

crate::go_struct! {
    /// ImagePulledRecord (`image_manager/pulled/sha256-...`).
    pub struct PulledRecord = "main.r2PulledRecord" {
        pub kind: String => Kind json "kind,omitempty",
        pub api_version: String => APIVersion json "apiVersion,omitempty",
        pub last_updated_time: Time => LastUpdatedTime json "lastUpdatedTime",
        pub image_ref: String => ImageRef json "imageRef",
        pub credential_mapping: Option<BTreeMap<String, PullCredentials>> => CredentialMapping json "credentialMapping,omitempty",
    }
}

crate::go_struct! {
    /// ImagePreloadedRecord (development; `observedImages` values are empty objects).
    pub struct PreloadedRecord = "main.r2PreloadedRecord" {
        pub kind: String => Kind json "kind,omitempty",
        pub api_version: String => APIVersion json "apiVersion,omitempty",
        pub last_updated_time: Time => LastUpdatedTime json "lastUpdatedTime",
        pub image_ref: String => ImageRef json "imageRef",
        pub observed_images: Option<BTreeMap<String, ()>> => ObservedImages json "observedImages,omitempty",
    }
}

crate::go_struct! {
    /// The anonymous `struct { Kind string "json:\"kind\""; APIVersion string
    /// "json:\"apiVersion\"" }` the reference reads first. Declared named for
    /// the macro; [`type_meta_type`] gives the unnamed Go type.
    pub struct TypeMetaProbe = "struct" {
        pub kind: String => Kind json "kind",
        pub api_version: String => APIVersion json "apiVersion",
    }
}

/// The probe's Go type as Go sees it: an unnamed struct (error texts print
/// its literal type and an empty struct name).
pub fn type_meta_type() -> crate::go::model::TypeRef {
    let t = TypeMetaProbe::go_type();
    let mut u = (*t).clone();
    u.name = None;
    std::sync::Arc::new(u)
}

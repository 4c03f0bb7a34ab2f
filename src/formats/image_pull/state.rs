//! Image pull records' version-neutral state (see
//! [`crate::formats::state`]): intents, pulled records and preloaded
//! records in one type. It holds the secret coordinates and credential
//! hashes (lowering needs them); [`ImagePullState::redacted`] is what any
//! output shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::state::Source;
use crate::go::json;
use crate::go::reflect::GoType;

use super::types::{PreloadedRecord, PullIntent, PulledRecord};

/// An image pull record, whatever its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagePullState {
    /// Kind and checksum status (these files have none).
    pub source: Source,
    /// `intent`, `pulled` or `preloaded`.
    pub record: String,
    /// `kind` as stored (`ImagePullIntent`, ...).
    pub kind: String,
    /// `apiVersion` as stored.
    pub api_version: String,
    /// `image` (intents): the image as the pod spec names it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// `imageRef` (pulled/preloaded records): the runtime's image reference.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image_ref: String,
    /// `lastUpdatedTime` (RFC 3339; empty for the zero time).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_updated_time: String,
    /// `credentialMapping` (pulled): image -> the credentials that pulled it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credential_mapping: BTreeMap<String, PullCredentials>,
    /// `observedImages` (preloaded), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_images: Vec<String>,
    /// Whether secret coordinates were replaced by `present`/`absent`.
    #[serde(default)]
    pub redacted: bool,
}

/// The credentials recorded for one image.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PullCredentials {
    /// `kubernetesSecrets`: the pull secrets used.
    #[serde(default)]
    pub kubernetes_secrets: Vec<SecretCoordinates>,
    /// `kubernetesServiceAccounts` (1.34+): the service accounts used.
    #[serde(default)]
    pub kubernetes_service_accounts: Vec<ServiceAccountCoordinates>,
    /// `nodePodsAccessible`: any pod on the node may use the image.
    #[serde(default)]
    pub node_pods_accessible: bool,
}

/// One pull secret (sensitive: say present/absent only in output).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SecretCoordinates {
    /// `uid`.
    pub uid: String,
    /// `namespace`.
    pub namespace: String,
    /// `name`.
    pub name: String,
    /// `credentialHash`.
    pub credential_hash: String,
}

/// One service account (sensitive: say present/absent only in output).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServiceAccountCoordinates {
    /// `uid`.
    pub uid: String,
    /// `namespace`.
    pub namespace: String,
    /// `name`.
    pub name: String,
}

/// `present` for a non-empty value, `absent` otherwise.
fn mark(s: &str) -> String {
    if s.is_empty() { "absent" } else { "present" }.to_string()
}

impl ImagePullState {
    /// The state with every secret and service account coordinate and
    /// credential hash replaced by `present`/`absent`.
    pub fn redacted(&self) -> ImagePullState {
        let mut s = self.clone();
        for c in s.credential_mapping.values_mut() {
            for x in &mut c.kubernetes_secrets {
                x.uid = mark(&x.uid);
                x.namespace = mark(&x.namespace);
                x.name = mark(&x.name);
                x.credential_hash = mark(&x.credential_hash);
            }
            for x in &mut c.kubernetes_service_accounts {
                x.uid = mark(&x.uid);
                x.namespace = mark(&x.namespace);
                x.name = mark(&x.name);
            }
        }
        s.redacted = true;
        s
    }
}

fn decode<R: GoType>(bytes: &[u8]) -> Result<R, String> {
    let mut v = R::go_type().zero();
    json::unmarshal(bytes, &R::go_type(), &mut v).map_err(|e| e.message)?;
    Ok(R::from_go(&v))
}

fn empty(source: Source, record: &str, kind: &str, api: &str) -> ImagePullState {
    ImagePullState {
        source,
        record: record.to_string(),
        kind: kind.to_string(),
        api_version: api.to_string(),
        image: String::new(),
        image_ref: String::new(),
        last_updated_time: String::new(),
        credential_mapping: BTreeMap::new(),
        observed_images: Vec::new(),
        redacted: false,
    }
}

/// Lifts an image pull record of kind `name`: decoded with the record's Go
/// type (not the strict decoder: a record it refuses still shows what it
/// holds; the verdict says why it is refused). `None` for another family.
pub fn lift(name: &str, bytes: &[u8], source: Source) -> Option<Result<ImagePullState, String>> {
    Some(if name.starts_with("imagepull-intent-") {
        decode::<PullIntent>(bytes).map(|r| ImagePullState {
            image: r.image,
            ..empty(source, "intent", &r.kind, &r.api_version)
        })
    } else if name.starts_with("imagepull-pulled-") {
        decode::<PulledRecord>(bytes).map(|r| {
            let mapping = r
                .credential_mapping
                .iter()
                .flatten()
                .map(|(img, c)| {
                    let creds = PullCredentials {
                        kubernetes_secrets: c
                            .kubernetes_secrets
                            .iter()
                            .flatten()
                            .map(|s| SecretCoordinates {
                                uid: s.uid.clone(),
                                namespace: s.namespace.clone(),
                                name: s.name.clone(),
                                credential_hash: s.credential_hash.clone(),
                            })
                            .collect(),
                        kubernetes_service_accounts: c
                            .kubernetes_service_accounts
                            .iter()
                            .flatten()
                            .map(|s| ServiceAccountCoordinates {
                                uid: s.uid.clone(),
                                namespace: s.namespace.clone(),
                                name: s.name.clone(),
                            })
                            .collect(),
                        node_pods_accessible: c.node_pods_accessible,
                    };
                    (img.clone(), creds)
                })
                .collect();
            ImagePullState {
                image_ref: r.image_ref,
                last_updated_time: r.last_updated_time.t,
                credential_mapping: mapping,
                ..empty(source, "pulled", &r.kind, &r.api_version)
            }
        })
    } else if name.starts_with("imagepull-preloaded-") {
        decode::<PreloadedRecord>(bytes).map(|r| ImagePullState {
            image_ref: r.image_ref,
            last_updated_time: r.last_updated_time.t,
            observed_images: r
                .observed_images
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
                .collect(),
            ..empty(source, "preloaded", &r.kind, &r.api_version)
        })
    } else {
        return None;
    })
}

//! Lowering an [`ImagePullState`] to the image pull record kinds (no
//! checksum: the writer is `encoding/json` plus a newline, with the
//! kind's written `apiVersion`). An intent, a pulled record and a
//! preloaded record are three different files: a state of one is never
//! written as another. A redacted state is never written.

use crate::formats::image_pull::types::{
    PreloadedRecord, PullCredentials, PullIntent, PullSecret, PullServiceAccount, PulledRecord,
    Time,
};
use crate::formats::image_pull::{
    INTENT_V1ALPHA1, INTENT_V1BETA1, PRELOADED_V1BETA1, PULLED_V1ALPHA1, PULLED_V1BETA1,
};
use crate::formats::state::ImagePullState;

use super::{ConvertError, LowerOptions, Lowered};

fn pulled(s: &ImagePullState) -> PulledRecord {
    PulledRecord {
        kind: String::new(),
        api_version: String::new(),
        last_updated_time: Time {
            t: s.last_updated_time.clone(),
        },
        image_ref: s.image_ref.clone(),
        credential_mapping: (!s.credential_mapping.is_empty()).then(|| {
            s.credential_mapping
                .iter()
                .map(|(img, c)| {
                    let creds = PullCredentials {
                        kubernetes_secrets: (!c.kubernetes_secrets.is_empty()).then(|| {
                            c.kubernetes_secrets
                                .iter()
                                .map(|x| PullSecret {
                                    uid: x.uid.clone(),
                                    namespace: x.namespace.clone(),
                                    name: x.name.clone(),
                                    credential_hash: x.credential_hash.clone(),
                                })
                                .collect()
                        }),
                        kubernetes_service_accounts: (!c.kubernetes_service_accounts.is_empty())
                            .then(|| {
                                c.kubernetes_service_accounts
                                    .iter()
                                    .map(|x| PullServiceAccount {
                                        uid: x.uid.clone(),
                                        namespace: x.namespace.clone(),
                                        name: x.name.clone(),
                                    })
                                    .collect()
                            }),
                        node_pods_accessible: c.node_pods_accessible,
                    };
                    (img.clone(), creds)
                })
                .collect()
        }),
    }
}

pub(super) fn lower(
    kind: &str,
    s: &ImagePullState,
    _opts: &LowerOptions,
) -> Option<Result<Lowered, ConvertError>> {
    let record = kind
        .strip_prefix("imagepull-")?
        .split('-')
        .next()
        .unwrap_or_default();
    if s.redacted {
        return Some(Err(ConvertError::Missing(
            "the state is redacted (secret coordinates replaced by present/absent): it cannot be written".into(),
        )));
    }
    if record != s.record {
        return Some(Err(ConvertError::Missing(format!(
            "an image pull {} record cannot be written as {kind} (an {record} record, another file)",
            s.record
        ))));
    }
    let r = match kind {
        "imagepull-intent-v1alpha1" | "imagepull-intent-v1beta1" => {
            let r = PullIntent {
                kind: String::new(),
                api_version: String::new(),
                image: s.image.clone(),
            };
            if kind.ends_with("v1alpha1") {
                INTENT_V1ALPHA1.write(r)
            } else {
                INTENT_V1BETA1.write(r)
            }
        }
        "imagepull-pulled-v1alpha1" => PULLED_V1ALPHA1.write(pulled(s)),
        "imagepull-pulled-v1beta1" => PULLED_V1BETA1.write(pulled(s)),
        "imagepull-preloaded-v1beta1" => PRELOADED_V1BETA1.write(PreloadedRecord {
            kind: String::new(),
            api_version: String::new(),
            last_updated_time: Time {
                t: s.last_updated_time.clone(),
            },
            image_ref: s.image_ref.clone(),
            observed_images: (!s.observed_images.is_empty())
                .then(|| s.observed_images.iter().map(|i| (i.clone(), ())).collect()),
        }),
        _ => return None,
    };
    Some(r.map(|b| (b, Vec::new())).map_err(ConvertError::from))
}

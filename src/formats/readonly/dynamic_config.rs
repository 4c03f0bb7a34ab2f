//! Dynamic kubelet config store metadata (≈1.8–1.23, spec §8):
//! `<dynamic-config-dir>/store/meta/{current,assigned,last-known-good}`, a
//! YAML `kubelet.config.k8s.io/v1beta1` `SerializedNodeConfigSource`, or an
//! empty file meaning "none". No checksum; files are replaced atomically.
//!
//! Approximate: without a YAML decoder this checks only the top-level
//! `apiVersion:` and `kind:` lines (or emptiness), never the nested
//! `source.configMap` fields. The checkpointed config files under
//! `store/checkpoints/` are ordinary kubelet config files (not a kind).

use super::no_checksum;
use crate::formats::common::{ChecksumInfo, FormatError, Verification, VerifyOptions};
use crate::formats::{ChecksumScheme, KindInfo, Shape};
use crate::go::sink::Sink;

pub struct DynamicConfigMeta;

pub static DYNAMIC_CONFIG_META: DynamicConfigMeta = DynamicConfigMeta;

static INFO: KindInfo = KindInfo {
    name: "dynamic-config-meta",
    file: "<dynamic-config-dir>/store/meta/{current,assigned,last-known-good}",
    versions: "1.8-1.23",
    scheme: ChecksumScheme::None,
    summary: "dynamic kubelet config source record (YAML, approximate check); no checksum",
};

/// The value of a top-level `key: value` line (no indentation).
fn top_level<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        Some(rest.trim().trim_matches('"').trim_matches('\''))
    })
}

fn check(bytes: &[u8]) -> Result<&'static str, FormatError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| FormatError::Invalid(format!("not UTF-8 text: {e}")))?;
    if text.trim().is_empty() {
        return Ok("empty: no config source recorded");
    }
    match (top_level(text, "apiVersion"), top_level(text, "kind")) {
        (Some("kubelet.config.k8s.io/v1beta1"), Some("SerializedNodeConfigSource")) => {
            Ok("a SerializedNodeConfigSource (top-level lines checked only)")
        }
        (a, k) => Err(FormatError::Invalid(format!(
            "not a kubelet.config.k8s.io/v1beta1 SerializedNodeConfigSource (apiVersion {a:?}, kind {k:?})"
        ))),
    }
}

impl Shape for DynamicConfigMeta {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn verify(&self, bytes: &[u8], _opts: &VerifyOptions) -> Verification {
        match check(bytes) {
            Ok(what) => Verification {
                message: format!("no checksum exists for this file; {what}"),
                ..Verification::ok(None, None)
            },
            Err(e) => Verification::from_error(e, None, None),
        }
    }

    /// The file is kept as it is (the kubelet rewrites it only when the
    /// source changes).
    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        check(bytes)?;
        Ok(bytes.to_vec())
    }

    fn explain(&self, _bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), FormatError> {
        Err(no_checksum(INFO.name))
    }

    fn checksum(&self, _bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        Err(no_checksum(INFO.name))
    }
}

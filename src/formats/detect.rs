//! Which kind is this file? Detection by file name, then by content.
//!
//! The kubelet never asks this question: each release reads one file name
//! with its own fallback chain (e.g. 1.37's CPU manager tries V4, then V3,
//! then V2). We answer it the same way, newest shape first, over every kind
//! the file name allows (every kind at all when the name is unknown):
//!
//! 1. a kind that verifies `ok` *and* whose writer reproduces the file byte
//!    for byte (the file is exactly what that kind's kubelet writes);
//! 2. otherwise the newest kind that verifies `ok`;
//! 3. otherwise the newest kind the bytes at least decode as (its verdict is
//!    `corrupt` or `rejected`, which is what that kubelet would report);
//! 4. otherwise the newest candidate's `invalid-json` verdict.
//!
//! Rule 1 matters where several shapes accept the same bytes: a dra-v7 file
//! also verifies as dra-v8 (the CRC covers only the data string), but only
//! the dra-v7 writer gives back the same bytes.

use std::path::Path;

use super::{registry, Shape, Verdict, Verification, VerifyOptions};

/// The outcome of detection.
pub struct Detection {
    /// The kind the file was judged as.
    pub kind: &'static dyn Shape,
    /// Its verdict as that kind.
    pub verification: Verification,
    /// Whether that kind's writer reproduces the file byte for byte.
    pub exact: bool,
    /// Every kind tried, newest first, with its verdict.
    pub tried: Vec<(&'static str, Verdict)>,
}

/// Does `path` carry the file name a kind is stored under? `pattern` is the
/// kind's [`super::KindInfo::file`]: a `<placeholder>` (or `*`) in a
/// component stands for any text there (`sandbox/<sandbox-id>`,
/// `image_manager/pulled/sha256-<sha256 of imageRef>`), `{a,b}` for one of
/// the alternatives. When the last component has a wildcard the parent
/// directory must match too, since such a name alone says nothing.
pub fn name_matches(pattern: &str, path: &Path) -> bool {
    let mut pat = pattern.rsplit('/');
    let Some(last) = pat.next() else { return false };
    let mut comps = path.iter().rev().filter_map(|c| c.to_str());
    let Some(base) = comps.next() else {
        return false;
    };
    if !component_match(last, base) {
        return false;
    }
    if is_wild(last) {
        if let Some(parent_pat) = pat.next() {
            return comps.next().is_some_and(|c| component_match(parent_pat, c));
        }
    }
    true
}

fn is_wild(p: &str) -> bool {
    p.contains(['*', '<', '{'])
}

/// One path component against one pattern component.
fn component_match(pattern: &str, name: &str) -> bool {
    if let Some(inner) = pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        return inner.split(',').any(|alt| alt == name);
    }
    // `<...>` placeholders become `*`.
    let mut glob = String::new();
    let mut in_ph = false;
    for c in pattern.chars() {
        match c {
            '<' => {
                in_ph = true;
                glob.push('*');
            }
            '>' if in_ph => in_ph = false,
            _ if in_ph => {}
            c => glob.push(c),
        }
    }
    glob_match(&glob, name)
}

/// `*`-only glob (at most one `*`, which is all kind patterns use).
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, suf)) => {
            name.len() > pre.len() + suf.len() && name.starts_with(pre) && name.ends_with(suf)
        }
    }
}

/// Candidate kinds for a file, newest first.
pub fn candidates(path: Option<&Path>) -> Vec<&'static dyn Shape> {
    let all = registry();
    let by_name: Vec<_> = match path {
        Some(p) => all
            .iter()
            .copied()
            .filter(|k| name_matches(k.info().file, p))
            .collect(),
        None => Vec::new(),
    };
    let mut c = if by_name.is_empty() {
        all.to_vec()
    } else {
        by_name
    };
    // The registry lists each family oldest first; newest first reads it
    // backwards.
    c.reverse();
    c
}

/// Judges `bytes` as the kind the kubelet would most plausibly have written
/// (see the module docs). `None` only when the registry is empty.
pub fn detect(path: Option<&Path>, bytes: &[u8], opts: &VerifyOptions) -> Option<Detection> {
    let cands = candidates(path);
    let results: Vec<(&'static dyn Shape, Verification)> =
        cands.iter().map(|k| (*k, k.verify(bytes, opts))).collect();
    let tried = results
        .iter()
        .map(|(k, v)| (k.info().name, v.verdict))
        .collect::<Vec<_>>();

    let exact_ok = results.iter().position(|(k, v)| {
        v.verdict == Verdict::Ok && k.canonical(bytes).is_ok_and(|c| c == bytes)
    });
    let pick = exact_ok
        .map(|i| (i, true))
        .or_else(|| {
            results
                .iter()
                .position(|(_, v)| v.verdict == Verdict::Ok)
                .map(|i| (i, false))
        })
        .or_else(|| {
            results
                .iter()
                .position(|(_, v)| v.verdict != Verdict::InvalidJson)
                .map(|i| (i, false))
        })
        .or(if results.is_empty() {
            None
        } else {
            Some((0, false))
        })?;
    let (i, exact) = pick;
    let (kind, verification) = results.into_iter().nth(i)?;
    Some(Detection {
        kind,
        verification,
        exact,
        tried,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(name_matches(
            "cpu_manager_state",
            Path::new("/var/lib/kubelet/cpu_manager_state")
        ));
        assert!(name_matches(
            "cpu_manager_state",
            Path::new("cpu_manager_state")
        ));
        assert!(!name_matches(
            "cpu_manager_state",
            Path::new("/x/memory_manager_state")
        ));
        assert!(name_matches(
            "device-plugins/kubelet_internal_checkpoint",
            Path::new("/root/kubelet_internal_checkpoint")
        ));
        assert!(name_matches(
            "sandbox/*",
            Path::new("/var/lib/dockershim/sandbox/abc123")
        ));
        assert!(!name_matches("sandbox/*", Path::new("/tmp/abc123")));
        assert!(name_matches(
            "dockershim/sandbox/<sandbox-id>",
            Path::new("/var/lib/dockershim/sandbox/abc123")
        ));
        assert!(name_matches(
            "image_manager/pulling/sha256-<sha256 of image>",
            Path::new("/var/lib/kubelet/image_manager/pulling/sha256-00ff")
        ));
        assert!(!name_matches(
            "image_manager/pulling/sha256-<sha256 of image>",
            Path::new("/var/lib/kubelet/image_manager/pulling/sha256-")
        ));
        assert!(name_matches(
            "<dynamic-config-dir>/store/meta/{current,assigned,last-known-good}",
            Path::new("/x/store/meta/assigned")
        ));
        assert!(name_matches(
            "pods/<uid>/volumes/kubernetes.io~csi/<volume>/vol_data.json",
            Path::new("/x/vol_data.json")
        ));
        assert!(name_matches(
            "image_manager/pulled/sha256-*",
            Path::new("/var/lib/kubelet/image_manager/pulled/sha256-00ff")
        ));
        assert!(!name_matches(
            "image_manager/pulled/sha256-*",
            Path::new("/var/lib/kubelet/image_manager/pulling/sha256-00ff")
        ));
    }
}

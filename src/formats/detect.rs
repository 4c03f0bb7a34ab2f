//! File-name patterns: does a path carry the name a kind is stored under?
//! Which kind a file is, is decided by [`super::identify`] (content first,
//! then this name match).

use std::path::Path;

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

//! Is a kubelet running with this root directory? A scan of `/proc`.
//!
//! The lock file ([`crate::fs::lock`]) only tells when the kubelet was
//! started with `--lock-file` (kubeadm's units do not pass it). Repair and
//! doctor also look for a running process that is a kubelet (its `comm`, or
//! the file name of its `exe` link, is `kubelet`) and read its root
//! directory from its command line as the kubelet parses it (`--root-dir`,
//! `/var/lib/kubelet` by default; a relative one against the process's
//! working directory). The `/proc` to read is a parameter, so that tests
//! can build a fake one.

use std::path::{Path, PathBuf};

use crate::ops::scan::layout::{Flags, DEFAULT_ROOT_DIR};

/// A running kubelet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeletProcess {
    /// Its PID.
    pub pid: u32,
    /// Its root directory, as its command line says (made absolute).
    pub root_dir: PathBuf,
    /// Why it is taken for a kubelet: `comm` or `exe`.
    pub matched_by: &'static str,
    /// Where its root directory came from: `--root-dir` or `default`.
    pub root_from: &'static str,
    /// Set when the root directory was matched through the process's own
    /// root (another mount namespace): the path that showed it.
    pub seen_through: Option<PathBuf>,
}

impl KubeletProcess {
    /// One line for people: `kubelet PID 42 (comm "kubelet") runs with
    /// root directory /var/lib/kubelet (its --root-dir in /proc/42/cmdline)`.
    pub fn describe(&self, proc_root: &Path) -> String {
        let cmdline = proc_root.join(self.pid.to_string()).join("cmdline");
        format!(
            "kubelet PID {} ({} is kubelet) runs with root directory {} ({} in {})",
            self.pid,
            self.matched_by,
            self.root_dir.display(),
            if self.root_from == "default" {
                "the default: no --root-dir"
            } else {
                "its --root-dir"
            },
            cmdline.display()
        ) + &self
            .seen_through
            .as_ref()
            .map(|t| {
                format!(
                    ", in its own mount namespace: {} is this directory",
                    t.display()
                )
            })
            .unwrap_or_default()
    }
}

/// Whether process `dir` (`/proc/PID`) is a kubelet, and how we know.
fn kubelet_by(dir: &Path) -> Option<&'static str> {
    if let Ok(c) = std::fs::read_to_string(dir.join("comm")) {
        if c.trim_end_matches('\n') == "kubelet" {
            return Some("comm");
        }
    }
    let exe = std::fs::read_link(dir.join("exe")).ok()?;
    let name = exe.file_name()?.to_string_lossy().into_owned();
    (name == "kubelet" || name == "kubelet (deleted)").then_some("exe")
}

/// The running kubelets under `proc_root` (normally `/proc`), in PID
/// order. Processes that vanish or cannot be read while scanning are
/// skipped; an unreadable `proc_root` gives none.
pub fn running_kubelets(proc_root: &Path) -> Vec<KubeletProcess> {
    let Ok(rd) = std::fs::read_dir(proc_root) else {
        return Vec::new();
    };
    let mut out: Vec<KubeletProcess> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let dir = e.path();
            let matched_by = kubelet_by(&dir)?;
            let raw = std::fs::read(dir.join("cmdline")).ok()?;
            let argv: Vec<String> = raw
                .split(|&b| b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let flags = Flags::parse(&argv);
            let (root, root_from) = match flags.get("root-dir").filter(|v| !v.is_empty()) {
                Some(r) => (PathBuf::from(r), "--root-dir"),
                None => (PathBuf::from(DEFAULT_ROOT_DIR), "default"),
            };
            let root_dir = if root.is_relative() {
                std::fs::read_link(dir.join("cwd"))
                    .unwrap_or_else(|_| PathBuf::from("/"))
                    .join(root)
            } else {
                root
            };
            Some(KubeletProcess {
                pid,
                root_dir,
                matched_by,
                root_from,
                seen_through: None,
            })
        })
        .collect();
    out.sort_by_key(|k| k.pid);
    out
}

/// `p` with `.` and `..` resolved lexically and, with `on_disk`, symlinks
/// resolved as far as the path exists.
pub fn normalize(p: &Path, on_disk: bool) -> PathBuf {
    if on_disk {
        if let Ok(c) = std::fs::canonicalize(p) {
            return c;
        }
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The running kubelets (under `proc_root`) whose root directory is
/// `root_dir`; with `on_disk`, both compared with symlinks resolved, and
/// also as the same directory on disk seen through the process's own
/// root (`/proc/PID/root/<its root dir>`): a kubelet in a container or
/// another mount namespace (kind, k3s in Docker, a chroot) whose
/// `/var/lib/kubelet` is `/var/lib/docker/.../merged/var/lib/kubelet` here.
/// That comparison is by device and inode, since `/proc/PID/root` is a
/// link only the kernel can follow correctly; reading it needs the
/// privileges to inspect the process (root, for another user's kubelet).
pub fn kubelets_with_root(proc_root: &Path, root_dir: &Path, on_disk: bool) -> Vec<KubeletProcess> {
    use std::os::unix::fs::MetadataExt;
    let want = normalize(root_dir, on_disk);
    let want_id = on_disk
        .then(|| std::fs::metadata(root_dir).ok())
        .flatten()
        .map(|m| (m.dev(), m.ino()));
    running_kubelets(proc_root)
        .into_iter()
        .filter_map(|mut k| {
            if normalize(&k.root_dir, on_disk) == want {
                return Some(k);
            }
            let want_id = want_id?;
            let inside = k.root_dir.strip_prefix("/").ok()?;
            let through = proc_root.join(k.pid.to_string()).join("root").join(inside);
            let m = std::fs::metadata(&through).ok()?;
            ((m.dev(), m.ino()) == want_id).then(|| {
                k.seen_through = Some(through);
                k
            })
        })
        .collect()
}

/// The kubelet root directory a state file at `path` belongs to, given its
/// kubelet file name (`cpu_manager_state`,
/// `device-plugins/kubelet_internal_checkpoint`, ...: the root is as many
/// directories up as the name has components). `None` when the path has
/// too few directories.
pub fn root_of(path: &Path, file: &str) -> Option<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let depth = if file.is_empty() {
        1
    } else {
        file.split('/').count()
    };
    abs.ancestors().nth(depth).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_proc(procs: &[(u32, &str, Option<&str>, &[&str])]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (pid, comm, exe, argv) in procs {
            let p = d.path().join(pid.to_string());
            std::fs::create_dir(&p).unwrap();
            std::fs::write(p.join("comm"), format!("{comm}\n")).unwrap();
            if let Some(e) = exe {
                std::os::unix::fs::symlink(e, p.join("exe")).unwrap();
            }
            let mut cmd = Vec::new();
            for a in *argv {
                cmd.extend_from_slice(a.as_bytes());
                cmd.push(0);
            }
            std::fs::write(p.join("cmdline"), cmd).unwrap();
        }
        std::fs::write(d.path().join("uptime"), "1 1\n").unwrap();
        std::fs::create_dir(d.path().join("self")).unwrap();
        d
    }

    #[test]
    fn kubelets_by_comm_or_exe_with_their_root_dirs() {
        let p = fake_proc(&[
            (
                7,
                "kubelet",
                None,
                &["/usr/bin/kubelet", "--config=/c.yaml"],
            ),
            (
                12,
                "kubelet-wrapper",
                Some("/usr/local/bin/kubelet"),
                &["kubelet", "--root-dir", "/data/kubelet", "--v=2"],
            ),
            (
                30,
                "containerd",
                Some("/usr/bin/containerd"),
                &["containerd"],
            ),
            // The comm of a kubelet, but a root dir in pflag's `=` form.
            (31, "kubelet", None, &["kubelet", "--root_dir=/srv/k"]),
        ]);
        let ks = running_kubelets(p.path());
        let got: Vec<(u32, &str, &str, &str)> = ks
            .iter()
            .map(|k| {
                (
                    k.pid,
                    k.root_dir.to_str().unwrap(),
                    k.matched_by,
                    k.root_from,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (7, "/var/lib/kubelet", "comm", "default"),
                (12, "/data/kubelet", "exe", "--root-dir"),
                (31, "/srv/k", "comm", "--root-dir"),
            ]
        );
        let same = kubelets_with_root(p.path(), Path::new("/data/./kubelet/"), false);
        assert_eq!(same.len(), 1);
        assert_eq!(same[0].pid, 12);
        assert!(kubelets_with_root(p.path(), Path::new("/data"), false).is_empty());
        assert!(same[0].describe(p.path()).contains("PID 12"));
        // No /proc at all: none.
        assert!(running_kubelets(&p.path().join("absent")).is_empty());
    }

    /// A kubelet in another mount namespace (a container): its default
    /// `/var/lib/kubelet` is, seen from here, a directory under its
    /// `/proc/PID/root`; the fake `root` is a symlink, as the kernel's
    /// magic link behaves for path lookups.
    #[test]
    fn a_kubelet_in_another_mount_namespace_is_matched_through_its_root() {
        let p = fake_proc(&[
            (40, "kubelet", None, &["kubelet"]),
            (41, "kubelet", None, &["kubelet", "--root-dir=/data/k"]),
        ]);
        let host = tempfile::tempdir().unwrap();
        let container = host.path().join("merged");
        std::fs::create_dir_all(container.join("var/lib/kubelet")).unwrap();
        std::fs::create_dir_all(container.join("data/k")).unwrap();
        let other = host.path().join("other/var/lib/kubelet");
        std::fs::create_dir_all(&other).unwrap();
        std::os::unix::fs::symlink(&container, p.path().join("40/root")).unwrap();
        std::os::unix::fs::symlink(&container, p.path().join("41/root")).unwrap();

        let seen = kubelets_with_root(p.path(), &container.join("var/lib/kubelet"), true);
        assert_eq!(seen.iter().map(|k| k.pid).collect::<Vec<_>>(), [40]);
        assert_eq!(
            seen[0].seen_through.as_deref(),
            Some(p.path().join("40/root/var/lib/kubelet").as_path())
        );
        assert!(seen[0].describe(p.path()).contains("own mount namespace"));
        let data = kubelets_with_root(p.path(), &container.join("data/k"), true);
        assert_eq!(data.iter().map(|k| k.pid).collect::<Vec<_>>(), [41]);
        // Another directory with the same layout is not theirs.
        assert!(kubelets_with_root(p.path(), &other, true).is_empty());
        // Without on-disk checks (paths only) the namespace is not looked at.
        assert!(kubelets_with_root(p.path(), &container.join("var/lib/kubelet"), false).is_empty());
    }

    #[test]
    fn a_files_kubelet_root() {
        let r = |p: &str, f: &str| root_of(Path::new(p), f).map(|p| p.display().to_string());
        assert_eq!(
            r("/var/lib/kubelet/cpu_manager_state", "cpu_manager_state").as_deref(),
            Some("/var/lib/kubelet")
        );
        assert_eq!(
            r(
                "/data/k/device-plugins/kubelet_internal_checkpoint",
                "device-plugins/kubelet_internal_checkpoint"
            )
            .as_deref(),
            Some("/data/k")
        );
        assert_eq!(
            r(
                "/var/lib/kubelet/image_manager/pulled/sha256-ab",
                "image_manager/pulled/sha256-<sha256 of imageRef>"
            )
            .as_deref(),
            Some("/var/lib/kubelet")
        );
        assert_eq!(r("/x", "dockershim/sandbox/<sandbox-id>"), None);
    }
}

//! Where the kubelet keeps what: the node layout of spec
//! `kubelet-node-layout.md` as data and code.
//!
//! * [`Layout::discover`] finds the kubelet's effective paths in a
//!   snapshot the way the kubelet itself gets them: systemd unit and
//!   drop-ins → argv (with `Environment=`/`EnvironmentFile=` expansion,
//!   so `kubeadm-flags.env` and `/etc/default|sysconfig/kubelet` count) →
//!   flags, `--config` file and `--config-dir` drop-ins → defaults. It
//!   reads the snapshot only through [`SnapshotFiles`], so directories and
//!   archives (indexed first) work alike, and recognises snapshots of `/`
//!   as well as of the kubelet root directory alone.
//! * [`classify`] gives every snapshot path one [`Class`] from the table
//!   [`CLASSES`] (spec §2), with the fields its name carries (pod UID,
//!   container, restart count, timestamps, ...), or `unknown`.
//!
//! Release differences that change paths (spec §4) are handled where a
//! path alone shows them: pod log layouts (≤1.9, 1.10–1.13, 1.14+), CSI
//! staging (≤1.23, 1.24+), the pods API socket (1.35–1.36, 1.37).

mod config;
mod systemd;

use std::collections::{BTreeMap, BTreeSet};

pub use config::{
    dropin_walk, format_go_duration, get_path, merge_patch, parse_go_duration, ConfigError,
    Effective, Flags, DEFAULT_CERT_DIR, DEFAULT_POD_LOGS_DIR, DEFAULT_ROOT_DIR,
    DEFAULT_RUNTIME_ENDPOINT, DEFAULT_VOLUME_PLUGIN_DIR,
};
pub use systemd::{expand_exec, parse_env_file, split_words, UnitArgv, UNIT_DIRS};

/// Read access to a snapshot's files by snapshot-relative path (no leading
/// `/`). Discovery needs contents of a few small files and listings of a
/// few directories; the scanner provides them from a directory or from an
/// index built while streaming an archive.
pub trait SnapshotFiles {
    /// A regular file's contents, `None` when absent or not a file.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// A directory's entries as (name, is a directory), sorted by name
    /// bytes; `None` when absent or not a directory. `""` is the root.
    fn list(&self, dir: &str) -> Option<Vec<(String, bool)>>;
    /// A symlink's stored target, `None` when not a symlink. Systemd
    /// follows symlinked units and drop-ins, and a unit linked to
    /// `/dev/null` is masked; sources without links keep the default.
    fn link(&self, _path: &str) -> Option<String> {
        None
    }
}

/// An in-memory [`SnapshotFiles`]: file contents by path, directories
/// implied by the paths (and addable empty).
#[derive(Debug, Clone, Default)]
pub struct MemFiles {
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
    links: BTreeMap<String, String>,
}

impl MemFiles {
    /// An empty snapshot.
    pub fn new() -> MemFiles {
        MemFiles::default()
    }

    /// Adds a file (its parent directories are implied).
    pub fn add_file(&mut self, path: &str, bytes: impl Into<Vec<u8>>) {
        let path = path.trim_matches('/');
        self.add_parents(path);
        self.files.insert(path.to_owned(), bytes.into());
    }

    /// Adds a symlink with its stored target (listed as a non-directory).
    pub fn add_symlink(&mut self, path: &str, target: &str) {
        let path = path.trim_matches('/');
        self.add_parents(path);
        self.links.insert(path.to_owned(), target.to_owned());
    }

    /// Adds a directory (possibly empty).
    pub fn add_dir(&mut self, path: &str) {
        let path = path.trim_matches('/');
        self.add_parents(path);
        self.dirs.insert(path.to_owned());
    }

    fn add_parents(&mut self, path: &str) {
        let mut p = path;
        while let Some((parent, _)) = p.rsplit_once('/') {
            self.dirs.insert(parent.to_owned());
            p = parent;
        }
    }
}

impl SnapshotFiles for MemFiles {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.files.get(path.trim_matches('/')).cloned()
    }

    fn list(&self, dir: &str) -> Option<Vec<(String, bool)>> {
        let dir = dir.trim_matches('/');
        if !dir.is_empty() && !self.dirs.contains(dir) {
            return None;
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut out: BTreeMap<String, bool> = BTreeMap::new();
        let children = |p: &String| {
            p.strip_prefix(&prefix)
                .filter(|rest| !rest.is_empty() && !rest.contains('/'))
                .map(str::to_owned)
        };
        for f in self
            .files
            .keys()
            .chain(self.links.keys())
            .filter_map(children)
        {
            out.insert(f, false);
        }
        for d in self.dirs.iter().filter_map(children) {
            out.insert(d, true);
        }
        Some(out.into_iter().collect())
    }

    fn link(&self, path: &str) -> Option<String> {
        self.links.get(path.trim_matches('/')).cloned()
    }
}

/// A remark of discovery, with a finding code of spec §3 where one exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Finding code (`config.argv-assumed`, `config.unit-dropin-shadowed`,
    /// `layout.descended`, ...).
    pub code: &'static str,
    /// Human text.
    pub message: String,
    /// Snapshot paths concerned.
    pub paths: Vec<String>,
}

impl Note {
    fn new(code: &'static str, message: String, paths: Vec<String>) -> Note {
        Note {
            code,
            message,
            paths,
        }
    }
}

/// What the snapshot root is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootMode {
    /// A copy of the node's `/` (it holds `var/lib/kubelet` or a kubelet
    /// unit).
    Full,
    /// A copy of the kubelet root directory alone: its entries sit at the
    /// snapshot root; argv, units and `/etc` are absent.
    KubeletRoot,
}

/// Where argv came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgvSource {
    /// Built from the systemd unit and drop-ins.
    Systemd(UnitArgv),
    /// No unit: kubeadm's conventional argv assumed (finding
    /// `config.argv-assumed`).
    Assumed,
}

/// The kubelet's effective paths on the node of a snapshot (node paths,
/// absolute), and how the snapshot maps onto them.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Full root or kubelet root only.
    pub mode: RootMode,
    /// A top directory the snapshot was descended into (`"node1/"`), or "".
    pub prefix: String,
    /// The argv used (`argv[0]` first when known).
    pub argv: Vec<String>,
    /// Where argv came from.
    pub argv_source: ArgvSource,
    /// `--root-dir`.
    pub root_dir: String,
    /// `--cert-dir` (a literal default, not under `--root-dir`).
    pub cert_dir: String,
    /// `--kubeconfig`; `None` = standalone.
    pub kubeconfig: Option<String>,
    /// `--bootstrap-kubeconfig`.
    pub bootstrap_kubeconfig: Option<String>,
    /// `--config`.
    pub config: Option<String>,
    /// `--config-dir`.
    pub config_dir: Option<String>,
    /// `--lock-file`.
    pub lock_file: Option<String>,
    /// `staticPodPath` (`--pod-manifest-path`); `None` = no static pods.
    pub static_pod_path: Option<String>,
    /// `podLogsDir`.
    pub pod_logs_dir: String,
    /// `containerRuntimeEndpoint` (`--container-runtime-endpoint`).
    pub runtime_endpoint: String,
    /// `tlsCertFile` when set.
    pub tls_cert_file: Option<String>,
    /// `tlsPrivateKeyFile` when set.
    pub tls_private_key_file: Option<String>,
    /// `volumePluginDir`.
    pub volume_plugin_dir: String,
    /// `--image-credential-provider-config`.
    pub credential_provider_config: Option<String>,
    /// `--image-credential-provider-bin-dir`.
    pub credential_provider_bin_dir: Option<String>,
    /// The effective configuration; `Err` when the kubelet would refuse it
    /// (then the paths above come from flags and defaults).
    pub effective: Result<Effective, ConfigError>,
    /// Remarks for the report.
    pub notes: Vec<Note>,
}

/// Names whose presence at the snapshot root marks a kubelet root
/// directory (spec §5).
const ROOT_MARKERS: &[&str] = &[
    "pods",
    "pki",
    "config.yaml",
    "cpu_manager_state",
    "memory_manager_state",
    "plugins_registry",
    "device-plugins",
];

impl Layout {
    /// Discovers the layout of a snapshot (spec §1 and §5).
    pub fn discover(files: &dyn SnapshotFiles) -> Layout {
        let mut notes = Vec::new();
        let (mode, prefix) = detect_root(files, &mut notes);
        let at = |p: &str| format!("{prefix}{}", p.trim_start_matches('/'));
        let (argv, source) = match mode {
            RootMode::Full => match systemd::unit_argv(files, &prefix, &mut notes) {
                Some(u) => (u.argv.clone(), ArgvSource::Systemd(u)),
                None => {
                    let argv = assumed_argv(files, &prefix, mode);
                    notes.push(Note::new(
                        "config.argv-assumed",
                        "no kubelet systemd unit: kubeadm's argv assumed".into(),
                        vec![],
                    ));
                    (argv, ArgvSource::Assumed)
                }
            },
            RootMode::KubeletRoot => {
                notes.push(Note::new(
                    "config.argv-assumed",
                    "snapshot of the kubelet root directory only: --root-dir=/var/lib/kubelet, \
                     --cert-dir=<root>/pki and --config=<root>/config.yaml (if present) assumed"
                        .into(),
                    vec![],
                ));
                (assumed_argv(files, &prefix, mode), ArgvSource::Assumed)
            }
        };
        let flags = Flags::parse(&argv);
        let flag = |n: &str| flags.get(n).filter(|v| !v.is_empty()).map(str::to_owned);
        let root_dir = flag("root-dir").unwrap_or_else(|| DEFAULT_ROOT_DIR.to_owned());
        // In root-only mode the snapshot root *is* the root directory:
        // reading `/var/lib/kubelet/x` means `x`.
        let reader = Rebased {
            inner: files,
            mode,
            prefix: prefix.clone(),
            root_dir: root_dir.clone(),
        };
        let effective = config::effective(&reader, "", &flags);
        if let Err(e) = &effective {
            notes.push(Note::new(
                e.code,
                format!("{}: {}", e.path, e.message),
                vec![at(&e.path)],
            ));
        }
        let cfg_str = |field: &str| -> Option<String> {
            effective
                .as_ref()
                .ok()
                .and_then(|e| get_path(&e.config, field))
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        // Without a usable effective config, flags alone decide.
        let static_pod_path = cfg_str("staticPodPath").or_else(|| flag("pod-manifest-path"));
        Layout {
            mode,
            prefix: prefix.clone(),
            cert_dir: flag("cert-dir").unwrap_or_else(|| DEFAULT_CERT_DIR.to_owned()),
            kubeconfig: flag("kubeconfig"),
            bootstrap_kubeconfig: flag("bootstrap-kubeconfig"),
            config: flag("config"),
            config_dir: flag("config-dir"),
            lock_file: flag("lock-file"),
            static_pod_path,
            pod_logs_dir: cfg_str("podLogsDir").unwrap_or_else(|| DEFAULT_POD_LOGS_DIR.to_owned()),
            runtime_endpoint: cfg_str("containerRuntimeEndpoint")
                .or_else(|| flag("container-runtime-endpoint"))
                .unwrap_or_else(|| DEFAULT_RUNTIME_ENDPOINT.to_owned()),
            tls_cert_file: cfg_str("tlsCertFile").or_else(|| flag("tls-cert-file")),
            tls_private_key_file: cfg_str("tlsPrivateKeyFile")
                .or_else(|| flag("tls-private-key-file")),
            volume_plugin_dir: cfg_str("volumePluginDir")
                .unwrap_or_else(|| DEFAULT_VOLUME_PLUGIN_DIR.to_owned()),
            credential_provider_config: flag("image-credential-provider-config"),
            credential_provider_bin_dir: flag("image-credential-provider-bin-dir"),
            root_dir,
            argv,
            argv_source: source,
            effective,
            notes,
        }
    }

    /// The layout of a node set up by kubeadm with its defaults (spec §1.1
    /// `10-kubeadm.conf`, §1.5 `config.yaml`: `staticPodPath:
    /// /etc/kubernetes/manifests`), for classifying paths when nothing
    /// better is known.
    pub fn kubeadm_defaults() -> Layout {
        let mut files = MemFiles::new();
        files.add_file(
            "var/lib/kubelet/config.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
             staticPodPath: /etc/kubernetes/manifests\n",
        );
        let mut l = Layout::discover(&files);
        l.notes.clear();
        l
    }

    /// The node path a snapshot path stands for (`var/lib/kubelet/x` →
    /// `/var/lib/kubelet/x`; in root-only mode `x` → `<root>/x`); `None`
    /// for paths outside the descended-into prefix.
    pub fn node_path(&self, rel: &str) -> Option<String> {
        let rel = rel.trim_matches('/');
        let rel = if self.prefix.is_empty() {
            rel
        } else if rel == self.prefix.trim_end_matches('/') {
            ""
        } else {
            rel.strip_prefix(self.prefix.as_str())?
        };
        Some(match self.mode {
            RootMode::Full => format!("/{rel}"),
            RootMode::KubeletRoot if rel.is_empty() => self.root_dir.clone(),
            RootMode::KubeletRoot => format!("{}/{rel}", self.root_dir.trim_end_matches('/')),
        })
    }
}

/// The effective configuration for an argv (with or without `argv[0]`)
/// over a full-root snapshot: flags, `--config`, `--config-dir` drop-ins,
/// flags again (spec §1.2–§1.3). `Err` when the kubelet would exit.
pub fn effective_config(
    files: &dyn SnapshotFiles,
    argv: &[String],
) -> Result<Effective, ConfigError> {
    config::effective(files, "", &Flags::parse(argv))
}

/// Reads node paths through the root-only mapping.
struct Rebased<'a> {
    inner: &'a dyn SnapshotFiles,
    mode: RootMode,
    prefix: String,
    root_dir: String,
}

impl Rebased<'_> {
    fn map(&self, p: &str) -> Option<String> {
        let node = format!("/{}", p.trim_start_matches('/'));
        let rel = match self.mode {
            RootMode::Full => node.trim_start_matches('/').to_owned(),
            RootMode::KubeletRoot => {
                let root = self.root_dir.trim_end_matches('/');
                if node == root {
                    String::new()
                } else {
                    node.strip_prefix(&format!("{root}/"))?.to_owned()
                }
            }
        };
        Some(format!("{}{rel}", self.prefix))
    }
}

impl SnapshotFiles for Rebased<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.inner.read(&self.map(path)?)
    }
    fn link(&self, path: &str) -> Option<String> {
        self.inner.link(&self.map(path)?)
    }
    fn list(&self, dir: &str) -> Option<Vec<(String, bool)>> {
        self.inner.list(self.map(dir)?.trim_end_matches('/'))
    }
}

fn detect_root(files: &dyn SnapshotFiles, notes: &mut Vec<Note>) -> (RootMode, String) {
    let mut prefix = String::new();
    loop {
        let top = files.list(prefix.trim_end_matches('/')).unwrap_or_default();
        let has = |n: &str| top.iter().any(|(name, _)| name == n);
        let full = files.list(&format!("{prefix}var/lib/kubelet")).is_some()
            || UNIT_DIRS.iter().any(|d| {
                files
                    .read(&format!("{prefix}{d}/kubelet.service"))
                    .is_some()
            });
        if full {
            return (RootMode::Full, prefix);
        }
        if ROOT_MARKERS.iter().any(|m| has(m)) {
            return (RootMode::KubeletRoot, prefix);
        }
        match top.as_slice() {
            [(only, true)] => {
                prefix = format!("{prefix}{only}/");
                notes.push(Note::new(
                    "layout.descended",
                    format!("the snapshot holds one top directory {only:?}: taken as its root"),
                    vec![prefix.trim_end_matches('/').to_owned()],
                ));
            }
            _ => return (RootMode::Full, prefix),
        }
    }
}

/// kubeadm's argv (spec §1.1's `10-kubeadm.conf`) with the environment
/// files it names, when no unit says otherwise.
fn assumed_argv(files: &dyn SnapshotFiles, prefix: &str, mode: RootMode) -> Vec<String> {
    let under_root = |name: &str| match mode {
        RootMode::Full => format!("{prefix}var/lib/kubelet/{name}"),
        RootMode::KubeletRoot => format!("{prefix}{name}"),
    };
    let mut argv = vec!["/usr/bin/kubelet".to_owned()];
    if mode == RootMode::Full {
        argv.push("--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf".into());
        argv.push("--kubeconfig=/etc/kubernetes/kubelet.conf".into());
    }
    if files.read(&under_root("config.yaml")).is_some() {
        argv.push("--config=/var/lib/kubelet/config.yaml".into());
    }
    let mut vars = BTreeMap::new();
    let mut env_files = vec![under_root("kubeadm-flags.env")];
    if mode == RootMode::Full {
        // The deb drop-in names /etc/default, the RPM one /etc/sysconfig.
        let d = format!("{prefix}etc/default/kubelet");
        env_files.push(if files.read(&d).is_some() {
            d
        } else {
            format!("{prefix}etc/sysconfig/kubelet")
        });
    }
    for f in env_files {
        if let Some(b) = files.read(&f) {
            vars.extend(parse_env_file(&String::from_utf8_lossy(&b)));
        }
    }
    argv.extend(expand_exec(
        "$KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS",
        &vars,
    ));
    argv
}

// ---------------------------------------------------------------------------
// Classes

/// One row of the class table: what a kind of kubelet path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassInfo {
    /// Stable class ID (spec §2; `dir.*`, `kubeadm.*` extras are ours).
    pub id: &'static str,
    /// Who writes it: kubelet, kubeadm, package, runtime, plugin, user.
    pub owner: &'static str,
    /// What the content is.
    pub format: &'static str,
    /// Which part of the scan cares: config, pki, staticpod, lock, socket,
    /// plugin, state, checkpoint, seccomp, pod, log, legacy, package, dir,
    /// unknown.
    pub family: &'static str,
    /// Content is secret (keys, tokens, secret volumes): report metadata,
    /// never print contents.
    pub sensitive: bool,
}

macro_rules! classes {
    ($($id:literal, $owner:literal, $family:literal, $sens:literal, $format:literal;)*) => {
        /// Every class [`classify`] can answer (spec §2.1–§2.6).
        pub const CLASSES: &[ClassInfo] = &[
            $(ClassInfo { id: $id, owner: $owner, family: $family, sensitive: $sens, format: $format },)*
        ];
    };
}

classes! {
    "systemd.unit", "package", "config", false, "systemd unit (ini)";
    "systemd.dropin", "package", "config", false, "systemd drop-in (ini)";
    "env.extra-args", "package", "config", false, "environment file (KUBELET_EXTRA_ARGS)";
    "kubeadm.flags-env", "kubeadm", "config", false, "environment file (KUBELET_KUBEADM_ARGS)";
    "kubeadm.instance-config", "kubeadm", "config", false, "YAML fragment (containerRuntimeEndpoint)";
    "kubelet.config", "kubeadm", "config", false, "KubeletConfiguration YAML/JSON";
    "kubelet.config-dropin", "user", "config", false, "KubeletConfiguration YAML/JSON drop-in";
    "kubelet.config-dropin-ignored", "user", "config", false, "file in --config-dir without .conf (not loaded)";
    "kubeconfig.kubelet", "kubeadm", "config", true, "kubeconfig YAML";
    "kubeconfig.bootstrap", "kubeadm", "config", true, "kubeconfig YAML with a bootstrap token";
    "creds.dockercfg", "user", "config", true, "docker config JSON / legacy .dockercfg";
    "creds.provider-config", "user", "config", false, "CredentialProviderConfig YAML or provider binary";
    "flexvolume.driver", "user", "plugin", false, "flexvolume driver executable";
    "binary.kubelet", "package", "config", false, "ELF executable";
    "logind.override", "kubelet", "config", false, "ini: [Login] InhibitDelayMaxSec";
    "kubeadm.control-plane", "kubeadm", "config", true, "control-plane kubeconfig or PKI";
    "kubeadm.upgrade-backup", "kubeadm", "config", false, "backup of config.yaml by kubeadm upgrade";
    "pki.client-pair", "kubelet", "pki", true, "PEM: CERTIFICATE block(s) then a private key";
    "pki.client-current", "kubelet", "pki", false, "symlink to kubelet-client-<ts>.pem";
    "pki.client-updated", "kubelet", "pki", false, "symlink left by an interrupted rotation";
    "pki.client-bootstrap-key", "kubelet", "pki", true, "PEM private key (CSR pending)";
    "pki.server-pair", "kubelet", "pki", true, "PEM: CERTIFICATE block(s) then a private key";
    "pki.server-current", "kubelet", "pki", false, "symlink to kubelet-server-<ts>.pem";
    "pki.server-updated", "kubelet", "pki", false, "symlink left by an interrupted rotation";
    "pki.serving-selfsigned-cert", "kubelet", "pki", false, "PEM: leaf then its CA";
    "pki.serving-selfsigned-key", "kubelet", "pki", true, "PEM RSA PRIVATE KEY";
    "pki.serving-configured", "user", "pki", true, "PEM (tlsCertFile / tlsPrivateKeyFile)";
    "staticpod.manifest", "user", "staticpod", false, "one v1 Pod, YAML or JSON";
    "staticpod.ignored", "user", "staticpod", false, "ignored by the kubelet (dot file or subdirectory)";
    "lockfile", "kubelet", "lock", false, "empty; flock held by the kubelet";
    "socket.device-registration", "kubelet", "socket", false, "unix socket";
    "socket.device-plugin", "plugin", "socket", false, "unix socket";
    "socket.pod-resources", "kubelet", "socket", false, "unix socket";
    "socket.pods-api", "kubelet", "socket", false, "unix socket";
    "socket.plugin-registration", "plugin", "socket", false, "unix socket";
    "socket.plugin", "plugin", "socket", false, "unix socket";
    "dra.driver-state", "plugin", "plugin", false, "DRA driver checkpoint (driver-defined)";
    "plugin.data", "plugin", "plugin", false, "plugin-defined";
    "plugin.csi-staging", "kubelet", "plugin", false, "CSI staging (global mount) directory";
    "csi.vol-data", "kubelet", "plugin", false, "flat JSON of strings";
    "plugin.intree", "kubelet", "plugin", false, "in-tree volume plugin global mount";
    "state.device-checkpoint", "kubelet", "state", false, "checkpoint JSON (device manager)";
    "state.cpu-manager", "kubelet", "state", false, "checkpoint JSON (CPU manager)";
    "state.memory-manager", "kubelet", "state", false, "checkpoint JSON (memory manager)";
    "state.dra-manager", "kubelet", "state", false, "checkpoint JSON (DRA manager)";
    "state.pod-status-manager", "kubelet", "state", false, "checkpoint JSON (pod status manager)";
    "state.allocated-pods", "kubelet", "state", false, "checkpoint JSON (allocated pods)";
    "state.actuated-pods", "kubelet", "state", false, "checkpoint JSON (actuated pods)";
    "state.graceful-shutdown", "kubelet", "state", false, "JSON {startTime,endTime}";
    "state.image-pulling-record", "kubelet", "state", false, "image pull intent record JSON";
    "state.image-pulled-record", "kubelet", "state", false, "image pulled record JSON";
    "state.image-preloaded-record", "kubelet", "state", false, "image preloaded record JSON";
    "checkpoint.archive", "runtime", "checkpoint", true, "container checkpoint tar (CRIU images)";
    "seccomp.profile", "user", "seccomp", false, "seccomp profile JSON";
    "pkg.keep", "package", "package", false, "empty placeholder";
    "legacy.dynamic-config", "kubelet", "legacy", false, "dynamic kubelet config checkpoints (<=1.23)";
    "legacy.dockershim", "kubelet", "legacy", false, "dockershim checkpoint (<=1.23)";
    "pod.dir", "kubelet", "pod", false, "directory";
    "pod.volume", "kubelet", "pod", true, "volume contents (names and sizes only)";
    "pod.volume-atomic-data", "kubelet", "pod", true, "AtomicWriter payload (secret content)";
    "pod.volume-subpath", "kubelet", "pod", true, "subPath bind mount";
    "pod.volume-device", "kubelet", "pod", true, "block volume";
    "pod.ready-marker", "kubelet", "pod", false, "empty \"set up\" marker";
    "pod.termination-log", "kubelet", "pod", false, "termination message";
    "pod.etc-hosts", "kubelet", "pod", false, "hosts file";
    "pod.userns", "kubelet", "pod", false, "JSON {uidMappings,gidMappings}";
    "log.pod-dir", "kubelet", "log", false, "directory";
    "log.container", "runtime", "log", false, "CRI log lines";
    "log.container-rotated", "kubelet", "log", false, "rotated CRI log";
    "log.container-rotated-gz", "kubelet", "log", false, "gzip of a rotated CRI log";
    "log.container-tmp", "kubelet", "log", false, "temporary file of a compression";
    "log.containers-symlink", "kubelet", "log", false, "symlink to a container log";
    "dir.root", "kubelet", "dir", false, "the kubelet root directory";
    "dir.cert", "kubelet", "dir", false, "--cert-dir";
    "dir.pods", "kubelet", "dir", false, "<root>/pods";
    "dir.plugins", "kubelet", "dir", false, "<root>/plugins";
    "dir.plugins-registry", "kubelet", "dir", false, "<root>/plugins_registry";
    "dir.pod-resources", "kubelet", "dir", false, "<root>/pod-resources";
    "dir.device-plugins", "kubelet", "dir", false, "/var/lib/kubelet/device-plugins";
    "dir.checkpoints", "kubelet", "dir", false, "<root>/checkpoints";
    "dir.image-manager", "kubelet", "dir", false, "<root>/image_manager";
    "dir.seccomp", "user", "dir", false, "<root>/seccomp";
    "dir.static-pods", "user", "dir", false, "staticPodPath";
    "dir.config-dropins", "user", "dir", false, "--config-dir";
    "dir.pod-logs", "kubelet", "dir", false, "podLogsDir";
    "dir.container-logs", "kubelet", "dir", false, "/var/log/containers";
    "dir.unit-dropins", "package", "dir", false, "kubelet.service.d";
    "unknown", "", "unknown", false, "not known";
}

/// The table row of a class ID.
pub fn class_info(id: &str) -> Option<&'static ClassInfo> {
    CLASSES.iter().find(|c| c.id == id)
}

/// The class of one path, with the fields its name carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The table row.
    pub info: &'static ClassInfo,
    /// Who writes this path: the class's owner, or a more precise one when
    /// the name tells (`.kubelet-keep` in the static pod directory is the
    /// deb package's).
    pub owner: &'static str,
    /// Fields parsed from the path (`uid`, `container`, `restart`, `time`,
    /// ...), in a fixed order per class.
    pub fields: Vec<(&'static str, String)>,
    /// For `unknown`: whether the path lies in a directory the kubelet owns
    /// (spec §2.0: report it, info) or elsewhere on the node.
    pub in_kubelet_area: bool,
}

impl Class {
    /// The class ID.
    pub fn id(&self) -> &'static str {
        self.info.id
    }

    /// A parsed field by name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a path is, when the caller knows (some classes depend on it: a
/// subdirectory of the static pod directory is ignored, a file is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// Not known.
    Unknown,
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symlink.
    Symlink,
    /// A socket, FIFO or device.
    Special,
}

/// Classifies a snapshot-relative path.
pub fn classify(rel_path: &str, layout: &Layout) -> Class {
    classify_kind(rel_path, PathKind::Unknown, layout)
}

struct C {
    id: &'static str,
    fields: Vec<(&'static str, String)>,
    owner: Option<&'static str>,
}

fn c(id: &'static str) -> Option<C> {
    cf(id, vec![])
}

fn cf(id: &'static str, fields: Vec<(&'static str, String)>) -> Option<C> {
    Some(C {
        id,
        fields,
        owner: None,
    })
}

/// Classifies a snapshot-relative path whose type is known.
pub fn classify_kind(rel_path: &str, kind: PathKind, layout: &Layout) -> Class {
    let node = layout.node_path(rel_path);
    let found = node.as_deref().and_then(|n| classify_node(n, kind, layout));
    match found {
        Some(C { id, fields, owner }) => {
            let info = class_info(id).expect("class in table");
            Class {
                info,
                owner: owner.unwrap_or(info.owner),
                fields,
                in_kubelet_area: true,
            }
        }
        None => Class {
            info: class_info("unknown").expect("unknown in table"),
            owner: "",
            fields: vec![],
            in_kubelet_area: node.as_deref().is_some_and(|n| in_kubelet_area(n, layout)),
        },
    }
}

/// The part of `path` under `dir` (`Some("")` for `dir` itself).
fn under<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    let dir = dir.trim_end_matches('/');
    if path == dir {
        return Some("");
    }
    path.strip_prefix(dir)?.strip_prefix('/')
}

fn in_kubelet_area(node: &str, l: &Layout) -> bool {
    let mut areas: Vec<&str> = vec![
        &l.root_dir,
        &l.cert_dir,
        &l.pod_logs_dir,
        "/var/log/containers",
        "/var/lib/kubelet",
        "/etc/kubernetes",
    ];
    areas.extend(l.static_pod_path.as_deref());
    areas.extend(l.config_dir.as_deref());
    if areas.iter().any(|a| under(node, a).is_some()) {
        return true;
    }
    UNIT_DIRS
        .iter()
        .any(|d| under(node, &format!("/{d}/kubelet.service.d")).is_some())
}

fn classify_node(node: &str, kind: PathKind, l: &Layout) -> Option<C> {
    let is = |p: &Option<String>| p.as_deref() == Some(node);
    // Files named by flags and configuration first: they may sit anywhere.
    if is(&l.config) {
        return c("kubelet.config");
    }
    if is(&l.kubeconfig) {
        return c("kubeconfig.kubelet");
    }
    if is(&l.bootstrap_kubeconfig) {
        return c("kubeconfig.bootstrap");
    }
    if is(&l.lock_file) {
        return c("lockfile");
    }
    if is(&l.tls_cert_file) || is(&l.tls_private_key_file) {
        return c("pki.serving-configured");
    }
    if is(&l.credential_provider_config) {
        return c("creds.provider-config");
    }
    if let Some(dir) = &l.credential_provider_bin_dir {
        if under(node, dir).is_some_and(|r| !r.is_empty()) {
            return c("creds.provider-config");
        }
    }
    if let Some(r) = l.config_dir.as_deref().and_then(|d| under(node, d)) {
        if r.is_empty() {
            return c("dir.config-dropins");
        }
        if kind == PathKind::Dir {
            return c("dir.config-dropins");
        }
        let name = r.rsplit('/').next().unwrap_or(r);
        return c(if name.rfind('.').map(|i| &name[i..]) == Some(".conf") {
            "kubelet.config-dropin"
        } else {
            "kubelet.config-dropin-ignored"
        });
    }
    if let Some(sp) = &l.static_pod_path {
        if let Some(r) = under(node, sp) {
            return static_pod(r, kind);
        }
    }
    if let Some(x) = systemd_class(node) {
        return Some(x);
    }
    match node {
        "/etc/default/kubelet" | "/etc/sysconfig/kubelet" => return c("env.extra-args"),
        "/usr/bin/kubelet" | "/usr/local/bin/kubelet" => return c("binary.kubelet"),
        "/etc/systemd/logind.conf.d/99-kubelet.conf" => return c("logind.override"),
        _ => {}
    }
    if l.argv.first().is_some_and(|a| a == node) {
        return c("binary.kubelet");
    }
    // The device manager's directory is fixed, whatever --root-dir says.
    if let Some(r) = under(node, "/var/lib/kubelet/device-plugins") {
        return device_plugins(r);
    }
    if let Some(r) = under(node, &l.cert_dir) {
        return pki(r);
    }
    if let Some(r) = under(node, &l.root_dir) {
        if let Some(x) = kubelet_root(r, kind) {
            return Some(x);
        }
    }
    if let Some(r) = under(node, &l.pod_logs_dir) {
        return pod_logs(r);
    }
    if let Some(r) = under(node, "/var/log/containers") {
        return container_log_link(r);
    }
    if let Some(r) = under(node, &l.volume_plugin_dir) {
        return if r.is_empty() {
            None
        } else {
            c("flexvolume.driver")
        };
    }
    if let Some(r) = under(node, "/var/lib/dockershim") {
        return if r.is_empty() {
            None
        } else {
            c("legacy.dockershim")
        };
    }
    if let Some(r) = under(node, "/etc/kubernetes") {
        return kubeadm_etc(r);
    }
    None
}

fn systemd_class(node: &str) -> Option<C> {
    for d in UNIT_DIRS {
        let base = format!("/{d}/kubelet.service");
        if node == base {
            return c("systemd.unit");
        }
        if let Some(r) = under(node, &format!("{base}.d")) {
            return if r.is_empty() {
                c("dir.unit-dropins")
            } else if r.ends_with(".conf") && !r.contains('/') {
                c("systemd.dropin")
            } else {
                None
            };
        }
    }
    None
}

/// Spec §2.4: the file source reads every non-dot regular file (or symlink
/// to one) directly in the directory; dot files and subdirectories are
/// ignored.
fn static_pod(r: &str, kind: PathKind) -> Option<C> {
    if r.is_empty() {
        return match kind {
            PathKind::File | PathKind::Symlink => c("staticpod.manifest"),
            _ => c("dir.static-pods"),
        };
    }
    if r == ".kubelet-keep" {
        // Shipped empty by the pkgs.k8s.io deb ("dpkg-deb doesn't keep
        // empty directories").
        return Some(C {
            id: "staticpod.ignored",
            fields: vec![],
            owner: Some("package"),
        });
    }
    if r.contains('/') || r.starts_with('.') || matches!(kind, PathKind::Dir | PathKind::Special) {
        return c("staticpod.ignored");
    }
    c("staticpod.manifest")
}

fn device_plugins(r: &str) -> Option<C> {
    match r {
        "" => c("dir.device-plugins"),
        "kubelet.sock" => c("socket.device-registration"),
        "kubelet_internal_checkpoint" => c("state.device-checkpoint"),
        n if n.ends_with(".sock") && !n.contains('/') => cf(
            "socket.device-plugin",
            vec![("name", n.trim_end_matches(".sock").to_owned())],
        ),
        _ => None,
    }
}

/// `kubelet-client-2024-05-01-10-20-30.pem` → `2024-05-01T10:20:30`.
fn pem_timestamp(rest: &str) -> Option<String> {
    let ts = rest.strip_suffix(".pem")?;
    let b = ts.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let ok = ts.len() == 19
        && digits(0..4)
        && [4, 7, 10, 13, 16].iter().all(|&i| b[i] == b'-')
        && [5..7, 8..10, 11..13, 14..16, 17..19]
            .into_iter()
            .all(digits);
    ok.then(|| {
        format!(
            "{}-{}-{}T{}:{}:{}",
            &ts[0..4],
            &ts[5..7],
            &ts[8..10],
            &ts[11..13],
            &ts[14..16],
            &ts[17..19]
        )
    })
}

fn pki(r: &str) -> Option<C> {
    match r {
        "" => return c("dir.cert"),
        "kubelet-client-current.pem" => return c("pki.client-current"),
        "kubelet-client-updated.pem" => return c("pki.client-updated"),
        "kubelet-client.key.tmp" => return c("pki.client-bootstrap-key"),
        "kubelet-server-current.pem" => return c("pki.server-current"),
        "kubelet-server-updated.pem" => return c("pki.server-updated"),
        "kubelet.crt" => return c("pki.serving-selfsigned-cert"),
        "kubelet.key" => return c("pki.serving-selfsigned-key"),
        _ => {}
    }
    for (prefix, id) in [
        ("kubelet-client-", "pki.client-pair"),
        ("kubelet-server-", "pki.server-pair"),
    ] {
        if let Some(ts) = r.strip_prefix(prefix).and_then(pem_timestamp) {
            return cf(id, vec![("written", ts)]);
        }
    }
    None
}

fn kubelet_root(r: &str, kind: PathKind) -> Option<C> {
    let (first, rest) = match r.split_once('/') {
        Some((f, rest)) => (f, Some(rest)),
        None => (r, None),
    };
    if r.is_empty() {
        return c("dir.root");
    }
    let Some(rest) = rest else {
        return match first {
            "kubeadm-flags.env" => c("kubeadm.flags-env"),
            "instance-config.yaml" => c("kubeadm.instance-config"),
            "config.json" | ".dockercfg" => c("creds.dockercfg"),
            ".kubelet-keep" => c("pkg.keep"),
            "cpu_manager_state" => c("state.cpu-manager"),
            "memory_manager_state" => c("state.memory-manager"),
            "dra_manager_state" => c("state.dra-manager"),
            "pod_status_manager_state" => c("state.pod-status-manager"),
            "allocated_pods_state" => c("state.allocated-pods"),
            "actuated_pods_state" => c("state.actuated-pods"),
            "graceful_node_shutdown_state" => c("state.graceful-shutdown"),
            "pods" => c("dir.pods"),
            "plugins" => c("dir.plugins"),
            "plugins_registry" => c("dir.plugins-registry"),
            "pod-resources" => c("dir.pod-resources"),
            "checkpoints" => c("dir.checkpoints"),
            "image_manager" => c("dir.image-manager"),
            "seccomp" => c("dir.seccomp"),
            "pods-api" => c("dir.pods"),
            "dynamic-config" => c("legacy.dynamic-config"),
            _ => None,
        };
    };
    match first {
        "pods" => pods(rest, kind),
        "pods-api" if rest == "pods-api.sock" => c("socket.pods-api"),
        "pod-resources" if rest == "kubelet.sock" => c("socket.pod-resources"),
        "plugins_registry" => plugin_registry(rest, kind),
        "plugins" => plugins(rest, kind),
        "image_manager" => image_manager(rest),
        "checkpoints" => checkpoint_archive(rest),
        "seccomp" => c(if kind == PathKind::Dir {
            "dir.seccomp"
        } else {
            "seccomp.profile"
        }),
        "dynamic-config" => c("legacy.dynamic-config"),
        _ => None,
    }
}

fn plugin_registry(rest: &str, kind: PathKind) -> Option<C> {
    let name = rest.rsplit('/').next().unwrap_or(rest);
    if kind == PathKind::Dir {
        return c("dir.plugins-registry");
    }
    // The plugin watcher ignores dot names.
    if name.starts_with('.') || !name.ends_with(".sock") {
        return None;
    }
    let plugin = name
        .strip_suffix("-reg.sock")
        .unwrap_or_else(|| name.trim_end_matches(".sock"));
    cf(
        "socket.plugin-registration",
        vec![("name", plugin.to_owned())],
    )
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn plugins(rest: &str, kind: PathKind) -> Option<C> {
    let parts: Vec<&str> = rest.split('/').collect();
    if let Some(csi) = rest.strip_prefix("kubernetes.io/csi/") {
        let p: Vec<&str> = csi.split('/').collect();
        let tail = |from: usize| -> Option<C> {
            match p.get(from).copied() {
                Some("vol_data.json") => c("csi.vol-data"),
                _ => c("plugin.csi-staging"),
            }
        };
        match p.as_slice() {
            ["pv", pv, ..] => {
                let mut x = tail(2)?;
                x.fields = vec![("pv", (*pv).to_owned()), ("layout", "<=1.23".into())];
                return Some(x);
            }
            ["volumeDevices", spec, ..] => {
                let id = if p.last() == Some(&"vol_data.json") {
                    "csi.vol-data"
                } else {
                    "plugin.csi-staging"
                };
                return cf(id, vec![("volume", (*spec).to_owned())]);
            }
            [driver, sha, ..] if is_hex(sha, 64) => {
                let mut x = tail(2)?;
                x.fields = vec![
                    ("driver", (*driver).to_owned()),
                    ("volume_sha256", (*sha).to_owned()),
                    ("layout", "1.24+".into()),
                ];
                return Some(x);
            }
            _ => return c("plugin.intree"),
        }
    }
    if parts[0] == "kubernetes.io" {
        return c("plugin.intree");
    }
    let driver = parts[0].to_owned();
    let name = parts.last().copied().unwrap_or("");
    if parts.len() == 1 || kind == PathKind::Dir {
        return cf("plugin.data", vec![("driver", driver)]);
    }
    if name.ends_with(".sock") {
        return cf("socket.plugin", vec![("driver", driver)]);
    }
    if name.contains("checkpoint") {
        return cf("dra.driver-state", vec![("driver", driver)]);
    }
    cf("plugin.data", vec![("driver", driver)])
}

fn image_manager(rest: &str) -> Option<C> {
    let (dir, name) = rest.split_once('/').unwrap_or((rest, ""));
    let id = match dir {
        "pulling" => "state.image-pulling-record",
        "pulled" => "state.image-pulled-record",
        "observed-preloaded" => "state.image-preloaded-record",
        _ => return None,
    };
    if name.is_empty() {
        return c("dir.image-manager");
    }
    let hash = name.strip_prefix("sha256-")?;
    cf(id, vec![("sha256", hash.to_owned())])
}

/// `checkpoint-<pod>_<ns>-<container>-<RFC3339>.tar` (spec §2.6).
pub fn parse_checkpoint_name(name: &str) -> Option<(String, String, String)> {
    let body = name.strip_prefix("checkpoint-")?.strip_suffix(".tar")?;
    let (pod, rest) = body.split_once('_')?;
    if pod.is_empty() {
        return None;
    }
    // The timestamp: 19 characters then `Z` or `±hh:mm`.
    for tz_len in [1usize, 6] {
        let Some(split) = rest.len().checked_sub(19 + tz_len + 1) else {
            continue;
        };
        if !rest.is_char_boundary(split) || rest.as_bytes()[split] != b'-' {
            continue;
        }
        let ts = &rest[split + 1..];
        if rfc3339_seconds(ts, tz_len) && split > 0 {
            return Some((pod.to_owned(), rest[..split].to_owned(), ts.to_owned()));
        }
    }
    None
}

fn rfc3339_seconds(ts: &str, tz_len: usize) -> bool {
    let b = ts.as_bytes();
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let shape = (0..4).all(d)
        && b[4] == b'-'
        && d(5)
        && d(6)
        && b[7] == b'-'
        && d(8)
        && d(9)
        && b[10] == b'T'
        && d(11)
        && d(12)
        && b[13] == b':'
        && d(14)
        && d(15)
        && b[16] == b':'
        && d(17)
        && d(18);
    let tz = &b[19..];
    shape
        && match tz_len {
            1 => tz == b"Z",
            _ => {
                (tz[0] == b'+' || tz[0] == b'-')
                    && tz[1].is_ascii_digit()
                    && tz[2].is_ascii_digit()
                    && tz[3] == b':'
                    && tz[4].is_ascii_digit()
                    && tz[5].is_ascii_digit()
            }
        }
}

fn checkpoint_archive(rest: &str) -> Option<C> {
    let (pod, rest, time) = parse_checkpoint_name(rest)?;
    cf(
        "checkpoint.archive",
        vec![("pod", pod), ("rest", rest), ("time", time)],
    )
}

/// The form of a pod UID (spec §2.3): API pods have RFC 4122 strings,
/// static pods 32 lowercase hex digits of a hash.
pub fn uid_form(uid: &str) -> &'static str {
    let b = uid.as_bytes();
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if uuid {
        "uuid"
    } else if is_hex(uid, 32) {
        "static-hash"
    } else {
        "other"
    }
}

const ATOMIC_PLUGINS: &[&str] = &[
    "kubernetes.io~secret",
    "kubernetes.io~configmap",
    "kubernetes.io~projected",
    "kubernetes.io~downward-api",
];

/// `..2024_01_01_10_00_00.1234567890` → `2024-01-01T10:00:00Z` (UTC).
fn atomic_generation(name: &str) -> Option<String> {
    let body = name.strip_prefix("..")?;
    let (ts, digits) = body.split_once('.')?;
    let p: Vec<&str> = ts.split('_').collect();
    let ok = p.len() == 6
        && p.iter().enumerate().all(|(i, x)| {
            x.len() == if i == 0 { 4 } else { 2 } && x.bytes().all(|b| b.is_ascii_digit())
        })
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("{}-{}-{}T{}:{}:{}Z", p[0], p[1], p[2], p[3], p[4], p[5]))
}

fn pods(rest: &str, kind: PathKind) -> Option<C> {
    let parts: Vec<&str> = rest.split('/').collect();
    let uid = parts[0];
    if parts.len() == 1 && uid == "kubelet.sock" && kind != PathKind::Dir {
        return c("socket.pods-api");
    }
    let mut fields = vec![
        ("uid", uid.to_owned()),
        ("uid_form", uid_form(uid).to_owned()),
    ];
    let id = match parts.as_slice() {
        [_] | [_, "volumes" | "plugins" | "containers" | "volume-subpaths" | "volumeDevices"] => {
            "pod.dir"
        }
        [_, "etc-hosts"] => "pod.etc-hosts",
        [_, "userns"] => "pod.userns",
        [_, "containers", container] => {
            fields.push(("container", (*container).to_owned()));
            "pod.dir"
        }
        [_, "containers", container, instance] => {
            fields.push(("container", (*container).to_owned()));
            fields.push(("instance", (*instance).to_owned()));
            "pod.termination-log"
        }
        [_, "volumes", plugin, more @ ..] => {
            fields.push(("plugin", plugin.replace('~', "/")));
            if let Some(vol) = more.first() {
                fields.push(("volume", (*vol).to_owned()));
            }
            if *plugin == "kubernetes.io~csi" && more.len() == 2 && more[1] == "vol_data.json" {
                "csi.vol-data"
            } else if ATOMIC_PLUGINS.contains(plugin) && more.len() >= 2 {
                if let Some(g) = more[1..].iter().find_map(|n| atomic_generation(n)) {
                    fields.push(("generation", g));
                }
                "pod.volume-atomic-data"
            } else {
                "pod.volume"
            }
        }
        [_, "plugins", plugin, more @ ..] => {
            fields.push(("plugin", plugin.replace('~', "/")));
            if let Some(vol) = more.first() {
                fields.push(("volume", (*vol).to_owned()));
            }
            if more.len() == 2 && more[1] == "ready" {
                "pod.ready-marker"
            } else {
                "pod.dir"
            }
        }
        [_, "volume-subpaths", ..] => "pod.volume-subpath",
        [_, "volumeDevices", ..] => "pod.volume-device",
        _ => return None,
    };
    cf(id, fields)
}

/// Pod log paths in the three layouts of spec §2.5.
fn pod_logs(r: &str) -> Option<C> {
    let parts: Vec<&str> = r.split('/').collect();
    if r.is_empty() {
        return c("dir.pod-logs");
    }
    let mut fields = Vec::new();
    let pod_dir = parts[0];
    let mut layout = "1.14+";
    // `<ns>_<pod>_<uid>` (1.14+) or `<uid>` (older).
    let seg: Vec<&str> = pod_dir.split('_').collect();
    if seg.len() == 3 {
        fields.push(("namespace", seg[0].to_owned()));
        fields.push(("pod", seg[1].to_owned()));
        fields.push(("uid", seg[2].to_owned()));
        fields.push(("uid_form", uid_form(seg[2]).to_owned()));
    } else {
        fields.push(("uid", pod_dir.to_owned()));
        fields.push(("uid_form", uid_form(pod_dir).to_owned()));
        layout = "1.10-1.13";
    }
    match parts.as_slice() {
        [_] => cf("log.pod-dir", fields),
        [_, name] if seg.len() != 3 && name.contains('_') => {
            // <=1.9: <container>_<n>.log
            let (container, n) = name.rsplit_once('_')?;
            let restart = n.strip_suffix(".log")?;
            restart.parse::<u64>().ok()?;
            fields.push(("container", container.to_owned()));
            fields.push(("restart", restart.to_owned()));
            fields.push(("layout", "<=1.9".into()));
            cf("log.container", fields)
        }
        [_, container] => {
            fields.push(("container", (*container).to_owned()));
            cf("log.pod-dir", fields)
        }
        [_, container, file] => {
            fields.push(("container", (*container).to_owned()));
            let (n, suffix) = file.split_once(".log")?;
            n.parse::<u64>().ok()?;
            fields.push(("restart", n.to_owned()));
            let id = if suffix.is_empty() {
                "log.container"
            } else {
                let s = suffix.strip_prefix('.')?;
                let (ts, kind) = if let Some(t) = s.strip_suffix(".gz") {
                    (t, "log.container-rotated-gz")
                } else if let Some(t) = s.strip_suffix(".tmp") {
                    (t, "log.container-tmp")
                } else {
                    (s, "log.container-rotated")
                };
                if let Some(t) = rotation_time(ts) {
                    fields.push(("rotated", t));
                }
                kind
            };
            fields.push(("layout", layout.into()));
            cf(id, fields)
        }
        _ => None,
    }
}

/// `20240101-120000` (Go layout `20060102-150405`) → `2024-01-01T12:00:00`.
fn rotation_time(s: &str) -> Option<String> {
    let (d, t) = s.split_once('-')?;
    let ok = d.len() == 8 && t.len() == 6 && d.bytes().chain(t.bytes()).all(|b| b.is_ascii_digit());
    ok.then(|| {
        format!(
            "{}-{}-{}T{}:{}:{}",
            &d[0..4],
            &d[4..6],
            &d[6..8],
            &t[0..2],
            &t[2..4],
            &t[4..6]
        )
    })
}

/// `/var/log/containers/<pod>_<ns>_<container>-<id>.log`.
fn container_log_link(r: &str) -> Option<C> {
    if r.is_empty() {
        return c("dir.container-logs");
    }
    let base = r.strip_suffix(".log")?;
    let mut fields = Vec::new();
    let seg: Vec<&str> = base.splitn(3, '_').collect();
    if let [pod, ns, rest] = seg.as_slice() {
        fields.push(("pod", (*pod).to_owned()));
        fields.push(("namespace", (*ns).to_owned()));
        if let Some((container, id)) = rest.rsplit_once('-') {
            fields.push(("container", container.to_owned()));
            fields.push(("containerID", id.to_owned()));
        }
    }
    cf("log.containers-symlink", fields)
}

fn kubeadm_etc(r: &str) -> Option<C> {
    match r {
        "admin.conf" | "super-admin.conf" | "controller-manager.conf" | "scheduler.conf" => {
            c("kubeadm.control-plane")
        }
        _ if r.starts_with("pki/") => c("kubeadm.control-plane"),
        _ if r.starts_with("tmp/kubeadm-kubelet-config") && r.ends_with("/config.yaml") => {
            c("kubeadm.upgrade-backup")
        }
        _ => None,
    }
}

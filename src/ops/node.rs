//! Node facts for the start checks: from a node.json (`--node`, the file
//! the Go reference reads as `ORACLE_NODE`), or from a kubelet
//! configuration (`--kubelet-config`, its drop-in directory `--config-dir`)
//! together with a sysfs tree (`--sysfs-root`, `/` on a live node).

use std::path::Path;
use std::sync::Arc;

use crate::formats::node::{KubeletConfig, Node};

use super::verify::OpError;

/// Where the node facts come from (all optional; see [`load`]).
#[derive(Debug, Clone, Default)]
pub struct NodeSource<'a> {
    pub node_json: Option<&'a Path>,
    pub kubelet_config: Option<&'a Path>,
    pub config_dir: Option<&'a Path>,
    pub sysfs_root: Option<&'a Path>,
}

impl NodeSource<'_> {
    /// Whether any node fact was asked for.
    pub fn is_empty(&self) -> bool {
        self.node_json.is_none()
            && self.kubelet_config.is_none()
            && self.config_dir.is_none()
            && self.sysfs_root.is_none()
    }
}

/// The node, or `None` when no source was given. `--node` is complete on
/// its own; otherwise the configuration (default: the kubelet's defaults,
/// policies `none`/`None`) is merged with its drop-ins and the machine is
/// read from sysfs under `--sysfs-root` (default `/`).
pub fn load(src: &NodeSource<'_>) -> Result<Option<Arc<Node>>, OpError> {
    if src.is_empty() {
        return Ok(None);
    }
    if let Some(p) = src.node_json {
        if src.kubelet_config.is_some() || src.sysfs_root.is_some() || src.config_dir.is_some() {
            return Err(OpError::Usage(
                "--node gives the whole node: do not combine it with --kubelet-config, --config-dir or --sysfs-root".into(),
            ));
        }
        let b = super::verify::read(p, crate::fs::DEFAULT_MAX_SIZE)?;
        let n = Node::from_json(&b)
            .map_err(|e| OpError::Usage(format!("{}: not a node.json: {e}", p.display())))?;
        return Ok(Some(Arc::new(n)));
    }
    let mut config = match src.kubelet_config {
        Some(p) => {
            let b = super::verify::read(p, crate::fs::DEFAULT_MAX_SIZE)?;
            let text = String::from_utf8_lossy(&b);
            KubeletConfig::from_yaml(&text).map_err(|e| {
                OpError::Usage(format!("{}: not a KubeletConfiguration: {e}", p.display()))
            })?
        }
        None => KubeletConfig::default(),
    };
    if let Some(d) = src.config_dir {
        config
            .merge_dropins(d)
            .map_err(|e| OpError::Usage(format!("--config-dir: {e}")))?;
    }
    let root = src.sysfs_root.unwrap_or(Path::new("/"));
    let n = Node::from_sysfs(root, config).map_err(|e| {
        OpError::Usage(format!("reading the machine under {}: {e}", root.display()))
    })?;
    Ok(Some(Arc::new(n)))
}

/// The node whose kubelet configuration is `config` (a
/// KubeletConfiguration as JSON, drop-ins already merged: what scan's
/// layout discovery finds) and whose machine is read from sysfs under
/// `sysfs_root` (`<root>/sys/devices/system/...`).
pub fn from_config_value(config: &serde_json::Value, sysfs_root: &Path) -> Result<Node, String> {
    let mut doc = config.clone();
    if let Some(m) = doc.as_object_mut() {
        // Discovery's document may carry only the fields it models.
        m.entry("apiVersion")
            .or_insert_with(|| "kubelet.config.k8s.io/v1beta1".into());
        m.entry("kind")
            .or_insert_with(|| "KubeletConfiguration".into());
    }
    let text = serde_json::to_string(&doc).map_err(|e| e.to_string())?;
    let kc =
        KubeletConfig::from_yaml(&text).map_err(|e| format!("the kubelet configuration: {e}"))?;
    Node::from_sysfs(sysfs_root, kc)
        .map_err(|e| format!("reading the machine under {}: {e}", sysfs_root.display()))
}

/// Whether `root` holds a sysfs tree the machine can be read from.
pub fn has_sysfs(root: &Path) -> bool {
    root.join("sys/devices/system/cpu/online").is_file()
}

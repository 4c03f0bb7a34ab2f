//! Cross-checks between the files of a snapshot (spec
//! `kubelet-node-layout.md` §3), and the allocation picture.
//!
//! Codes: `state.cpu-policy-mismatch`, `state.memory-policy-mismatch`
//! (error), `state.shape-vs-release` (warning: no single release reads
//! every state file; info `state.releases` names those that do),
//! `pods.state-without-pod-dir` (warning), `pki.expired`,
//! `pki.not-yet-valid`, `pki.key-mismatch` (error), `pki.expiring`
//! (warning, < 30 days), `pki.key-unchecked`, `pki.unparsable` (info),
//! `perm.key-readable` (error), `perm.state-readable`,
//! `perm.kubeconfig-readable` (warning), `checkpoint.archive` (info).

use std::collections::{BTreeMap, BTreeSet};

use super::layout::Layout;
use super::pki::{self, PemBlock, PublicKey};
use super::report::*;
use super::{node_rel, pod_names, spans_label, time, Indexed, Judged};
use crate::formats::state::{CpuKeying, State};

/// Everything the checks look at.
pub(crate) struct Ctx<'a> {
    pub index: &'a [Indexed],
    pub files: &'a [FileEntry],
    pub layout: &'a Layout,
    pub judged: &'a [Judged],
    pub readers: &'a [(String, BTreeSet<u8>)],
    #[allow(dead_code)]
    pub release: Option<u8>,
    pub now: i64,
}

const DAY: i64 = 86_400;

/// Runs every check.
pub(crate) fn run(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    policies(ctx, &mut out);
    readiness(ctx, &mut out);
    stale_pods(ctx, &mut out);
    certificates(ctx, &mut out);
    permissions(ctx, &mut out);
    for f in ctx.files.iter().filter(|f| f.class == "checkpoint.archive") {
        let g = |k: &str| f.fields.get(k).cloned().unwrap_or_default();
        out.push(Finding::new(
            "checkpoint.archive",
            Severity::Info,
            vec![f.path.clone()],
            format!(
                "container checkpoint of pod {} ({} = <namespace>-<container>), taken {}, {} bytes",
                g("pod"),
                g("rest"),
                g("time"),
                f.size
            ),
        ));
    }
    out
}

fn config_rel(ctx: &Ctx<'_>) -> Vec<String> {
    ctx.layout
        .config
        .as_deref()
        .and_then(|c| node_rel(ctx.layout, c))
        .into_iter()
        .collect()
}

fn policies(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let Ok(eff) = &ctx.layout.effective else {
        return;
    };
    let get = |k: &str, default: &str| {
        super::layout::get_path(&eff.config, k)
            .and_then(|v| v.as_str())
            .unwrap_or(default)
            .to_string()
    };
    let cpu = get("cpuManagerPolicy", "none");
    let mem = get("memoryManagerPolicy", "None");
    for j in ctx.judged {
        let (code, configured, stored, what) = match &j.state {
            Some(State::Cpu(s)) => ("state.cpu-policy-mismatch", &cpu, &s.policy_name, "CPU"),
            Some(State::Memory(s)) => (
                "state.memory-policy-mismatch",
                &mem,
                &s.policy_name,
                "memory",
            ),
            _ => continue,
        };
        if configured != stored {
            let mut paths = vec![j.path.clone()];
            paths.extend(config_rel(ctx));
            out.push(Finding::new(
                code,
                Severity::Error,
                paths,
                format!(
                    "the kubelet's {what} manager policy is {configured:?} but the checkpoint was written under {stored:?}: the kubelet will not start (configured policy {configured:?} differs from state checkpoint policy {stored:?}); drain the node and remove the file, or restore the policy"
                ),
            ));
        }
    }
}

fn readiness(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if ctx.readers.is_empty() {
        return;
    }
    let mut all: Option<BTreeSet<u8>> = None;
    for (_, s) in ctx.readers {
        all = Some(match all {
            None => s.clone(),
            Some(a) => a.intersection(s).copied().collect(),
        });
    }
    let all = all.unwrap_or_default();
    let paths: Vec<String> = ctx.readers.iter().map(|(p, _)| p.clone()).collect();
    if all.is_empty() {
        let per: Vec<String> = ctx
            .readers
            .iter()
            .map(|(p, s)| {
                let l = spans_label(s);
                format!("{p}: {}", if l.is_empty() { "none".into() } else { l })
            })
            .collect();
        out.push(Finding::new(
            "state.shape-vs-release",
            Severity::Warning,
            paths,
            format!(
                "no single kubelet release reads all of these files (an upgrade or downgrade will stop at one of them); releases that read or ignore each: {}",
                per.join("; ")
            ),
        ));
    } else {
        out.push(Finding::new(
            "state.releases",
            Severity::Info,
            paths,
            format!(
                "kubelet releases that read (or ignore) every state file: {}",
                spans_label(&all)
            ),
        ));
    }
}

/// UIDs each state file names as holding resources.
fn holders(state: &State) -> Vec<(String, &'static str)> {
    match state {
        State::Cpu(s) if s.keyed_by == CpuKeying::PodContainer => {
            s.pods.keys().map(|u| (u.clone(), "CPUs")).collect()
        }
        State::Memory(s) => s.pods.keys().map(|u| (u.clone(), "memory")).collect(),
        State::Device(s) => s
            .allocations
            .iter()
            .map(|a| (a.pod_uid.clone(), "devices"))
            .collect(),
        State::Dra(s) => s
            .claims
            .iter()
            .flat_map(|c| c.pod_uids.iter().map(|u| (u.clone(), "DRA claims")))
            .collect(),
        _ => Vec::new(),
    }
}

fn stale_pods(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let has_pods_dir = ctx
        .files
        .iter()
        .any(|f| f.class == "dir.pods" || f.class.starts_with("pod."));
    if !has_pods_dir {
        return;
    }
    let mut known: BTreeSet<String> = ctx
        .files
        .iter()
        .filter(|f| f.class.starts_with("pod.") || f.class == "csi.vol-data")
        .filter_map(|f| f.fields.get("uid").cloned())
        .collect();
    for j in ctx.judged {
        if let Some(State::PodResize(s)) = &j.state {
            known.extend(s.pods.keys().cloned());
        }
    }
    let mut stale: BTreeMap<String, (BTreeSet<String>, BTreeSet<&'static str>)> = BTreeMap::new();
    for j in ctx.judged {
        let Some(s) = &j.state else { continue };
        for (uid, what) in holders(s) {
            if !known.contains(&uid) {
                let e = stale.entry(uid).or_default();
                e.0.insert(j.path.clone());
                e.1.insert(what);
            }
        }
    }
    for (uid, (paths, what)) in stale {
        out.push(Finding::new(
            "pods.state-without-pod-dir",
            Severity::Warning,
            paths.into_iter().collect(),
            format!(
                "pod {uid} holds {} but has no pods/{uid} directory and no pod resize entry: stale state (the kubelet keeps it until it prunes the pod)",
                what.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
}

/// PEM blocks of a file, with kubeconfig `*-data` fields decoded.
fn blocks_of(class: &str, content: &[u8]) -> Vec<PemBlock> {
    let mut blocks = pki::pem_blocks(content);
    if class.starts_with("kubeconfig.") {
        if let Ok(v) = serde_norway::from_slice::<serde_json::Value>(content) {
            let mut datas = Vec::new();
            collect_data(&v, &mut datas);
            for d in datas {
                if let Some(pem) = pki::base64_decode(&d) {
                    blocks.extend(pki::pem_blocks(&pem));
                }
            }
        }
    }
    blocks
}

fn collect_data(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match x {
                    serde_json::Value::String(s) if k.ends_with("-data") => out.push(s.clone()),
                    _ => collect_data(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_data(x, out)),
        _ => {}
    }
}

fn certificates(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let class_of: BTreeMap<&str, &FileEntry> =
        ctx.files.iter().map(|f| (f.path.as_str(), f)).collect();
    // Where kubelet-client-current.pem points (old pairs expire harmlessly).
    let mut current: BTreeSet<String> = BTreeSet::new();
    for f in ctx.files {
        if matches!(f.class, "pki.client-current" | "pki.server-current") {
            if let Some(t) = &f.link_target {
                let rel = if t.starts_with('/') {
                    node_rel(ctx.layout, t)
                } else {
                    f.path.rsplit_once('/').map(|(d, _)| format!("{d}/{t}"))
                };
                current.extend(rel);
            }
        }
    }
    let when = |t: i64| time::rfc3339(t);
    let mut keyed: BTreeMap<String, (Option<PublicKey>, Option<PublicKey>)> = BTreeMap::new();
    for e in ctx.index {
        let Some(content) = &e.content else { continue };
        let Some(f) = class_of.get(e.path.as_str()) else {
            continue;
        };
        let interesting = matches!(class_info_family(f.class), "pki" | "config")
            || f.class == "kubeadm.control-plane";
        if !interesting
            || !content.windows(11).any(|w| w == b"-----BEGIN ")
                && !f.class.starts_with("kubeconfig.")
        {
            continue;
        }
        let blocks = blocks_of(f.class, content);
        let old_pair =
            matches!(f.class, "pki.client-pair" | "pki.server-pair") && !current.contains(&e.path);
        let mut first_cert: Option<PublicKey> = None;
        let mut key: Option<PublicKey> = None;
        let mut had_key = false;
        for (i, b) in blocks.iter().enumerate() {
            if b.is_private_key() {
                had_key = true;
                key = key.or_else(|| pki::private_key_public(b));
                continue;
            }
            if b.label != "CERTIFICATE" {
                continue;
            }
            let Some(c) = pki::parse_certificate(&b.der) else {
                out.push(Finding::new(
                    "pki.unparsable",
                    Severity::Info,
                    vec![e.path.clone()],
                    format!("certificate #{} does not parse as X.509", i + 1),
                ));
                continue;
            };
            if first_cert.is_none() {
                first_cert = Some(c.key.clone());
            }
            let who = format!(
                "certificate #{} (CN={}, {}, SPKI sha256 {})",
                i + 1,
                c.subject_cn.as_deref().unwrap_or("-"),
                c.key.describe(),
                &c.spki_sha256[..16]
            );
            if c.not_after < ctx.now {
                out.push(Finding::new(
                    "pki.expired",
                    if old_pair {
                        Severity::Info
                    } else {
                        Severity::Error
                    },
                    vec![e.path.clone()],
                    format!(
                        "{who} expired {} ({} days before {}){}",
                        when(c.not_after),
                        (ctx.now - c.not_after) / DAY,
                        when(ctx.now),
                        if old_pair { "; a superseded pair" } else { "" }
                    ),
                ));
            } else if c.not_before > ctx.now {
                out.push(Finding::new(
                    "pki.not-yet-valid",
                    Severity::Error,
                    vec![e.path.clone()],
                    format!(
                        "{who} is valid only from {} (now {})",
                        when(c.not_before),
                        when(ctx.now)
                    ),
                ));
            } else if c.not_after - ctx.now < 30 * DAY && !old_pair {
                out.push(Finding::new(
                    "pki.expiring",
                    Severity::Warning,
                    vec![e.path.clone()],
                    format!(
                        "{who} expires {}, {} days after {}",
                        when(c.not_after),
                        (c.not_after - ctx.now) / DAY,
                        when(ctx.now)
                    ),
                ));
            }
        }
        match (&first_cert, had_key) {
            (Some(cert), true) => {
                compare_keys(std::slice::from_ref(&e.path), cert, key.as_ref(), out)
            }
            (Some(cert), false) => {
                keyed.entry(stem(&e.path)).or_default().0 = Some(cert.clone());
            }
            (None, true) => {
                let entry = keyed.entry(stem(&e.path)).or_default();
                entry.1 = key.clone().or(Some(PublicKey::Other {
                    oid: "unreadable".into(),
                }));
            }
            _ => {}
        }
    }
    // `X.crt` with `X.key`.
    for (stem, (cert, key)) in keyed {
        if let (Some(c), Some(k)) = (cert, key) {
            let k = match k {
                PublicKey::Other { oid } if oid == "unreadable" => None,
                k => Some(k),
            };
            compare_keys(
                &[format!("{stem}.crt"), format!("{stem}.key")],
                &c,
                k.as_ref(),
                out,
            );
        }
    }
}

fn stem(p: &str) -> String {
    p.rsplit_once('.').map_or(p, |(s, _)| s).to_string()
}

fn compare_keys(
    paths: &[String],
    cert: &PublicKey,
    key: Option<&PublicKey>,
    out: &mut Vec<Finding>,
) {
    match key {
        Some(k) if k == cert => {}
        Some(PublicKey::Other { .. }) | None => out.push(Finding::new(
            "pki.key-unchecked",
            Severity::Info,
            paths.to_vec(),
            "the private key's public half could not be derived (encrypted, or neither RSA nor EC with its public point): key and certificate not compared".to_string(),
        )),
        Some(k) => out.push(Finding::new(
            "pki.key-mismatch",
            Severity::Error,
            paths.to_vec(),
            format!(
                "the private key ({}) does not belong to the certificate ({}): TLS with this pair fails",
                k.describe(),
                cert.describe()
            ),
        )),
    }
}

fn class_info_family(class: &str) -> &'static str {
    super::layout::class_info(class).map_or("unknown", |c| c.family)
}

fn permissions(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let by_path: BTreeMap<&str, &Indexed> =
        ctx.index.iter().map(|e| (e.path.as_str(), e)).collect();
    for f in ctx.files.iter().filter(|f| f.kind == "file") {
        let Some(e) = by_path.get(f.path.as_str()) else {
            continue;
        };
        let readable = e.mode & 0o044 != 0;
        if !readable {
            continue;
        }
        let has_key = e
            .content
            .as_ref()
            .is_some_and(|c| c.windows(16).any(|w| w == b"PRIVATE KEY-----"));
        let key_class = matches!(
            f.class,
            "pki.client-pair"
                | "pki.server-pair"
                | "pki.serving-selfsigned-key"
                | "pki.client-bootstrap-key"
        );
        let who = if e.mode & 0o004 != 0 {
            "everyone"
        } else {
            "its group"
        };
        if (has_key || key_class) && !f.class.starts_with("kubeconfig.") {
            out.push(Finding::new(
                "perm.key-readable",
                Severity::Error,
                vec![f.path.clone()],
                format!(
                    "a private key readable by {who} (mode {}; the kubelet writes 0600)",
                    f.mode
                ),
            ));
        } else if f.class.starts_with("kubeconfig.") {
            out.push(Finding::new(
                "perm.kubeconfig-readable",
                Severity::Warning,
                vec![f.path.clone()],
                format!(
                    "a kubeconfig readable by {who} (mode {}; 0600 expected)",
                    f.mode
                ),
            ));
        } else if class_info_family(f.class) == "state" {
            out.push(Finding::new(
                "perm.state-readable",
                Severity::Warning,
                vec![f.path.clone()],
                format!(
                    "a state file readable by {who} (mode {}; the kubelet's checkpoint manager writes 0600)",
                    f.mode
                ),
            ));
        }
    }
}

/// One line on what a state holds.
pub(crate) fn describe(s: &State) -> String {
    match s {
        State::Cpu(c) => format!(
            "policy {:?}, {} pod(s), default set {:?}",
            c.policy_name,
            c.pods.len() + c.containers_by_id.len(),
            c.default_cpu_set.text
        ),
        State::Memory(m) => format!(
            "policy {:?}, {} NUMA node(s), {} pod(s)",
            m.policy_name,
            m.machine_state.len(),
            m.pods.len()
        ),
        State::Device(d) => format!(
            "{} allocation(s), {} registered resource(s)",
            d.allocations.len(),
            d.registered_devices.len()
        ),
        State::Dra(d) => format!("{} claim(s)", d.claims.len()),
        State::PodResize(p) => format!("{} pod(s)", p.pods.len()),
        other => other.family().to_string(),
    }
}

/// The allocation picture: the first CPU, memory, device and DRA state.
pub(crate) fn allocation(ctx: &Ctx<'_>) -> Allocation {
    let names = pod_names(ctx.files);
    let name = |u: &str| names.get(u).cloned();
    let mut a = Allocation::default();
    let states = || ctx.judged.iter().filter_map(|j| j.state.as_ref());
    if let Some(State::Cpu(c)) = states().find(|s| matches!(s, State::Cpu(_))) {
        let mut cells: BTreeMap<i64, CpuCell> = BTreeMap::new();
        for cpu in &c.default_cpu_set.cpus {
            cells.insert(
                *cpu,
                CpuCell {
                    cpu: *cpu,
                    pod_uid: None,
                    pod: None,
                    container: None,
                    shared: true,
                },
            );
        }
        for (uid, p) in &c.pods {
            for (ctr, l) in &p.containers {
                for cpu in &l.cpus {
                    cells.entry(*cpu).or_insert_with(|| CpuCell {
                        cpu: *cpu,
                        pod_uid: Some(uid.clone()),
                        pod: name(uid),
                        container: Some(ctr.clone()),
                        shared: false,
                    });
                }
            }
        }
        for (id, l) in &c.containers_by_id {
            for cpu in &l.cpus {
                cells.entry(*cpu).or_insert_with(|| CpuCell {
                    cpu: *cpu,
                    pod_uid: None,
                    pod: None,
                    container: Some(id.clone()),
                    shared: false,
                });
            }
        }
        a.cpus = cells.into_values().collect();
    }
    if let Some(State::Memory(m)) = states().find(|s| matches!(s, State::Memory(_))) {
        for (numa, node) in &m.machine_state {
            let Some(node) = node else { continue };
            for (res, t) in node.memory_map.iter().flatten() {
                let Some(t) = t else { continue };
                if t.total == 0 {
                    continue;
                }
                let mut blocks = Vec::new();
                for (uid, p) in &m.pods {
                    for (ctr, bs) in &p.containers {
                        for b in bs {
                            if &b.resource == res && b.numa_affinity.first() == Some(numa) {
                                blocks.push(MemoryBlockRow {
                                    pod_uid: uid.clone(),
                                    pod: name(uid),
                                    container: ctr.clone(),
                                    size: b.size,
                                });
                            }
                        }
                    }
                }
                a.memory.push(NumaMemory {
                    numa: *numa,
                    resource: res.clone(),
                    total: t.total,
                    reserved: t.reserved,
                    free: t.free,
                    blocks,
                });
            }
        }
    }
    if let Some(State::Device(d)) = states().find(|s| matches!(s, State::Device(_))) {
        for al in &d.allocations {
            for (numa, ids) in &al.devices_per_numa {
                for id in ids {
                    a.devices.push(DeviceRow {
                        resource: al.resource_name.clone(),
                        device: id.clone(),
                        numa: (*numa >= 0).then_some(*numa),
                        pod_uid: al.pod_uid.clone(),
                        pod: name(&al.pod_uid),
                        container: al.container_name.clone(),
                    });
                }
            }
        }
    }
    if let Some(State::Dra(d)) = states().find(|s| matches!(s, State::Dra(_))) {
        for c in &d.claims {
            let mut devices = Vec::new();
            for (drv, devs) in &c.drivers {
                for dv in devs {
                    devices.push(format!(
                        "{drv}/{}/{}",
                        dv.pool_name.as_deref().unwrap_or("-"),
                        dv.device_name.as_deref().unwrap_or("-")
                    ));
                }
            }
            a.claims.push(ClaimRow {
                claim: c.claim_name.clone(),
                namespace: c.namespace.clone(),
                pod_uids: c.pod_uids.clone(),
                drivers: c.drivers.keys().cloned().collect(),
                devices,
            });
        }
    }
    a
}

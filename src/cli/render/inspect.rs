//! Text rendering of an [`InspectReport`]: the header, the family state in
//! human terms (CPU map, memory in binary units, decoded allocate
//! responses, claims), then the warnings.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{human_bytes, ranges};
use crate::formats::state::{
    ChecksumStatus, CpuList, CpuState, DeviceState, DockershimState, DraState, ImagePullState,
    MemoryBlock, MemoryState, OtherState, PodResizeState, Resources, State,
};
use crate::ops::inspect::InspectReport;

/// Writes `r` as text (control characters in names escaped).
pub fn text(out: &mut dyn Write, r: &InspectReport) -> io::Result<()> {
    let mut buf = Vec::new();
    draw(&mut buf, r)?;
    out.write_all(super::sanitized(&String::from_utf8_lossy(&buf)).as_bytes())
}

fn draw(out: &mut dyn Write, r: &InspectReport) -> io::Result<()> {
    let h = &r.header;
    writeln!(out, "file:     {}", h.file.display())?;
    writeln!(out, "kind:     {} ({})", h.kind, h.kind_source)?;
    writeln!(out, "releases: {}", h.releases)?;
    let sum = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    if h.scheme == "none" {
        writeln!(out, "checksum: none")?;
    } else {
        let status = match &r.state.source().checksum {
            ChecksumStatus::Verified { .. } => "verified",
            ChecksumStatus::Mismatch { .. } => "MISMATCH",
            ChecksumStatus::Unknown { .. } => "not checked",
            ChecksumStatus::None => "none",
        };
        writeln!(
            out,
            "checksum: {} stored {} computed {} ({status})",
            h.scheme,
            sum(h.stored_checksum),
            sum(h.computed_checksum)
        )?;
    }
    writeln!(out, "verdict:  {}", h.verdict)?;
    if !h.message.is_empty() {
        writeln!(out, "message:  {}", h.message)?;
    }
    writeln!(out)?;
    match &r.state {
        State::Cpu(s) => cpu(out, s)?,
        State::Memory(s) => memory(out, s)?,
        State::Device(s) => device(out, s)?,
        State::Dra(s) => dra(out, s)?,
        State::PodResize(s) => pod_resize(out, s)?,
        State::Dockershim(s) => dockershim(out, s)?,
        State::ImagePull(s) => image_pull(out, s)?,
        State::Other(s) => other(out, s)?,
    }
    if r.warnings.is_empty() {
        writeln!(out, "\nwarnings: none")?;
    } else {
        writeln!(out, "\nwarnings:")?;
        for w in &r.warnings {
            let code = serde_json::to_value(w.code).unwrap_or_default();
            writeln!(
                out,
                "  [{}] {}",
                code.as_str().unwrap_or_default(),
                w.message
            )?;
        }
    }
    Ok(())
}

/// `0-3 (4 CPUs)`, or the stored text and its parse error.
fn cpus(l: &CpuList) -> String {
    match &l.error {
        Some(e) => format!("{:?} (does not parse: {e})", l.text),
        None if l.cpus.is_empty() => "(empty)".to_string(),
        None => format!(
            "{} ({} CPU{})",
            ranges(&l.cpus),
            l.cpus.len(),
            if l.cpus.len() == 1 { "" } else { "s" }
        ),
    }
}

fn cpu(out: &mut dyn Write, s: &CpuState) -> io::Result<()> {
    writeln!(out, "policy:      {}", s.policy_name)?;
    writeln!(out, "default set: {}", cpus(&s.default_cpu_set))?;
    // CPU id -> owners, for the map.
    let mut owners: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for c in &s.default_cpu_set.cpus {
        owners.entry(*c).or_default().push("shared".into());
    }
    if !s.pods.is_empty() {
        writeln!(out, "pods:")?;
    }
    for (pod, p) in &s.pods {
        writeln!(out, "  {pod}")?;
        if let Some(l) = &p.pod_cpu_set {
            writeln!(out, "    (pod-level): {}", cpus(l))?;
        }
        if p.in_entries && p.containers.is_empty() {
            writeln!(out, "    (no containers)")?;
        }
        for (c, l) in &p.containers {
            writeln!(out, "    {c}: {}", cpus(l))?;
            for id in &l.cpus {
                owners.entry(*id).or_default().push(format!("{pod}/{c}"));
            }
        }
        if let Some(bl) = s.baselines.get(pod) {
            for (c, b) in bl {
                writeln!(out, "    {c} baseline: {b}")?;
            }
        }
    }
    if !s.containers_by_id.is_empty() {
        writeln!(out, "containers (by runtime ID):")?;
    }
    for (id, l) in &s.containers_by_id {
        writeln!(out, "  {id}: {}", cpus(l))?;
        for c in &l.cpus {
            owners.entry(*c).or_default().push(id.clone());
        }
    }
    if owners.is_empty() {
        return Ok(());
    }
    writeln!(out, "CPU map:")?;
    // Consecutive CPUs with the same owners on one line.
    let mut rows: Vec<(Vec<i64>, String)> = Vec::new();
    for (id, o) in owners {
        let label = o.join(" + ");
        match rows.last_mut() {
            Some((ids, l)) if *l == label && ids.last() == Some(&(id - 1)) => ids.push(id),
            _ => rows.push((vec![id], label)),
        }
    }
    let w = rows
        .iter()
        .map(|(ids, _)| ranges(ids).len())
        .max()
        .unwrap_or(0);
    for (ids, label) in rows {
        writeln!(out, "  {:w$}  {label}", ranges(&ids))?;
    }
    Ok(())
}

fn blocks(bs: &[MemoryBlock]) -> String {
    if bs.is_empty() {
        return "(none)".into();
    }
    bs.iter()
        .map(|b| {
            format!(
                "{} {} on numa {:?}",
                b.resource,
                human_bytes(b.size),
                b.numa_affinity
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn memory(out: &mut dyn Write, s: &MemoryState) -> io::Result<()> {
    writeln!(out, "policy: {}", s.policy_name)?;
    writeln!(out, "machine state:")?;
    if s.machine_state.is_empty() {
        writeln!(out, "  (empty)")?;
    }
    for (node, st) in &s.machine_state {
        let Some(st) = st else {
            writeln!(out, "  numa {node}: null (the kubelet crashes on this)")?;
            continue;
        };
        writeln!(
            out,
            "  numa {node}: cells {:?}, {} assignment(s)",
            st.cells, st.number_of_assignments
        )?;
        match &st.memory_map {
            None => writeln!(out, "    memory map: null")?,
            Some(mm) => {
                for (res, t) in mm {
                    match t {
                        None => writeln!(out, "    {res}: null")?,
                        Some(t) => writeln!(
                            out,
                            "    {res}: total {} system-reserved {} allocatable {} reserved {} free {}",
                            human_bytes(t.total),
                            human_bytes(t.system_reserved),
                            human_bytes(t.allocatable),
                            human_bytes(t.reserved),
                            human_bytes(t.free)
                        )?,
                    }
                }
            }
        }
    }
    if !s.pods.is_empty() {
        writeln!(out, "pods:")?;
    }
    for (pod, p) in &s.pods {
        writeln!(out, "  {pod}")?;
        if let Some(b) = &p.pod_blocks {
            writeln!(out, "    (pod-level): {}", blocks(b))?;
        }
        if p.in_entries && p.containers.is_empty() {
            writeln!(out, "    (no containers)")?;
        }
        for (c, b) in &p.containers {
            writeln!(out, "    {c}: {}", blocks(b))?;
        }
    }
    Ok(())
}

fn device(out: &mut dyn Write, s: &DeviceState) -> io::Result<()> {
    if !s.boot_id.is_empty() {
        writeln!(out, "boot ID: {}", s.boot_id)?;
    }
    writeln!(out, "registered devices:")?;
    if s.registered_devices.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for (res, ids) in &s.registered_devices {
        writeln!(out, "  {res} ({}): {}", ids.len(), ids.join(", "))?;
    }
    writeln!(out, "allocations:")?;
    if s.allocations.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for a in &s.allocations {
        writeln!(
            out,
            "  {}/{} {}",
            a.pod_uid, a.container_name, a.resource_name
        )?;
        for (numa, ids) in &a.devices_per_numa {
            let where_ = match (s.numa_recorded, *numa) {
                (false, _) => "numa not recorded".to_string(),
                (true, -1) => "no topology".to_string(),
                (true, n) => format!("numa {n}"),
            };
            writeln!(out, "    {where_}: {}", ids.join(", "))?;
        }
        let r = &a.alloc_resp_decoded;
        if a.alloc_resp.is_empty() {
            continue;
        }
        writeln!(out, "    allocate response ({} bytes):", a.alloc_resp.len())?;
        for (k, v) in &r.envs {
            writeln!(out, "      env {k}={v}")?;
        }
        for m in &r.mounts {
            let ro = if m.read_only { " (ro)" } else { "" };
            writeln!(
                out,
                "      mount {} -> {}{ro}",
                m.host_path, m.container_path
            )?;
        }
        for d in &r.devices {
            writeln!(
                out,
                "      device {} -> {} ({})",
                d.host_path, d.container_path, d.permissions
            )?;
        }
        for (k, v) in &r.annotations {
            writeln!(out, "      annotation {k}={v}")?;
        }
        for c in &r.cdi_devices {
            writeln!(out, "      cdi device {c}")?;
        }
        for u in &r.unknown_fields {
            writeln!(
                out,
                "      field {} (wire type {}): {}",
                u.field, u.wire_type, u.hex
            )?;
        }
        if let Some(e) = &r.error {
            writeln!(out, "      not a ContainerAllocateResponse: {e}")?;
        }
    }
    Ok(())
}

fn dra(out: &mut dyn Write, s: &DraState) -> io::Result<()> {
    if let Some(v) = &s.version {
        writeln!(out, "version: {v}")?;
    }
    if let (Some(k), Some(a)) = (&s.data_kind, &s.data_api_version) {
        writeln!(out, "data: kind {k:?} apiVersion {a:?}")?;
    }
    writeln!(out, "claims:")?;
    if s.claims.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for c in &s.claims {
        writeln!(
            out,
            "  {}/{} (uid {})",
            c.namespace, c.claim_name, c.claim_uid
        )?;
        writeln!(out, "    pods: {}", c.pod_uids.join(", "))?;
        if let (Some(d), Some(cl)) = (&c.driver_name, &c.class_name) {
            writeln!(out, "    driver {d}, class {cl}")?;
        }
        for h in &c.resource_handles {
            let st = if h.structured_data {
                " (structured data)"
            } else {
                ""
            };
            writeln!(
                out,
                "    resource handle {}: {:?}{st}",
                h.driver_name, h.data
            )?;
        }
        for (drv, devs) in &c.drivers {
            writeln!(out, "    driver {drv}:")?;
            for d in devs {
                let name = match (&d.pool_name, &d.device_name) {
                    (Some(p), Some(n)) => format!("{p}/{n}"),
                    _ => "device".into(),
                };
                let mut extra = Vec::new();
                if !d.request_names.is_empty() {
                    extra.push(format!("requests {}", d.request_names.join(",")));
                }
                if let Some(sh) = &d.share_id {
                    extra.push(format!("share {sh}"));
                }
                if !d.cdi_device_ids.is_empty() {
                    extra.push(format!("CDI {}", d.cdi_device_ids.join(", ")));
                }
                writeln!(out, "      {name}: {}", extra.join("; "))?;
            }
        }
    }
    Ok(())
}

fn resources(r: &Resources) -> String {
    let list = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut parts = Vec::new();
    if !r.requests.is_empty() {
        parts.push(format!("requests {}", list(&r.requests)));
    }
    if !r.limits.is_empty() {
        parts.push(format!("limits {}", list(&r.limits)));
    }
    for c in &r.claims {
        parts.push(format!(
            "claim {}{}",
            c.name,
            if c.request.is_empty() {
                String::new()
            } else {
                format!("/{}", c.request)
            }
        ));
    }
    if parts.is_empty() {
        "(none)".into()
    } else {
        parts.join("; ")
    }
}

fn pod_resize(out: &mut dyn Write, s: &PodResizeState) -> io::Result<()> {
    writeln!(out, "pods:")?;
    if s.pods.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for (pod, p) in &s.pods {
        writeln!(out, "  {pod}")?;
        if let Some(st) = &p.resize_status {
            writeln!(out, "    resize status: {st}")?;
        }
        if let Some(r) = &p.pod_level {
            writeln!(out, "    (pod-level): {}", resources(r))?;
        }
        for (c, r) in &p.containers {
            writeln!(out, "    {c}: {}", resources(r))?;
        }
        for (v, q) in &p.empty_dir_volume_limits {
            writeln!(
                out,
                "    emptyDir {v} limit: {}",
                q.as_deref().unwrap_or("null")
            )?;
        }
    }
    Ok(())
}

fn dockershim(out: &mut dyn Write, s: &DockershimState) -> io::Result<()> {
    writeln!(
        out,
        "sandbox: {}/{} (version {})",
        s.namespace, s.name, s.version
    )?;
    if !s.data_present {
        writeln!(out, "data: null")?;
        return Ok(());
    }
    writeln!(out, "host network: {}", s.host_network)?;
    writeln!(out, "port mappings:")?;
    if s.port_mappings.is_empty() {
        writeln!(out, "  (none)")?;
    }
    let opt = |v: Option<i32>| v.map_or_else(|| "-".into(), |v| v.to_string());
    for p in &s.port_mappings {
        match p {
            None => writeln!(out, "  null")?,
            Some(p) => writeln!(
                out,
                "  {} host {}{} -> container {}",
                p.protocol.as_deref().unwrap_or("-"),
                if p.host_ip.is_empty() {
                    String::new()
                } else {
                    format!("{}:", p.host_ip)
                },
                opt(p.host_port),
                opt(p.container_port)
            )?,
        }
    }
    Ok(())
}

fn image_pull(out: &mut dyn Write, s: &ImagePullState) -> io::Result<()> {
    writeln!(out, "record: {} ({} {})", s.record, s.kind, s.api_version)?;
    if !s.image.is_empty() {
        writeln!(out, "image: {}", s.image)?;
    }
    if !s.image_ref.is_empty() {
        writeln!(out, "image ref: {}", s.image_ref)?;
    }
    if !s.last_updated_time.is_empty() {
        writeln!(out, "last updated: {}", s.last_updated_time)?;
    }
    for (img, c) in &s.credential_mapping {
        // Only presence is shown: coordinates and hashes are secrets.
        writeln!(
            out,
            "credentials for {img}: {} secret(s) (coordinates present, not shown), {} service account(s), node pods accessible: {}",
            c.kubernetes_secrets.len(),
            c.kubernetes_service_accounts.len(),
            c.node_pods_accessible
        )?;
    }
    if s.record == "pulled" && s.credential_mapping.is_empty() {
        writeln!(out, "credentials: absent")?;
    }
    for i in &s.observed_images {
        writeln!(out, "observed image: {i}")?;
    }
    Ok(())
}

fn other(out: &mut dyn Write, s: &OtherState) -> io::Result<()> {
    writeln!(out, "{}", s.summary)?;
    if let Some(d) = &s.document {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(d).unwrap_or_default()
        )?;
    } else if let Some(t) = &s.text {
        writeln!(out, "{t}")?;
    }
    Ok(())
}

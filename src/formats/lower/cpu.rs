//! Lowering a [`CpuState`] to `cpu_manager_state` shapes.

use std::collections::BTreeMap;

use crate::formats::cpu::types::{
    CheckpointData, CheckpointV1, CheckpointV2, CheckpointV3, ContainerCpuBaseline,
    ContainerCpuBaselines, PodContainerMap, PodCpuAssignments, PodEntry, StateFileData, StringMap,
};
use crate::formats::cpu::{file, v1::CpuV1, v2::CpuV2, v3::CpuV3, v4};
use crate::formats::gotypes::Checksum;
use crate::formats::state::{CpuList, CpuState};
use crate::go::cpuset::CpuSet;

use super::{write_spew, ConvertError, Loss, LowerOptions, Lowered};

/// The list's text as the writer should see it: as stored, or rendered
/// from `cpus` when only those are given (a hand-written document).
fn text(l: &CpuList) -> String {
    if l.text.is_empty() && !l.cpus.is_empty() {
        CpuSet::from_ids(l.cpus.iter().copied()).to_string()
    } else {
        l.text.clone()
    }
}

/// Container ID -> list, re-keying pod/container entries through the map.
fn by_id(
    kind: &str,
    s: &CpuState,
    opts: &LowerOptions,
    losses: &mut Vec<Loss>,
) -> Result<StringMap, ConvertError> {
    let mut out: StringMap = s
        .containers_by_id
        .iter()
        .map(|(id, l)| (id.clone(), text(l)))
        .collect();
    let mut unmapped = Vec::new();
    for (pod, p) in &s.pods {
        for (c, l) in &p.containers {
            match opts.container_map.as_ref().and_then(|m| m.id_of(pod, c)) {
                Some(id) => {
                    out.insert(id.to_string(), text(l));
                }
                None => unmapped.push(format!("{pod}/{c}")),
            }
        }
        if p.containers.is_empty() && p.in_entries {
            losses.push(Loss::new(
                format!("pods/{pod}"),
                format!(
                    "the empty entry of pod {pod} has no place in {kind} (keyed by container ID)"
                ),
            ));
        }
        pod_level_loss(kind, pod, p.pod_cpu_set.as_ref(), losses);
    }
    if !unmapped.is_empty() {
        let how = if opts.container_map.is_some() {
            "the container map has no ID for"
        } else {
            "needs container IDs (--container-map: JSON, CSV or `crictl ps -o json`) for"
        };
        return Err(ConvertError::Missing(format!(
            "{kind} is keyed by container ID: {how} {}",
            unmapped.join(", ")
        )));
    }
    baseline_loss(kind, s, losses);
    Ok(out)
}

fn pod_level_loss(kind: &str, pod: &str, set: Option<&CpuList>, losses: &mut Vec<Loss>) {
    if let Some(l) = set {
        losses.push(Loss::new(
            format!("pods/{pod}/pod_cpu_set"),
            format!(
                "pod-level CPU set {:?} of pod {pod} has no place in {kind}",
                text(l)
            ),
        ));
    }
}

fn baseline_loss(kind: &str, s: &CpuState, losses: &mut Vec<Loss>) {
    for (pod, cs) in &s.baselines {
        for c in cs.keys() {
            losses.push(Loss::new(
                format!("baselines/{pod}/{c}"),
                format!("the CPU baseline of container {c} of pod {pod} has no place in {kind}"),
            ));
        }
    }
}

/// Pod -> container -> list (and pod-level sets), re-keying container-ID
/// entries through the map.
fn by_pod(
    kind: &str,
    s: &CpuState,
    opts: &LowerOptions,
) -> Result<(PodContainerMap, BTreeMap<String, PodEntry>), ConvertError> {
    let mut entries = PodContainerMap::new();
    let mut pods = BTreeMap::new();
    for (pod, p) in &s.pods {
        if p.in_entries || !p.containers.is_empty() {
            let cs: StringMap = p
                .containers
                .iter()
                .map(|(c, l)| (c.clone(), text(l)))
                .collect();
            entries.insert(pod.clone(), Some(cs));
        }
        if let Some(l) = &p.pod_cpu_set {
            let set = CpuSet::parse(&text(l))
                .map_err(|e| ConvertError::Write(format!("pod-level CPU set of pod {pod}: {e}")))?;
            pods.insert(pod.clone(), PodEntry { cpu_set: set });
        }
    }
    let mut unmapped = Vec::new();
    for (id, l) in &s.containers_by_id {
        match opts.container_map.as_ref().and_then(|m| m.by_id.get(id)) {
            Some((pod, c)) => {
                entries
                    .entry(pod.clone())
                    .or_insert_with(|| Some(StringMap::new()))
                    .get_or_insert_with(StringMap::new)
                    .insert(c.clone(), text(l));
            }
            None => unmapped.push(id.clone()),
        }
    }
    if !unmapped.is_empty() {
        let how = if opts.container_map.is_some() {
            "the container map has no pod/container for"
        } else {
            "needs the pod and container of each container ID (--container-map: JSON, CSV or `crictl ps -o json`) for"
        };
        return Err(ConvertError::Missing(format!(
            "{kind} is keyed by pod and container: {how} {}",
            unmapped.join(", ")
        )));
    }
    Ok((entries, pods))
}

pub(super) fn lower(
    kind: &str,
    s: &CpuState,
    opts: &LowerOptions,
) -> Option<Result<Lowered, ConvertError>> {
    Some(lower_cpu(kind, s, opts))
        .filter(|_| matches!(kind, "cpu-file" | "cpu-v1" | "cpu-v2" | "cpu-v3" | "cpu-v4"))
}

fn lower_cpu(kind: &str, s: &CpuState, opts: &LowerOptions) -> Result<Lowered, ConvertError> {
    let mut losses = Vec::new();
    let default = text(&s.default_cpu_set);
    let bytes = match kind {
        "cpu-file" => {
            let entries = by_id(kind, s, opts, &mut losses)?;
            file::write(&StateFileData {
                policy_name: s.policy_name.clone(),
                default_cpu_set: default,
                entries: Some(entries),
            })?
        }
        "cpu-v1" => {
            let entries = by_id(kind, s, opts, &mut losses)?;
            write_spew::<CpuV1>(
                &CheckpointV1 {
                    policy_name: s.policy_name.clone(),
                    default_cpu_set: default,
                    entries: Some(entries),
                    checksum: Checksum(0),
                },
                opts.named,
            )?
        }
        "cpu-v2" => {
            let (entries, _) = by_pod(kind, s, opts)?;
            for (pod, p) in &s.pods {
                pod_level_loss(kind, pod, p.pod_cpu_set.as_ref(), &mut losses);
            }
            baseline_loss(kind, s, &mut losses);
            write_spew::<CpuV2>(
                &CheckpointV2 {
                    policy_name: s.policy_name.clone(),
                    default_cpu_set: default,
                    entries: Some(entries),
                    checksum: Checksum(0),
                },
                opts.named,
            )?
        }
        "cpu-v3" => {
            let (entries, pods) = by_pod(kind, s, opts)?;
            baseline_loss(kind, s, &mut losses);
            write_spew::<CpuV3>(
                &CheckpointV3 {
                    policy_name: s.policy_name.clone(),
                    default_cpu_set: default,
                    entries: Some(entries),
                    pod_entries: PodCpuAssignments(Some(pods)),
                    checksum: Checksum(0),
                },
                opts.named,
            )?
        }
        _ => {
            let (entries, pods) = by_pod(kind, s, opts)?;
            let baselines = s
                .baselines
                .iter()
                .map(|(pod, cs)| {
                    let cs = cs
                        .iter()
                        .map(|(c, b)| {
                            (
                                c.clone(),
                                ContainerCpuBaseline {
                                    baseline: b.clone(),
                                },
                            )
                        })
                        .collect();
                    (pod.clone(), Some(cs))
                })
                .collect();
            v4::write(&CheckpointData {
                policy_name: s.policy_name.clone(),
                default_cpu_set: default,
                entries: Some(entries),
                pod_entries: PodCpuAssignments(Some(pods)),
                baselines: ContainerCpuBaselines(Some(baselines)),
            })?
        }
    };
    Ok((bytes, losses))
}

//! The CPU manager's restore checks and its writer's normalisation.
//!
//! The kubelet iterates maps in random order and reports the first failure;
//! the reference (and we) walk keys in sorted order so the verdict is stable.

use std::collections::BTreeMap;

use crate::formats::common::FormatError;
use crate::formats::resmgr::policy_check;
use crate::go::cpuset::CpuSet;
use crate::go::strconv::quote;

use super::types::{ContainerCpuBaseline, ContainerCpuBaselines, PodContainerMap, StringMap};

/// `configured policy "<c>" differs from state checkpoint policy "<f>"`.
pub fn policy(configured: Option<&str>, file: &str) -> Result<(), FormatError> {
    policy_check("", configured, file)
}

/// `could not parse default cpu set "<s>": <err>` (`CPU` in 1.37's text).
pub fn default_set(s: &str, cpu_word: &str) -> Result<(), FormatError> {
    CpuSet::parse(s).map(drop).map_err(|e| {
        FormatError::Rejected(format!(
            "could not parse default {cpu_word} set {}: {e}",
            quote(s)
        ))
    })
}

/// 1.12-1.17: `could not parse cpuset "<s>" for container id "<id>": <err>`.
pub fn v1_entries(entries: &Option<StringMap>) -> Result<(), FormatError> {
    for (id, s) in entries.iter().flatten() {
        CpuSet::parse(s).map_err(|e| {
            FormatError::Rejected(format!(
                "could not parse cpuset {} for container id {}: {e}",
                quote(s),
                quote(id)
            ))
        })?;
    }
    Ok(())
}

/// 1.18+: `could not parse cpuset "<s>" for container "<c>" in pod "<p>": <err>`.
pub fn v2_entries(entries: &Option<PodContainerMap>) -> Result<(), FormatError> {
    for (pod, containers) in entries.iter().flatten() {
        for (c, s) in containers.iter().flatten() {
            CpuSet::parse(s).map_err(|e| {
                FormatError::Rejected(format!(
                    "could not parse cpuset {} for container {} in pod {}: {e}",
                    quote(s),
                    quote(c),
                    quote(pod)
                ))
            })?;
        }
    }
    Ok(())
}

/// `set, _ := cpuset.Parse(s); set.String()`: the writer re-renders every
/// list (a list it could not parse becomes the empty set).
pub fn norm(s: &str) -> String {
    CpuSet::parse(s).map(|s| s.to_string()).unwrap_or_default()
}

/// `map[string]string` with every list re-rendered; never nil.
pub fn norm_flat(entries: &Option<StringMap>) -> StringMap {
    entries
        .iter()
        .flatten()
        .map(|(k, s)| (k.clone(), norm(s)))
        .collect()
}

/// `storeState`'s pod -> container map: every pod's map is allocated (a
/// `null` pod becomes `{}`), every list re-rendered.
pub fn norm_pods(entries: &Option<PodContainerMap>) -> PodContainerMap {
    entries
        .iter()
        .flatten()
        .map(|(pod, cs)| (pod.clone(), Some(norm_flat(cs))))
        .collect()
}

/// The 1.37 writer's baselines: kept only when non-empty, each pod's map
/// allocated, each baseline re-rendered.
pub fn norm_baselines(b: &ContainerCpuBaselines) -> ContainerCpuBaselines {
    match &b.0 {
        Some(m) if !m.is_empty() => ContainerCpuBaselines(Some(
            m.iter()
                .map(|(pod, cs)| {
                    let inner: BTreeMap<String, ContainerCpuBaseline> = cs
                        .iter()
                        .flatten()
                        .map(|(c, v)| {
                            (
                                c.clone(),
                                ContainerCpuBaseline {
                                    baseline: norm(&v.baseline),
                                },
                            )
                        })
                        .collect();
                    (pod.clone(), Some(inner))
                })
                .collect(),
        )),
        _ => ContainerCpuBaselines(None),
    }
}

//! `cpu_manager_state`: every shape the CPU manager has written (spec §2).
//!
//! * [`types`]: the Go types, declared once.
//! * [`pod_entry`]: `state.PodEntry`'s own JSON methods.
//! * [`checks`]: restore checks and writer normalisation shared by shapes.
//! * one module per shape: [`file`](mod@file), [`v1`], [`v2`], [`v3`], [`v4`].
//!
//! The typed accessors below ([`CpuAssignments`]) give people the state in
//! Rust terms (which CPUs a container holds) whatever the shape.

pub mod checks;
pub mod file;
pub mod pod_entry;
pub mod state;
pub mod types;
pub mod v1;
pub mod v2;
pub mod v3;
pub mod v4;

use std::collections::BTreeMap;

pub use crate::go::cpuset::{CpuSet, CpuSetError};
pub use file::CPU_FILE;
pub use v1::CPU_V1;
pub use v2::CPU_V2;
pub use v3::CPU_V3;
pub use v4::CPU_V4;

use types::{
    CheckpointData, CheckpointV1, CheckpointV2, CheckpointV3, CheckpointV4, PodContainerMap,
    PodEntry, StateFileData, StringMap,
};

/// Read access to a CPU manager state keyed by pod and container (V2+).
pub trait CpuAssignments {
    fn policy_name(&self) -> &str;
    /// The default (shared) set as stored.
    fn default_cpu_set_text(&self) -> &str;
    /// pod UID -> container -> stored list.
    fn entries(&self) -> Option<&PodContainerMap>;
    /// pod UID -> pod-level set (V3/V4 only).
    fn pod_entries(&self) -> Option<&BTreeMap<String, PodEntry>> {
        None
    }

    /// The default set, parsed (`Err` carries the cpuset error text).
    fn default_set(&self) -> Result<CpuSet, CpuSetError> {
        CpuSet::parse(self.default_cpu_set_text())
    }

    /// The CPUs `container` of `pod` holds exclusively, if it has an entry.
    fn container_cpus(&self, pod: &str, container: &str) -> Option<Result<CpuSet, CpuSetError>> {
        let list = self.entries()?.get(pod)?.as_ref()?.get(container)?;
        Some(CpuSet::parse(list))
    }

    /// Every (pod, container, set) in key order.
    fn assignments(&self) -> Vec<(&str, &str, Result<CpuSet, CpuSetError>)> {
        let mut out = Vec::new();
        for (pod, cs) in self.entries().into_iter().flatten() {
            for (c, list) in cs.iter().flatten() {
                out.push((pod.as_str(), c.as_str(), CpuSet::parse(list)));
            }
        }
        out
    }

    /// The pod-level set of `pod` (V3/V4).
    fn pod_cpus(&self, pod: &str) -> Option<CpuSet> {
        self.pod_entries()?.get(pod).map(|e| e.cpu_set.clone())
    }
}

/// Read access to a state keyed by container ID (file backend, V1).
pub trait CpuAssignmentsById {
    fn policy_name(&self) -> &str;
    fn default_cpu_set_text(&self) -> &str;
    fn entries(&self) -> Option<&StringMap>;

    /// The CPUs the container with runtime ID `id` holds, if it has an entry.
    fn container_cpus(&self, id: &str) -> Option<Result<CpuSet, CpuSetError>> {
        self.entries()?.get(id).map(|s| CpuSet::parse(s))
    }
}

macro_rules! by_pod {
    ($t:ty $(, $pods:ident)?) => {
        impl CpuAssignments for $t {
            fn policy_name(&self) -> &str {
                &self.policy_name
            }
            fn default_cpu_set_text(&self) -> &str {
                &self.default_cpu_set
            }
            fn entries(&self) -> Option<&PodContainerMap> {
                self.entries.as_ref()
            }
            $(fn pod_entries(&self) -> Option<&BTreeMap<String, PodEntry>> {
                self.$pods.0.as_ref()
            })?
        }
    };
}

by_pod!(CheckpointV2);
by_pod!(CheckpointV3, pod_entries);
by_pod!(CheckpointData, pod_entries);

/// A V4 file's state is its `data`.
impl CpuAssignments for CheckpointV4 {
    fn policy_name(&self) -> &str {
        &self.checkpoint_data.policy_name
    }
    fn default_cpu_set_text(&self) -> &str {
        &self.checkpoint_data.default_cpu_set
    }
    fn entries(&self) -> Option<&PodContainerMap> {
        self.checkpoint_data.entries.as_ref()
    }
    fn pod_entries(&self) -> Option<&BTreeMap<String, PodEntry>> {
        self.checkpoint_data.pod_entries.0.as_ref()
    }
}

macro_rules! by_id {
    ($t:ty) => {
        impl CpuAssignmentsById for $t {
            fn policy_name(&self) -> &str {
                &self.policy_name
            }
            fn default_cpu_set_text(&self) -> &str {
                &self.default_cpu_set
            }
            fn entries(&self) -> Option<&StringMap> {
                self.entries.as_ref()
            }
        }
    };
}

by_id!(StateFileData);
by_id!(CheckpointV1);

//! The kubelet file formats and what stands on them without the Go reference: accessors, kubelet test vectors, properties, identification, inspect, salvage, snapshots, node checks.
//!
//! One test binary per suite (cargo links each integration test binary
//! against the whole crate; a few binaries instead of thirty keep CI fast).
//! Each member file is a module; shared helpers are declared here.

mod support;

#[path = "cpumem_accessors.rs"]
mod cpumem_accessors;
#[path = "devdra_spew.rs"]
mod devdra_spew;
#[path = "devdra_views.rs"]
mod devdra_views;
#[path = "identify.rs"]
mod identify;
#[path = "inspect.rs"]
mod inspect;
#[path = "kubelet_vectors_cpumem.rs"]
mod kubelet_vectors_cpumem;
#[path = "node_vectors.rs"]
mod node_vectors;
#[path = "pod_state_spec.rs"]
mod pod_state_spec;
#[path = "podstate_no_panic.rs"]
mod podstate_no_panic;
#[path = "props_cpumem.rs"]
mod props_cpumem;
#[path = "props_devdra.rs"]
mod props_devdra;
#[path = "readonly_kinds.rs"]
mod readonly_kinds;
#[path = "salvage.rs"]
mod salvage;
#[path = "snapshot.rs"]
mod snapshot;

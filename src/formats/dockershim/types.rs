//! dockershim's Go types (package `dockershim`), one declaration per
//! distinct Go shape. go-spew prints these names, so they are format facts.

use crate::formats::gotypes::Checksum;

crate::go_named! {
    /// `dockershim.Protocol` (`tcp`, `udp`, `sctp`).
    pub struct Protocol(pub String) = "dockershim.Protocol";
}

crate::go_struct! {
    /// `dockershim.PortMapping` before 1.21.
    pub struct PortMapping = "dockershim.PortMapping" {
        pub protocol: Option<Box<Protocol>> => Protocol json "protocol,omitempty",
        pub container_port: Option<Box<i32>> => ContainerPort json "container_port,omitempty",
        pub host_port: Option<Box<i32>> => HostPort json "host_port,omitempty",
    }
}

crate::go_struct! {
    /// `dockershim.PortMapping` from 1.21 (`HostIP` added).
    pub struct PortMappingV2 = "dockershim.PortMapping" {
        pub protocol: Option<Box<Protocol>> => Protocol json "protocol,omitempty",
        pub container_port: Option<Box<i32>> => ContainerPort json "container_port,omitempty",
        pub host_port: Option<Box<i32>> => HostPort json "host_port,omitempty",
        pub host_ip: String => HostIP json "host_ip,omitempty",
    }
}

crate::go_struct! {
    /// `dockershim.CheckpointData` before 1.21.
    pub struct CheckpointData = "dockershim.CheckpointData" {
        pub port_mappings: Option<Vec<Option<Box<PortMapping>>>> => PortMappings json "port_mappings,omitempty",
        pub host_network: bool => HostNetwork json "host_network,omitempty",
    }
}

crate::go_struct! {
    /// `dockershim.CheckpointData` from 1.21.
    pub struct CheckpointDataV2 = "dockershim.CheckpointData" {
        pub port_mappings: Option<Vec<Option<Box<PortMappingV2>>>> => PortMappings json "port_mappings,omitempty",
        pub host_network: bool => HostNetwork json "host_network,omitempty",
    }
}

crate::go_struct! {
    /// `dockershim.PodSandboxCheckpoint` of dockershim's own handler
    /// (v0a, v0): a plain `uint64` checksum inside the hashed value.
    pub struct SandboxV0 = "dockershim.PodSandboxCheckpoint" {
        pub version: String => Version json "version",
        pub name: String => Name json "name",
        pub namespace: String => Namespace json "namespace",
        pub data: Option<Box<CheckpointData>> => Data json "data,omitempty",
        pub check_sum: u64 => CheckSum json "checksum",
    }
}

crate::go_struct! {
    /// `dockershim.PodSandboxCheckpoint` of the checkpoint-manager era (v1).
    pub struct SandboxV1 = "dockershim.PodSandboxCheckpoint" {
        pub version: String => Version json "version",
        pub name: String => Name json "name",
        pub namespace: String => Namespace json "namespace",
        pub data: Option<Box<CheckpointData>> => Data json "data,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

crate::go_struct! {
    /// `dockershim.PodSandboxCheckpoint` of 1.21–1.23 (v2).
    pub struct SandboxV2 = "dockershim.PodSandboxCheckpoint" {
        pub version: String => Version json "version",
        pub name: String => Name json "name",
        pub namespace: String => Namespace json "namespace",
        pub data: Option<Box<CheckpointDataV2>> => Data json "data,omitempty",
        pub checksum: Checksum => Checksum json "checksum",
    }
}

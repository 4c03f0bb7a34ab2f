//! Go types shared by several file families, declared once.
//!
//! Their package-qualified names are part of every checksum that mentions
//! them (go-spew prints `(checksum.Checksum)0`), so they must be spelled
//! exactly as the kubelet's packages have them: `checksum.Checksum`,
//! `types.UID`, `v1.ResourceName`, the apimachinery string sets
//! (`sets.String`, generic `sets.Set[string]`) and `v1.TypeMeta`
//! (apimachinery meta/v1, inlined in the CRC-era DRA data).

use std::collections::BTreeMap;

crate::go_named! {
    /// `checksum.Checksum` (`pkg/kubelet/checkpointmanager/checksum`): the
    /// FNV-32a value widened to `uint64`, stored as a JSON number.
    pub struct Checksum(pub u64) = "checksum.Checksum";
}

crate::go_named! {
    /// `v1.ResourceName` (`k8s.io/api/core/v1`): `memory`, `hugepages-2Mi`, ...
    #[derive(Eq, PartialOrd, Ord, Hash)]
    pub struct ResourceName(pub String) = "v1.ResourceName";
}

crate::go_named! {
    /// `types.UID` (`k8s.io/apimachinery/pkg/types`): a pod or claim UID.
    #[derive(Eq, PartialOrd, Ord, Hash)]
    pub struct Uid(pub String) = "types.UID";
}

impl Checksum {
    /// The stored value as `uint64`.
    pub fn get(&self) -> u64 {
        self.0
    }
}

crate::go_struct! {
    /// `sets.Empty` (`struct{}`): the value type of every apimachinery set;
    /// JSON `{}`, spew `{}`.
    pub struct SetEmpty = "sets.Empty" {}
}

crate::go_named! {
    /// `sets.Set[string]` (generic set, apimachinery 1.26+): a JSON object
    /// whose values are `{}`. `None` is a nil set (`"PodUIDs":null`).
    pub struct StringSet(pub Option<BTreeMap<String, SetEmpty>>) = "sets.Set[string]";
}

crate::go_named! {
    /// `sets.String` (the pre-generics string set), same JSON as
    /// [`StringSet`], different spew type name.
    pub struct LegacyStringSet(pub Option<BTreeMap<String, SetEmpty>>) = "sets.String";
}

crate::go_struct! {
    /// `v1.TypeMeta` from apimachinery `pkg/apis/meta/v1`.
    pub struct TypeMeta = "v1.TypeMeta" {
        pub kind: String => Kind tag "json:\"kind,omitempty\" protobuf:\"bytes,1,opt,name=kind\"",
        pub api_version: String => APIVersion tag "json:\"apiVersion,omitempty\" protobuf:\"bytes,2,opt,name=apiVersion\"",
    }
}

impl StringSet {
    /// The members, sorted (empty for a nil set).
    pub fn members(&self) -> Vec<&str> {
        self.0
            .as_ref()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// `sets.New(items...)`.
    pub fn of<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Self {
        StringSet(Some(
            items.into_iter().map(|s| (s.into(), SetEmpty {})).collect(),
        ))
    }
}

impl LegacyStringSet {
    /// The members, sorted (empty for a nil set).
    pub fn members(&self) -> Vec<&str> {
        self.0
            .as_ref()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

//! core/v1 resource types the pod resize and allocation files store
//! (`k8s.io/api/core/v1`), declared once for JSON and spew.

use crate::formats::gotypes::{ResourceName, Uid};
use crate::go::quantity::Quantity;

/// Declares a Rust newtype over `Option<BTreeMap<String, V>>` for a named Go
/// map type whose key is a named string type (`v1.ResourceName`,
/// `types.UID`). `go_named!` cannot express the key's Go name, and the key
/// type's name appears in `encoding/json` error texts.
macro_rules! named_string_map {
    ($(#[$meta:meta])* $name:ident = $goname:literal, key $key:ty, value $val:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name(pub Option<::std::collections::BTreeMap<String, $val>>);

        impl $crate::go::reflect::GoType for $name {
            fn go_type() -> $crate::go::model::TypeRef {
                static T: ::std::sync::OnceLock<$crate::go::model::TypeRef> =
                    ::std::sync::OnceLock::new();
                $crate::go::reflect::cached(&T, || {
                    $crate::go::model::Type::named(
                        $goname,
                        $crate::go::model::TypeKind::Map(
                            <$key as $crate::go::reflect::GoType>::go_type(),
                            <$val as $crate::go::reflect::GoType>::go_type(),
                        ),
                    )
                })
            }
            fn to_go(&self) -> $crate::go::model::Value {
                $crate::go::reflect::GoType::to_go(&self.0)
            }
            fn from_go(v: &$crate::go::model::Value) -> Self {
                $name(<Option<::std::collections::BTreeMap<String, $val>> as $crate::go::reflect::GoType>::from_go(v))
            }
        }
    };
}
pub(crate) use named_string_map;

named_string_map! {
    /// `v1.ResourceList` = `map[v1.ResourceName]resource.Quantity`.
    ResourceList = "v1.ResourceList", key ResourceName, value Quantity
}

impl ResourceList {
    /// `DeepCopy` of each quantity (nil stays nil).
    pub fn deep_copy(&self) -> ResourceList {
        ResourceList(
            self.0
                .as_ref()
                .map(|m| m.iter().map(|(k, q)| (k.clone(), q.deep_copy())).collect()),
        )
    }
}

crate::go_named! {
    /// `v1.PodResizeStatus` (Proposed, InProgress, Deferred, Infeasible).
    pub struct PodResizeStatus(pub String) = "v1.PodResizeStatus";
}

crate::go_struct! {
    /// `v1.ResourceClaim`.
    pub struct ResourceClaim = "v1.ResourceClaim" {
        pub name: String => Name json "name",
        pub request: String => Request json "request,omitempty",
    }
}

crate::go_struct! {
    /// `v1.ResourceRequirements`.
    pub struct ResourceRequirements = "v1.ResourceRequirements" {
        pub limits: ResourceList => Limits json "limits,omitempty",
        pub requests: ResourceList => Requests json "requests,omitempty",
        pub claims: Option<Vec<ResourceClaim>> => Claims json "claims,omitempty",
    }
}

impl ResourceRequirements {
    /// The kubelet's copy of a container's requirements (lists deep-copied,
    /// claims copied; nil stays nil).
    pub fn deep_copy(&self) -> ResourceRequirements {
        ResourceRequirements {
            limits: self.limits.deep_copy(),
            requests: self.requests.deep_copy(),
            claims: self.claims.clone(),
        }
    }
}

/// Keeps `Uid` referenced for the allocated-v4 map declaration.
pub type PodUid = Uid;

//! Go types shared by several file families, declared once.
//!
//! Their package-qualified names are part of every checksum that mentions
//! them (go-spew prints `(checksum.Checksum)0`), so they must be spelled
//! exactly as the kubelet's packages have them.

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

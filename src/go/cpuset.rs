//! `k8s.io/utils/cpuset`: parse and print CPU lists exactly as the kubelet.
//!
//! STUB: lands with the foundation issue.

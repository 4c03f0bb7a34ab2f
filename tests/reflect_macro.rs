//! The declaration macros produce the Go descriptors they claim to.
use std::collections::BTreeMap;

use kubelet_ckpt::go::{GoType, TypeKind, Value};

kubelet_ckpt::go_named! {
    pub struct Checksum(pub u64) = "checksum.Checksum";
}

kubelet_ckpt::go_struct! {
    pub struct Cp = "state.CPUManagerCheckpoint" {
        pub policy_name: String => PolicyName json "policyName",
        pub entries: Option<BTreeMap<String, BTreeMap<String, String>>> => Entries json "entries,omitempty",
        pub cells: Option<Vec<isize>> => Cells,
        pub checksum: Checksum => Checksum json "checksum",
    }
}

kubelet_ckpt::go_struct! {
    pub struct Outer = "main.Outer" {
        pub inner: Cp => Cp tag "json:\",inline\"" [embedded],
        pub hidden: u8 => hidden,
    }
}

#[test]
fn descriptor_names_and_tags() {
    let t = Cp::go_type();
    assert_eq!(t.go_string(), "state.CPUManagerCheckpoint");
    let TypeKind::Struct(fields) = &t.kind else {
        panic!("not a struct")
    };
    let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["PolicyName", "Entries", "Cells", "Checksum"]);
    assert_eq!(fields[1].tag, "json:\"entries,omitempty\"");
    assert_eq!(
        fields[1].tag_lookup("json").as_deref(),
        Some("entries,omitempty")
    );
    assert_eq!(fields[2].tag, "");
    assert_eq!(fields[1].ty.go_string(), "map[string]map[string]string");
    assert_eq!(fields[2].ty.go_string(), "[]int");
    assert_eq!(fields[3].ty.go_string(), "checksum.Checksum");
    let TypeKind::Struct(of) = &Outer::go_type().kind else {
        panic!("not a struct")
    };
    assert!(of[0].embedded);
    assert_eq!(of[0].tag_lookup("json").as_deref(), Some(",inline"));
    assert!(!of[1].is_exported());
}

#[test]
fn value_round_trip_keeps_nil_apart_from_empty() {
    let a = Cp {
        policy_name: "static".into(),
        entries: None,
        cells: Some(vec![]),
        checksum: Checksum(7),
    };
    let v = a.to_go();
    let Value::Struct(f) = &v else { panic!() };
    assert_eq!(f[1], Value::Map(None));
    assert_eq!(f[2], Value::Slice(Some(vec![])));
    assert_eq!(Cp::from_go(&v), a);
}

//! `json::unmarshal` on arbitrary bytes against a few fixed Go types (two
//! kubelet checkpoint layouts, a kitchen-sink struct, `interface{}`):
//! never panics; for accepted input, `marshal` succeeds and is a fixpoint
//! (`marshal(unmarshal(marshal(v))) == marshal(v)`), and for types without
//! `omitempty` collections the value itself survives the round trip.
#![no_main]

use std::sync::OnceLock;

use kubelet_ckpt::go::json;
use kubelet_ckpt::go::model::{Field, IntBits, Type, TypeKind, TypeRef, Value};
use libfuzzer_sys::fuzz_target;

/// One fuzzed type. `exact` types have no `omitempty` on a collection or
/// pointer, so an accepted value must come back identical (Go drops an
/// empty-but-non-nil map under `omitempty` and reads it back as nil, which
/// is correct but not an identity).
struct Target {
    t: TypeRef,
    exact: bool,
}

fn k(kind: TypeKind) -> TypeRef {
    Type::new(kind)
}
fn string() -> TypeRef {
    k(TypeKind::String)
}
fn int(bits: IntBits) -> TypeRef {
    k(TypeKind::Int(bits))
}
fn uint(bits: IntBits) -> TypeRef {
    k(TypeKind::Uint(bits))
}
fn f(name: &str, ty: TypeRef, tag: &str) -> Field {
    Field::new(name, ty, tag)
}

fn targets() -> &'static [Target] {
    static T: OnceLock<Vec<Target>> = OnceLock::new();
    T.get_or_init(|| {
        let checksum = Type::named("checksum.Checksum", TypeKind::Uint(IntBits::B64));
        // state.CPUManagerCheckpoint (V2), 1.18-1.35.
        let cpu = Type::named(
            "state.CPUManagerCheckpoint",
            TypeKind::Struct(vec![
                f("PolicyName", string(), r#"json:"policyName""#),
                f("DefaultCPUSet", string(), r#"json:"defaultCpuSet""#),
                f(
                    "Entries",
                    Type::map(string(), Type::map(string(), string())),
                    r#"json:"entries,omitempty""#,
                ),
                f("Checksum", checksum.clone(), r#"json:"checksum""#),
            ]),
        );
        // state.MemoryManagerCheckpoint (V2-like).
        let resource = Type::named("v1.ResourceName", TypeKind::String);
        let table = Type::named(
            "state.MemoryTable",
            TypeKind::Struct(vec![
                f("TotalMemSize", uint(IntBits::B64), r#"json:"total""#),
                f(
                    "SystemReserved",
                    uint(IntBits::B64),
                    r#"json:"systemReserved""#,
                ),
                f("Allocatable", uint(IntBits::B64), r#"json:"allocatable""#),
                f("Reserved", uint(IntBits::B64), r#"json:"reserved""#),
                f("Free", uint(IntBits::B64), r#"json:"free""#),
            ]),
        );
        let node = Type::named(
            "state.NUMANodeState",
            TypeKind::Struct(vec![
                f(
                    "NumberOfAssignments",
                    int(IntBits::Size),
                    r#"json:"numberOfAssignments""#,
                ),
                f(
                    "MemoryMap",
                    Type::map(resource.clone(), Type::ptr(table)),
                    r#"json:"memoryMap""#,
                ),
                f("Cells", Type::slice(int(IntBits::Size)), r#"json:"cells""#),
            ]),
        );
        let block = Type::named(
            "state.Block",
            TypeKind::Struct(vec![
                f(
                    "NUMAAffinity",
                    Type::slice(int(IntBits::Size)),
                    r#"json:"numaAffinity""#,
                ),
                f("Type", resource, r#"json:"type""#),
                f("Size", uint(IntBits::B64), r#"json:"size""#),
            ]),
        );
        let mem = Type::named(
            "state.MemoryManagerCheckpoint",
            TypeKind::Struct(vec![
                f("PolicyName", string(), r#"json:"policyName""#),
                f(
                    "MachineState",
                    Type::named(
                        "state.NUMANodeMap",
                        TypeKind::Map(int(IntBits::Size), Type::ptr(node)),
                    ),
                    r#"json:"machineState""#,
                ),
                f(
                    "Entries",
                    Type::map(string(), Type::map(string(), Type::slice(block))),
                    r#"json:"entries,omitempty""#,
                ),
                f("Checksum", checksum, r#"json:"checksum""#),
            ]),
        );
        // Every scalar kind, []byte, arrays, pointers, interfaces, int and
        // uint map keys, embedding, unexported and ignored fields, `,string`.
        let inner = Type::named(
            "main.Inner",
            TypeKind::Struct(vec![
                f("A", int(IntBits::B8), ""),
                f("B", Type::ptr(string()), r#"json:"b""#),
            ]),
        );
        let sink = Type::named(
            "main.Sink",
            TypeKind::Struct(vec![
                Field::embedded("Inner", inner, ""),
                f("I16", int(IntBits::B16), ""),
                f("I32", int(IntBits::B32), r#"json:"i32,omitempty""#),
                f("I64", int(IntBits::B64), ""),
                f("U8", uint(IntBits::B8), ""),
                f("U16", uint(IntBits::B16), ""),
                f("U32", uint(IntBits::B32), ""),
                f("Uptr", k(TypeKind::Uintptr), ""),
                f("F32", k(TypeKind::Float32), ""),
                f("F64", k(TypeKind::Float64), ""),
                f("Ok", k(TypeKind::Bool), ""),
                f("Q", int(IntBits::Size), r#"json:"q,string""#),
                f("Bytes", Type::slice(uint(IntBits::B8)), ""),
                f("Arr", Type::array(2, int(IntBits::Size)), ""),
                f("PP", Type::ptr(Type::ptr(int(IntBits::Size))), ""),
                f("Any", k(TypeKind::Interface), ""),
                f("Anys", Type::map(string(), k(TypeKind::Interface)), ""),
                f("ByI8", Type::map(int(IntBits::B8), string()), ""),
                f(
                    "ByU16",
                    Type::map(uint(IntBits::B16), k(TypeKind::Bool)),
                    "",
                ),
                f("List", Type::slice(Type::ptr(string())), ""),
                f("hidden", int(IntBits::Size), ""),
                f("Skip", int(IntBits::Size), r#"json:"-""#),
            ]),
        );
        vec![
            Target {
                t: cpu,
                exact: false,
            },
            Target {
                t: mem,
                exact: false,
            },
            Target {
                t: sink,
                exact: true,
            },
            Target {
                t: k(TypeKind::Interface),
                exact: true,
            },
        ]
    })
}

/// Sorts map entries (their order is unspecified in a `Value`) so two
/// values can be compared; recursion is bounded by the caller.
fn normalize(v: &mut Value) {
    match v {
        Value::Ptr(Some(b)) => normalize(b),
        Value::Slice(Some(items)) | Value::Array(items) | Value::Struct(items) => {
            items.iter_mut().for_each(normalize)
        }
        Value::Map(Some(entries)) => {
            for (_, x) in entries.iter_mut() {
                normalize(x);
            }
            entries.sort_by_cached_key(|(k, _)| format!("{k:?}"));
        }
        Value::Interface(Some(b)) => normalize(&mut b.1),
        _ => {}
    }
}

/// Bracket nesting of the input: past a modest depth, skip the value
/// comparisons (their recursion is ours, not the code under test).
fn max_depth(data: &[u8]) -> usize {
    let (mut d, mut max) = (0usize, 0usize);
    for &c in data {
        match c {
            b'[' | b'{' => {
                d += 1;
                max = max.max(d);
            }
            b']' | b'}' => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fuzz_target!(|data: &[u8]| {
    let shallow = max_depth(data) <= 200;
    for target in targets() {
        let t = &target.t;
        let mut v1 = t.zero();
        let accepted = json::unmarshal(data, t, &mut v1).is_ok();
        if !accepted || !shallow {
            json::drop_deep(v1);
            continue;
        }
        let m1 = json::marshal(&v1, t)
            .unwrap_or_else(|e| panic!("{}: accepted input does not marshal: {e}", t.go_string()));
        let mut v2 = t.zero();
        if let Err(e) = json::unmarshal(&m1, t, &mut v2) {
            panic!(
                "{}: our own output does not unmarshal: {e}\n{}",
                t.go_string(),
                String::from_utf8_lossy(&m1)
            );
        }
        let m2 = json::marshal(&v2, t).expect("second marshal");
        assert_eq!(
            String::from_utf8_lossy(&m1),
            String::from_utf8_lossy(&m2),
            "{}: marshal is not a fixpoint",
            t.go_string()
        );
        if target.exact {
            normalize(&mut v1);
            normalize(&mut v2);
            assert_eq!(v1, v2, "{}: value changed by a round trip", t.go_string());
        }
    }
});

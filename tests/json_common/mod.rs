//! Go types of the encoding/json spec vectors (`jsonvectors/main.go` and
//! the stand-in Kubernetes packages), rebuilt with the type/value model, and
//! small value builders. Shared by `json_vectors.rs` and `json_go_diff.rs`.
#![allow(dead_code)]

use kubelet_ckpt::go::json::{self, raw_message_type};
use kubelet_ckpt::go::model::CustomJson;
use kubelet_ckpt::go::{Field, IntBits, Type, TypeKind, TypeRef, Value};

// ---------- types ----------

pub fn k(kind: TypeKind) -> TypeRef {
    Type::new(kind)
}
pub fn int() -> TypeRef {
    k(TypeKind::Int(IntBits::Size))
}
pub fn i8t() -> TypeRef {
    k(TypeKind::Int(IntBits::B8))
}
pub fn i32t() -> TypeRef {
    k(TypeKind::Int(IntBits::B32))
}
pub fn i64t() -> TypeRef {
    k(TypeKind::Int(IntBits::B64))
}
pub fn u8t() -> TypeRef {
    k(TypeKind::Uint(IntBits::B8))
}
pub fn u64t() -> TypeRef {
    k(TypeKind::Uint(IntBits::B64))
}
pub fn f32t() -> TypeRef {
    k(TypeKind::Float32)
}
pub fn f64t() -> TypeRef {
    k(TypeKind::Float64)
}
pub fn boolt() -> TypeRef {
    k(TypeKind::Bool)
}
pub fn strt() -> TypeRef {
    k(TypeKind::String)
}
pub fn ifacet() -> TypeRef {
    k(TypeKind::Interface)
}
pub fn bytest() -> TypeRef {
    Type::slice(u8t())
}

/// A field with a `json:"..."` tag (empty `tag` = no tag at all).
pub fn f(name: &str, ty: TypeRef, tag: &str) -> Field {
    let raw = if tag.is_empty() {
        String::new()
    } else {
        format!("json:\"{tag}\"")
    };
    Field::new(name, ty, raw)
}
pub fn emb(name: &str, ty: TypeRef, tag: &str) -> Field {
    let mut x = f(name, ty, tag);
    x.embedded = true;
    x
}
pub fn named_struct(name: &str, fields: Vec<Field>) -> TypeRef {
    Type::named(name, TypeKind::Struct(fields))
}

pub fn checksum_t() -> TypeRef {
    Type::defined("checksum.Checksum", &u64t())
}
pub fn resource_name_t() -> TypeRef {
    Type::defined("v1.ResourceName", &strt())
}

pub fn t_sub() -> TypeRef {
    named_struct("main.Sub", vec![f("A", int(), "a"), f("B", int(), "b")])
}
pub fn t_t() -> TypeRef {
    named_struct(
        "main.T",
        vec![
            f("Name", strt(), "name"),
            f("N", int(), "n"),
            f("U8", u8t(), "u8"),
            f("U64", u64t(), "u64"),
            f("I32", i32t(), "i32"),
            f("F", f64t(), "f"),
            f("F32", f32t(), "f32"),
            f("B", boolt(), "b"),
            f("P", Type::ptr(int()), "p"),
            f("S", Type::slice(strt()), "s"),
            f("M", Type::map(strt(), int()), "m"),
            f("Sub", t_sub(), "sub"),
            f("Data", bytest(), "data"),
            f("Any", ifacet(), "any"),
        ],
    )
}
pub fn t_fold() -> TypeRef {
    named_struct(
        "main.Fold",
        vec![f("Foo", strt(), "foo"), f("FOO", strt(), "FOO")],
    )
}
pub fn t_kind() -> TypeRef {
    named_struct(
        "main.Kind",
        vec![f("Kind", strt(), "kind"), f("S", strt(), "s")],
    )
}

// time.Time: Go's own layout (wall, ext, loc) with wall = nanoseconds and
// ext = seconds since 0001-01-01 UTC (no monotonic reading), loc nil = UTC.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}
pub const UNIX_TO_INTERNAL_DAYS: i64 = 719_162;

pub fn time_marshal(v: &Value) -> Result<Vec<u8>, String> {
    let Value::Struct(fs) = v else {
        return Err("bad time".into());
    };
    let (Value::Uint(wall), Value::Int(ext)) = (&fs[0], &fs[1]) else {
        return Err("bad time".into());
    };
    let days = ext.div_euclid(86400) - UNIX_TO_INTERNAL_DAYS;
    let secs = ext.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "\"{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    let ns = wall & 0x3FFF_FFFF;
    if ns != 0 {
        let frac = format!("{ns:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push_str("Z\"");
    Ok(s.into_bytes())
}
pub fn time_unmarshal(_: &[u8], _: &mut Value) -> Result<(), String> {
    Err("time.Time decoding is not needed by these vectors".into())
}
pub const TIME_JSON: CustomJson = CustomJson {
    marshal: time_marshal,
    unmarshal: time_unmarshal,
};
pub fn t_time() -> TypeRef {
    let loc = named_struct("time.Location", vec![f("name", strt(), "")]);
    Type::with_custom_json(
        named_struct(
            "time.Time",
            vec![
                f("wall", u64t(), ""),
                f("ext", i64t(), ""),
                f("loc", Type::ptr(loc), ""),
            ],
        ),
        TIME_JSON,
    )
}
pub fn time_value(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ns: u64) -> Value {
    let days = days_from_civil(y, mo, d) + UNIX_TO_INTERNAL_DAYS;
    Value::Struct(vec![
        Value::Uint(ns),
        Value::Int(days * 86400 + h * 3600 + mi * 60 + s),
        Value::Ptr(None),
    ])
}

pub fn t_omit() -> TypeRef {
    named_struct(
        "main.Omit",
        vec![
            f("I", int(), "i,omitempty"),
            f("U", u64t(), "u,omitempty"),
            f("F", f64t(), "f,omitempty"),
            f("B", boolt(), "b,omitempty"),
            f("S", strt(), "s,omitempty"),
            f("P", Type::ptr(int()), "p,omitempty"),
            f("If", ifacet(), "if,omitempty"),
            f("Sl", Type::slice(int()), "sl,omitempty"),
            f("M", Type::map(strt(), int()), "m,omitempty"),
            f("A0", Type::array(0, int()), "a0,omitempty"),
            f("A1", Type::array(1, int()), "a1,omitempty"),
            f("St", Type::structure(vec![]), "st,omitempty"),
            f("Ck", checksum_t(), "ck,omitempty"),
            f("By", bytest(), "by,omitempty"),
            f("Tm", t_time(), "tm,omitempty"),
            f("PZ", Type::ptr(int()), "pz,omitempty"),
            f("Raw", raw_message_type(), "raw,omitempty"),
        ],
    )
}
pub fn t_tags() -> TypeRef {
    named_struct(
        "main.Tags",
        vec![
            f("Skip", int(), "-"),
            f("Dash", int(), "-,"),
            f("NoName", int(), ",omitempty"),
            f("Renamed", int(), "renamed"),
            f("unexp", int(), ""),
            f("Untagged", strt(), ""),
            Field::new("BadTag", int(), r#"json:"a\"b""#),
            f("Spacey", int(), "with space"),
            f("Unicode", int(), "ключ"),
            Field::new("EmptyName", int(), r#"json:"""#),
        ],
    )
}
pub fn t_quoted() -> TypeRef {
    named_struct(
        "main.Quoted",
        vec![
            f("I", i64t(), "i,string"),
            f("U", u64t(), "u,string"),
            f("B", boolt(), "b,string"),
            f("F", f64t(), "f,string"),
            f("S", strt(), "s,string"),
            f("P", Type::ptr(int()), "p,string"),
        ],
    )
}
pub fn t_base() -> TypeRef {
    named_struct(
        "main.Base",
        vec![f("ID", strt(), ""), f("Shared", int(), "shared")],
    )
}
pub fn t_other() -> TypeRef {
    named_struct(
        "main.Other",
        vec![f("Shared", int(), "shared"), f("X", int(), "")],
    )
}
pub fn t_with_embed() -> TypeRef {
    named_struct(
        "main.WithEmbed",
        vec![emb("Base", t_base(), ""), f("Extra", int(), "")],
    )
}
pub fn t_conflict() -> TypeRef {
    named_struct(
        "main.Conflict",
        vec![emb("Base", t_base(), ""), emb("Other", t_other(), "")],
    )
}
pub fn t_tagged_embed() -> TypeRef {
    named_struct("main.TaggedEmbed", vec![emb("Base", t_base(), "base")])
}
pub fn t_embed_ptr() -> TypeRef {
    named_struct(
        "main.EmbedPtr",
        vec![emb("Base", Type::ptr(t_base()), ""), f("Z", int(), "")],
    )
}
pub fn t_dominant() -> TypeRef {
    named_struct(
        "main.Dominant",
        vec![emb("Base", t_base(), ""), f("Shared", strt(), "shared")],
    )
}
pub fn t_embed_unexported() -> TypeRef {
    let inner = named_struct("main.inner", vec![f("V", int(), "")]);
    named_struct("main.EmbedUnexported", vec![emb("inner", inner, "")])
}
pub fn t_raw() -> TypeRef {
    named_struct(
        "main.Raw",
        vec![
            f("R", raw_message_type(), "r"),
            f("RP", Type::ptr(raw_message_type()), "rp"),
        ],
    )
}
pub fn t_with_number() -> TypeRef {
    named_struct("main.WithNumber", vec![f("N", json::number_type(), "n")])
}
pub fn t_sub_list() -> TypeRef {
    named_struct("main.SubList", vec![f("L", Type::slice(t_sub()), "l")])
}
pub fn t_arr() -> TypeRef {
    named_struct("main.Arr", vec![f("A", Type::array(2, int()), "a")])
}
pub fn t_bytes() -> TypeRef {
    named_struct(
        "main.Bytes",
        vec![
            f("B", bytest(), "b"),
            f("NB", Type::defined("main.NamedB", &bytest()), "nb"),
            f("A4", Type::array(4, u8t()), "a4"),
            f("I8", Type::slice(i8t()), "i8"),
            f("PB", Type::ptr(bytest()), "pb"),
        ],
    )
}
pub fn t_cpu() -> TypeRef {
    named_struct(
        "state.CPUManagerCheckpoint",
        vec![
            f("PolicyName", strt(), "policyName"),
            f("DefaultCPUSet", strt(), "defaultCpuSet"),
            f(
                "Entries",
                Type::map(strt(), Type::map(strt(), strt())),
                "entries,omitempty",
            ),
            f("Checksum", checksum_t(), "checksum"),
        ],
    )
}
pub fn t_mem_table() -> TypeRef {
    named_struct(
        "state.MemoryTable",
        vec![
            f("TotalMemSize", u64t(), "total"),
            f("SystemReserved", u64t(), "systemReserved"),
            f("Allocatable", u64t(), "allocatable"),
            f("Reserved", u64t(), "reserved"),
            f("Free", u64t(), "free"),
        ],
    )
}
pub fn t_numa_node_state() -> TypeRef {
    named_struct(
        "state.NUMANodeState",
        vec![
            f("NumberOfAssignments", int(), "numberOfAssignments"),
            f(
                "MemoryMap",
                Type::map(resource_name_t(), Type::ptr(t_mem_table())),
                "memoryMap",
            ),
            f("Cells", Type::slice(int()), "cells"),
        ],
    )
}
pub fn t_block() -> TypeRef {
    named_struct(
        "state.Block",
        vec![
            f("NUMAAffinity", Type::slice(int()), "numaAffinity"),
            f("Type", resource_name_t(), "type"),
            f("Size", u64t(), "size"),
        ],
    )
}
pub fn t_mem() -> TypeRef {
    named_struct(
        "state.MemoryManagerCheckpoint",
        vec![
            f("PolicyName", strt(), "policyName"),
            f(
                "MachineState",
                Type::defined(
                    "state.NUMANodeMap",
                    &Type::map(int(), Type::ptr(t_numa_node_state())),
                ),
                "machineState",
            ),
            f(
                "Entries",
                Type::defined(
                    "state.ContainerMemoryAssignments",
                    &Type::map(strt(), Type::map(strt(), Type::slice(t_block()))),
                ),
                "entries,omitempty",
            ),
            f("Checksum", checksum_t(), "checksum"),
        ],
    )
}
pub fn t_devices_per_numa() -> TypeRef {
    Type::defined(
        "checkpoint.DevicesPerNUMA",
        &Type::map(i64t(), Type::slice(strt())),
    )
}
pub fn t_pod_devices_entry() -> TypeRef {
    named_struct(
        "checkpoint.PodDevicesEntry",
        vec![
            f("PodUID", strt(), ""),
            f("ContainerName", strt(), ""),
            f("ResourceName", strt(), ""),
            f("DeviceIDs", t_devices_per_numa(), ""),
            f("AllocResp", bytest(), ""),
        ],
    )
}
pub fn t_dev_data() -> TypeRef {
    let cd = named_struct(
        "checkpoint.checkpointData",
        vec![
            f("PodDeviceEntries", Type::slice(t_pod_devices_entry()), ""),
            f(
                "RegisteredDevices",
                Type::map(strt(), Type::slice(strt())),
                "",
            ),
        ],
    );
    named_struct(
        "checkpoint.Data",
        vec![f("Data", cd, ""), f("Checksum", checksum_t(), "")],
    )
}
pub fn t_set_string() -> TypeRef {
    let empty = named_struct("sets.Empty", vec![]);
    Type::named("sets.Set[string]", TypeKind::Map(strt(), empty))
}
pub fn t_dra() -> TypeRef {
    let cis = named_struct(
        "state.ClaimInfoState",
        vec![
            f("DriverName", strt(), ""),
            f("ClassName", strt(), ""),
            f("ClaimUID", Type::defined("types.UID", &strt()), ""),
            f("ClaimName", strt(), ""),
            f("Namespace", strt(), ""),
            f("PodUIDs", t_set_string(), ""),
            f("CDIDevices", Type::map(strt(), Type::slice(strt())), ""),
        ],
    )
    .clone();
    named_struct(
        "state.DRAManagerCheckpoint",
        vec![
            f("Version", strt(), "version"),
            f(
                "Entries",
                Type::defined("state.ClaimInfoStateList", &Type::slice(cis)),
                "entries,omitempty",
            ),
            f("Checksum", checksum_t(), "checksum"),
        ],
    )
}

// ---------- values ----------

pub fn s(x: &str) -> Value {
    Value::string(x)
}
pub fn i(x: i64) -> Value {
    Value::Int(x)
}
pub fn u(x: u64) -> Value {
    Value::Uint(x)
}
pub fn fl(x: f64) -> Value {
    Value::Float(x)
}
pub fn b(x: bool) -> Value {
    Value::Bool(x)
}
pub fn ptr(v: Value) -> Value {
    Value::Ptr(Some(Box::new(v)))
}
pub fn slice(items: Vec<Value>) -> Value {
    Value::Slice(Some(items))
}
pub fn strs(items: &[&str]) -> Value {
    slice(items.iter().map(|x| s(x)).collect())
}
pub fn bytes(x: &[u8]) -> Value {
    json::bytes_to_value(x)
}
pub fn map(entries: Vec<(Value, Value)>) -> Value {
    Value::Map(Some(entries))
}
pub fn iface(t: TypeRef, v: Value) -> Value {
    Value::Interface(Some(Box::new((t, v))))
}

/// The zero value of struct type `t` with the named Go fields set.
pub fn sv(t: &TypeRef, set: Vec<(&str, Value)>) -> Value {
    let TypeKind::Struct(fs) = &t.kind else {
        panic!("not a struct: {}", t.go_string())
    };
    let mut v = t.zero();
    let Value::Struct(vals) = &mut v else {
        unreachable!()
    };
    for (n, x) in set {
        let idx = fs
            .iter()
            .position(|f| f.name == n)
            .unwrap_or_else(|| panic!("no field {n} in {}", t.go_string()));
        vals[idx] = x;
    }
    v
}

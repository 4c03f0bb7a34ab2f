//! Every row of the go-spew conformance corpus (tests/data/spew/pairs.tsv,
//! produced by real go-spew 1.1.1, see SOURCE.md): the Go value of each case
//! is rebuilt from the generator's source with the type/value model,
//! rendered, and compared with the `spew` text and its `fnv32a`.

use crate::vector_tsv;

use kubelet_ckpt::go::fnv::fnv32a;
use kubelet_ckpt::go::spew::{self, Methods};
use kubelet_ckpt::go::{Field, IntBits, Type, TypeKind, TypeRef, Value};
use vector_tsv::unescape;

const DATA_ROWS: usize = 163;
const EXTRA_ROWS: usize = 50;

// ---------- TSV ----------

struct Row {
    name: String,
    spew: Vec<u8>,
    fnv: u32,
}

fn rows() -> Vec<Row> {
    rows_of("pairs.tsv")
}

fn rows_of(file: &str) -> Vec<Row> {
    let path = format!("{}/tests/data/spew/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut header_seen = false;
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if !header_seen {
            assert_eq!(line, "case\tgo_type\tspew\tfnv32a");
            header_seen = true;
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "row {line}");
        out.push(Row {
            name: cols[0].to_string(),
            spew: unescape(cols[2]),
            fnv: cols[3].parse().unwrap(),
        });
    }
    out
}

// ---------- type helpers ----------

fn int() -> TypeRef {
    Type::new(TypeKind::Int(IntBits::Size))
}
fn intn(b: IntBits) -> TypeRef {
    Type::new(TypeKind::Int(b))
}
fn uintn(b: IntBits) -> TypeRef {
    Type::new(TypeKind::Uint(b))
}
fn string() -> TypeRef {
    Type::new(TypeKind::String)
}
fn boolean() -> TypeRef {
    Type::new(TypeKind::Bool)
}
fn iface() -> TypeRef {
    Type::new(TypeKind::Interface)
}
fn ptr(t: &TypeRef) -> TypeRef {
    Type::ptr(t.clone())
}
fn slice(t: &TypeRef) -> TypeRef {
    Type::slice(t.clone())
}
fn map(k: &TypeRef, v: &TypeRef) -> TypeRef {
    Type::map(k.clone(), v.clone())
}
fn named(name: &str, t: &TypeRef) -> TypeRef {
    Type::defined(name, t)
}
fn fields(fs: &[(&str, &TypeRef)]) -> Vec<Field> {
    fs.iter()
        .map(|(n, t)| Field::new(*n, (*t).clone(), ""))
        .collect()
}
fn strukt(name: &str, fs: &[(&str, &TypeRef)]) -> TypeRef {
    Type::named(name, TypeKind::Struct(fields(fs)))
}
fn anon(fs: &[(&str, &TypeRef)]) -> TypeRef {
    Type::structure(fields(fs))
}

// ---------- value helpers ----------

fn s(x: &str) -> Value {
    Value::string(x)
}
fn i(x: i64) -> Value {
    Value::Int(x)
}
fn u(x: u64) -> Value {
    Value::Uint(x)
}
fn f(x: f64) -> Value {
    Value::Float(x)
}
fn b(x: bool) -> Value {
    Value::Bool(x)
}
fn p(v: Value) -> Value {
    Value::Ptr(Some(Box::new(v)))
}
fn nilp() -> Value {
    Value::Ptr(None)
}
fn sl(v: Vec<Value>) -> Value {
    Value::Slice(Some(v))
}
fn nils() -> Value {
    Value::Slice(None)
}
fn m(e: Vec<(Value, Value)>) -> Value {
    Value::Map(Some(e))
}
fn nilm() -> Value {
    Value::Map(None)
}
fn st(v: Vec<Value>) -> Value {
    Value::Struct(v)
}
fn dynv(t: &TypeRef, v: Value) -> Value {
    Value::Interface(Some(Box::new((t.clone(), v))))
}
fn nili() -> Value {
    Value::Interface(None)
}
fn strs(xs: &[&str]) -> Value {
    sl(xs.iter().map(|x| s(x)).collect())
}
fn ints(xs: &[i64]) -> Value {
    sl(xs.iter().map(|x| i(*x)).collect())
}
fn bytes(xs: &[u8]) -> Value {
    sl(xs.iter().map(|x| u(u64::from(*x))).collect())
}

// ---------- the generator's types ----------

struct Types {
    inner: TypeRef,
    empty: TypeRef,
    str_: TypeRef,
    key_struct: TypeRef,
    named: TypeRef,
    named_int: TypeRef,
    checksum: TypeRef,
    resource_name: TypeRef,
    uid: TypeRef,
    sets_empty: TypeRef,
    quantity: TypeRef,
    big_int: TypeRef,
}

fn types() -> Types {
    let inner = strukt("main.Inner", &[("X", &int()), ("Y", &string())]);
    let big_int = strukt(
        "big.Int",
        &[
            ("neg", &boolean()),
            ("abs", &named("big.nat", &slice(&uintn(IntBits::Size)))),
        ],
    );
    let inf_dec = strukt(
        "inf.Dec",
        &[
            ("unscaled", &big_int),
            ("scale", &named("inf.Scale", &intn(IntBits::B32))),
        ],
    );
    let int64_amount = strukt(
        "resource.int64Amount",
        &[
            ("value", &intn(IntBits::B64)),
            ("scale", &named("resource.Scale", &intn(IntBits::B32))),
        ],
    );
    let inf_dec_amount = Type::named(
        "resource.infDecAmount",
        TypeKind::Struct(vec![Field::embedded("Dec", ptr(&inf_dec), "")]),
    );
    let format = named("resource.Format", &string());
    let quantity = Type::named(
        "resource.Quantity",
        TypeKind::Struct(vec![
            Field::new("i", int64_amount, ""),
            Field::new("d", inf_dec_amount, ""),
            Field::new("s", string(), ""),
            Field::embedded("Format", format, ""),
        ]),
    );
    Types {
        inner,
        empty: strukt("main.Empty", &[]),
        str_: strukt("main.Str", &[("N", &int())]),
        key_struct: strukt("main.KeyStruct", &[("A", &string()), ("B", &int())]),
        named: named("main.Named", &string()),
        named_int: named("main.NamedInt", &int()),
        checksum: named("checksum.Checksum", &uintn(IntBits::B64)),
        resource_name: named("v1.ResourceName", &string()),
        uid: named("types.UID", &string()),
        sets_empty: strukt("sets.Empty", &[]),
        quantity,
        big_int,
    }
}

/// `resource.Int64Form(value, scale, s, format)` of the stand-in package.
fn q_int64(value: i64, scale: i64, cached: &str, format: &str) -> Value {
    st(vec![
        st(vec![i(value), i(scale)]),
        st(vec![nilp()]),
        s(cached),
        s(format),
    ])
}

/// `inner{X, Y}`.
fn inr(x: i64, y: &str) -> Value {
    st(vec![i(x), s(y)])
}

/// The Go methods of the generator's types (`Str.String`, `Err.Error`);
/// only SpewKeys sorting consults them.
struct GenMethods;

impl Methods for GenMethods {
    fn call(&self, t: &Type, v: &Value) -> Option<Vec<u8>> {
        match (t.name.as_deref(), v) {
            (Some("main.Str"), Value::Struct(f)) => match f.first() {
                Some(Value::Int(n)) => Some(format!("S{}", 100 - n).into_bytes()),
                _ => None,
            },
            // Pointer receiver: go-spew's default config calls it on values too.
            (Some("main.PS"), Value::Struct(f)) => match f.first() {
                Some(Value::Int(n)) => Some(format!("P{}", 100 - n).into_bytes()),
                _ => None,
            },
            (Some("main.Err"), Value::String(e)) => {
                let mut out = b"error:".to_vec();
                out.extend_from_slice(e);
                Some(out)
            }
            _ => None,
        }
    }
}

/// `main.Node{Name string; Next *Node}` unrolled `depth` levels (the model's
/// descriptors are trees; the name is all spew prints of a pointer's type).
fn node_type(depth: usize) -> TypeRef {
    let next = if depth == 0 {
        strukt("main.Node", &[])
    } else {
        node_type(depth - 1)
    };
    strukt("main.Node", &[("Name", &string()), ("Next", &ptr(&next))])
}

fn cpu_v2(name: &str) -> TypeRef {
    let t = types();
    strukt(
        name,
        &[
            ("PolicyName", &string()),
            ("DefaultCPUSet", &string()),
            ("Entries", &map(&string(), &map(&string(), &string()))),
            ("Checksum", &t.checksum),
        ],
    )
}

fn cpu_v1() -> TypeRef {
    let t = types();
    strukt(
        "state.CPUManagerCheckpointV1",
        &[
            ("PolicyName", &string()),
            ("DefaultCPUSet", &string()),
            ("Entries", &map(&string(), &string())),
            ("Checksum", &t.checksum),
        ],
    )
}

fn mem_checkpoint() -> TypeRef {
    let t = types();
    let u64t = uintn(IntBits::B64);
    let table = strukt(
        "state.MemoryTable",
        &[
            ("TotalMemSize", &u64t),
            ("SystemReserved", &u64t),
            ("Allocatable", &u64t),
            ("Reserved", &u64t),
            ("Free", &u64t),
        ],
    );
    let node = strukt(
        "state.NUMANodeState",
        &[
            ("NumberOfAssignments", &int()),
            ("MemoryMap", &map(&t.resource_name, &ptr(&table))),
            ("Cells", &slice(&int())),
        ],
    );
    let block = strukt(
        "state.Block",
        &[
            ("NUMAAffinity", &slice(&int())),
            ("Type", &t.resource_name),
            ("Size", &u64t),
        ],
    );
    strukt(
        "state.MemoryManagerCheckpoint",
        &[
            ("PolicyName", &string()),
            (
                "MachineState",
                &named("state.NUMANodeMap", &map(&int(), &ptr(&node))),
            ),
            (
                "Entries",
                &named(
                    "state.ContainerMemoryAssignments",
                    &map(&string(), &map(&string(), &slice(&block))),
                ),
            ),
            ("Checksum", &t.checksum),
        ],
    )
}

fn mem_table(total: u64, sys: u64, alloc: u64, res: u64, free: u64) -> Value {
    p(st(vec![u(total), u(sys), u(alloc), u(res), u(free)]))
}

fn checkpoint_data() -> TypeRef {
    let entry = strukt(
        "checkpoint.PodDevicesEntry",
        &[
            ("PodUID", &string()),
            ("ContainerName", &string()),
            ("ResourceName", &string()),
            (
                "DeviceIDs",
                &named(
                    "checkpoint.DevicesPerNUMA",
                    &map(&intn(IntBits::B64), &slice(&string())),
                ),
            ),
            ("AllocResp", &slice(&uintn(IntBits::B8))),
        ],
    );
    strukt(
        "checkpoint.checkpointData",
        &[
            ("PodDeviceEntries", &slice(&entry)),
            ("RegisteredDevices", &map(&string(), &slice(&string()))),
        ],
    )
}

fn dra_checkpoint() -> TypeRef {
    let t = types();
    let claim = strukt(
        "state.ClaimInfoState",
        &[
            ("DriverName", &string()),
            ("ClassName", &string()),
            ("ClaimUID", &t.uid),
            ("ClaimName", &string()),
            ("Namespace", &string()),
            (
                "PodUIDs",
                &named("sets.Set[string]", &map(&string(), &t.sets_empty)),
            ),
            ("CDIDevices", &map(&string(), &slice(&string()))),
        ],
    );
    strukt(
        "state.DRAManagerCheckpoint",
        &[
            ("Version", &string()),
            (
                "Entries",
                &named("state.ClaimInfoStateList", &slice(&claim)),
            ),
            ("Checksum", &t.checksum),
        ],
    )
}

/// What a case renders: the static type, the value, and whether the kubelet
/// V1 rename is applied to the text afterwards.
struct Case {
    ty: TypeRef,
    v: Value,
    rename_v1: bool,
}

fn c(ty: TypeRef, v: Value) -> Option<Case> {
    Some(Case {
        ty,
        v,
        rename_v1: false,
    })
}

#[allow(clippy::too_many_lines)]
fn build(name: &str) -> Option<Case> {
    let t = types();
    let int8 = intn(IntBits::B8);
    let int64 = intn(IntBits::B64);
    let u8t = uintn(IntBits::B8);
    let u64t = uintn(IntBits::B64);
    let f64t = Type::new(TypeKind::Float64);
    let inner = &t.inner;
    let outer = Type::named(
        "main.Outer",
        TypeKind::Struct(vec![
            Field::embedded("Inner", inner.clone(), ""),
            Field::new("P", ptr(inner), ""),
            Field::new("PP", ptr(&ptr(&int())), ""),
            Field::new("M", map(&string(), inner), ""),
            Field::new("S", slice(inner), ""),
            Field::new("hidden", int(), ""),
        ]),
    );
    let stringer = Type::named("fmt.Stringer", TypeKind::Interface);
    let with_iface = strukt(
        "main.WithIface",
        &[("A", &iface()), ("B", &iface()), ("C", &stringer)],
    );
    let leak_map = strukt(
        "main.LeakMap",
        &[
            ("M", &map(&string(), &ptr(&int()))),
            ("N", &int()),
            ("S", &string()),
        ],
    );
    let leak_chain = strukt(
        "main.LeakChain",
        &[
            ("S", &slice(&ptr(&int()))),
            ("P", &ptr(&int())),
            ("Q", &int()),
        ],
    );
    let set_string = named("sets.Set[string]", &map(&string(), &t.sets_empty));
    let q = &t.quantity;

    match name {
        "cpu_v2_example" | "cpu_v2_alias_type_name" => c(
            ptr(&cpu_v2("state.CPUManagerCheckpoint")),
            p(st(vec![s("none"), s("4-6"), m(vec![]), u(0)])),
        ),
        "string" => c(string(), s("hello")),
        "string_empty" => c(string(), s("")),
        "string_with_spaces_and_punct" => c(string(), s("a b:c{d}[e]<f> (g)")),
        "string_newline_tab_cr" => c(string(), s("line1\nline2\tcol\r")),
        "string_quotes_backslash" => c(string(), s(r#"say "hi" \ bye"#)),
        "string_nul_and_controls" => c(string(), s("a\x00b\x01c\x1fd\x7fe")),
        "string_unicode" => c(string(), s("héllo 世界 😀")),
        "string_invalid_utf8" => c(string(), Value::String(b"a\xffb\xe2\x82c".to_vec())),
        "string_u2028_and_bom" => c(string(), s("x\u{2028}y\u{feff}z")),
        "named_string" => c(t.named.clone(), s("v")),
        "named_string_k8s_resource_name" => c(t.resource_name.clone(), s("hugepages-2Mi")),
        "named_string_types_uid" => c(t.uid.clone(), s("0b1c")),
        "bool_true" => c(boolean(), b(true)),
        "bool_false" => c(boolean(), b(false)),
        "named_bool" => c(named("main.NamedBool", &boolean()), b(true)),
        "int_zero" => c(int(), i(0)),
        "int_negative" => c(int(), i(-42)),
        "int8_min" => c(int8, i(-128)),
        "int16_max" => c(intn(IntBits::B16), i(32767)),
        "int32_min" => c(intn(IntBits::B32), i(-2147483648)),
        "int64_min" => c(int64, i(i64::MIN)),
        "int64_max" => c(int64, i(i64::MAX)),
        "named_int" => c(t.named_int.clone(), i(-3)),
        "uint_max_uint64" => c(u64t, u(u64::MAX)),
        "uint8_255" => c(u8t, u(255)),
        "named_uint8" => c(named("main.NamedUint8", &u8t), u(9)),
        "uint32" => c(uintn(IntBits::B32), u(4294967295)),
        "uint" => c(uintn(IntBits::Size), u(12)),
        "checksum_zero" => c(t.checksum.clone(), u(0)),
        "checksum_value" => c(t.checksum.clone(), u(354655845)),
        "uintptr_nonzero" => c(Type::new(TypeKind::Uintptr), u(0xbeef)),
        "uintptr_zero" => c(Type::new(TypeKind::Uintptr), u(0)),
        "float64_simple" => c(f64t, f(1.5)),
        "float64_integral" => c(f64t, f(100.0)),
        "float64_tenth" => c(f64t, f(0.1)),
        "float64_1e6_exponent_form" => c(f64t, f(1e6)),
        "float64_123456_plain" => c(f64t, f(123456.0)),
        "float64_1234567" => c(f64t, f(1234567.0)),
        "float64_1e-4_plain" => c(f64t, f(0.0001)),
        "float64_1e-5_exponent" => c(f64t, f(0.00001)),
        "float64_1e21" => c(f64t, f(1e21)),
        "float64_big_exp" => c(f64t, f(1.5e300)),
        "float64_smallest_denormal" => c(f64t, f(5e-324)),
        "float64_negative_zero" => c(f64t, f(-0.0)),
        "float64_nan" => c(f64t, f(f64::NAN)),
        "float64_pos_inf" => c(f64t, f(f64::INFINITY)),
        "float64_neg_inf" => c(f64t, f(f64::NEG_INFINITY)),
        "float32_tenth_shortest32" => c(Type::new(TypeKind::Float32), f(f64::from(0.1_f32))),
        "float32_16777217" => c(Type::new(TypeKind::Float32), f(f64::from(16777217_f32))),
        "named_float" => c(named("main.NamedFloat", &f64t), f(2.5)),
        "complex128" => c(Type::new(TypeKind::Complex128), Value::Complex(1.0, -2.0)),

        "ptr_to_int" => c(ptr(&int()), p(i(7))),
        "ptr_to_ptr_to_int" => c(ptr(&ptr(&int())), p(p(i(7)))),
        "ptr_to_string" => c(ptr(&string()), p(s("s"))),
        "ptr_nil_top" => c(ptr(&int()), nilp()),
        "ptr_to_nil_ptr_top" => c(ptr(&ptr(&int())), p(nilp())),
        "ptr_to_struct" => c(ptr(inner), p(inr(1, "y"))),
        "ptr_nil_struct_top" => c(ptr(inner), nilp()),
        "ptr_to_map" => c(ptr(&map(&string(), &int())), p(m(vec![(s("a"), i(1))]))),
        "ptr_to_slice" => c(ptr(&slice(&int())), p(ints(&[1, 2]))),
        "ptr_to_empty_struct" => c(ptr(&t.empty), p(st(vec![]))),
        "ptr_to_interface_holding_int" => c(ptr(&iface()), p(dynv(&int(), i(5)))),
        "ptr_to_nil_interface" => c(ptr(&iface()), p(nili())),

        "struct_value_top" => c(inner.clone(), inr(1, "y")),
        "struct_empty_named" => c(t.empty.clone(), st(vec![])),
        "struct_anonymous_empty" => c(anon(&[]), st(vec![])),
        "struct_anonymous_with_tag" => c(
            Type::structure(vec![
                Field::new("A", int(), "json:\"a\""),
                Field::new("b", string(), ""),
            ]),
            st(vec![i(1), s("x")]),
        ),
        "struct_nested_embedded_unexported_nil_ptrs" => c(
            ptr(&outer),
            p(st(vec![inr(2, "in"), nilp(), nilp(), nilm(), nils(), i(9)])),
        ),
        "struct_nested_all_set" => c(
            ptr(&outer),
            p(st(vec![
                inr(1, ""),
                p(inr(3, "p")),
                p(p(i(7))),
                m(vec![(s("k2"), inr(2, "")), (s("k1"), inr(1, "one"))]),
                sl(vec![inr(5, ""), inr(0, "six")]),
                i(0),
            ])),
        ),
        "struct_same_pointer_twice_not_cycle" => c(
            ptr(&anon(&[("A", &ptr(inner)), ("B", &ptr(inner))])),
            p(st(vec![p(inr(1, "shared")), p(inr(1, "shared"))])),
        ),
        "struct_cycle" => c(
            ptr(&node_type(3)),
            p(st(vec![s("a"), p(st(vec![s("b"), Value::Cycle]))])),
        ),
        "struct_with_stringer_not_called" => c(t.str_.clone(), st(vec![i(1)])),
        "error_type_not_called" => c(named("main.Err", &string()), s("boom")),
        "struct_interfaces_set" => c(
            ptr(&with_iface),
            p(st(vec![
                dynv(&int(), i(5)),
                dynv(&ptr(inner), p(inr(1, ""))),
                dynv(&t.str_, st(vec![i(2)])),
            ])),
        ),
        "struct_interfaces_nil" => c(
            ptr(&with_iface),
            p(st(vec![dynv(&ptr(&int()), nilp()), nili(), nili()])),
        ),
        "struct_interface_holding_map_slice" => c(
            ptr(&with_iface),
            p(st(vec![
                dynv(
                    &map(&string(), &int()),
                    m(vec![(s("b"), i(2)), (s("a"), i(1))]),
                ),
                dynv(&slice(&string()), strs(&["x"])),
                nili(),
            ])),
        ),
        "struct_array_field_bytes" => {
            let arr16 = named("main.Arr16", &Type::array(16, u8t.clone()));
            let mut a: Vec<Value> = [0u64, 1, 2, 255].iter().map(|x| u(*x)).collect();
            a.resize(16, u(0));
            c(anon(&[("ID", &arr16)]), st(vec![Value::Array(a)]))
        }
        "generic_struct_local" => c(
            strukt("main.GenericBox[main.Named]", &[("V", &t.named)]),
            st(vec![s("x")]),
        ),

        "map_nil" => c(map(&string(), &string()), nilm()),
        "map_empty" => c(map(&string(), &string()), m(vec![])),
        "map_string_keys_bytewise_sort" => c(
            map(&string(), &int()),
            m([
                ("b", 1),
                ("a", 2),
                ("B", 3),
                ("aa", 4),
                ("", 5),
                ("é", 6),
                ("z", 7),
                ("10", 8),
                ("9", 9),
            ]
            .iter()
            .map(|(k, v)| (s(k), i(*v)))
            .collect()),
        ),
        "map_int_keys_numeric_sort" => c(
            map(&int(), &string()),
            m([
                (10, "ten"),
                (2, "two"),
                (-1, "minus one"),
                (0, "zero"),
                (-10, "minus ten"),
            ]
            .iter()
            .map(|(k, v)| (i(*k), s(v)))
            .collect()),
        ),
        "map_int64_keys" => c(
            map(&int64, &boolean()),
            m(vec![
                (i(i64::MIN), b(true)),
                (i(i64::MAX), b(false)),
                (i(0), b(true)),
            ]),
        ),
        "map_uint64_keys_unsigned_sort" => c(
            map(&u64t, &int()),
            m(vec![(u(u64::MAX), i(1)), (u(1), i(2)), (u(1 << 63), i(3))]),
        ),
        "map_int8_keys" => c(
            map(&int8, &int()),
            m(vec![(i(-128), i(1)), (i(127), i(2)), (i(-1), i(3))]),
        ),
        "map_float_keys" => c(
            map(&f64t, &string()),
            m(vec![
                (f(2.5), s("a")),
                (f(-1.0), s("b")),
                (f(1e21), s("c")),
                (f(0.1), s("d")),
            ]),
        ),
        "map_bool_keys" => c(
            map(&boolean(), &int()),
            m(vec![(b(true), i(1)), (b(false), i(0))]),
        ),
        "map_named_string_keys" => c(
            map(&t.resource_name, &int()),
            m(vec![
                (s("memory"), i(1)),
                (s("hugepages-1Gi"), i(2)),
                (s("cpu"), i(3)),
            ]),
        ),
        "map_named_int_keys" => c(
            map(&t.named_int, &string()),
            m(vec![(i(3), s("c")), (i(-3), s("a")), (i(1), s("b"))]),
        ),
        "map_named_map_type" => c(
            named("main.NamedMap", &map(&string(), &int())),
            m(vec![(s("y"), i(2)), (s("x"), i(1))]),
        ),
        "map_struct_keys_spewkeys" => c(
            map(&t.key_struct, &int()),
            m(vec![
                (st(vec![s("b"), i(1)]), i(1)),
                (st(vec![s("a"), i(2)]), i(2)),
                (st(vec![s("a"), i(10)]), i(3)),
            ]),
        ),
        "map_stringer_struct_keys_sorted_by_String" => c(
            map(&t.str_, &int()),
            m(vec![
                (st(vec![i(1)]), i(1)),
                (st(vec![i(2)]), i(2)),
                (st(vec![i(3)]), i(3)),
            ]),
        ),
        "map_ptr_keys_sorted_by_pointee" => c(
            map(&ptr(&int()), &string()),
            m(vec![(p(i(3)), s("three")), (p(i(1)), s("one"))]),
        ),
        "map_interface_keys_mixed" => c(
            map(&iface(), &int()),
            m(vec![
                (dynv(&string(), s("b")), i(1)),
                (dynv(&int(), i(2)), i(2)),
                (dynv(&string(), s("a")), i(3)),
                (dynv(&int8, i(1)), i(4)),
                (dynv(&boolean(), b(true)), i(5)),
            ]),
        ),
        "map_array_keys" => {
            let a = |x: i64, y: i64| Value::Array(vec![i(x), i(y)]);
            c(
                map(&Type::array(2, int()), &string()),
                m(vec![
                    (a(2, 1), s("x")),
                    (a(1, 9), s("y")),
                    (a(1, 2), s("z")),
                ]),
            )
        }
        "map_ptr_values" => c(
            map(&string(), &ptr(&int())),
            m(vec![(s("a"), p(i(1))), (s("b"), nilp())]),
        ),
        "map_ptr_ptr_values" => c(
            map(&string(), &ptr(&ptr(&int()))),
            m(vec![(s("a"), p(p(i(7)))), (s("b"), p(nilp()))]),
        ),
        "map_struct_values" => c(
            map(&string(), inner),
            m(vec![(s("b"), inr(2, "")), (s("a"), inr(1, "y"))]),
        ),
        "map_ptr_struct_values" => c(
            map(&string(), &ptr(inner)),
            m(vec![(s("a"), p(inr(1, ""))), (s("n"), nilp())]),
        ),
        "map_slice_values_nil_empty" => c(
            map(&string(), &slice(&string())),
            m(vec![
                (s("full"), strs(&["x", "y"])),
                (s("empty"), sl(vec![])),
                (s("nil"), nils()),
            ]),
        ),
        "map_map_values_nil_empty" => c(
            map(&string(), &map(&string(), &string())),
            m(vec![
                (s("full"), m(vec![(s("k"), s("v"))])),
                (s("empty"), m(vec![])),
                (s("nil"), nilm()),
            ]),
        ),
        "map_interface_values" => c(
            map(&string(), &iface()),
            m(vec![
                (s("i"), dynv(&int(), i(1))),
                (s("s"), dynv(&string(), s("x"))),
                (s("n"), nili()),
                (s("p"), dynv(&ptr(&int()), p(i(7)))),
                (s("np"), dynv(&ptr(&int()), nilp())),
                (
                    s("m"),
                    dynv(&map(&string(), &int()), m(vec![(s("z"), i(1))])),
                ),
            ]),
        ),
        "nested_map_of_map_of_structs" => c(
            map(&string(), &map(&int(), inner)),
            m(vec![
                (
                    s("b"),
                    m(vec![
                        (i(10), inr(10, "")),
                        (i(-2), inr(0, "neg")),
                        (i(3), inr(0, "")),
                    ]),
                ),
                (s("a"), m(vec![])),
                (s("c"), nilm()),
            ]),
        ),
        "nested_map_of_slices_of_ptr_structs" => c(
            map(&int64, &slice(&ptr(inner))),
            m(vec![
                (i(7), sl(vec![p(inr(1, "")), nilp(), p(inr(0, "z"))])),
                (i(-7), nils()),
            ]),
        ),
        "map_keys_with_spaces_colons" => c(
            map(&string(), &string()),
            m(vec![(s("a b"), s("c d")), (s("e:f"), s("g:h"))]),
        ),
        "map_empty_struct_values_set" => c(
            map(&string(), &t.sets_empty),
            m(vec![(s("b"), st(vec![])), (s("a"), st(vec![]))]),
        ),
        "generic_set_string" => c(
            set_string.clone(),
            m(vec![(s("pod-b"), st(vec![])), (s("pod-a"), st(vec![]))]),
        ),
        "generic_set_empty" => c(set_string.clone(), m(vec![])),
        "generic_set_nil" => c(set_string.clone(), nilm()),
        "generic_set_of_named_type_full_path" => c(
            named(
                "sets.Set[k8s.io/apimachinery/pkg/types.UID]",
                &map(&t.uid, &t.sets_empty),
            ),
            m(vec![(s("u1"), st(vec![]))]),
        ),
        "legacy_sets_string" => c(
            named("sets.String", &map(&string(), &t.sets_empty)),
            m(vec![(s("x"), st(vec![]))]),
        ),

        "slice_nil" => c(slice(&string()), nils()),
        "slice_empty" => c(slice(&string()), sl(vec![])),
        "slice_strings" => c(slice(&string()), strs(&["a", "b c", ""])),
        "slice_ints" => c(slice(&int()), ints(&[3, -1, 2])),
        "slice_named" => c(
            named("main.NamedSlice", &slice(&string())),
            strs(&["x", "y"]),
        ),
        "slice_of_structs" => c(slice(inner), sl(vec![inr(1, ""), inr(2, "two")])),
        "slice_of_ptrs" => c(slice(&ptr(&int())), sl(vec![p(i(1)), nilp(), p(i(7))])),
        "slice_of_ptr_structs" => c(slice(&ptr(inner)), sl(vec![p(inr(1, "")), nilp()])),
        "slice_of_interfaces" => c(
            slice(&iface()),
            sl(vec![
                dynv(&int(), i(1)),
                dynv(&string(), s("a")),
                nili(),
                dynv(&ptr(&int()), nilp()),
                dynv(inner, inr(1, "")),
                dynv(&slice(&int()), ints(&[1])),
            ]),
        ),
        "slice_of_maps" => c(
            slice(&map(&string(), &int())),
            sl(vec![
                m(vec![(s("b"), i(2)), (s("a"), i(1))]),
                nilm(),
                m(vec![]),
            ]),
        ),
        "slice_of_slices" => c(
            slice(&slice(&int())),
            sl(vec![ints(&[1, 2]), nils(), sl(vec![])]),
        ),
        "array_ints" => c(Type::array(3, int()), Value::Array(vec![i(1), i(2), i(3)])),
        "array_empty" => c(Type::array(0, int()), Value::Array(vec![])),
        "bytes_nil" => c(slice(&u8t), nils()),
        "bytes_empty" => c(slice(&u8t), sl(vec![])),
        "bytes_values" => c(slice(&u8t), bytes(b"A\x00\xff")),
        "named_bytes" => c(named("main.NamedBytes", &slice(&u8t)), bytes(&[1, 2])),
        "byte_array" => c(
            Type::array(4, u8t.clone()),
            Value::Array([1u64, 2, 3, 4].iter().map(|x| u(*x)).collect()),
        ),

        "leak_nil_ptr_last_map_value" => c(
            leak_map,
            st(vec![
                m(vec![(s("a"), p(i(1))), (s("b"), nilp())]),
                i(2),
                s("s"),
            ]),
        ),
        "leak_nil_ptr_not_last_map_value_no_leak" => c(
            leak_map,
            st(vec![
                m(vec![(s("a"), nilp()), (s("b"), p(i(1)))]),
                i(2),
                s("s"),
            ]),
        ),
        "leak_nil_ptr_last_slice_elem" => c(
            ptr(&strukt(
                "main.LeakSlice",
                &[("S", &slice(&ptr(&int()))), ("T", &string())],
            )),
            p(st(vec![sl(vec![p(i(1)), nilp()]), s("t")])),
        ),
        "leak_chain_through_nil_ptr_field" => {
            c(leak_chain, st(vec![sl(vec![nilp()]), nilp(), i(3)]))
        }
        "leak_into_non_nil_ptr_field" => c(leak_chain, st(vec![sl(vec![nilp()]), p(i(4)), i(3)])),
        "leak_into_struct_field" => c(
            strukt(
                "main.LeakStruct",
                &[("M", &map(&string(), &ptr(&int()))), ("In", inner)],
            ),
            st(vec![m(vec![(s("k"), nilp())]), inr(1, "y")]),
        ),
        "leak_memory_checkpoint_null_numa_node" => c(
            ptr(&mem_checkpoint()),
            p(st(vec![
                s("Static"),
                m(vec![(i(0), nilp())]),
                m(vec![]),
                u(0),
            ])),
        ),
        "leak_memory_checkpoint_null_memory_table" => c(
            ptr(&mem_checkpoint()),
            p(st(vec![
                s("Static"),
                m(vec![(
                    i(0),
                    p(st(vec![i(1), m(vec![(s("memory"), nilp())]), ints(&[0])])),
                )]),
                nilm(),
                u(0),
            ])),
        ),
        "leak_ptr_to_nil_ptr_map_value" => c(
            anon(&[("M", &map(&string(), &ptr(&ptr(&int())))), ("N", &int())]),
            st(vec![m(vec![(s("b"), p(nilp()))]), i(1)]),
        ),
        "no_leak_nil_map_value" => c(
            anon(&[
                ("M", &map(&string(), &map(&string(), &int()))),
                ("N", &int()),
            ]),
            st(vec![m(vec![(s("a"), nilm())]), i(1)]),
        ),
        "no_leak_nil_interface_value" => c(
            anon(&[("M", &map(&string(), &iface())), ("N", &int())]),
            st(vec![m(vec![(s("a"), nili())]), i(1)]),
        ),

        "nil_interface_top" => c(iface(), nili()),

        "quantity_int64_form_uncached" => c(q.clone(), q_int64(100, -3, "", "DecimalSI")),
        "quantity_int64_form_cached_string" => c(q.clone(), q_int64(100, -3, "100m", "DecimalSI")),
        "quantity_dec_form" => c(
            q.clone(),
            st(vec![
                st(vec![i(0), i(0)]),
                st(vec![p(st(vec![st(vec![b(false), sl(vec![u(15)])]), i(1)]))]),
                s(""),
                s("DecimalSI"),
            ]),
        ),
        "quantity_ptr" => c(ptr(q), p(q_int64(1, 0, "", "DecimalSI"))),
        "big_int_direct" => c(ptr(&t.big_int), p(st(vec![b(true), sl(vec![u(5)])]))),

        "cpu_v2_nil_entries" => c(
            ptr(&cpu_v2("state.CPUManagerCheckpoint")),
            p(st(vec![s("none"), s(""), nilm(), u(0)])),
        ),
        "cpu_v2_static_nested_maps" => c(
            ptr(&cpu_v2("state.CPUManagerCheckpoint")),
            p(st(vec![
                s("static"),
                s("0,5-7"),
                m(vec![
                    (
                        s("pod-b"),
                        m(vec![(s("app"), s("1-2")), (s("sidecar"), s("3"))]),
                    ),
                    (s("pod-a"), m(vec![(s("main"), s("4"))])),
                ]),
                u(0),
            ])),
        ),
        "cpu_v1" | "cpu_v1_verify_text_after_rename" => Some(Case {
            ty: ptr(&cpu_v1()),
            v: p(st(vec![
                s("static"),
                s("0-1"),
                m(vec![(s("c2"), s("3")), (s("c1"), s("2"))]),
                u(0),
            ])),
            rename_v1: name == "cpu_v1_verify_text_after_rename",
        }),
        "cpu_v2_value_not_pointer" => c(
            cpu_v2("state.CPUManagerCheckpoint"),
            st(vec![s("none"), s("4-6"), m(vec![]), u(0)]),
        ),
        "memory_checkpoint_numa_map" => c(
            ptr(&mem_checkpoint()),
            p(st(vec![
                s("Static"),
                m(vec![
                    (
                        i(1),
                        p(st(vec![
                            i(0),
                            m(vec![(
                                s("memory"),
                                mem_table(17179869184, 0, 17179869184, 0, 17179869184),
                            )]),
                            ints(&[1]),
                        ])),
                    ),
                    (
                        i(0),
                        p(st(vec![
                            i(2),
                            m(vec![
                                (
                                    s("memory"),
                                    mem_table(
                                        17179869184,
                                        1073741824,
                                        16106127360,
                                        1073741824,
                                        15032385536,
                                    ),
                                ),
                                (
                                    s("hugepages-2Mi"),
                                    mem_table(1073741824, 0, 1073741824, 0, 1073741824),
                                ),
                            ]),
                            ints(&[0]),
                        ])),
                    ),
                ]),
                m(vec![(
                    s("pod1"),
                    m(vec![(
                        s("ctr"),
                        sl(vec![st(vec![ints(&[0]), s("memory"), u(1073741824)])]),
                    )]),
                )]),
                u(0),
            ])),
        ),
        "memory_checkpoint_empty" => c(
            ptr(&mem_checkpoint()),
            p(st(vec![s("None"), m(vec![]), m(vec![]), u(0)])),
        ),
        "devicemanager_checkpointData" => c(
            checkpoint_data(),
            st(vec![
                sl(vec![st(vec![
                    s("uid-1"),
                    s("c"),
                    s("vendor.com/gpu"),
                    m(vec![
                        (i(10), strs(&["d10"])),
                        (i(2), strs(&["d2a", "d2b"])),
                        (i(-1), strs(&["dx"])),
                    ]),
                    bytes(&[0x0a, 0x05, 0xff]),
                ])]),
                m(vec![
                    (s("vendor.com/gpu"), strs(&["d2a", "d2b", "d10"])),
                    (s("a/b"), nils()),
                ]),
            ]),
        ),
        "devicemanager_empty" => c(checkpoint_data(), st(vec![nils(), m(vec![])])),
        "devicemanager_entry_nil_fields" => c(
            checkpoint_data(),
            st(vec![
                sl(vec![st(vec![s("u"), s("c"), s("r"), nilm(), nils()])]),
                nilm(),
            ]),
        ),
        "dra_checkpoint_v1_shape" => c(
            ptr(&dra_checkpoint()),
            p(st(vec![
                s("v1"),
                sl(vec![st(vec![
                    s("gpu.example.com"),
                    s("gpu"),
                    s("claim-uid"),
                    s("claim"),
                    s("default"),
                    m(vec![(s("pod-2"), st(vec![])), (s("pod-1"), st(vec![]))]),
                    m(vec![(
                        s("gpu.example.com"),
                        strs(&["gpu.example.com/gpu=0"]),
                    )]),
                ])]),
                u(0),
            ])),
        ),
        "dra_checkpoint_empty_entries" => c(
            ptr(&dra_checkpoint()),
            p(st(vec![s("v1"), sl(vec![]), u(0)])),
        ),
        "pod_allocation_checkpoint_struct" => {
            let resource_list = named("v1.ResourceList", &map(&t.resource_name, q));
            c(
                ptr(&strukt(
                    "state.PodResourceAllocationCheckpoint",
                    &[
                        (
                            "AllocationEntries",
                            &map(&string(), &map(&string(), &resource_list)),
                        ),
                        (
                            "ResizeStatusEntries",
                            &map(&string(), &named("v1.PodResizeStatus", &string())),
                        ),
                        ("Checksum", &t.checksum),
                    ],
                )),
                p(st(vec![
                    m(vec![(
                        s("pod-uid"),
                        m(vec![(
                            s("ctr"),
                            m(vec![
                                (s("cpu"), q_int64(100, -3, "", "DecimalSI")),
                                (s("memory"), q_int64(134217728, 0, "", "BinarySI")),
                            ]),
                        )]),
                    )]),
                    m(vec![(s("pod-uid"), s("InProgress"))]),
                    u(0),
                ])),
            )
        }
        "pod_allocation_data_string" => c(string(), s(r#"{"entries":{"uid":{}}}"#)),
        "hazard_unexported_struct_keys_panic" => c(
            strukt(
                "main.hiddenKeyHolder",
                &[("m", &map(&t.key_struct, &int()))],
            ),
            st(vec![m(vec![
                (st(vec![s("b"), i(1)]), i(1)),
                (st(vec![s("a"), i(1)]), i(2)),
            ])]),
        ),
        _ => None,
    }
}

/// The kubelet's V1 verify step: replace the first `CPUManagerCheckpointV1`.
fn rename_first(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    match text.windows(from.len()).position(|w| w == from) {
        Some(at) => [&text[..at], to, &text[at + from.len()..]].concat(),
        None => text.to_vec(),
    }
}

fn render_case(case: &Case) -> Vec<u8> {
    let mut out = Vec::new();
    spew::render_with(&case.v, &case.ty, &mut out, &GenMethods);
    if case.rename_v1 {
        out = rename_first(&out, b"CPUManagerCheckpointV1", b"CPUManagerCheckpoint");
    }
    out
}

/// Renders every row's case; returns the failure descriptions.
fn check_rows(rows: &[Row], build: fn(&str) -> Option<Case>) -> Vec<String> {
    let mut failures = Vec::new();
    for row in rows {
        // The fnv32a column checks our unescaping of the text column.
        assert_eq!(
            fnv32a(&row.spew),
            row.fnv,
            "{}: fnv of the vector text",
            row.name
        );
        let Some(case) = build(&row.name) else {
            failures.push(format!("{}: no Go value built for this case", row.name));
            continue;
        };
        let got = render_case(&case);
        let mut h = kubelet_ckpt::go::fnv::Fnv32a::new();
        spew::render_with(&case.v, &case.ty, &mut h, &GenMethods);
        let streamed = if case.rename_v1 {
            fnv32a(&got)
        } else {
            h.finish()
        };
        if got != row.spew || streamed != row.fnv {
            failures.push(format!(
                "{}:\n  want {}\n  got  {}\n  fnv want {} got {}",
                row.name,
                String::from_utf8_lossy(&row.spew),
                String::from_utf8_lossy(&got),
                row.fnv,
                streamed
            ));
        }
    }
    failures
}

#[test]
fn every_vector_matches_text_and_fnv() {
    let rows = rows();
    assert_eq!(rows.len(), DATA_ROWS, "data rows in pairs.tsv");
    let failures = check_rows(&rows, build);
    assert!(
        failures.is_empty(),
        "{}/{} passed; failures:\n{}",
        rows.len() - failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Edge cases printed by real go-spew 1.1.1 (tests/data/spew/gen/extra.go).
#[test]
fn every_extra_vector_matches_text_and_fnv() {
    let rows = rows_of("extra.tsv");
    assert_eq!(rows.len(), EXTRA_ROWS, "data rows in extra.tsv");
    let failures = check_rows(&rows, build_extra);
    assert!(
        failures.is_empty(),
        "{}/{} passed; failures:\n{}",
        rows.len() - failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// The V1 rename done on the descriptor (`Type::renamed`) hashes like the
/// kubelet's text replacement.
#[test]
fn v1_rename_by_descriptor_equals_text_rename() {
    let row = rows()
        .into_iter()
        .find(|r| r.name == "cpu_v1_verify_text_after_rename")
        .unwrap();
    let case = build("cpu_v1").unwrap();
    let renamed = Type::renamed(&cpu_v1(), "state.CPUManagerCheckpoint");
    let ty = Type::ptr(renamed);
    assert_eq!(spew::to_bytes(&case.v, &ty), row.spew);
    assert_eq!(spew::fnv32a(&case.v, &ty), row.fnv);
}

/// The SpewKeys ordering of `main.Str` keys really depends on the methods
/// table: without `String()` the keys sort by their fields.
#[test]
fn stringer_keys_without_methods_sort_by_fields() {
    let case = build("map_stringer_struct_keys_sorted_by_String").unwrap();
    let text = spew::to_bytes(&case.v, &case.ty);
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "(map[main.Str]int)map[{N:(int)1}:1 {N:(int)2}:2 {N:(int)3}:3]"
    );
}

// ---------- extra.tsv (tests/data/spew/gen/extra.go) ----------

/// A recursive named struct `NAME{Name string; LINK}` unrolled `depth`
/// levels, where `link` wraps the recursive type (`[]*T`, `map[string]*T`).
fn recursive(name: &str, depth: usize, link: fn(&TypeRef) -> TypeRef) -> TypeRef {
    let inner = if depth == 0 {
        strukt(name, &[])
    } else {
        recursive(name, depth - 1, link)
    };
    let lname = if name == "main.Tree" { "Kids" } else { "M" };
    strukt(name, &[("Name", &string()), (lname, &link(&inner))])
}

fn hidden_map(name: &str, k: &TypeRef, v: &TypeRef, entries: Vec<(Value, Value)>) -> Option<Case> {
    c(strukt(name, &[("m", &map(k, v))]), st(vec![m(entries)]))
}

#[allow(clippy::too_many_lines)]
fn build_extra(name: &str) -> Option<Case> {
    let t = types();
    let inner = &t.inner;
    let f32t = Type::new(TypeKind::Float32);
    let int8 = intn(IntBits::B8);
    let err = named("main.Err", &string());
    let error = Type::named("error", TypeKind::Interface);
    let arr = |n: usize, e: &TypeRef| Type::array(n, e.clone());
    let a = Value::Array;
    let tree = |d| recursive("main.Tree", d, |t| slice(&ptr(t)));
    let mnode = |d| recursive("main.MNode", d, |t| map(&string(), &ptr(t)));
    let leak_iface = strukt(
        "main.LeakIface",
        &[("S", &slice(&ptr(&int()))), ("I", &iface()), ("J", &int())],
    );
    let leak_map_field = strukt(
        "main.LeakMapField",
        &[
            ("S", &slice(&ptr(&int()))),
            ("M", &map(&string(), &int())),
            ("T", &slice(&int())),
            ("U", &string()),
        ],
    );
    let hidden_nested = strukt(
        "main.hiddenNested",
        &[
            ("A", &int()),
            (
                "h",
                &anon(&[("M", &map(&string(), &int())), ("K", &map(&t.str_, &int()))]),
            ),
            ("B", &string()),
        ],
    );
    let nil_map_ptr_t = ptr(&map(&string(), &ptr(&int())));

    match name {
        "cycle_last_slice_elem_leaks" => c(
            ptr(&tree(3)),
            p(st(vec![
                s("root"),
                sl(vec![p(st(vec![s("kid"), nils()])), Value::Cycle]),
            ])),
        ),
        "cycle_last_map_value_leaks" => c(
            ptr(&mnode(3)),
            p(st(vec![s("a"), m(vec![(s("self"), Value::Cycle)])])),
        ),
        "cycle_leak_into_next_field" => {
            // main.Tree2{Kids []*Tree2; N int}, one level unrolled.
            let leaf = strukt("main.Tree2", &[]);
            let t2 = strukt(
                "main.Tree2",
                &[("Kids", &slice(&ptr(&leaf))), ("N", &int())],
            );
            c(ptr(&t2), p(st(vec![sl(vec![Value::Cycle]), i(1)])))
        }
        "cycle_map_value_then_more" => c(
            ptr(&mnode(3)),
            p(st(vec![
                s("b"),
                m(vec![
                    (s("z"), Value::Cycle),
                    (s("a"), p(st(vec![s("c"), nilm()]))),
                ]),
            ])),
        ),
        "untyped_ptr_to_nil_map_ptr_star_count" => c(
            map(&string(), &ptr(&nil_map_ptr_t)),
            m(vec![(s("a"), p(nilp()))]),
        ),
        "typed_ptr_to_nil_map_ptr" => c(ptr(&nil_map_ptr_t), p(nilp())),
        "complex64" => c(Type::new(TypeKind::Complex64), Value::Complex(1.5, 0.25)),
        "complex_nan_imag" => c(
            Type::new(TypeKind::Complex128),
            Value::Complex(1.0, f64::NAN),
        ),
        "complex_inf_imag" => c(
            Type::new(TypeKind::Complex128),
            Value::Complex(-1.0, f64::INFINITY),
        ),
        "complex_neg_zero_imag" => c(Type::new(TypeKind::Complex128), Value::Complex(0.0, -0.0)),
        "float32_max" => c(f32t, f(f64::from(f32::MAX))),
        "float32_smallest_denormal" => c(f32t, f(f64::from(f32::from_bits(1)))),
        "float32_third" => c(f32t, f(f64::from(1.0_f32 / 3.0))),
        "float64_third" => c(Type::new(TypeKind::Float64), f(1.0 / 3.0)),
        "float64_999999_5" => c(Type::new(TypeKind::Float64), f(999999.5)),
        "float64_1e-4_boundary" => c(Type::new(TypeKind::Float64), f(0.000123)),
        "float32_slice" => c(
            slice(&f32t),
            sl([0.1_f32, 1e10, -2.5e-5]
                .iter()
                .map(|x| f(f64::from(*x)))
                .collect()),
        ),
        "map_uintptr_keys" => c(
            map(&Type::new(TypeKind::Uintptr), &int()),
            m(vec![(u(0), i(1)), (u(0xff), i(2)), (u(1), i(3))]),
        ),
        "map_array_string_keys" => c(
            map(&arr(2, &string()), &int()),
            m(vec![
                (a(vec![s("b"), s("a")]), i(1)),
                (a(vec![s("a"), s("z")]), i(2)),
                (a(vec![s("a"), s("b")]), i(3)),
            ]),
        ),
        "map_err_field_struct_keys_methods" => c(
            map(&strukt("main.KE", &[("E", &err)]), &int()),
            m(vec![
                (st(vec![s("b")]), i(1)),
                (st(vec![s("a")]), i(2)),
                (st(vec![s("c")]), i(3)),
            ]),
        ),
        "map_ptr_receiver_stringer_keys" => c(
            map(&strukt("main.PS", &[("N", &int())]), &int()),
            m(vec![
                (st(vec![i(1)]), i(1)),
                (st(vec![i(2)]), i(2)),
                (st(vec![i(3)]), i(3)),
            ]),
        ),
        "map_iface_keys_holding_stringers" => c(
            map(&iface(), &int()),
            m(vec![
                (dynv(&t.str_, st(vec![i(1)])), i(1)),
                (dynv(&t.str_, st(vec![i(3)])), i(3)),
                (dynv(&string(), s("x")), i(0)),
            ]),
        ),
        "embedded_unexported_struct" => c(
            Type::named(
                "main.WithEmbeddedHidden",
                TypeKind::Struct(vec![
                    Field::embedded("inner2", strukt("main.inner2", &[("Z", &int())]), ""),
                    Field::new("A", int(), ""),
                ]),
            ),
            st(vec![st(vec![i(7)]), i(1)]),
        ),
        "hidden_array_keys_two_panic" => hidden_map(
            "main.hiddenArr",
            &arr(1, &int()),
            &string(),
            vec![(a(vec![i(2)]), s("b")), (a(vec![i(1)]), s("a"))],
        ),
        "hidden_array_keys_one_no_panic" => hidden_map(
            "main.hiddenArr1",
            &arr(1, &int()),
            &string(),
            vec![(a(vec![i(1)]), s("a"))],
        ),
        "hidden_iface_keys_panic" => hidden_map(
            "main.hiddenIface",
            &iface(),
            &int(),
            vec![(dynv(&string(), s("a")), i(1))],
        ),
        "hidden_ptr_keys_panic" => hidden_map(
            "main.hiddenPtr",
            &ptr(&int()),
            &int(),
            vec![(p(i(1)), i(1))],
        ),
        "hidden_empty_array_keys_no_panic" => hidden_map(
            "main.hiddenEmptyArr",
            &arr(0, &int()),
            &int(),
            vec![(a(vec![]), i(1))],
        ),
        "hidden_nested_struct_string_keys_ok" => c(
            hidden_nested,
            st(vec![
                i(1),
                st(vec![m(vec![(s("z"), i(1)), (s("a"), i(2))]), nilm()]),
                s("b"),
            ]),
        ),
        "hidden_nested_struct_keys_panic_midway" => c(
            hidden_nested,
            st(vec![
                i(1),
                st(vec![
                    m(vec![(s("z"), i(1))]),
                    m(vec![(st(vec![i(1)]), i(1))]),
                ]),
                s("b"),
            ]),
        ),
        "iface_field_holding_ptr_ptr" => c(
            anon(&[("A", &iface())]),
            st(vec![dynv(&ptr(&ptr(&int())), p(p(i(5))))]),
        ),
        "slice_iface_holding_nil_struct_ptr" => c(
            slice(&iface()),
            sl(vec![dynv(&ptr(inner), nilp()), dynv(&int(), i(1))]),
        ),
        "ptr_to_iface_holding_ptr" => c(ptr(&iface()), p(dynv(&ptr(&int()), p(i(5))))),
        "ptr_to_iface_holding_nil_ptr" => c(ptr(&iface()), p(dynv(&ptr(&int()), nilp()))),
        "slice_of_ptr_to_nil_iface" => c(slice(&ptr(&iface())), sl(vec![p(nili())])),
        "slice_of_ptr_to_nil_iface_then_field" => c(
            anon(&[("S", &slice(&ptr(&iface()))), ("N", &int())]),
            st(vec![sl(vec![p(nili())]), i(2)]),
        ),
        "leak_reset_by_interface_field" => c(
            leak_iface,
            st(vec![sl(vec![nilp()]), dynv(&int(), i(5)), i(6)]),
        ),
        "leak_into_nil_interface_field" => c(leak_iface, st(vec![sl(vec![nilp()]), nili(), i(6)])),
        "leak_into_map_field" => c(
            leak_map_field,
            st(vec![
                sl(vec![nilp()]),
                m(vec![(s("a"), i(1))]),
                nils(),
                s("u"),
            ]),
        ),
        "leak_into_nil_map_field" => c(
            leak_map_field,
            st(vec![sl(vec![nilp()]), nilm(), ints(&[1]), s("u")]),
        ),
        "leak_deep_nested" => c(
            strukt(
                "main.LeakDeep",
                &[
                    ("L", &slice(&anon(&[("M", &map(&string(), &ptr(&int())))]))),
                    ("N", &int()),
                ],
            ),
            st(vec![sl(vec![st(vec![m(vec![(s("k"), nilp())])])]), i(3)]),
        ),
        "top_nil_error" => c(error, nili()),
        "top_interface_slice_of_nil_errors" => {
            c(slice(&error), sl(vec![nili(), dynv(&err, s("x"))]))
        }
        "map_string_to_error_values" => c(
            map(&string(), &error),
            m(vec![(s("a"), dynv(&err, s("x"))), (s("b"), nili())]),
        ),
        "bool_slice" => c(slice(&boolean()), sl(vec![b(true), b(false)])),
        "nested_arrays" => c(
            arr(2, &arr(2, &int8)),
            a(vec![a(vec![i(1), i(-1)]), a(vec![i(0), i(2)])]),
        ),
        "map_nested_array_keys" => {
            let k = |x: i64, y: i64| a(vec![a(vec![i(x)]), a(vec![i(y)])]);
            c(
                map(&arr(2, &arr(1, &int())), &int()),
                m(vec![(k(2, 1), i(1)), (k(1, 9), i(2)), (k(1, 3), i(3))]),
            )
        }
        "map_bool_array_keys" => {
            let k = |x: bool, y: bool| a(vec![b(x), b(y)]);
            c(
                map(&arr(2, &boolean()), &int()),
                m(vec![
                    (k(true, false), i(1)),
                    (k(false, true), i(2)),
                    (k(false, false), i(3)),
                ]),
            )
        }
        "map_int_keys_to_nil_ptr_last_then_field" => c(
            anon(&[("M", &map(&int(), &ptr(inner))), ("S", &string())]),
            st(vec![
                m(vec![
                    (i(-5), p(inr(1, ""))),
                    (i(10), nilp()),
                    (i(2), p(inr(0, ""))),
                ]),
                s("s"),
            ]),
        ),
        "map_interface_keys_with_nil" => c(
            map(&iface(), &string()),
            m(vec![
                (nili(), s("n")),
                (dynv(&int(), i(1)), s("i")),
                (dynv(&string(), s("")), s("s")),
            ]),
        ),
        _ => None,
    }
}

/// `render_pointer_to(x, T)` prints exactly what rendering the pointer
/// `&x` of type `*T` prints, for every vector (both corpora) that is a
/// non-nil pointer at top level.
#[test]
fn pointer_to_equals_rendering_the_pointer() {
    let mut checked = 0;
    let all = rows()
        .into_iter()
        .map(|r| (r, build as fn(&str) -> Option<Case>))
        .chain(
            rows_of("extra.tsv")
                .into_iter()
                .map(|r| (r, build_extra as fn(&str) -> Option<Case>)),
        );
    for (row, build) in all {
        let case = build(&row.name).unwrap();
        let (TypeKind::Ptr(elem), Value::Ptr(Some(x))) = (&case.ty.kind, &case.v) else {
            continue;
        };
        let mut got = Vec::new();
        spew::render_pointer_to(x, elem, &mut got);
        assert_eq!(got, spew::to_bytes(&case.v, &case.ty), "{}", row.name);
        if !case.rename_v1 {
            assert_eq!(got, row.spew, "{}", row.name);
            assert_eq!(spew::fnv32a_pointer_to(x, elem), row.fnv, "{}", row.name);
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} pointer cases");
}

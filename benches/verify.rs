//! Whole-file and building-block benchmarks of the verify path. Run with
//! `cargo bench --bench verify` (add a filter: `cargo bench --bench verify -- dra`).
//!
//! Inputs: the Go reference's own `gen` output checked into `tests/golden/`
//! (small, realistic, edge-case laden), and large synthetic files built from
//! typed models by `benches/synth` (1,000-pod cpu-v2, 5,000-entry
//! device-v2, ~1 MB dra-v4, ~1.6 MB dra-v7), so no Go is needed here.
//! `scripts/bench-vs-go.sh` compares the same inputs against Go.
//!
//! Whole-file: `verify`, `canonical`, `explain` into a sink that drops the
//! text. Building blocks, on the kind's Go type: `json::unmarshal` into the
//! kubelet's pre-filled value, the typed conversion (`from_go`), go-spew
//! rendering into FNV-32a, and `json::marshal`. All report bytes/s of the
//! input file.

#[path = "synth/mod.rs"]
mod synth;

use std::collections::HashMap;
use std::sync::OnceLock;

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use kubelet_ckpt::formats::dra::types::{structured, v4, CrcCheckpoint, Envelope};
use kubelet_ckpt::formats::resmgr::SpewKind;
use kubelet_ckpt::formats::{cpu, device, kind, memory, VerifyOptions};
use kubelet_ckpt::go::fnv::Fnv32a;
use kubelet_ckpt::go::sink::Sink;
use kubelet_ckpt::go::{json, spew, GoType, TypeRef, Value};

fn main() {
    divan::main();
}

/// Every input: `KIND/gen-N` (a golden file) or a synthetic name.
/// Golden files first, then the large ones.
const CASES: &[&str] = &[
    "cpu-v2/gen-2",
    "memory/gen-1",
    "device-v2/gen-5",
    "dra-v4/gen-5",
    "dra-v7/gen-5",
    "cpu-v2-1000pods",
    "device-v2-5000entries",
    "dra-v4-1mb",
    "dra-v7-2mb",
];

/// The cases whose checksum is a go-spew one (dra-v7 is CRC-32 of a string).
const SPEW_CASES: &[&str] = &[
    "cpu-v2/gen-2",
    "memory/gen-1",
    "device-v2/gen-5",
    "dra-v4/gen-5",
    "cpu-v2-1000pods",
    "device-v2-5000entries",
    "dra-v4-1mb",
];

/// The kind reading a case: the golden directory, or the synthetic's kind.
fn kind_of(case: &str) -> &'static str {
    match case.split_once('/') {
        Some((dir, _)) => kind(dir).map(|k| k.info().name).unwrap_or("unknown"),
        None => synth::by_name(case).map(|s| s.kind).unwrap_or("unknown"),
    }
}

/// The bytes of a case, built or read once per process.
fn input(case: &str) -> &'static [u8] {
    static CACHE: OnceLock<HashMap<&'static str, Vec<u8>>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        CASES
            .iter()
            .map(|&c| {
                let bytes = match synth::by_name(c) {
                    Some(s) => (s.build)(),
                    None => {
                        let p = format!("{}/tests/golden/{c}.json", env!("CARGO_MANIFEST_DIR"));
                        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
                    }
                };
                (c, bytes)
            })
            .collect()
    });
    all.get(case).map(Vec::as_slice).unwrap_or_default()
}

/// A sink that drops everything (so `explain` measures rendering alone).
struct Null;

impl Sink for Null {
    fn put(&mut self, bytes: &[u8]) {
        black_box(bytes);
    }
}

#[divan::bench(args = CASES, max_time = 3)]
fn verify(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let shape = kind(kind_of(case)).expect("registered kind");
    let opts = VerifyOptions::default();
    assert_eq!(shape.verify(bytes, &opts).verdict.as_str(), "ok", "{case}");
    bencher
        .counter(BytesCount::of_slice(bytes))
        .bench(|| shape.verify(black_box(bytes), &opts));
}

#[divan::bench(args = CASES, max_time = 3)]
fn canonical(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let shape = kind(kind_of(case)).expect("registered kind");
    bencher
        .counter(BytesCount::of_slice(bytes))
        .bench(|| shape.canonical(black_box(bytes)));
}

#[divan::bench(args = CASES, max_time = 3)]
fn explain_null(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let shape = kind(kind_of(case)).expect("registered kind");
    bencher
        .counter(BytesCount::of_slice(bytes))
        .bench(|| shape.explain(black_box(bytes), &mut Null));
}

/// The Go type a case's file decodes into and the kubelet's pre-filled
/// value, plus whether its checksum is a spew one (`Some(hashed type)`:
/// the type of `&cp` the kubelet hashes).
struct Model {
    ty: TypeRef,
    init: Value,
    spew_ptr_elem: Option<TypeRef>,
}

fn model(case: &str) -> Model {
    fn of<T: GoType>(init: T, spew: bool) -> Model {
        Model {
            ty: T::go_type(),
            init: init.to_go(),
            spew_ptr_elem: spew.then(T::go_type),
        }
    }
    match kind_of(case) {
        "cpu-v2" => of(cpu::v2::CpuV2::new_checkpoint(), true),
        "memory" => of(memory::v1::MemoryV1::new_checkpoint(), true),
        // The device manager hashes its `Data` member by value; hashing the
        // whole file behind a pointer renders the same amount of text.
        "device-v2" => of(device::Data::prefilled(), true),
        "dra-v4" => of(v4::DraManagerCheckpoint::prefilled(), true),
        // The outer `{Data, Checksum}`: its data string is decoded again.
        "dra-v7" => of(CrcCheckpoint::default(), false),
        other => panic!("no model for {other}"),
    }
}

/// `json.Unmarshal` into the pre-filled value of the kind's type (outer
/// file only for dra-v7).
#[divan::bench(args = CASES, max_time = 3)]
fn json_unmarshal(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let m = model(case);
    bencher
        .counter(BytesCount::of_slice(bytes))
        .with_inputs(|| m.init.clone())
        .bench_local_refs(|v| json::unmarshal(black_box(bytes), &m.ty, v));
}

/// dra-v7's second decode: the `Data` string into `state.CheckpointData`.
#[divan::bench(args = ["dra-v7/gen-5", "dra-v7-2mb"], max_time = 3)]
fn json_unmarshal_dra_v7_data(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let outer: CrcCheckpoint =
        kubelet_ckpt::formats::resmgr::decode_ok(bytes, &CrcCheckpoint::default())
            .expect("decodes");
    let data = outer.data.into_bytes();
    let ty = structured::CheckpointDataV7::go_type();
    let init = structured::CheckpointDataV7::default().to_go();
    bencher
        .counter(BytesCount::of_slice(&data))
        .with_inputs(|| init.clone())
        .bench_local_refs(|v| json::unmarshal(black_box(&data), &ty, v));
}

fn decoded(case: &str) -> (Model, Value) {
    let m = model(case);
    let mut v = m.init.clone();
    json::unmarshal(input(case), &m.ty, &mut v).expect("decodes");
    (m, v)
}

/// go-spew `%#v` of `&cp` streamed into FNV-32a.
#[divan::bench(args = SPEW_CASES, max_time = 3)]
fn spew_fnv32a(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let (m, v) = decoded(case);
    let elem = m.spew_ptr_elem.expect("a spew kind");
    bencher.counter(BytesCount::of_slice(bytes)).bench(|| {
        let mut h = Fnv32a::new();
        spew::render_pointer_to(black_box(&v), &elem, &mut h);
        h.finish()
    });
}

/// `json.Marshal` of the decoded value.
#[divan::bench(args = CASES, max_time = 3)]
fn json_marshal(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let (m, v) = decoded(case);
    bencher
        .counter(BytesCount::of_slice(bytes))
        .bench(|| json::marshal(black_box(&v), &m.ty));
}

/// The typed read-out (`from_go`) and write-back (`to_go`) every kind does
/// around the generic codec.
#[divan::bench(args = ["cpu-v2-1000pods", "device-v2-5000entries", "dra-v4-1mb"], max_time = 3)]
fn typed_round_trip(bencher: Bencher, case: &str) {
    let bytes = input(case);
    let (_, v) = decoded(case);
    bencher
        .counter(BytesCount::of_slice(bytes))
        .bench(|| match kind_of(case) {
            "cpu-v2" => cpu::types::CheckpointV2::from_go(black_box(&v)).to_go(),
            "device-v2" => device::Data::from_go(black_box(&v)).to_go(),
            _ => v4::DraManagerCheckpoint::from_go(black_box(&v)).to_go(),
        });
}

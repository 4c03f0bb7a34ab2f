//! The Rust side of `scripts/bench-vs-go.sh`: the in-process counterpart of
//! `oracle KIND bench N < FILE`, with the same output line, so the two can be
//! compared on the same file.
//!
//!     cargo run --release --example bench_verify -- KIND N < FILE
//!         -> `<ns> ns/verify (<bytes> bytes, <N> runs)`; exit 1 unless `ok`
//!     cargo run --release --example bench_verify -- gen NAME > FILE
//!         -> writes one of the large synthetic inputs of `benches/synth`
//!     cargo run --release --example bench_verify -- floor KIND N < FILE
//!         -> `<ns> ns/hash (<text bytes> text bytes, ...)`: FNV-32a alone over
//!            the file's hashed text (`explain`), N times: the floor of verify
//!     cargo run --release --example bench_verify -- list
//!         -> `NAME<TAB>KIND` for every synthetic input
//!
//! Like the Go reference, the file is read once and verified `N` times with
//! nothing else in the timed loop (no policy check: `ORACLE_POLICY` unset).

#[path = "../benches/synth/mod.rs"]
mod synth;

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use kubelet_ckpt::formats::{kind, Verdict, VerifyOptions};

fn usage() -> ExitCode {
    eprintln!("usage: bench_verify KIND N < FILE | bench_verify floor KIND N < FILE | bench_verify gen NAME | bench_verify list");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    kubelet_ckpt::tune_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["list"] => {
            for s in synth::ALL {
                println!("{}\t{}", s.name, s.kind);
            }
            ExitCode::SUCCESS
        }
        ["gen", name] => match synth::by_name(name) {
            Some(s) => {
                let bytes = (s.build)();
                if std::io::stdout().write_all(&bytes).is_err() {
                    return ExitCode::FAILURE;
                }
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("unknown synthetic input {name:?} (see `bench_verify list`)");
                ExitCode::from(2)
            }
        },
        ["floor", kind_name, n] => floor(kind_name, n),
        [kind_name, n] => bench(kind_name, n),
        _ => usage(),
    }
}

fn bench(kind_name: &str, n: &str) -> ExitCode {
    let Some(shape) = kind(kind_name) else {
        eprintln!("unknown kind {kind_name:?}");
        return ExitCode::from(2);
    };
    let n: u64 = match n.parse() {
        Ok(n) if n >= 1 => n,
        _ => {
            eprintln!("bad N: {n}");
            return ExitCode::from(2);
        }
    };
    let mut blob = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut blob) {
        eprintln!("read stdin: {e}");
        return ExitCode::from(2);
    }
    let opts = VerifyOptions::default();
    let start = Instant::now();
    for _ in 0..n {
        let v = shape.verify(std::hint::black_box(&blob), &opts);
        if v.verdict != Verdict::Ok {
            eprintln!("verify: {}: {}", v.verdict.as_str(), v.message);
            return ExitCode::FAILURE;
        }
    }
    let ns = start.elapsed().as_nanos() / u128::from(n);
    println!("{ns} ns/verify ({} bytes, {n} runs)", blob.len());
    ExitCode::SUCCESS
}

/// FNV-32a over the hashed text only: what no verify can go below.
fn floor(kind_name: &str, n: &str) -> ExitCode {
    use kubelet_ckpt::go::fnv::Fnv32a;
    use kubelet_ckpt::go::Sink;
    let (Some(shape), Ok(n)) = (kind(kind_name), n.parse::<u64>()) else {
        return usage();
    };
    let mut blob = Vec::new();
    if std::io::stdin().read_to_end(&mut blob).is_err() {
        return ExitCode::from(2);
    }
    let mut text = Vec::new();
    if let Err(e) = shape.explain(&blob, &mut text) {
        eprintln!("explain: {e}");
        return ExitCode::FAILURE;
    }
    let start = Instant::now();
    for _ in 0..n.max(1) {
        let mut h = Fnv32a::new();
        h.put(std::hint::black_box(&text));
        std::hint::black_box(h.finish());
    }
    let ns = start.elapsed().as_nanos() / u128::from(n.max(1));
    println!(
        "{ns} ns/hash ({} text bytes, {} file bytes, {n} runs)",
        text.len(),
        blob.len()
    );
    ExitCode::SUCCESS
}

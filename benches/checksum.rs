//! Micro-benchmarks of the checksum path. Run with `cargo bench`.
//!
//! Start: FNV-32a over 1 MiB (the floor under every spew-checksum verify).
//! Later issues add spew rendering and whole-file verify benches here.

use kubelet_ckpt::go::fnv::{fnv32a, Fnv32a};

fn main() {
    divan::main();
}

/// 1 MiB of varied bytes (a fixed pattern, so runs are comparable).
fn mib() -> Vec<u8> {
    (0..1usize << 20)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect()
}

#[divan::bench(bytes_count = 1usize << 20)]
fn fnv32a_1mib_one_shot(bencher: divan::Bencher) {
    let data = mib();
    bencher.bench(|| fnv32a(divan::black_box(&data)));
}

/// The verify path streams small pieces into the hasher: 64-byte writes.
#[divan::bench(bytes_count = 1usize << 20)]
fn fnv32a_1mib_streamed_64b(bencher: divan::Bencher) {
    let data = mib();
    bencher.bench(|| {
        let mut h = Fnv32a::new();
        for chunk in divan::black_box(&data).chunks(64) {
            h.update(chunk);
        }
        h.finish()
    });
}

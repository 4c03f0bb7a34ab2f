//! FNV-1a, 32 bit: Go's `hash/fnv.New32a`, the kubelet's checksum hash.
//!
//! Hand-written because it is four lines and must match Go bit for bit:
//! offset basis 2166136261, prime 16777619, XOR then multiply, per byte.

use super::sink::Sink;

const OFFSET_BASIS: u32 = 0x811c_9dc5;
const PRIME: u32 = 0x0100_0193;

/// Streaming FNV-32a state.
#[derive(Debug, Clone, Copy)]
pub struct Fnv32a(u32);

impl Default for Fnv32a {
    fn default() -> Self {
        Fnv32a(OFFSET_BASIS)
    }
}

impl Fnv32a {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h ^= u32::from(b);
            h = h.wrapping_mul(PRIME);
        }
        self.0 = h;
    }

    pub fn finish(&self) -> u32 {
        self.0
    }
}

impl Sink for Fnv32a {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// FNV-32a of `bytes` in one call.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h = Fnv32a::new();
    h.update(bytes);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_offset_basis() {
        // go-spew-hash.md §1: FNV-32a("") = 2166136261.
        assert_eq!(fnv32a(b""), 2_166_136_261);
    }

    #[test]
    fn known_values() {
        // Published FNV-1a 32 test values (Fowler/Noll/Vo test suite).
        assert_eq!(fnv32a(b"a"), 0xe40c_292c);
        assert_eq!(fnv32a(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut h = Fnv32a::new();
        h.update(b"foo");
        h.update(b"bar");
        assert_eq!(h.finish(), fnv32a(b"foobar"));
    }
}

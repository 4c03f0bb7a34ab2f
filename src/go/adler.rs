//! Adler-32 (Go's `hash/adler32`), the checksum of dockershim's first
//! sandbox checkpoint handler (dockershim-v0a). Streams like the FNV hasher.

use super::sink::Sink;

const MOD: u32 = 65521;
/// Largest n with 255·n·(n+1)/2 + (n+1)·(MOD−1) < 2^32 (zlib's NMAX): the
/// sums may be reduced only once per this many bytes.
const NMAX: usize = 5552;

/// Streaming Adler-32 state.
#[derive(Debug, Clone, Copy)]
pub struct Adler32 {
    a: u32,
    b: u32,
}

impl Default for Adler32 {
    fn default() -> Self {
        Adler32 { a: 1, b: 0 }
    }
}

impl Adler32 {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(NMAX) {
            for &x in chunk {
                self.a += u32::from(x);
                self.b += self.a;
            }
            self.a %= MOD;
            self.b %= MOD;
        }
    }

    pub fn finish(&self) -> u32 {
        (self.b << 16) | self.a
    }
}

impl Sink for Adler32 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Wikipedia's example and zlib's empty-input value.
        let mut h = Adler32::new();
        h.update(b"Wikipedia");
        assert_eq!(h.finish(), 0x11E6_0398);
        assert_eq!(Adler32::new().finish(), 1);
        // Streaming in pieces equals one shot, across the NMAX boundary.
        let data: Vec<u8> = (0..20000u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut one = Adler32::new();
        one.update(&data);
        let mut parts = Adler32::new();
        for c in data.chunks(777) {
            parts.update(c);
        }
        assert_eq!(one.finish(), parts.finish());
    }
}

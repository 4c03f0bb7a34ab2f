//! CRC-32/IEEE (Go's `hash/crc32.ChecksumIEEE`), used by the CRC-era DRA
//! checkpoints over their JSON data string. A thin wrapper over crc32fast so
//! the rest of the crate names one hash per scheme.

use super::sink::Sink;

/// Streaming CRC-32/IEEE state.
#[derive(Default, Clone)]
pub struct Crc32(crc32fast::Hasher);

impl Crc32 {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn finish(self) -> u32 {
        self.0.finalize()
    }
}

impl Sink for Crc32 {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// CRC-32/IEEE of `bytes`.
pub fn crc32_ieee(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The CRC catalogue's check value for CRC-32/ISO-HDLC ("123456789").
        assert_eq!(crc32_ieee(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut c = Crc32::new();
        c.put(b"1234");
        c.put(b"56789");
        assert_eq!(c.finish(), 0xcbf4_3926);
    }
}

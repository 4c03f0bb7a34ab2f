//! `encoding/base64.StdEncoding` as `encoding/json` uses it for `[]byte`:
//! padded output; input that must be padded, skips `\r`/`\n`, and Go's
//! `illegal base64 data at input byte N` offsets.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the padded standard base64 encoding of `src`.
pub fn encode(out: &mut Vec<u8>, src: &[u8]) {
    let mut chunks = src.chunks_exact(3);
    for c in &mut chunks {
        let v = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        for s in [18, 12, 6, 0] {
            out.push(ALPHABET[(v >> s) as usize & 0x3F]);
        }
    }
    match *chunks.remainder() {
        [a] => {
            let v = u32::from(a) << 16;
            out.push(ALPHABET[(v >> 18) as usize & 0x3F]);
            out.push(ALPHABET[(v >> 12) as usize & 0x3F]);
            out.extend_from_slice(b"==");
        }
        [a, b] => {
            let v = u32::from(a) << 16 | u32::from(b) << 8;
            out.push(ALPHABET[(v >> 18) as usize & 0x3F]);
            out.push(ALPHABET[(v >> 12) as usize & 0x3F]);
            out.push(ALPHABET[(v >> 6) as usize & 0x3F]);
            out.push(b'=');
        }
        _ => {}
    }
}

fn decode_byte(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Go's `CorruptInputError`: the offset of the offending input byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorruptInput(pub usize);

impl std::fmt::Display for CorruptInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "illegal base64 data at input byte {}", self.0)
    }
}

/// One `decodeQuantum` step: returns the next input offset and the bytes
/// it produced, or Go's error offset.
fn decode_quantum(
    out: &mut Vec<u8>,
    src: &[u8],
    mut si: usize,
) -> Result<(usize, bool), CorruptInput> {
    let mut dbuf = [0u8; 4];
    let mut dlen = 4;
    let mut j = 0;
    let mut trailing_err = None;
    while j < 4 {
        if src.len() == si {
            if j == 0 {
                return Ok((si, true));
            }
            // StdEncoding has padding, so any short quantum is corrupt.
            return Err(CorruptInput(si - j));
        }
        let c = src[si];
        si += 1;
        if let Some(v) = decode_byte(c) {
            dbuf[j] = v;
            j += 1;
            continue;
        }
        if c == b'\n' || c == b'\r' {
            continue;
        }
        if c != b'=' {
            return Err(CorruptInput(si - 1));
        }
        // Padding.
        match j {
            0 | 1 => return Err(CorruptInput(si - 1)),
            2 => {
                while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                    si += 1;
                }
                if si == src.len() {
                    return Err(CorruptInput(src.len()));
                }
                if src[si] != b'=' {
                    return Err(CorruptInput(si - 1));
                }
                si += 1;
            }
            _ => {}
        }
        while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
            si += 1;
        }
        if si < src.len() {
            trailing_err = Some(CorruptInput(si));
        }
        dlen = j;
        break;
    }
    let val = u32::from(dbuf[0]) << 18
        | u32::from(dbuf[1]) << 12
        | u32::from(dbuf[2]) << 6
        | u32::from(dbuf[3]);
    let b = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
    match dlen {
        4 => out.extend_from_slice(&b),
        3 => out.extend_from_slice(&b[..2]),
        2 => out.push(b[0]),
        _ => {}
    }
    match trailing_err {
        Some(e) => Err(e),
        None => Ok((si, dlen < 4)),
    }
}

/// `base64.StdEncoding.Decode`. On error the bytes decoded so far are
/// discarded by the caller (as `encoding/json` does).
pub fn decode(src: &[u8]) -> Result<Vec<u8>, CorruptInput> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let (nsi, _) = decode_quantum(&mut out, src, si)?;
        if nsi == si {
            break;
        }
        si = nsi;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let mut o = Vec::new();
        encode(&mut o, &[0xfb, 0xff, 0xbf]);
        assert_eq!(o, b"+/+/");
        o.clear();
        encode(&mut o, &[1]);
        assert_eq!(o, b"AQ==");
        assert_eq!(decode(b"AAEC/w==").unwrap(), vec![0, 1, 2, 255]);
        assert_eq!(decode(b"AAEC\n/w==").unwrap(), vec![0, 1, 2, 255]);
        assert_eq!(decode(b"AAEC/w").unwrap_err(), CorruptInput(4));
        assert_eq!(decode(b"AAEC_w==").unwrap_err(), CorruptInput(4));
        assert_eq!(decode(b"").unwrap(), Vec::<u8>::new());
        assert_eq!(decode(b"AA==AA==").unwrap_err(), CorruptInput(4));
    }
}

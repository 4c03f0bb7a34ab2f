//! Go's `unquoteBytes`: a JSON string literal to its bytes, with lone or
//! mismatched surrogate escapes and invalid UTF-8 turned into U+FFFD (one
//! per bad byte), exactly as `json.Unmarshal` stores strings.

use std::borrow::Cow;

use super::quote::{decode_rune, push_rune, RUNE_ERROR};

/// `getu4`: the value of a `\uXXXX` escape at the start of `s`.
fn getu4(s: &[u8]) -> Option<u32> {
    if s.len() < 6 || s[0] != b'\\' || s[1] != b'u' {
        return None;
    }
    let mut r = 0u32;
    for &c in &s[2..6] {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        r = r * 16 + u32::from(d);
    }
    Some(r)
}

fn is_surrogate(r: u32) -> bool {
    (0xD800..0xE000).contains(&r)
}

/// `utf16.DecodeRune`.
fn decode_pair(r1: u32, r2: u32) -> u32 {
    if (0xD800..0xDC00).contains(&r1) && (0xDC00..0xE000).contains(&r2) {
        ((r1 - 0xD800) << 10 | (r2 - 0xDC00)) + 0x10000
    } else {
        RUNE_ERROR
    }
}

/// Unquotes the literal `s` (including its quotes). `None` when it is not
/// a well-formed literal by Go's rules (note: like Go this also accepts the
/// `\'` escape, which the scanner never lets through but `,string` inner
/// values can hold).
pub fn unquote_bytes(s: &[u8]) -> Option<Cow<'_, [u8]>> {
    if s.len() < 2 || s[0] != b'"' || s[s.len() - 1] != b'"' {
        return None;
    }
    let s = &s[1..s.len() - 1];

    // Fast path: nothing to unescape or replace. Plain ASCII eight bytes
    // at a time first.
    let mut r = 0;
    while let Some(chunk) = s.get(r..r + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        if super::scanner::word_has_special(u64::from_le_bytes(w), true) {
            break;
        }
        r += 8;
    }
    while r < s.len() {
        let c = s[r];
        if c == b'\\' || c == b'"' || c < b' ' {
            break;
        }
        if c < 0x80 {
            r += 1;
            continue;
        }
        let (rr, size) = decode_rune(&s[r..]);
        if rr == RUNE_ERROR && size == 1 {
            break;
        }
        r += size;
    }
    if r == s.len() {
        return Some(Cow::Borrowed(s));
    }

    let mut b = Vec::with_capacity(s.len() + 8);
    b.extend_from_slice(&s[..r]);
    while r < s.len() {
        let c = s[r];
        if c == b'\\' {
            r += 1;
            let e = *s.get(r)?;
            match e {
                b'"' | b'\\' | b'/' | b'\'' => {
                    b.push(e);
                    r += 1;
                }
                b'b' => {
                    b.push(0x08);
                    r += 1;
                }
                b'f' => {
                    b.push(0x0C);
                    r += 1;
                }
                b'n' => {
                    b.push(b'\n');
                    r += 1;
                }
                b'r' => {
                    b.push(b'\r');
                    r += 1;
                }
                b't' => {
                    b.push(b'\t');
                    r += 1;
                }
                b'u' => {
                    r -= 1;
                    let mut rr = getu4(&s[r..])?;
                    r += 6;
                    if is_surrogate(rr) {
                        let dec = getu4(&s[r..]).map_or(RUNE_ERROR, |rr1| decode_pair(rr, rr1));
                        if dec != RUNE_ERROR {
                            r += 6;
                            push_rune(&mut b, dec);
                            continue;
                        }
                        rr = RUNE_ERROR;
                    }
                    push_rune(&mut b, rr);
                }
                _ => return None,
            }
        } else if c == b'"' || c < b' ' {
            return None;
        } else if c < 0x80 {
            // Copy the whole run of plain ASCII at once (Go copies it byte
            // by byte; the result is the same, the loop is not).
            let run = s[r..]
                .iter()
                .position(|&x| x == b'\\' || x == b'"' || !(b' '..0x80).contains(&x))
                .unwrap_or(s.len() - r);
            b.extend_from_slice(&s[r..r + run]);
            r += run;
        } else {
            let (rr, size) = decode_rune(&s[r..]);
            r += size.max(1);
            push_rune(&mut b, rr);
        }
    }
    Some(Cow::Owned(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &[u8]) -> Vec<u8> {
        unquote_bytes(s).unwrap().into_owned()
    }

    #[test]
    fn escapes_and_replacement() {
        assert_eq!(u(b"\"abc\""), b"abc");
        assert_eq!(
            u(br#""\u0041\u00E9\ud83d\ude00\/""#),
            "A\u{e9}\u{1F600}/".as_bytes()
        );
        assert_eq!(u(br#""a\ud800b""#), "a\u{FFFD}b".as_bytes());
        assert_eq!(u(br#""\udc00""#), "\u{FFFD}".as_bytes());
        assert_eq!(u(br#""\ud800\u0041""#), "\u{FFFD}A".as_bytes());
        assert_eq!(
            u(b"\"a\xffb\xe2\x82c\xed\xa0\x80\""),
            "a\u{FFFD}b\u{FFFD}\u{FFFD}c\u{FFFD}\u{FFFD}\u{FFFD}".as_bytes()
        );
        assert_eq!(u(br#""a\u0000b""#), b"a\0b");
        assert!(unquote_bytes(b"\"a\nb\"").is_none());
        assert!(unquote_bytes(br#""\x""#).is_none());
    }
}

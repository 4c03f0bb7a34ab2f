//! Go's `strconv.Quote`, `unicode/utf8.DecodeRune` and `bytes.EqualFold`,
//! exactly as `encoding/json` uses them in error texts and key matching.
//!
//! Error messages such as `invalid character 'ï' looking for beginning of
//! value` or `trying to unmarshal "\x01" into int64` embed Go-quoted text;
//! the quoting itself is the crate's one `strconv.Quote`
//! ([`crate::go::strconv::quote_bytes`]); key matching needs Go's simple
//! case-folding tables (generated from Go 1.19 into `tables.rs`).

use super::tables::{DIGIT_RANGES, LETTER_RANGES, SIMPLE_FOLD};
use crate::go::strconv;

/// U+FFFD.
pub const RUNE_ERROR: u32 = 0xFFFD;

/// `utf8.DecodeRune`: the rune at the start of `s` and its width. Invalid
/// or truncated sequences give `(RUNE_ERROR, 1)`; an empty slice `(RUNE_ERROR, 0)`.
pub fn decode_rune(s: &[u8]) -> (u32, usize) {
    let Some(&b0) = s.first() else {
        return (RUNE_ERROR, 0);
    };
    if b0 < 0x80 {
        return (u32::from(b0), 1);
    }
    let n = match b0 {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (RUNE_ERROR, 1),
    };
    // `from_utf8` enforces exactly Go's rules: no overlongs, no surrogates,
    // nothing above U+10FFFF.
    match s.get(..n).map(std::str::from_utf8) {
        Some(Ok(st)) => match st.chars().next() {
            Some(c) => (u32::from(c), n),
            None => (RUNE_ERROR, 1),
        },
        _ => (RUNE_ERROR, 1),
    }
}

/// Appends the UTF-8 encoding of `r` (U+FFFD for invalid runes, as Go's
/// `utf8.AppendRune`).
pub fn push_rune(out: &mut Vec<u8>, r: u32) {
    let c = char::from_u32(r).unwrap_or('\u{FFFD}');
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn in_ranges(table: &[(u32, u32)], r: u32) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < r {
                std::cmp::Ordering::Less
            } else if lo > r {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `unicode.IsLetter`.
pub fn is_letter(r: u32) -> bool {
    in_ranges(LETTER_RANGES, r)
}

/// `unicode.IsDigit`.
pub fn is_digit(r: u32) -> bool {
    in_ranges(DIGIT_RANGES, r)
}

/// `strconv.Quote(string(s))` (also what `fmt`'s `%q` prints for a byte slice).
pub fn go_quote(s: &[u8]) -> String {
    strconv::quote_bytes(s)
}

/// The scanner's `quoteChar`: the byte as the rune with that value
/// (Latin-1, as Go's `string(c)` does), quoted by `strconv.Quote` with its
/// double quotes swapped for single ones (`'` and `"` are special cases).
pub fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = strconv::quote(char::from(c).encode_utf8(&mut [0; 4]));
            // `quote` always returns `"` + text + `"`.
            let inner = q.strip_prefix('"').and_then(|q| q.strip_suffix('"'));
            format!("'{}'", inner.unwrap_or_default())
        }
    }
}

/// `unicode.SimpleFold`.
pub fn simple_fold(r: u32) -> u32 {
    match SIMPLE_FOLD.binary_search_by_key(&r, |&(k, _)| k) {
        Ok(i) => SIMPLE_FOLD.get(i).map_or(r, |&(_, f)| f),
        Err(_) => r,
    }
}

/// `bytes.EqualFold`: equal under Unicode simple case folding (so KELVIN
/// SIGN matches `k` and LONG S matches `s`). Go 1.19's per-field
/// `foldFunc` specialisations are all equivalent to this for valid UTF-8
/// names, which is all struct tags can hold.
pub fn equal_fold(mut s: &[u8], mut t: &[u8]) -> bool {
    while !s.is_empty() && !t.is_empty() {
        let (mut sr, sw) = decode_rune(s);
        s = &s[sw.max(1)..];
        let (mut tr, tw) = decode_rune(t);
        t = &t[tw.max(1)..];
        if tr == sr {
            continue;
        }
        if tr < sr {
            std::mem::swap(&mut tr, &mut sr);
        }
        if tr < 0x80 {
            if (u32::from(b'A')..=u32::from(b'Z')).contains(&sr) && tr == sr + 32 {
                continue;
            }
            return false;
        }
        let mut r = simple_fold(sr);
        while r != sr && r < tr {
            r = simple_fold(r);
        }
        if r == tr {
            continue;
        }
        return false;
    }
    s.len() == t.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_char(b'x'), "'x'");
        assert_eq!(quote_char(0), "'\\x00'");
        assert_eq!(quote_char(0x0c), "'\\f'");
        assert_eq!(quote_char(0xef), "'\u{ef}'");
        assert_eq!(quote_char(0x85), "'\\u0085'");
        assert_eq!(quote_char(b'\''), "'\\''");
        assert_eq!(
            go_quote(b"a\"\\\x01\xff\xe2\x80\xa8\xc3\xa9"),
            "\"a\\\"\\\\\\x01\\xff\\u2028\u{e9}\""
        );
    }

    #[test]
    fn folding() {
        assert!(equal_fold(b"kind", "\u{212a}IND".as_bytes()));
        assert!(equal_fold(b"s", "\u{17f}".as_bytes()));
        assert!(equal_fold("ключ".as_bytes(), "КЛЮЧ".as_bytes()));
        assert!(!equal_fold(b"ab", b"abc"));
        assert!(!equal_fold(b"a", b"b"));
        assert!(equal_fold("σ".as_bytes(), "ς".as_bytes()));
        assert!(is_letter(u32::from('ж')) && !is_letter(u32::from('1')));
        assert!(is_digit(u32::from('٣')) && !is_digit(u32::from('Ⅷ')));
    }
}

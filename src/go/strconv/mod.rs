//! The parts of Go's `strconv` whose exact behaviour shows up in the
//! kubelet's verdicts: `Atoi` (what it accepts, and its error texts) and
//! `Quote` (how `%q` prints a string inside error messages).

mod isprint;

use std::fmt;

/// Why `strconv` rejected a number (`strconv.ErrSyntax` / `strconv.ErrRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumErrorKind {
    /// `invalid syntax`
    Syntax,
    /// `value out of range`
    Range,
}

/// Go's `*strconv.NumError`. `Display` is its `Error()` text:
/// `strconv.Atoi: parsing "12x": invalid syntax`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NumError {
    /// The function name Go reports (`Atoi`).
    pub func: &'static str,
    /// The whole input, sign included, as Go records it.
    pub num: String,
    pub kind: NumErrorKind,
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "strconv.{}: parsing ", self.func)?;
        write_quoted(f, self.num.as_bytes())?;
        f.write_str(match self.kind {
            NumErrorKind::Syntax => ": invalid syntax",
            NumErrorKind::Range => ": value out of range",
        })
    }
}

/// `strconv.Atoi` with Go's 64-bit `int`.
///
/// Go's rules, all of which decide kubelet verdicts on cpu lists:
/// one optional leading `+` or `-`; then ASCII digits only (no spaces,
/// underscores, prefixes or non-ASCII digits); leading zeros are fine.
/// Digits are accumulated in a `uint64` and the *first* overflow of that
/// accumulator is reported as out of range, even if a non-digit follows
/// (`99999999999999999999x` is a range error, `9223372036854775808x` a
/// syntax error); a magnitude that fits `uint64` but not `int64` is out of
/// range at the end. (Go's fast path for inputs shorter than 19 bytes
/// cannot overflow and gives the same answers.)
pub fn atoi(s: &str) -> Result<i64, NumError> {
    let err = |kind| NumError {
        func: "Atoi",
        num: s.to_owned(),
        kind,
    };
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(err(NumErrorKind::Syntax));
    }
    let mut n: u64 = 0;
    for c in digits.bytes() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return Err(err(NumErrorKind::Syntax));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or_else(|| err(NumErrorKind::Range))?;
    }
    const CUTOFF: u64 = 1 << 63;
    match (neg, n) {
        (false, n) if n >= CUTOFF => Err(err(NumErrorKind::Range)),
        (true, n) if n > CUTOFF => Err(err(NumErrorKind::Range)),
        // n <= 2^63 here, so the wrapping negation is exact (-2^63 included).
        (true, n) => Ok((n as i64).wrapping_neg()),
        (false, n) => Ok(n as i64),
    }
}

/// `strconv.Quote` (and so `fmt`'s `%q` for strings) of a Go string.
pub fn quote(s: &str) -> String {
    quote_bytes(s.as_bytes())
}

/// `strconv.Quote` of a Go string held as bytes (Go strings may hold
/// invalid UTF-8; each invalid byte prints as `\xNN`).
pub fn quote_bytes(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    // Writing into a String cannot fail.
    let _ = write_quoted(&mut out, s);
    out
}

/// Streams `strconv.Quote(s)` into `w`.
pub fn write_quoted<W: fmt::Write + ?Sized>(w: &mut W, s: &[u8]) -> fmt::Result {
    w.write_char('"')?;
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            write_escaped_rune(w, c)?;
        }
        // Go decodes one invalid byte at a time and prints each as \xNN;
        // the bytes Rust groups into one invalid sequence can never start a
        // valid rune, so the output is the same.
        for b in chunk.invalid() {
            write!(w, "\\x{b:02x}")?;
        }
    }
    w.write_char('"')
}

/// Go's `appendEscapedRune` with `quote = '"'`, not ASCII-only, not graphic-only.
fn write_escaped_rune<W: fmt::Write + ?Sized>(w: &mut W, c: char) -> fmt::Result {
    match c {
        '"' => return w.write_str("\\\""),
        '\\' => return w.write_str("\\\\"),
        _ => {}
    }
    if is_print(c) {
        return w.write_char(c);
    }
    match c {
        '\u{7}' => w.write_str("\\a"),
        '\u{8}' => w.write_str("\\b"),
        '\u{c}' => w.write_str("\\f"),
        '\n' => w.write_str("\\n"),
        '\r' => w.write_str("\\r"),
        '\t' => w.write_str("\\t"),
        '\u{b}' => w.write_str("\\v"),
        c if c < ' ' || c == '\u{7f}' => write!(w, "\\x{:02x}", c as u32),
        c if (c as u32) < 0x10000 => write!(w, "\\u{:04x}", c as u32),
        c => write!(w, "\\U{:08x}", c as u32),
    }
}

/// `strconv.IsPrint` (= `unicode.IsPrint`): letters, marks, numbers,
/// punctuation, symbols and the ASCII space.
pub fn is_print(c: char) -> bool {
    let r = c as u32;
    if r <= 0xff {
        return (0x20..=0x7e).contains(&r) || ((0xa1..=0xff).contains(&r) && r != 0xad);
    }
    if r < 0x1_0000 {
        let rr = r as u16;
        if !in_ranges(&isprint::IS_PRINT16, rr) {
            return false;
        }
        return isprint::IS_NOT_PRINT16.binary_search(&rr).is_err();
    }
    if !in_ranges(&isprint::IS_PRINT32, r) {
        return false;
    }
    if r >= 0x2_0000 {
        return true;
    }
    // r is in 0x10000..0x20000 here, so the offset fits 16 bits.
    let off = (r - 0x1_0000) as u16;
    isprint::IS_NOT_PRINT32.binary_search(&off).is_err()
}

/// `strconv.IsGraphic`: printable, or one of the other Unicode spaces Go
/// counts as graphic (U+00A0, U+2000..U+200A, U+3000, ...).
pub fn is_graphic(c: char) -> bool {
    is_print(c)
        || u16::try_from(c as u32).is_ok_and(|r| isprint::IS_GRAPHIC.binary_search(&r).is_ok())
}

/// Whether `x` lies in one of the inclusive `[lo, hi]` pairs of `table`
/// (sorted, flattened), as Go's `bsearch` + pair check.
fn in_ranges<T: Ord + Copy>(table: &[T], x: T) -> bool {
    // First index i with table[i] >= x.
    let i = table.partition_point(|&v| v < x);
    if i >= table.len() {
        return false;
    }
    let lo = table[i & !1];
    // Pairs are complete, so i | 1 is in bounds.
    let hi = table[i | 1];
    lo <= x && x <= hi
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected texts printed by Go 1.19 (`strconv.Atoi` / `err.Error()`).
    #[test]
    fn atoi_matches_go() {
        let ok: &[(&str, i64)] = &[
            ("+3", 3),
            ("-0", 0),
            ("007", 7),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("123456789012345678", 123_456_789_012_345_678),
            ("1234567890123456789", 1_234_567_890_123_456_789),
            ("+9223372036854775807", i64::MAX),
            ("+000000000000000000000000001", 1),
        ];
        for &(s, v) in ok {
            assert_eq!(atoi(s), Ok(v), "{s:?}");
        }
        let bad: &[(&str, &str)] = &[
            ("", r#"strconv.Atoi: parsing "": invalid syntax"#),
            ("+", r#"strconv.Atoi: parsing "+": invalid syntax"#),
            ("-", r#"strconv.Atoi: parsing "-": invalid syntax"#),
            (" 1", r#"strconv.Atoi: parsing " 1": invalid syntax"#),
            ("1 ", r#"strconv.Atoi: parsing "1 ": invalid syntax"#),
            ("1.5", r#"strconv.Atoi: parsing "1.5": invalid syntax"#),
            ("0x10", r#"strconv.Atoi: parsing "0x10": invalid syntax"#),
            ("1_000", r#"strconv.Atoi: parsing "1_000": invalid syntax"#),
            (
                "9223372036854775808",
                r#"strconv.Atoi: parsing "9223372036854775808": value out of range"#,
            ),
            (
                "-9223372036854775809",
                r#"strconv.Atoi: parsing "-9223372036854775809": value out of range"#,
            ),
            (
                "99999999999999999999",
                r#"strconv.Atoi: parsing "99999999999999999999": value out of range"#,
            ),
            (
                "99999999999999999999x",
                r#"strconv.Atoi: parsing "99999999999999999999x": value out of range"#,
            ),
            (
                "9223372036854775808x",
                r#"strconv.Atoi: parsing "9223372036854775808x": invalid syntax"#,
            ),
            (
                "18446744073709551615",
                r#"strconv.Atoi: parsing "18446744073709551615": value out of range"#,
            ),
            (
                "18446744073709551616",
                r#"strconv.Atoi: parsing "18446744073709551616": value out of range"#,
            ),
            ("٣", r#"strconv.Atoi: parsing "٣": invalid syntax"#),
        ];
        for &(s, text) in bad {
            assert_eq!(
                atoi(s).map_err(|e| e.to_string()),
                Err(text.to_owned()),
                "{s:?}"
            );
        }
    }

    /// Expected texts printed by Go 1.19 `strconv.Quote`.
    #[test]
    fn quote_matches_go() {
        let cases: &[(&[u8], &str)] = &[
            (b"", r#""""#),
            (b"abc", r#""abc""#),
            (b"a\"b\\c", r#""a\"b\\c""#),
            (
                b"\x00\x07\x08\x0c\n\r\t\x0b\x1b\x7f",
                r#""\x00\a\b\f\n\r\t\v\x1b\x7f""#,
            ),
            (
                "é名前\u{ad}\u{2028}\u{feff}\u{1F600}\u{E0001}".as_bytes(),
                "\"é名前\\u00ad\\u2028\\ufeff\u{1F600}\\U000e0001\"",
            ),
            (b"\xff\xe2\x82A\xc0\xaf", r#""\xff\xe2\x82A\xc0\xaf""#),
            ("\u{fffd}".as_bytes(), "\"\u{fffd}\""),
            (" \u{a0}\u{3000}".as_bytes(), r#"" \u00a0\u3000""#),
        ];
        for &(s, q) in cases {
            assert_eq!(quote_bytes(s), q, "{s:?}");
        }
    }

    /// Every code point against Go: FNV-32a over one byte (1 printable, 0
    /// not) per rune 0..=0x10FFFF+2, and the count of printable ones, as
    /// computed by Go 1.19 with `strconv.IsPrint` / `strconv.IsGraphic`.
    #[test]
    fn is_print_and_is_graphic_match_go_on_every_rune() {
        let mut p = crate::go::fnv::Fnv32a::new();
        let mut g = crate::go::fnv::Fnv32a::new();
        let mut count = 0;
        for r in 0..=0x10_FFFFu32 + 2 {
            // Surrogates and values past U+10FFFF are not chars: Go says
            // not printable, not graphic.
            let (ip, ig) =
                char::from_u32(r).map_or((false, false), |c| (is_print(c), is_graphic(c)));
            count += usize::from(ip);
            p.update(&[u8::from(ip)]);
            g.update(&[u8::from(ig)]);
        }
        assert_eq!(count, 143_680);
        assert_eq!(p.finish(), 2_935_080_865);
        assert_eq!(g.finish(), 1_709_033_783);
    }
}

//! The `strconv` parsers `encoding/json` applies to number literals, map
//! keys and `,string` contents: `ParseInt(s, 10, 64)`, `ParseUint(s, 10,
//! 64)` and `ParseFloat(s, bits)`, each followed by the range check for the
//! target kind (`reflect.Value.Overflow*`). `None` means Go reports an error.
//!
//! JSON number literals are a subset of what these accept; `,string` fields
//! and map keys expose the rest (`+2`, `03`, `1_000.5`, `0x1p-2`, `-Inf`).

/// `strconv.ParseInt(s, 10, 64)` then `OverflowInt` for `bits`.
pub(crate) fn parse_int(s: &[u8], bits: u32) -> Option<i64> {
    let (neg, digits) = match s.first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    let limit = 1u64 << (bits.clamp(1, 64) - 1);
    if neg {
        if n > limit {
            return None;
        }
        Some(0i64.wrapping_sub_unsigned(n))
    } else {
        if n >= limit {
            return None;
        }
        i64::try_from(n).ok()
    }
}

/// `strconv.ParseUint(s, 10, 64)` then `OverflowUint` for `bits`.
pub(crate) fn parse_uint(s: &[u8], bits: u32) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in s {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if bits < 64 && n >> bits != 0 {
        return None;
    }
    Some(n)
}

fn lower(c: u8) -> u8 {
    c | 0x20
}

/// `underscoreOK`: underscores only between digits (a base prefix counts
/// as a digit).
fn underscore_ok(s: &[u8]) -> bool {
    let mut s = s;
    if matches!(s.first(), Some(b'-' | b'+')) {
        s = &s[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(lower(s[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(s[1]) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// What `readFloat` found.
struct Read {
    mantissa: u64,
    exp: i64,
    neg: bool,
    trunc: bool,
    hex: bool,
    underscores: bool,
}

/// `readFloat`: Go's float syntax; `None` unless all of `s` is consumed.
fn read_float(s: &[u8]) -> Option<Read> {
    let mut i = 0;
    let mut neg = false;
    match s.first()? {
        b'+' => i += 1,
        b'-' => {
            neg = true;
            i += 1;
        }
        _ => {}
    }
    let mut base: u64 = 10;
    let mut max_mant_digits = 19;
    let mut exp_char = b'e';
    let mut hex = false;
    if i + 2 < s.len() && s[i] == b'0' && lower(s[i + 1]) == b'x' {
        base = 16;
        max_mant_digits = 16;
        i += 2;
        exp_char = b'p';
        hex = true;
    }
    let (mut underscores, mut sawdot, mut sawdigits) = (false, false, false);
    let (mut nd, mut nd_mant, mut dp): (i64, i64, i64) = (0, 0, 0);
    let mut mantissa: u64 = 0;
    let mut trunc = false;
    while i < s.len() {
        let c = s[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if sawdot {
                break;
            }
            sawdot = true;
            dp = nd;
        } else if c.is_ascii_digit() {
            sawdigits = true;
            if c == b'0' && nd == 0 {
                dp -= 1;
                i += 1;
                continue;
            }
            nd += 1;
            if nd_mant < max_mant_digits {
                mantissa = mantissa
                    .wrapping_mul(base)
                    .wrapping_add(u64::from(c - b'0'));
                nd_mant += 1;
            } else if c != b'0' {
                trunc = true;
            }
        } else if base == 16 && (b'a'..=b'f').contains(&lower(c)) {
            sawdigits = true;
            nd += 1;
            if nd_mant < max_mant_digits {
                mantissa = mantissa
                    .wrapping_mul(16)
                    .wrapping_add(u64::from(lower(c) - b'a' + 10));
                nd_mant += 1;
            } else {
                trunc = true;
            }
        } else {
            break;
        }
        i += 1;
    }
    if !sawdigits {
        return None;
    }
    if !sawdot {
        dp = nd;
    }
    if base == 16 {
        dp *= 4;
        nd_mant *= 4;
    }
    if i < s.len() && lower(s[i]) == exp_char {
        i += 1;
        let mut esign = 1;
        match s.get(i)? {
            b'+' => i += 1,
            b'-' => {
                i += 1;
                esign = -1;
            }
            _ => {}
        }
        if !s.get(i)?.is_ascii_digit() {
            return None;
        }
        let mut e: i64 = 0;
        while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'_') {
            if s[i] == b'_' {
                underscores = true;
            } else if e < 10000 {
                e = e * 10 + i64::from(s[i] - b'0');
            }
            i += 1;
        }
        dp += e * esign;
    } else if base == 16 {
        return None;
    }
    let exp = if mantissa != 0 { dp - nd_mant } else { 0 };
    if underscores && !underscore_ok(&s[..i]) {
        return None;
    }
    if i != s.len() {
        return None;
    }
    Some(Read {
        mantissa,
        exp,
        neg,
        trunc,
        hex,
        underscores,
    })
}

/// `atofHex`: mantissa * 2^exp rounded to the float format; `None` on
/// overflow (Go's ErrRange).
fn atof_hex(r: &Read, bits32: bool) -> Option<f64> {
    let (mantbits, expbits, bias): (u32, u32, i64) = if bits32 {
        (23, 8, -127)
    } else {
        (52, 11, -1023)
    };
    let max_exp = (1i64 << expbits) + bias - 2;
    let min_exp = bias + 1;
    let mut mantissa = r.mantissa;
    let mut exp = r.exp + i64::from(mantbits);
    while mantissa != 0 && mantissa >> (mantbits + 2) == 0 {
        mantissa <<= 1;
        exp -= 1;
    }
    if r.trunc {
        mantissa |= 1;
    }
    while mantissa >> (1 + mantbits + 2) != 0 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    while mantissa > 1 && exp < min_exp - 2 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    let mut round = mantissa & 3;
    mantissa >>= 2;
    round |= mantissa & 1;
    exp += 2;
    if round == 3 {
        mantissa += 1;
        if mantissa == 1 << (1 + mantbits) {
            mantissa >>= 1;
            exp += 1;
        }
    }
    if mantissa >> mantbits == 0 {
        exp = bias;
    }
    if exp > max_exp {
        return None;
    }
    let mut b = mantissa & ((1u64 << mantbits) - 1);
    b |= (((exp - bias) as u64) & ((1u64 << expbits) - 1)) << mantbits;
    if r.neg {
        b |= 1u64 << mantbits << expbits;
    }
    Some(if bits32 {
        f64::from(f32::from_bits(b as u32))
    } else {
        f64::from_bits(b)
    })
}

/// `strconv.ParseFloat(s, bits)` then `OverflowFloat`. Decimal values are
/// correctly rounded by Rust's parser (as by Go's); hexadecimal ones follow
/// Go's `atofHex` step by step. Overflow to ±Inf is an error; `inf` and
/// `infinity` spelled out (signed or not) are not.
pub(crate) fn parse_float(s: &[u8], bits32: bool) -> Option<f64> {
    // special(): [+-]inf / [+-]infinity, any case.
    let (neg, rest) = match s.first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if s.eq_ignore_ascii_case(b"nan") {
        return Some(f64::NAN);
    }
    let r = read_float(s)?;
    if r.hex {
        return atof_hex(&r, bits32);
    }
    let text: String = if r.underscores {
        s.iter()
            .filter(|&&c| c != b'_')
            .map(|&c| char::from(c))
            .collect()
    } else {
        std::str::from_utf8(s).ok()?.to_string()
    };
    let v = if bits32 {
        f64::from(text.parse::<f32>().ok()?)
    } else {
        text.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        return None;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_parsing_like_strconv() {
        assert_eq!(parse_int(b"+2", 64), Some(2));
        assert_eq!(parse_int(b"03", 64), Some(3));
        assert_eq!(parse_int(b"-0", 64), Some(0));
        assert_eq!(parse_int(b"-9223372036854775808", 64), Some(i64::MIN));
        assert_eq!(parse_int(b"9223372036854775808", 64), None);
        assert_eq!(parse_int(b"128", 8), None);
        assert_eq!(parse_int(b"-128", 8), Some(-128));
        assert_eq!(parse_int(b" 1", 64), None);
        assert_eq!(parse_int(b"1e3", 64), None);
        assert_eq!(parse_int(b"1_0", 64), None);
        assert_eq!(parse_uint(b"-0", 64), None);
        assert_eq!(parse_uint(b"+1", 64), None);
        assert_eq!(parse_uint(b"256", 8), None);
        assert_eq!(parse_uint(b"18446744073709551615", 64), Some(u64::MAX));
        assert_eq!(parse_uint(b"18446744073709551616", 64), None);
    }
    /// `(input, ParseFloat(s, 64) bits, ParseFloat(s, 32) bits)`, "err" for
    /// an error (for 32: or `OverflowFloat`), printed by Go 1.19.8.
    #[test]
    fn float_parsing_matches_go() {
        let table: &[(&str, &str, &str)] = &[
            ("1_000", "0x408f400000000000", "0x447a0000"),
            ("1_000.5_5", "0x408f446666666666", "0x447a2333"),
            ("_1", "err", "err"),
            ("1_", "err", "err"),
            ("1__0", "err", "err"),
            ("1e1_0", "0x4202a05f20000000", "0x501502f9"),
            ("0x1p-2", "0x3fd0000000000000", "0x3e800000"),
            ("0x1P4", "0x4030000000000000", "0x41800000"),
            ("-0x1.8p1", "0xc008000000000000", "0xc0400000"),
            ("0x10", "err", "err"),
            ("0x1p", "err", "err"),
            ("0x_1p0", "0x3ff0000000000000", "0x3f800000"),
            ("0x1_0p0", "0x4030000000000000", "0x41800000"),
            ("0x1.fffffffffffff8p1023", "err", "err"),
            ("0x1.fffffffffffff7p1023", "0x7fefffffffffffff", "err"),
            ("0x1p1024", "err", "err"),
            ("0x1p-1074", "0x1", "0x0"),
            ("0x1p-1075", "0x0", "0x0"),
            ("0x1.8p-1075", "0x1", "0x0"),
            (
                "0x1.0000000000000000001p0",
                "0x3ff0000000000000",
                "0x3f800000",
            ),
            (
                "0x123456789abcdef0123p0",
                "0x44723456789abcdf",
                "0x6391a2b4",
            ),
            ("0xffffffffp-32", "0x3fefffffffe00000", "0x3f800000"),
            ("0x1.fffffep127", "0x47efffffe0000000", "0x7f7fffff"),
            ("0x1.ffffffp127", "0x47effffff0000000", "err"),
            ("0x1p-149", "0x36a0000000000000", "0x1"),
            ("0x1p-150", "0x3690000000000000", "0x0"),
            ("0x.8p1", "0x3ff0000000000000", "0x3f800000"),
            ("0x8.p-3", "0x3ff0000000000000", "0x3f800000"),
            ("0x.p1", "err", "err"),
            ("inf", "0x7ff0000000000000", "0x7f800000"),
            ("-Infinity", "0xfff0000000000000", "0xff800000"),
            ("+INF", "0x7ff0000000000000", "0x7f800000"),
            ("infin", "err", "err"),
            ("1.", "0x3ff0000000000000", "0x3f800000"),
            (".5", "0x3fe0000000000000", "0x3f000000"),
            (".", "err", "err"),
            ("-.5e-3", "0xbf40624dd2f1a9fc", "0xba03126f"),
            ("1e", "err", "err"),
            ("1e+", "err", "err"),
            ("+1", "0x3ff0000000000000", "0x3f800000"),
            ("++1", "err", "err"),
            ("1.5.3", "err", "err"),
            ("00012", "0x4028000000000000", "0x41400000"),
            ("1e10000", "err", "err"),
            ("1e-10000", "0x0", "0x0"),
            ("3.4028235e38", "0x47efffffe54daff8", "0x7f7fffff"),
            ("3.4028236e38", "0x47effffff514a7bc", "err"),
            (
                "3.40282356779733661637539395458142568448e38",
                "0x47effffff0000000",
                "err",
            ),
            ("1.401298464324817e-45", "0x36a0000000000000", "0x1"),
            ("7e-46", "0x368ff868bf4d956a", "0x0"),
            ("0x1p-126", "0x3810000000000000", "0x800000"),
        ];
        for &(input, want64, want32) in table {
            let got64 = parse_float(input.as_bytes(), false)
                .map_or("err".to_string(), |f| format!("{:#x}", f.to_bits()));
            let got32 = parse_float(input.as_bytes(), true).map_or("err".to_string(), |f| {
                format!("{:#x}", (f as f32).to_bits())
            });
            assert_eq!((input, got64.as_str()), (input, want64));
            assert_eq!((input, got32.as_str()), (input, want32));
        }
    }
}

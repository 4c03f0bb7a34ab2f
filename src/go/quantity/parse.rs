//! `resource.ParseQuantity`, quirks included (spec §4.2): the verbatim
//! cached string, the int64 fast path, the `inf.Dec` slow path with
//! round-away-from-zero to nano units, BinarySI capping, and the 32-bit
//! exponent narrowing.

use super::nat::Mag;
use super::{
    BigInt, Dec, Format, InfDecAmount, InfScale, Int64Amount, Quantity, Scale, BINARY_SI,
    DECIMAL_EXPONENT, DECIMAL_SI,
};

/// The regular expression quoted in `ErrFormatWrong`.
pub const GRAMMAR_RE: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// Largest power of ten the reference evaluates; beyond it the kubelet
/// effectively hangs and the reference refuses with its own error.
pub const MAX_POW10: i64 = 200_000;

/// The parse errors, with apimachinery's texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    FormatWrong,
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    #[error("unable to parse quantity's suffix")]
    Suffix,
    /// Not a kubelet error: the reference's refusal to evaluate 10^(huge).
    #[error("oracle: quantity exponent too large to evaluate (the kubelet would not finish)")]
    TooExpensive,
}

impl QuantityError {
    /// Whether this is the reference's own refusal (reported as "other").
    pub fn is_too_expensive_text(msg: &str) -> bool {
        msg == QuantityError::TooExpensive.to_string()
    }
}

/// The result of splitting a quantity string.
#[derive(Debug, Default)]
struct Lexed<'a> {
    negative: bool,
    /// Sign, zeros, integer digits, point, fraction: what `inf.Dec` parses.
    value: &'a [u8],
    int_digits: &'a [u8],
    frac_digits: &'a [u8],
    suffix: &'a [u8],
}

const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

fn lex(s: &[u8]) -> Result<Lexed<'_>, QuantityError> {
    let mut out = Lexed::default();
    let n = s.len();
    let mut p = 0;
    // All indexing below is guarded by `p < n`.
    if p < n && (s[0] == b'-' || s[0] == b'+') {
        out.negative = s[0] == b'-';
        p += 1;
    }
    while p < n && s[p] == b'0' {
        p += 1;
    }
    if p == n {
        out.int_digits = b"0";
        out.value = b"0";
        return Ok(out);
    }
    let start = p;
    while p < n && s[p].is_ascii_digit() {
        p += 1;
    }
    out.int_digits = &s[start..p];
    if p == n {
        if out.int_digits.is_empty() {
            out.int_digits = b"0";
        }
        out.value = s;
        return Ok(out);
    }
    if out.int_digits.is_empty() {
        out.int_digits = b"0";
    }
    if s[p] == b'.' {
        p += 1;
        let fs = p;
        while p < n && s[p].is_ascii_digit() {
            p += 1;
        }
        out.frac_digits = &s[fs..p];
        if p == n {
            out.value = s;
            return Ok(out);
        }
    }
    out.value = &s[..p];
    let ss = p;
    while p < n && SUFFIX_CHARS.contains(&s[p]) {
        p += 1;
    }
    if p < n && (s[p] == b'+' || s[p] == b'-') {
        p += 1;
    }
    while p < n && s[p].is_ascii_digit() {
        p += 1;
    }
    if p != n {
        return Err(QuantityError::FormatWrong);
    }
    out.suffix = &s[ss..];
    Ok(out)
}

/// What a suffix means: `value * base^exponent`, remembered as `format`.
struct Unit {
    base: u32,
    exponent: i32,
    format: &'static str,
}

fn decimal_suffix(s: &[u8]) -> Option<i32> {
    Some(match s {
        b"n" => -9,
        b"u" => -6,
        b"m" => -3,
        b"" => 0,
        b"k" => 3,
        b"M" => 6,
        b"G" => 9,
        b"T" => 12,
        b"P" => 15,
        b"E" => 18,
        _ => return None,
    })
}

fn binary_suffix(s: &[u8]) -> Option<i32> {
    Some(match s {
        b"Ki" => 10,
        b"Mi" => 20,
        b"Gi" => 30,
        b"Ti" => 40,
        b"Pi" => 50,
        b"Ei" => 60,
        _ => return None,
    })
}

/// `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits, in range.
fn go_parse_int64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i128 = 0;
    for &c in digits {
        v = v * 10 + i128::from(c - b'0');
        if v > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

fn interpret(s: &[u8]) -> Option<Unit> {
    if let Some(e) = decimal_suffix(s) {
        return Some(Unit {
            base: 10,
            exponent: e,
            format: DECIMAL_SI,
        });
    }
    if let Some(e) = binary_suffix(s) {
        return Some(Unit {
            base: 2,
            exponent: e,
            format: BINARY_SI,
        });
    }
    if s.len() > 1 && (s[0] == b'e' || s[0] == b'E') {
        let v = go_parse_int64(&s[1..])?;
        // Narrowed to 32 bits without a range check, as the library does.
        return Some(Unit {
            base: 10,
            exponent: v as i32,
            format: DECIMAL_EXPONENT,
        });
    }
    None
}

/// `mulInt64`: multiply with overflow detection.
fn mul_int64(a: i64, b: i64) -> Option<i64> {
    if a == 0 || b == 0 {
        return Some(0);
    }
    if a == 1 {
        return Some(b);
    }
    if b == 1 {
        return Some(a);
    }
    if a == i64::MIN || b == i64::MIN {
        return None;
    }
    a.checked_mul(b)
}

/// `ParseQuantity(str)`.
pub fn parse_quantity(s: &[u8]) -> Result<Quantity, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::FormatWrong);
    }
    if s == b"0" {
        return Ok(Quantity {
            s: "0".into(),
            format: Format(DECIMAL_SI.into()),
            ..Quantity::default()
        });
    }
    let lx = lex(s)?;
    let u = interpret(lx.suffix).ok_or(QuantityError::Suffix)?;

    // Fast path: an int64 mantissa and a decimal scale no finer than nano.
    let precision: i32;
    let mut scale: i32 = 0;
    let mut multiplier: i64 = 1;
    let digits = (lx.int_digits.len() + lx.frac_digits.len()) as i32;
    if u.format == BINARY_SI {
        if u.exponent >= 0 && lx.frac_digits.is_empty() {
            multiplier = 1i64 << u.exponent; // exponent in 10..=60
                                             // float32(exponent)*3/10 truncated equals exponent*3/10 for these exponents.
            precision = 15 - lx.int_digits.len() as i32 - u.exponent * 3 / 10 - 1;
        } else {
            precision = -1;
        }
    } else {
        scale = u.exponent;
        precision = 18i32.wrapping_sub(digits);
    }
    if precision >= 0 {
        scale = scale.wrapping_sub(lx.frac_digits.len() as i32);
        if scale >= -9 {
            let mut shifted = Vec::with_capacity(digits as usize);
            shifted.extend_from_slice(lx.int_digits);
            shifted.extend_from_slice(lx.frac_digits);
            let v = go_parse_int64(&shifted).ok_or(QuantityError::Numeric)?;
            if let Some(mut r) = mul_int64(v, multiplier) {
                if lx.negative {
                    r = -r;
                }
                let mut q = Quantity {
                    i: Int64Amount {
                        value: r,
                        scale: Scale(scale),
                    },
                    format: Format(u.format.into()),
                    ..Quantity::default()
                };
                let cache = if u.format == BINARY_SI {
                    u.exponent % 10 == 0 && v % 8 != 0
                } else {
                    scale % 3 == 0 && !shifted.ends_with(b"000") && shifted.first() != Some(&b'0')
                };
                if cache {
                    // The grammar admits only ASCII, so this is lossless.
                    q.s = String::from_utf8_lossy(s).into_owned();
                }
                return Ok(q);
            }
        }
    }
    slow_path(&lx, &u)
}

/// The `inf.Dec` path.
fn slow_path(lx: &Lexed<'_>, u: &Unit) -> Result<Quantity, QuantityError> {
    let (neg, mut mag, mut dscale) = dec_set_string(lx.value).ok_or(QuantityError::Numeric)?;
    let mut format = u.format;
    if u.base == 10 {
        dscale = dscale.wrapping_sub(u.exponent);
    } else {
        mag.shl(u.exponent as u32); // 10..=60
    }
    if !mag.is_zero() {
        let shift = 9 - i64::from(dscale);
        if !(-MAX_POW10..=MAX_POW10).contains(&shift) {
            return Err(QuantityError::TooExpensive);
        }
        // Round away from zero to scale 9 (on the magnitude).
        if shift >= 0 {
            mag.mul_pow10(shift as u64);
        } else if mag.div_pow10((-shift) as u64) {
            mag.add_small(1);
        }
        dscale = 9;
    }
    if format == BINARY_SI && !mag.is_zero() {
        // Compare with 2^63-1 (scale 0) and with 1, at scale 9.
        let mut max = Mag::from_u64(i64::MAX as u64);
        max.mul_pow10(9);
        if mag > max {
            mag = Mag::from_u64(i64::MAX as u64);
            dscale = 0;
        } else if mag < Mag::from_u64(1_000_000_000) {
            format = DECIMAL_SI;
        }
    }
    let unscaled = if mag.is_zero() {
        // big.Int.SetString (and Mul) leave zero as the nil word slice.
        BigInt::default()
    } else {
        BigInt::from_mag(neg, &mag)
    };
    Ok(Quantity {
        d: InfDecAmount {
            dec: Some(Box::new(Dec {
                unscaled,
                scale: InfScale(dscale),
            })),
        },
        format: Format(format.into()),
        ..Quantity::default()
    })
}

/// `inf.Dec.SetString`: `[+-]?digits*[.digits*]` with at least one digit;
/// returns (negative, magnitude, scale = digits after the point).
fn dec_set_string(s: &[u8]) -> Option<(bool, Mag, i32)> {
    let mut digits: Vec<u8> = Vec::with_capacity(s.len());
    let mut neg = false;
    let mut signed = false;
    let mut point: Option<usize> = None;
    let mut saw_digit = false;
    for &c in s {
        match c {
            b'+' | b'-' if digits.is_empty() && !signed && point.is_none() => {
                signed = true;
                neg = c == b'-';
            }
            b'.' if point.is_none() => point = Some(digits.len()),
            b'0'..=b'9' => {
                saw_digit = true;
                digits.push(c);
            }
            _ => return None,
        }
    }
    if !saw_digit {
        return None;
    }
    let scale = point.map_or(0, |p| (digits.len() - p) as i32);
    Some((neg, Mag::from_dec_digits(&digits), scale))
}

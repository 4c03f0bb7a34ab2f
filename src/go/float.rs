//! Go's float-to-text rules, shared by the spew renderer and the JSON writer.
//!
//! * [`write_g`] / [`format_g`]: `strconv.FormatFloat(f, 'g', -1, bits)`,
//!   what go-spew prints for `float32`/`float64` (go-spew-hash.md §4).
//! * [`write_json`] / [`format_json`]: `encoding/json`'s float encoder, the
//!   ES6-like rule of go-json.md §2.4.
//!
//! Both start from the *shortest* decimal digit string that round-trips at
//! the value's own width (Go's `ryuFtoaShortest`); the `ryu` crate computes
//! the same digits, and this module only re-lays them out the way `strconv`
//! does (`%e` vs `%f` choice, exponent padding). Nothing allocates: the
//! digits live in a small stack buffer.

use std::fmt;

/// The shortest round-trip decimal of a finite float, in `strconv`'s
/// `decimalSlice` convention: value = `0.DIGITS × 10^dp`.
#[derive(Debug, Clone, Copy)]
pub struct Shortest {
    digits: [u8; 32],
    nd: usize,
    /// Decimal point position (`strconv`'s `dp`).
    pub dp: i32,
    pub neg: bool,
}

impl Shortest {
    /// The significant digits (ASCII), without leading or trailing zeros.
    /// Empty for zero.
    pub fn digits(&self) -> &[u8] {
        // nd <= 32 by construction (see `parse_ryu`).
        &self.digits[..self.nd]
    }

    /// Shortest digits of a finite `f` at `bits` (32 or 64) precision.
    /// `None` for NaN and infinities.
    pub fn of(f: f64, bits: u32) -> Option<Shortest> {
        if !f.is_finite() {
            return None;
        }
        let neg = f.is_sign_negative();
        if f == 0.0 {
            return Some(Shortest {
                digits: [0; 32],
                nd: 0,
                dp: 0,
                neg,
            });
        }
        let mut buf = ryu::Buffer::new();
        let text = if bits == 32 {
            // A float32 held in an f64 converts back exactly.
            buf.format_finite(f as f32)
        } else {
            buf.format_finite(f)
        };
        Some(parse_ryu(text.as_bytes(), neg))
    }
}

/// Turns ryu's output (`"-1.5e300"`, `"0.0001"`, `"123456.0"`, `"1e-5"`)
/// into digits + decimal point. ryu's output is at most 24 bytes, so every
/// index below stays inside the 32-byte buffer.
fn parse_ryu(s: &[u8], neg: bool) -> Shortest {
    let mut digits = [0u8; 32];
    let mut nd = 0usize;
    let mut int_len: Option<i32> = None;
    let mut exp: i32 = 0;
    let mut seen_nonzero = false;
    let mut leading_zeros: i32 = 0;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            b'-' => {}
            b'.' => int_len = Some(nd as i32 + leading_zeros),
            b'0'..=b'9' => {
                if c == b'0' && !seen_nonzero {
                    leading_zeros += 1;
                } else if nd < digits.len() {
                    seen_nonzero = true;
                    digits[nd] = c;
                    nd += 1;
                }
            }
            b'e' | b'E' => {
                let mut sign = 1;
                let mut j = i + 1;
                if j < s.len() && (s[j] == b'-' || s[j] == b'+') {
                    if s[j] == b'-' {
                        sign = -1;
                    }
                    j += 1;
                }
                let mut e: i32 = 0;
                while j < s.len() && s[j].is_ascii_digit() {
                    e = e.saturating_mul(10).saturating_add(i32::from(s[j] - b'0'));
                    j += 1;
                }
                exp = sign * e;
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let int_len = int_len.unwrap_or(nd as i32 + leading_zeros);
    while nd > 0 && digits[nd - 1] == b'0' {
        nd -= 1;
    }
    Shortest {
        digits,
        nd,
        dp: int_len - leading_zeros + exp,
        neg,
    }
}

/// `%e` layout with `prec` digits after the point: `d.ddde±XX`.
fn write_e<W: fmt::Write>(w: &mut W, d: &Shortest, prec: usize) -> fmt::Result {
    if d.neg {
        w.write_char('-')?;
    }
    let digs = d.digits();
    let first = digs.first().copied().unwrap_or(b'0');
    w.write_char(char::from(first))?;
    if prec > 0 {
        w.write_char('.')?;
        for k in 1..=prec {
            w.write_char(char::from(digs.get(k).copied().unwrap_or(b'0')))?;
        }
    }
    let exp = if digs.is_empty() { 0 } else { d.dp - 1 };
    w.write_char('e')?;
    w.write_char(if exp < 0 { '-' } else { '+' })?;
    let e = exp.unsigned_abs();
    if e < 10 {
        write!(w, "0{e}")
    } else {
        write!(w, "{e}")
    }
}

/// `%f` layout with `prec` digits after the point.
fn write_f<W: fmt::Write>(w: &mut W, d: &Shortest, prec: usize) -> fmt::Result {
    if d.neg {
        w.write_char('-')?;
    }
    let digs = d.digits();
    let digit_at = |j: i64| -> char {
        if j >= 0 && (j as usize) < digs.len() {
            char::from(digs[j as usize])
        } else {
            '0'
        }
    };
    if d.dp > 0 {
        for j in 0..i64::from(d.dp) {
            w.write_char(digit_at(j))?;
        }
    } else {
        w.write_char('0')?;
    }
    if prec > 0 {
        w.write_char('.')?;
        for k in 1..=prec as i64 {
            w.write_char(digit_at(i64::from(d.dp) + k - 1))?;
        }
    }
    Ok(())
}

fn write_special<W: fmt::Write>(w: &mut W, f: f64) -> fmt::Result {
    w.write_str(if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    })
}

/// `strconv.FormatFloat(f, 'g', -1, bits)`, streamed into `w`.
///
/// `bits` is 32 for `float32` (whose value `f` holds exactly) and 64
/// otherwise. Shortest digits; `%e` form when the decimal exponent is
/// `< -4` or `>= 6` (strconv uses precision 6 for that decision when the
/// shortest digits were requested), with at least two exponent digits.
pub fn write_g<W: fmt::Write>(w: &mut W, f: f64, bits: u32) -> fmt::Result {
    let Some(d) = Shortest::of(f, bits) else {
        return write_special(w, f);
    };
    let nd = d.nd;
    let exp = d.dp - 1;
    if !(-4..6).contains(&exp) {
        return write_e(w, &d, nd.saturating_sub(1));
    }
    let prec = (nd as i64 - i64::from(d.dp)).max(0) as usize;
    write_f(w, &d, prec)
}

/// `strconv.FormatFloat(f, 'g', -1, bits)` as a `String`.
pub fn format_g(f: f64, bits: u32) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = write_g(&mut s, f, bits);
    s
}

/// Go `encoding/json`'s float encoding (go-json.md §2.4), streamed into `w`.
///
/// Returns `Ok(false)` without writing anything for NaN and ±Inf, which Go
/// rejects with `json: unsupported value: ...` (see [`json_unsupported_text`]).
pub fn write_json<W: fmt::Write>(w: &mut W, f: f64, bits: u32) -> Result<bool, fmt::Error> {
    let Some(d) = Shortest::of(f, bits) else {
        return Ok(false);
    };
    let abs = f.abs();
    // Go tests the thresholds in float32 for float32 values; for a value
    // that is exactly a float32 the f64 comparison against the float32
    // rounding of the constants gives the same answer.
    let exp_form = abs != 0.0
        && if bits == 32 {
            let a = abs as f32;
            !(1e-6_f32..1e21_f32).contains(&a)
        } else {
            !(1e-6..1e21).contains(&abs)
        };
    if exp_form {
        // strconv's 'e' form with shortest digits, then `e-07` → `e-7`.
        let nd = d.nd;
        if d.neg {
            w.write_char('-')?;
        }
        let digs = d.digits();
        w.write_char(char::from(digs.first().copied().unwrap_or(b'0')))?;
        if nd > 1 {
            w.write_char('.')?;
            for &c in &digs[1..] {
                w.write_char(char::from(c))?;
            }
        }
        let exp = d.dp - 1;
        if exp < 0 {
            // Go removes the single padding zero of a one-digit negative exponent.
            write!(w, "e-{}", exp.unsigned_abs())?;
        } else if exp < 10 {
            write!(w, "e+0{exp}")?;
        } else {
            write!(w, "e+{exp}")?;
        }
    } else {
        let prec = (d.nd as i64 - i64::from(d.dp)).max(0) as usize;
        write_f(w, &d, prec)?;
    }
    Ok(true)
}

/// Go `encoding/json`'s float text, or `None` for NaN/±Inf (unsupported).
pub fn format_json(f: f64, bits: u32) -> Option<String> {
    let mut s = String::new();
    match write_json(&mut s, f, bits) {
        Ok(true) => Some(s),
        _ => None,
    }
}

/// The text Go puts after `json: unsupported value: ` for a float JSON
/// cannot encode (`strconv.FormatFloat(f, 'g', -1, bits)`: `NaN`, `+Inf`, `-Inf`).
pub fn json_unsupported_text(f: f64, bits: u32) -> String {
    format_g(f, bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected texts: go-spew-hash.md §4 and vectors/spew/pairs.tsv rows.
    #[test]
    fn g_examples_from_spew_spec() {
        let cases: &[(f64, u32, &str)] = &[
            (1.5, 64, "1.5"),
            (100.0, 64, "100"),
            (0.1, 64, "0.1"),
            (1e6, 64, "1e+06"),
            (123456.0, 64, "123456"),
            (1234567.0, 64, "1.234567e+06"),
            (0.0001, 64, "0.0001"),
            (0.00001, 64, "1e-05"),
            (1e21, 64, "1e+21"),
            (1.5e300, 64, "1.5e+300"),
            (5e-324, 64, "5e-324"),
            (-0.0, 64, "-0"),
            (0.0, 64, "0"),
            (f64::NAN, 64, "NaN"),
            (f64::INFINITY, 64, "+Inf"),
            (f64::NEG_INFINITY, 64, "-Inf"),
            (f64::from(0.1_f32), 32, "0.1"),
            (16777216.0, 32, "1.6777216e+07"),
            (2.5, 64, "2.5"),
            (-1.0, 64, "-1"),
            (-2.0, 64, "-2"),
            (999999.0, 64, "999999"),
            (0.00012, 64, "0.00012"),
            (1.7976931348623157e308, 64, "1.7976931348623157e+308"),
        ];
        for &(f, bits, want) in cases {
            assert_eq!(format_g(f, bits), want, "{f:e} bits {bits}");
        }
    }

    // Expected texts: go-json.md §2.4.
    #[test]
    fn json_examples_from_json_spec() {
        let cases: &[(f64, u32, &str)] = &[
            (1.0, 64, "1"),
            (1e6, 64, "1000000"),
            (1e20, 64, "100000000000000000000"),
            (1e21, 64, "1e+21"),
            (1e-6, 64, "0.000001"),
            (1e-7, 64, "1e-7"),
            (1.234e-7, 64, "1.234e-7"),
            (f64::MAX, 64, "1.7976931348623157e+308"),
            (5e-324, 64, "5e-324"),
            (-0.0, 64, "-0"),
            (9007199254740993.0, 64, "9007199254740992"),
            (16777216.0, 32, "16777216"),
            (f64::from(0.1_f32), 32, "0.1"),
            (1.5, 64, "1.5"),
            (-1e-7, 64, "-1e-7"),
            (1e-10, 64, "1e-10"),
        ];
        for &(f, bits, want) in cases {
            assert_eq!(format_json(f, bits).as_deref(), Some(want), "{f:e}");
        }
        assert_eq!(format_json(f64::NAN, 64), None);
        assert_eq!(format_json(f64::INFINITY, 64), None);
        assert_eq!(json_unsupported_text(f64::NEG_INFINITY, 64), "-Inf");
    }

    #[test]
    fn shortest_digits_and_point() {
        let d = Shortest::of(0.0001, 64).unwrap();
        assert_eq!(d.digits(), b"1");
        assert_eq!(d.dp, -3);
        let d = Shortest::of(123456.0, 64).unwrap();
        assert_eq!(d.digits(), b"123456");
        assert_eq!(d.dp, 6);
    }
}

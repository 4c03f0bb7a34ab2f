//! Float formatting as `encoding/json` does it (spec §2.4): shortest
//! round-trip digits at the value's own width (from `ryu`), then Go's
//! `strconv.AppendFloat(f, 'f' | 'e', -1, bits)` layout and the ES6-style
//! switch to exponent form below 1e-6 and from 1e21 on.
//!
//! Kept here until the shared `src/go/float.rs` exists (the spew renderer
//! needs the same digits with `%v` layout).

/// Shortest decimal digits of a finite, non-zero magnitude: `digits`
/// (no leading/trailing zeros) and `point` such that the value is
/// `0.d1d2d3... * 10^point`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    pub digits: Vec<u8>,
    pub point: i32,
}

/// Parses ryu's output (`1.234e-7`, `0.1`, `100.0`, `1e21`) back into
/// digits and a decimal point position: ryu picks the layout, we only need
/// the digits.
fn decimal_from_ryu(s: &str) -> Decimal {
    let s = s.trim_start_matches('-');
    let (mant, exp) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    let mut digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .filter(u8::is_ascii_digit)
        .collect();
    let mut point = i32::try_from(int_part.len()).unwrap_or(0) + exp;
    let lead = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..lead);
    point -= i32::try_from(lead).unwrap_or(0);
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    Decimal { digits, point }
}

/// Shortest digits of `f` as a float64.
pub fn shortest64(f: f64) -> Decimal {
    let mut b = ryu::Buffer::new();
    decimal_from_ryu(b.format_finite(f))
}

/// Shortest digits of `f` as a float32.
pub fn shortest32(f: f32) -> Decimal {
    let mut b = ryu::Buffer::new();
    decimal_from_ryu(b.format_finite(f))
}

/// `%f` with precision -1 (shortest).
fn push_f(out: &mut Vec<u8>, d: &Decimal) {
    if d.digits.is_empty() {
        out.push(b'0');
        return;
    }
    let nd = i32::try_from(d.digits.len()).unwrap_or(i32::MAX);
    if d.point > 0 {
        for i in 0..d.point {
            out.push(if i < nd { d.digits[i as usize] } else { b'0' });
        }
    } else {
        out.push(b'0');
    }
    if nd > d.point {
        out.push(b'.');
        for i in d.point..nd {
            out.push(if i < 0 { b'0' } else { d.digits[i as usize] });
        }
    }
}

/// `%e` with precision -1 (shortest): `d[.ddd]e±XX`.
fn push_e(out: &mut Vec<u8>, d: &Decimal) {
    let first = d.digits.first().copied().unwrap_or(b'0');
    out.push(first);
    if d.digits.len() > 1 {
        out.push(b'.');
        out.extend_from_slice(&d.digits[1..]);
    }
    out.push(b'e');
    let exp = if d.digits.is_empty() { 0 } else { d.point - 1 };
    out.push(if exp < 0 { b'-' } else { b'+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(e.to_string().as_bytes());
}

/// `strconv.FormatFloat(f, 'g', -1, bits)` for the non-finite values
/// (the text of Go's `UnsupportedValueError`).
pub fn non_finite_text(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// Appends the `encoding/json` text of a finite float. `bits32` formats
/// `f` as the float32 it holds (the caller guarantees it is one).
pub fn push_json_float(out: &mut Vec<u8>, f: f64, bits32: bool) {
    let neg = f.is_sign_negative();
    let abs = f.abs();
    let (exp_form, dec) = if bits32 {
        // Exact for float32 values held in an f64; others round, as a Go
        // float32 conversion would.
        let a = abs as f32;
        let e = a != 0.0 && !(1e-6_f32..1e21_f32).contains(&a);
        (e, if a == 0.0 { None } else { Some(shortest32(a)) })
    } else {
        let e = abs != 0.0 && !(1e-6..1e21).contains(&abs);
        (
            e,
            if abs == 0.0 {
                None
            } else {
                Some(shortest64(abs))
            },
        )
    };
    if neg {
        out.push(b'-');
    }
    let dec = dec.unwrap_or(Decimal {
        digits: Vec::new(),
        point: 0,
    });
    if exp_form {
        let start = out.len();
        push_e(out, &dec);
        // Go: `e-07` -> `e-7` (only a single leading zero of a negative
        // two-digit exponent is dropped).
        let n = out.len();
        if n - start >= 4 && out[n - 4] == b'e' && out[n - 3] == b'-' && out[n - 2] == b'0' {
            out[n - 2] = out[n - 1];
            out.truncate(n - 1);
        }
    } else {
        push_f(out, &dec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(f: f64) -> String {
        let mut o = Vec::new();
        push_json_float(&mut o, f, false);
        String::from_utf8(o).unwrap()
    }
    fn j32(f: f32) -> String {
        let mut o = Vec::new();
        push_json_float(&mut o, f64::from(f), true);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn go_layouts() {
        assert_eq!(j(0.0), "0");
        assert_eq!(j(-0.0), "-0");
        assert_eq!(j(1.0), "1");
        assert_eq!(j(0.1), "0.1");
        assert_eq!(j(1e6), "1000000");
        assert_eq!(j(1e20), "100000000000000000000");
        assert_eq!(j(1e21), "1e+21");
        assert_eq!(j(1e-6), "0.000001");
        assert_eq!(j(1e-7), "1e-7");
        assert_eq!(j(1.234e-7), "1.234e-7");
        assert_eq!(j(123456789.125), "123456789.125");
        assert_eq!(j(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(j(5e-324), "5e-324");
        assert_eq!(j(1e-100), "1e-100");
        assert_eq!(j(-1.5e300), "-1.5e+300");
        assert_eq!(j32(0.1), "0.1");
        assert_eq!(j32(16777217.0), "16777216");
        assert_eq!(j32(1e21), "1e+21");
        assert_eq!(j32(1e-7), "1e-7");
    }
}

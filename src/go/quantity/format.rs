//! `Quantity.CanonicalizeBytes`: the text `MarshalJSON` writes when no
//! string is cached (spec §4.3). Quirks kept: DecimalSI exponents without a
//! suffix letter are dropped silently; the int64 form adjusts the exponent
//! once in wrapping int32 arithmetic, the `inf.Dec` form loops.

use super::nat::Mag;
use super::{Quantity, BINARY_SI, DECIMAL_EXPONENT, DECIMAL_SI};

/// A signed big value `(negative, magnitude)`.
type Signed = (bool, Mag);

fn is_zero(q: &Quantity) -> bool {
    match &q.d.dec {
        Some(d) => d.unscaled.mag().is_zero(),
        None => q.i.value == 0,
    }
}

/// The canonical text of `q` (number and suffix).
pub fn canonical_string(q: &Quantity) -> String {
    if is_zero(q) {
        return "0".into();
    }
    let mut format = match q.format.0.as_str() {
        DECIMAL_EXPONENT => DECIMAL_EXPONENT,
        DECIMAL_SI => DECIMAL_SI,
        BINARY_SI => BINARY_SI,
        _ => DECIMAL_EXPONENT,
    };
    if format == BINARY_SI {
        match binary_integer(q) {
            Some((neg, mut m)) => {
                let mut k = 0u32;
                while !m.is_zero() && m.rem_small(1024) == 0 {
                    m.div_rem_small(1024);
                    k += 1;
                }
                let suffix = match k {
                    1 => "Ki",
                    2 => "Mi",
                    3 => "Gi",
                    4 => "Ti",
                    5 => "Pi",
                    6 => "Ei",
                    _ => "",
                };
                return format!("{}{}{}", sign(neg, &m), m.to_dec_string(), suffix);
            }
            None => format = DECIMAL_SI,
        }
    }
    let ((neg, m), e) = decimal_parts(q);
    let number = format!("{}{}", sign(neg, &m), m.to_dec_string());
    if format == DECIMAL_EXPONENT {
        return if e == 0 {
            number
        } else {
            format!("{number}e{e}")
        };
    }
    let suffix = match e {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => "", // includes 0; any other exponent is silently dropped
    };
    number + suffix
}

fn sign(neg: bool, m: &Mag) -> &'static str {
    if neg && !m.is_zero() {
        "-"
    } else {
        ""
    }
}

/// For BinarySI: the integer value if |q| >= 1024 and q is an integer;
/// `None` means "treat as DecimalSI".
fn binary_integer(q: &Quantity) -> Option<Signed> {
    let (neg, mut m, scale) = match &q.d.dec {
        Some(d) => (d.unscaled.neg, d.unscaled.mag(), -i64::from(d.scale.0)),
        None => (
            q.i.value < 0,
            Mag::from_u64(q.i.value.unsigned_abs()),
            i64::from(q.i.scale.0),
        ),
    };
    // value = m * 10^scale
    if scale >= 0 {
        m.mul_pow10(scale as u64);
    } else if m.div_pow10(scale.unsigned_abs()) {
        return None; // not an integer
    }
    if m < Mag::from_u64(1024) {
        return None;
    }
    Some((neg, m))
}

/// `q` as mantissa * 10^e with trailing zeros moved into e and e lowered to
/// a multiple of 3.
fn decimal_parts(q: &Quantity) -> (Signed, i32) {
    if let Some(d) = &q.d.dec {
        return big_decimal_parts(d.unscaled.neg, d.unscaled.mag(), d.scale.0.wrapping_neg());
    }
    let (mut v, mut e) = (q.i.value, q.i.scale.0);
    if v != i64::MIN {
        let neg = v < 0;
        if neg {
            v = -v;
        }
        while v >= 10 && v % 10 == 0 {
            v /= 10;
            e = e.wrapping_add(1);
        }
        if neg {
            v = -v;
        }
    }
    let mul: i64 = match e % 3 {
        1 | -2 => 10,
        2 | -1 => 100,
        _ => 1,
    };
    if mul == 1 {
        return ((v < 0, Mag::from_u64(v.unsigned_abs())), e);
    }
    if v != i64::MIN {
        if let Some(c) = v.checked_mul(mul) {
            let e2 = if mul == 10 {
                e.wrapping_sub(1)
            } else {
                e.wrapping_sub(2)
            };
            return ((c < 0, Mag::from_u64(c.unsigned_abs())), e2);
        }
    }
    big_decimal_parts(
        q.i.value < 0,
        Mag::from_u64(q.i.value.unsigned_abs()),
        q.i.scale.0,
    )
}

fn big_decimal_parts(neg: bool, mut m: Mag, mut e: i32) -> (Signed, i32) {
    if !m.is_zero() {
        let n = m.strip_tens();
        // e++ once per stripped zero, wrapping like int32.
        e = e.wrapping_add(n as i32);
    }
    while e % 3 != 0 {
        m.mul_small(10);
        e = e.wrapping_sub(1);
    }
    ((neg, m), e)
}

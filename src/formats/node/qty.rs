//! The little `resource.Quantity` arithmetic the start checks need (`Add`,
//! `Cmp`, `IsZero`, `Sign`, `AsInt64`, `MilliValue`, `String`), on the Go
//! layout of [`crate::go::quantity::Quantity`] so that sums print exactly as
//! the kubelet prints them (apimachinery `pkg/api/resource/quantity.go`,
//! `amount.go`; `gopkg.in/inf.v0` for the `inf.Dec` form).
//!
//! Why the layout matters: a sum keeps the int64 form while it fits and
//! takes the format of the addend it started from (`Add` copies `y.Format`
//! while `q` is zero), and `String()` of the int64 form and of the `inf.Dec`
//! form differ in corner cases; the error texts of the memory manager print
//! such sums (spec §8.4 step 1).

use std::cmp::Ordering;

use crate::go::quantity::nat::Mag;
use crate::go::quantity::{
    parse_quantity, BigInt, Dec, Format, InfScale, Int64Amount, Quantity, Scale, BINARY_SI,
    DECIMAL_SI,
};

/// A quantity with the operations of Go's `*Quantity` methods.
#[derive(Debug, Clone, Default)]
pub struct Qty(pub Quantity);

/// A signed magnitude times a power of ten: the exact value of either form.
struct Exact {
    neg: bool,
    mag: Mag,
    exp: i64,
}

impl Qty {
    /// `resource.ParseQuantity`; the error is apimachinery's text.
    pub fn parse(s: &str) -> Result<Qty, String> {
        parse_quantity(s.as_bytes())
            .map(Qty)
            .map_err(|e| e.to_string())
    }

    /// `resource.NewQuantity(v, format)`.
    pub fn new(v: i64, format: &str) -> Qty {
        Qty(Quantity {
            i: Int64Amount {
                value: v,
                scale: Scale(0),
            },
            format: Format(format.to_owned()),
            ..Default::default()
        })
    }

    /// `resource.NewMilliQuantity(v, format)`.
    pub fn new_milli(v: i64, format: &str) -> Qty {
        let mut q = Qty::new(v, format);
        q.0.i.scale = Scale(-3);
        q
    }

    /// `resource.NewQuantity(0, DecimalSI)`, where the kubelet's sums start.
    pub fn zero_decimal() -> Qty {
        Qty::new(0, DECIMAL_SI)
    }

    /// `NewQuantity(v, BinarySI)`.
    pub fn binary(v: i64) -> Qty {
        Qty::new(v, BINARY_SI)
    }

    fn exact(&self) -> Exact {
        match &self.0.d.dec {
            Some(d) => Exact {
                neg: d.unscaled.neg,
                mag: d.unscaled.mag(),
                exp: -i64::from(d.scale.0),
            },
            None => Exact {
                neg: self.0.i.value < 0,
                mag: Mag::from_u64(self.0.i.value.unsigned_abs()),
                exp: i64::from(self.0.i.scale.0),
            },
        }
    }

    /// `IsZero`.
    pub fn is_zero(&self) -> bool {
        self.exact().mag.is_zero()
    }

    /// `Sign`: -1, 0 or 1.
    pub fn sign(&self) -> i32 {
        let e = self.exact();
        match (e.mag.is_zero(), e.neg) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        }
    }

    /// `Cmp`: the exact order of the two values.
    pub fn cmp_value(&self, y: &Qty) -> Ordering {
        let (a, b) = (self.exact(), y.exact());
        let exp = a.exp.min(b.exp);
        let sa = signed_at(a, exp);
        let sb = signed_at(b, exp);
        match (sa.0, sb.0) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => sa.1.cmp(&sb.1),
            (true, true) => sb.1.cmp(&sa.1),
        }
    }

    /// `String()`: the cached text when the parser kept one, else
    /// `CanonicalizeBytes`.
    pub fn string(&self) -> String {
        if self.0.s.is_empty() {
            self.0.canonical()
        } else {
            self.0.s.clone()
        }
    }

    /// `AsInt64`: only the int64 form with a non-negative scale that fits.
    pub fn as_int64(&self) -> Option<i64> {
        if self.0.d.dec.is_some() {
            return None;
        }
        let i = &self.0.i;
        match i.scale.0 {
            0 => Some(i.value),
            s if s < 0 => None,
            s => positive_scale(i.value, s),
        }
    }

    /// `MilliValue()` (`ScaledValue(Milli)`): value × 1000, rounded away
    /// from zero, saturated to int64.
    pub fn milli_value(&self) -> i64 {
        let Exact { neg, mut mag, exp } = self.exact();
        let exp = exp + 3;
        if exp >= 0 {
            mag.mul_pow10(exp as u64);
        } else {
            let mut frac = false;
            for _ in 0..(-exp) {
                if mag.is_zero() {
                    break;
                }
                frac |= mag.div_rem_small(10) != 0;
            }
            if frac {
                mag.add_small(1);
            }
        }
        let v = mag.to_u64().unwrap_or(u64::MAX).min(i64::MAX as u64) as i64;
        if neg {
            -v
        } else {
            v
        }
    }

    /// `Add(y)`, as `Quantity.Add` does it: the int64 form while both are
    /// int64 and the sum fits (`int64Amount.Add`), else `inf.Dec`
    /// arithmetic; the format of `y` is taken while `self` is zero.
    pub fn add(&mut self, y: &Qty) {
        self.0.s.clear();
        if self.0.d.dec.is_none() && y.0.d.dec.is_none() {
            if self.0.i.value == 0 {
                self.0.format = y.0.format.clone();
            }
            if int64_add(&mut self.0.i, &y.0.i) {
                return;
            }
        } else if self.is_zero() {
            self.0.format = y.0.format.clone();
        }
        // ToDec, then inf.Dec.Add at the larger scale
        let a = self.exact();
        let b = y.exact();
        let exp = a.exp.min(b.exp);
        let (neg, mag) = signed_sum(signed_at(a, exp), signed_at(b, exp));
        self.0.i = Int64Amount::default();
        self.0.d.dec = Some(Box::new(Dec {
            unscaled: BigInt::from_mag(neg, &mag),
            scale: InfScale((-exp) as i32),
        }));
    }
}

/// The value scaled to `10^exp` (exp <= its own exponent).
fn signed_at(e: Exact, exp: i64) -> (bool, Mag) {
    let mut m = e.mag;
    m.mul_pow10((e.exp - exp) as u64);
    (e.neg && !m.is_zero(), m)
}

fn signed_sum(a: (bool, Mag), b: (bool, Mag)) -> (bool, Mag) {
    if a.0 == b.0 {
        return (a.0, mag_add(&a.1, &b.1));
    }
    match a.1.cmp(&b.1) {
        Ordering::Less => (b.0, mag_sub(&b.1, &a.1)),
        _ => (a.0, mag_sub(&a.1, &b.1)),
    }
}

fn mag_add(a: &Mag, b: &Mag) -> Mag {
    let n = a.0.len().max(b.0.len());
    let mut out = Vec::with_capacity(n + 1);
    let mut carry = 0u128;
    for i in 0..n {
        let s =
            u128::from(*a.0.get(i).unwrap_or(&0)) + u128::from(*b.0.get(i).unwrap_or(&0)) + carry;
        out.push(s as u64);
        carry = s >> 64;
    }
    if carry != 0 {
        out.push(carry as u64);
    }
    norm(Mag(out))
}

/// a - b for a >= b.
fn mag_sub(a: &Mag, b: &Mag) -> Mag {
    let mut out = Vec::with_capacity(a.0.len());
    let mut borrow = 0i128;
    for i in 0..a.0.len() {
        let mut d = i128::from(a.0[i]) - i128::from(*b.0.get(i).unwrap_or(&0)) - borrow;
        borrow = 0;
        if d < 0 {
            d += 1i128 << 64;
            borrow = 1;
        }
        out.push(d as u64);
    }
    norm(Mag(out))
}

fn norm(mut m: Mag) -> Mag {
    while m.0.last() == Some(&0) {
        m.0.pop();
    }
    m
}

/// `positiveScaleInt64`: base × 10^scale, `None` on overflow.
fn positive_scale(base: i64, scale: i32) -> Option<i64> {
    let mut v = base;
    for _ in 0..scale {
        v = v.checked_mul(10)?;
    }
    Some(v)
}

/// `int64Amount.Add`: false (and `a` unchanged) when the sum does not fit.
fn int64_add(a: &mut Int64Amount, b: &Int64Amount) -> bool {
    if b.value == 0 {
        return true;
    }
    if a.value == 0 {
        *a = b.clone();
        return true;
    }
    let (sa, sb) = (a.scale.0, b.scale.0);
    let sum = if sa == sb {
        a.value.checked_add(b.value)
    } else if sa > sb {
        positive_scale(a.value, sa - sb).and_then(|c| c.checked_add(b.value))
    } else {
        positive_scale(b.value, sb - sa).and_then(|c| a.value.checked_add(c))
    };
    match sum {
        Some(c) => {
            a.value = c;
            a.scale = Scale(sa.min(sb));
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(parts: &[&str]) -> Qty {
        let mut q = Qty::zero_decimal();
        for p in parts {
            q.add(&Qty::parse(p).unwrap());
        }
        q
    }

    // Expected texts from the node vectors (spec/vectors/node MANIFEST rows
    // rev-c9a, rev-c9b, memory-2numa-kube-reserved-memory-2gi).
    #[test]
    fn sums_print_as_the_kubelet_prints_them() {
        assert_eq!(sum(&["924Mi", "500Mi"]).string(), "1424Mi");
        assert_eq!(sum(&["512Mi", "512Mi"]).string(), "1Gi");
        assert_eq!(sum(&["1948Mi", "100Mi"]).string(), "2Gi");
        let mut q = sum(&["924Mi"]);
        q.add(&Qty::binary(858_993_472));
        assert_eq!(q.string(), "1827877696");
        assert_eq!(Qty::zero_decimal().string(), "0");
    }

    #[test]
    fn dec_form_compares_by_value_and_is_not_int64() {
        let a = Qty::parse("1.5Gi").unwrap();
        assert_eq!(a.cmp_value(&sum(&["1436Mi", "100Mi"])), Ordering::Equal);
        assert_eq!(a.as_int64(), None);
        assert_eq!(Qty::parse("1000m").unwrap().as_int64(), None);
        assert_eq!(Qty::parse("1Gi").unwrap().as_int64(), Some(1 << 30));
    }

    #[test]
    fn milli_rounds_up() {
        assert_eq!(Qty::parse("2500m").unwrap().milli_value(), 2500);
        assert_eq!(Qty::parse("1.0001").unwrap().milli_value(), 1001);
        assert_eq!(Qty::parse("3").unwrap().milli_value(), 3000);
    }
}

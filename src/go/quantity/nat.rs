//! Just enough unsigned big-integer arithmetic for `resource.Quantity`.
//!
//! Go's `math/big` stores a magnitude as `big.nat`, a little-endian slice of
//! machine words with no high zero words (zero is the *nil* slice when it was
//! produced by `SetString`). go-spew prints those words, so the checksum of a
//! quantity in `inf.Dec` form depends on them; this type keeps the same
//! normalised little-endian 64-bit words (amd64/arm64). Every operation the
//! Quantity code needs has one small operand (10, 1024, 10^19, a shift), so
//! schoolbook loops suffice.

use std::cmp::Ordering;

/// 10^19, the largest power of ten in a `u64`.
const TEN19: u64 = 10_000_000_000_000_000_000;

/// A normalised magnitude: little-endian words, no trailing zero words;
/// empty means zero.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mag(pub Vec<u64>);

impl Mag {
    pub fn from_u64(v: u64) -> Mag {
        let mut m = Mag(vec![v]);
        m.norm();
        m
    }

    /// Parses ASCII decimal digits (no sign). Non-digits are the caller's
    /// responsibility; they are skipped here so no input can panic.
    pub fn from_dec_digits(digits: &[u8]) -> Mag {
        let mut m = Mag::default();
        for chunk in digits.chunks(19) {
            let mut v: u64 = 0;
            let mut p: u64 = 1;
            for &c in chunk {
                if c.is_ascii_digit() {
                    v = v * 10 + u64::from(c - b'0');
                    p *= 10;
                }
            }
            m.mul_small(p);
            m.add_small(v);
        }
        m
    }

    fn norm(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The value if it fits a `u64`.
    pub fn to_u64(&self) -> Option<u64> {
        match self.0.as_slice() {
            [] => Some(0),
            [w] => Some(*w),
            _ => None,
        }
    }

    pub fn mul_small(&mut self, m: u64) {
        let mut carry: u128 = 0;
        for w in self.0.iter_mut() {
            let t = u128::from(*w) * u128::from(m) + carry;
            *w = t as u64; // low 64 bits, by design
            carry = t >> 64;
        }
        if carry != 0 {
            self.0.push(carry as u64);
        }
        self.norm();
    }

    pub fn add_small(&mut self, a: u64) {
        let mut carry = a;
        for w in self.0.iter_mut() {
            if carry == 0 {
                break;
            }
            let (s, o) = w.overflowing_add(carry);
            *w = s;
            carry = u64::from(o);
        }
        if carry != 0 {
            self.0.push(carry);
        }
    }

    /// Divides in place by `d` (non-zero) and returns the remainder.
    pub fn div_rem_small(&mut self, d: u64) -> u64 {
        if d == 0 {
            return 0;
        }
        let mut rem: u128 = 0;
        for w in self.0.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*w);
            *w = (cur / u128::from(d)) as u64; // < 2^64 since rem < d
            rem = cur % u128::from(d);
        }
        self.norm();
        rem as u64
    }

    /// The remainder of a division by `d` without changing `self`.
    pub fn rem_small(&self, d: u64) -> u64 {
        if d == 0 {
            return 0;
        }
        let mut rem: u128 = 0;
        for w in self.0.iter().rev() {
            rem = ((rem << 64) | u128::from(*w)) % u128::from(d);
        }
        rem as u64
    }

    /// Multiplies by 2^bits.
    pub fn shl(&mut self, bits: u32) {
        if self.is_zero() {
            return;
        }
        let words = (bits / 64) as usize;
        let b = bits % 64;
        if b != 0 {
            let mut carry = 0u64;
            for w in self.0.iter_mut() {
                let nw = (*w << b) | carry;
                carry = *w >> (64 - b);
                *w = nw;
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if words > 0 {
            let mut v = vec![0u64; words];
            v.append(&mut self.0);
            self.0 = v;
        }
    }

    /// Multiplies by 10^k.
    pub fn mul_pow10(&mut self, mut k: u64) {
        if self.is_zero() {
            return;
        }
        while k >= 19 {
            self.mul_small(TEN19);
            k -= 19;
        }
        self.mul_small(10u64.pow(k as u32)); // k < 19
    }

    /// Divides by 10^k, truncating; returns whether the remainder was non-zero.
    /// (floor(floor(x/a)/b) = floor(x/(ab)) for non-negative integers.)
    pub fn div_pow10(&mut self, mut k: u64) -> bool {
        let mut inexact = false;
        while k > 0 && !self.is_zero() {
            let step = k.min(19);
            inexact |= self.div_rem_small(10u64.pow(step as u32)) != 0;
            k -= step;
        }
        if k > 0 {
            // The quotient reached zero early; what is left is all remainder.
            inexact = true;
        }
        inexact
    }

    /// Divides by 10 while that is exact; returns how many times.
    pub fn strip_tens(&mut self) -> u64 {
        let mut n = 0u64;
        if self.is_zero() {
            return 0;
        }
        while self.rem_small(TEN19) == 0 {
            self.div_rem_small(TEN19);
            n += 19;
        }
        while self.rem_small(10) == 0 {
            self.div_rem_small(10);
            n += 1;
        }
        n
    }

    pub fn to_dec_string(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut x = self.clone();
        let mut chunks = Vec::new();
        while !x.is_zero() {
            chunks.push(x.div_rem_small(TEN19));
        }
        let mut s = String::new();
        for (i, c) in chunks.iter().rev().enumerate() {
            if i == 0 {
                s.push_str(&c.to_string());
            } else {
                s.push_str(&format!("{c:019}"));
            }
        }
        s
    }
}

impl PartialOrd for Mag {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Mag {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trip_and_words() {
        let m = Mag::from_dec_digits(b"123456789012345678901234");
        // Words from the spec's worked example (§4.4, scale 9 applied separately).
        assert_eq!(m.to_dec_string(), "123456789012345678901234");
        let mut n = m.clone();
        n.mul_pow10(9);
        assert_eq!(n.0, vec![8982045596309844992, 6692605942763]);
        let mut p = Mag::from_u64(1);
        p.shl(63);
        assert_eq!(p.to_dec_string(), "9223372036854775808");
        p.mul_pow10(9);
        assert_eq!(p.0, vec![0, 500000000]);
    }

    #[test]
    fn division_and_strip() {
        let mut m = Mag::from_dec_digits(b"12000000000000000000000000000000000000000");
        assert_eq!(m.strip_tens(), 39);
        assert_eq!(m.to_u64(), Some(12));
        let mut x = Mag::from_u64(15);
        assert!(x.div_pow10(1));
        assert_eq!(x.to_u64(), Some(1));
        let mut y = Mag::from_u64(5);
        assert!(y.div_pow10(40));
        assert!(y.is_zero());
        let mut z = Mag::from_dec_digits(b"500");
        assert!(!z.div_pow10(2));
    }
}

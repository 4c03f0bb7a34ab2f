//! `k8s.io/apimachinery/pkg/api/resource.Quantity`, exactly as the kubelet
//! holds it in memory.
//!
//! Why the internals matter: kubelets 1.27–1.31 hashed the go-spew text of
//! their pod resize state, and go-spew prints a Quantity's *unexported*
//! fields: the int64 form `i`, the `inf.Dec` form `d` (with the `big.Int`
//! words), the cached string `s` and the `Format`. Two equal quantities can
//! therefore hash differently, and whether a written file verifies depends on
//! the parse quirks reproduced here (spec `kubelet-files-pod-state-and-others.md` §4).
//!
//! * [`parse`]: `ParseQuantity` (lexing, fast int64 path, arbitrary-precision path).
//! * [`format`](mod@format): `CanonicalizeBytes` / `MarshalJSON`.
//! * [`nat`]: the small big-integer arithmetic both need.
//!
//! The Go types are declared once below; the generic JSON and spew code
//! work from those declarations, with [`QUANTITY_JSON`] supplying
//! Quantity's own `MarshalJSON` / `UnmarshalJSON`.

pub mod format;
pub mod nat;
pub mod parse;

use crate::go::model::{CustomJson, Value};
use crate::go::reflect::GoType;

pub use parse::{parse_quantity, QuantityError};

crate::go_named! {
    /// `resource.Scale`: an `int64Amount` is `value * 10^scale`.
    pub struct Scale(pub i32) = "resource.Scale";
}

crate::go_named! {
    /// `resource.Format`: `DecimalExponent`, `BinarySI`, `DecimalSI` (or
    /// empty for the zero value).
    pub struct Format(pub String) = "resource.Format";
}

crate::go_struct! {
    /// `resource.int64Amount`.
    pub struct Int64Amount = "resource.int64Amount" {
        pub value: i64 => value,
        pub scale: Scale => scale,
    }
}

crate::go_named! {
    /// `big.Word` (`uint`; 64 bits on the platforms whose checksums we reproduce).
    pub struct Word(pub usize) = "big.Word";
}

crate::go_named! {
    /// `big.nat`: little-endian words, `None` for the nil slice.
    pub struct Nat(pub Option<Vec<Word>>) = "big.nat";
}

crate::go_struct! {
    /// `big.Int`.
    pub struct BigInt = "big.Int" {
        pub neg: bool => neg,
        pub abs: Nat => abs,
    }
}

crate::go_named! {
    /// `inf.Scale` (int32): a `Dec` is `unscaled * 10^-scale`.
    pub struct InfScale(pub i32) = "inf.Scale";
}

crate::go_struct! {
    /// `inf.Dec` (gopkg.in/inf.v0).
    pub struct Dec = "inf.Dec" {
        pub unscaled: BigInt => unscaled,
        pub scale: InfScale => scale,
    }
}

crate::go_struct! {
    /// `resource.infDecAmount`: embeds `*inf.Dec` (nil when the int64 form is used).
    pub struct InfDecAmount = "resource.infDecAmount" {
        pub dec: Option<Box<Dec>> => Dec [embedded],
    }
}

crate::go_struct! {
    /// `resource.Quantity`: field order `i`, `d`, `s`, embedded `Format`.
    pub struct Quantity = "resource.Quantity" json_with QUANTITY_JSON {
        pub i: Int64Amount => i,
        pub d: InfDecAmount => d,
        /// The cached serialization (kept verbatim from parsing in some cases).
        pub s: String => s,
        pub format: Format => Format [embedded],
    }
}

/// Quantity's `MarshalJSON` / `UnmarshalJSON`.
pub const QUANTITY_JSON: CustomJson = CustomJson {
    marshal: marshal_json_value,
    unmarshal: unmarshal_json_value,
};

/// Format names.
pub const DECIMAL_EXPONENT: &str = "DecimalExponent";
pub const BINARY_SI: &str = "BinarySI";
pub const DECIMAL_SI: &str = "DecimalSI";

impl BigInt {
    /// The magnitude as arithmetic words.
    pub fn mag(&self) -> nat::Mag {
        nat::Mag(
            self.abs
                .0
                .as_ref()
                .map(|w| w.iter().map(|x| x.0 as u64).collect())
                .unwrap_or_default(),
        )
    }

    /// A non-zero magnitude in Go's normalised form (zero gets an empty
    /// but non-nil slice, as `nat.norm` leaves it; callers that need Go's
    /// nil zero use [`BigInt::default`]).
    pub fn from_mag(neg: bool, m: &nat::Mag) -> BigInt {
        BigInt {
            neg: neg && !m.is_zero(),
            abs: Nat(Some(m.0.iter().map(|&w| Word(w as usize)).collect())),
        }
    }
}

impl Quantity {
    /// `MarshalJSON`: the cached string verbatim, else the canonical text.
    pub fn marshal_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.s.len() + 2);
        out.push(b'"');
        if self.s.is_empty() {
            out.extend_from_slice(format::canonical_string(self).as_bytes());
        } else {
            out.extend_from_slice(self.s.as_bytes());
        }
        out.push(b'"');
        out
    }

    /// `UnmarshalJSON(raw)`: `null` resets the amounts only; a string token
    /// loses its two quotes *without* JSON unescaping; Unicode white space is
    /// trimmed; anything else is parsed as it stands.
    pub fn unmarshal_json(&mut self, raw: &[u8]) -> Result<(), QuantityError> {
        if raw == b"null" {
            self.d.dec = None;
            self.i = Int64Amount::default();
            return Ok(());
        }
        let mut v = raw;
        if v.len() >= 2 && v.first() == Some(&b'"') && v.last() == Some(&b'"') {
            v = &v[1..v.len() - 1]; // len >= 2 checked above
        }
        *self = parse_quantity(trim_space(v))?;
        Ok(())
    }

    /// `DeepCopy`: a copy (the `inf.Dec` words are copied as Go's `Set` does,
    /// keeping a nil zero nil).
    pub fn deep_copy(&self) -> Quantity {
        self.clone()
    }

    /// The canonical text (`String()` for a value without a cached string).
    pub fn canonical(&self) -> String {
        format::canonical_string(self)
    }
}

fn marshal_json_value(v: &Value) -> Result<Vec<u8>, String> {
    Ok(Quantity::from_go(v).marshal_json())
}

fn unmarshal_json_value(raw: &[u8], target: &mut Value) -> Result<(), String> {
    let mut q = Quantity::from_go(target);
    let r = q.unmarshal_json(raw).map_err(|e| e.to_string());
    if r.is_ok() {
        *target = q.to_go();
    }
    r
}

/// Go's `strings.TrimSpace` on bytes: trims `unicode.IsSpace` runes at both
/// ends; an invalid UTF-8 byte is not space and stops the trimming.
pub fn trim_space(mut b: &[u8]) -> &[u8] {
    loop {
        match first_char(b) {
            Some((c, n)) if is_go_space(c) => b = &b[n..],
            _ => break,
        }
    }
    loop {
        match last_char(b) {
            Some((c, n)) if is_go_space(c) => b = &b[..b.len() - n],
            _ => break,
        }
    }
    b
}

/// `unicode.IsSpace`.
fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\r'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// The first UTF-8 character of `b` and its length, if valid.
fn first_char(b: &[u8]) -> Option<(char, usize)> {
    let n = match *b.first()? {
        x if x < 0x80 => 1,
        x if x >= 0xF0 => 4,
        x if x >= 0xE0 => 3,
        x if x >= 0xC0 => 2,
        _ => return None,
    };
    let s = std::str::from_utf8(b.get(..n)?).ok()?;
    s.chars().next().map(|c| (c, n))
}

/// The last UTF-8 character of `b` and its length, if valid.
fn last_char(b: &[u8]) -> Option<(char, usize)> {
    for n in 1..=4.min(b.len()) {
        let start = b.len() - n;
        if let Ok(s) = std::str::from_utf8(&b[start..]) {
            let mut it = s.chars();
            let c = it.next()?;
            return if it.next().is_none() {
                Some((c, n))
            } else {
                None
            };
        }
    }
    None
}

#[cfg(test)]
mod tests;

//! The one place where the CPU family touches the cpuset syntax.
//!
//! TEMPORARY local implementation of `k8s.io/utils/cpuset` Parse/String
//! (spec §3) until `crate::go::cpuset` lands from the infra branch; the rest
//! of the family only calls [`parse`] and [`CpuSet`]'s `Display`.

use std::collections::BTreeSet;
use std::fmt;

use crate::go::strconv::quote_str;

/// The oracle refuses to expand a range wider than this (the kubelet would
/// try to allocate every id).
const MAX_RANGE_SPAN: i64 = 1 << 20;

/// A parsed set of CPU ids (Go `cpuset.CPUSet`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuSet(BTreeSet<i64>);

impl CpuSet {
    pub fn from_ids(ids: impl IntoIterator<Item = i64>) -> CpuSet {
        CpuSet(ids.into_iter().collect())
    }
    /// The ids, ascending.
    pub fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.0.iter().copied()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `CPUSet.String()`: sorted runs, `a-b` for runs of two or more.
impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut it = self.0.iter().copied();
        let Some(first) = it.next() else {
            return Ok(());
        };
        let (mut start, mut end) = (first, first);
        let mut sep = "";
        let mut flush = |f: &mut fmt::Formatter<'_>, s: i64, e: i64| -> fmt::Result {
            let r = if s == e {
                write!(f, "{sep}{s}")
            } else {
                write!(f, "{sep}{s}-{e}")
            };
            sep = ",";
            r
        };
        for c in it {
            if end.checked_add(1) == Some(c) {
                end = c;
                continue;
            }
            flush(f, start, end)?;
            (start, end) = (c, c);
        }
        flush(f, start, end)
    }
}

/// `cpuset.Parse` with Go's error texts.
pub fn parse(s: &str) -> Result<CpuSet, String> {
    let mut out = BTreeSet::new();
    if s.is_empty() {
        return Ok(CpuSet(out));
    }
    for item in s.split(',') {
        match item.split_once('-') {
            None => {
                out.insert(atoi(item)?);
            }
            Some((a, b)) => {
                let start = atoi(a)?;
                let end = atoi(b)?;
                if start > end {
                    return Err(format!(
                        "invalid range {} ({start} > {end})",
                        quote_str(item)
                    ));
                }
                // Go computes end-start in int64 (it can wrap); a wrapped
                // span would make the kubelet loop for ever, treat it as too large.
                if end
                    .checked_sub(start)
                    .map_or(true, |span| span > MAX_RANGE_SPAN)
                {
                    return Err(format!(
                        "oracle: range {} too large to expand",
                        quote_str(item)
                    ));
                }
                out.extend(start..=end);
            }
        }
    }
    Ok(CpuSet(out))
}

/// `strconv.Atoi` (64-bit `int`), with its `NumError` text.
fn atoi(s: &str) -> Result<i64, String> {
    let err = |what: &str| format!("strconv.Atoi: parsing {}: {what}", quote_str(s));
    // Slicing at 1 is safe: the first byte is an ASCII sign, a char boundary.
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(err("invalid syntax"));
    }
    // ParseUint: a non-digit is a syntax error, overflow is detected digit
    // by digit (so an overflow before a bad byte reports the range error).
    let mut n: u64 = 0;
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return Err(err("invalid syntax"));
        }
        n = match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
        {
            Some(n) => n,
            None => return Err(err("value out of range")),
        };
    }
    if neg {
        if n > 1 << 63 {
            return Err(err("value out of range"));
        }
        Ok((n as i64).wrapping_neg())
    } else {
        i64::try_from(n).map_err(|_| err("value out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected texts from spec §3 and Go's strconv error format.
    #[test]
    fn parse_and_render() {
        assert_eq!(parse("1-4,8,+3,2").unwrap().to_string(), "1-4,8");
        assert_eq!(parse("0,13").unwrap().to_string(), "0,13");
        assert_eq!(parse("1-2").unwrap().to_string(), "1-2");
        assert_eq!(parse("5-5").unwrap().to_string(), "5");
        assert_eq!(parse("").unwrap().to_string(), "");
        assert_eq!(
            parse("1,,2").unwrap_err(),
            "strconv.Atoi: parsing \"\": invalid syntax"
        );
        assert_eq!(
            parse("1-2-3").unwrap_err(),
            "strconv.Atoi: parsing \"2-3\": invalid syntax"
        );
        assert_eq!(parse("5-3").unwrap_err(), "invalid range \"5-3\" (5 > 3)");
        assert_eq!(
            parse("99999999999999999999").unwrap_err(),
            "strconv.Atoi: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            parse(" 1").unwrap_err(),
            "strconv.Atoi: parsing \" 1\": invalid syntax"
        );
    }
}

//! Civil time for reports: Unix seconds ⇄ RFC 3339 in UTC (proleptic
//! Gregorian, Howard Hinnant's `days_from_civil`), no time-zone database.

use crate::go::rfc3339::{civil_from_days, days_from_civil};

/// Unix seconds of a UTC date and time.
pub fn unix(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
    days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s
}

/// `2026-12-01T00:00:00Z`.
pub fn rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)`, a date alone
/// (`YYYY-MM-DD`, midnight UTC) or `@SECONDS`.
pub fn parse(s: &str) -> Option<i64> {
    if let Some(n) = s.strip_prefix('@') {
        return n.parse().ok();
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    if b.len() == 10 {
        return Some(unix(y, mo, d, 0, 0, 0));
    }
    if !(b[10] == b'T' || b[10] == b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &r[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let oh: i64 = o[1..3].parse().ok()?;
            let om: i64 = o[4..6].parse().ok()?;
            let v = oh * 3600 + om * 60;
            if o.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    Some(unix(y, mo, d, h, mi, sec) - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse("2026-12-01T00:00:00Z"), Some(1_796_083_200));
        assert_eq!(rfc3339(1_796_083_200), "2026-12-01T00:00:00Z");
        assert_eq!(
            parse("2024-02-29T18:28:17+01:00"),
            parse("2024-02-29T17:28:17Z")
        );
        assert_eq!(parse("2026-12-01"), Some(1_796_083_200));
        assert_eq!(parse("@5"), Some(5));
        assert_eq!(parse("2026-13-01"), None);
    }
}

//! `time.Parse(time.RFC3339, s)` and `t.UTC().Format(time.RFC3339)` as Go
//! 1.19 does them, error texts included (image pull records store
//! `metav1.Time`-like timestamps in this form).
//!
//! Parsing follows Go's layout walk for `2006-01-02T15:04:05Z07:00`: each
//! element is a literal prefix plus a value; hour is 1–2 digits, the others
//! exactly 2; a `.` or `,` fraction after the seconds is accepted (digits
//! past the ninth dropped); the zone is `Z` or `±hh:mm` with no range check;
//! the day is checked against the month last.

use super::quote::time_quote;

const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";
/// The layout `time.Time.UnmarshalJSON` (Go 1.19) parses the raw token with.
const QUOTED_LAYOUT: &str = "\"2006-01-02T15:04:05Z07:00\"";

/// An instant: seconds since the Unix epoch (UTC) and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant {
    pub unix: i64,
    pub nsec: u32,
}

/// Unix seconds of Go's zero `time.Time` (0001-01-01T00:00:00Z).
const ZERO_UNIX: i64 = -62_135_596_800;

impl Instant {
    /// `time.Time.IsZero`.
    pub fn is_zero(&self) -> bool {
        self.unix == ZERO_UNIX && self.nsec == 0
    }
}

#[derive(Clone, Copy)]
enum Std {
    LongYear,
    ZeroMonth,
    ZeroDay,
    Hour,
    ZeroMinute,
    ZeroSecond,
    ColonTz,
}

/// The layout as Go's `nextStdChunk` splits it: (literal prefix, element, element text).
const CHUNKS: [(&str, Std, &str); 7] = [
    ("", Std::LongYear, "2006"),
    ("-", Std::ZeroMonth, "01"),
    ("-", Std::ZeroDay, "02"),
    ("T", Std::Hour, "15"),
    (":", Std::ZeroMinute, "04"),
    (":", Std::ZeroSecond, "05"),
    ("", Std::ColonTz, "Z07:00"),
];

fn digit(s: &[u8], i: usize) -> Option<i64> {
    s.get(i)
        .filter(|c| c.is_ascii_digit())
        .map(|c| i64::from(c - b'0'))
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let a = digit(s, 0)?;
    match digit(s, 1) {
        None if fixed => None,
        None => Some((a, &s[1..])),
        Some(b) => Some((a * 10 + b, &s[2..])),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn cannot_parse(layout: &str, value: &str, elem: &[u8], layout_elem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        time_quote(value),
        time_quote(layout),
        time_quote(&lossy(elem)),
        time_quote(layout_elem)
    )
}

fn message(value: &str, msg: &str) -> String {
    format!("parsing time {}{msg}", time_quote(value))
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `time.Parse(time.RFC3339, value)`; the error is Go's `ParseError` text.
pub fn parse(value_str: &str) -> Result<Instant, String> {
    parse_layout(value_str, false).map(|(i, _)| i)
}

/// `time.Time.UnmarshalJSON(raw)` (Go 1.19): `null` is left to the caller;
/// the raw token, quotes included, is parsed with the layout `"RFC3339"`.
/// Returns the instant and the zone offset in seconds.
pub fn parse_json_token(raw: &str) -> Result<(Instant, i64), String> {
    parse_layout(raw, true)
}

fn parse_layout(value_str: &str, quoted: bool) -> Result<(Instant, i64), String> {
    let layout = if quoted { QUOTED_LAYOUT } else { LAYOUT };
    let mut v: &[u8] = value_str.as_bytes();
    let (mut year, mut month, mut day, mut hour, mut min, mut sec) = (0i64, -1i64, -1i64, 0, 0, 0);
    let mut nsec: i64 = 0;
    let mut offset: i64 = 0;
    for (n, (prefix, std, stdstr)) in CHUNKS.into_iter().enumerate() {
        let prefix = if quoted && n == 0 { "\"" } else { prefix };
        // skip(value, prefix): literal bytes must match one by one.
        for &p in prefix.as_bytes() {
            match v.first() {
                Some(&c) if c == p => v = &v[1..],
                _ => return Err(cannot_parse(layout, value_str, v, prefix)),
            }
        }
        let mut range: Option<&str> = None;
        let ok: bool = match std {
            Std::LongYear => {
                if v.len() < 4 || digit(v, 0).is_none() {
                    false
                } else {
                    let (p, rest) = v.split_at(4);
                    v = rest;
                    match std::str::from_utf8(p).ok().and_then(|p| {
                        p.bytes()
                            .all(|c| c.is_ascii_digit())
                            .then(|| p.parse::<i64>().ok())
                            .flatten()
                    }) {
                        Some(y) => {
                            year = y;
                            true
                        }
                        None => false,
                    }
                }
            }
            Std::ZeroMonth => match getnum(v, true) {
                Some((m, rest)) => {
                    v = rest;
                    month = m;
                    if !(1..=12).contains(&m) {
                        range = Some("month");
                    }
                    true
                }
                None => false,
            },
            Std::ZeroDay => match getnum(v, true) {
                Some((d, rest)) => {
                    v = rest;
                    day = d;
                    true
                }
                None => false,
            },
            Std::Hour => match getnum(v, false) {
                Some((h, rest)) => {
                    v = rest;
                    hour = h;
                    if h >= 24 {
                        range = Some("hour");
                    }
                    true
                }
                None => false,
            },
            Std::ZeroMinute => match getnum(v, true) {
                Some((m, rest)) => {
                    v = rest;
                    min = m;
                    if m >= 60 {
                        range = Some("minute");
                    }
                    true
                }
                None => false,
            },
            Std::ZeroSecond => match getnum(v, true) {
                Some((s, rest)) => {
                    v = rest;
                    sec = s;
                    if s >= 60 {
                        range = Some("second");
                    } else if v.len() >= 2
                        && (v[0] == b'.' || v[0] == b',')
                        && v[1].is_ascii_digit()
                    {
                        let mut n = 2;
                        while n < v.len() && v[n].is_ascii_digit() {
                            n += 1;
                        }
                        let nbytes = n.min(10);
                        let mut ns: i64 = 0;
                        for &c in &v[1..nbytes] {
                            ns = ns * 10 + i64::from(c - b'0');
                        }
                        for _ in nbytes..10 {
                            ns *= 10;
                        }
                        nsec = ns;
                        v = &v[n..];
                    }
                    true
                }
                None => false,
            },
            Std::ColonTz => {
                if v.first() == Some(&b'Z') {
                    v = &v[1..];
                    true
                } else if v.len() < 6 || v[3] != b':' {
                    false
                } else {
                    let (sign, hh, mm) = (v[0], &v[1..3], &v[4..6]);
                    v = &v[6..];
                    match (getnum(hh, true), getnum(mm, true)) {
                        (Some((h, _)), Some((m, _))) if sign == b'+' || sign == b'-' => {
                            offset = (h * 60 + m) * 60;
                            if sign == b'-' {
                                offset = -offset;
                            }
                            true
                        }
                        _ => false,
                    }
                }
            }
        };
        if let Some(r) = range {
            return Err(message(value_str, &format!(": {r} out of range")));
        }
        if !ok {
            return Err(cannot_parse(layout, value_str, v, stdstr));
        }
    }
    if quoted {
        // The layout's closing quote is the last chunk's literal prefix.
        match v.first() {
            Some(b'"') => v = &v[1..],
            _ => return Err(cannot_parse(layout, value_str, v, "\"")),
        }
    }
    if !v.is_empty() {
        return Err(message(
            value_str,
            &format!(": extra text: {}", time_quote(&lossy(v))),
        ));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(message(value_str, ": day out of range"));
    }
    let unix = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset;
    Ok((
        Instant {
            unix,
            nsec: nsec as u32, // < 10^9 by construction
        },
        offset,
    ))
}

/// `t.Format(time.RFC3339Nano)` in a zone `offset` seconds east of UTC
/// (what `time.Time.MarshalJSON` writes): fraction without trailing zeros,
/// `Z` for offset 0. `None` when the year is outside [0, 9999], where
/// `MarshalJSON` fails.
pub fn format_nano(t: &Instant, offset: i64) -> Option<String> {
    let local = t.unix + offset;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    if !(0..=9999).contains(&y) {
        return None;
    }
    let secs = local.rem_euclid(86_400);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if t.nsec != 0 {
        let frac = format!("{:09}", t.nsec);
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    if offset == 0 {
        out.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let a = offset.abs();
        out.push_str(&format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60));
    }
    Some(out)
}

/// `t.UTC().Format(time.RFC3339)`.
pub fn format_utc(t: &Instant) -> String {
    let days = t.unix.div_euclid(86_400);
    let secs = t.unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let year = if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    };
    format!(
        "{year}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        format_utc(&parse(s).unwrap())
    }

    #[test]
    fn accepted_forms() {
        // Expected values measured with the Go reference (image pull canonical).
        assert_eq!(canon("2024-01-01T00:00:00+99:99"), "2023-12-27T19:21:00Z");
        assert_eq!(canon("0000-01-01T00:00:00+01:00"), "-0001-12-31T23:00:00Z");
        assert_eq!(canon("9999-12-31T23:00:00-01:00"), "10000-01-01T00:00:00Z");
        assert_eq!(canon("2024-01-01T1:00:00Z"), "2024-01-01T01:00:00Z");
        assert_eq!(canon("2024-01-01T00:00:00,5Z"), "2024-01-01T00:00:00Z");
        assert_eq!(canon("2024-01-01T00:00:00.5+01:00"), "2023-12-31T23:00:00Z");
        assert!(parse("0001-01-01T01:00:00+01:00").unwrap().is_zero());
        assert!(!parse("0001-01-01T00:00:00.1Z").unwrap().is_zero());
    }

    #[test]
    fn json_token_form() {
        let (t, off) = parse_json_token("\"2024-01-01T00:00:00.500+01:00\"").unwrap();
        assert_eq!(off, 3600);
        assert_eq!(format_nano(&t, off).unwrap(), "2024-01-01T00:00:00.5+01:00");
        let (t, off) = parse_json_token("\"2024-01-01T00:00:00+00:00\"").unwrap();
        assert_eq!(format_nano(&t, off).unwrap(), "2024-01-01T00:00:00Z");
        // Go: the quoted layout appears in the error text.
        assert_eq!(
            parse_json_token("5").unwrap_err(),
            r#"parsing time "5" as "\"2006-01-02T15:04:05Z07:00\"": cannot parse "5" as "\"""#
        );
    }

    #[test]
    fn error_texts() {
        // Texts measured with the Go reference.
        let cases = [
            (
                "2024-01-01T24:00:00Z",
                r#"parsing time "2024-01-01T24:00:00Z": hour out of range"#,
            ),
            (
                "2024-02-30T00:00:00Z",
                r#"parsing time "2024-02-30T00:00:00Z": day out of range"#,
            ),
            (
                "2024-01-01T00:00:00Zx",
                r#"parsing time "2024-01-01T00:00:00Zx": extra text: "x""#,
            ),
            (
                "2024-01-01T00:00:00.Z",
                r#"parsing time "2024-01-01T00:00:00.Z" as "2006-01-02T15:04:05Z07:00": cannot parse ".Z" as "Z07:00""#,
            ),
            (
                "é024-01-01T00:00:00Z",
                r#"parsing time "\xc3\xa9024-01-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "\xc3\xa9024-01-01T00:00:00Z" as "2006""#,
            ),
            (
                "2024-01-01T00:00:00a01:00",
                r#"parsing time "2024-01-01T00:00:00a01:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00""#,
            ),
            (
                "2024-1-01T00:00:00Z",
                r#"parsing time "2024-1-01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "1-01T00:00:00Z" as "01""#,
            ),
            (
                "2024-01-01 00:00:00Z",
                r#"parsing time "2024-01-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T""#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).unwrap_err(), want, "{input}");
        }
    }
}

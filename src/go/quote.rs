//! The `time` package's private `quote` (used by `time.ParseError`
//! texts). For `strconv.Quote` see [`crate::go::strconv::quote`].
//!
//! Not a copy of `strconv.Quote`: the `time` package cannot import
//! `strconv`, so Go gives it its own, simpler rules (no `IsPrint` table, no
//! `\n`/`\u` escapes: every non-ASCII or control rune becomes `\xHH` per
//! byte, `é` is `"\xc3\xa9"` where `strconv.Quote` keeps `"é"`). Routing it
//! through [`crate::go::strconv`] would change `parsing time ...` texts.

/// The `time` package's `quote`: ASCII printable bytes kept (with `"` and
/// `\` escaped), every byte of any other rune written as `\xHH`.
pub fn time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if (c as u32) >= 0x80 || (c as u32) < 0x20 {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        // Expected text follows Go's time.quote (bytes of non-ASCII as \x).
        assert_eq!(time_quote("é\"x"), r#""\xc3\xa9\"x""#);
    }
}

//! Go's two string quoters that reach error texts:
//! `strconv.Quote` (`%q` in `fmt.Errorf`) and the `time` package's private
//! `quote` (used by `time.ParseError`).

/// `strconv.Quote(s)` for a valid UTF-8 string.
///
/// Go keeps runes for which `unicode.IsPrint` holds. Without Unicode tables
/// this approximates `IsPrint` as: not a control, not white space other
/// than U+0020, not a format character from the common ranges, not private
/// use, not a non-character. Unassigned code points (which Go escapes) are
/// kept; they do not occur in kubelet files.
pub fn strconv_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Approximation of Go's `unicode.IsPrint` (see [`strconv_quote`]).
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format = matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x13438
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let nonchar = (u & 0xFFFE) == 0xFFFE || (0xFDD0..=0xFDEF).contains(&u);
    !(format || private || nonchar)
}

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
        // Expected texts follow Go's documented escaping rules.
        assert_eq!(strconv_quote("a\u{a0}b"), r#""a\u00a0b""#);
        assert_eq!(strconv_quote("tab\there"), r#""tab\there""#);
        assert_eq!(strconv_quote("ünï\"\\"), r#""ünï\"\\""#);
        assert_eq!(strconv_quote("\u{1}\u{7f}"), r#""\x01\x7f""#);
        assert_eq!(strconv_quote("\u{2028}\u{feff}"), r#""\u2028\ufeff""#);
        assert_eq!(time_quote("é\"x"), r#""\xc3\xa9\"x""#);
    }
}

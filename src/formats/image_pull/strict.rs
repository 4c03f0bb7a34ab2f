//! The strict part of apimachinery's decoder as the Go reference emulates
//! it: after typed decoding succeeded, walk the JSON tokens and report the
//! first unknown field (case-sensitive) or duplicate field, paths joined
//! with `.`. Only runs on input already known to be valid JSON.

use crate::go::strconv::quote as strconv_quote;

/// The structure the strict decoder accepts at one position.
pub enum Shape {
    /// Anything; nothing inside is checked.
    Leaf,
    /// An object with exactly these field names.
    Fields(&'static [(&'static str, &'static Shape)]),
    /// An object used as a map; values have this shape.
    Values(&'static Shape),
    /// An array whose elements have this shape.
    Elems(&'static Shape),
}

/// Walks `json` (valid JSON) against `shape`; `Err` is Go's error text.
pub fn check(json: &[u8], shape: &Shape) -> Result<(), String> {
    let mut w = Walker { b: json, i: 0 };
    w.value(shape, "")
}

struct Walker<'a> {
    b: &'a [u8],
    i: usize,
}

impl Walker<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn value(&mut self, shape: &Shape, path: &str) -> Result<(), String> {
        self.ws();
        match self.peek() {
            Some(b'[') => {
                self.i += 1;
                let sub = match shape {
                    Shape::Elems(e) => *e,
                    _ => &Shape::Leaf,
                };
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b']') | None => {
                            self.i += 1;
                            return Ok(());
                        }
                        Some(b',') => self.i += 1,
                        _ => self.value(sub, path)?,
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut seen: Vec<String> = Vec::new();
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b'}') | None => {
                            self.i += 1;
                            return Ok(());
                        }
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let key = self.string();
                    self.ws();
                    if self.peek() == Some(b':') {
                        self.i += 1;
                    }
                    let p = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    let sub: &Shape = match shape {
                        Shape::Fields(fields) => {
                            let Some((_, f)) = fields.iter().find(|(n, _)| *n == key) else {
                                return Err(format!(
                                    "strict decoding error: unknown field {}",
                                    strconv_quote(&p)
                                ));
                            };
                            if seen.contains(&key) {
                                return Err(dup(&p));
                            }
                            f
                        }
                        Shape::Values(v) => {
                            if seen.contains(&key) {
                                return Err(dup(&p));
                            }
                            v
                        }
                        _ => &Shape::Leaf,
                    };
                    seen.push(key);
                    self.value(sub, &p)?;
                }
            }
            Some(b'"') => {
                self.string();
                Ok(())
            }
            _ => {
                // Number or literal: skip to the next delimiter.
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
                Ok(())
            }
        }
    }

    /// Reads a JSON string at the cursor and returns it unescaped as Go's
    /// decoder does (each invalid UTF-8 byte and each unpaired surrogate
    /// becomes U+FFFD).
    fn string(&mut self) -> String {
        let mut out = String::new();
        if self.peek() != Some(b'"') {
            return out;
        }
        self.i += 1;
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek().unwrap_or(b'\\');
                    self.i += 1;
                    match e {
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let r = self.hex4();
                            if (0xD800..0xDC00).contains(&r)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let r2 = self.hex4();
                                if (0xDC00..0xE000).contains(&r2) {
                                    let c = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                    continue;
                                }
                                self.i = save;
                            }
                            out.push(char::from_u32(r).unwrap_or('\u{fffd}'));
                        }
                        other => out.push(char::from(other)),
                    }
                }
                _ => {
                    let rest = &self.b[self.i..];
                    let n = utf8_len(rest);
                    match std::str::from_utf8(&rest[..n.min(rest.len())]) {
                        Ok(s) if n > 0 => {
                            out.push_str(s);
                            self.i += n;
                        }
                        _ => {
                            out.push('\u{fffd}');
                            self.i += 1;
                        }
                    }
                }
            }
        }
        out
    }

    fn hex4(&mut self) -> u32 {
        let mut r = 0u32;
        for _ in 0..4 {
            let d = self
                .peek()
                .and_then(|c| char::from(c).to_digit(16))
                .unwrap_or(0);
            r = r * 16 + d;
            self.i += 1;
        }
        r
    }
}

/// Length of the UTF-8 sequence a lead byte announces (0 if invalid lead).
fn utf8_len(b: &[u8]) -> usize {
    match b.first() {
        Some(&c) if c < 0x80 => 1,
        Some(&c) if (0xF0..0xF8).contains(&c) => 4,
        Some(&c) if c >= 0xE0 => 3,
        Some(&c) if c >= 0xC2 => 2,
        _ => 0,
    }
}

fn dup(p: &str) -> String {
    format!(
        "strict decoding error: duplicate field {}",
        strconv_quote(p)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    static INNER: Shape = Shape::Fields(&[("a", &Shape::Leaf)]);
    static TOP: Shape =
        Shape::Fields(&[("m", &Shape::Values(&INNER)), ("l", &Shape::Elems(&INNER))]);

    #[test]
    fn unknown_and_duplicate_fields() {
        assert_eq!(
            check(br#"{"m":{"x":{"a":1}},"l":[{"a":[1,{"z":2}]}]}"#, &TOP),
            Ok(())
        );
        assert_eq!(
            check(br#"{"m":{"x":{"b":1}}}"#, &TOP).unwrap_err(),
            r#"strict decoding error: unknown field "m.x.b""#
        );
        assert_eq!(
            check(br#"{"l":[{"a":1},{"a":1,"a":2}]}"#, &TOP).unwrap_err(),
            r#"strict decoding error: duplicate field "l.a""#
        );
        assert_eq!(
            check(br#"{"m":{"k":{},"k":{}}}"#, &TOP).unwrap_err(),
            r#"strict decoding error: duplicate field "m.k""#
        );
        assert_eq!(
            check(br#"{"\u006d":{},"M":1}"#, &TOP).unwrap_err(),
            r#"strict decoding error: unknown field "M""#
        );
    }
}

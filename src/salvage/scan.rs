//! The tolerant scanner under [`super::diagnose`] and [`super::recover`]:
//! one pass over the bytes, RFC 8259 grammar (the grammar Go's
//! `encoding/json` scanner accepts), an explicit stack instead of recursion
//! (inputs may nest 100,000 deep) and no copies of the input: frames hold
//! offsets only.
//!
//! Unlike a parser it does not stop at "unexpected end": it reports where the
//! text ended, the containers still open, and what the innermost one was in
//! the middle of, so that the caller can cut the half-written member and
//! close the rest.

use std::ops::Range;

/// JSON whitespace: space, TAB, LF, CR (form feed is not whitespace).
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// One open container.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    /// Offset of the `{` or `[`.
    pub open: usize,
    /// `true` for an object.
    pub obj: bool,
    /// Offset just past the last complete member, or just past the opening
    /// bracket when there is none: everything before it can be kept.
    pub commit: usize,
    /// Complete members so far (for arrays: the index of the current one).
    pub count: usize,
    /// Objects: the raw content (between the quotes, still escaped) of the
    /// current member's key, as far as it was read.
    pub key: Option<Range<usize>>,
    /// Where the current member (its key, or the array element) starts.
    pub member_start: usize,
}

/// What a scalar token was when the text ended inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    String,
    Number,
    Literal,
}

/// What the innermost open container was in the middle of when the text
/// ended (whitespace aside).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pending {
    /// Nothing: just after the opening bracket or a complete member.
    Nothing,
    /// A comma and no member after it yet.
    Comma,
    /// A key cut short inside its string.
    PartialKey,
    /// A complete key with or without its colon, but no value.
    KeyWithoutValue,
    /// A scalar value cut short (numbers are never known to be complete at
    /// the end of the text: more digits may have followed).
    Value(Scalar),
}

/// How the scan ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A complete top-level value; `trailing` is the offset of the first
    /// non-whitespace byte after it, if any (before the scan's end).
    Complete { trailing: Option<usize> },
    /// The text ended inside the top-level value.
    Truncated { stack: Vec<Frame>, pending: Pending },
    /// A byte that the grammar does not allow here, and the containers open
    /// around it.
    Error {
        at: usize,
        expected: &'static str,
        stack: Vec<Frame>,
    },
}

enum Tok {
    /// The token ends just before this offset.
    Done(usize),
    /// The text ended inside the token.
    Cut,
    /// A number that reached the end of the text in an accepting state:
    /// complete at the top level, possibly cut short inside a container.
    CutOrDone(usize),
    /// Bad byte at this offset; what was expected there.
    Bad(usize, &'static str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    /// A value: top level, after `:`, or after `,` in an array.
    Value,
    /// After `[`: a value or `]`.
    ArrFirst,
    /// After `{`: a key or `}`.
    ObjFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a member: `,` or the closing bracket.
    After,
    /// After the top-level value.
    Done,
}

/// Scans `b[start..end]`.
pub(crate) fn scan(b: &[u8], start: usize, end: usize) -> Outcome {
    let b = &b[..end];
    let mut stack: Vec<Frame> = Vec::new();
    let mut st = St::Value;
    let mut i = start;
    loop {
        while i < end && is_ws(b[i]) {
            i += 1;
        }
        if i == end {
            if st == St::Done {
                return Outcome::Complete { trailing: None };
            }
            let pending = match st {
                St::Value => match stack.last() {
                    None => Pending::Nothing,
                    Some(top) if top.obj => Pending::KeyWithoutValue,
                    Some(_) => Pending::Comma,
                },
                St::Key => Pending::Comma,
                St::Colon => Pending::KeyWithoutValue,
                _ => Pending::Nothing,
            };
            return Outcome::Truncated { stack, pending };
        }
        let c = b[i];
        match st {
            St::Done => return Outcome::Complete { trailing: Some(i) },
            St::Colon => {
                if c != b':' {
                    return Outcome::Error {
                        at: i,
                        expected: "':' after an object key",
                        stack,
                    };
                }
                st = St::Value;
                i += 1;
            }
            St::After => {
                let top = stack.last().expect("After implies an open container");
                match c {
                    b',' => {
                        st = if top.obj { St::Key } else { St::Value };
                        i += 1;
                    }
                    b'}' if top.obj => {
                        stack.pop();
                        i += 1;
                        st = finish(&mut stack, i);
                    }
                    b']' if !top.obj => {
                        stack.pop();
                        i += 1;
                        st = finish(&mut stack, i);
                    }
                    _ => {
                        let expected = if top.obj {
                            "',' or '}' after an object member"
                        } else {
                            "',' or ']' after an array element"
                        };
                        return Outcome::Error {
                            at: i,
                            expected,
                            stack,
                        };
                    }
                }
            }
            St::ObjFirst | St::Key => {
                if c == b'}' && st == St::ObjFirst {
                    stack.pop();
                    i += 1;
                    st = finish(&mut stack, i);
                    continue;
                }
                if c != b'"' {
                    return Outcome::Error {
                        at: i,
                        expected: if st == St::ObjFirst {
                            "a key string or '}'"
                        } else {
                            "a key string after ','"
                        },
                        stack,
                    };
                }
                let top = stack.last_mut().expect("keys only inside objects");
                top.member_start = i;
                match string(b, i) {
                    Tok::Done(e) => {
                        top.key = Some(i + 1..e - 1);
                        st = St::Colon;
                        i = e;
                    }
                    Tok::Cut | Tok::CutOrDone(_) => {
                        top.key = Some(i + 1..end);
                        return Outcome::Truncated {
                            stack,
                            pending: Pending::PartialKey,
                        };
                    }
                    Tok::Bad(at, expected) => {
                        return Outcome::Error {
                            at,
                            expected,
                            stack,
                        }
                    }
                }
            }
            St::Value | St::ArrFirst => {
                if c == b']' && st == St::ArrFirst {
                    stack.pop();
                    i += 1;
                    st = finish(&mut stack, i);
                    continue;
                }
                if let Some(top) = stack.last_mut() {
                    if !top.obj {
                        top.member_start = i;
                    }
                }
                let (tok, kind) = match c {
                    b'{' | b'[' => {
                        stack.push(Frame {
                            open: i,
                            obj: c == b'{',
                            commit: i + 1,
                            count: 0,
                            key: None,
                            member_start: i + 1,
                        });
                        st = if c == b'{' {
                            St::ObjFirst
                        } else {
                            St::ArrFirst
                        };
                        i += 1;
                        continue;
                    }
                    b'"' => (string(b, i), Scalar::String),
                    b'-' | b'0'..=b'9' => (number(b, i), Scalar::Number),
                    b't' => (literal(b, i, b"true"), Scalar::Literal),
                    b'f' => (literal(b, i, b"false"), Scalar::Literal),
                    b'n' => (literal(b, i, b"null"), Scalar::Literal),
                    _ => {
                        return Outcome::Error {
                            at: i,
                            expected: if st == St::ArrFirst {
                                "a value or ']'"
                            } else {
                                "a value"
                            },
                            stack,
                        }
                    }
                };
                match tok {
                    Tok::Done(e) => {
                        i = e;
                        st = finish(&mut stack, i);
                    }
                    Tok::CutOrDone(e) if stack.is_empty() => {
                        i = e;
                        st = finish(&mut stack, i);
                    }
                    Tok::Cut | Tok::CutOrDone(_) => {
                        return Outcome::Truncated {
                            stack,
                            pending: Pending::Value(kind),
                        }
                    }
                    Tok::Bad(at, expected) => {
                        return Outcome::Error {
                            at,
                            expected,
                            stack,
                        }
                    }
                }
            }
        }
    }
}

/// A value ended at `e`: commit it into the enclosing container, or end the
/// top-level value.
fn finish(stack: &mut [Frame], e: usize) -> St {
    match stack.last_mut() {
        Some(top) => {
            top.commit = e;
            top.count += 1;
            top.key = None;
            St::After
        }
        None => St::Done,
    }
}

/// A string starting at the `"` at `i`: escapes checked, raw control bytes
/// refused, other bytes (UTF-8 is checked elsewhere) passed.
fn string(b: &[u8], i: usize) -> Tok {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'"' => return Tok::Done(j + 1),
            b'\\' => {
                j += 1;
                if j == b.len() {
                    return Tok::Cut;
                }
                match b[j] {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 1,
                    b'u' => {
                        j += 1;
                        for _ in 0..4 {
                            if j == b.len() {
                                return Tok::Cut;
                            }
                            if !b[j].is_ascii_hexdigit() {
                                return Tok::Bad(j, "a hexadecimal digit in a \\u escape");
                            }
                            j += 1;
                        }
                    }
                    _ => return Tok::Bad(j, "an escape character (one of \"\\/bfnrtu)"),
                }
            }
            0x00..=0x1f => return Tok::Bad(j, "no raw control character in a string"),
            _ => j += 1,
        }
    }
    Tok::Cut
}

/// A literal `true`, `false` or `null` starting at `i`.
fn literal(b: &[u8], i: usize, word: &'static [u8]) -> Tok {
    for (k, &w) in word.iter().enumerate() {
        match b.get(i + k) {
            None => return Tok::Cut,
            Some(&c) if c == w => {}
            Some(_) => {
                return Tok::Bad(
                    i + k,
                    match word {
                        b"true" => "the literal true",
                        b"false" => "the literal false",
                        _ => "the literal null",
                    },
                )
            }
        }
    }
    Tok::Done(i + word.len())
}

/// A number starting at `i`: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
/// Reaching the end of the text in an accepting state is
/// [`Tok::CutOrDone`]: "12" may be the start of "123".
fn number(b: &[u8], i: usize) -> Tok {
    let n = b.len();
    let mut j = i;
    let digits = |j: &mut usize| {
        while *j < n && b[*j].is_ascii_digit() {
            *j += 1;
        }
    };
    if b[j] == b'-' {
        j += 1;
    }
    match b.get(j) {
        None => return Tok::Cut,
        Some(b'0') => j += 1,
        Some(b'1'..=b'9') => digits(&mut j),
        Some(_) => return Tok::Bad(j, "a digit after '-'"),
    }
    if j == n {
        return Tok::CutOrDone(j);
    }
    if b[j] == b'.' {
        j += 1;
        match b.get(j) {
            None => return Tok::Cut,
            Some(c) if c.is_ascii_digit() => digits(&mut j),
            Some(_) => return Tok::Bad(j, "a digit after the decimal point"),
        }
        if j == n {
            return Tok::CutOrDone(j);
        }
    }
    if b[j] == b'e' || b[j] == b'E' {
        j += 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        match b.get(j) {
            None => return Tok::Cut,
            Some(c) if c.is_ascii_digit() => digits(&mut j),
            Some(_) => return Tok::Bad(j, "a digit in the exponent"),
        }
        if j == n {
            return Tok::CutOrDone(j);
        }
    }
    Tok::Done(j)
}

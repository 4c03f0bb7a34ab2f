//! Go's `encoding/json` scanner: the byte-at-a-time state machine behind
//! `json.Valid`, `Unmarshal`'s up-front syntax check and `compact`.
//!
//! Why a port and not a parser of our own: Go's error *texts* and *offsets*
//! (`invalid character 'x' after top-level value`, `... exceeded max depth`)
//! come straight out of this machine, and the kubelet reports them. The
//! nesting stack is a `Vec`, so depth costs heap, never call stack.

use super::quote::quote_char;

/// `maxNestingDepth` (Go >= 1.15).
pub const MAX_NESTING_DEPTH: usize = 10000;

/// What one byte meant (Go's `scan*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Op {
    Continue,
    BeginLiteral,
    BeginObject,
    ObjectKey,
    ObjectValue,
    EndObject,
    BeginArray,
    ArrayValue,
    EndArray,
    SkipSpace,
    End,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// The scanner's current step function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU,
    InStringEscU1,
    InStringEscU12,
    InStringEscU123,
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    T,
    Tr,
    Tru,
    F,
    Fa,
    Fal,
    Fals,
    N,
    Nu,
    Nul,
    Error,
}

/// A syntax error: Go's `*json.SyntaxError` (message and `Offset`, the
/// number of bytes read when the error was found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub msg: String,
    pub offset: usize,
}

/// Go's `scanner` struct.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    state: State,
    end_top: bool,
    parse_state: Vec<Parse>,
    pub(crate) err: Option<SyntaxError>,
    /// Bytes consumed so far (only advanced by [`check_valid`], as in Go).
    pub(crate) bytes: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

impl Scanner {
    pub(crate) fn new() -> Scanner {
        Scanner {
            state: State::BeginValue,
            end_top: false,
            parse_state: Vec::new(),
            err: None,
            bytes: 0,
        }
    }

    /// `scanner.eof`: called after the last byte.
    pub(crate) fn eof(&mut self) -> Op {
        if self.err.is_some() {
            return Op::Error;
        }
        if self.end_top {
            return Op::End;
        }
        self.step(b' ');
        if self.end_top {
            return Op::End;
        }
        if self.err.is_none() {
            self.err = Some(SyntaxError {
                msg: "unexpected end of JSON input".to_string(),
                offset: self.bytes,
            });
        }
        Op::Error
    }

    fn error(&mut self, c: u8, context: &str) -> Op {
        self.state = State::Error;
        let mut msg = String::from("invalid character ");
        msg.push_str(&quote_char(c));
        msg.push(' ');
        msg.push_str(context);
        self.err = Some(SyntaxError {
            msg,
            offset: self.bytes,
        });
        Op::Error
    }

    fn push_parse_state(&mut self, c: u8, p: Parse, success: Op) -> Op {
        self.parse_state.push(p);
        if self.parse_state.len() <= MAX_NESTING_DEPTH {
            return success;
        }
        self.error(c, "exceeded max depth")
    }

    fn pop_parse_state(&mut self) {
        self.parse_state.pop();
        if self.parse_state.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    /// Feeds one byte.
    pub(crate) fn step(&mut self, c: u8) -> Op {
        match self.state {
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    return Op::SkipSpace;
                }
                if c == b']' {
                    return self.end_value(c);
                }
                self.begin_value(c)
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    return Op::SkipSpace;
                }
                if c == b'}' {
                    if let Some(last) = self.parse_state.last_mut() {
                        *last = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => self.end_top_step(c),
            State::InString => {
                if c == b'"' {
                    self.state = State::EndValue;
                    return Op::Continue;
                }
                if c == b'\\' {
                    self.state = State::InStringEsc;
                    return Op::Continue;
                }
                if c < 0x20 {
                    return self.error(c, "in string literal");
                }
                Op::Continue
            }
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = State::InString;
                    Op::Continue
                }
                b'u' => {
                    self.state = State::InStringEscU;
                    Op::Continue
                }
                _ => self.error(c, "in string escape code"),
            },
            State::InStringEscU
            | State::InStringEscU1
            | State::InStringEscU12
            | State::InStringEscU123 => {
                if is_hex(c) {
                    self.state = match self.state {
                        State::InStringEscU => State::InStringEscU1,
                        State::InStringEscU1 => State::InStringEscU12,
                        State::InStringEscU12 => State::InStringEscU123,
                        _ => State::InString,
                    };
                    return Op::Continue;
                }
                self.error(c, "in \\u hexadecimal character escape")
            }
            State::Neg => {
                if c == b'0' {
                    self.state = State::Zero;
                    return Op::Continue;
                }
                if c.is_ascii_digit() {
                    self.state = State::One;
                    return Op::Continue;
                }
                self.error(c, "in numeric literal")
            }
            State::One => {
                if c.is_ascii_digit() {
                    return Op::Continue;
                }
                self.zero(c)
            }
            State::Zero => self.zero(c),
            State::Dot => {
                if c.is_ascii_digit() {
                    self.state = State::Dot0;
                    return Op::Continue;
                }
                self.error(c, "after decimal point in numeric literal")
            }
            State::Dot0 => {
                if c.is_ascii_digit() {
                    return Op::Continue;
                }
                if c == b'e' || c == b'E' {
                    self.state = State::E;
                    return Op::Continue;
                }
                self.end_value(c)
            }
            State::E => {
                if c == b'+' || c == b'-' {
                    self.state = State::ESign;
                    return Op::Continue;
                }
                self.e_sign(c)
            }
            State::ESign => self.e_sign(c),
            State::E0 => {
                if c.is_ascii_digit() {
                    return Op::Continue;
                }
                self.end_value(c)
            }
            State::T => self.lit(c, b'r', State::Tr, "in literal true (expecting 'r')"),
            State::Tr => self.lit(c, b'u', State::Tru, "in literal true (expecting 'u')"),
            State::Tru => self.lit(c, b'e', State::EndValue, "in literal true (expecting 'e')"),
            State::F => self.lit(c, b'a', State::Fa, "in literal false (expecting 'a')"),
            State::Fa => self.lit(c, b'l', State::Fal, "in literal false (expecting 'l')"),
            State::Fal => self.lit(c, b's', State::Fals, "in literal false (expecting 's')"),
            State::Fals => self.lit(c, b'e', State::EndValue, "in literal false (expecting 'e')"),
            State::N => self.lit(c, b'u', State::Nu, "in literal null (expecting 'u')"),
            State::Nu => self.lit(c, b'l', State::Nul, "in literal null (expecting 'l')"),
            State::Nul => self.lit(c, b'l', State::EndValue, "in literal null (expecting 'l')"),
            State::Error => Op::Error,
        }
    }

    fn lit(&mut self, c: u8, want: u8, next: State, msg: &str) -> Op {
        if c == want {
            self.state = next;
            return Op::Continue;
        }
        self.error(c, msg)
    }

    fn begin_value(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::SkipSpace;
        }
        match c {
            b'{' => {
                self.state = State::BeginStringOrEmpty;
                self.push_parse_state(c, Parse::ObjectKey, Op::BeginObject)
            }
            b'[' => {
                self.state = State::BeginValueOrEmpty;
                self.push_parse_state(c, Parse::ArrayValue, Op::BeginArray)
            }
            b'"' => {
                self.state = State::InString;
                Op::BeginLiteral
            }
            b'-' => {
                self.state = State::Neg;
                Op::BeginLiteral
            }
            b'0' => {
                self.state = State::Zero;
                Op::BeginLiteral
            }
            b't' => {
                self.state = State::T;
                Op::BeginLiteral
            }
            b'f' => {
                self.state = State::F;
                Op::BeginLiteral
            }
            b'n' => {
                self.state = State::N;
                Op::BeginLiteral
            }
            b'1'..=b'9' => {
                self.state = State::One;
                Op::BeginLiteral
            }
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    fn begin_string(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::SkipSpace;
        }
        if c == b'"' {
            self.state = State::InString;
            return Op::BeginLiteral;
        }
        self.error(c, "looking for beginning of object key string")
    }

    fn end_value(&mut self, c: u8) -> Op {
        let Some(&ps) = self.parse_state.last() else {
            self.state = State::EndTop;
            self.end_top = true;
            return self.end_top_step(c);
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Op::SkipSpace;
        }
        match ps {
            Parse::ObjectKey => {
                if c == b':' {
                    if let Some(last) = self.parse_state.last_mut() {
                        *last = Parse::ObjectValue;
                    }
                    self.state = State::BeginValue;
                    return Op::ObjectKey;
                }
                self.error(c, "after object key")
            }
            Parse::ObjectValue => {
                if c == b',' {
                    if let Some(last) = self.parse_state.last_mut() {
                        *last = Parse::ObjectKey;
                    }
                    self.state = State::BeginString;
                    return Op::ObjectValue;
                }
                if c == b'}' {
                    self.pop_parse_state();
                    return Op::EndObject;
                }
                self.error(c, "after object key:value pair")
            }
            Parse::ArrayValue => {
                if c == b',' {
                    self.state = State::BeginValue;
                    return Op::ArrayValue;
                }
                if c == b']' {
                    self.pop_parse_state();
                    return Op::EndArray;
                }
                self.error(c, "after array element")
            }
        }
    }

    fn end_top_step(&mut self, c: u8) -> Op {
        if !is_space(c) {
            self.error(c, "after top-level value");
        }
        Op::End
    }

    fn zero(&mut self, c: u8) -> Op {
        if c == b'.' {
            self.state = State::Dot;
            return Op::Continue;
        }
        if c == b'e' || c == b'E' {
            self.state = State::E;
            return Op::Continue;
        }
        self.end_value(c)
    }

    fn e_sign(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            self.state = State::E0;
            return Op::Continue;
        }
        self.error(c, "in exponent of numeric literal")
    }
}

/// `checkValid`: the whole-input syntax check `json.Unmarshal` runs first.
///
/// Valid input (the common case) is recognised by [`is_valid_fast`], a
/// direct recursive-descent-free validator; anything it does not accept is
/// run through Go's state machine, which finds the same verdict with Go's
/// message and offset.
pub fn check_valid(data: &[u8]) -> Result<(), SyntaxError> {
    if VALIDATED.with(|v| v.get()) == Some(span_of(data)) {
        return Ok(());
    }
    if is_valid_fast(data) {
        return Ok(());
    }
    check_valid_scanner(data)
}

thread_local! {
    /// The input [`with_validated`] is running for, as (address, length).
    static VALIDATED: std::cell::Cell<Option<(usize, usize)>> =
        const { std::cell::Cell::new(None) };
}

fn span_of(data: &[u8]) -> (usize, usize) {
    (data.as_ptr() as usize, data.len())
}

/// Runs `f` with `data` validated once: inside `f`, [`check_valid`] of
/// exactly these bytes (same address and length) returns at once. Every
/// reader of a kubelet file starts as `json.Unmarshal` does, by validating
/// the whole input; a file judged for every release goes through five to
/// eight readers, which then share one validation.
///
/// Sound because `data` stays borrowed (unchanged, not freed) while `f`
/// runs, so no other input can have its address and length meanwhile.
/// Input that is not valid JSON is not recorded (each reader produces its
/// own error message and offset, as before).
pub fn with_validated<R>(data: &[u8], f: impl FnOnce() -> R) -> R {
    struct Restore(Option<(usize, usize)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            VALIDATED.with(|v| v.set(self.0));
        }
    }
    if data.is_empty() || check_valid(data).is_err() {
        return f();
    }
    let _restore = Restore(VALIDATED.with(|v| v.replace(Some(span_of(data)))));
    f()
}

/// [`check_valid`] by Go's scanner state machine alone.
pub(crate) fn check_valid_scanner(data: &[u8]) -> Result<(), SyntaxError> {
    let mut s = Scanner::new();
    let mut rest = data;
    loop {
        if s.state == State::InString {
            // Inside a string literal every byte other than `"`, `\` and
            // the controls is `scanContinue` with no state change (Go's
            // `stateInString`), so a run of them is skipped in one tight
            // loop. `bytes` still counts them: error offsets are unchanged.
            let run = plain_string_run(rest);
            s.bytes += run;
            rest = rest.get(run..).unwrap_or_default();
        }
        let Some((&c, tail)) = rest.split_first() else {
            break;
        };
        rest = tail;
        s.bytes += 1;
        if s.step(c) == Op::Error {
            return Err(s.err.unwrap_or_else(|| SyntaxError {
                msg: String::new(),
                offset: s.bytes,
            }));
        }
    }
    if s.eof() == Op::Error {
        return Err(s.err.unwrap_or_else(|| SyntaxError {
            msg: String::new(),
            offset: s.bytes,
        }));
    }
    Ok(())
}

/// Whether `data` is one JSON value that Go's scanner accepts, surrounded
/// by optional whitespace: exactly the grammar of the state machine above
/// (strings of any bytes from 0x20 up except `"` and `\`, invalid UTF-8
/// included; the nine escapes; Go's number syntax; nesting up to
/// [`MAX_NESTING_DEPTH`]). Never `true` for input the scanner rejects
/// (`fast_validator_agrees_with_the_scanner` checks it); `false` only
/// costs the slow path.
pub(crate) fn is_valid_fast(data: &[u8]) -> bool {
    // Containers open: `true` for an object.
    let mut stack: Vec<bool> = Vec::new();
    let mut i = 0usize;
    let n = data.len();
    let ws = |i: &mut usize| {
        while *i < n && matches!(data[*i], b' ' | b'\t' | b'\r' | b'\n') {
            *i += 1;
        }
    };
    // Parses a string starting at its opening quote; returns the index
    // after the closing quote.
    let string = |mut i: usize| -> Option<usize> {
        i += 1;
        loop {
            i += plain_string_run(data.get(i..)?);
            match *data.get(i)? {
                b'"' => return Some(i + 1),
                b'\\' => match *data.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        if !data.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    };
    let number = |mut i: usize| -> Option<usize> {
        if data.get(i) == Some(&b'-') {
            i += 1;
        }
        match *data.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                while data.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return None,
        }
        if data.get(i) == Some(&b'.') {
            i += 1;
            if !data.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while data.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if matches!(data.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(data.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !data.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while data.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        Some(i)
    };
    // An object key at `i`, its colon and the whitespace around: where
    // the member's value starts.
    let key = |i: usize| -> Option<usize> {
        if data.get(i) != Some(&b'"') {
            return None;
        }
        let mut j = string(i)?;
        ws(&mut j);
        if data.get(j) != Some(&b':') {
            return None;
        }
        j += 1;
        ws(&mut j);
        Some(j)
    };
    ws(&mut i);
    loop {
        // A value starts at `i` (whitespace skipped).
        let Some(&c) = data.get(i) else {
            return false;
        };
        let mut end = match c {
            b'{' | b'[' => {
                if stack.len() >= MAX_NESTING_DEPTH {
                    return false;
                }
                let object = c == b'{';
                i += 1;
                ws(&mut i);
                let close = if object { b'}' } else { b']' };
                if data.get(i) == Some(&close) {
                    Some(i + 1)
                } else {
                    stack.push(object);
                    if object {
                        // The first key.
                        let Some(v) = key(i) else {
                            return false;
                        };
                        i = v;
                    }
                    continue;
                }
            }
            b'"' => string(i),
            b't' => data.get(i..i + 4).filter(|w| *w == b"true").map(|_| i + 4),
            b'f' => data.get(i..i + 5).filter(|w| *w == b"false").map(|_| i + 5),
            b'n' => data.get(i..i + 4).filter(|w| *w == b"null").map(|_| i + 4),
            b'-' | b'0'..=b'9' => number(i),
            _ => None,
        };
        // After a value: close containers or go on to the next element.
        loop {
            let Some(e) = end else {
                return false;
            };
            i = e;
            ws(&mut i);
            let Some(&object) = stack.last() else {
                return i == n;
            };
            match data.get(i) {
                Some(b',') => {
                    i += 1;
                    ws(&mut i);
                    if object {
                        let Some(v) = key(i) else {
                            return false;
                        };
                        i = v;
                    }
                    break;
                }
                Some(b'}') if object => {
                    stack.pop();
                    end = Some(i + 1);
                }
                Some(b']') if !object => {
                    stack.pop();
                    end = Some(i + 1);
                }
                _ => return false,
            }
        }
    }
}

/// Length of the leading run of bytes that `stateInString` passes over
/// without a state change: not `"`, not `\`, not below 0x20.
fn plain_string_run(b: &[u8]) -> usize {
    let mut i = 0;
    // Eight bytes at a time while none is special; the byte loop below
    // decides exactly where the run ends.
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        if word_has_special(u64::from_le_bytes(w), false) {
            break;
        }
        i += 8;
    }
    i + b
        .get(i..)
        .unwrap_or_default()
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

/// Whether the eight bytes of `w` may hold a `"`, a `\`, a control below
/// 0x20 or (with `non_ascii`) a byte from 0x80 up. Exact for "none": a
/// `false` is certain; a `true` is checked byte by byte by the caller.
pub(crate) fn word_has_special(w: u64, non_ascii: bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    (non_ascii && w & HIGH != 0)
        || below_space
        || has_zero(w ^ (ONES * u64::from(b'"')))
        || has_zero(w ^ (ONES * u64::from(b'\\')))
}

/// Go's `compact(dst, src, escape)`: removes insignificant whitespace and,
/// with `escape`, HTML-escapes `<`, `>`, `&`, U+2028 and U+2029. On error
/// `dst` is restored to its original length, as in Go.
pub fn compact(dst: &mut Vec<u8>, src: &[u8], escape: bool) -> Result<(), SyntaxError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let orig_len = dst.len();
    let mut scan = Scanner::new();
    let mut start = 0;
    for (i, &c) in src.iter().enumerate() {
        if escape && (c == b'<' || c == b'>' || c == b'&') {
            if start < i {
                dst.extend_from_slice(&src[start..i]);
            }
            dst.extend_from_slice(b"\\u00");
            dst.push(HEX[usize::from(c >> 4)]);
            dst.push(HEX[usize::from(c & 0xF)]);
            start = i + 1;
        }
        if escape && c == 0xE2 && i + 2 < src.len() && src[i + 1] == 0x80 && src[i + 2] & !1 == 0xA8
        {
            if start < i {
                dst.extend_from_slice(&src[start..i]);
            }
            dst.extend_from_slice(b"\\u202");
            dst.push(HEX[usize::from(src[i + 2] & 0xF)]);
            start = i + 3;
        }
        let v = scan.step(c);
        if v >= Op::SkipSpace {
            if v == Op::Error {
                break;
            }
            if start < i {
                dst.extend_from_slice(&src[start..i]);
            }
            start = i + 1;
        }
    }
    if scan.eof() == Op::Error {
        dst.truncate(orig_len);
        return Err(scan.err.unwrap_or_else(|| SyntaxError {
            msg: String::new(),
            offset: 0,
        }));
    }
    if start < src.len() {
        dst.extend_from_slice(&src[start..]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &[u8]) -> String {
        check_valid(s).unwrap_err().msg
    }

    #[test]
    fn with_validated_remembers_exactly_the_validated_bytes() {
        let buf = br#"{"a":[1,2]}{"b":"#.to_vec();
        let (valid, rest) = buf.split_at(11);
        let recorded = || VALIDATED.with(|v| v.get());
        with_validated(valid, || {
            assert_eq!(recorded(), Some(span_of(valid)));
            assert!(check_valid(valid).is_ok());
            // Same address, other lengths: validated afresh.
            assert_eq!(err(&buf), "invalid character '{' after top-level value");
            assert_eq!(err(&valid[..5]), "unexpected end of JSON input");
            assert_eq!(err(rest), "unexpected end of JSON input");
            // Nested, for invalid input: nothing recorded, the outer kept.
            with_validated(rest, || assert_eq!(recorded(), Some(span_of(valid))));
            assert_eq!(recorded(), Some(span_of(valid)));
        });
        assert_eq!(recorded(), None);
        // Restored on unwinding too.
        let r = std::panic::catch_unwind(|| with_validated(valid, || panic!("reader panicked")));
        assert!(r.is_err());
        assert_eq!(recorded(), None);
    }

    #[test]
    fn texts() {
        assert_eq!(err(b""), "unexpected end of JSON input");
        assert_eq!(err(b"{} x"), "invalid character 'x' after top-level value");
        assert_eq!(
            err(b"{\"a\":1,}"),
            "invalid character '}' looking for beginning of object key string"
        );
        assert_eq!(
            err(b"\xef\xbb\xbf{}"),
            "invalid character '\u{ef}' looking for beginning of value"
        );
        // Go feeds a space at EOF, so a truncated number names that space.
        assert_eq!(
            err(b"1."),
            "invalid character ' ' after decimal point in numeric literal"
        );
        assert_eq!(err(b"[1,"), "unexpected end of JSON input");
        assert_eq!(
            err(b"[1.]"),
            "invalid character ']' after decimal point in numeric literal"
        );
        assert!(check_valid(b" [1, 2.5e-3, \"x\\u00e9\", true, false, null, {}] ").is_ok());
    }

    /// The word test says "special" exactly when a byte is special: every
    /// byte value at every position, and random words.
    #[test]
    fn word_test_is_exact() {
        let special = |c: u8, non_ascii: bool| {
            c == b'"' || c == b'\\' || c < 0x20 || (non_ascii && c >= 0x80)
        };
        for non_ascii in [false, true] {
            for pos in 0..8 {
                for c in 0..=255u8 {
                    for fill in [b'a', 0x7f, b' ', 0xe9] {
                        let mut w = [fill; 8];
                        w[pos] = c;
                        let want = w.iter().any(|&b| special(b, non_ascii));
                        assert_eq!(
                            word_has_special(u64::from_le_bytes(w), non_ascii),
                            want,
                            "{w:?} {non_ascii}"
                        );
                    }
                }
            }
            let mut seed = 88172645463325252u64;
            for _ in 0..100_000 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let w = seed.to_le_bytes();
                let want = w.iter().any(|&b| special(b, non_ascii));
                assert_eq!(word_has_special(seed, non_ascii), want, "{w:?}");
            }
        }
    }

    /// The fast validator accepts exactly what the state machine accepts:
    /// random texts over JSON's alphabet, and every one-byte deletion,
    /// insertion and replacement of valid documents, plus the depth limit.
    #[test]
    fn fast_validator_agrees_with_the_scanner() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let agree = |x: &[u8]| {
            assert_eq!(
                is_valid_fast(x),
                check_valid_scanner(x).is_ok(),
                "{:?}",
                String::from_utf8_lossy(x)
            );
        };
        const ALPHA: &[u8] = b" \t\n{}[]:,\"\\/-+.0123456789eEabfnrtuxlsA\x01\xff";
        for _ in 0..200_000 {
            let len = (rnd() % 12) as usize;
            let x: Vec<u8> = (0..len)
                .map(|_| ALPHA[(rnd() % ALPHA.len() as u64) as usize])
                .collect();
            agree(&x);
        }
        let docs: &[&[u8]] = &[
            br#" {"a":[1,-0.5e+3,"x\u00e9\n",true,false,null,{}],"b":{"c":[]}} "#,
            br#"[0,1E9,-12.25,"\"\\\/\b\f\r\t",[[]],{"k":{"l":"m"}}]"#,
            b"\"\xff\xfe plain\"",
            b"-0",
        ];
        for d in docs {
            agree(d);
            for i in 0..=d.len() {
                let mut del = d.to_vec();
                if i < d.len() {
                    del.remove(i);
                    agree(&del);
                }
                for &c in ALPHA {
                    let mut ins = d.to_vec();
                    ins.insert(i, c);
                    agree(&ins);
                    if i < d.len() {
                        let mut rep = d.to_vec();
                        rep[i] = c;
                        agree(&rep);
                    }
                }
            }
        }
        for depth in [
            MAX_NESTING_DEPTH - 1,
            MAX_NESTING_DEPTH,
            MAX_NESTING_DEPTH + 1,
        ] {
            for (open, close) in [(b'[', b']'), (b'{', b'}')] {
                let mut x = vec![open; depth];
                x.extend(vec![close; depth]);
                agree(&x);
            }
            let mut x = b"[".repeat(depth);
            x.extend(b"1");
            x.extend(b"]".repeat(depth));
            agree(&x);
        }
    }

    /// The string fast path in `check_valid` must keep Go's offsets (bytes
    /// read including the offending one) and the state after a run.
    #[test]
    fn string_runs_keep_offsets() {
        let e = check_valid(b"[\"abc\x01\"]").unwrap_err();
        assert_eq!(e.offset, 6);
        assert_eq!(e.msg, "invalid character '\\x01' in string literal");
        let e = check_valid(b"\"ab\\qc\"").unwrap_err();
        assert_eq!(e.offset, 5);
        assert_eq!(e.msg, "invalid character 'q' in string escape code");
        let e = check_valid(b"\"abc").unwrap_err();
        assert_eq!(
            (e.offset, e.msg.as_str()),
            (4, "unexpected end of JSON input")
        );
        assert!(check_valid("{\"k\u{e9}y\":\"a\\\"b\\u0041 \u{1F600}\"}".as_bytes()).is_ok());
        let e = check_valid(b"{\"a\":\"xyz\"x}").unwrap_err();
        assert_eq!(e.offset, 11);
        assert_eq!(e.msg, "invalid character 'x' after object key:value pair");
    }

    #[test]
    fn compact_escapes() {
        let mut out = Vec::new();
        compact(
            &mut out,
            b"{ \"a\" : [1, 2], \"b\":\"<\xe2\x80\xa8\" }",
            true,
        )
        .unwrap();
        assert_eq!(out, b"{\"a\":[1,2],\"b\":\"\\u003c\\u2028\"}");
        let mut out = b"keep".to_vec();
        assert!(compact(&mut out, b"{", true).is_err());
        assert_eq!(out, b"keep");
    }
}

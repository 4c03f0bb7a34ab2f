//! `json.Marshal`, byte for byte (spec §2).
//!
//! The walk uses an explicit work list, so value depth costs heap, not
//! call stack (Go's encoder has no depth limit).

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use super::fields::{type_fields, StructFields};
use super::scanner::compact;
use super::types::{is_number_type, UNSUPPORTED_TYPE_MARKER};
use super::{base64, MarshalError};
use crate::go::float;
use crate::go::model::{Type, TypeKind, TypeRef, Value};

/// Knobs for [`marshal_with`](super::marshal_with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarshalOptions {
    /// `SetEscapeHTML`: `json.Marshal` always escapes `<`, `>`, `&`.
    pub escape_html: bool,
    /// Go >= 1.22 writes 0x08 and 0x0C as `\b` and `\f` (older: `\u0008`,
    /// `\u000c`). Default: Go 1.19, which the spec vectors use.
    pub go122_escapes: bool,
}

impl Default for MarshalOptions {
    fn default() -> Self {
        MarshalOptions {
            escape_html: true,
            go122_escapes: false,
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn html_safe(b: u8) -> bool {
    b >= 0x20 && b != b'"' && b != b'\\' && b != b'<' && b != b'>' && b != b'&'
}

fn safe(b: u8) -> bool {
    b >= 0x20 && b != b'"' && b != b'\\'
}

/// Go's `encodeState.string` / `stringBytes`: a JSON string literal for
/// the byte string `s` (which may hold invalid UTF-8: each bad byte becomes
/// `\ufffd`).
pub fn write_string_with(out: &mut Vec<u8>, s: &[u8], opts: &MarshalOptions) {
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b < 0x80 {
            if html_safe(b) || (!opts.escape_html && safe(b)) {
                i += 1;
                continue;
            }
            out.extend_from_slice(&s[start..i]);
            out.push(b'\\');
            match b {
                b'\\' | b'"' => out.push(b),
                b'\n' => out.push(b'n'),
                b'\r' => out.push(b'r'),
                b'\t' => out.push(b't'),
                0x08 if opts.go122_escapes => out.push(b'b'),
                0x0C if opts.go122_escapes => out.push(b'f'),
                _ => {
                    out.extend_from_slice(b"u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xF)]);
                }
            }
            i += 1;
            start = i;
            continue;
        }
        let (c, size) = super::quote::decode_rune(&s[i..]);
        if c == super::quote::RUNE_ERROR && size == 1 {
            out.extend_from_slice(&s[start..i]);
            out.extend_from_slice(b"\\ufffd");
            i += 1;
            start = i;
            continue;
        }
        if c == 0x2028 || c == 0x2029 {
            out.extend_from_slice(&s[start..i]);
            out.extend_from_slice(b"\\u202");
            out.push(HEX[(c & 0xF) as usize]);
            i += size;
            start = i;
            continue;
        }
        i += size.max(1);
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

/// `isValidNumber`: is `s` a JSON number literal?
pub fn is_valid_number(s: &[u8]) -> bool {
    let mut s = s;
    if s.is_empty() {
        return false;
    }
    if s[0] == b'-' {
        s = &s[1..];
        if s.is_empty() {
            return false;
        }
    }
    match s[0] {
        b'0' => s = &s[1..],
        b'1'..=b'9' => {
            s = &s[1..];
            while s.first().is_some_and(u8::is_ascii_digit) {
                s = &s[1..];
            }
        }
        _ => return false,
    }
    if s.len() >= 2 && s[0] == b'.' && s[1].is_ascii_digit() {
        s = &s[2..];
        while s.first().is_some_and(u8::is_ascii_digit) {
            s = &s[1..];
        }
    }
    if s.len() >= 2 && (s[0] == b'e' || s[0] == b'E') {
        s = &s[1..];
        if s[0] == b'+' || s[0] == b'-' {
            s = &s[1..];
            if s.is_empty() {
                return false;
            }
        }
        while s.first().is_some_and(u8::is_ascii_digit) {
            s = &s[1..];
        }
    }
    s.is_empty()
}

/// `isEmptyValue` (for `omitempty`).
pub(crate) fn is_empty_value(v: &Value, t: &Type) -> bool {
    match (&t.kind, v) {
        (TypeKind::Array(n, _), _) => *n == 0,
        (TypeKind::Map(..), Value::Map(m)) => m.as_ref().map_or(true, Vec::is_empty),
        (TypeKind::Slice(_), Value::Slice(s)) => s.as_ref().map_or(true, Vec::is_empty),
        (TypeKind::String, Value::String(s)) => s.is_empty(),
        (TypeKind::Bool, Value::Bool(b)) => !b,
        (TypeKind::Int(_), Value::Int(i)) => *i == 0,
        (TypeKind::Uint(_) | TypeKind::Uintptr, Value::Uint(u)) => *u == 0,
        (TypeKind::Float32 | TypeKind::Float64, Value::Float(f)) => *f == 0.0,
        (TypeKind::Interface, Value::Interface(i)) => i.is_none(),
        (TypeKind::Ptr(_), Value::Ptr(p)) => p.is_none(),
        _ => false,
    }
}

pub(crate) struct Encoder {
    pub out: Vec<u8>,
    opts: MarshalOptions,
    fields: HashMap<*const Type, Rc<StructFields>>,
}

fn unsupported_type(t: &Type) -> MarshalError {
    MarshalError {
        message: format!("json: unsupported type: {}", t.go_string()),
    }
}

fn mismatch(t: &Type) -> MarshalError {
    MarshalError {
        message: format!(
            "json: value does not match its type {} (inconsistent Value tree)",
            t.go_string()
        ),
    }
}

impl Encoder {
    pub(crate) fn new(opts: MarshalOptions) -> Encoder {
        Encoder {
            out: Vec::new(),
            opts,
            fields: HashMap::new(),
        }
    }

    fn struct_fields(&mut self, t: &TypeRef) -> Rc<StructFields> {
        let key = std::sync::Arc::as_ptr(t);
        if let Some(f) = self.fields.get(&key) {
            return Rc::clone(f);
        }
        let f = Rc::new(type_fields(t));
        self.fields.insert(key, Rc::clone(&f));
        f
    }

    /// `marshalerEncoder`: calls the custom marshaler, then compacts and
    /// (optionally) HTML-escapes its output. `shown` is the type named in
    /// Go's `MarshalerError` (the pointer type when reached through one).
    fn custom(&mut self, v: &Value, t: &Type, shown: &Type) -> Result<(), MarshalError> {
        let Some(cj) = t.custom_json else {
            return Err(mismatch(t));
        };
        let bytes = match (cj.marshal)(v) {
            Ok(b) => b,
            Err(e) if e == UNSUPPORTED_TYPE_MARKER => return Err(unsupported_type(shown)),
            Err(e) => {
                return Err(MarshalError {
                    message: format!(
                        "json: error calling MarshalJSON for type {}: {e}",
                        shown.go_string()
                    ),
                })
            }
        };
        if let Err(e) = compact(&mut self.out, &bytes, self.opts.escape_html) {
            return Err(MarshalError {
                message: format!(
                    "json: error calling MarshalJSON for type {}: {}",
                    shown.go_string(),
                    e.msg
                ),
            });
        }
        Ok(())
    }

    fn quoted_scalar(&mut self, quoted: bool, text: &[u8]) {
        if quoted {
            self.out.push(b'"');
        }
        self.out.extend_from_slice(text);
        if quoted {
            self.out.push(b'"');
        }
    }

    /// Encodes `v` of type `t` (the whole `json.Marshal` walk).
    ///
    /// Work-list instead of recursion: a value nested 10000 levels deep
    /// (which `Unmarshal` accepts into `interface{}`) must not exhaust the
    /// call stack. Tasks are pushed in reverse so they pop in output order;
    /// the first error in output order aborts, as in Go.
    pub(crate) fn encode<'a>(
        &mut self,
        v: &'a Value,
        t: &'a TypeRef,
        quoted: bool,
    ) -> Result<(), MarshalError> {
        let mut stack: Vec<Task<'a>> = vec![Task::Val(v, t, quoted)];
        while let Some(task) = stack.pop() {
            match task {
                Task::Lit(b) => self.out.extend_from_slice(b),
                Task::Key(k) => {
                    write_string_with(&mut self.out, &k, &self.opts);
                    self.out.push(b':');
                }
                Task::Name(fields, i) => {
                    if let Some(f) = fields.list.get(i) {
                        if self.opts.escape_html {
                            self.out.extend_from_slice(&f.name_esc_html);
                        } else {
                            self.out.extend_from_slice(&f.name_non_esc);
                        }
                    }
                }
                Task::Val(v, t, q) => self.encode_one(v, t, q, &mut stack)?,
            }
        }
        Ok(())
    }

    /// Writes a scalar (or custom) value, or opens a container and queues
    /// its contents.
    fn encode_one<'a>(
        &mut self,
        v: &'a Value,
        t: &'a TypeRef,
        quoted: bool,
        stack: &mut Vec<Task<'a>>,
    ) -> Result<(), MarshalError> {
        if let Value::Cycle = v {
            return Err(MarshalError {
                message: format!(
                    "json: unsupported value: encountered a cycle via {}",
                    t.go_string()
                ),
            });
        }
        if t.custom_json.is_some() {
            return self.custom(v, t, t);
        }
        match (&t.kind, v) {
            (TypeKind::Bool, Value::Bool(b)) => {
                self.quoted_scalar(quoted, if *b { b"true" } else { b"false" });
            }
            (TypeKind::Int(_), Value::Int(i)) => {
                self.quoted_scalar(quoted, i.to_string().as_bytes());
            }
            (TypeKind::Uint(_) | TypeKind::Uintptr, Value::Uint(u)) => {
                self.quoted_scalar(quoted, u.to_string().as_bytes());
            }
            (TypeKind::Float32 | TypeKind::Float64, Value::Float(f)) => {
                let bits = if matches!(t.kind, TypeKind::Float32) {
                    32
                } else {
                    64
                };
                let mut text = String::new();
                if !matches!(float::write_json(&mut text, *f, bits), Ok(true)) {
                    return Err(MarshalError {
                        message: format!(
                            "json: unsupported value: {}",
                            float::json_unsupported_text(*f, bits)
                        ),
                    });
                }
                self.quoted_scalar(quoted, text.as_bytes());
            }
            (TypeKind::String, Value::String(s)) => {
                if is_number_type(t) {
                    let num: &[u8] = if s.is_empty() { b"0" } else { s };
                    if !is_valid_number(num) {
                        return Err(MarshalError {
                            message: format!(
                                "json: invalid number literal {}",
                                super::quote::go_quote(num)
                            ),
                        });
                    }
                    self.quoted_scalar(quoted, num);
                } else if quoted {
                    let mut inner = Vec::with_capacity(s.len() + 2);
                    write_string_with(&mut inner, s, &self.opts);
                    let outer = MarshalOptions {
                        escape_html: false,
                        ..self.opts
                    };
                    write_string_with(&mut self.out, &inner, &outer);
                } else {
                    write_string_with(&mut self.out, s, &self.opts);
                }
            }
            (TypeKind::Interface, Value::Interface(i)) => match i {
                None => self.out.extend_from_slice(b"null"),
                Some(b) => {
                    let (dt, dv) = &**b;
                    stack.push(Task::Val(dv, dt, quoted));
                }
            },
            (TypeKind::Struct(_), Value::Struct(_)) => self.encode_struct(v, t, stack)?,
            (TypeKind::Map(kt, et), Value::Map(m)) => {
                if !matches!(
                    kt.kind,
                    TypeKind::String | TypeKind::Int(_) | TypeKind::Uint(_) | TypeKind::Uintptr
                ) {
                    return Err(unsupported_type(t));
                }
                let Some(entries) = m else {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                };
                let mut keyed: Vec<(Cow<'a, [u8]>, &'a Value)> = Vec::with_capacity(entries.len());
                for (k, ev) in entries {
                    let ks: Cow<'a, [u8]> = match k {
                        Value::String(s) => Cow::Borrowed(s),
                        Value::Int(i) => Cow::Owned(i.to_string().into_bytes()),
                        Value::Uint(u) => Cow::Owned(u.to_string().into_bytes()),
                        _ => return Err(mismatch(kt)),
                    };
                    keyed.push((ks, ev));
                }
                // Sorted by the key *string*, before escaping (Go's
                // sort.Slice over `ks`; keys are unique, so order is total).
                keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                self.out.push(b'{');
                stack.push(Task::Lit(b"}"));
                for (i, (ks, ev)) in keyed.into_iter().enumerate().rev() {
                    stack.push(Task::Val(ev, et, false));
                    stack.push(Task::Key(ks));
                    if i > 0 {
                        stack.push(Task::Lit(b","));
                    }
                }
            }
            (TypeKind::Slice(et), Value::Slice(s)) => {
                let Some(items) = s else {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                };
                if matches!(et.kind, TypeKind::Uint(super::super::model::IntBits::B8))
                    && et.custom_json.is_none()
                {
                    let mut raw = Vec::with_capacity(items.len());
                    for it in items {
                        match it {
                            // Values of a uint8 element type; wider ones
                            // would be an inconsistent tree.
                            Value::Uint(u) => raw.push(u8::try_from(*u).map_err(|_| mismatch(et))?),
                            _ => return Err(mismatch(et)),
                        }
                    }
                    self.out.push(b'"');
                    base64::encode(&mut self.out, &raw);
                    self.out.push(b'"');
                } else {
                    self.queue_array(items, et, stack);
                }
            }
            (TypeKind::Array(_, et), Value::Array(items)) => self.queue_array(items, et, stack),
            (TypeKind::Ptr(et), Value::Ptr(p)) => match p {
                None => self.out.extend_from_slice(b"null"),
                Some(b) => {
                    if et.custom_json.is_some() {
                        // Go picks the pointer type's method set, so
                        // errors name the pointer type.
                        self.custom(b, et, t)?;
                    } else {
                        stack.push(Task::Val(b, et, quoted));
                    }
                }
            },
            (TypeKind::Complex64 | TypeKind::Complex128, _) => return Err(unsupported_type(t)),
            _ => return Err(mismatch(t)),
        }
        Ok(())
    }

    fn queue_array<'a>(&mut self, items: &'a [Value], et: &'a TypeRef, stack: &mut Vec<Task<'a>>) {
        self.out.push(b'[');
        stack.push(Task::Lit(b"]"));
        for (i, it) in items.iter().enumerate().rev() {
            stack.push(Task::Val(it, et, false));
            if i > 0 {
                stack.push(Task::Lit(b","));
            }
        }
    }

    fn encode_struct<'a>(
        &mut self,
        v: &'a Value,
        t: &'a TypeRef,
        stack: &mut Vec<Task<'a>>,
    ) -> Result<(), MarshalError> {
        let fields = self.struct_fields(t);
        // (position in `fields`, value, declared type, quoted)
        let mut shown: Vec<(usize, &'a Value, &'a TypeRef, bool)> = Vec::new();
        'fields: for (fi, f) in fields.list.iter().enumerate() {
            // Walk the index path; a nil embedded pointer hides the field.
            let mut fv = v;
            let mut ft: &'a TypeRef = t;
            for &i in &f.index {
                if let (TypeKind::Ptr(e), Value::Ptr(p)) = (&ft.kind, fv) {
                    match p {
                        None => continue 'fields,
                        Some(b) => {
                            fv = b;
                            ft = e;
                        }
                    }
                }
                let (TypeKind::Struct(sfs), Value::Struct(vals)) = (&ft.kind, fv) else {
                    return Err(mismatch(ft));
                };
                let (Some(sf), Some(x)) = (sfs.get(i), vals.get(i)) else {
                    return Err(mismatch(ft));
                };
                fv = x;
                ft = &sf.ty;
            }
            if f.omit_empty && is_empty_value(fv, ft) {
                continue;
            }
            shown.push((fi, fv, ft, f.quoted));
        }
        if shown.is_empty() {
            self.out.extend_from_slice(b"{}");
            return Ok(());
        }
        self.out.push(b'{');
        stack.push(Task::Lit(b"}"));
        for (n, (fi, fv, ft, q)) in shown.into_iter().enumerate().rev() {
            stack.push(Task::Val(fv, ft, q));
            stack.push(Task::Name(Rc::clone(&fields), fi));
            if n > 0 {
                stack.push(Task::Lit(b","));
            }
        }
        Ok(())
    }
}

/// One pending piece of output.
enum Task<'a> {
    Val(&'a Value, &'a TypeRef, bool),
    Lit(&'static [u8]),
    /// A map key, written as an escaped string plus `:`.
    Key(Cow<'a, [u8]>),
    Name(Rc<StructFields>, usize),
}

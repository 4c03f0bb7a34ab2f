//! `json.Unmarshal` into a pre-filled value (spec §3).
//!
//! The input is syntax-checked as a whole first ([`check_valid`]), exactly
//! like Go, so the decoder below walks bytes it knows to be well-formed. It
//! still never indexes past the end (accesses go through `at`, `slice` or a
//! length-checked loop), so a logic slip yields a wrong value, not a panic.
//!
//! Recursion: typed decoding recurses once per nesting level *of the Go
//! type*, which is finite and small (type descriptors are trees). Input
//! nesting beyond the type (unknown fields, values of the wrong kind,
//! `interface{}` targets) is skipped or built with explicit stacks, so
//! 10000-deep input cannot exhaust the call stack.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use super::fields::{type_fields, StructFields};
use super::keyindex::{KeyIndex, KeyRef};
use super::quote::{equal_fold, go_quote};
use super::scanner::check_valid;
use super::strconv::{parse_float, parse_int, parse_uint};
use super::types::{is_number_type, UNSUPPORTED_TYPE_MARKER};
use super::unquote::unquote_bytes;
use super::{base64, UnmarshalError};
use crate::go::model::{CustomJson, IntBits, Type, TypeKind, TypeRef, Value};

/// A decoding error that stops decoding at once (Go *returns* these from
/// `d.value`; type errors are only *saved*).
type Fatal = UnmarshalError;

fn fatal(message: String, offset: usize) -> Fatal {
    UnmarshalError {
        message,
        offset,
        syntax: false,
    }
}

/// Where `indirect` stopped.
enum Target<'v> {
    /// A type with its own `UnmarshalJSON`, and the value to hand it.
    Custom(CustomJson, &'v TypeRef, &'v mut Value),
    /// A plain value of the given type.
    Plain(&'v TypeRef, &'v mut Value),
}

fn cached(cell: &'static OnceLock<TypeRef>, kind: fn() -> TypeKind) -> TypeRef {
    Arc::clone(cell.get_or_init(|| Type::new(kind())))
}

fn iface_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached(&T, || TypeKind::Interface)
}
fn float64_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached(&T, || TypeKind::Float64)
}
fn string_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached(&T, || TypeKind::String)
}
fn bool_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    cached(&T, || TypeKind::Bool)
}
fn slice_iface_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    Arc::clone(T.get_or_init(|| Type::slice(iface_type())))
}
fn map_iface_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    Arc::clone(T.get_or_init(|| Type::map(string_type(), iface_type())))
}

fn iface(t: TypeRef, v: Value) -> Value {
    Value::Interface(Some(Box::new((t, v))))
}

/// `interface {}` (no methods). Named interface types are taken to have
/// methods, which makes `encoding/json` refuse to fill them.
fn is_empty_interface(t: &Type) -> bool {
    matches!(t.kind, TypeKind::Interface) && t.name.is_none()
}

/// `reflect.Type.Name()`: a named type's name without its package.
fn type_name(t: &Type) -> String {
    let Some(n) = &t.name else {
        return String::new();
    };
    let head_end = n.find('[').unwrap_or(n.len());
    match n[..head_end].find('.') {
        Some(dot) => n[dot + 1..].to_string(),
        None => n.clone(),
    }
}

thread_local! {
    /// `encoding/json`'s `fieldCache`, per thread: struct field lists by
    /// descriptor address, kept across `unmarshal` calls (recomputing them
    /// was ~17% of verifying a small memory-manager file). Each entry holds
    /// its `TypeRef`, so no other type can reuse the address while the
    /// entry exists, and descriptors are immutable, so a hit is exact. The
    /// map is emptied when it reaches [`FIELD_CACHE_MAX`]: callers that
    /// build descriptors per call (the top-level type is cloned by
    /// `json::unmarshal`) would otherwise grow it without bound.
    static FIELD_CACHE: RefCell<HashMap<*const Type, (TypeRef, Rc<StructFields>)>> =
        RefCell::new(HashMap::new());
}

/// Entries [`FIELD_CACHE`] holds before it starts over.
const FIELD_CACHE_MAX: usize = 512;

struct Decoder<'a> {
    data: &'a [u8],
    saved: Option<UnmarshalError>,
    /// `errorContext.Struct` and `FieldStack`.
    ctx_struct: Option<TypeRef>,
    /// (fields of the struct, position of the field): no allocation per key.
    ctx_fields: Vec<(Rc<StructFields>, usize)>,
    fields: HashMap<*const Type, Rc<StructFields>>,
}

/// What `valueQuoted` found.
enum Quoted {
    Null,
    Str(Vec<u8>),
    Unquoted,
}

impl<'a> Decoder<'a> {
    fn at(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    /// `data[a..b]`, empty when out of range (never for well-formed input).
    fn slice(&self, a: usize, b: usize) -> &'a [u8] {
        let data: &'a [u8] = self.data;
        data.get(a..b).unwrap_or_default()
    }

    fn ws(&self, mut i: usize) -> usize {
        while matches!(self.at(i), b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        i
    }

    /// End (exclusive) of the string literal starting at `i`.
    fn string_end(&self, mut i: usize) -> usize {
        i += 1;
        while i < self.data.len() {
            match self.data[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        self.data.len()
    }

    /// End (exclusive) of the literal starting at `i` (`rescanLiteral`).
    fn literal_end(&self, i: usize) -> usize {
        let end = match self.at(i) {
            b'"' => return self.string_end(i),
            b't' | b'n' => i + 4,
            b'f' => i + 5,
            _ => {
                let mut j = i + 1;
                while matches!(self.at(j), b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    j += 1;
                }
                j
            }
        };
        end.min(self.data.len())
    }

    /// End (exclusive) of the value starting at `i`, without recursion.
    fn skip(&self, mut i: usize) -> usize {
        let mut depth = 0usize;
        while i < self.data.len() {
            match self.data[i] {
                b'"' => {
                    i = self.string_end(i);
                    if depth == 0 {
                        return i;
                    }
                }
                b'[' | b'{' => {
                    depth += 1;
                    i += 1;
                }
                b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ if depth == 0 => return self.literal_end(i),
                _ => i += 1,
            }
        }
        self.data.len()
    }

    fn struct_fields(&mut self, t: &TypeRef) -> Rc<StructFields> {
        let key = Arc::as_ptr(t);
        if let Some(f) = self.fields.get(&key) {
            return Rc::clone(f);
        }
        let f = FIELD_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some((_, f)) = cache.get(&key) {
                return Rc::clone(f);
            }
            if cache.len() >= FIELD_CACHE_MAX {
                cache.clear();
            }
            let f = Rc::new(type_fields(t));
            cache.insert(key, (TypeRef::clone(t), Rc::clone(&f)));
            f
        });
        self.fields.insert(key, Rc::clone(&f));
        f
    }

    /// `strings.Join(FieldStack, ".")`.
    fn field_path(&self) -> String {
        let mut s = String::new();
        for (i, (fields, fi)) in self.ctx_fields.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            if let Some(f) = fields.list.get(*fi) {
                s.push_str(&f.name);
            }
        }
        s
    }

    /// `saveError`: keeps the first error only.
    fn save(&mut self, e: UnmarshalError) {
        if self.saved.is_none() {
            self.saved = Some(e);
        }
    }

    /// An `UnmarshalTypeError` with the current error context (`addErrorContext`).
    fn type_error(&self, what: &str, t: &Type, offset: usize) -> UnmarshalError {
        let message = if self.ctx_struct.is_some() || !self.ctx_fields.is_empty() {
            format!(
                "json: cannot unmarshal {what} into Go struct field {}.{} of type {}",
                self.ctx_struct
                    .as_deref()
                    .map(type_name)
                    .unwrap_or_default(),
                self.field_path(),
                t.go_string()
            )
        } else {
            format!(
                "json: cannot unmarshal {what} into Go value of type {}",
                t.go_string()
            )
        };
        fatal(message, offset)
    }

    fn save_type_error(&mut self, what: &str, t: &Type, offset: usize) {
        if self.saved.is_none() {
            let e = self.type_error(what, t, offset);
            self.saved = Some(e);
        }
    }

    fn save_plain(&mut self, message: String, offset: usize) {
        self.save(fatal(message, offset));
    }

    /// Calls a custom `UnmarshalJSON`. Its error stops decoding, except
    /// the "unsupported type" marker, which becomes Go's type error.
    fn call_custom(
        &mut self,
        cj: CustomJson,
        t: &Type,
        raw: &[u8],
        v: &mut Value,
        offset: usize,
    ) -> Result<(), Fatal> {
        match (cj.unmarshal)(raw, v) {
            Ok(()) => Ok(()),
            Err(e) if e == UNSUPPORTED_TYPE_MARKER => {
                let what = match raw.first() {
                    Some(b'n') | None => return Ok(()),
                    Some(b'{') => "object",
                    Some(b'[') => "array",
                    Some(b'"') => "string",
                    Some(b't' | b'f') => "bool",
                    Some(_) => "number",
                };
                self.save_type_error(what, t, offset);
                Ok(())
            }
            Err(e) => Err(fatal(self.recontext(e), offset)),
        }
    }

    /// Go's final `addErrorContext` on an error *returned* by a custom
    /// `UnmarshalJSON`: if it is an `UnmarshalTypeError` (e.g. from a nested
    /// `json.Unmarshal` inside the method) and the outer decode has a field
    /// context, its struct and field are replaced by the outer ones (the
    /// field holding the custom value). Other texts pass unchanged.
    ///
    /// The error crosses the `CustomJson` boundary as text, so the parts
    /// are recovered from Go's message layout; a map key containing
    /// " into Go struct field " could mislead the split (never in practice).
    fn recontext(&self, msg: String) -> String {
        if self.ctx_struct.is_none() && self.ctx_fields.is_empty() {
            return msg;
        }
        const HEAD: &str = "json: cannot unmarshal ";
        let Some(rest) = msg.strip_prefix(HEAD) else {
            return msg;
        };
        let Some((head, ty)) = rest.rsplit_once(" of type ") else {
            return msg;
        };
        let what = match head.strip_suffix(" into Go value") {
            Some(w) => w,
            None => match head.split_once(" into Go struct field ") {
                Some((w, _)) => w,
                None => return msg,
            },
        };
        format!(
            "{HEAD}{what} into Go struct field {}.{} of type {ty}",
            self.ctx_struct
                .as_deref()
                .map(type_name)
                .unwrap_or_default(),
            self.field_path()
        )
    }

    /// Go's `indirect`: follows (and allocates) pointers, descends into
    /// interfaces holding non-nil pointers, and stops at a custom
    /// unmarshaler. With `decoding_null` it stops at the first settable
    /// pointer so `null` can clear it.
    fn indirect<'v>(t: &'v TypeRef, v: &'v mut Value, decoding_null: bool) -> Target<'v> {
        if !matches!(t.kind, TypeKind::Ptr(_)) {
            if let Some(cj) = t.custom_json {
                return Target::Custom(cj, t, v);
            }
        }
        let mut t = t;
        let mut v = v;
        let mut settable = true;
        loop {
            if matches!(t.kind, TypeKind::Interface) {
                let descend = match &*v {
                    Value::Interface(Some(b)) => match (&b.0.kind, &b.1) {
                        (TypeKind::Ptr(e), Value::Ptr(Some(_))) => {
                            !decoding_null || matches!(e.kind, TypeKind::Ptr(_))
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if descend {
                    if let Value::Interface(Some(b)) = v {
                        let (it, iv) = &mut **b;
                        t = it;
                        v = iv;
                        settable = false;
                        continue;
                    }
                }
            }
            let TypeKind::Ptr(elem) = &t.kind else {
                break;
            };
            if decoding_null && settable {
                break;
            }
            if !matches!(v, Value::Ptr(Some(_))) {
                *v = Value::Ptr(Some(Box::new(elem.zero())));
            }
            let Value::Ptr(Some(pointee)) = v else {
                break;
            };
            if let Some(cj) = elem.custom_json {
                return Target::Custom(cj, elem, pointee);
            }
            t = elem;
            v = &mut **pointee;
            settable = true;
        }
        Target::Plain(t, v)
    }

    /// `d.value`: decodes the value at `pos` into `v`; returns its end.
    fn value(&mut self, pos: usize, t: &TypeRef, v: &mut Value) -> Result<usize, Fatal> {
        // An `interface{}` that holds no pointer is replaced whatever comes:
        // drop what it holds (a duplicate key's earlier value, up to 10,000
        // levels deep) without recursion, before it is overwritten.
        if is_empty_interface(t) {
            if let Value::Interface(Some(b)) = v {
                if !matches!(b.0.kind, TypeKind::Ptr(_)) {
                    super::drop_deep(std::mem::replace(v, Value::Interface(None)));
                }
            }
        }
        match self.at(pos) {
            b'[' => self.array(pos, t, v),
            b'{' => self.object(pos, t, v),
            _ => {
                let end = self.literal_end(pos);
                let item = self.slice(pos, end);
                self.literal_store(item, t, v, false, end)?;
                Ok(end)
            }
        }
    }

    fn array(&mut self, pos: usize, t: &TypeRef, v: &mut Value) -> Result<usize, Fatal> {
        let (t2, v2) = match Self::indirect(t, v, false) {
            Target::Custom(cj, ct, cv) => {
                let end = self.skip(pos);
                self.call_custom(cj, ct, self.slice(pos, end), cv, pos)?;
                return Ok(end);
            }
            Target::Plain(t2, v2) => (t2, v2),
        };
        let (elem, fixed) = match &t2.kind {
            TypeKind::Interface if is_empty_interface(t2) => {
                let (val, end) = self.interface_value(pos);
                *v2 = val;
                return Ok(end);
            }
            TypeKind::Slice(e) => (e, None),
            TypeKind::Array(n, e) => (e, Some(*n)),
            _ => {
                self.save_type_error("array", t2, pos + 1);
                return Ok(self.skip(pos));
            }
        };
        let items: &mut Vec<Value> = match fixed {
            None => {
                if !matches!(v2, Value::Slice(_)) {
                    *v2 = Value::Slice(None);
                }
                let Value::Slice(s) = v2 else {
                    return Ok(self.skip(pos));
                };
                s.get_or_insert_with(Vec::new)
            }
            Some(n) => {
                if !matches!(v2, Value::Array(a) if a.len() == n) {
                    *v2 = t2.zero();
                }
                let Value::Array(a) = v2 else {
                    return Ok(self.skip(pos));
                };
                a
            }
        };
        let mut i = 0usize;
        let mut p = self.ws(pos + 1);
        if self.at(p) != b']' {
            loop {
                if fixed.is_none() && i >= items.len() {
                    items.push(elem.zero());
                }
                p = match items.get_mut(i) {
                    Some(slot) => self.value(p, elem, slot)?,
                    None => self.skip(p),
                };
                i += 1;
                p = self.ws(p);
                if self.at(p) == b',' {
                    p = self.ws(p + 1);
                    continue;
                }
                break;
            }
        }
        if i < items.len() {
            if fixed.is_some() {
                for slot in &mut items[i..] {
                    *slot = elem.zero();
                }
            } else {
                items.truncate(i);
            }
        }
        if i == 0 && fixed.is_none() {
            items.clear();
        }
        Ok((p + 1).min(self.data.len()))
    }

    fn object(&mut self, pos: usize, t: &TypeRef, v: &mut Value) -> Result<usize, Fatal> {
        let (t2, v2) = match Self::indirect(t, v, false) {
            Target::Custom(cj, ct, cv) => {
                let end = self.skip(pos);
                self.call_custom(cj, ct, self.slice(pos, end), cv, pos)?;
                return Ok(end);
            }
            Target::Plain(t2, v2) => (t2, v2),
        };
        if is_empty_interface(t2) {
            let (val, end) = self.interface_value(pos);
            *v2 = val;
            return Ok(end);
        }
        match &t2.kind {
            TypeKind::Map(kt, et) => {
                if !matches!(
                    kt.kind,
                    TypeKind::String | TypeKind::Int(_) | TypeKind::Uint(_) | TypeKind::Uintptr
                ) {
                    self.save_type_error("object", t2, pos + 1);
                    return Ok(self.skip(pos));
                }
                self.object_into_map(pos, kt, et, v2)
            }
            TypeKind::Struct(_) => self.object_into_struct(pos, t2, v2),
            _ => {
                self.save_type_error("object", t2, pos + 1);
                Ok(self.skip(pos))
            }
        }
    }

    /// Reads the key at `p`; returns (key start, unquoted key, position of
    /// the value).
    fn read_key(&self, p: usize) -> Result<(usize, Cow<'a, [u8]>, usize), Fatal> {
        let data: &'a [u8] = self.data;
        let kend = self.string_end(p);
        let key = unquote_bytes(data.get(p.min(kend)..kend).unwrap_or_default())
            .ok_or_else(|| fatal("json: internal error: bad object key".into(), p))?;
        let colon = self.ws(kend);
        Ok((p, key, self.ws(colon + 1)))
    }

    fn object_into_map(
        &mut self,
        pos: usize,
        kt: &TypeRef,
        et: &TypeRef,
        v: &mut Value,
    ) -> Result<usize, Fatal> {
        if !matches!(v, Value::Map(_)) {
            *v = Value::Map(None);
        }
        let Value::Map(m) = v else {
            return Ok(self.skip(pos));
        };
        let entries = m.get_or_insert_with(Vec::new);
        let mut index = KeyIndex::default();
        let mut p = self.ws(pos + 1);
        if self.at(p) == b'}' {
            return Ok(p + 1);
        }
        loop {
            let (kstart, key, vpos) = self.read_key(p)?;
            let mut elem = et.zero();
            p = self.value(vpos, et, &mut elem)?;
            let kv = match &kt.kind {
                TypeKind::String => Some(Value::String(key.into_owned())),
                TypeKind::Int(bits) => match parse_int(&key, bits.bits()) {
                    Some(n) => Some(Value::Int(n)),
                    None => {
                        let what = format!("number {}", String::from_utf8_lossy(&key));
                        self.save_type_error(&what, kt, kstart + 1);
                        None
                    }
                },
                TypeKind::Uint(bits) => match parse_uint(&key, bits.bits()) {
                    Some(n) => Some(Value::Uint(n)),
                    None => {
                        let what = format!("number {}", String::from_utf8_lossy(&key));
                        self.save_type_error(&what, kt, kstart + 1);
                        None
                    }
                },
                TypeKind::Uintptr => match parse_uint(&key, 64) {
                    Some(n) => Some(Value::Uint(n)),
                    None => {
                        let what = format!("number {}", String::from_utf8_lossy(&key));
                        self.save_type_error(&what, kt, kstart + 1);
                        None
                    }
                },
                _ => None,
            };
            if let Some(kv) = kv {
                let found = KeyRef::of(&kv).and_then(|k| index.find(entries, k));
                match found.and_then(|i| entries.get_mut(i)) {
                    Some(slot) => slot.1 = elem,
                    None => {
                        entries.push((kv, elem));
                        let pos = entries.len() - 1;
                        if let Some(k) = entries.get(pos).and_then(|(k, _)| KeyRef::of(k)) {
                            index.pushed(pos, k);
                        }
                    }
                }
            }
            p = self.ws(p);
            if self.at(p) == b',' {
                p = self.ws(p + 1);
                continue;
            }
            return Ok((p + 1).min(self.data.len()));
        }
    }

    /// Finds the value a struct field lives in, allocating nil embedded
    /// pointers on the way. `Ok(None)`: the field cannot be set (nil
    /// embedded pointer to an unexported type; the error is saved).
    fn field_slot<'t, 'v>(
        &mut self,
        t: &'t TypeRef,
        v: &'v mut Value,
        index: &[usize],
        offset: usize,
    ) -> Option<(&'t TypeRef, &'v mut Value)> {
        let mut t = t;
        let mut v = v;
        let mut exported = true;
        for &i in index {
            if let TypeKind::Ptr(elem) = &t.kind {
                if !matches!(v, Value::Ptr(Some(_))) {
                    if !exported {
                        self.save_plain(
                            format!(
                                "json: cannot set embedded pointer to unexported struct: {}",
                                elem.go_string()
                            ),
                            offset,
                        );
                        return None;
                    }
                    *v = Value::Ptr(Some(Box::new(elem.zero())));
                }
                let Value::Ptr(Some(p)) = v else {
                    return None;
                };
                v = &mut **p;
                t = elem;
            }
            let TypeKind::Struct(sfs) = &t.kind else {
                return None;
            };
            let sf = sfs.get(i)?;
            if !matches!(v, Value::Struct(f) if f.len() == sfs.len()) {
                *v = t.zero();
            }
            let Value::Struct(vals) = v else {
                return None;
            };
            exported = sf.is_exported();
            v = vals.get_mut(i)?;
            t = &sf.ty;
        }
        Some((t, v))
    }

    fn object_into_struct(
        &mut self,
        pos: usize,
        t: &TypeRef,
        v: &mut Value,
    ) -> Result<usize, Fatal> {
        let fields = self.struct_fields(t);
        if !matches!(v, Value::Struct(_)) {
            *v = t.zero();
        }
        let orig_len = self.ctx_fields.len();
        let mut p = self.ws(pos + 1);
        if self.at(p) == b'}' {
            return Ok(p + 1);
        }
        // Go sets the error context's struct to `t` for each known field
        // and restores it after the field's value. Every decode returns
        // with the context as it found it, and nothing between two fields
        // reports a type error, so setting it once for the whole object is
        // the same (and saves two reference-count round trips per field).
        let orig_struct = self.ctx_struct.replace(Arc::clone(t));
        loop {
            let (_, key, vpos) = self.read_key(p)?;
            let found = match fields.exact(&key) {
                Some(i) => Some(i),
                None => fields
                    .list
                    .iter()
                    .position(|f| equal_fold(f.name.as_bytes(), &key)),
            };
            match found.and_then(|i| fields.list.get(i).map(|f| (i, f))) {
                Some((fi, f)) => {
                    let slot = self.field_slot(t, v, &f.index, vpos);
                    self.ctx_fields.push((Rc::clone(&fields), fi));
                    p = match slot {
                        None => self.skip(vpos),
                        Some((ft, sv)) if f.quoted => self.value_quoted_into(vpos, ft, sv)?,
                        Some((ft, sv)) => self.value(vpos, ft, sv)?,
                    };
                }
                None => p = self.skip(vpos),
            }
            self.ctx_fields.truncate(orig_len);
            p = self.ws(p);
            if self.at(p) == b',' {
                p = self.ws(p + 1);
                continue;
            }
            self.ctx_struct = orig_struct;
            return Ok((p + 1).min(self.data.len()));
        }
    }

    /// The `,string` path: `valueQuoted` then `literalStore(..., true)`.
    fn value_quoted_into(
        &mut self,
        pos: usize,
        t: &TypeRef,
        v: &mut Value,
    ) -> Result<usize, Fatal> {
        let end;
        let q = match self.at(pos) {
            b'[' | b'{' => {
                end = self.skip(pos);
                Quoted::Unquoted
            }
            c => {
                end = self.literal_end(pos);
                let item = self.slice(pos, end);
                match c {
                    b'n' => Quoted::Null,
                    b'"' => Quoted::Str(
                        unquote_bytes(item)
                            .map(std::borrow::Cow::into_owned)
                            .unwrap_or_default(),
                    ),
                    b't' | b'f' => Quoted::Unquoted,
                    _ => {
                        // literalInterface converts the number first and
                        // may record its range error before ours.
                        if parse_float(item, false).is_none() {
                            let what = format!("number {}", String::from_utf8_lossy(item));
                            self.save_type_error(&what, &float64_type(), end);
                        }
                        Quoted::Unquoted
                    }
                }
            }
        };
        match q {
            Quoted::Null => self.literal_store(b"null", t, v, false, end)?,
            Quoted::Str(s) => self.literal_store(&s, t, v, true, end)?,
            Quoted::Unquoted => self.save_plain(
                format!(
                    "json: invalid use of ,string struct tag, trying to unmarshal unquoted value into {}",
                    t.go_string()
                ),
                end,
            ),
        }
        Ok(end)
    }

    fn string_tag_error(item: &[u8], t: &Type) -> String {
        format!(
            "json: invalid use of ,string struct tag, trying to unmarshal {} into {}",
            go_quote(item),
            t.go_string()
        )
    }

    /// `literalStore`: stores the literal `item` into `v`. `off` is Go's
    /// `readIndex()` (the end of the literal in the input), used in errors.
    fn literal_store(
        &mut self,
        item: &[u8],
        t: &TypeRef,
        v: &mut Value,
        from_quoted: bool,
        off: usize,
    ) -> Result<(), Fatal> {
        let Some(&c) = item.first() else {
            let m = Self::string_tag_error(item, t);
            self.save_plain(m, off);
            return Ok(());
        };
        let is_null = c == b'n';
        let (t2, v2) = match Self::indirect(t, v, is_null) {
            Target::Custom(cj, ct, cv) => return self.call_custom(cj, ct, item, cv, off),
            Target::Plain(t2, v2) => (t2, v2),
        };
        match c {
            b'n' => {
                if from_quoted && item != b"null" {
                    let m = Self::string_tag_error(item, t2);
                    self.save_plain(m, off);
                    return Ok(());
                }
                if matches!(
                    t2.kind,
                    TypeKind::Interface | TypeKind::Ptr(_) | TypeKind::Map(..) | TypeKind::Slice(_)
                ) {
                    *v2 = t2.zero();
                }
            }
            b't' | b'f' => {
                let value = c == b't';
                if from_quoted && item != b"true" && item != b"false" {
                    let m = Self::string_tag_error(item, t2);
                    self.save_plain(m, off);
                    return Ok(());
                }
                match &t2.kind {
                    TypeKind::Bool => *v2 = Value::Bool(value),
                    TypeKind::Interface if is_empty_interface(t2) => {
                        *v2 = iface(bool_type(), Value::Bool(value));
                    }
                    TypeKind::Interface => self.save_type_error("bool", t2, off),
                    _ => {
                        if from_quoted {
                            let m = Self::string_tag_error(item, t2);
                            self.save_plain(m, off);
                        } else {
                            self.save_type_error("bool", t2, off);
                        }
                    }
                }
            }
            b'"' => {
                let Some(s) = unquote_bytes(item) else {
                    if from_quoted {
                        return Err(fatal(Self::string_tag_error(item, t2), off));
                    }
                    return Err(fatal(
                        "json: internal error: bad string literal".into(),
                        off,
                    ));
                };
                match &t2.kind {
                    TypeKind::Slice(e) => {
                        if !matches!(e.kind, TypeKind::Uint(IntBits::B8)) {
                            self.save_type_error("string", t2, off);
                            return Ok(());
                        }
                        match base64::decode(&s) {
                            Ok(b) => {
                                *v2 = Value::Slice(Some(
                                    b.into_iter().map(|x| Value::Uint(u64::from(x))).collect(),
                                ));
                            }
                            Err(e) => self.save_plain(e.to_string(), off),
                        }
                    }
                    TypeKind::String => {
                        if is_number_type(t2) && !super::encode::is_valid_number(&s) {
                            return Err(fatal(
                                format!(
                                    "json: invalid number literal, trying to unmarshal {} into Number",
                                    go_quote(item)
                                ),
                                off,
                            ));
                        }
                        *v2 = Value::String(s.into_owned());
                    }
                    TypeKind::Interface if is_empty_interface(t2) => {
                        *v2 = iface(string_type(), Value::String(s.into_owned()));
                    }
                    _ => self.save_type_error("string", t2, off),
                }
            }
            _ => {
                if c != b'-' && !c.is_ascii_digit() {
                    if from_quoted {
                        return Err(fatal(Self::string_tag_error(item, t2), off));
                    }
                    return Err(fatal("json: internal error: bad literal".into(), off));
                }
                let what = || format!("number {}", String::from_utf8_lossy(item));
                match &t2.kind {
                    TypeKind::String if is_number_type(t2) => {
                        *v2 = Value::String(item.to_vec());
                    }
                    TypeKind::Interface => {
                        let Some(n) = parse_float(item, false) else {
                            self.save_type_error(&what(), &float64_type(), off);
                            return Ok(());
                        };
                        if !is_empty_interface(t2) {
                            self.save_type_error("number", t2, off);
                            return Ok(());
                        }
                        *v2 = iface(float64_type(), Value::Float(n));
                    }
                    TypeKind::Int(bits) => match parse_int(item, bits.bits()) {
                        Some(n) => *v2 = Value::Int(n),
                        None => self.save_type_error(&what(), t2, off),
                    },
                    TypeKind::Uint(bits) => match parse_uint(item, bits.bits()) {
                        Some(n) => *v2 = Value::Uint(n),
                        None => self.save_type_error(&what(), t2, off),
                    },
                    TypeKind::Uintptr => match parse_uint(item, 64) {
                        Some(n) => *v2 = Value::Uint(n),
                        None => self.save_type_error(&what(), t2, off),
                    },
                    TypeKind::Float32 | TypeKind::Float64 => {
                        match parse_float(item, matches!(t2.kind, TypeKind::Float32)) {
                            Some(n) => *v2 = Value::Float(n),
                            None => self.save_type_error(&what(), t2, off),
                        }
                    }
                    _ => {
                        if from_quoted {
                            return Err(fatal(Self::string_tag_error(item, t2), off));
                        }
                        self.save_type_error("number", t2, off);
                    }
                }
            }
        }
        Ok(())
    }

    /// `literalInterface` for one literal.
    fn literal_interface(&mut self, pos: usize) -> (Value, usize) {
        let end = self.literal_end(pos);
        let item = self.slice(pos, end);
        let v = match item.first() {
            Some(b'n') | None => Value::Interface(None),
            Some(b't') => iface(bool_type(), Value::Bool(true)),
            Some(b'f') => iface(bool_type(), Value::Bool(false)),
            Some(b'"') => iface(
                string_type(),
                Value::String(
                    unquote_bytes(item)
                        .map(std::borrow::Cow::into_owned)
                        .unwrap_or_default(),
                ),
            ),
            Some(_) => match parse_float(item, false) {
                Some(f) => iface(float64_type(), Value::Float(f)),
                None => {
                    let what = format!("number {}", String::from_utf8_lossy(item));
                    self.save_type_error(&what, &float64_type(), end);
                    Value::Interface(None)
                }
            },
        };
        (v, end)
    }

    /// `valueInterface` without recursion: builds `[]interface{}`,
    /// `map[string]interface{}`, `string`, `float64`, `bool` or nil with an
    /// explicit stack (input may nest 10000 deep).
    fn interface_value(&mut self, pos: usize) -> (Value, usize) {
        enum Frame {
            Arr(Vec<Value>),
            Obj {
                entries: Vec<(Value, Value)>,
                index: KeyIndex,
                key: Vec<u8>,
            },
        }
        fn finish(f: Frame) -> Value {
            match f {
                Frame::Arr(items) => iface(slice_iface_type(), Value::Slice(Some(items))),
                Frame::Obj { entries, .. } => iface(map_iface_type(), Value::Map(Some(entries))),
            }
        }
        let mut stack: Vec<Frame> = Vec::new();
        let mut p = pos;
        loop {
            // A value starts at p.
            let (mut val, mut np) = match self.at(p) {
                b'[' => {
                    let q = self.ws(p + 1);
                    if self.at(q) == b']' {
                        (finish(Frame::Arr(Vec::new())), q + 1)
                    } else {
                        stack.push(Frame::Arr(Vec::new()));
                        p = q;
                        continue;
                    }
                }
                b'{' => {
                    let q = self.ws(p + 1);
                    if self.at(q) == b'}' {
                        (
                            finish(Frame::Obj {
                                entries: Vec::new(),
                                index: KeyIndex::default(),
                                key: Vec::new(),
                            }),
                            q + 1,
                        )
                    } else {
                        let Ok((_, key, vpos)) = self.read_key(q) else {
                            return (Value::Interface(None), self.data.len());
                        };
                        let key = key.into_owned();
                        stack.push(Frame::Obj {
                            entries: Vec::new(),
                            index: KeyIndex::default(),
                            key,
                        });
                        p = vpos;
                        continue;
                    }
                }
                _ => self.literal_interface(p),
            };
            // Attach the finished value; close containers that end here.
            loop {
                let Some(top) = stack.last_mut() else {
                    return (val, np.min(self.data.len()));
                };
                let q = self.ws(np);
                let more = self.at(q) == b',';
                match top {
                    Frame::Arr(items) => items.push(val),
                    Frame::Obj {
                        entries,
                        index,
                        key,
                    } => {
                        let k = std::mem::take(key);
                        let found = index.find(entries, KeyRef::Bytes(&k));
                        match found.and_then(|i| entries.get_mut(i)) {
                            // A duplicate key: the earlier value, maybe
                            // 10,000 levels deep, is dropped without
                            // recursion.
                            Some(slot) => super::drop_deep(std::mem::replace(&mut slot.1, val)),
                            None => {
                                entries.push((Value::String(k), val));
                                let pos = entries.len() - 1;
                                if let Some(k) = entries.get(pos).and_then(|(k, _)| KeyRef::of(k)) {
                                    index.pushed(pos, k);
                                }
                            }
                        }
                    }
                }
                if more {
                    let r = self.ws(q + 1);
                    if let Some(Frame::Obj { key, .. }) = stack.last_mut() {
                        let Ok((_, k, vpos)) = self.read_key(r) else {
                            return (Value::Interface(None), self.data.len());
                        };
                        *key = k.into_owned();
                        p = vpos;
                    } else {
                        p = r;
                    }
                    break;
                }
                // `]` or `}` at q closes the top container.
                let Some(f) = stack.pop() else {
                    return (Value::Interface(None), self.data.len());
                };
                val = finish(f);
                np = q + 1;
            }
        }
    }
}

/// `json.Unmarshal(input, &target)` (see [`super::unmarshal`]).
pub(crate) fn unmarshal(
    input: &[u8],
    t: &TypeRef,
    target: &mut Value,
) -> Result<(), UnmarshalError> {
    if let Err(e) = check_valid(input) {
        return Err(UnmarshalError {
            message: e.msg,
            offset: e.offset,
            syntax: true,
        });
    }
    let mut d = Decoder {
        data: input,
        saved: None,
        ctx_struct: None,
        ctx_fields: Vec::new(),
        fields: HashMap::new(),
    };
    let pos = d.ws(0);
    d.value(pos, t, target)?;
    match d.saved {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            type_name(&Type::named("state.CPUManagerCheckpoint", TypeKind::Bool)),
            "CPUManagerCheckpoint"
        );
        assert_eq!(
            type_name(&Type::named("sets.Set[k8s.io/x.Y]", TypeKind::Bool)),
            "Set[k8s.io/x.Y]"
        );
    }
}

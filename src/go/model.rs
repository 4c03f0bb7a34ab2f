//! A small reflection model of Go types and values.
//!
//! The kubelet's checkpoint bytes are decided by three Go behaviours that all
//! work through `reflect`: `encoding/json` (field tags, order, nil vs empty),
//! go-spew (type names, unexported fields, map sorting) and the merge
//! semantics of `json.Unmarshal` into a pre-filled value. Reproducing them on
//! hand-written Rust structs would mean writing every rule three times per
//! shape. Instead every Go type is *declared once* as a [`Type`] descriptor
//! (see [`crate::go::reflect`] for the typed Rust side), values travel as a
//! [`Value`] tree, and the JSON writer/reader and the spew renderer are
//! written once, generically, over `(Type, Value)` pairs.
//!
//! A [`Value`] never carries its type: the type travels beside it, exactly
//! like Go's static typing. Only interface values carry a dynamic type.

use std::fmt;
use std::sync::Arc;

/// Shared handle to an immutable type descriptor.
pub type TypeRef = Arc<Type>;

/// Width of a Go integer kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntBits {
    B8,
    B16,
    B32,
    B64,
    /// Go `int` / `uint` (64 bits on every platform a kubelet runs on).
    Size,
}

impl IntBits {
    /// Number of bits, as `strconv.ParseInt`'s `bitSize`.
    pub fn bits(self) -> u32 {
        match self {
            IntBits::B8 => 8,
            IntBits::B16 => 16,
            IntBits::B32 => 32,
            IntBits::B64 | IntBits::Size => 64,
        }
    }
}

/// Custom JSON behaviour for a type with its own `MarshalJSON` /
/// `UnmarshalJSON` methods (e.g. the cpumanager `PodEntry`, `resource.Quantity`).
///
/// `marshal` returns the method's raw output; the JSON writer validates,
/// compacts and HTML-escapes it as `encoding/json` does. `unmarshal` receives
/// the raw bytes of the JSON value (as `json.Unmarshal` hands them to the
/// method) and the current value to update; its error text is reported as is.
#[derive(Clone, Copy)]
pub struct CustomJson {
    pub marshal: fn(&Value) -> Result<Vec<u8>, String>,
    pub unmarshal: fn(&[u8], &mut Value) -> Result<(), String>,
}

impl fmt::Debug for CustomJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomJson")
    }
}

/// The shape of a Go type (its `reflect.Kind` plus element types).
#[derive(Debug, Clone)]
pub enum TypeKind {
    Bool,
    Int(IntBits),
    Uint(IntBits),
    Uintptr,
    Float32,
    Float64,
    Complex64,
    Complex128,
    String,
    Ptr(TypeRef),
    Slice(TypeRef),
    Array(usize, TypeRef),
    Map(TypeRef, TypeRef),
    Struct(Vec<Field>),
    /// An interface type; `interface {}` when unnamed.
    Interface,
}

/// A Go type descriptor.
#[derive(Debug, Clone)]
pub struct Type {
    /// `pkgname.Name` for a named (defined) type, as `reflect.Type.String()`
    /// prints it (`checksum.Checksum`, `sets.Set[string]`); `None` for
    /// predeclared and unnamed composite types, whose name is derived.
    pub name: Option<String>,
    pub kind: TypeKind,
    /// Set when the Go type has its own JSON methods.
    pub custom_json: Option<CustomJson>,
}

/// One struct field, in declaration order.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Go field name (`PolicyName`, `elems`). For an embedded field, the
    /// type's name without package (`Inner`, `Dec`).
    pub name: String,
    pub ty: TypeRef,
    /// The raw Go struct tag, e.g. `json:"policyName,omitempty"` (may be empty).
    pub tag: String,
    /// An embedded (anonymous) field.
    pub embedded: bool,
}

impl Field {
    pub fn new(name: impl Into<String>, ty: TypeRef, tag: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            ty,
            tag: tag.into(),
            embedded: false,
        }
    }

    pub fn embedded(name: impl Into<String>, ty: TypeRef, tag: impl Into<String>) -> Field {
        Field {
            embedded: true,
            ..Field::new(name, ty, tag)
        }
    }

    /// Go's rule: a field is exported when its name starts with an upper-case letter.
    pub fn is_exported(&self) -> bool {
        self.name.chars().next().is_some_and(char::is_uppercase)
    }

    /// `reflect.StructTag.Lookup(key)`: the value of `key:"..."` in the tag,
    /// with Go string unquoting. `None` if absent or malformed.
    pub fn tag_lookup(&self, key: &str) -> Option<String> {
        tag_lookup(&self.tag, key)
    }
}

/// `reflect.StructTag.Lookup`, following Go's parser exactly (stops at the
/// first malformed pair).
pub fn tag_lookup(tag: &str, key: &str) -> Option<String> {
    let b = tag.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        let start = i;
        while i < b.len() && b[i] > b' ' && b[i] != b':' && b[i] != b'"' && b[i] != 0x7f {
            i += 1;
        }
        if i == start || i + 1 >= b.len() || b[i] != b':' || b[i + 1] != b'"' {
            return None;
        }
        let name = &tag[start..i];
        i += 1; // at the opening quote
        let qstart = i;
        i += 1;
        while i < b.len() && b[i] != b'"' {
            if b[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        let quoted = &tag[qstart..=i];
        i += 1;
        if name == key {
            return unquote_go(quoted);
        }
    }
}

/// Minimal `strconv.Unquote` for double-quoted struct-tag values.
fn unquote_go(q: &str) -> Option<String> {
    let inner = q.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\'' => out.push('\''),
            _ => return None,
        }
    }
    Some(out)
}

impl Type {
    pub fn new(kind: TypeKind) -> TypeRef {
        Arc::new(Type {
            name: None,
            kind,
            custom_json: None,
        })
    }

    pub fn named(name: impl Into<String>, kind: TypeKind) -> TypeRef {
        Arc::new(Type {
            name: Some(name.into()),
            kind,
            custom_json: None,
        })
    }

    /// A named type whose underlying type is `underlying` (`type Checksum uint64`).
    pub fn defined(name: impl Into<String>, underlying: &TypeRef) -> TypeRef {
        Type::named(name, underlying.kind.clone())
    }

    /// The same type with custom JSON methods attached.
    pub fn with_custom_json(t: TypeRef, custom: CustomJson) -> TypeRef {
        let mut t = (*t).clone();
        t.custom_json = Some(custom);
        Arc::new(t)
    }

    pub fn ptr(elem: TypeRef) -> TypeRef {
        Type::new(TypeKind::Ptr(elem))
    }
    pub fn slice(elem: TypeRef) -> TypeRef {
        Type::new(TypeKind::Slice(elem))
    }
    pub fn array(n: usize, elem: TypeRef) -> TypeRef {
        Type::new(TypeKind::Array(n, elem))
    }
    pub fn map(key: TypeRef, elem: TypeRef) -> TypeRef {
        Type::new(TypeKind::Map(key, elem))
    }
    pub fn structure(fields: Vec<Field>) -> TypeRef {
        Type::new(TypeKind::Struct(fields))
    }

    /// The same type under another name: the kubelet's rename trick
    /// (hash `CPUManagerCheckpointV1` under the name `CPUManagerCheckpoint`).
    pub fn renamed(t: &TypeRef, name: impl Into<String>) -> TypeRef {
        let mut t = (**t).clone();
        t.name = Some(name.into());
        Arc::new(t)
    }

    pub fn is_named(&self) -> bool {
        self.name.is_some()
    }

    /// `reflect.Type.String()`: what go-spew prints between parentheses and
    /// what `encoding/json` puts in its error messages.
    pub fn go_string(&self) -> String {
        let mut s = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_go_string(&mut s);
        s
    }

    /// Streams `reflect.Type.String()` into `w` without allocating.
    pub fn write_go_string<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        if let Some(n) = &self.name {
            return w.write_str(n);
        }
        match &self.kind {
            TypeKind::Bool => w.write_str("bool"),
            TypeKind::Int(b) => w.write_str(match b {
                IntBits::B8 => "int8",
                IntBits::B16 => "int16",
                IntBits::B32 => "int32",
                IntBits::B64 => "int64",
                IntBits::Size => "int",
            }),
            TypeKind::Uint(b) => w.write_str(match b {
                IntBits::B8 => "uint8",
                IntBits::B16 => "uint16",
                IntBits::B32 => "uint32",
                IntBits::B64 => "uint64",
                IntBits::Size => "uint",
            }),
            TypeKind::Uintptr => w.write_str("uintptr"),
            TypeKind::Float32 => w.write_str("float32"),
            TypeKind::Float64 => w.write_str("float64"),
            TypeKind::Complex64 => w.write_str("complex64"),
            TypeKind::Complex128 => w.write_str("complex128"),
            TypeKind::String => w.write_str("string"),
            TypeKind::Interface => w.write_str("interface {}"),
            TypeKind::Ptr(e) => {
                w.write_char('*')?;
                e.write_go_string(w)
            }
            TypeKind::Slice(e) => {
                w.write_str("[]")?;
                e.write_go_string(w)
            }
            TypeKind::Array(n, e) => {
                write!(w, "[{n}]")?;
                e.write_go_string(w)
            }
            TypeKind::Map(k, v) => {
                w.write_str("map[")?;
                k.write_go_string(w)?;
                w.write_char(']')?;
                v.write_go_string(w)
            }
            TypeKind::Struct(fields) => {
                if fields.is_empty() {
                    return w.write_str("struct {}");
                }
                w.write_str("struct { ")?;
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        w.write_str("; ")?;
                    }
                    if !f.embedded {
                        w.write_str(&f.name)?;
                        w.write_char(' ')?;
                    }
                    f.ty.write_go_string(w)?;
                    if !f.tag.is_empty() {
                        w.write_char(' ')?;
                        // Go prints the tag with `strconv.Quote`.
                        super::strconv::write_quoted(w, f.tag.as_bytes())?;
                    }
                }
                w.write_str(" }")
            }
        }
    }

    /// The zero value of this type (`reflect.Zero`).
    pub fn zero(&self) -> Value {
        match &self.kind {
            TypeKind::Bool => Value::Bool(false),
            TypeKind::Int(_) => Value::Int(0),
            TypeKind::Uint(_) | TypeKind::Uintptr => Value::Uint(0),
            TypeKind::Float32 | TypeKind::Float64 => Value::Float(0.0),
            TypeKind::Complex64 | TypeKind::Complex128 => Value::Complex(0.0, 0.0),
            TypeKind::String => Value::String(Vec::new()),
            TypeKind::Ptr(_) => Value::Ptr(None),
            TypeKind::Slice(_) => Value::Slice(None),
            TypeKind::Array(n, e) => Value::Array((0..*n).map(|_| e.zero()).collect()),
            TypeKind::Map(_, _) => Value::Map(None),
            TypeKind::Struct(fields) => Value::Struct(fields.iter().map(|f| f.ty.zero()).collect()),
            TypeKind::Interface => Value::Interface(None),
        }
    }
}

/// Type identity as Go sees it for our purposes: the same type string.
impl PartialEq for Type {
    fn eq(&self, other: &Type) -> bool {
        self.go_string() == other.go_string()
    }
}

/// A Go value. Its type travels beside it (see the module docs).
///
/// Strings are byte strings, as in Go: they can hold invalid UTF-8 (the spew
/// text then carries those bytes, the JSON writer replaces them).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    /// Every signed integer kind.
    Int(i64),
    /// Every unsigned integer kind and `uintptr`.
    Uint(u64),
    /// `float64`, and `float32` held exactly as an `f64`.
    Float(f64),
    Complex(f64, f64),
    String(Vec<u8>),
    /// `None` is a nil pointer.
    Ptr(Option<Box<Value>>),
    /// `None` is a nil slice; `Some(vec![])` an empty non-nil one.
    Slice(Option<Vec<Value>>),
    Array(Vec<Value>),
    /// `None` is a nil map. Entries are unique by key, in no particular order:
    /// every consumer sorts them the way its Go counterpart does.
    Map(Option<Vec<(Value, Value)>>),
    /// Field values in declaration order.
    Struct(Vec<Value>),
    /// `None` is a nil interface; otherwise the dynamic type and value.
    Interface(Option<Box<(TypeRef, Value)>>),
    /// A pointer back to a value already being printed further up the same
    /// chain (go-spew's `<shown>`). Only reachable from hand-built values:
    /// decoded checkpoints are trees.
    Cycle,
}

impl Value {
    pub fn string(s: impl AsRef<[u8]>) -> Value {
        Value::String(s.as_ref().to_vec())
    }
}

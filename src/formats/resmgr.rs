//! Machinery shared by the CPU and memory manager families: decoding into
//! the kubelet's pre-filled values, go-spew checksums under the kubelet's
//! rename trick, and the `data`/`dataChecksum` envelope of the 1.37 shapes.

use std::sync::OnceLock;

use crate::go::json::{self, MarshalError, UnmarshalError};
use crate::go::model::{Field, Type, TypeKind, TypeRef, Value};
use crate::go::reflect::GoType;
use crate::go::sink::Sink;
use crate::go::spew;
use crate::go::strconv::quote;

use super::common::FormatError;

/// `json.Unmarshal(bytes, &v)` with `v` pre-filled from `init`, as the
/// kubelet's `New...Checkpoint` constructors do. Like Go, a type error does
/// not undo what else was decoded, so the value is returned beside the error
/// (the 1.37 readers look at `data`/`dataChecksum` even after a failure).
pub fn decode<T: GoType>(bytes: &[u8], init: &T) -> (T, Result<(), UnmarshalError>) {
    let mut v = init.to_go();
    let r = json::unmarshal(bytes, &T::go_type(), &mut v);
    (T::from_go(&v), r)
}

/// [`decode`] that gives up on any error.
pub fn decode_ok<T: GoType>(bytes: &[u8], init: &T) -> Result<T, UnmarshalError> {
    let (v, r) = decode(bytes, init);
    r.map(|()| v)
}

/// `json.Marshal(v)`.
pub fn encode<T: GoType>(v: &T) -> Result<Vec<u8>, MarshalError> {
    json::marshal(&v.to_go(), &T::go_type())
}

/// A marshal failure as a format error (cannot happen for the kubelet's
/// types, which hold only strings, numbers, maps and slices).
pub fn marshal_failed(e: MarshalError) -> FormatError {
    FormatError::Rejected(e.message)
}

/// `ty` under the Go name `name` (or unchanged): the kubelet renames the
/// first occurrence of the type's new name in the text, which is always the
/// top-level one, so renaming the type is the same.
pub fn named_type(ty: &TypeRef, name: Option<&str>) -> TypeRef {
    match name {
        Some(n) => Type::renamed(ty, n),
        None => ty.clone(),
    }
}

/// Caches a [`named_type`] (one per kind and name).
pub fn cached_named_type(
    cell: &'static OnceLock<TypeRef>,
    ty: impl FnOnce() -> TypeRef,
    name: Option<&str>,
) -> TypeRef {
    cell.get_or_init(|| named_type(&ty(), name)).clone()
}

/// Streams go-spew's `%#v` of `&v` (`v` of type `ty`) into `sink`: the
/// kubelet hashes a pointer to the checkpoint, `(*state.T){...}`.
pub fn render_ptr<T: GoType, S: Sink + ?Sized>(v: &T, ty: &TypeRef, sink: &mut S) {
    spew::render_pointer_to(&v.to_go(), ty, sink);
}

/// FNV-32a of go-spew's `%#v` of `&v`: the kubelet's `checksum.New(&v)`.
pub fn hash_ptr<T: GoType>(v: &T, ty: &TypeRef) -> u64 {
    u64::from(spew::fnv32a_pointer_to(&v.to_go(), ty))
}

/// [`hash_ptr`] of `v` with its struct field `field` (Go name) zeroed, as
/// the kubelet hashes a checkpoint (`Checksum` set to 0 first), without
/// cloning the whole typed value to zero one number.
/// `ty` is the pointee type, as for [`hash_ptr`].
pub fn hash_ptr_zeroed<T: GoType>(v: &T, field: &str, ty: &TypeRef) -> u64 {
    u64::from(spew::fnv32a_pointer_to(&to_go_zeroed(v, field), ty))
}

/// `v.to_go()` with the struct field named `field` set to its zero value
/// (unchanged if `T` has no such field).
pub fn to_go_zeroed<T: GoType>(v: &T, field: &str) -> Value {
    let mut val = v.to_go();
    let t = T::go_type();
    if let (TypeKind::Struct(fields), Value::Struct(vals)) = (&t.kind, &mut val) {
        if let Some((f, slot)) = fields
            .iter()
            .zip(vals.iter_mut())
            .find(|(f, _)| f.name == field)
        {
            *slot = f.ty.zero();
        }
    }
    val
}

/// Streams go-spew's `%#v` of `&v` (its own Go name) with `field` zeroed.
pub fn render_own_ptr_zeroed<T: GoType, S: Sink + ?Sized>(v: &T, field: &str, sink: &mut S) {
    spew::render_pointer_to(&to_go_zeroed(v, field), &T::go_type(), sink);
}

/// `checksum.New(data)` for a string: FNV-32a of `(string)` + data.
pub fn hash_data(data: &str) -> u64 {
    u64::from(spew::fnv32a(&Value::string(data), &String::go_type()))
}

/// Streams the text [`hash_data`] hashes.
pub fn render_data(data: &str, sink: &mut dyn Sink) {
    spew::render(&Value::string(data), &String::go_type(), sink);
}

/// The anonymous `struct { Data string "json:\"data\"" }` the reference reads
/// `data` through for `dump`/`checksum` (its Go spelling shows in errors).
fn data_only_type() -> TypeRef {
    static T: OnceLock<TypeRef> = OnceLock::new();
    T.get_or_init(|| Type::structure(vec![Field::new("Data", String::go_type(), "json:\"data\"")]))
        .clone()
}

/// Reads only the `data` member (for `explain`/`checksum` of 1.37 shapes).
pub fn decode_data_only(bytes: &[u8]) -> Result<String, FormatError> {
    let t = data_only_type();
    let mut v = t.zero();
    json::unmarshal(bytes, &t, &mut v)?;
    match v {
        Value::Struct(fields) => Ok(fields.first().map(String::from_go).unwrap_or_default()),
        _ => Ok(String::new()),
    }
}

/// An unmarshal error with kubelet wrapping text in front (Go's
/// `fmt.Errorf("<prefix>%v", err)`), keeping the offset.
pub fn wrap_json(prefix: &str, mut e: UnmarshalError) -> UnmarshalError {
    e.message.insert_str(0, prefix);
    e
}

/// Puts kubelet wrapping text in front of any format error, keeping its
/// category (the reference's `r1Wrap`).
pub fn wrap(prefix: &str, e: FormatError) -> FormatError {
    match e {
        FormatError::InvalidJson(u) => FormatError::InvalidJson(wrap_json(prefix, u)),
        FormatError::Invalid(m) => FormatError::Invalid(format!("{prefix}{m}")),
        FormatError::Corrupt {
            prefix: p,
            stored,
            computed,
        } => FormatError::Corrupt {
            prefix: format!("{prefix}{p}"),
            stored,
            computed,
        },
        FormatError::Rejected(m) => FormatError::Rejected(format!("{prefix}{m}")),
    }
}

/// The policy-name check of the CPU and memory managers' restore:
/// `<lead>configured policy "<c>" differs from state checkpoint policy "<f>"`.
pub fn policy_check(lead: &str, configured: Option<&str>, file: &str) -> Result<(), FormatError> {
    match configured {
        Some(c) if c != file => Err(FormatError::Rejected(format!(
            "{lead}configured policy {} differs from state checkpoint policy {}",
            quote(c),
            quote(file)
        ))),
        _ => Ok(()),
    }
}

/// Accepts a stored checksum if it equals any of `accepted` (zero is
/// accepted only when the caller passes it), else `checkpoint is corrupted`
/// reporting `reported` as computed.
pub fn check_checksum(stored: u64, accepted: &[u64], reported: u64) -> Result<(), FormatError> {
    if accepted.contains(&stored) {
        Ok(())
    } else {
        Err(FormatError::Corrupt {
            prefix: String::new(),
            stored,
            computed: reported,
        })
    }
}

/// A file the kubelet would load: the decoded checkpoint, its checksums and
/// a note for people when acceptance depends on the release.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub checkpoint: T,
    pub stored: Option<u64>,
    pub computed: Option<u64>,
    /// Empty, or e.g. why a stored 0 passed.
    pub note: &'static str,
}

/// A file the kubelet would refuse, with the checksums known by then (a
/// restore check can fail after the checksum held).
#[derive(Debug, Clone)]
pub struct LoadError {
    pub error: FormatError,
    pub stored: Option<u64>,
    pub computed: Option<u64>,
}

impl LoadError {
    pub fn at(error: FormatError, stored: u64, computed: u64) -> LoadError {
        LoadError {
            error,
            stored: Some(stored),
            computed: Some(computed),
        }
    }
}

impl From<FormatError> for LoadError {
    fn from(error: FormatError) -> LoadError {
        LoadError {
            error,
            stored: None,
            computed: None,
        }
    }
}

impl From<UnmarshalError> for LoadError {
    fn from(e: UnmarshalError) -> LoadError {
        LoadError::from(FormatError::from(e))
    }
}

/// The [`Verification`](super::common::Verification) of a load attempt.
pub fn verification<T>(r: Result<Loaded<T>, LoadError>) -> super::common::Verification {
    match r {
        Ok(l) => {
            let mut v = super::common::Verification::ok(l.stored, l.computed);
            v.message = l.note.to_string();
            v
        }
        Err(e) => super::common::Verification::from_error(e.error, e.stored, e.computed),
    }
}

/// Prefixes a JSON error with kubelet wrapping text (`fmt.Errorf("...: %w")`,
/// e.g. the DRA checkpointer's `failed to get checkpoint dra_manager_state: `),
/// keeping its byte offset.
pub fn wrap_unmarshal(prefix: &str, e: UnmarshalError) -> UnmarshalError {
    UnmarshalError {
        message: format!("{prefix}{}", e.message),
        ..e
    }
}

/// Streams go-spew `%#v` of `v` itself (not a pointer): the device manager
/// hashes its `Data` member by value.
pub fn render_value<T: GoType, S: Sink + ?Sized>(v: &T, sink: &mut S) {
    spew::render(&v.to_go(), &T::go_type(), sink);
}

/// Streams go-spew `%#v` of `&v` for a type hashed under its own name.
pub fn render_own_ptr<T: GoType, S: Sink + ?Sized>(v: &T, sink: &mut S) {
    render_ptr(v, &T::go_type(), sink);
}

//! Machinery shared by the CPU and memory manager families: decoding into
//! the kubelet's pre-filled values, go-spew checksums under the kubelet's
//! rename trick, the `data`/`dataChecksum` envelope of the 1.37 shapes, and
//! [`SpewKind`], from which every spew-hashed kind gets its [`Shape`].

use std::marker::PhantomData;
use std::sync::OnceLock;

use crate::go::json::{self, MarshalError, UnmarshalError};
use crate::go::model::{Field, Type, TypeKind, TypeRef, Value};
use crate::go::reflect::GoType;
use crate::go::sink::Sink;
use crate::go::spew;
use crate::go::strconv::quote;

use super::common::{ChecksumInfo, ChecksumRule, FormatError, Verification, VerifyOptions};
use super::{KindInfo, Shape};

/// `json.Unmarshal(bytes, &v)` with `v` pre-filled from `init`, as the
/// kubelet's `New...Checkpoint` constructors do. Like Go, a type error does
/// not undo what else was decoded, so the value is returned beside the error
/// (the 1.37 readers look at `data`/`dataChecksum` even after a failure).
pub fn decode<T: GoType>(bytes: &[u8], init: &T) -> (T, Result<(), UnmarshalError>) {
    let mut v = init.to_go();
    let r = json::unmarshal(bytes, &T::go_type(), &mut v);
    (T::from_go(&v), r)
}

/// [`decode`] keeping the value tree the decoder built beside the typed
/// value: the verify paths hash the tree itself (what Go hashes is the
/// decoded struct), which saves converting the typed value back.
pub fn decode_both<T: GoType>(bytes: &[u8], init: &T) -> Result<(Value, T), UnmarshalError> {
    let v = decode_value(bytes, init)?;
    let t = T::from_go(&v);
    Ok((v, t))
}

/// `json.Unmarshal` into `init`'s value, as a value tree only (no typed
/// conversion: what a verify that needs no typed checks uses).
pub fn decode_value<T: GoType>(bytes: &[u8], init: &T) -> Result<Value, UnmarshalError> {
    let mut v = init.to_go();
    json::unmarshal(bytes, &T::go_type(), &mut v)?;
    Ok(v)
}

/// FNV-32a of go-spew's `%#v` of `&v`, `v` a struct value tree of type
/// `ty` (the pointee), with the struct field `field` (Go name) taken as
/// zero: the kubelet's `checksum.New(&cp)` after `cp.Checksum = 0`. The
/// field is swapped out for the hash and put back.
pub fn hash_value_ptr_zeroed(v: &mut Value, field: &str, ty: &Type) -> u64 {
    let mut slot = None;
    if let (TypeKind::Struct(fields), Value::Struct(vals)) = (&ty.kind, &mut *v) {
        if let Some((i, f)) = fields.iter().enumerate().find(|(_, f)| f.name == field) {
            if let Some(x) = vals.get_mut(i) {
                slot = Some((i, std::mem::replace(x, f.ty.zero())));
            }
        }
    }
    let sum = u64::from(spew::fnv32a_pointer_to(v, ty));
    if let (Some((i, old)), Value::Struct(vals)) = (slot, v) {
        if let Some(x) = vals.get_mut(i) {
            *x = old;
        }
    }
    sum
}

/// The member `field` (Go name) of a struct value tree of type `ty`.
pub fn struct_field<'v>(v: &'v Value, ty: &Type, field: &str) -> Option<&'v Value> {
    match (&ty.kind, v) {
        (TypeKind::Struct(fields), Value::Struct(vals)) => fields
            .iter()
            .position(|f| f.name == field)
            .and_then(|i| vals.get(i)),
        _ => None,
    }
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

/// FNV-32a of go-spew's `%#v` of `&v` (`v` rendered as type `ty`, the
/// pointee type) with its struct field `field` (Go name) zeroed: the
/// kubelet's `checksum.New(&cp)` after setting `Checksum` to 0, without
/// cloning the whole typed value to zero one number.
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
    hash_data_value(&Value::string(data))
}

/// [`hash_data`] of a data string already held as a `string` value (the
/// decoder's), without copying it.
pub fn hash_data_value(data: &Value) -> u64 {
    u64::from(spew::fnv32a(data, &String::go_type()))
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
/// `fmt.Errorf("<prefix>%v", err)`, e.g. the DRA checkpointer's
/// `failed to get checkpoint dra_manager_state: `), keeping the offset.
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
        // A crash is not wrapped: Go panics before any error is returned.
        FormatError::Panic(m) => FormatError::Panic(m),
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

/// The [`Verification`] of a load attempt.
pub fn verification<T>(r: Result<Loaded<T>, LoadError>) -> Verification {
    match r {
        Ok(l) => {
            let mut v = Verification::ok(l.stored, l.computed);
            v.message = l.note.to_string();
            v
        }
        Err(e) => Verification::from_error(e.error, e.stored, e.computed),
    }
}

/// Streams go-spew `%#v` of `v` itself (not a pointer): the device manager
/// hashes its `Data` member by value.
pub fn render_value<T: GoType, S: Sink + ?Sized>(v: &T, sink: &mut S) {
    spew::render(&v.to_go(), &T::go_type(), sink);
}

/// Streams go-spew `%#v` of `&v` for a type hashed under its own name.
pub fn render_own_ptr<T: GoType, S: Sink + ?Sized>(v: &T, sink: &mut S) {
    spew::render_pointer_to(&v.to_go(), &T::go_type(), sink);
}

/// What one spew-hashed CPU or memory manager kind declares (cpu-v1..v3,
/// memory, memory-v2). Everything else (reading, writing, the checksum,
/// and so [`Shape`]) follows from it once, below: the kubelet treats these
/// shapes alike apart from which checksums it accepts, the restore checks
/// and the writer's normalisation.
pub trait SpewKind: Sync + 'static {
    /// The Go struct the file holds.
    type Checkpoint: GoType + Clone;

    fn info() -> &'static KindInfo;

    /// `New...Checkpoint()`: the value the JSON is decoded into (its
    /// pre-allocated maps decide what absent keys hash as).
    fn new_checkpoint() -> Self::Checkpoint;

    /// The type `&checkpoint` is hashed as: the layout under the legacy Go
    /// name the kubelet renames it to. Each kind caches its own (a `static`
    /// in a generic function would be shared by every kind).
    fn hashed_type() -> TypeRef;

    /// The `checksum` member.
    fn stored(cp: &Self::Checkpoint) -> u64;

    /// Sets the `checksum` member.
    fn set_checksum(cp: &mut Self::Checkpoint, sum: u64);

    /// Whether the union of releases accepts `stored` (`computed` did not
    /// match or is not needed): a note for people, or `checkpoint is corrupted`.
    fn accept(
        cp: &Self::Checkpoint,
        stored: u64,
        computed: u64,
    ) -> Result<&'static str, FormatError>;

    /// The restore checks after the checksum held.
    fn check(cp: &Self::Checkpoint, policy: Option<&str>) -> Result<(), FormatError>;

    /// The state the writer stores (its checksum is set afterwards).
    fn normalised(cp: &Self::Checkpoint) -> Self::Checkpoint;

    /// The Go name of the checksum field, zeroed before hashing.
    const CHECKSUM_FIELD: &'static str = "Checksum";

    /// The checksum the kubelet stores for `cp`: the hash of `&cp` with its
    /// checksum field 0 (zeroed in the value tree, not by cloning `cp`).
    fn compute(cp: &Self::Checkpoint) -> u64 {
        hash_ptr_zeroed(cp, Self::CHECKSUM_FIELD, &Self::hashed_type())
    }

    /// The checksum over the type under its own (newer) Go name
    /// (`CPUManagerCheckpointV2`, `MemoryManagerCheckpointV1`, ...): the
    /// release table's `named` variant; [`Self::compute`] is `legacy`.
    fn compute_named(cp: &Self::Checkpoint) -> u64 {
        hash_ptr_zeroed(cp, Self::CHECKSUM_FIELD, &Self::Checkpoint::go_type())
    }

    /// One release's acceptance (see [`ChecksumRule`]), as the Go
    /// reference's `relVerifyReader` applies it before the kind's checks.
    fn accept_release(
        cp: &Self::Checkpoint,
        stored: u64,
        computed: u64,
        rule: ChecksumRule,
    ) -> Result<&'static str, FormatError> {
        if stored == 0 && rule.zero {
            return Ok("stored checksum 0 is accepted without verification");
        }
        let Some(names) = rule.names else {
            return Self::accept(cp, stored, computed);
        };
        if names.legacy && stored == computed {
            return Ok("");
        }
        if names.named && stored == Self::compute_named(cp) {
            return Ok("checksum is under the type's own Go name, which this release accepts");
        }
        Err(FormatError::Corrupt {
            prefix: String::new(),
            stored,
            computed,
        })
    }

    /// Unmarshal, checksum, restore checks.
    fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<Self::Checkpoint>, LoadError> {
        Self::read_with(bytes, policy, None)
    }

    /// [`Self::read`] with one release's checksum rule in place of the
    /// union over releases.
    fn read_with(
        bytes: &[u8],
        policy: Option<&str>,
        rule: Option<ChecksumRule>,
    ) -> Result<Loaded<Self::Checkpoint>, LoadError> {
        // The decoded tree is hashed as it is (one typed conversion for
        // the checks, none back).
        let (mut tree, cp) = decode_both(bytes, &Self::new_checkpoint())?;
        let stored = Self::stored(&cp);
        let computed = hash_value_ptr_zeroed(&mut tree, Self::CHECKSUM_FIELD, &Self::hashed_type());
        let at = |e| LoadError::at(e, stored, computed);
        let note = match rule {
            Some(rule) => Self::accept_release(&cp, stored, computed, rule),
            None => Self::accept(&cp, stored, computed),
        }
        .map_err(at)?;
        Self::check(&cp, policy).map_err(at)?;
        Ok(Loaded {
            checkpoint: cp,
            stored: Some(stored),
            computed: Some(computed),
            note,
        })
    }

    /// The normalised checkpoint with its checksum, as the writer stores it.
    fn stored_form(cp: &Self::Checkpoint) -> Self::Checkpoint {
        let mut out = Self::normalised(cp);
        let sum = Self::compute(&out);
        Self::set_checksum(&mut out, sum);
        out
    }

    /// The kind's writer.
    fn write(cp: &Self::Checkpoint) -> Result<Vec<u8>, FormatError> {
        encode(&Self::stored_form(cp)).map_err(marshal_failed)
    }
}

impl<K: SpewKind> Shape for K {
    fn info(&self) -> &'static KindInfo {
        K::info()
    }

    fn verify(&self, bytes: &[u8], opts: &VerifyOptions) -> Verification {
        verification(K::read_with(
            bytes,
            opts.policy.as_deref(),
            opts.checksum_rule,
        ))
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        match K::read(bytes, None) {
            Ok(l) => K::write(&l.checkpoint),
            // The writer does not crash where the restore's clone does (a
            // `null` memory table): the state is written as read.
            Err(e) if matches!(e.error, FormatError::Panic(_)) => {
                K::write(&decode_ok(bytes, &K::new_checkpoint())?)
            }
            Err(e) => Err(e.error),
        }
    }

    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        let cp = decode_ok(bytes, &K::new_checkpoint())?;
        spew::render_pointer_to(
            &to_go_zeroed(&cp, K::CHECKSUM_FIELD),
            &K::hashed_type(),
            sink,
        );
        Ok(())
    }

    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let cp = decode_ok(bytes, &K::new_checkpoint())?;
        Ok(ChecksumInfo {
            stored: Some(K::stored(&cp)),
            computed: K::compute(&cp),
        })
    }
}

/// The 1.37 shapes (cpu-v4, memory-v3), implemented on the file's Go
/// struct: an older layout inlined for older readers, then `data` (the JSON
/// text of the real state, which alone counts) and `dataChecksum` (FNV-32a
/// of `(string)` + data). [`EnvelopeKind`] makes a kind of it.
pub trait DataEnvelope: GoType + Sized + 'static {
    /// The payload `data` holds.
    type Data: GoType;

    /// How the kind's messages name it.
    const NAMES: EnvelopeNames;

    fn info() -> &'static KindInfo;

    /// The 1.37 constructor: what the file is decoded into.
    fn new_checkpoint() -> Self;

    /// The payload as the constructor pre-fills it: what `data` is decoded into.
    fn new_data() -> Self::Data;

    fn data(&self) -> &str;

    fn data_checksum(&self) -> u64;

    /// The decoded payload (the `json:"-"` member).
    fn payload(&self) -> &Self::Data;

    fn set_payload(&mut self, d: Self::Data);

    /// The restore checks on the payload.
    fn check(d: &Self::Data, policy: Option<&str>) -> Result<(), FormatError>;

    /// The 1.37 writer, given the payload.
    fn write(d: &Self::Data) -> Result<Vec<u8>, FormatError>;

    /// `GetCheckpoint` with the 1.37 type: unmarshal, unmarshal `data`,
    /// verify `dataChecksum`. A failure is fatal in 1.37 only when `data`
    /// or `dataChecksum` is set; otherwise the kubelet falls back to the
    /// older readers.
    fn load(bytes: &[u8]) -> Result<(Self, u64), FormatError> {
        let (mut cp, r) = decode(bytes, &Self::new_checkpoint());
        let manager = Self::NAMES.manager;
        let step = |cp: &mut Self| -> Result<u64, FormatError> {
            r.map_err(|e| wrap_json(&format!("failed to deserialize {manager} checkpoint: "), e))?;
            let d = decode_ok(cp.data().as_bytes(), &Self::new_data()).map_err(|e| {
                wrap_json(
                    &format!("failed to deserialize {manager} checkpoint data: "),
                    e,
                )
            })?;
            cp.set_payload(d);
            let computed = hash_data(cp.data());
            if computed != cp.data_checksum() {
                return Err(FormatError::Corrupt {
                    prefix: String::new(),
                    stored: cp.data_checksum(),
                    computed,
                });
            }
            Ok(computed)
        };
        let names = Self::NAMES;
        match step(&mut cp) {
            Ok(computed) => Ok((cp, computed)),
            Err(e) if !cp.data().is_empty() || cp.data_checksum() != 0 => {
                Err(wrap(&format!("could not load {} checkpoint: ", names.version), e))
            }
            Err(e) => Err(wrap(
                &format!(
                    "not a {} checkpoint (no data, no dataChecksum; a 1.37 kubelet falls back to the {} readers): ",
                    names.version, names.fallbacks
                ),
                e,
            )),
        }
    }

    /// [`load`](Self::load) plus the restore checks on `data`.
    fn read(bytes: &[u8], policy: Option<&str>) -> Result<Loaded<Self>, LoadError> {
        let (cp, computed) = Self::load(bytes)?;
        let stored = cp.data_checksum();
        Self::check(cp.payload(), policy).map_err(|e| LoadError::at(e, stored, computed))?;
        Ok(Loaded {
            checkpoint: cp,
            stored: Some(stored),
            computed: Some(computed),
            note: "",
        })
    }
}

/// How a 1.37 shape's messages name it.
pub struct EnvelopeNames {
    /// `cpu manager` / `memory manager`.
    pub manager: &'static str,
    /// `v4` / `v3`.
    pub version: &'static str,
    /// The readers a 1.37 kubelet falls back to (`v3 and v2`).
    pub fallbacks: &'static str,
}

/// The `data` string the 1.37 writers store for a payload, and its checksum.
pub fn data_text<D: GoType>(d: &D) -> Result<(String, u64), FormatError> {
    let text = encode(d).map_err(marshal_failed)?;
    let text = String::from_utf8(text)
        .map_err(|e| FormatError::Rejected(format!("marshalled data is not UTF-8: {e}")))?;
    let sum = hash_data(&text);
    Ok((text, sum))
}

/// The kind of a 1.37 shape `E` (a struct, since [`Shape`] is already
/// derived for every [`SpewKind`]).
pub struct EnvelopeKind<E>(PhantomData<fn() -> E>);

impl<E> EnvelopeKind<E> {
    pub const fn new() -> Self {
        EnvelopeKind(PhantomData)
    }
}

impl<E> Default for EnvelopeKind<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: DataEnvelope> Shape for EnvelopeKind<E> {
    fn info(&self) -> &'static KindInfo {
        E::info()
    }

    fn verify(&self, bytes: &[u8], opts: &VerifyOptions) -> Verification {
        verification(E::read(bytes, opts.policy.as_deref()))
    }

    fn canonical(&self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        E::write(
            E::read(bytes, None)
                .map_err(|e| e.error)?
                .checkpoint
                .payload(),
        )
    }

    /// The hashed text of `data`, read on its own so that it works on files
    /// the kubelet refuses.
    fn explain(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), FormatError> {
        render_data(&decode_data_only(bytes)?, sink);
        Ok(())
    }

    /// The checksum of `data` (read on its own) and the stored
    /// `dataChecksum` when the whole file decodes.
    fn checksum(&self, bytes: &[u8]) -> Result<ChecksumInfo, FormatError> {
        let data = decode_data_only(bytes)?;
        let (cp, r) = decode(bytes, &E::new_checkpoint());
        Ok(ChecksumInfo {
            stored: r.ok().map(|()| cp.data_checksum()),
            computed: hash_data(&data),
        })
    }
}

//! go-spew's `formatState` (format.go), one function per Go function.
//!
//! A Go `reflect.Value` is modelled as `(&Type, &Value, ro)`: the static (or,
//! after interface unwrapping, dynamic) type, the value, and reflect's
//! read-only flag, which is set below every unexported struct field and only
//! matters because `Value.Interface()` panics on it during SpewKeys sorting.
//!
//! A value whose shape does not match its type (impossible for values built
//! by this crate's decoders) prints spew's `<invalid>` marker instead of
//! panicking.

use std::fmt::Write as _;

use super::sort;
use super::Methods;
use crate::go::float::write_g;
use crate::go::model::{Type, TypeKind, Value};
use crate::go::sink::{FmtSink, Sink};

/// Which go-spew configuration is printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// The kubelet's: `SortKeys`, `DisableMethods`, `SpewKeys`.
    Kubelet,
    /// The package default `spew.Config`: methods enabled, keys unsorted.
    Default,
}

/// A Go runtime panic raised inside the formatter. `fmt` recovers it, appends
/// `%!v(PANIC=Format method: MSG)` and stops printing that argument.
#[derive(Debug, Clone, Copy)]
pub(super) struct Panic(pub &'static str);

/// `reflect.Value.Interface` on a value read through an unexported field.
pub(super) const PANIC_UNEXPORTED: Panic =
    Panic("reflect.Value.Interface: cannot return value obtained from unexported field or method");

type Res = Result<(), Panic>;

/// `ConfigState.Sprintf("%#v", v)`: the `Format` entry point plus fmt's
/// panic recovery.
pub(super) fn sprintf<S: Sink + ?Sized>(
    mode: Mode,
    methods: &dyn Methods,
    v: &Value,
    t: &Type,
    sink: &mut S,
) {
    sprintf_top(mode, methods, v, t, false, sink);
}

/// `Sprintf("%#v", &v)` for `v` of type `elem`, without building the pointer.
pub(super) fn sprintf_pointer_to<S: Sink + ?Sized>(
    methods: &dyn Methods,
    v: &Value,
    elem: &Type,
    sink: &mut S,
) {
    sprintf_top(Mode::Kubelet, methods, v, elem, true, sink);
}

fn sprintf_top<S: Sink + ?Sized>(
    mode: Mode,
    methods: &dyn Methods,
    v: &Value,
    t: &Type,
    pointer_to: bool,
    sink: &mut S,
) {
    let mut f = Formatter {
        sink,
        ignore_next_type: false,
        mode,
        methods,
    };
    let res = if pointer_to {
        f.format_ptr_to(t, v, false)
    } else {
        f.top(t, v)
    };
    if let Err(Panic(msg)) = res {
        f.sink.put(b"%!v(PANIC=Format method: ");
        f.sink.put(msg.as_bytes());
        f.sink.put(b")");
    }
}

struct Formatter<'a, S: Sink + ?Sized> {
    sink: &'a mut S,
    /// go-spew's `ignoreNextType`: the next value is in an untyped position.
    ignore_next_type: bool,
    mode: Mode,
    methods: &'a dyn Methods,
}

impl<S: Sink + ?Sized> Formatter<'_, S> {
    /// `formatState.Format`: `Sprintf` received the value boxed in an
    /// `interface{}`, so a top-level interface is replaced by its dynamic
    /// value, and a nil one prints `(interface {})<nil>`.
    fn top(&mut self, t: &Type, v: &Value) -> Res {
        if let TypeKind::Interface = t.kind {
            return match v {
                Value::Interface(Some(b)) => self.top(&b.0, &b.1),
                Value::Interface(None) => {
                    self.sink.put(b"(interface {})<nil>");
                    Ok(())
                }
                _ => self.format(t, v, false),
            };
        }
        self.format(t, v, false)
    }

    /// `unpackValue` followed by `format`: an interface re-enables the type
    /// and is replaced by its dynamic value when non-nil.
    fn format_unpacked(&mut self, t: &Type, v: &Value, ro: bool) -> Res {
        if let TypeKind::Interface = t.kind {
            self.ignore_next_type = false;
            if let Value::Interface(Some(b)) = v {
                return self.format(&b.0, &b.1, ro);
            }
        }
        self.format(t, v, ro)
    }

    fn put_type(&mut self, t: &Type) {
        self.sink.put(b"(");
        // FmtSink never fails.
        let _ = t.write_go_string(&mut FmtSink(&mut *self.sink));
        self.sink.put(b")");
    }

    fn put_stars(&mut self, n: usize) {
        for _ in 0..n {
            self.sink.put(b"*");
        }
    }

    /// `formatState.formatPtr`.
    fn format_ptr(&mut self, t: &Type, v: &Value, ro: bool) -> Res {
        // The early return that leaks `ignoreNextType` (spec §5.1): the flag
        // stays set for whatever is printed next.
        if matches!(v, Value::Ptr(None)) && self.ignore_next_type {
            self.sink.put(b"<nil>");
            return Ok(());
        }
        self.walk_ptr(t, v, 0, ro)
    }

    /// `formatPtr` for a non-nil `*elem` pointing at `v`, without building
    /// the pointer value (the kubelet hashes `&checkpoint`).
    fn format_ptr_to(&mut self, elem: &Type, v: &Value, ro: bool) -> Res {
        match deref(elem, v) {
            Ok((ct, cv)) => self.walk_ptr(ct, cv, 1, ro),
            Err(end) => self.finish_ptr(elem, v, 1, end, ro),
        }
    }

    /// formatPtr's loop: follow pointers (unwrapping interfaces met on the
    /// way) until a non-pointer, a nil, or a cycle.
    fn walk_ptr(&mut self, t: &Type, v: &Value, mut indirects: usize, ro: bool) -> Res {
        let mut end = End::Value;
        let (mut ct, mut cv) = (t, v);
        while let TypeKind::Ptr(elem) = &ct.kind {
            match cv {
                Value::Ptr(None) => {
                    end = End::Nil;
                    break;
                }
                // A pointer to a value already being printed further up: spew
                // counts it (`indirects++`), sees the address and takes it
                // back (`indirects--`), leaving `ve` at the pointer itself.
                Value::Cycle => {
                    end = End::Cycle;
                    break;
                }
                Value::Ptr(Some(inner)) => {
                    indirects += 1;
                    match deref(elem, inner) {
                        Ok((t2, v2)) => (ct, cv) = (t2, v2),
                        Err(e) => {
                            (ct, cv, end) = (elem, inner, e);
                            break;
                        }
                    }
                }
                _ => {
                    end = End::Invalid;
                    break;
                }
            }
        }
        self.finish_ptr(ct, cv, indirects, end, ro)
    }

    /// formatPtr's output: the type or `<*..>` marker, then the pointee.
    fn finish_ptr(
        &mut self,
        ct: &Type,
        cv: &Value,
        mut indirects: usize,
        end: End,
        ro: bool,
    ) -> Res {
        if !self.ignore_next_type {
            self.sink.put(b"(");
            self.put_stars(indirects);
            let _ = ct.write_go_string(&mut FmtSink(&mut *self.sink));
            self.sink.put(b")");
        } else {
            if end == End::Nil || end == End::Cycle {
                // spew counts the `*`s anywhere in the type *string*.
                let mut c = StarCount(0);
                let _ = ct.write_go_string(&mut c);
                indirects += c.0;
            }
            self.sink.put(b"<");
            self.put_stars(indirects);
            self.sink.put(b">");
        }

        match end {
            End::Nil => self.sink.put(b"<nil>"),
            End::Cycle => self.sink.put(b"<shown>"),
            End::Invalid => self.sink.put(b"<invalid>"),
            End::Value => {
                self.ignore_next_type = true;
                return self.format(ct, cv, ro);
            }
        }
        Ok(())
    }

    /// `formatState.format`.
    fn format(&mut self, t: &Type, v: &Value, ro: bool) -> Res {
        if let TypeKind::Ptr(_) = t.kind {
            return self.format_ptr(t, v, ro);
        }
        if !self.ignore_next_type {
            self.put_type(t);
        }
        self.ignore_next_type = false;

        if self.mode == Mode::Default && !matches!(t.kind, TypeKind::Interface) {
            if let Some(text) = self.methods.call(t, v) {
                self.sink.put(&text);
                return Ok(());
            }
        }

        let mut w = FmtSink(&mut *self.sink);
        match (&t.kind, v) {
            (TypeKind::Bool, Value::Bool(b)) => w.0.put_str(if *b { "true" } else { "false" }),
            (TypeKind::Int(_), Value::Int(i)) => {
                if *i < 0 {
                    w.0.put(b"-");
                }
                w.0.put(decimal(i.unsigned_abs(), &mut [0; 20]));
            }
            (TypeKind::Uint(_), Value::Uint(u)) => w.0.put(decimal(*u, &mut [0; 20])),
            (TypeKind::Float32, Value::Float(f)) => {
                let _ = write_g(&mut w, *f, 32);
            }
            (TypeKind::Float64, Value::Float(f)) => {
                let _ = write_g(&mut w, *f, 64);
            }
            (TypeKind::Complex64, Value::Complex(r, i)) => write_complex(&mut w, *r, *i, 32),
            (TypeKind::Complex128, Value::Complex(r, i)) => write_complex(&mut w, *r, *i, 64),
            (TypeKind::String, Value::String(b)) => w.0.put(b),
            (TypeKind::Uintptr, Value::Uint(u)) => {
                if *u == 0 {
                    w.0.put(b"<nil>");
                } else {
                    let _ = write!(w, "0x{u:x}");
                }
            }
            (TypeKind::Slice(_), Value::Slice(None)) | (TypeKind::Map(..), Value::Map(None)) => {
                w.0.put(b"<nil>");
            }
            (TypeKind::Slice(e), Value::Slice(Some(items)))
            | (TypeKind::Array(_, e), Value::Array(items)) => {
                self.sink.put(b"[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.sink.put(b" ");
                    }
                    self.ignore_next_type = true;
                    self.format_unpacked(e, item, ro)?;
                }
                self.sink.put(b"]");
            }
            (TypeKind::Interface, Value::Interface(None)) => w.0.put(b"<nil>"),
            // Unreachable in Go (unpackValue removed the interface); in this
            // model an interface whose dynamic type is an interface again.
            (TypeKind::Interface, Value::Interface(Some(b))) => {
                return self.format_unpacked(&b.0, &b.1, ro)
            }
            (TypeKind::Map(kt, vt), Value::Map(Some(entries))) => {
                self.sink.put(b"map[");
                let order = match self.mode {
                    Mode::Kubelet => sort::sorted_order(kt, entries, ro, self.methods)?,
                    Mode::Default => (0..entries.len()).collect(),
                };
                for (n, &i) in order.iter().enumerate() {
                    // `order` holds indices into `entries` (a permutation).
                    let Some((key, val)) = entries.get(i) else {
                        continue;
                    };
                    if n > 0 {
                        self.sink.put(b" ");
                    }
                    self.ignore_next_type = true;
                    self.format_unpacked(kt, key, ro)?;
                    self.sink.put(b":");
                    self.ignore_next_type = true;
                    self.format_unpacked(vt, val, ro)?;
                }
                self.sink.put(b"]");
            }
            (TypeKind::Struct(fields), Value::Struct(vals)) => {
                self.sink.put(b"{");
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        self.sink.put(b" ");
                    }
                    self.sink.put_str(&field.name);
                    self.sink.put(b":");
                    // reflect marks everything read through an unexported
                    // (or embedded unexported) field read-only.
                    let fro = ro || !field.is_exported();
                    match vals.get(i) {
                        Some(fv) => self.format_unpacked(&field.ty, fv, fro)?,
                        None => self.sink.put(b"<invalid>"),
                    }
                }
                self.sink.put(b"}");
            }
            (_, Value::Cycle) => w.0.put(b"<shown>"),
            _ => w.0.put(b"<invalid>"),
        }
        Ok(())
    }
}

/// How a pointer walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// At a non-pointer value, printed next.
    Value,
    Nil,
    Cycle,
    /// The value's shape does not match its type.
    Invalid,
}

/// `ve = ve.Elem()` plus the interface unwrapping formatPtr does right after
/// it. `Err` when that ends the walk (nil interface, malformed value); the
/// type printed is then `elem` itself.
fn deref<'v>(elem: &'v Type, inner: &'v Value) -> Result<(&'v Type, &'v Value), End> {
    if let TypeKind::Interface = elem.kind {
        return match inner {
            Value::Interface(None) => Err(End::Nil),
            Value::Interface(Some(b)) => Ok((&b.0, &b.1)),
            _ => Err(End::Invalid),
        };
    }
    Ok((elem, inner))
}

/// `printComplex`: `(re+imi)`; the `+` is written only when `im >= 0`, so a
/// NaN imaginary part prints `(1NaNi)` and +Inf `(1++Infi)`, as in spew.
fn write_complex<W: std::fmt::Write>(w: &mut W, r: f64, i: f64, bits: u32) {
    let _ = w.write_char('(');
    let _ = write_g(w, r, bits);
    if i >= 0.0 {
        let _ = w.write_char('+');
    }
    let _ = write_g(w, i, bits);
    let _ = w.write_str("i)");
}

/// The decimal digits of `u` (what `%d` prints), written into the end of
/// `buf`. Integers are the most frequent scalar in hashed text (a `[]byte`
/// prints one per byte), and `fmt`'s machinery costs several times this.
/// `u64::MAX` has 20 digits, so `i` never goes below 0.
fn decimal(mut u: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Counts `*` characters in streamed text.
struct StarCount(usize);

impl std::fmt::Write for StarCount {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.bytes().filter(|&b| b == b'*').count();
        Ok(())
    }
}

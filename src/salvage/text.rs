//! Small text helpers for people-facing output: line and column, byte
//! previews, JSON paths. Every output here is bounded in length whatever the
//! input, so that a diagnosis of a 100,000-deep or many-megabyte file stays
//! small.

use super::scan::Frame;

/// 1-based line and 1-based column, the column counted in bytes from the
/// start of the line (a multi-byte character counts as several columns).
pub(crate) fn line_col(b: &[u8], off: usize) -> (usize, usize) {
    let before = &b[..off.min(b.len())];
    let line = 1 + before.iter().filter(|&&c| c == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    (line, off - line_start + 1)
}

/// Up to `max` bytes of `b` as readable text: printable characters as they
/// are, `\n` `\r` `\t` `\0`, other control bytes and invalid UTF-8 as
/// `\xNN`; `…` when cut.
pub(crate) fn preview(b: &[u8], max: usize) -> String {
    let shown = &b[..b.len().min(max)];
    let mut s = String::new();
    for chunk in shown.utf8_chunks() {
        for ch in chunk.valid().chars() {
            match ch {
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                '\0' => s.push_str("\\0"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    s.push_str(&format!("\\x{:02x}", c as u32))
                }
                c => s.push(c),
            }
        }
        for &x in chunk.invalid() {
            s.push_str(&format!("\\x{x:02x}"));
        }
    }
    if b.len() > max {
        s.push('…');
    }
    s
}

/// The character (or byte) at `at`, for "found X" messages.
pub(crate) fn show_at(b: &[u8], at: usize) -> String {
    let c = b[at];
    if (0x20..0x7f).contains(&c) {
        return format!("'{}'", c as char);
    }
    let end = b.len().min(at + 4);
    if let Some(chunk) = b[at..end].utf8_chunks().next() {
        if let Some(ch) = chunk.valid().chars().next() {
            if c >= 0x80 {
                return format!("'{ch}' (U+{:04X})", ch as u32);
            }
        }
    }
    format!("byte 0x{c:02x}")
}

/// One step of a JSON path.
pub(crate) enum Seg<'a> {
    /// An object key: its raw (still escaped) bytes, and whether the text
    /// ended inside it.
    Key(&'a [u8], bool),
    /// An array index.
    Index(usize),
}

/// The step from `f` into its current member.
pub(crate) fn frame_seg<'a>(b: &'a [u8], f: &Frame) -> Seg<'a> {
    if f.obj {
        match &f.key {
            Some(r) => Seg::Key(&b[r.clone()], false),
            None => Seg::Key(b"?", false),
        }
    } else {
        Seg::Index(f.count)
    }
}

const MAX_KEY: usize = 64;
const HEAD: usize = 16;
const TAIL: usize = 32;

fn push_seg(s: &mut String, seg: &Seg) {
    match seg {
        Seg::Index(i) => s.push_str(&format!("[{i}]")),
        Seg::Key(k, partial) => {
            let ident = !k.is_empty()
                && k.len() <= MAX_KEY
                && !partial
                && (k[0].is_ascii_alphabetic() || k[0] == b'_')
                && k.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
            if ident {
                s.push('.');
                s.push_str(std::str::from_utf8(k).expect("ASCII"));
            } else {
                let shown = &k[..k.len().min(MAX_KEY)];
                s.push_str("[\"");
                s.push_str(&String::from_utf8_lossy(shown));
                if *partial || k.len() > MAX_KEY {
                    s.push('…');
                }
                s.push_str("\"]");
            }
        }
    }
}

/// `$` followed by `n` steps (`step(i)` gives the i-th); deep paths keep
/// their first 16 and last 32 steps around a `[…N levels…]` marker.
pub(crate) fn render_path<'a>(n: usize, step: impl Fn(usize) -> Seg<'a>) -> String {
    let mut s = String::from("$");
    if n <= HEAD + TAIL {
        for i in 0..n {
            push_seg(&mut s, &step(i));
        }
    } else {
        for i in 0..HEAD {
            push_seg(&mut s, &step(i));
        }
        s.push_str(&format!("[…{} levels…]", n - HEAD - TAIL));
        for i in n - TAIL..n {
            push_seg(&mut s, &step(i));
        }
    }
    s
}

/// The path of the container `stack[depth]`.
pub(crate) fn container_path(b: &[u8], stack: &[Frame], depth: usize) -> String {
    render_path(depth, |i| frame_seg(b, &stack[i]))
}

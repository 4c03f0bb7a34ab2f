//! Go's `typeFields`: which struct fields `encoding/json` sees, under which
//! names, in which order. Shared by the writer and the reader.
//!
//! Ported step by step from Go 1.19 (breadth-first walk over embedded
//! structs, `dominantField`, the `count > 1` duplication that makes two
//! same-depth embeddings of one type annihilate each other) because the
//! rules decide which keys a checkpoint file has and which input keys set
//! which field.

use std::collections::{HashMap, HashSet};

use crate::go::model::{Type, TypeKind, TypeRef};

/// One JSON-visible field of a struct type.
#[derive(Debug, Clone)]
pub struct FieldInfo {
    /// The JSON key.
    pub name: String,
    /// Field indices from the outer struct down through embedded structs.
    pub index: Vec<usize>,
    /// The field's declared type (`typeByIndex`).
    pub ty: TypeRef,
    /// The name came from a tag.
    pub tag: bool,
    pub omit_empty: bool,
    /// The `,string` option applies (scalar kinds only).
    pub quoted: bool,
    /// `"name":` with `<`, `>`, `&`, U+2028, U+2029 escaped.
    pub name_esc_html: Vec<u8>,
    /// `"name":` verbatim.
    pub name_non_esc: Vec<u8>,
}

/// All visible fields in index order plus an exact-name index.
#[derive(Debug, Clone, Default)]
pub struct StructFields {
    pub list: Vec<FieldInfo>,
    pub name_index: HashMap<String, usize>,
}

impl StructFields {
    /// `fields.nameIndex[string(key)]`: the field named exactly `key`.
    /// Names are unique after the dominance rules, so for the small structs
    /// of checkpoints a scan of the list finds the same field as the index,
    /// without hashing the key.
    pub fn exact(&self, key: &[u8]) -> Option<usize> {
        if self.list.len() <= 16 {
            return self.list.iter().position(|f| f.name.as_bytes() == key);
        }
        std::str::from_utf8(key)
            .ok()
            .and_then(|k| self.name_index.get(k).copied())
    }
}

/// `parseTag`: the name before the first comma and the options after it.
pub fn parse_tag(tag: &str) -> (&str, &str) {
    match tag.split_once(',') {
        Some((n, o)) => (n, o),
        None => (tag, ""),
    }
}

/// `tagOptions.Contains`.
pub fn tag_options_contain(opts: &str, name: &str) -> bool {
    !opts.is_empty() && opts.split(',').any(|o| o == name)
}

/// `isValidTag`: letters, digits (Go's `unicode.IsLetter`/`IsDigit`),
/// space and ``!#$%&()*+-./:;<=>?@[]^_{|}~``.
pub fn is_valid_tag(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    s.chars().all(|c| {
        "!#$%&()*+-./:;<=>?@[]^_{|}~ ".contains(c)
            || super::quote::is_letter(u32::from(c))
            || super::quote::is_digit(u32::from(c))
    })
}

fn is_scalar_kind(t: &Type) -> bool {
    matches!(
        t.kind,
        TypeKind::Bool
            | TypeKind::Int(_)
            | TypeKind::Uint(_)
            | TypeKind::Uintptr
            | TypeKind::Float32
            | TypeKind::Float64
            | TypeKind::String
    )
}

/// `HTMLEscape` of a field name inside `"...":`.
fn html_escaped_key(name: &str) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let src = name.as_bytes();
    let mut out = Vec::with_capacity(src.len() + 3);
    out.push(b'"');
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if c == b'<' || c == b'>' || c == b'&' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xF)]);
            i += 1;
            continue;
        }
        if c == 0xE2 && i + 2 < src.len() && src[i + 1] == 0x80 && src[i + 2] & !1 == 0xA8 {
            out.extend_from_slice(b"\\u202");
            out.push(HEX[usize::from(src[i + 2] & 0xF)]);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out.extend_from_slice(b"\":");
    out
}

/// Go's type identity, as the model defines it.
fn type_key(t: &Type) -> String {
    t.go_string()
}

struct Pending {
    index: Vec<usize>,
    ty: TypeRef,
}

/// `typeFields(t)` for a struct type (an empty list for anything else).
pub fn type_fields(t: &TypeRef) -> StructFields {
    let mut next: Vec<Pending> = vec![Pending {
        index: Vec::new(),
        ty: TypeRef::clone(t),
    }];
    let mut next_count: HashMap<String, usize> = HashMap::new();
    let mut visited: HashSet<String> = HashSet::new();
    let mut fields: Vec<FieldInfo> = Vec::new();

    while !next.is_empty() {
        let current = std::mem::take(&mut next);
        let count = std::mem::take(&mut next_count);
        for f in current {
            let fkey = type_key(&f.ty);
            if !visited.insert(fkey.clone()) {
                continue;
            }
            let TypeKind::Struct(sfs) = &f.ty.kind else {
                continue;
            };
            for (i, sf) in sfs.iter().enumerate() {
                if sf.embedded {
                    let mut et = &sf.ty;
                    if let TypeKind::Ptr(e) = &et.kind {
                        et = e;
                    }
                    if !sf.is_exported() && !matches!(et.kind, TypeKind::Struct(_)) {
                        continue;
                    }
                } else if !sf.is_exported() {
                    continue;
                }
                let tag = sf.tag_lookup("json").unwrap_or_default();
                if tag == "-" {
                    continue;
                }
                let (tname, opts) = parse_tag(&tag);
                let mut name = if is_valid_tag(tname) {
                    tname.to_string()
                } else {
                    String::new()
                };
                let mut index = f.index.clone();
                index.push(i);

                let mut ft = TypeRef::clone(&sf.ty);
                if !ft.is_named() {
                    if let TypeKind::Ptr(e) = &ft.kind {
                        ft = TypeRef::clone(e);
                    }
                }
                let quoted = tag_options_contain(opts, "string") && is_scalar_kind(&ft);

                if !name.is_empty() || !sf.embedded || !matches!(ft.kind, TypeKind::Struct(_)) {
                    let tagged = !name.is_empty();
                    if name.is_empty() {
                        name = sf.name.clone();
                    }
                    let mut non_esc = Vec::with_capacity(name.len() + 3);
                    non_esc.push(b'"');
                    non_esc.extend_from_slice(name.as_bytes());
                    non_esc.extend_from_slice(b"\":");
                    let info = FieldInfo {
                        name_esc_html: html_escaped_key(&name),
                        name_non_esc: non_esc,
                        name,
                        index,
                        ty: TypeRef::clone(&sf.ty),
                        tag: tagged,
                        omit_empty: tag_options_contain(opts, "omitempty"),
                        quoted,
                    };
                    let dup = count.get(&fkey).copied().unwrap_or(0) > 1;
                    if dup {
                        fields.push(info.clone());
                    }
                    fields.push(info);
                    continue;
                }
                let c = next_count.entry(type_key(&ft)).or_insert(0);
                *c += 1;
                if *c == 1 {
                    next.push(Pending { index, ty: ft });
                }
            }
        }
    }

    fields.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then(a.index.len().cmp(&b.index.len()))
            .then(b.tag.cmp(&a.tag))
            .then(a.index.cmp(&b.index))
    });

    let mut out: Vec<FieldInfo> = Vec::with_capacity(fields.len());
    let mut i = 0;
    while i < fields.len() {
        let name = &fields[i].name;
        let mut advance = 1;
        while i + advance < fields.len() && fields[i + advance].name == *name {
            advance += 1;
        }
        if advance == 1 {
            out.push(fields[i].clone());
        } else {
            // dominantField: the first wins unless the second ties it on
            // depth and taggedness.
            let a = &fields[i];
            let b = &fields[i + 1];
            if !(a.index.len() == b.index.len() && a.tag == b.tag) {
                out.push(a.clone());
            }
        }
        i += advance;
    }
    out.sort_by(|a, b| a.index.cmp(&b.index));

    let name_index = out
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.clone(), i))
        .collect();
    StructFields {
        list: out,
        name_index,
    }
}

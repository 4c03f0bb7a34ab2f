//! Finding a map entry by key while decoding, in O(1) without allocating
//! per key.
//!
//! A Go map is a `Vec<(key, value)>` in the model. Decoding an object into
//! it must replace the value of an existing key (duplicate or pre-filled);
//! a linear search per key would make a big `entries` object quadratic.
//! Small maps are scanned; from [`SCAN_LIMIT`] entries on, a hash table
//! from key hash to the newest entry with that hash, plus a per-entry chain
//! to older entries with the same hash, indexes the vector in place.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::go::model::Value;

/// Entries up to which a linear scan is cheaper than hashing.
const SCAN_LIMIT: usize = 8;
const NONE: usize = usize::MAX;

/// A borrowed map key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRef<'a> {
    Bytes(&'a [u8]),
    Int(i64),
    Uint(u64),
}

impl<'a> KeyRef<'a> {
    pub(crate) fn of(v: &'a Value) -> Option<KeyRef<'a>> {
        match v {
            Value::String(s) => Some(KeyRef::Bytes(s)),
            Value::Int(i) => Some(KeyRef::Int(*i)),
            Value::Uint(u) => Some(KeyRef::Uint(*u)),
            _ => None,
        }
    }

    /// FNV-1a 64 over a tag and the key bytes (keys come from the input,
    /// but a collision only costs a longer chain walk, never correctness).
    fn hash(self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: u8| {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        match self {
            KeyRef::Bytes(s) => {
                eat(0);
                s.iter().for_each(|&b| eat(b));
            }
            KeyRef::Int(i) => {
                eat(1);
                i.to_le_bytes().iter().for_each(|&b| eat(b));
            }
            KeyRef::Uint(u) => {
                eat(2);
                u.to_le_bytes().iter().for_each(|&b| eat(b));
            }
        }
        h
    }
}

/// Passes an already computed `u64` hash through.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Index over the keys of one map's entry vector.
#[derive(Default)]
pub(crate) struct KeyIndex {
    /// hash -> newest entry position with that hash.
    table: HashMap<u64, usize, BuildHasherDefault<Identity>>,
    /// entry position -> older entry position with the same hash.
    next: Vec<usize>,
    built: bool,
}

impl KeyIndex {
    fn add(&mut self, pos: usize, key: KeyRef<'_>) {
        let h = key.hash();
        let older = self.table.insert(h, pos).unwrap_or(NONE);
        if self.next.len() <= pos {
            self.next.resize(pos + 1, NONE);
        }
        self.next[pos] = older;
    }

    /// Position of the entry whose key equals `key`.
    pub(crate) fn find(&mut self, entries: &[(Value, Value)], key: KeyRef<'_>) -> Option<usize> {
        if !self.built {
            if entries.len() < SCAN_LIMIT {
                return entries.iter().position(|(k, _)| KeyRef::of(k) == Some(key));
            }
            for (i, (k, _)) in entries.iter().enumerate() {
                if let Some(kr) = KeyRef::of(k) {
                    self.add(i, kr);
                }
            }
            self.built = true;
        }
        let mut pos = self.table.get(&key.hash()).copied().unwrap_or(NONE);
        while pos != NONE {
            if entries.get(pos).and_then(|(k, _)| KeyRef::of(k)) == Some(key) {
                return Some(pos);
            }
            pos = self.next.get(pos).copied().unwrap_or(NONE);
        }
        None
    }

    /// Records that `entries[pos]` now holds `key` (call after pushing).
    pub(crate) fn pushed(&mut self, pos: usize, key: KeyRef<'_>) {
        if self.built {
            self.add(pos, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_across_the_scan_limit() {
        let mut entries: Vec<(Value, Value)> = Vec::new();
        let mut idx = KeyIndex::default();
        for round in 0..2 {
            for i in 0..50i64 {
                let k = Value::string(format!("k{}", i % 20));
                match idx.find(&entries, KeyRef::of(&k).unwrap()) {
                    Some(p) => entries[p].1 = Value::Int(i + round),
                    None => {
                        entries.push((k.clone(), Value::Int(i)));
                        idx.pushed(entries.len() - 1, KeyRef::of(&k).unwrap());
                    }
                }
            }
        }
        assert_eq!(entries.len(), 20);
        assert_eq!(entries[3].1, Value::Int(44));
        assert_eq!(idx.find(&entries, KeyRef::Bytes(b"k19")), Some(19));
        assert_eq!(idx.find(&entries, KeyRef::Bytes(b"zz")), None);
        assert_eq!(idx.find(&entries, KeyRef::Int(3)), None);
    }
}

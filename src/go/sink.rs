//! Byte sinks: where rendered text goes.
//!
//! The spew renderer and the JSON writer stream into a [`Sink`] so that the
//! verify path hashes text as it is produced (FNV-32a over go-spew's output
//! is the kubelet's checksum) instead of building the whole text first.

/// Something that consumes bytes. Infallible: hashers and `Vec`s cannot fail.
pub trait Sink {
    fn put(&mut self, bytes: &[u8]);

    fn put_str(&mut self, s: &str) {
        self.put(s.as_bytes());
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn put(&mut self, bytes: &[u8]) {
        (**self).put(bytes);
    }
}

/// Adapter so `write!` and [`std::fmt::Write`] users (type names, numbers)
/// can stream into a sink without an intermediate `String`.
pub struct FmtSink<'a, S: Sink + ?Sized>(pub &'a mut S);

impl<S: Sink + ?Sized> std::fmt::Write for FmtSink<'_, S> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.put(s.as_bytes());
        Ok(())
    }
}

/// Counts bytes (used to report text sizes without keeping the text).
#[derive(Debug, Default, Clone, Copy)]
pub struct CountSink(pub usize);

impl Sink for CountSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Feeds two sinks at once (e.g. a hasher and the text shown by `explain`).
pub struct Tee<A, B>(pub A, pub B);

impl<A: Sink, B: Sink> Sink for Tee<A, B> {
    fn put(&mut self, bytes: &[u8]) {
        self.0.put(bytes);
        self.1.put(bytes);
    }
}

/// Go's `strings.Replace(s, from, to, n)` applied to a byte stream: the
/// kubelet's rename tricks (`checkpointDataV1` -> `checkpointData` once,
/// `PodDevicesEntryV1` -> `PodDevicesEntry` everywhere) rewrite the spew
/// text *before* hashing, and a replace-all also hits user strings that
/// happen to contain the old name. Doing it on the stream keeps the verify
/// path free of a whole-text `String` while matching Go byte for byte.
///
/// Matching is leftmost and non-overlapping, as `strings.Replace` scans
/// (`strings.Index` from the end of the previous match): a KMP automaton
/// finds the leftmost occurrence first because every occurrence has the
/// same length, and the state resets after each replacement. Only a prefix
/// of `from` is ever pending, so nothing but the automaton state is held.
///
/// Call [`Replace::finish`] at the end to flush a pending partial match.
pub struct Replace<'p, S: Sink> {
    inner: S,
    from: &'p [u8],
    to: &'p [u8],
    /// Replacements still allowed; `None` = all (`n < 0` in Go).
    remaining: Option<usize>,
    /// Length of the prefix of `from` matched by the latest bytes (pending,
    /// not yet forwarded).
    state: usize,
    /// KMP failure table: `fail[i]` = length of the longest proper border of
    /// `from[..=i]`.
    fail: Vec<usize>,
}

impl<'p, S: Sink> Replace<'p, S> {
    /// `n`: `None` replaces every occurrence, `Some(k)` at most `k`.
    /// An empty `from` replaces nothing (Go would insert `to` between runes;
    /// no caller needs that).
    pub fn new(inner: S, from: &'p [u8], to: &'p [u8], n: Option<usize>) -> Self {
        let mut fail = vec![0usize; from.len()];
        let mut k = 0usize;
        for i in 1..from.len() {
            while k > 0 && from[i] != from[k] {
                k = fail[k - 1];
            }
            if from[i] == from[k] {
                k += 1;
            }
            fail[i] = k;
        }
        let remaining = if from.is_empty() { Some(0) } else { n };
        Replace {
            inner,
            from,
            to,
            remaining,
            state: 0,
            fail,
        }
    }

    /// Flushes a pending partial match and returns the inner sink.
    pub fn finish(mut self) -> S {
        let pending = self.state;
        self.inner.put(&self.from[..pending]);
        self.inner
    }

    fn push(&mut self, b: u8) {
        loop {
            // Invariant: state < from.len() (reset on a full match).
            if self.from[self.state] == b {
                self.state += 1;
                if self.state == self.from.len() {
                    self.inner.put(self.to);
                    self.state = 0;
                    if let Some(r) = self.remaining.as_mut() {
                        *r -= 1;
                    }
                }
                return;
            }
            if self.state == 0 {
                self.inner.put(&[b]);
                return;
            }
            // Drop the part of the pending prefix that can no longer start
            // a match; keep its longest border pending and retry `b`.
            let keep = self.fail[self.state - 1];
            self.inner.put(&self.from[..self.state - keep]);
            self.state = keep;
        }
    }
}

impl<S: Sink> Sink for Replace<'_, S> {
    fn put(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some((&b, tail)) = rest.split_first() {
            if self.remaining == Some(0) {
                // Done replacing: flush what is pending, then pass through.
                let pending = self.state;
                self.state = 0;
                self.inner.put(&self.from[..pending]);
                self.inner.put(rest);
                return;
            }
            self.push(b);
            rest = tail;
        }
    }
}

#[cfg(test)]
mod replace_tests {
    use super::*;

    /// Go's `strings.Replace`, spelled out with `str::find` (leftmost,
    /// non-overlapping), as the reference for the streaming adapter.
    fn go_replace(s: &[u8], from: &[u8], to: &[u8], n: Option<usize>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut done = 0;
        while n.map_or(true, |n| done < n) {
            let Some(p) = s[i..].windows(from.len()).position(|w| w == from) else {
                break;
            };
            out.extend_from_slice(&s[i..i + p]);
            out.extend_from_slice(to);
            i += p + from.len();
            done += 1;
        }
        out.extend_from_slice(&s[i..]);
        out
    }

    fn stream(s: &[u8], from: &[u8], to: &[u8], n: Option<usize>, chunk: usize) -> Vec<u8> {
        let mut r = Replace::new(Vec::new(), from, to, n);
        for c in s.chunks(chunk.max(1)) {
            r.put(c);
        }
        r.finish()
    }

    #[test]
    fn matches_go_replace_on_tricky_inputs() {
        let cases: &[(&str, &str, &str, Option<usize>)] = &[
            ("aaaa", "aa", "b", None),
            ("aaa", "aa", "b", None),
            ("abababc", "ababc", "X", None),
            (
                "PodDevicesEntryV1 PodDevicesEntryPodDevicesEntryV1V1",
                "PodDevicesEntryV1",
                "PodDevicesEntry",
                None,
            ),
            (
                "(checkpoint.checkpointDataV1){x:checkpointDataV1}",
                "checkpointDataV1",
                "checkpointData",
                Some(1),
            ),
            (
                "xxPodDevicesEntryV",
                "PodDevicesEntryV1",
                "PodDevicesEntry",
                None,
            ),
            ("", "ab", "c", None),
            ("abcabd", "abd", "", Some(1)),
        ];
        for &(s, from, to, n) in cases {
            let want = go_replace(s.as_bytes(), from.as_bytes(), to.as_bytes(), n);
            for chunk in 1..=4 {
                assert_eq!(
                    stream(s.as_bytes(), from.as_bytes(), to.as_bytes(), n, chunk),
                    want,
                    "{s:?} {from:?} {n:?} chunk {chunk}"
                );
            }
        }
        // Hand-derived: Go gives "bb" for Replace("aaaa","aa","b",-1).
        assert_eq!(stream(b"aaaa", b"aa", b"b", None, 1), b"bb");
    }
}

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

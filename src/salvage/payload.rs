//! A JSON document inside a string member, cut short.
//!
//! Several checkpoints wrap their payload as a JSON *string* inside a small
//! envelope (`{"data":"{\"entries\":…}","checksum":…}`). An interrupted
//! write cuts the envelope inside that string, and [`super::recover`] can
//! only drop the string whole: every entry is lost. [`recover_payload`]
//! instead unquotes the readable prefix of the string, salvages it as JSON
//! of its own (keeping every complete entry) and quotes it again, so that
//! the caller can re-wrap it (with a checksum this module knows nothing of).

use super::scan::{scan, Outcome, Pending, Scalar};
use super::text::preview;
use super::{
    diag, recover_with, Code, Dropped, DroppedKind, Edit, EditKind, Layout, Recovery,
    Unrecoverable, BOM, PREVIEW,
};
use crate::go::json::{unquote_bytes, write_string};

/// The result of [`recover_payload`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadRecovery {
    /// The member's key, unescaped (`data`, `Data`, …): the caller decides
    /// whether it is the payload member of its format.
    pub key: String,
    /// How many members the envelope had before the payload (the kinds
    /// that keep their state only in the payload write it first; the ones
    /// that also keep it in plain members write those first).
    pub members_before: usize,
    /// The envelope: its members before the payload as they were, the
    /// payload's salvage quoted again as the member's value, the object
    /// closed. Its `edits` map the input to its `text`; its `dropped` list
    /// what was lost inside the payload (paths `$.data.…`; their offset is
    /// where the text ended, since payload offsets are not input offsets)
    /// and the members the envelope had not written yet.
    pub envelope: Recovery,
    /// The payload's own salvage: `text` is the salvaged document; offsets
    /// are into the unquoted payload.
    pub payload: Recovery,
}

/// When the text ends inside the string value of a top-level member (and
/// only then: `None` otherwise), salvages the JSON document that string
/// holds: the readable prefix of the string is unquoted (an escape or a
/// UTF-8 sequence cut short is left out; a `\u` surrogate without its other
/// half is read as U+FFFD, as Go reads it), recovered by [`recover_with`]
/// with `records`, and quoted again.
///
/// `Some(Err)` when the prefix holds nothing that can be kept (it is empty,
/// or not the start of an object or array).
pub fn recover_payload(
    input: &[u8],
    records: &[&str],
) -> Option<Result<PayloadRecovery, Unrecoverable>> {
    let b = input;
    let lay = Layout::of(b);
    let first = lay.first?;
    if b[first] != b'{' {
        return None;
    }
    let Outcome::Truncated {
        stack,
        pending: Pending::Value(Scalar::String),
    } = scan(b, first, lay.end)
    else {
        return None;
    };
    let [frame] = stack.as_slice() else {
        return None;
    };
    let kr = frame.key.clone()?;
    let key = String::from_utf8_lossy(&unquote(&b[kr.clone()])).into_owned();
    // The value's opening quote: after the key's closing quote, the colon
    // and whitespace (the scanner accepted them).
    let q = kr.end + 1 + b[kr.end + 1..lay.end].iter().position(|&c| c == b'"')?;
    let raw = unquote(&b[q + 1..lay.end]);
    let name = if !key.is_empty() && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        format!("$.{key}")
    } else {
        format!("$[{key:?}]")
    };
    let payload = match recover_with(&raw, records) {
        Ok(r) => r,
        Err(e) => {
            let d = diag(
                b,
                Code::Truncated,
                lay.end,
                0,
                format!(
                    "the text ends inside the payload string {name}, and nothing in its readable part ({} bytes unquoted) can be kept: {}",
                    raw.len(),
                    e.diagnosis.message
                ),
            );
            return Some(Err(Unrecoverable {
                diagnosis: Box::new(d),
            }));
        }
    };
    let quoted = quote(&payload.text);
    let mut edits = Vec::new();
    if lay.bom {
        edits.push(Edit {
            kind: EditKind::Bom,
            range: 0..3,
            removed: preview(BOM, PREVIEW),
            inserted: String::new(),
            reason: "a UTF-8 byte order mark, which Go's encoding/json rejects".to_string(),
        });
    }
    let inserted = format!("{quoted}}}");
    edits.push(Edit {
        kind: EditKind::Payload,
        range: q..lay.end,
        removed: preview(&b[q..lay.end], PREVIEW),
        inserted: inserted.clone(),
        reason: format!(
            "the payload string {name} was cut short: its readable part unquoted, salvaged as JSON ({} change(s): {}), quoted again, and the envelope closed",
            payload.edits.len(),
            payload
                .edits
                .iter()
                .map(|e| e.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    });
    if lay.end < b.len() {
        edits.push(Edit {
            kind: EditKind::NulBytes,
            range: lay.end..b.len(),
            removed: preview(&b[lay.end..], PREVIEW),
            inserted: String::new(),
            reason: super::nul_reason(b, lay.end),
        });
    }
    let mut dropped: Vec<Dropped> = payload
        .dropped
        .iter()
        .map(|d| Dropped {
            kind: d.kind,
            path: format!("{name}{}", &d.path[1..]),
            offset: lay.end,
            message: format!("in the payload {name}: {}", d.message),
        })
        .collect();
    dropped.push(Dropped {
        kind: DroppedKind::RestOfContainer,
        path: "$".to_string(),
        offset: lay.end,
        message: format!(
            "the envelope was closed after {name}: the members its writer had not written yet (the checksum) are lost"
        ),
    });
    let mut text = b[lay.start..q].to_vec();
    text.extend_from_slice(inserted.as_bytes());
    Some(Ok(PayloadRecovery {
        key,
        members_before: frame.count,
        envelope: Recovery {
            text,
            edits,
            dropped,
        },
        payload,
    }))
}

/// The bytes a JSON string's content stands for, as Go's decoder stores
/// them ([`unquote_bytes`]: one U+FFFD per lone surrogate escape and per
/// invalid UTF-8 byte), read up to where the last complete character ends:
/// an escape cut short (`\`, `\u00`, a high surrogate whose low half was
/// cut) or a multi-byte character cut by the end is left out.
fn unquote(s: &[u8]) -> Vec<u8> {
    let end = complete_prefix(s);
    let mut lit = Vec::with_capacity(end + 2);
    lit.push(b'"');
    lit.extend_from_slice(&s[..end]);
    lit.push(b'"');
    // The scanner let only well-formed string content through, so the
    // complete prefix is a well-formed literal.
    unquote_bytes(&lit).map_or_else(Vec::new, |c| c.into_owned())
}

/// Where the complete characters of a string's content cut by the end of
/// the text end (see [`unquote`]).
fn complete_prefix(s: &[u8]) -> usize {
    let hex4 = |i: usize| -> Option<u32> {
        let h = s.get(i..i + 4)?;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(&e) = s.get(i + 1) else { return i };
        if e != b'u' {
            i += 2;
            continue;
        }
        // `\uXXXX` (the scanner refused any other escape).
        let Some(u) = hex4(i + 2) else { return i };
        if (0xD800..0xDC00).contains(&u) {
            // A high surrogate: its low half, if cut short, takes it along.
            let rest = &s[i + 6..];
            let cut_short = rest.len() < 6
                && rest.iter().enumerate().all(|(k, &c)| match k {
                    0 => c == b'\\',
                    1 => c == b'u',
                    _ => c.is_ascii_hexdigit(),
                });
            if cut_short {
                return i;
            }
        }
        i += 6;
    }
    // A multi-byte character cut by the end: from its lead byte on.
    let lead = (s.len().saturating_sub(3)..s.len())
        .rev()
        .find(|&j| s[j] & 0xC0 != 0x80);
    match lead.map(|j| (j, std::str::from_utf8(&s[j..]))) {
        Some((j, Err(e))) if e.error_len().is_none() && e.valid_up_to() == 0 => j,
        _ => s.len(),
    }
}

/// `s` as a JSON string literal, as Go's `json.Marshal` writes it (the
/// kubelet writes the data string so).
fn quote(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    // Go's escaping writes invalid UTF-8 as `\ufffd`: the output is UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-derived: the envelope cut inside the second entry of its
    /// payload keeps the first entry whole.
    #[test]
    fn payload_cut_inside_an_entry_keeps_the_complete_ones() {
        let input = br#"{"data":"{\"entries\":{\"a\":{\"x\":\"1\"},\"b\":{\"y\":\"2"#;
        let r = recover_payload(input, &["entries.*"]).unwrap().unwrap();
        assert_eq!(r.key, "data");
        assert_eq!(r.members_before, 0);
        assert_eq!(r.payload.text, br#"{"entries":{"a":{"x":"1"}}}"#);
        assert_eq!(
            String::from_utf8(r.envelope.text).unwrap(),
            r#"{"data":"{\"entries\":{\"a\":{\"x\":\"1\"}}}"}"#
        );
        let paths: Vec<(&str, DroppedKind)> = r
            .envelope
            .dropped
            .iter()
            .map(|d| (d.path.as_str(), d.kind))
            .collect();
        assert_eq!(paths[0], ("$.data.entries.b", DroppedKind::TornRecord));
        assert_eq!(paths.last().unwrap(), &("$", DroppedKind::RestOfContainer));
        // Without the record rule, the torn entry would be closed early.
        let r = recover_payload(input, &[]).unwrap().unwrap();
        assert_eq!(r.payload.text, br#"{"entries":{"a":{"x":"1"},"b":{}}}"#);
    }

    #[test]
    fn escapes_cut_short_are_left_out() {
        assert_eq!(unquote(br#"ab\"#), b"ab");
        assert_eq!(unquote(br#"ab\u00"#), b"ab");
        assert_eq!(unquote(br#"a\u00e9b"#), "a\u{e9}b".as_bytes());
        // A high surrogate cut before its low half: left out.
        assert_eq!(unquote(br#"x\ud83d"#), b"x");
        assert_eq!(unquote(br#"x\ud83d\"#), b"x");
        assert_eq!(unquote(br#"x\ud83d\ude0"#), b"x");
        assert_eq!(unquote(br#"x\ud83d\ude00"#), "x\u{1F600}".as_bytes());
        // A lone surrogate followed by something else: U+FFFD, as Go.
        assert_eq!(unquote(br#"\ud83dz"#), "\u{FFFD}z".as_bytes());
        assert_eq!(unquote(br#"\ude00z"#), "\u{FFFD}z".as_bytes());
        assert_eq!(unquote(br#"\n\t\/\\"#), b"\n\t/\\");
        // Invalid UTF-8: one U+FFFD per byte, as Go's `unquoteBytes`; a
        // character cut by the end is left out.
        assert_eq!(unquote(b"a\xff\xfeb"), "a\u{FFFD}\u{FFFD}b".as_bytes());
        assert_eq!(unquote(b"a\xe2\x82"), b"a");
        assert_eq!(unquote(b"a\xe2\x82\xac"), "a\u{20AC}".as_bytes());
        assert_eq!(unquote(b"\xe2\x82\xacx\xf0"), "\u{20AC}x".as_bytes());
    }

    /// Go's `json.Marshal` of a string: HTML-safe escapes, `\ufffd` per
    /// invalid byte (hand-derived from Go's `encodeState.string`).
    #[test]
    fn quote_is_gos() {
        assert_eq!(quote(b"<a&b>"), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(quote(b"x\xff\xfey"), r#""x\ufffd\ufffdy""#);
        assert_eq!(quote("\u{2028}\"\n".as_bytes()), r#""\u2028\"\n""#);
    }

    #[test]
    fn only_a_string_value_of_a_top_level_member() {
        assert!(recover_payload(br#"{"data":{"a":"x"#, &[]).is_none());
        assert!(recover_payload(br#"{"data":"{}","checksum":1"#, &[]).is_none());
        assert!(recover_payload(br#"["{\"a\":1"#, &[]).is_none());
        // Nothing readable in the string: refused.
        assert!(recover_payload(br#"{"data":""#, &[]).unwrap().is_err());
        assert!(recover_payload(br#"{"data":"nul"#, &[]).unwrap().is_err());
        // A multi-byte character cut by the end is left out.
        let r = recover_payload(
            "{\"data\":\"{\\\"é\\\":1,\\\"x\\\":\\\"\u{e9}".as_bytes(),
            &[],
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.payload.text, "{\"é\":1}".as_bytes());
        let mut cut = "{\"data\":\"{\\\"a\\\":1,\\\"é".as_bytes().to_vec();
        cut.pop();
        let r = recover_payload(&cut, &[]).unwrap().unwrap();
        assert_eq!(r.payload.text, br#"{"a":1}"#);
    }
}

//! Hand-derived examples: every expected text, offset and path below was
//! worked out by hand from the input shown (offsets counted on the literal).

use super::*;

fn rec(input: &[u8]) -> Recovery {
    match recover(input) {
        Ok(r) => r,
        Err(e) => panic!("{:?}: {e}", String::from_utf8_lossy(input)),
    }
}

fn text(input: &[u8]) -> String {
    String::from_utf8(rec(input).text).unwrap()
}

fn codes(input: &[u8]) -> Vec<&'static str> {
    diagnose(input).iter().map(|d| d.code.as_str()).collect()
}

fn err_code(input: &[u8]) -> Code {
    recover(input).expect_err("must be refused").diagnosis.code
}

#[test]
fn salvage_nested_partial_objects_keep_complete_members() {
    let input = br#"{"entries":{"a":{"c1":"0-1","c2":"2"#;
    let r = rec(input);
    assert_eq!(r.text, br#"{"entries":{"a":{"c1":"0-1"}}}"#);
    // `{"entries":{"a":{"c1":"0-1"` is 27 bytes; the input is 35.
    assert_eq!(r.edits.len(), 2);
    assert_eq!(r.edits[0].kind, EditKind::CloseContainers);
    assert_eq!(r.edits[0].range, 27..27);
    assert_eq!(r.edits[0].inserted, "}}}");
    assert_eq!(r.edits[1].kind, EditKind::PartialMember);
    assert_eq!(r.edits[1].range, 27..35);
    assert_eq!(r.edits[1].removed, r#","c2":"2"#);
    assert_eq!(r.dropped[0].kind, DroppedKind::PartialString);
    assert_eq!(r.dropped[0].path, "$.entries.a.c2");
    assert_eq!(r.dropped[0].offset, 28);
    let rest: Vec<&str> = r.dropped[1..].iter().map(|d| d.path.as_str()).collect();
    assert_eq!(rest, ["$", "$.entries", "$.entries.a"]);
}

#[test]
fn salvage_numbers_at_the_end_are_dropped_never_shortened() {
    assert_eq!(text(br#"{"a":1,"b":123"#), r#"{"a":1}"#);
    let r = rec(br#"{"a":1,"b":123"#);
    assert_eq!(r.dropped[0].kind, DroppedKind::PartialNumber);
    assert_eq!(r.dropped[0].path, "$.b");
    assert_eq!(text(b"[1,2,3"), "[1,2]");
    assert_eq!(text(b"[1,2,-"), "[1,2]");
    assert_eq!(text(b"[1,2,3.5e"), "[1,2]");
    assert_eq!(rec(b"[1,2,3").dropped[0].path, "$[2]");
    // A delimiter after the number proves it complete.
    assert_eq!(text(br#"{"a":123 "#), r#"{"a":123 }"#);
    assert_eq!(text(br#"{"a":123,"#), r#"{"a":123}"#);
    assert_eq!(text(b"[1,2,3]"), "[1,2,3]");
}

#[test]
fn salvage_partial_members_and_dangling_commas() {
    assert_eq!(text(b"{"), "{}");
    assert_eq!(text(b"["), "[]");
    assert_eq!(text(b"{ \n"), "{ \n}");
    let r = rec(br#"{"a":1,"#);
    assert_eq!(r.text, br#"{"a":1}"#);
    assert_eq!(r.edits[1].kind, EditKind::DanglingComma);
    assert_eq!(r.edits[1].range, 6..7);
    assert_eq!(r.dropped.len(), 1, "only the rest of $");
    let r = rec(br#"{"a":1,"pod-u"#);
    assert_eq!(r.text, br#"{"a":1}"#);
    assert_eq!(r.dropped[0].kind, DroppedKind::PartialKey);
    assert_eq!(r.dropped[0].path, r#"$["pod-u…"]"#);
    for input in [&br#"{"a":1,"b""#[..], br#"{"a":1,"b" "#, br#"{"a":1,"b":"#] {
        let r = rec(input);
        assert_eq!(r.text, br#"{"a":1}"#);
        assert_eq!(r.dropped[0].kind, DroppedKind::KeyWithoutValue);
        assert_eq!(r.dropped[0].path, "$.b");
    }
    assert_eq!(text(br#"{"a":tr"#), "{}");
    assert_eq!(
        rec(br#"{"a":tr"#).dropped[0].kind,
        DroppedKind::PartialLiteral
    );
    assert_eq!(text(br#"{"a":true"#), r#"{"a":true}"#);
    assert_eq!(
        text(br#"{"a":null,"b":[true,fals"#),
        r#"{"a":null,"b":[true]}"#
    );
    assert_eq!(text(br#"{"a":{"b"#), r#"{"a":{}}"#);
    assert_eq!(text(br#"[{"a":1},{"b":[1,{"#), r#"[{"a":1},{"b":[1,{}]}]"#);
    // Escapes cut short are part of a partial string.
    assert_eq!(text(br#"{"a":"x\"#), "{}");
    assert_eq!(text(br#"{"a":"x\u00"#), "{}");
    assert_eq!(text(br#"{"a":"x\"y","#), r#"{"a":"x\"y"}"#);
}

#[test]
fn salvage_bom_nul_and_trailing_data_are_cut() {
    let r = rec(b"\xEF\xBB\xBF{\"a\":1}");
    assert_eq!(r.text, br#"{"a":1}"#);
    assert_eq!(r.edits.len(), 1);
    assert_eq!(
        (r.edits[0].kind, r.edits[0].range.clone()),
        (EditKind::Bom, 0..3)
    );

    let r = rec(b"{\"a\":1}\n{\"a\":1}\n");
    assert_eq!(r.text, b"{\"a\":1}\n");
    assert_eq!(r.edits[0].kind, EditKind::TrailingData);
    assert_eq!(r.edits[0].range, 8..16);

    let r = rec(b"{\"a\":1}\0\0\0");
    assert_eq!(r.text, br#"{"a":1}"#);
    assert_eq!(
        (r.edits[0].kind, r.edits[0].range.clone()),
        (EditKind::NulBytes, 7..10)
    );

    // A number just before the NUL run may be cut short.
    let r = rec(b"{\"a\":1,\"b\":2\0\0x");
    assert_eq!(r.text, br#"{"a":1}"#);
    let kinds: Vec<EditKind> = r.edits.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EditKind::CloseContainers,
            EditKind::PartialMember,
            EditKind::NulBytes
        ]
    );
    assert_eq!(r.edits[2].range, 12..15);

    // kubernetes issue 135711: a stray quote after the value.
    assert_eq!(
        text(b"{\"checksum\":670531192}\""),
        r#"{"checksum":670531192}"#
    );
}

#[test]
fn salvage_undamaged_documents_come_back_unchanged() {
    for input in [
        &b"{}"[..],
        b" [ ] \n",
        b"{\n  \"a\": [1, 2.5e-3, true, null, \"\\u00e9\\n\"],\n  \"b\": {}\n}\n",
    ] {
        let r = rec(input);
        assert_eq!(r.text, input);
        assert!(r.edits.is_empty() && r.dropped.is_empty());
        assert!(diagnose(input).is_empty());
    }
}

#[test]
fn salvage_refuses_what_it_cannot_recover() {
    assert_eq!(err_code(b""), Code::Empty);
    assert_eq!(err_code(b" \n\t"), Code::Empty);
    assert_eq!(err_code(b"\xEF\xBB\xBF"), Code::Empty);
    assert_eq!(err_code(b"\0\0\0\0"), Code::NulBytes);
    assert_eq!(err_code(b"\"x\""), Code::Syntax);
    assert_eq!(err_code(b"123"), Code::Syntax);
    assert_eq!(err_code(br#"{"a":1x}"#), Code::Syntax);
    assert_eq!(err_code(br#"{"a":01}"#), Code::Syntax);
    assert_eq!(err_code(br#"{"a":1,}"#), Code::Syntax);
    assert_eq!(err_code(br#"{"a":"\q"}"#), Code::Syntax);
    assert_eq!(err_code(b"{\"a\":\"x\ny\"}"), Code::Syntax);
    let e = recover(b"{\"a\xffb\":1}").unwrap_err();
    assert_eq!(
        (e.diagnosis.code, e.diagnosis.offset),
        (Code::InvalidUtf8, 3)
    );
    // Invalid UTF-8 only in what is cut anyway does not matter.
    assert_eq!(text(b"{\"a\":1}\xff"), r#"{"a":1}"#);
    assert_eq!(text(b"{\"a\":1,\"b\xff"), r#"{"a":1}"#);
    // A multi-byte character cut by the end is truncation, not bad UTF-8.
    assert_eq!(
        text("{\"a\":1,\"é\":\"é".as_bytes()[..15].as_ref()),
        r#"{"a":1}"#
    );
}

#[test]
fn salvage_diagnoses() {
    assert_eq!(codes(b""), ["empty"]);
    assert_eq!(codes(b"  \n"), ["empty"]);
    assert_eq!(codes(b"{}"), Vec::<&str>::new());
    // At the top level the end of the text does end a number (Go reads `0`).
    assert_eq!(codes(b"0"), Vec::<&str>::new());
    assert_eq!(codes(b" 12.5e3 "), Vec::<&str>::new());
    assert_eq!(codes(b"-"), ["truncated"]);
    assert_eq!(codes(b"1."), ["truncated"]);
    assert_eq!(codes(b"\xEF\xBB\xBF{}"), ["utf8-bom"]);
    assert_eq!(codes(b"\xEF\xBB\xBF"), ["utf8-bom", "empty"]);

    let d = diagnose(b"\0\0\0");
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].code, d[0].offset, d[0].len), (Code::NulBytes, 0, 3));
    assert!(d[0].message.contains("whole file"), "{}", d[0].message);

    let d = diagnose(b"{\"a\":1,\0\0\0\0");
    assert_eq!(codes(b"{\"a\":1,\0\0\0\0"), ["nul-bytes", "truncated"]);
    assert_eq!((d[0].offset, d[0].len, d[1].offset), (7, 4, 7));

    let d = diagnose(br#"{"entries":{"pod-uid":"#);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::Truncated);
    assert_eq!(d[0].offset, 22);
    assert_eq!(d[0].path.as_deref(), Some(r#"$.entries["pod-uid"]"#));
    let open: Vec<(char, usize, &str)> = d[0]
        .open
        .iter()
        .map(|o| (o.bracket, o.offset, o.path.as_str()))
        .collect();
    assert_eq!(open, [('{', 0, "$"), ('{', 11, "$.entries")]);

    let d = diagnose(b"{\"checksum\":670531192}\"");
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].code, d[0].offset, d[0].len),
        (Code::TrailingData, 22, 1)
    );
    assert!(d[0].message.contains("stray"), "{}", d[0].message);

    let d = diagnose(b"{\"a\":1}{\"a\":1}");
    assert_eq!((d[0].code, d[0].offset), (Code::TrailingData, 7));
    assert!(d[0].message.contains("second copy"), "{}", d[0].message);

    // Line and column (bytes, 1-based): 'x' is on line 3, after "  \"b\" ".
    let d = diagnose(b"{\n  \"a\": 1,\n  \"b\" x");
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].code, d[0].offset), (Code::Syntax, 18));
    assert_eq!((d[0].line, d[0].column), (3, 7));
    assert!(d[0].message.contains("':'"), "{}", d[0].message);
    assert_eq!(d[0].path.as_deref(), Some("$.b"));
    let d = diagnose(br#"{"entries":{"pod-1":{"c":1x}}}"#);
    assert_eq!((d[0].code, d[0].offset), (Code::Syntax, 26));
    assert_eq!(d[0].path.as_deref(), Some(r#"$.entries["pod-1"]"#));
    let d = diagnose(b"[1,2,{]");
    assert_eq!((d[0].code, d[0].offset), (Code::Syntax, 6));
    assert_eq!(d[0].path.as_deref(), Some("$[2]"));

    let d = diagnose(b"{\"a\xffb\":1}");
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].code, d[0].offset, d[0].len),
        (Code::InvalidUtf8, 3, 1)
    );
    // Outside strings, the bad byte is reported once, as invalid UTF-8.
    assert_eq!(codes(b"{\xff}"), ["invalid-utf8"]);
}

#[test]
fn salvage_deep_nesting_uses_no_recursion() {
    let n = 100_000;
    let mut input = vec![b'['; n];
    input.extend_from_slice(b"1,");
    let r = rec(&input);
    let mut want = vec![b'['; n];
    want.extend_from_slice(b"1");
    want.extend(std::iter::repeat(b']').take(n));
    assert_eq!(r.text, want);
    assert_eq!(r.dropped.len(), MAX_LISTED + 1);
    let d = diagnose(&input);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].open.len(), MAX_LISTED);
    let path = d[0].path.as_deref().unwrap();
    // 99,999 steps into the innermost array: 16 + 32 shown.
    assert!(path.contains("[…99951 levels…]"), "{path}");
    assert!(path.len() < 300);

    let mut objs = b"{\"k\":".repeat(n);
    objs.push(b'1');
    objs.extend(std::iter::repeat(b'}').take(n - 1));
    assert_eq!(codes(&objs), ["truncated"]);
}

#[test]
fn salvage_torn_records_are_dropped_whole() {
    // A memory checkpoint's block list is one record: cut inside its
    // second block, the container's whole list goes, the pod map stays.
    let input = br#"{"entries":{"p":{"a":[{"s":1}],"c":[{"s":1},{"s":"#;
    let r = recover_with(input, &["entries.*.*"]).unwrap();
    assert_eq!(r.text, br#"{"entries":{"p":{"a":[{"s":1}]}}}"#);
    assert_eq!(r.dropped[0].kind, DroppedKind::TornRecord);
    assert_eq!(r.dropped[0].path, "$.entries.p.c");
    // `{"entries":{"p":{"a":[{"s":1}]` is 30 bytes: the cut; the torn
    // member's key starts after the comma, at 31.
    assert_eq!(r.edits[0].range, 30..30);
    assert_eq!(r.dropped[0].offset, 31);
    // The outermost record wins; keys match case-insensitively.
    let r = recover_with(input, &["ENTRIES.*", "entries.*.*"]).unwrap();
    assert_eq!(r.text, br#"{"entries":{}}"#);
    assert_eq!(r.dropped[0].path, "$.entries.p");
    // A record closed before the cut is kept; without records, the old
    // behaviour (closed early).
    let r = recover_with(br#"{"entries":{"p":{"a":[1]},"q":{"#, &["entries.*"]).unwrap();
    assert_eq!(r.text, br#"{"entries":{"p":{"a":[1]}}}"#);
    assert_eq!(
        text(input),
        r#"{"entries":{"p":{"a":[{"s":1}],"c":[{"s":1},{}]}}}"#
    );
    // Array indexes match `*` and numbers.
    let r = recover_with(br#"{"l":[{"x":1},{"x":"#, &["l.1"]).unwrap();
    assert_eq!(r.text, br#"{"l":[{"x":1}]}"#);
}

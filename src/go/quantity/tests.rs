//! Expectations from the spec's worked examples (§4.4) and hand derivation
//! from apimachinery's rules; none are copied from this code's output.

use super::*;

/// Compact description: `i{V,S}` or `d{-?[words],K}` or `d{nil,K}`, then s and Format.
fn describe(q: &Quantity) -> String {
    let form = match &q.d.dec {
        None => format!("i{{{},{}}}", q.i.value, q.i.scale.0),
        Some(d) => {
            let words = match &d.unscaled.abs.0 {
                None => "nil".to_string(),
                Some(w) => format!(
                    "[{}]",
                    w.iter()
                        .map(|x| x.0.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            let sign = if d.unscaled.neg { "-" } else { "" };
            format!("d{{{sign}{words},{}}}", d.scale.0)
        }
    };
    format!("{form} s={:?} {}", q.s, q.format.0)
}

fn check(input: &str, desc: &str, json: &str) {
    let q = parse_quantity(input.as_bytes()).unwrap_or_else(|e| panic!("{input}: {e}"));
    assert_eq!(describe(&q), desc, "internals of {input}");
    assert_eq!(
        String::from_utf8(q.marshal_json()).unwrap(),
        json,
        "JSON of {input}"
    );
}

#[test]
fn spec_worked_examples() {
    check("100m", r#"i{100,-3} s="100m" DecimalSI"#, r#""100m""#);
    check(
        "1.5Gi",
        r#"d{[1610612736000000000],9} s="" BinarySI"#,
        r#""1536Mi""#,
    );
    check("1e3", r#"i{1,3} s="1e3" DecimalExponent"#, r#""1e3""#);
    check("1E3", r#"i{1,3} s="1E3" DecimalExponent"#, r#""1E3""#);
    check("0", r#"i{0,0} s="0" DecimalSI"#, r#""0""#);
    for z in ["-0", "00", "-", "+"] {
        check(z, r#"i{0,0} s="" DecimalSI"#, r#""0""#);
    }
    check(
        "123456789012345678901234",
        r#"d{[8982045596309844992 6692605942763],9} s="" DecimalSI"#,
        r#""123456789012345678901234""#,
    );
    check(
        "9223372036854775808",
        r#"d{[0 500000000],9} s="" DecimalSI"#,
        r#""9223372036854775808""#,
    );
    check("1000m", r#"i{1000,-3} s="" DecimalSI"#, r#""1""#);
    check("1000", r#"i{1000,0} s="" DecimalSI"#, r#""1k""#);
    check("1.500", r#"i{1500,-3} s="1.500" DecimalSI"#, r#""1.500""#);
    for v in ["+1", "01", "1."] {
        check(
            v,
            &format!("i{{1,0}} s={v:?} DecimalSI"),
            &format!("\"{v}\""),
        );
    }
    check(".5", r#"i{5,-1} s="" DecimalSI"#, r#""500m""#);
    check("0.0000000000", r#"d{nil,10} s="" DecimalSI"#, r#""0""#);
    check("1000E", r#"i{1000,18} s="" DecimalSI"#, r#""1""#);
    check("1Ki", r#"i{1024,0} s="1Ki" BinarySI"#, r#""1Ki""#);
    check("1024Ki", r#"i{1048576,0} s="" BinarySI"#, r#""1Mi""#);
    check("16Mi", r#"i{16777216,0} s="" BinarySI"#, r#""16Mi""#);
    check("64Mi", r#"i{67108864,0} s="" BinarySI"#, r#""64Mi""#);
    check(
        "1.1Ki",
        r#"d{[1126400000000],9} s="" BinarySI"#,
        r#""1126400m""#,
    );
    check("0.5Ki", r#"d{[512000000000],9} s="" BinarySI"#, r#""512""#);
    check(
        "8Ei",
        r#"d{[9223372036854775807],0} s="" BinarySI"#,
        r#""9223372036854775807""#,
    );
    check(
        "-1.5Gi",
        r#"d{-[1610612736000000000],9} s="" BinarySI"#,
        r#""-1536Mi""#,
    );
    check("1e-10", r#"d{[1],9} s="" DecimalExponent"#, r#""1e-9""#);
    check("0.1n", r#"d{[1],9} s="" DecimalSI"#, r#""1n""#);
    check("2e400", r#"i{2,400} s="" DecimalExponent"#, r#""20e399""#);
    check(
        "1e4294967296",
        r#"i{1,0} s="1e4294967296" DecimalExponent"#,
        r#""1e4294967296""#,
    );
}

#[test]
fn json_tokens() {
    let mut q = Quantity::default();
    q.unmarshal_json(b"1.5").unwrap();
    assert_eq!(describe(&q), r#"i{15,-1} s="" DecimalSI"#);
    assert_eq!(q.marshal_json(), br#""1500m""#);

    // null resets the amounts but keeps s and Format.
    let mut q = parse_quantity(b"100m").unwrap();
    q.unmarshal_json(b"null").unwrap();
    assert_eq!(describe(&q), r#"i{0,0} s="100m" DecimalSI"#);
    let mut z = Quantity::default();
    z.unmarshal_json(b"null").unwrap();
    assert_eq!(describe(&z), r#"i{0,0} s="" "#);
    assert_eq!(z.marshal_json(), br#""0""#);

    // Quotes are stripped without unescaping.
    assert_eq!(
        Quantity::default().unmarshal_json(br#""\u0031""#),
        Err(QuantityError::FormatWrong)
    );
    // Unicode white space (NBSP, U+2028) is trimmed; the cached text is the trimmed one.
    let mut q = Quantity::default();
    q.unmarshal_json("\"\u{a0} 100m\u{2028}\"".as_bytes())
        .unwrap();
    assert_eq!(describe(&q), r#"i{100,-3} s="100m" DecimalSI"#);
    assert_eq!(
        Quantity::default().unmarshal_json(b"true"),
        Err(QuantityError::FormatWrong)
    );
}

#[test]
fn errors() {
    for bad in ["", "abc", "1.2.3", "1e3m", "1 "] {
        assert_eq!(
            parse_quantity(bad.as_bytes()),
            Err(QuantityError::FormatWrong),
            "{bad:?}"
        );
    }
    for bad in [
        "1e",
        "1K",
        "1ee3",
        "1Kii",
        "1m5",
        "1e99999999999999999999",
        "--1",
        "--",
    ] {
        assert_eq!(
            parse_quantity(bad.as_bytes()),
            Err(QuantityError::Suffix),
            "{bad:?}"
        );
    }
    // Slow path on a value text without digits.
    assert_eq!(parse_quantity(b"e-20"), Err(QuantityError::Numeric));
    assert_eq!(
        QuantityError::FormatWrong.to_string(),
        format!(
            "quantities must match the regular expression '{}'",
            parse::GRAMMAR_RE
        )
    );
}

#[test]
fn exponent_wrap_and_rounding() {
    // 10 * 10^(2^31-1): the int64 path strips a zero and wraps e to -2^31,
    // then lowers it by one, wrapping back (spec §4.3 last bullet).
    check(
        "10e2147483647",
        r#"i{10,2147483647} s="" DecimalExponent"#,
        r#""10e2147483647""#,
    );
    // Round away from zero to nano units, both signs.
    check(
        "1.0000000001",
        r#"d{[1000000001],9} s="" DecimalSI"#,
        r#""1000000001n""#,
    );
    check("-0.0000000001", r#"d{-[1],9} s="" DecimalSI"#, r#""-1n""#);
    // BinarySI below 1 becomes DecimalSI.
    check("0.5Ki", r#"d{[512000000000],9} s="" BinarySI"#, r#""512""#);
    check(
        "0.0001Ki",
        r#"d{[102400000],9} s="" DecimalSI"#,
        r#""102400u""#,
    );
    assert_eq!(
        parse_quantity(b"1.5e-300000"),
        Err(QuantityError::TooExpensive)
    );
}

#[test]
fn trim_space_rules() {
    assert_eq!(trim_space(b" \t1\n"), b"1");
    assert_eq!(trim_space("\u{85}1\u{3000}".as_bytes()), b"1");
    assert_eq!(trim_space(b"\xff 1"), b"\xff 1");
    assert_eq!(trim_space("\u{feff}1".as_bytes()), "\u{feff}1".as_bytes());
}

/// The spew vectors `quantity_*` (spec vectors/spew/pairs.tsv), rendered
/// by the generic renderer from this module's type declarations.
#[test]
fn spew_vectors() {
    use crate::go::spew;
    let t = Quantity::go_type();
    let q = parse_quantity(b"100m").unwrap();
    assert_eq!(
        String::from_utf8(spew::to_bytes(&q.to_go(), &t)).unwrap(),
        "(resource.Quantity){i:(resource.int64Amount){value:(int64)100 scale:(resource.Scale)-3} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)100m Format:(resource.Format)DecimalSI}"
    );
    assert_eq!(spew::fnv32a(&q.to_go(), &t), 2591027885);
    let mut u = q.clone();
    u.s.clear();
    assert_eq!(spew::fnv32a(&u.to_go(), &t), 3126183659);
    // quantity_dec_form: unscaled 15, scale 1 (a hand-built Dec).
    let d = Quantity {
        d: InfDecAmount {
            dec: Some(Box::new(Dec {
                unscaled: BigInt::from_mag(false, &nat::Mag::from_u64(15)),
                scale: InfScale(1),
            })),
        },
        format: Format(DECIMAL_SI.into()),
        ..Quantity::default()
    };
    assert_eq!(
        String::from_utf8(spew::to_bytes(&d.to_go(), &t)).unwrap(),
        "(resource.Quantity){i:(resource.int64Amount){value:(int64)0 scale:(resource.Scale)0} d:(resource.infDecAmount){Dec:(*inf.Dec){unscaled:(big.Int){neg:(bool)false abs:(big.nat)[15]} scale:(inf.Scale)1}} s:(string) Format:(resource.Format)DecimalSI}"
    );
    assert_eq!(spew::fnv32a(&d.to_go(), &t), 108593475);
    // quantity_ptr: *resource.Quantity for "1" without cached string.
    let mut one = parse_quantity(b"1").unwrap();
    one.s.clear();
    let pt = crate::go::model::Type::ptr(t.clone());
    let pv = crate::go::model::Value::Ptr(Some(Box::new(one.to_go())));
    assert_eq!(spew::fnv32a(&pv, &pt), 3831338005);
}

/// Found by fuzzing, confirmed with the Go reference: an accepted int64-form
/// quantity whose canonical text needs the arbitrary-precision path with a
/// huge exponent, so the rewritten file is refused (the kubelet would hang).
#[test]
fn canonical_text_can_become_too_expensive() {
    let q = parse_quantity(b"3666666226666650.5e666000").unwrap();
    assert_eq!(q.marshal_json(), br#""3666666226666650500e665997""#);
    assert_eq!(
        parse_quantity(b"3666666226666650500e665997"),
        Err(QuantityError::TooExpensive)
    );
}

//! Custom `UnmarshalJSON` / `MarshalJSON` through `CustomJson`: what Go does
//! with their output and errors. Expected texts are from Go 1.19.8 running
//! the equivalent program (types `inner`, `PE`, `Outer` below, with `PE`'s
//! `UnmarshalJSON` calling `json.Unmarshal` into `inner`).

use kubelet_ckpt::go::json;
use kubelet_ckpt::go::model::CustomJson;
use kubelet_ckpt::go::{Field, Type, TypeKind, TypeRef, Value};

fn strt() -> TypeRef {
    Type::new(TypeKind::String)
}

fn inner_t() -> TypeRef {
    Type::named(
        "main.inner",
        TypeKind::Struct(vec![Field::new("CPUSet", strt(), "json:\"cpuSet\"")]),
    )
}

fn pe_unmarshal(raw: &[u8], v: &mut Value) -> Result<(), String> {
    let t = inner_t();
    let mut i = t.zero();
    json::unmarshal(raw, &t, &mut i).map_err(|e| e.message)?;
    let Value::Struct(f) = i else {
        return Err("bad".into());
    };
    *v = Value::Struct(f);
    Ok(())
}

fn pe_marshal(v: &Value) -> Result<Vec<u8>, String> {
    let Value::Struct(f) = v else {
        return Err("bad".into());
    };
    match &f[0] {
        Value::String(s) if s.as_slice() == b"fail" => Err("boom".into()),
        Value::String(s) => {
            // Deliberately uncompacted and HTML-unsafe: Go compacts and
            // escapes a marshaler's output.
            let mut out = b"{ \"cpuSet\" : ".to_vec();
            out.extend_from_slice(b"\"");
            out.extend_from_slice(s);
            out.extend_from_slice(b"\" }");
            Ok(out)
        }
        _ => Err("bad".into()),
    }
}

const PE_JSON: CustomJson = CustomJson {
    marshal: pe_marshal,
    unmarshal: pe_unmarshal,
};

fn pe_t() -> TypeRef {
    Type::with_custom_json(
        Type::named(
            "main.PE",
            TypeKind::Struct(vec![Field::new("S", strt(), "")]),
        ),
        PE_JSON,
    )
}

fn outer_t() -> TypeRef {
    let anon = Type::structure(vec![Field::new("Deep", pe_t(), "json:\"deep\"")]);
    Type::named(
        "main.Outer",
        TypeKind::Struct(vec![
            Field::new("Name", strt(), "json:\"name\""),
            Field::new("Pod", pe_t(), "json:\"pod\""),
            Field::new("M", Type::map(strt(), pe_t()), "json:\"m\""),
            Field::new("Sub", anon, "json:\"sub\""),
        ]),
    )
}

fn err_of(input: &str, t: &TypeRef) -> String {
    let mut v = t.zero();
    json::unmarshal(input.as_bytes(), t, &mut v)
        .unwrap_err()
        .message
}

#[test]
fn type_errors_from_custom_unmarshalers_get_the_outer_context() {
    let t = outer_t();
    assert_eq!(
        err_of(r#"{"pod":{"cpuSet":5}}"#, &t),
        "json: cannot unmarshal number into Go struct field Outer.pod of type string"
    );
    assert_eq!(
        err_of(r#"{"m":{"x":{"cpuSet":5}}}"#, &t),
        "json: cannot unmarshal number into Go struct field Outer.m of type string"
    );
    assert_eq!(
        err_of(r#"{"sub":{"deep":{"cpuSet":5}}}"#, &t),
        "json: cannot unmarshal number into Go struct field .sub.deep of type string"
    );
    assert_eq!(
        err_of(r#"{"pod":5}"#, &t),
        "json: cannot unmarshal number into Go struct field Outer.pod of type main.inner"
    );
    // A returned (fatal) error wins over an earlier saved type error.
    assert_eq!(
        err_of(r#"{"name":1,"pod":{"cpuSet":5}}"#, &t),
        "json: cannot unmarshal number into Go struct field Outer.pod of type string"
    );
    // Without an outer field context the inner text stands.
    assert_eq!(
        err_of(r#"{"a":{"cpuSet":5}}"#, &Type::map(strt(), pe_t())),
        "json: cannot unmarshal number into Go struct field inner.cpuSet of type string"
    );
    assert_eq!(
        err_of(r#"{"cpuSet":5}"#, &pe_t()),
        "json: cannot unmarshal number into Go struct field inner.cpuSet of type string"
    );
}

#[test]
fn custom_unmarshaler_gets_raw_value_and_null() {
    let t = outer_t();
    let mut v = t.zero();
    json::unmarshal(
        br#"{"pod": {"cpuSet" : "0-3"}, "m":{"k":null}}"#,
        &t,
        &mut v,
    )
    .unwrap();
    let Value::Struct(f) = &v else { panic!() };
    assert_eq!(f[1], Value::Struct(vec![Value::string("0-3")]));
    // `null` reaches UnmarshalJSON for a non-pointer custom type; ours
    // decodes it into a zero inner value.
    let Value::Map(Some(m)) = &f[2] else { panic!() };
    assert_eq!(m[0].1, Value::Struct(vec![Value::string("")]));
}

#[test]
fn marshaler_output_is_compacted_escaped_and_errors_wrapped() {
    let t = Type::map(strt(), pe_t());
    let v = Value::Map(Some(vec![(
        Value::string("k"),
        Value::Struct(vec![Value::string("<0-3>")]),
    )]));
    assert_eq!(
        json::marshal(&v, &t).unwrap(),
        br#"{"k":{"cpuSet":"\u003c0-3\u003e"}}"#
    );
    let bad = Value::Map(Some(vec![(
        Value::string("k"),
        Value::Struct(vec![Value::string("fail")]),
    )]));
    assert_eq!(
        json::marshal(&bad, &t).unwrap_err().message,
        "json: error calling MarshalJSON for type main.PE: boom"
    );
    let pt = Type::ptr(pe_t());
    let bad_ptr = Value::Ptr(Some(Box::new(Value::Struct(vec![Value::string("fail")]))));
    assert_eq!(
        json::marshal(&bad_ptr, &pt).unwrap_err().message,
        "json: error calling MarshalJSON for type *main.PE: boom"
    );
}

#[test]
fn string_literal_helper() {
    assert_eq!(
        json::parse_string_literal(br#" "0-3" "#).unwrap(),
        Some(b"0-3".to_vec())
    );
    assert_eq!(json::parse_string_literal(b"null").unwrap(), None);
    assert_eq!(
        json::parse_string_literal(b"5").unwrap_err().message,
        "json: cannot unmarshal number into Go value of type string"
    );
    assert_eq!(
        json::parse_string_literal(br#""a\ud800""#).unwrap(),
        Some("a\u{FFFD}".as_bytes().to_vec())
    );
}

#[test]
fn go_version_escapes_and_html_option() {
    let v = Value::String(b"\x08\x0c<\x01".to_vec());
    let t = strt();
    // Go 1.19 (the default and the spec vectors).
    assert_eq!(
        json::marshal(&v, &t).unwrap(),
        br#""\u0008\u000c\u003c\u0001""#
    );
    // Go >= 1.22 writes \b and \f.
    let go122 = json::MarshalOptions {
        go122_escapes: true,
        ..Default::default()
    };
    assert_eq!(
        json::marshal_with(&v, &t, &go122).unwrap(),
        br#""\b\f\u003c\u0001""#
    );
    // An Encoder with SetEscapeHTML(false).
    let no_html = json::MarshalOptions {
        escape_html: false,
        ..Default::default()
    };
    assert_eq!(
        json::marshal_with(&v, &t, &no_html).unwrap(),
        br#""\u0008\u000c<\u0001""#
    );
}

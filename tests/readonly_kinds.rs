//! The kinds without a verifiable checksum (no Go reference kind exists):
//! expectations derived by hand from Go's documented behaviour.

use kubelet_ckpt::formats::{kind, Verdict, VerifyOptions};

fn verify(name: &str, bytes: &[u8]) -> (Verdict, String) {
    let v = kind(name)
        .expect("registered")
        .verify(bytes, &VerifyOptions::default());
    (v.verdict, v.message)
}

fn canonical(name: &str, bytes: &[u8]) -> String {
    String::from_utf8(kind(name).unwrap().canonical(bytes).unwrap()).unwrap()
}

#[test]
fn graceful_shutdown_state() {
    let k = "graceful-node-shutdown";
    let (v, msg) = verify(k, br#"{"startTime":"2024-01-01T00:00:00.500+01:00"}"#);
    assert_eq!(v, Verdict::Ok);
    assert!(msg.contains("no checksum"), "{msg}");
    // time.Time.MarshalJSON: RFC3339Nano, trailing zeros trimmed, zero time for the absent key.
    assert_eq!(
        canonical(k, br#"{"startTime":"2024-01-01T00:00:00.500+01:00"}"#),
        r#"{"startTime":"2024-01-01T00:00:00.5+01:00","endTime":"0001-01-01T00:00:00Z"}"#
    );
    let (v, msg) = verify(k, br#"{"startTime":5}"#);
    assert_eq!(v, Verdict::InvalidJson);
    assert_eq!(
        msg,
        r#"parsing time "5" as "\"2006-01-02T15:04:05Z07:00\"": cannot parse "5" as "\"""#
    );
    assert!(kind(k).unwrap().checksum(b"{}").is_err());
}

#[test]
fn csi_vol_data() {
    let k = "csi-vol-data";
    // json.Decoder reads the first value only.
    assert_eq!(verify(k, br#"{"b":"2","a":"1"} trailing"#).0, Verdict::Ok);
    assert_eq!(
        canonical(k, br#"{"b":"2","a":"<1>"}"#),
        "{\"a\":\"\\u003c1\\u003e\",\"b\":\"2\"}\n"
    );
    assert_eq!(
        verify(k, br#"{"a":1}"#),
        (
            Verdict::InvalidJson,
            "json: cannot unmarshal number into Go value of type string".to_string()
        )
    );
    assert_eq!(
        verify(k, b"  \n"),
        (Verdict::InvalidJson, "EOF".to_string())
    );
}

#[test]
fn bootstrap_pod_never_claims_verification() {
    let (v, msg) = verify(
        "bootstrap-pod",
        br#"{"Pod":{"metadata":{"name":"x"}},"Checksum":123}"#,
    );
    assert_eq!(v, Verdict::Ok);
    assert!(msg.contains("123 NOT verified"), "{msg}");
    assert!(kind("bootstrap-pod").unwrap().canonical(b"{}").is_err());
    assert_eq!(verify("bootstrap-pod", b"{").0, Verdict::InvalidJson);
}

#[test]
fn dynamic_config_meta() {
    let k = "dynamic-config-meta";
    assert_eq!(verify(k, b"").0, Verdict::Ok);
    let yaml = b"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: SerializedNodeConfigSource\nsource:\n  configMap:\n    name: c\n";
    assert_eq!(verify(k, yaml).0, Verdict::Ok);
    assert_eq!(verify(k, b"kind: Pod\n").0, Verdict::InvalidJson);
}

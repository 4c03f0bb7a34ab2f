//! Just enough X.509 for the scan: PEM blocks, a certificate's subject
//! common name, validity and public key, and the public key a private key
//! implies (RSA: modulus and exponent; EC: the public point SEC 1 stores
//! beside the private scalar). A small DER reader instead of a crate: the
//! scan needs five fields, and nothing here verifies signatures.
//!
//! Key material never leaves this module: callers get public keys (and
//! their SHA-256 fingerprints) only.

use sha2::{Digest, Sha256};

/// One PEM block: its label (`CERTIFICATE`, `RSA PRIVATE KEY`, ...) and
/// the decoded DER.
#[derive(Debug, Clone)]
pub struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

impl PemBlock {
    /// A private key block (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE
    /// KEY`, `ENCRYPTED PRIVATE KEY`, ...).
    pub fn is_private_key(&self) -> bool {
        self.label.ends_with("PRIVATE KEY")
    }
}

/// The PEM blocks of `text`, in order; undecodable blocks are skipped.
pub fn pem_blocks(text: &[u8]) -> Vec<PemBlock> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(end_label) = after.find("-----") else {
            break;
        };
        let label = after[..end_label].to_string();
        let body_start = &after[end_label + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            break;
        };
        let body: String = body_start[..end]
            .lines()
            .filter(|l| !l.contains(':'))
            .collect::<String>();
        if let Some(der) = base64_decode(&body) {
            out.push(PemBlock { label, der });
        }
        rest = &body_start[end + end_marker.len()..];
    }
    out
}

/// Standard base64 with padding; whitespace ignored.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// A public key, for comparing a certificate with a private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA modulus and exponent (big-endian, no leading zeros).
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An elliptic-curve point as SEC 1 encodes it.
    Ec { point: Vec<u8> },
    /// Another algorithm (its OID in dotted bytes, hex): not compared.
    Other { oid: String },
}

impl PublicKey {
    /// A short description: `RSA 2048`, `EC (65-byte point)`.
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa { n, .. } => format!("RSA {}", n.len() * 8),
            PublicKey::Ec { point } => match point.len() {
                65 => "ECDSA P-256".into(),
                97 => "ECDSA P-384".into(),
                133 => "ECDSA P-521".into(),
                n => format!("EC ({n}-byte point)"),
            },
            PublicKey::Other { oid } => format!("algorithm {oid}"),
        }
    }
}

/// What the scan reads from a certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The subject's common name, when present.
    pub subject_cn: Option<String>,
    /// Validity, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// The public key.
    pub key: PublicKey,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex.
    pub spki_sha256: String,
}

const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];

/// One DER TLV: (tag, content, rest).
fn tlv(d: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, d) = d.split_first()?;
    let (&l0, mut d) = d.split_first()?;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 || d.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &d[..n] {
            len = (len << 8) | usize::from(b);
        }
        d = &d[n..];
        len
    };
    if d.len() < len {
        return None;
    }
    Some((tag, &d[..len], &d[len..]))
}

/// The content of a TLV with `tag` at the front of `d`, and the rest.
fn expect(d: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, c, r) = tlv(d)?;
    (t == tag).then_some((c, r))
}

fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b[i..].to_vec()
}

/// Parses a certificate (DER).
pub fn parse_certificate(der: &[u8]) -> Option<Certificate> {
    let (cert, _) = expect(der, 0x30)?;
    let (tbs, _) = expect(cert, 0x30)?;
    let mut d = tbs;
    if d.first() == Some(&0xA0) {
        d = tlv(d)?.2; // version
    }
    d = expect(d, 0x02)?.1; // serial
    d = expect(d, 0x30)?.1; // signature algorithm
    d = expect(d, 0x30)?.1; // issuer
    let (validity, rest) = expect(d, 0x30)?;
    let (t1, c1, v) = tlv(validity)?;
    let (t2, c2, _) = tlv(v)?;
    let (subject, rest) = expect(rest, 0x30)?;
    let (t, spki, _) = tlv(rest)?;
    if t != 0x30 {
        return None;
    }
    let spki_full_len = rest.len() - tlv(rest)?.2.len();
    let spki_der = &rest[..spki_full_len];
    Some(Certificate {
        subject_cn: common_name(subject),
        not_before: der_time(t1, c1)?,
        not_after: der_time(t2, c2)?,
        key: spki_key(spki)?,
        spki_sha256: hex(&Sha256::digest(spki_der)),
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn common_name(mut name: &[u8]) -> Option<String> {
    while let Some((_, set, rest)) = tlv(name) {
        let mut s = set;
        while let Some((_, atv, r)) = tlv(s) {
            if let Some((oid, v)) = expect(atv, 0x06) {
                if oid == OID_CN {
                    let (_, val, _) = tlv(v)?;
                    return Some(String::from_utf8_lossy(val).into_owned());
                }
            }
            s = r;
        }
        name = rest;
    }
    None
}

/// SubjectPublicKeyInfo content → key.
fn spki_key(spki: &[u8]) -> Option<PublicKey> {
    let (alg, rest) = expect(spki, 0x30)?;
    let (oid, _) = expect(alg, 0x06)?;
    let (bits, _) = expect(rest, 0x03)?;
    let key = bits.get(1..)?;
    Some(match oid {
        o if o == OID_RSA => rsa_public(key)?,
        o if o == OID_EC => PublicKey::Ec {
            point: key.to_vec(),
        },
        o => PublicKey::Other { oid: hex(o) },
    })
}

/// `RSAPublicKey ::= SEQUENCE { n, e }`.
fn rsa_public(d: &[u8]) -> Option<PublicKey> {
    let (seq, _) = expect(d, 0x30)?;
    let (n, r) = expect(seq, 0x02)?;
    let (e, _) = expect(r, 0x02)?;
    Some(PublicKey::Rsa {
        n: strip_zeros(n),
        e: strip_zeros(e),
    })
}

/// The public key a private key block implies; `None` when this reader
/// cannot tell (encrypted keys, algorithms other than RSA and EC, an EC key
/// stored without its public point).
pub fn private_key_public(block: &PemBlock) -> Option<PublicKey> {
    match block.label.as_str() {
        "RSA PRIVATE KEY" => rsa_private(&block.der),
        "EC PRIVATE KEY" => ec_private(&block.der),
        "PRIVATE KEY" => {
            let (seq, _) = expect(&block.der, 0x30)?;
            let r = expect(seq, 0x02)?.1;
            let (alg, r) = expect(r, 0x30)?;
            let (oid, _) = expect(alg, 0x06)?;
            let (inner, _) = expect(r, 0x04)?;
            match oid {
                o if o == OID_RSA => rsa_private(inner),
                o if o == OID_EC => ec_private(inner),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `RSAPrivateKey ::= SEQUENCE { version, n, e, d, ... }`.
fn rsa_private(d: &[u8]) -> Option<PublicKey> {
    let (seq, _) = expect(d, 0x30)?;
    let r = expect(seq, 0x02)?.1;
    let (n, r) = expect(r, 0x02)?;
    let (e, _) = expect(r, 0x02)?;
    Some(PublicKey::Rsa {
        n: strip_zeros(n),
        e: strip_zeros(e),
    })
}

/// `ECPrivateKey ::= SEQUENCE { version, privateKey, [0] params, [1] publicKey }`.
fn ec_private(d: &[u8]) -> Option<PublicKey> {
    let (seq, _) = expect(d, 0x30)?;
    let mut r = expect(seq, 0x02)?.1;
    r = expect(r, 0x04)?.1;
    while let Some((t, c, rest)) = tlv(r) {
        if t == 0xA1 {
            let (bits, _) = expect(c, 0x03)?;
            return Some(PublicKey::Ec {
                point: bits.get(1..)?.to_vec(),
            });
        }
        r = rest;
    }
    None
}

/// UTCTime (`0x17`, `YYMMDDHHMMSSZ`) or GeneralizedTime (`0x18`,
/// `YYYYMMDDHHMMSSZ`) as Unix seconds.
fn der_time(tag: u8, c: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(c).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if s.len() == 12 => {
            let yy: i64 = s[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &s[2..])
        }
        0x18 if s.len() == 14 => (s[..4].parse().ok()?, &s[4..]),
        _ => return None,
    };
    let n = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    Some(super::time::unix(year, n(0)?, n(2)?, n(4)?, n(6)?, n(8)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_time() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(der_time(0x17, b"261215000000Z"), Some(1_797_292_800));
        assert_eq!(der_time(0x18, b"20261215000000Z"), Some(1_797_292_800));
    }
}

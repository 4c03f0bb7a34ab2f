//! Renderers for `ops` reports: each report is data (`Serialize`); text is
//! drawn here, JSON and YAML by serde ([`structured`]).

pub mod diff;
pub mod identify;
pub mod inspect;
pub mod scan;

use std::io::{self, Write};

use serde::Serialize;

/// `-o json` / `-o yaml` of any report: pretty JSON (one document and a
/// newline), or a YAML document.
pub fn structured<T: Serialize>(out: &mut dyn Write, v: &T, yaml: bool) -> io::Result<()> {
    if yaml {
        let text = serde_norway::to_string(v).map_err(io::Error::other)?;
        out.write_all(text.as_bytes())
    } else {
        serde_json::to_writer_pretty(&mut *out, v)?;
        writeln!(out)
    }
}

/// Text output with control characters other than newline escaped
/// (`\t`, `\u{1b}`): names come from untrusted files, and a raw escape
/// sequence must not reach a terminal.
pub fn sanitized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Bytes in Kubernetes binary units (`512Mi`, `2Gi`), exact when a unit
/// divides the value, else two decimals of the largest unit that fits.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 6] = [
        ("Ei", 1 << 60),
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (u, size) in UNITS {
        if n >= size {
            return if n % size == 0 {
                format!("{}{u}", n / size)
            } else {
                format!("{:.2}{u}", n as f64 / size as f64)
            };
        }
    }
    n.to_string()
}

/// Consecutive ids as ranges (`0-3,7`), as the kubelet writes cpu lists.
pub fn ranges(ids: &[i64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        let mut end = start;
        while i + 1 < ids.len() && ids[i + 1] == end + 1 {
            i += 1;
            end = ids[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(human_bytes(0), "0");
        assert_eq!(human_bytes(1023), "1023");
        assert_eq!(human_bytes(2 << 30), "2Gi");
        assert_eq!(human_bytes(512 << 20), "512Mi");
        assert_eq!(human_bytes(1536 << 20), "1.50Gi");
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(
            sanitized("a\tb\u{1b}[2J\u{85}ü\n"),
            "a\\tb\\u{1b}[2J\\u{85}ü\n"
        );
    }
}

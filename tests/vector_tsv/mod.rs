//! The TSV escaping of the spec's vector files (shared by the JSON and
//! spew vector tests); see the header lines of `tests/data/*/`.

/// Inverse of the generator's `vecutil.Esc` (`\\ \t \n \r \xHH`).
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'\\' => out.push(b'\\'),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'x' => {
                let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            c => panic!("bad escape \\{}", c as char),
        }
        i += 2;
    }
    out
}

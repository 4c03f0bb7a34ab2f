//! Byte-level mutations of valid JSON files, for differential testing.
//!
//! The mutations work on the original bytes (not through a JSON library)
//! so that everything not being mutated stays exactly as the oracle wrote
//! it. A tiny structural scanner finds object members and their spans.

use super::Rng;

/// One object member: byte spans `[start, end)` of the key (with its
/// quotes) and of the value.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    pub key: (usize, usize),
    pub value: (usize, usize),
}

/// Members of every object, at any depth, in document order; plus the
/// spans of string and number values (for character changes).
#[derive(Debug, Default)]
pub struct Scan {
    pub members: Vec<Member>,
    pub scalars: Vec<(usize, usize)>,
}

/// Scans valid JSON; `None` if the bytes are not JSON this scanner follows.
pub fn scan(b: &[u8]) -> Option<Scan> {
    let mut s = Scanner {
        b,
        i: 0,
        out: Scan::default(),
    };
    s.ws();
    s.value(0)?;
    s.ws();
    (s.i == b.len()).then_some(s.out)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    out: Scan,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }
    fn string(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        self.eat(b'"')?;
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i));
                }
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
    }
    fn value(&mut self, depth: usize) -> Option<(usize, usize)> {
        if depth > 200 {
            return None;
        }
        let start = self.i;
        match self.peek()? {
            b'{' => {
                self.i += 1;
                self.ws();
                if self.eat(b'}').is_some() {
                    return Some((start, self.i));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    let value = self.value(depth + 1)?;
                    self.out.members.push(Member { key, value });
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some((start, self.i));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.eat(b']').is_some() {
                    return Some((start, self.i));
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some((start, self.i));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => {
                let sp = self.string()?;
                self.out.scalars.push(sp);
                Some(sp)
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                let sp = (start, self.i);
                if !matches!(&self.b[start..self.i], b"true" | b"false" | b"null") {
                    self.out.scalars.push(sp);
                }
                Some(sp)
            }
        }
    }
}

/// The kinds of mutation applied to every generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    FlipChecksumDigit,
    ChangeValueChar,
    DropKey,
    RenameKey,
    CaseFoldKey,
    Truncate,
    AppendGarbage,
    NullValue,
    DuplicateKey,
}

impl Mutation {
    pub const ALL: [Mutation; 9] = [
        Mutation::FlipChecksumDigit,
        Mutation::ChangeValueChar,
        Mutation::DropKey,
        Mutation::RenameKey,
        Mutation::CaseFoldKey,
        Mutation::Truncate,
        Mutation::AppendGarbage,
        Mutation::NullValue,
        Mutation::DuplicateKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mutation::FlipChecksumDigit => "flip-checksum-digit",
            Mutation::ChangeValueChar => "change-value-char",
            Mutation::DropKey => "drop-key",
            Mutation::RenameKey => "rename-key",
            Mutation::CaseFoldKey => "case-fold-key",
            Mutation::Truncate => "truncate",
            Mutation::AppendGarbage => "append-garbage",
            Mutation::NullValue => "null-value",
            Mutation::DuplicateKey => "duplicate-key",
        }
    }

    /// The mutated bytes, or `None` when the mutation does not apply
    /// (e.g. no checksum member to flip).
    pub fn apply(self, input: &[u8], rng: &mut Rng) -> Option<Vec<u8>> {
        match self {
            Mutation::Truncate => {
                if input.is_empty() {
                    return None;
                }
                Some(input[..rng.below(input.len())].to_vec())
            }
            Mutation::AppendGarbage => {
                const GARBAGE: [&[u8]; 8] =
                    [b" ", b"\n", b"x", b"}", b"{}", b"\0", b"null", b",\"k\":1}"];
                let mut out = input.to_vec();
                out.extend_from_slice(GARBAGE[rng.below(GARBAGE.len())]);
                Some(out)
            }
            _ => self.apply_structural(input, rng),
        }
    }

    fn apply_structural(self, input: &[u8], rng: &mut Rng) -> Option<Vec<u8>> {
        let sc = scan(input)?;
        let pick = |rng: &mut Rng, v: &[Member]| -> Option<Member> {
            (!v.is_empty()).then(|| v[rng.below(v.len())])
        };
        match self {
            Mutation::FlipChecksumDigit => {
                let sums: Vec<Member> = sc
                    .members
                    .iter()
                    .filter(|m| {
                        let k = &input[m.key.0 + 1..m.key.1 - 1];
                        k.to_ascii_lowercase().ends_with(b"checksum")
                            && input[m.value.0].is_ascii_digit()
                    })
                    .copied()
                    .collect();
                let m = pick(rng, &sums)?;
                let (s, e) = m.value;
                let at = s + rng.below(e - s);
                let old = input[at];
                // A leading digit of a multi-digit number must stay 1-9.
                let lo = if at == s && e - s > 1 { b'1' } else { b'0' };
                let choices: Vec<u8> = (lo..=b'9').filter(|&d| d != old).collect();
                let new = choices[rng.below(choices.len())];
                Some(splice(input, at, at + 1, &[new]))
            }
            Mutation::ChangeValueChar => {
                let mut spots = Vec::new();
                for &(s, e) in &sc.scalars {
                    for i in s..e {
                        let c = input[i];
                        if c.is_ascii_alphanumeric() && (i == 0 || input[i - 1] != b'\\') {
                            spots.push(i);
                        }
                    }
                }
                if spots.is_empty() {
                    return None;
                }
                let at = spots[rng.below(spots.len())];
                let c = input[at];
                let (base, n) = if c.is_ascii_digit() {
                    (b'0', 10)
                } else if c.is_ascii_lowercase() {
                    (b'a', 26)
                } else {
                    (b'A', 26)
                };
                let new = base + ((c - base) + 1 + rng.below(n as usize - 1) as u8) % n;
                Some(splice(input, at, at + 1, &[new]))
            }
            Mutation::DropKey => {
                let m = pick(rng, &sc.members)?;
                let (mut s, mut e) = (m.key.0, m.value.1);
                let after = skip_ws(input, e);
                if input.get(after) == Some(&b',') {
                    e = skip_ws(input, after + 1);
                } else {
                    let before = skip_ws_back(input, s);
                    if before > 0 && input[before - 1] == b',' {
                        s = before - 1;
                    }
                }
                Some(splice(input, s, e, b""))
            }
            Mutation::RenameKey => {
                let m = pick(rng, &sc.members)?;
                let suffix: &[u8] = [&b"X"[..], b"_", b"s", b"2"][rng.below(4)];
                Some(splice(input, m.key.1 - 1, m.key.1 - 1, suffix))
            }
            Mutation::CaseFoldKey => {
                let m = pick(rng, &sc.members)?;
                let key = &input[m.key.0 + 1..m.key.1 - 1];
                let folded = case_fold(key, rng)?;
                Some(splice(input, m.key.0 + 1, m.key.1 - 1, &folded))
            }
            Mutation::NullValue => match pick(rng, &sc.members) {
                Some(m) => Some(splice(input, m.value.0, m.value.1, b"null")),
                None => Some(b"null".to_vec()),
            },
            Mutation::DuplicateKey => {
                let m = pick(rng, &sc.members)?;
                let other = pick(rng, &sc.members)?;
                let key = &input[m.key.0..m.key.1];
                let val = &input[other.value.0..other.value.1];
                if rng.below(2) == 0 {
                    // Before the original: the original (last) wins, but the
                    // first value is still decoded into the field.
                    let mut ins = key.to_vec();
                    ins.push(b':');
                    ins.extend_from_slice(val);
                    ins.push(b',');
                    Some(splice(input, m.key.0, m.key.0, &ins))
                } else {
                    // After the original: the duplicate wins.
                    let mut ins = vec![b','];
                    ins.extend_from_slice(key);
                    ins.push(b':');
                    ins.extend_from_slice(val);
                    Some(splice(input, m.value.1, m.value.1, &ins))
                }
            }
            Mutation::Truncate | Mutation::AppendGarbage => None,
        }
    }
}

/// Changes the case of a key in a way Go's `encoding/json` still matches
/// (ASCII case changes, `s`→`ſ`, `k`→`K` Kelvin) — or, when the key has no
/// letters, returns `None`.
fn case_fold(key: &[u8], rng: &mut Rng) -> Option<Vec<u8>> {
    if !key.iter().any(u8::is_ascii_alphabetic) {
        return None;
    }
    let special: Vec<usize> = key
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, b's' | b'S' | b'k' | b'K'))
        .map(|(i, _)| i)
        .collect();
    match rng.below(3) {
        0 => Some(key.to_ascii_uppercase()),
        1 if !special.is_empty() => {
            let at = special[rng.below(special.len())];
            let rep = if key[at].eq_ignore_ascii_case(&b's') {
                "\u{17f}"
            } else {
                "\u{212a}"
            };
            Some(splice(key, at, at + 1, rep.as_bytes()))
        }
        _ => Some(
            key.iter()
                .map(|c| {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect(),
        ),
    }
}

fn splice(input: &[u8], s: usize, e: usize, with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + with.len());
    out.extend_from_slice(&input[..s]);
    out.extend_from_slice(with);
    out.extend_from_slice(&input[e..]);
    out
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn skip_ws_back(b: &[u8], mut i: usize) -> usize {
    while i > 0 && b[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    i
}

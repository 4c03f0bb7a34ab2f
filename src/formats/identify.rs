//! Which kubelet file is this, and in which shape? Chosen from the bytes
//! first and the file name second.
//!
//! The kubelet never asks: each release opens one file name with its own
//! reader chain. Files copied off nodes lose their names (`cpu_manager_state-1.json`),
//! gain a trailing newline or are pretty-printed, and a tool that trusted
//! the name alone, or tried every shape and took the first that decodes,
//! would call `{"foo":1}` a graceful-shutdown record (Go ignores unknown
//! keys, so a shape with no required member decodes any object).
//!
//! The rule, in order:
//!
//! 1. **Candidates.** A kind is a candidate by content when the document's
//!    top-level keys include at least one of the kind's members that is not
//!    just `checksum` (matched as Go matches keys, case-insensitively), and
//!    by name when the path carries the kind's file name. With no candidate
//!    at all the file is `unknown`: not a kubelet checkpoint or state file.
//! 2. **Fit.** Fewest top-level keys the kind does not know (a checkpoint
//!    read by a checksum-less shape leaves `checksum` unknown, so a torn
//!    cpu-v1 file is never "ok as cpu-file"), then most keys matched, then
//!    fewest matched only by case folding (`Data` is the device and DRA
//!    checkpoints' member, `data` the pod-state files').
//! 3. **Verdict.** `ok` and byte-exact (its writer gives the file back),
//!    then `ok`, then decodes (`corrupt`, `rejected`), then `invalid-json`.
//! 4. **Tightness.** Fewest members of the kind missing from the file.
//! 5. **Name**, then **newest**.
//!
//! Empty or non-JSON input has no keys: it is judged by its name, or is
//! `unknown` when the name is not a kubelet file's.

use std::path::Path;

use super::detect::name_matches;
use super::{registry, Shape, Verdict, Verification, VerifyOptions};

/// Every kind's top-level JSON members (the `json` tags of the Go struct a
/// file decodes into; for the 1.37 envelopes also the inlined older
/// layout). Kinds that are not JSON objects (YAML, the file backend's
/// bootstrap pods) have none and are found by name only. A test checks
/// every golden file's keys against this list.
pub const MEMBERS: &[(&str, &[&str])] = &[
    ("cpu-file", &["policyName", "defaultCpuSet", "entries"]),
    (
        "cpu-v1",
        &["policyName", "defaultCpuSet", "entries", "checksum"],
    ),
    (
        "cpu-v2",
        &["policyName", "defaultCpuSet", "entries", "checksum"],
    ),
    (
        "cpu-v3",
        &[
            "policyName",
            "defaultCpuSet",
            "entries",
            "podEntries",
            "checksum",
        ],
    ),
    (
        "cpu-v4",
        &[
            "policyName",
            "defaultCpuSet",
            "entries",
            "podEntries",
            "checksum",
            "data",
            "dataChecksum",
        ],
    ),
    (
        "memory",
        &["policyName", "machineState", "entries", "checksum"],
    ),
    (
        "memory-v2",
        &[
            "policyName",
            "machineState",
            "entries",
            "podEntries",
            "checksum",
        ],
    ),
    (
        "memory-v3",
        &[
            "policyName",
            "machineState",
            "entries",
            "podEntries",
            "checksum",
            "data",
            "dataChecksum",
        ],
    ),
    ("device-v1", &["Data", "Checksum"]),
    ("device-v2", &["Data", "Checksum", "BootID"]),
    ("dra-v1", &["version", "entries", "checksum"]),
    ("dra-v2", &["version", "entries", "checksum"]),
    ("dra-v3", &["version", "entries", "checksum"]),
    ("dra-v4", &["version", "entries", "checksum"]),
    ("dra-v5", &["version", "entries", "checksum"]),
    ("dra-v6", &["Data", "Checksum"]),
    ("dra-v7", &["Data", "Checksum"]),
    ("dra-v8", &["Data", "Checksum"]),
    (
        "podstatus-v1",
        &["allocationEntries", "resizeStatusEntries", "checksum"],
    ),
    ("podstatus-v2", &["data", "checksum"]),
    ("podstatus-v3", &["data", "checksum"]),
    ("allocated-v1", &["data", "checksum"]),
    ("allocated-v2", &["data", "checksum"]),
    ("allocated-v3", &["data", "checksum"]),
    ("allocated-v4", &["data", "checksum"]),
    ("actuated-v1", &["data", "checksum"]),
    ("actuated-v2", &["data", "checksum"]),
    ("actuated-v3", &["data", "checksum"]),
    ("actuated-v4", &["data", "checksum"]),
    (
        "dockershim-v0a",
        &["version", "name", "namespace", "data", "checksum"],
    ),
    (
        "dockershim-v0",
        &["version", "name", "namespace", "data", "checksum"],
    ),
    (
        "dockershim-v1",
        &["version", "name", "namespace", "data", "checksum"],
    ),
    (
        "dockershim-v2",
        &["version", "name", "namespace", "data", "checksum"],
    ),
    (
        "imagepull-intent-v1alpha1",
        &["kind", "apiVersion", "image"],
    ),
    ("imagepull-intent-v1beta1", &["kind", "apiVersion", "image"]),
    (
        "imagepull-pulled-v1alpha1",
        &[
            "kind",
            "apiVersion",
            "lastUpdatedTime",
            "imageRef",
            "credentialMapping",
        ],
    ),
    (
        "imagepull-pulled-v1beta1",
        &[
            "kind",
            "apiVersion",
            "lastUpdatedTime",
            "imageRef",
            "credentialMapping",
        ],
    ),
    (
        "imagepull-preloaded-v1beta1",
        &[
            "kind",
            "apiVersion",
            "lastUpdatedTime",
            "imageRef",
            "observedImages",
        ],
    ),
    ("bootstrap-pod", &[]),
    ("dynamic-config-meta", &[]),
    (
        "csi-vol-data",
        &[
            "specVolumeID",
            "volumeHandle",
            "driverName",
            "nodeName",
            "attachmentID",
            "volumeLifecycleMode",
        ],
    ),
    ("graceful-node-shutdown", &["startTime", "endTime"]),
];

/// Members a writer leaves out in most files (the device manager's
/// `BootID`, written only by its newest line): their absence says nothing.
const OPTIONAL: [&str; 1] = ["BootID"];

/// The members of `kind` (empty for an unknown name).
pub fn members(kind: &str) -> &'static [&'static str] {
    MEMBERS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, m)| m)
}

/// Members too generic to make a document a kubelet file on their own
/// (`apiVersion`/`kind` are every Kubernetes object's).
const GENERIC: [&str; 3] = ["checksum", "apiVersion", "kind"];

/// Whether `key` names a member of `kind` as Go's decoder matches keys.
pub fn is_member(kind: &str, key: &str) -> bool {
    members(kind).iter().any(|m| fold_eq(m, key))
}

/// Why a kind is a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Its members are in the document.
    Content,
    /// The path carries its file name (and the content says nothing else).
    Name,
    /// Both.
    Both,
}

/// One kind that was considered, with the evidence.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub kind: &'static dyn Shape,
    pub basis: Basis,
    /// Top-level keys the kind reads.
    pub matched: usize,
    /// Top-level keys it does not know (Go ignores them).
    pub unknown: Vec<String>,
    /// Its members absent from the document.
    pub missing: usize,
    /// Keys that match one of its members only by case folding (the
    /// kubelet's writers spell their members exactly, so a shape whose
    /// members are spelt as in the file fits better).
    pub folded: usize,
    /// Its verdict on the bytes (union over releases).
    pub verification: Verification,
    /// Its writer gives the bytes back exactly.
    pub exact: bool,
    /// Its writer gives the same JSON value back (the bytes may differ in
    /// whitespace: a trailing newline, pretty printing).
    pub same_value: bool,
    /// The payload holds members this shape ignores (the kubelet would load
    /// that part as empty state).
    pub ignores_payload: bool,
    /// Whether the kind's verdict was computed ([`identify`] judges only
    /// the candidates whose keys fit best).
    pub judged: bool,
}

/// The outcome: the chosen kind (if any) and every candidate, best first.
#[derive(Debug, Clone)]
pub struct Identification {
    pub chosen: Option<usize>,
    pub candidates: Vec<Candidate>,
    /// The document's top-level keys, in file order (as far as it could be
    /// read: a torn file gives the keys before the tear).
    pub keys: Vec<String>,
    /// Whether the document starts as a JSON object.
    pub is_object: bool,
    /// Other kinds the content fits exactly as well as the chosen one (the
    /// same layout under another file name: `allocated_pods_state` and
    /// `actuated_pods_state`); only the file name tells them apart.
    pub ties: Vec<&'static str>,
}

impl Identification {
    /// The chosen candidate.
    pub fn best(&self) -> Option<&Candidate> {
        self.chosen.map(|i| &self.candidates[i])
    }
}

/// Identifies `bytes` found at `path` (see the module docs).
pub fn identify(path: Option<&Path>, bytes: &[u8], opts: &VerifyOptions) -> Identification {
    identify_with(path, bytes, opts, false)
}

/// [`identify`] that judges every candidate (for `identify`'s report);
/// [`identify`] judges only the candidates whose keys fit best, since the
/// others cannot win (fit ranks before the verdict).
pub fn identify_thorough(
    path: Option<&Path>,
    bytes: &[u8],
    opts: &VerifyOptions,
) -> Identification {
    identify_with(path, bytes, opts, true)
}

fn identify_with(
    path: Option<&Path>,
    bytes: &[u8],
    opts: &VerifyOptions,
    thorough: bool,
) -> Identification {
    // Every candidate validates the same bytes: once is enough.
    crate::go::json::with_validated(bytes, || identify_candidates(path, bytes, opts, thorough))
}

fn identify_candidates(
    path: Option<&Path>,
    bytes: &[u8],
    opts: &VerifyOptions,
    thorough: bool,
) -> Identification {
    let scan = top_level_keys(bytes);
    let all = registry();
    let mut cands: Vec<Candidate> = Vec::new();
    // The registry lists each family oldest first: newest first is reversed.
    for k in all.iter().rev().copied() {
        let name = k.info().name;
        let mem = members(name);
        let by_name = path.is_some_and(|p| name_matches(k.info().file, p));
        let matched_keys: Vec<&String> = scan
            .keys
            .iter()
            .filter(|key| mem.iter().any(|m| fold_eq(m, key)))
            .collect();
        let distinctive = matched_keys
            .iter()
            .any(|key| !GENERIC.iter().any(|g| fold_eq(g, key)));
        let by_content = distinctive;
        if !by_content && !by_name {
            continue;
        }
        let unknown: Vec<String> = scan
            .keys
            .iter()
            .filter(|key| !mem.iter().any(|m| fold_eq(m, key)))
            .cloned()
            .collect();
        let missing = mem
            .iter()
            .filter(|m| !OPTIONAL.contains(m))
            .filter(|m| !scan.keys.iter().any(|key| fold_eq(m, key)))
            .count();
        // Judged below (all of them, or only those that fit best).
        let verification = Verification {
            verdict: Verdict::InvalidJson,
            message: "not judged: other kinds fit the document's keys better".into(),
            offset: None,
            stored_checksum: None,
            computed_checksum: None,
        };
        let (exact, same_value, ignores_payload) = (false, false, false);
        cands.push(Candidate {
            kind: k,
            basis: match (by_content, by_name) {
                (true, true) => Basis::Both,
                (true, false) => Basis::Content,
                _ => Basis::Name,
            },
            matched: matched_keys.len(),
            unknown,
            missing,
            folded: matched_keys
                .iter()
                .filter(|k| !mem.contains(&k.as_str()))
                .count(),
            verification,
            exact,
            same_value,
            ignores_payload,
            judged: false,
        });
    }
    let any_content_early = cands.iter().any(|c| c.basis != Basis::Name);
    let prefix = |c: &Candidate| {
        (
            any_content_early && c.basis == Basis::Name,
            c.unknown.len(),
            std::cmp::Reverse(c.matched),
        )
    };
    let best_prefix = cands.iter().map(prefix).min();
    for c in cands.iter_mut() {
        if !thorough && Some(prefix(c)) != best_prefix {
            continue;
        }
        let k = c.kind;
        let verification = k.verify(bytes, opts);
        let canonical = (verification.verdict == Verdict::Ok)
            .then(|| k.canonical(bytes).ok())
            .flatten();
        c.exact = canonical.as_deref() == Some(bytes);
        c.same_value = c.exact || canonical.is_some_and(|x| same_json(&x, bytes));
        c.ignores_payload = verification.verdict == Verdict::Ok
            && verification.message.contains(super::common::IGNORED_MARK);
        c.verification = verification;
        c.judged = true;
    }
    // Content candidates outrank name-only ones: a memory manager file
    // saved as `cpu_manager_state` is a memory manager file.
    let any_content = cands.iter().any(|c| c.basis != Basis::Name);
    let mut order: Vec<usize> = (0..cands.len()).collect();
    let inner = inner_keys(bytes);
    let fit = |c: &Candidate| {
        (
            any_content && c.basis == Basis::Name,
            c.unknown.len() + usize::from(c.ignores_payload),
            std::cmp::Reverse(c.matched),
            c.folded,
            tier(c),
            inner_fit(c.kind, &inner).0,
            c.missing,
            inner_fit(c.kind, &inner).1,
        )
    };
    // Each candidate's fit once (the inner-name fit scans every key).
    let fits: Vec<_> = cands.iter().map(fit).collect();
    order.sort_by_key(|&i| (fits[i], cands[i].basis == Basis::Content, i));
    let best_fit = order.first().map(|&i| fits[i]);
    let ties = match order.first() {
        Some(&b) => order[1..]
            .iter()
            .filter(|&&i| {
                Some(fits[i]) == best_fit && cands[i].kind.info().file != cands[b].kind.info().file
            })
            .map(|&i| cands[i].kind.info().name)
            .collect(),
        None => Vec::new(),
    };
    let candidates: Vec<Candidate> = order.into_iter().map(|i| cands[i].clone()).collect();
    Identification {
        chosen: (!candidates.is_empty()).then_some(0),
        candidates,
        keys: scan.keys,
        is_object: scan.is_object,
        ties,
    }
}

/// Whether two documents hold the same JSON value (whitespace and key
/// order aside); numbers compare as serde_json reads them.
fn same_json(a: &[u8], b: &[u8]) -> bool {
    match (
        serde_json::from_slice::<serde_json::Value>(a),
        serde_json::from_slice::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn tier(c: &Candidate) -> u8 {
    match (c.verification.verdict, c.same_value) {
        (Verdict::Ok, true) => 0,
        (Verdict::Ok, false) => 1,
        (Verdict::Corrupt | Verdict::Rejected, _) => 2,
        (Verdict::InvalidJson, _) => 3,
    }
}

/// Go's key matching: the exact name, else `bytes.EqualFold` (the Go
/// layer's port, Kelvin sign and long s included).
fn fold_eq(member: &str, key: &str) -> bool {
    member == key || crate::go::json::equal_fold(member.as_bytes(), key.as_bytes())
}

/// The top-level keys of a document, read tolerantly (the keys before a
/// tear, none for a non-object).
pub fn top_keys(bytes: &[u8]) -> Vec<String> {
    top_level_keys(bytes).keys
}

/// Top-level keys of `bytes` that `kind` does not read but another shape of
/// the same kubelet file does: data a rewrite as `kind` would drop.
pub fn foreign_members(kind: &dyn Shape, bytes: &[u8]) -> Vec<String> {
    let name = kind.info().name;
    let file = kind.info().file;
    top_keys(bytes)
        .into_iter()
        .filter(|k| !is_member(name, k))
        .filter(|k| {
            registry()
                .iter()
                .any(|o| o.info().file == file && is_member(o.info().name, k))
        })
        .collect()
}

/// Shapes of one file that share their top-level members (the spew-era
/// DRA envelopes; every data-string envelope) differ in the names inside:
/// the field names (at any depth, in the document or in its `data` string)
/// that tell each apart.
fn inner_members(kind: &str) -> &'static [&'static str] {
    const DEV: &[&str] = &[
        "entries",
        "DriverState",
        "Devices",
        "PoolName",
        "DeviceName",
        "RequestNames",
        "CDIDeviceIDs",
    ];
    match kind {
        "dra-v1" | "dra-v2" => &["entries", "DriverName", "ClassName", "CDIDevices"],
        "dra-v3" | "dra-v4" => &[
            "entries",
            "DriverName",
            "ClassName",
            "ResourceHandles",
            "CDIDevices",
        ],
        "dra-v5" | "dra-v6" => DEV,
        "dra-v7" => &[
            "ClaimInfoStateList",
            "DriverState",
            "Devices",
            "PoolName",
            "DeviceName",
            "RequestNames",
            "CDIDeviceIDs",
        ],
        "dra-v8" => &[
            "ClaimInfoStateList",
            "DriverState",
            "Devices",
            "PoolName",
            "DeviceName",
            "ShareID",
            "RequestNames",
            "CDIDeviceIDs",
        ],
        "podstatus-v1" | "podstatus-v2" => &["allocationEntries", "resizeStatusEntries"],
        "podstatus-v3" => &[
            "allocationEntries",
            "resizeStatusEntries",
            "requests",
            "limits",
            "claims",
        ],
        "allocated-v1" | "actuated-v1" => &["allocationEntries", "requests", "limits", "claims"],
        "allocated-v2" | "actuated-v2" => &[
            "entries",
            "ContainerResources",
            "requests",
            "limits",
            "claims",
        ],
        "allocated-v3" | "actuated-v3" => &[
            "entries",
            "ContainerResources",
            "PodLevelResources",
            "requests",
            "limits",
            "claims",
        ],
        "allocated-v4" | "actuated-v4" => &[
            "entries",
            "ContainerResources",
            "PodLevelResources",
            "EmptyDirVolumeLimits",
            "requests",
            "limits",
            "claims",
        ],
        _ => &[],
    }
}

/// Every object key of a document at any depth, and of the document in
/// its top-level `data` string (as far as either can be read).
fn inner_keys(bytes: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    // Below the top level of the document (its own members are compared
    // on their own) ...
    object_keys(bytes, 2, &mut keys);
    // ... and every key of the payload the pod-state and CRC-era envelopes
    // hold as JSON text in a top-level `data` string (as far as it goes,
    // when the file was torn inside it).
    scan_members(bytes, |key, b, at| {
        if key.eq_ignore_ascii_case("data") && b.get(at) == Some(&b'"') {
            let inner = match read_string(b, at) {
                Some((inner, _)) => inner,
                None => loose_unescape(&b[at + 1..]),
            };
            object_keys(inner.as_bytes(), 1, &mut keys);
        }
    });
    keys.sort();
    keys.dedup();
    keys
}

/// The text of a string cut short by the end of input (escapes decoded as
/// [`read_string`] does; a torn escape at the end is dropped).
fn loose_unescape(b: &[u8]) -> String {
    let mut s = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b.get(i + 1) {
                Some(b'n') => s.push(b'\n'),
                Some(b't') => s.push(b'\t'),
                Some(&c) if c != b'u' => s.push(c),
                _ => {}
            }
            i += 2;
        } else {
            s.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

/// Every object key at nesting depth `min_depth` or deeper (1: the
/// members of the outermost object), read by a linear token scan:
/// tolerant of a torn document, no recursion, no decode of values.
fn object_keys(b: &[u8], min_depth: usize, out: &mut Vec<String>) {
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let Some(next) = string_end(b, i) else {
                    return;
                };
                let mut j = next;
                while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r') {
                    j += 1;
                }
                if b.get(j) == Some(&b':') && depth >= min_depth {
                    if let Some((s, _)) = read_string(b, i) {
                        out.push(s);
                    }
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// How well a kind's inner names fit the document's keys: (names of other
/// shapes of the same file present, own names absent); (0, 0) for kinds
/// without inner names.
fn inner_fit(kind: &dyn Shape, keys: &[String]) -> (usize, usize) {
    let name = kind.info().name;
    let mem = inner_members(name);
    if mem.is_empty() || keys.is_empty() {
        return (0, 0);
    }
    let file = kind.info().file;
    let mut others: Vec<&str> = registry()
        .iter()
        .filter(|o| o.info().file == file)
        .flat_map(|o| inner_members(o.info().name).iter().copied())
        .filter(|m| !mem.iter().any(|x| x.eq_ignore_ascii_case(m)))
        .collect();
    others.sort_unstable();
    others.dedup();
    // Only keys whose first byte can fold to a name's first letter can
    // match (the names are ASCII; a key rune folding to an ASCII letter is
    // that letter in either case, or the Kelvin sign / long s, non-ASCII):
    // a document with 100,000 pod UIDs as keys is then not compared name
    // by name.
    let mut first = [false; 256];
    for m in mem.iter().chain(others.iter()) {
        if let Some(&b) = m.as_bytes().first() {
            first[usize::from(b.to_ascii_lowercase())] = true;
            first[usize::from(b.to_ascii_uppercase())] = true;
        }
    }
    first[0x80..].iter_mut().for_each(|f| *f = true);
    let keys: Vec<&String> = keys
        .iter()
        .filter(|k| k.as_bytes().first().is_some_and(|&b| first[usize::from(b)]))
        .collect();
    let present = |m: &str| keys.iter().any(|k| fold_eq(m, k));
    let unknown = others.iter().filter(|m| present(m)).count();
    let missing = mem.iter().filter(|m| !present(m)).count();
    (unknown, missing)
}

/// The string value of the top-level member `name` (matched as Go matches
/// keys; the last one wins, as in Go), read with the same tolerant scanner
/// as the keys: no decode of the whole document.
pub fn top_string(bytes: &[u8], name: &str) -> Option<String> {
    let mut found = None;
    scan_members(bytes, |key, b, at| {
        if fold_eq(name, key) {
            found = (b.get(at) == Some(&b'"'))
                .then(|| read_string(b, at).map(|(v, _)| v))
                .flatten();
        }
    });
    found
}

/// The top-level keys of a document, read tolerantly.
struct KeyScan {
    keys: Vec<String>,
    is_object: bool,
}

/// Reads the keys of the top-level JSON object, stopping quietly at the
/// first error (a torn file gives the keys before the tear). Skips a UTF-8
/// BOM and whitespace first (Go refuses both the BOM and NUL padding, but
/// they do not change what the file is). Linear, no recursion.
fn top_level_keys(b: &[u8]) -> KeyScan {
    let mut keys = Vec::new();
    let is_object = scan_members(b, |k, _, _| keys.push(k.to_string()));
    KeyScan { keys, is_object }
}

/// Walks the members of the top-level object, calling `f(key, bytes,
/// value offset)` for each; returns whether the document starts as an
/// object. Stops quietly at the first error.
fn scan_members(b: &[u8], mut f: impl FnMut(&str, &[u8], usize)) -> bool {
    let mut i = 0;
    if b.starts_with(b"\xEF\xBB\xBF") {
        i = 3;
    }
    let ws = |b: &[u8], mut i: usize| {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    i = ws(b, i);
    if b.get(i) != Some(&b'{') {
        return false;
    }
    i += 1;
    loop {
        i = ws(b, i);
        if b.get(i) != Some(&b'"') {
            return true;
        }
        let Some((key, next)) = read_string(b, i) else {
            return true;
        };
        i = ws(b, next);
        if b.get(i) != Some(&b':') {
            return true;
        }
        i = ws(b, i + 1);
        f(&key, b, i);
        let Some(next) = skip_value(b, i) else {
            return true;
        };
        i = ws(b, next);
        match b.get(i) {
            Some(b',') => i += 1,
            _ => return true,
        }
    }
}

/// A JSON string at `b[i] == '"'`: its text (escapes decoded loosely) and
/// the index after its closing quote.
fn read_string(b: &[u8], mut i: usize) -> Option<(String, usize)> {
    i += 1;
    let mut s = Vec::new();
    while i < b.len() {
        match b[i] {
            b'"' => return Some((String::from_utf8_lossy(&s).into_owned(), i + 1)),
            b'\\' => {
                let e = *b.get(i + 1)?;
                match e {
                    b'u' => {
                        let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
                        let c = u32::from_str_radix(hex, 16).ok()?;
                        let ch = char::from_u32(c).unwrap_or('\u{FFFD}');
                        let mut buf = [0; 4];
                        s.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        i += 6;
                        continue;
                    }
                    b'n' => s.push(b'\n'),
                    b't' => s.push(b'\t'),
                    b'r' => s.push(b'\r'),
                    b'b' => s.push(8),
                    b'f' => s.push(12),
                    other => s.push(other),
                }
                i += 2;
            }
            _ => {
                let run = b[i..]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\')
                    .unwrap_or(b.len() - i);
                s.extend_from_slice(&b[i..i + run]);
                i += run;
            }
        }
    }
    None
}

/// The length of the escape sequence at `b[i] == '\\'` as [`read_string`]
/// reads it, or `None` where it cannot (cut short, bad `\u` digits).
fn escape_len(b: &[u8], i: usize) -> Option<usize> {
    if *b.get(i + 1)? != b'u' {
        return Some(2);
    }
    let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
    u32::from_str_radix(hex, 16).ok()?;
    Some(6)
}

/// The index after the JSON string at `b[i] == '"'`, exactly where
/// [`read_string`] ends it (and `None` where it fails), without building
/// the text: skipping values and non-key strings allocates nothing.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        let run = b.get(i..)?.iter().position(|&c| c == b'"' || c == b'\\')?;
        i += run;
        if b[i] == b'"' {
            return Some(i + 1);
        }
        i += escape_len(b, i)?;
    }
}

/// The index after the JSON value at `b[i]`, or `None` where it is cut
/// short. Containers are skipped by depth counting outside strings.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            (j > i && j < b.len()).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `string_end` skips exactly what `read_string` reads: every string
    /// of up to 6 bytes after the opening quote over an alphabet with the
    /// quote, the backslash, `u`, hex digits, `+` (which `from_str_radix`
    /// accepts) and a non-ASCII byte.
    #[test]
    fn string_end_agrees_with_read_string() {
        let alphabet = [b'"', b'\\', b'u', b'0', b'a', b'+', b'x', 0xC3];
        let mut checked = 0;
        for len in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let mut b = vec![b'"'];
                for _ in 0..len {
                    b.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                assert_eq!(
                    string_end(&b, 0),
                    read_string(&b, 0).map(|(_, end)| end),
                    "{:?}",
                    String::from_utf8_lossy(&b)
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 299_593);
    }

    #[test]
    fn keys_tolerant() {
        let k = top_level_keys(br#"  {"a": {"x":[1,"}"]}, "B":2, "c": "#);
        assert!(k.is_object);
        assert_eq!(k.keys, ["a", "B", "c"]);
        let k = top_level_keys(b"\xEF\xBB\xBF{\"policyName\":\"none\"}");
        assert_eq!(k.keys, ["policyName"]);
        assert!(!top_level_keys(b"null").is_object);
        assert!(!top_level_keys(b"apiVersion: v1\n").is_object);
    }

    #[test]
    fn folding() {
        assert!(fold_eq("checksum", "CheckSum"));
        assert!(fold_eq("policyName", "POLICYNAME"));
        assert!(fold_eq("checksum", "chec\u{212A}sum"));
        assert!(!fold_eq("checksum", "checksums"));
    }

    #[test]
    fn members_cover_registry() {
        for k in registry() {
            assert!(
                MEMBERS.iter().any(|(n, _)| *n == k.info().name),
                "{} has no member list",
                k.info().name
            );
        }
    }
}

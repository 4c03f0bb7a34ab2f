//! What each kubelet minor release (1.8 – 1.37) does with each of its
//! state files: the reader chain, which failures fall through to the next
//! reader, whose error is reported, the checksum acceptance, the writer's
//! shape, the feature gates that change it, and the release's error text.
//!
//! The table is data: `releases.tsv` beside this file is a verbatim copy of
//! the spec's `spec/releases.tsv` (a test fails when the two differ), parsed
//! once. [`verify`] runs one release's whole read path over the per-shape
//! kinds exactly as the Go reference's `oracle release VERSION FILE verify`
//! does (`oracle/release.go`, whose functions are cited below).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use super::common::{ChecksumRule, NameVariants, Verdict, Verification, VerifyOptions};
use super::node::{self, Node, NodeError};
use super::{kind, Shape};

/// The embedded table (`spec/releases.tsv`).
pub const TABLE_TSV: &str = include_str!("releases.tsv");

/// The oldest and newest minor releases the table covers.
pub const MINORS: std::ops::RangeInclusive<u8> = 8..=37;

/// How certain a row is (spec `releases.md` §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// A release-specific statement (changelog, release note, issue).
    Confirmed,
    /// From PR dates against the release calendar and the code.
    Inferred,
}

/// One (file, release) row. Gated columns keep their raw text
/// (`default|Gate=value|!Gate=value`) and are resolved with [`Gates`].
#[derive(Debug, Clone)]
pub struct Row {
    /// The kubelet file, as `oracle kinds` names it (`cpu_manager_state`,
    /// `dockershim/sandbox/<sandbox-id>`).
    pub file: &'static str,
    /// The minor release (`30` for 1.30).
    pub minor: u8,
    readers: &'static str,
    fallthrough: &'static str,
    reported: &'static str,
    zero: &'static str,
    names: &'static str,
    writer: &'static str,
    gates: &'static str,
    /// `yes`: a failure stops the kubelet; `no`: logged and ignored.
    pub fatal: &'static str,
    wrap: &'static str,
    json_names: &'static str,
    pub certainty: Certainty,
    /// Where the row comes from (PRs, issues, commits).
    pub source: &'static str,
}

const COLUMNS: [&str; 14] = [
    "file",
    "release",
    "readers",
    "fallthrough",
    "reported",
    "zero_checksum",
    "name_variants",
    "writer",
    "gates",
    "fatal",
    "wrap",
    "json_names",
    "certainty",
    "source",
];

/// Every row, in the table's order (file, then release).
pub fn table() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| parse(TABLE_TSV).expect("embedded release table is well-formed"))
}

fn parse(text: &'static str) -> Result<Vec<Row>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(COLUMNS.join("\t").as_str()) {
        return Err("release table: unexpected header".into());
    }
    lines
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&'static str> = l.split('\t').collect();
            if f.len() != COLUMNS.len() {
                return Err(format!(
                    "release table line {}: {} columns, want {}",
                    i + 2,
                    f.len(),
                    COLUMNS.len()
                ));
            }
            let minor = parse_version(f[1]).ok_or_else(|| format!("bad release {:?}", f[1]))?;
            let certainty = match f[12] {
                "confirmed" => Certainty::Confirmed,
                "inferred" => Certainty::Inferred,
                c => return Err(format!("line {}: certainty {c:?}", i + 2)),
            };
            Ok(Row {
                file: f[0],
                minor,
                readers: f[2],
                fallthrough: f[3],
                reported: f[4],
                zero: f[5],
                names: f[6],
                writer: f[7],
                gates: f[8],
                fatal: f[9],
                wrap: f[10],
                json_names: f[11],
                certainty,
                source: f[13],
            })
        })
        .collect()
}

/// `1.30`, `v1.30`, `1.30.2`, `v1.30.2-eks` → 30 (`relParseVersion`).
pub fn parse_version(s: &str) -> Option<u8> {
    let s = s.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    let s = s.split(['-', '+']).next()?;
    let p: Vec<&str> = s.split('.').collect();
    if !(2..=3).contains(&p.len()) || p[0] != "1" {
        return None;
    }
    if !p[1].bytes().all(|b| b.is_ascii_digit()) || p.iter().skip(2).any(|x| x.is_empty()) {
        return None;
    }
    let m: u8 = p[1].parse().ok()?;
    MINORS.contains(&m).then_some(m)
}

/// The table's file names, in table order.
pub fn files() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for r in table() {
        if !v.contains(&r.file) {
            v.push(r.file);
        }
    }
    v
}

/// The table's file for a path on a node or in a copy of one: the last
/// components must match the file's, a `<placeholder>` standing for one
/// component's text after its literal prefix (`sha256-<...>`). Only the
/// name part is compared (`/var/lib/kubelet` may be elsewhere).
pub fn file_for_path(path: &Path) -> Option<&'static str> {
    let comps: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    files().into_iter().find(|f| {
        let pat: Vec<&str> = f.split('/').collect();
        // A placeholder file needs its directory too: a name alone says
        // nothing. Plain files match on their last component (a copy of
        // `device-plugins/kubelet_internal_checkpoint` elsewhere).
        let need = if f.contains('<') { pat.len() } else { 1 };
        if comps.len() < need {
            return false;
        }
        pat.iter()
            .rev()
            .take(need)
            .zip(comps.iter().rev())
            .all(|(p, c)| component_matches(p, c))
    })
}

fn component_matches(pattern: &str, name: &str) -> bool {
    match pattern.find('<') {
        None => pattern == name,
        Some(i) => name.len() > i && name.starts_with(&pattern[..i]),
    }
}

/// The row of `file` for release `minor`.
pub fn row(file: &str, minor: u8) -> Option<&'static Row> {
    table().iter().find(|r| r.file == file && r.minor == minor)
}

/// Effective feature gates: a row's defaults, then the user's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gates(pub BTreeMap<String, bool>);

impl Gates {
    /// Parses `--feature-gates` as the kubelet takes it:
    /// `Gate=true,Other=false` (spaces around items allowed).
    pub fn parse(s: &str) -> Result<Gates, String> {
        let mut g = BTreeMap::new();
        for item in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| format!("feature gate {item:?}: want Gate=true|false"))?;
            let on = match v.trim() {
                "true" | "True" | "TRUE" | "1" | "t" | "T" => true,
                "false" | "False" | "FALSE" | "0" | "f" | "F" => false,
                _ => return Err(format!("feature gate {item:?}: invalid value {v:?}")),
            };
            g.insert(k.trim().to_string(), on);
        }
        Ok(Gates(g))
    }
}

/// The columns that decide a chain's verdict (all but the release and its
/// sources): rows with equal keys judge every file alike.
pub type RowKey = [&'static str; 10];

impl Row {
    /// See [`RowKey`].
    pub fn key(&self) -> RowKey {
        [
            self.readers,
            self.fallthrough,
            self.reported,
            self.zero,
            self.names,
            self.writer,
            self.gates,
            self.fatal,
            self.wrap,
            self.json_names,
        ]
    }

    /// The row's gate defaults overridden by `user` (`relGates`).
    pub fn gates(&self, user: &Gates) -> Gates {
        let mut g: BTreeMap<String, bool> = self
            .gate_defaults()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for (k, v) in &user.0 {
            g.insert(k.clone(), *v);
        }
        Gates(g)
    }

    /// The gates this row depends on, with their defaults.
    pub fn gate_defaults(&self) -> Vec<(&'static str, bool)> {
        if self.gates == "-" {
            return Vec::new();
        }
        self.gates
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k, v == "on" || v == "true")
            })
            .collect()
    }

    /// The readers, in the order the kubelet tries them; empty when the
    /// release does not read the file; `["?"]` for an unmodelled shape.
    pub fn readers(&self, gates: &Gates) -> Vec<&'static str> {
        list(resolve(self.readers, gates))
    }

    /// The kind the release writes and whether its checksum is over the
    /// newer type name (`@named`); `None` when it writes nothing.
    pub fn writer(&self, gates: &Gates) -> Option<(&'static str, bool)> {
        let w = resolve(self.writer, gates);
        if w == "-" || w == "?" {
            return None;
        }
        Some(match w.split_once('@') {
            Some((k, v)) => (k, v == "named"),
            None => (w, false),
        })
    }

    /// Whether a failure stops the kubelet.
    pub fn is_fatal(&self) -> bool {
        self.fatal == "yes"
    }

    /// The checksum acceptance of reader `k` in this release, for the kinds
    /// whose rule changed between releases (`relChecksums`); `None` for the
    /// others, whose own rule holds in every release.
    pub fn checksum_rule(&self, gates: &Gates, k: &str) -> Option<ChecksumRule> {
        if !RELEASE_RULE_KINDS.contains(&k) {
            return None;
        }
        let zero = list(resolve(self.zero, gates)).contains(&k);
        let names = names_of(resolve(self.names, gates), k);
        Some(ChecksumRule { zero, names })
    }
}

/// The kinds whose checksum acceptance differs by release (the Go
/// reference's `relChecksums`).
const RELEASE_RULE_KINDS: [&str; 5] = ["cpu-v1", "cpu-v2", "cpu-v3", "memory", "memory-v2"];

/// `relResolve`: `default|Gate=alt|!Gate=alt`, later matching items win.
fn resolve(col: &'static str, gates: &Gates) -> &'static str {
    let mut parts = col.split('|');
    let mut v = parts.next().unwrap_or("");
    for p in parts {
        let Some((name, alt)) = p.split_once('=') else {
            continue;
        };
        let (name, neg) = match name.strip_prefix('!') {
            Some(n) => (n, true),
            None => (name, false),
        };
        if gates.0.get(name).copied().unwrap_or(false) != neg {
            v = alt;
        }
    }
    v
}

fn list(s: &'static str) -> Vec<&'static str> {
    if s == "-" || s.is_empty() {
        Vec::new()
    } else {
        s.split(',').collect()
    }
}

/// `relFallthrough`: the failure classes after which reader `k` lets the
/// chain go on.
fn falls_through(col: &str, k: &str, class: &str) -> bool {
    let mut def = "";
    let mut own = None;
    for item in col.split(';') {
        if let Some((name, classes)) = item.split_once('=') {
            if name == k {
                own = Some(classes);
            }
            continue;
        }
        def = item;
    }
    let c = own.unwrap_or(def);
    c != "none" && c.split(',').any(|x| x == class)
}

/// `relNames`: `None` = the kind's own rule.
fn names_of(col: &str, k: &str) -> Option<NameVariants> {
    if col == "-" {
        return None;
    }
    col.split(';').find_map(|item| {
        let (name, v) = item.split_once('=')?;
        (name == k).then(|| NameVariants {
            legacy: v.split('+').any(|x| x == "legacy"),
            named: v.split('+').any(|x| x == "named"),
        })
    })
}

/// `relWrap`: `prefix~template ;; ~template`, the first template whose
/// prefix starts `msg` wins; `%s` is the inner message, `\n` a newline.
fn wrap(col: &str, msg: &str) -> String {
    if col == "-" || col.is_empty() {
        return msg.to_string();
    }
    for alt in col.split(" ;; ") {
        let (prefix, tmpl) = alt.split_once('~').unwrap_or(("", alt));
        if msg.starts_with(prefix) {
            return tmpl.replace("\\n", "\n").replacen("%s", msg, 1);
        }
    }
    msg.to_string()
}

/// `relJSONNames`: Go type names as that release named them.
fn json_names(col: &str, msg: &str) -> String {
    if col == "-" {
        return msg.to_string();
    }
    let mut m = msg.to_string();
    for p in col.split(';') {
        if let Some((from, to)) = p.split_once('=') {
            m = m.replace(from, to);
        }
    }
    m
}

/// One release's verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseVerdict {
    /// The release does not open the file (too old, or a gate is off).
    Ignored,
    /// The release reads a shape that is not modelled (device manager
    /// 1.8–1.10).
    Unmodelled,
    /// The kubelet's answer is not determined by the node and the file
    /// (the node checks depend on Go map order or an unmodelled take).
    Undetermined(String),
    /// The verdict of the chain: for a failure, the kubelet's whole text
    /// (wrapped, type names as that release had them) and the reader whose
    /// error it is; for `ok`, the reader that accepted the file.
    Judged {
        reader: &'static str,
        verification: Verification,
    },
}

impl ReleaseVerdict {
    /// The verdict, when the release reads the file.
    pub fn verdict(&self) -> Option<Verdict> {
        match self {
            ReleaseVerdict::Judged { verification, .. } => Some(verification.verdict),
            _ => None,
        }
    }
}

/// The failure class of a reader's verdict (`relErrClass`): `invalid-json`,
/// `corrupt`, `other`, or `absent` for a 1.37 V4/V3 reader that found no
/// data section.
fn class(v: &Verification) -> &'static str {
    match v.verdict {
        Verdict::Ok => "ok",
        Verdict::InvalidJson
            if v.message.starts_with("not a v4 checkpoint")
                || v.message.starts_with("not a v3 checkpoint") =>
        {
            "absent"
        }
        Verdict::InvalidJson => "invalid-json",
        Verdict::Corrupt => "corrupt",
        Verdict::Rejected => "other",
    }
}

/// Whether a failure happened after the file was read (a crash in the
/// restore's clone): the kubelet neither wraps it as a restore error nor
/// tries another reader (the reference's `restore == false`).
fn after_read(v: &Verification) -> bool {
    v.verdict == Verdict::Rejected && v.message.starts_with("panic: ")
}

/// Runs release `row`'s whole read path over `bytes` (`relVerify`).
/// `opts.policy` is the configured policy for the policy-name check, as
/// `ORACLE_POLICY` is for the reference. With `node`, each reader also runs
/// what that release does with its configuration and the node: the
/// manager's construction before the read and the static policies' start
/// checks after it (`ORACLE_NODE`); their failures are neither wrapped as
/// restore errors nor fall through to another reader. The configured
/// policies then come from the node's configuration.
pub fn verify(
    row: &Row,
    user_gates: &Gates,
    bytes: &[u8],
    opts: &VerifyOptions,
    node: Option<&Node>,
) -> ReleaseVerdict {
    verify_with(
        row,
        user_gates,
        bytes,
        opts,
        node,
        &mut ReaderCache::default(),
    )
}

/// The verdicts of single readers on one file, shared by the releases
/// judged on it: releases differ in wrappers, order and fall-through far
/// more often than in what one reader says, so each (reader, checksum
/// rule, policy) decodes the file once.
#[derive(Default)]
pub struct ReaderCache {
    seen: Vec<(
        &'static str,
        Option<ChecksumRule>,
        Option<String>,
        Verification,
    )>,
}

impl ReaderCache {
    /// Records a reader's verdict computed elsewhere (identification judges
    /// the candidate kinds with no release rule).
    pub fn seed(&mut self, kind: &'static str, policy: Option<String>, v: Verification) {
        self.seen.push((kind, None, policy, v));
    }

    fn get(&mut self, shape: &dyn Shape, bytes: &[u8], o: &VerifyOptions) -> Verification {
        let name = shape.info().name;
        if let Some((_, _, _, v)) = self
            .seen
            .iter()
            .find(|(k, r, p, _)| *k == name && *r == o.checksum_rule && *p == o.policy)
        {
            return v.clone();
        }
        // A verdict judged with the union rule (identification seeds
        // them) is this rule's verdict too when the rule cannot change it:
        // the decode failed (rules apply after it), or the stored checksum
        // is the legacy hash itself (non-zero) and this rule accepts the
        // legacy hash; what follows the checksum does not depend on the
        // rule. This saves a whole decode per reader for every identified
        // file.
        if let Some(rule) = o.checksum_rule {
            let reusable = |v: &Verification| {
                v.verdict == crate::formats::Verdict::InvalidJson
                    || (rule.names.map_or(true, |n| n.legacy)
                        && v.stored_checksum.is_some_and(|s| s != 0)
                        && v.stored_checksum == v.computed_checksum)
            };
            if let Some((_, _, _, v)) = self
                .seen
                .iter()
                .find(|(k, r, p, v)| *k == name && r.is_none() && *p == o.policy && reusable(v))
            {
                let v = v.clone();
                self.seen
                    .push((name, o.checksum_rule, o.policy.clone(), v.clone()));
                return v;
            }
        }
        let v = reader_verify(shape, bytes, o);
        self.seen
            .push((name, o.checksum_rule, o.policy.clone(), v.clone()));
        v
    }
}

/// [`verify`] with a [`ReaderCache`] kept across releases.
pub fn verify_with(
    row: &Row,
    user_gates: &Gates,
    bytes: &[u8],
    opts: &VerifyOptions,
    node: Option<&Node>,
    cache: &mut ReaderCache,
) -> ReleaseVerdict {
    let gates = row.gates(&node_gates(node, user_gates));
    // The node checks see the release's effective gates (the reference's
    // `nodeGatesOverride`): its defaults, the node's, the user's.
    let node_owned = node.map(|n| {
        let mut n = n.clone();
        n.kubelet_config.feature_gates = gates.0.clone().into_iter().collect();
        n
    });
    let node = node_owned.as_ref();
    let chain = row.readers(&gates);
    if chain.is_empty() {
        return ReleaseVerdict::Ignored;
    }
    if chain[0] == "?" {
        return ReleaseVerdict::Unmodelled;
    }
    let ft = resolve(row.fallthrough, &gates);
    let mut first: Option<(&'static str, Verification)> = None;
    let mut last: Option<(&'static str, Verification)> = None;
    for (i, k) in chain.iter().copied().enumerate() {
        let Some(shape) = kind(k) else {
            // The table names only registered kinds (a test checks it).
            continue;
        };
        let mut o = opts.clone();
        o.checksum_rule = row.checksum_rule(&gates, k);
        let checks = match node.map(|n| NodeChecks::construct(n, row.minor, k, &mut o)) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(c))) => Some(c),
            Some(Err(v)) => return v.judged(k),
        };
        let v = cache.get(shape, bytes, &o);
        if v.verdict == Verdict::Ok {
            if let Some(c) = checks {
                if let Err(v) = c.start(k, bytes) {
                    return v.judged(k);
                }
            }
            return ReleaseVerdict::Judged {
                reader: k,
                verification: v,
            };
        }
        if after_read(&v) {
            return ReleaseVerdict::Judged {
                reader: k,
                verification: v,
            };
        }
        let c = class(&v);
        if first.is_none() {
            first = Some((k, v.clone()));
        }
        last = Some((k, v));
        if i == chain.len() - 1 || !falls_through(ft, k, c) {
            if i == chain.len() - 1 && resolve(row.reported, &gates) == "first" {
                last = first.clone();
            }
            break;
        }
    }
    let Some((reader, mut v)) = last else {
        return ReleaseVerdict::Unmodelled;
    };
    v.message = wrap(row.wrap, &json_names(row.json_names, &v.message));
    ReleaseVerdict::Judged {
        reader,
        verification: v,
    }
}

/// The row's gates see the node's `featureGates` first, then the user's
/// (`relGates`: defaults, `ORACLE_NODE`, `ORACLE_GATES`).
fn node_gates(node: Option<&Node>, user: &Gates) -> Gates {
    let mut g = Gates::default();
    if let Some(n) = node {
        if let Some(serde_json::Value::Object(m)) = n.kubelet_config.document().get("featureGates")
        {
            for (k, v) in m {
                if let Some(b) = v.as_bool() {
                    g.0.insert(k.clone(), b);
                }
            }
        }
    }
    for (k, v) in &user.0 {
        g.0.insert(k.clone(), *v);
    }
    g
}

/// A failure of the node checks, not of the read.
struct NodeFailure(Result<String, String>);

impl NodeFailure {
    fn judged(self, reader: &'static str) -> ReleaseVerdict {
        match self.0 {
            Ok(text) => ReleaseVerdict::Judged {
                reader,
                verification: Verification {
                    verdict: Verdict::Rejected,
                    message: text,
                    offset: None,
                    stored_checksum: None,
                    computed_checksum: None,
                },
            },
            Err(why) => ReleaseVerdict::Undetermined(why),
        }
    }

    fn of(e: NodeError) -> NodeFailure {
        NodeFailure(match e {
            NodeError::Kubelet(t) => Ok(t),
            NodeError::Undetermined(t) => Err(t),
        })
    }
}

/// The node side of one reader: the constructed policy, checked against
/// the restored state after the read.
enum NodeChecks {
    Cpu(node::Release, node::cpu::CpuPolicy),
    Memory(node::memory::MemoryPolicy),
}

impl NodeChecks {
    /// Construction for reader `k` in release `minor`; `None` for kinds
    /// without node checks. Sets the configured policy in `o`.
    fn construct(
        n: &Node,
        minor: u8,
        k: &str,
        o: &mut VerifyOptions,
    ) -> Result<Option<NodeChecks>, NodeFailure> {
        let Some(rel) = node::Release::new(minor) else {
            return Ok(None);
        };
        if k.starts_with("cpu-") {
            let p = node::cpu::cpu_construct(rel, n).map_err(NodeFailure::of)?;
            o.policy = Some(n.kubelet_config.cpu_policy_name(rel).to_owned());
            Ok(Some(NodeChecks::Cpu(rel, p)))
        } else if k.starts_with("memory") {
            let p = node::memory::memory_construct(rel, n).map_err(NodeFailure::of)?;
            o.policy = Some(n.kubelet_config.memory_policy().to_owned());
            Ok(Some(NodeChecks::Memory(p)))
        } else {
            Ok(None)
        }
    }

    /// The start checks once reader `k` restored `bytes`.
    fn start(self, k: &str, bytes: &[u8]) -> Result<(), NodeFailure> {
        match self {
            NodeChecks::Cpu(rel, p) => {
                if k == "cpu-file" && bytes.is_empty() {
                    return Ok(()); // nothing restored
                }
                match node::cpu_state_view(k, bytes) {
                    Some(Ok(st)) => node::cpu::cpu_start(rel, &p, &st).map_err(NodeFailure::of),
                    _ => Ok(()),
                }
            }
            NodeChecks::Memory(p) => match node::memory_state_view(k, bytes) {
                Some(Ok(st)) => node::memory::memory_start(&p, &st).map_err(NodeFailure::of),
                _ => Ok(()),
            },
        }
    }
}

/// One reader of a chain: the kind's verdict under the release's rule.
fn reader_verify(shape: &dyn Shape, bytes: &[u8], opts: &VerifyOptions) -> Verification {
    // The 1.9–1.11 file backend reads a 0-byte file as "no state".
    if shape.info().name == "cpu-file" && bytes.is_empty() {
        return Verification::ok(None, None);
    }
    shape.verify(bytes, opts)
}

/// A range of consecutive releases that give one file the same verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub first: u8,
    pub last: u8,
    pub verdict: ReleaseVerdict,
}

impl Span {
    /// `1.18–1.35` or `1.36`.
    pub fn label(&self) -> String {
        if self.first == self.last {
            format!("1.{}", self.first)
        } else {
            format!("1.{}–1.{}", self.first, self.last)
        }
    }
}

/// Every release's verdict on `file`, grouped into spans of equal verdict
/// (same class and same text), oldest first. Releases whose rows differ
/// only in the release and its sources run the same chain, so each
/// distinct row is judged once.
pub fn spans(
    file: &str,
    user_gates: &Gates,
    bytes: &[u8],
    opts: &VerifyOptions,
    node: Option<&Node>,
) -> Vec<Span> {
    spans_with(
        file,
        user_gates,
        bytes,
        opts,
        node,
        &mut ReaderCache::default(),
    )
}

/// [`spans`] with a [`ReaderCache`] shared with other judgements of the file.
pub fn spans_with(
    file: &str,
    user_gates: &Gates,
    bytes: &[u8],
    opts: &VerifyOptions,
    node: Option<&Node>,
    cache: &mut ReaderCache,
) -> Vec<Span> {
    // The readers of every release validate the same bytes: once is enough.
    crate::go::json::with_validated(bytes, || {
        let mut out: Vec<Span> = Vec::new();
        let mut memo: Vec<(RowKey, ReleaseVerdict)> = Vec::new();
        for m in MINORS {
            let Some(r) = row(file, m) else { continue };
            // With a node the start checks differ by release even where the
            // rows agree: judge every release then.
            let key = r.key();
            let cached = node
                .is_none()
                .then(|| memo.iter().find(|(k, _)| *k == key))
                .flatten();
            let v = match cached {
                Some((_, v)) => v.clone(),
                None => {
                    let v = verify_with(r, user_gates, bytes, opts, node, cache);
                    memo.push((key, v.clone()));
                    v
                }
            };
            match out.last_mut() {
                Some(s) if s.last + 1 == m && same(&s.verdict, &v) => s.last = m,
                _ => out.push(Span {
                    first: m,
                    last: m,
                    verdict: v,
                }),
            }
        }
        out
    })
}

fn same(a: &ReleaseVerdict, b: &ReleaseVerdict) -> bool {
    match (a, b) {
        (
            ReleaseVerdict::Judged {
                verification: x, ..
            },
            ReleaseVerdict::Judged {
                verification: y, ..
            },
        ) => x.verdict == y.verdict && (x.verdict == Verdict::Ok || x.message == y.message),
        _ => a == b,
    }
}

/// The releases whose writer produces `kind` (with any gate setting the row
/// knows of): the releases that could have written a file of that shape.
pub fn writers_of(kind: &str, file: &str) -> Vec<u8> {
    MINORS
        .filter(|m| {
            row(file, *m).is_some_and(|r| {
                gate_settings(r)
                    .iter()
                    .any(|g| r.writer(g).is_some_and(|(k, _)| k == kind))
            })
        })
        .collect()
}

/// The gate settings worth trying for a row: the defaults, and each gate
/// the row depends on flipped.
pub fn gate_settings(r: &Row) -> Vec<Gates> {
    let mut v = vec![Gates::default()];
    for (g, on) in r.gate_defaults() {
        let mut m = BTreeMap::new();
        m.insert(g.to_string(), !on);
        v.push(Gates(m));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.30"), Some(30));
        assert_eq!(parse_version("v1.30.2"), Some(30));
        assert_eq!(parse_version("1.8"), Some(8));
        assert_eq!(parse_version("1.7"), None);
        assert_eq!(parse_version("1.38"), None);
        assert_eq!(parse_version("2.1"), None);
        assert_eq!(parse_version("1.x"), None);
        assert_eq!(parse_version("1.30."), None);
    }

    #[test]
    fn table_shape() {
        // 11 files x 30 releases (spec releases.md §2).
        assert_eq!(table().len(), 330);
        assert_eq!(files().len(), 11);
        for r in table() {
            for g in gate_settings(r) {
                for k in r.readers(&g) {
                    assert!(
                        k == "?" || kind(k).is_some(),
                        "{} 1.{}: {k}",
                        r.file,
                        r.minor
                    );
                }
            }
        }
    }

    #[test]
    fn paths() {
        let f = |p: &str| file_for_path(Path::new(p));
        assert_eq!(
            f("/var/lib/kubelet/cpu_manager_state"),
            Some("cpu_manager_state")
        );
        assert_eq!(
            f("/x/kubelet_internal_checkpoint"),
            Some("device-plugins/kubelet_internal_checkpoint")
        );
        assert_eq!(
            f("/var/lib/dockershim/sandbox/abc"),
            Some("dockershim/sandbox/<sandbox-id>")
        );
        assert_eq!(f("/tmp/abc"), None);
        assert_eq!(
            f("kubelet/image_manager/pulled/sha256-00ff"),
            Some("image_manager/pulled/sha256-<sha256 of imageRef>")
        );
        assert_eq!(
            f("image_manager/pulling/sha256-00ff"),
            Some("image_manager/pulling/sha256-<sha256 of image>")
        );
        assert_eq!(f("pulled/sha256-00ff"), None);
    }

    #[test]
    fn gates_and_wrap() {
        let r = row("cpu_manager_state", 36).unwrap();
        assert_eq!(r.readers(&r.gates(&Gates::default())), ["cpu-v2", "cpu-v1"]);
        let on = Gates::parse("PodLevelResourceManagers=true").unwrap();
        assert_eq!(r.readers(&r.gates(&on)), ["cpu-v3", "cpu-v2", "cpu-v1"]);
        assert_eq!(
            r.writer(&r.gates(&Gates::default())),
            Some(("cpu-v2", true))
        );
        assert!(Gates::parse("X=maybe").is_err());
        assert_eq!(wrap("a~A %s ;; ~B %s", "a1"), "A a1");
        assert_eq!(wrap("a~A %s ;; ~B %s", "z"), "B z");
    }
}

//! How systemd builds the kubelet's argv from its unit, drop-ins and
//! environment files (spec `kubelet-node-layout.md` §1.1; systemd.unit(5),
//! systemd.exec(5), systemd.service(5)) — only as far as the kubelet's
//! packaging uses it: `[Service]` `Environment=`, `EnvironmentFile=` and
//! `ExecStart=`.

use std::collections::BTreeMap;

use super::{Note, SnapshotFiles};

/// Unit directories in systemd's precedence order (a unit or drop-in in an
/// earlier one hides a same-named one in a later one).
pub const UNIT_DIRS: &[&str] = &[
    "etc/systemd/system",
    "run/systemd/system",
    "usr/local/lib/systemd/system",
    "usr/lib/systemd/system",
    "lib/systemd/system",
];

/// What was found and built from the kubelet's systemd unit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnitArgv {
    /// The unit file used (snapshot-relative).
    pub unit: String,
    /// The drop-ins applied, in order (snapshot-relative).
    pub dropins: Vec<String>,
    /// The effective command line, `$VAR`s expanded.
    pub argv: Vec<String>,
    /// Environment after `Environment=` and `EnvironmentFile=`.
    pub env: BTreeMap<String, String>,
}

/// Finds the kubelet unit and its drop-ins and builds the argv; `None` when
/// the snapshot has no kubelet unit. Notes: shadowed drop-ins, missing
/// environment files without `-`.
pub fn unit_argv(
    files: &dyn SnapshotFiles,
    prefix: &str,
    notes: &mut Vec<Note>,
) -> Option<UnitArgv> {
    let at = |p: &str| format!("{prefix}{p}");
    let unit = UNIT_DIRS
        .iter()
        .map(|d| at(&format!("{d}/kubelet.service")))
        .find(|p| files.read(p).is_some() || files.link(p).is_some())?;
    if files.link(&unit).as_deref() == Some("/dev/null") {
        notes.push(Note::new(
            "config.unit-masked",
            format!("{unit} links to /dev/null: the kubelet unit is masked"),
            vec![unit.clone()],
        ));
        return None;
    }
    // Drop-ins: by file name; the first directory in precedence order wins.
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for d in UNIT_DIRS {
        let dir = at(&format!("{d}/kubelet.service.d"));
        for (name, is_dir) in files.list(&dir).unwrap_or_default() {
            if is_dir || !name.ends_with(".conf") {
                continue;
            }
            let path = format!("{dir}/{name}");
            match by_name.get(&name) {
                Some(winner) => notes.push(Note::new(
                    "config.unit-dropin-shadowed",
                    format!("{path} is masked by {winner}"),
                    vec![path.clone(), winner.clone()],
                )),
                None => {
                    by_name.insert(name, path);
                }
            }
        }
    }
    let dropins: Vec<String> = by_name.into_values().collect();
    let mut env: Vec<(String, String)> = Vec::new();
    let mut env_files: Vec<(String, bool)> = Vec::new();
    let mut exec: Vec<String> = Vec::new();
    for path in std::iter::once(&unit).chain(dropins.iter()) {
        let text = read_follow(files, prefix, path).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        for (key, value) in service_settings(&text) {
            match key.as_str() {
                "Environment" => {
                    for word in split_words(&value) {
                        if let Some((k, v)) = word.split_once('=') {
                            env.push((k.to_owned(), v.to_owned()));
                        }
                    }
                }
                "EnvironmentFile" => {
                    if value.is_empty() {
                        env_files.clear();
                    } else {
                        let (optional, p) = match value.strip_prefix('-') {
                            Some(p) => (true, p.to_owned()),
                            None => (false, value.clone()),
                        };
                        env_files.push((p, optional));
                    }
                }
                "ExecStart" => {
                    if value.is_empty() {
                        exec.clear();
                    } else {
                        exec.push(value);
                    }
                }
                _ => {}
            }
        }
    }
    // Environment= in order, later wins; then every EnvironmentFile= in
    // order over it (systemd.exec: file settings override Environment=).
    let mut vars: BTreeMap<String, String> = env.into_iter().collect();
    for (p, optional) in env_files {
        let rel = at(p.trim_start_matches('/'));
        match read_follow(files, prefix, &rel) {
            Some(bytes) => vars.extend(parse_env_file(&String::from_utf8_lossy(&bytes))),
            None if !optional => notes.push(Note::new(
                "config.envfile-missing",
                format!("EnvironmentFile={p} is absent: systemd refuses to start the unit"),
                vec![rel],
            )),
            None => {}
        }
    }
    let argv = exec
        .last()
        .map(|cmd| expand_exec(strip_exec_prefix(cmd), &vars))
        .unwrap_or_default();
    Some(UnitArgv {
        unit,
        dropins,
        argv,
        env: vars,
    })
}

/// Reads a file, following symlinks inside the snapshot (absolute targets
/// against the snapshot root, as the node would see them; at most 40
/// hops) — systemd reads symlinked units and drop-ins.
pub fn read_follow(files: &dyn SnapshotFiles, prefix: &str, path: &str) -> Option<Vec<u8>> {
    let mut path = path.to_owned();
    for _ in 0..40 {
        let Some(target) = files.link(&path) else {
            return files.read(&path);
        };
        let base = if target.starts_with('/') {
            prefix.to_owned()
        } else {
            path.rsplit_once('/')
                .map(|(d, _)| format!("{d}/"))
                .unwrap_or_default()
        };
        let mut parts: Vec<&str> = Vec::new();
        let joined = format!("{base}{}", target.trim_start_matches('/'));
        for comp in joined.split('/') {
            match comp {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                c => parts.push(c),
            }
        }
        let mut next = parts.join("/");
        // `..` never leaves the snapshot (or the descended-into prefix).
        if !next.starts_with(prefix.trim_end_matches('/')) {
            next = format!("{prefix}{next}");
        }
        path = next;
    }
    None
}

/// `key=value` settings of the `[Service]` section, continuation lines
/// joined, comments dropped.
fn service_settings(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let line = if pending.is_empty() {
            raw.trim().to_owned()
        } else {
            format!("{pending} {}", raw.trim())
        };
        if let Some(stripped) = line.strip_suffix('\\') {
            pending = stripped.to_owned();
            continue;
        }
        pending.clear();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            section = line[1..line.len() - 1].to_owned();
            continue;
        }
        if section != "Service" {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

/// Splits a setting value into words: whitespace separates, double or
/// single quotes group, backslash escapes inside double quotes.
pub fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                in_word = true;
                while let Some(d) = chars.next() {
                    if d == c {
                        break;
                    }
                    if d == '\\' && c == '"' {
                        if let Some(e) = chars.next() {
                            cur.push(e);
                        }
                        continue;
                    }
                    cur.push(d);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Parses an environment file: `KEY=VALUE` per line, `#`/`;` comments,
/// quotes group (Go `%q` escapes in kubeadm-flags.env come out right for
/// the characters kubeadm writes), unquoted values trimmed.
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut line = line.trim_start().to_owned();
        while line.ends_with('\\') {
            line.pop();
            match lines.next() {
                Some(next) => line.push_str(next),
                None => break,
            }
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim().trim_start_matches("export ").trim();
        let v = v.trim();
        let value = if v.starts_with('"') || v.starts_with('\'') {
            split_words(v).into_iter().next().unwrap_or_default()
        } else {
            v.to_owned()
        };
        out.push((k.to_owned(), value));
    }
    out
}

/// Drops systemd's special executable prefixes (`-`, `@`, `+`, `!`, `:`).
fn strip_exec_prefix(cmd: &str) -> &str {
    cmd.trim_start_matches(['-', '@', '+', '!', ':'])
}

/// Expands a command line as systemd.service(5) says: `$VAR` standing as a
/// word is split at whitespace into zero or more arguments; `${VAR}` is
/// replaced inside its word without splitting; `$$` is a `$`.
pub fn expand_exec(cmd: &str, vars: &BTreeMap<String, String>) -> Vec<String> {
    let mut argv = Vec::new();
    for word in split_words(cmd) {
        if let Some(name) = word.strip_prefix('$') {
            if !name.starts_with('{')
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                if let Some(v) = vars.get(name) {
                    argv.extend(v.split_whitespace().map(str::to_owned));
                }
                continue;
            }
        }
        argv.push(expand_braced(&word, vars));
    }
    argv
}

fn expand_braced(word: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            out.push('$');
            rest = a;
        } else if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(j) => {
                    out.push_str(vars.get(&inner[..j]).map(String::as_str).unwrap_or(""));
                    rest = &inner[j + 1..];
                }
                None => {
                    out.push('$');
                    rest = after;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_env_files() {
        assert_eq!(
            split_words(r#""A=x y" "B=z" C=w"#),
            vec!["A=x y", "B=z", "C=w"]
        );
        assert_eq!(
            parse_env_file("# c\nKUBELET_KUBEADM_ARGS=\"--a=b --c=d\"\nX=  y z  \n"),
            vec![
                ("KUBELET_KUBEADM_ARGS".into(), "--a=b --c=d".into()),
                ("X".into(), "y z".into())
            ]
        );
        let vars: BTreeMap<String, String> = [("A".to_owned(), "--x --y".to_owned())]
            .into_iter()
            .collect();
        assert_eq!(
            expand_exec("/k $A $UNSET --p=${A} $$HOME", &vars),
            vec!["/k", "--x", "--y", "--p=--x --y", "$HOME"]
        );
    }
}

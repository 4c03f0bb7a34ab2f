//! Container runtime ID <-> (pod UID, container name): what re-keying a
//! cpu-v1 / cpu-file state (by container ID) to cpu-v2+ (by pod and
//! container) and back needs. Read from JSON, CSV, or the JSON that
//! `crictl ps -o json` prints.

use std::collections::BTreeMap;

use serde_json::Value;

/// Container ID -> (pod UID, container name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerMap {
    /// Container ID -> (pod UID, container name).
    pub by_id: BTreeMap<String, (String, String)>,
}

impl ContainerMap {
    /// The container ID of `container` in `pod`, if known.
    pub fn id_of(&self, pod: &str, container: &str) -> Option<&str> {
        self.by_id
            .iter()
            .find(|(_, (p, c))| p == pod && c == container)
            .map(|(id, _)| id.as_str())
    }

    /// Parses any of the accepted forms:
    /// * `crictl ps -o json`: `{"containers":[{"id", "metadata":{"name"},
    ///   "labels":{"io.kubernetes.pod.uid"}}]}`;
    /// * JSON object `{"<id>": {"pod": "<uid>", "container": "<name>"}}`
    ///   or `{"<id>": "<uid>/<name>"}`;
    /// * JSON array of `{"id", "pod" (or "podUID"), "container"}`;
    /// * CSV lines `id,pod,container` (a header line naming `id` is skipped,
    ///   `#` comments allowed).
    pub fn parse(text: &str) -> Result<ContainerMap, String> {
        let t = text.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            let v: Value = serde_json::from_str(t).map_err(|e| format!("container map: {e}"))?;
            return Self::from_json(&v);
        }
        let mut by_id = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != 3 {
                return Err(format!(
                    "container map line {}: want id,pod,container",
                    i + 1
                ));
            }
            if i == 0 && f[0].eq_ignore_ascii_case("id") {
                continue;
            }
            by_id.insert(f[0].to_string(), (f[1].to_string(), f[2].to_string()));
        }
        Ok(ContainerMap { by_id })
    }

    fn from_json(v: &Value) -> Result<ContainerMap, String> {
        let mut by_id = BTreeMap::new();
        let bad = |what: &str| format!("container map: {what}");
        let entry = |o: &Value| -> Option<(String, String, String)> {
            let id = o.get("id")?.as_str()?.to_string();
            let pod = o
                .get("pod")
                .or_else(|| o.get("podUID"))
                .or_else(|| o.get("labels")?.get("io.kubernetes.pod.uid"))?
                .as_str()?
                .to_string();
            let c = o
                .get("container")
                .or_else(|| o.get("metadata")?.get("name"))
                .or_else(|| o.get("labels")?.get("io.kubernetes.container.name"))?
                .as_str()?
                .to_string();
            Some((id, pod, c))
        };
        let list = match v {
            Value::Object(m) if m.contains_key("containers") => {
                m["containers"].as_array().cloned().unwrap_or_default()
            }
            Value::Array(a) => a.clone(),
            Value::Object(m) => {
                for (id, x) in m {
                    let (p, c) = match x {
                        Value::String(s) => s
                            .split_once('/')
                            .map(|(p, c)| (p.to_string(), c.to_string()))
                            .ok_or_else(|| bad(&format!("{id}: want \"pod/container\"")))?,
                        Value::Object(_) => {
                            let mut o = x.clone();
                            o["id"] = Value::String(id.clone());
                            let (_, p, c) = entry(&o)
                                .ok_or_else(|| bad(&format!("{id}: want pod and container")))?;
                            (p, c)
                        }
                        _ => return Err(bad(&format!("{id}: want a string or an object"))),
                    };
                    by_id.insert(id.clone(), (p, c));
                }
                return Ok(ContainerMap { by_id });
            }
            _ => return Err(bad("want an object or an array")),
        };
        for (i, o) in list.iter().enumerate() {
            let (id, p, c) =
                entry(o).ok_or_else(|| bad(&format!("entry {i}: want id, pod and container")))?;
            by_id.insert(id, (p, c));
        }
        Ok(ContainerMap { by_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let crictl = r#"{"containers":[{"id":"abc","podSandboxId":"s","metadata":{"name":"app","attempt":0},"labels":{"io.kubernetes.pod.uid":"u1","io.kubernetes.container.name":"app"}}]}"#;
        let m = ContainerMap::parse(crictl).unwrap();
        assert_eq!(m.by_id["abc"], ("u1".into(), "app".into()));
        let m = ContainerMap::parse("id,pod,container\nabc,u1,app\n").unwrap();
        assert_eq!(m.id_of("u1", "app"), Some("abc"));
        let m =
            ContainerMap::parse(r#"{"abc":"u1/app","d":{"pod":"u2","container":"c"}}"#).unwrap();
        assert_eq!(m.by_id["d"], ("u2".into(), "c".into()));
    }
}

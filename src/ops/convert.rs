//! `convert`: lift a file (or a human document) into its family's state and
//! lower it into another shape, another release's writer shape, or the
//! human document (the state as pretty JSON or YAML). The output is
//! re-verified as the target before it is handed back.

use std::path::Path;

use serde::Serialize;

use crate::formats::lower::{self, ContainerMap, ConvertError, Loss, LowerOptions};
use crate::formats::releases::{self, Gates, ReleaseVerdict};
use crate::formats::state::{self, State};
use crate::formats::{self, Verdict, VerifyOptions};
use crate::ops::verify::{self as vops, Request};

/// The human document formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Human {
    /// YAML.
    Yaml,
    /// Pretty JSON.
    Json,
}

/// What to convert to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Exactly this kind (`cpu-v2`).
    Kind(String),
    /// The shape (and checksum name) release 1.`minor` writes.
    Release(u8),
    /// The human document.
    Human(Human),
}

impl Target {
    /// `--to` text: a kind name, `yaml` or `json`.
    pub fn parse_to(s: &str) -> Target {
        match s {
            "yaml" | "yml" => Target::Human(Human::Yaml),
            "json" => Target::Human(Human::Json),
            k => Target::Kind(k.to_string()),
        }
    }
}

/// A conversion request.
#[derive(Debug, Clone)]
pub struct ConvertRequest {
    /// The target.
    pub target: Target,
    /// Read the input as exactly this kind (default: detected, or a human
    /// document).
    pub kind: Option<String>,
    /// `--feature-gates` (for `--for-kubelet`).
    pub gates: Gates,
    /// Write a lossy target anyway.
    pub allow_loss: bool,
    /// Container IDs for cpu-v1/cpu-file re-keying.
    pub container_map: Option<ContainerMap>,
}

/// What was converted.
#[derive(Debug, Clone, Serialize)]
pub struct Converted {
    /// The input's kind (`yaml`/`json` for a human document).
    pub from: String,
    /// The output's kind (`yaml`/`json` for the human document).
    pub to: String,
    /// The checksum is over the newer Go type name (`@named` writers).
    pub named: bool,
    /// The release whose writer shape was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// What the target cannot hold (empty unless `--allow-loss`).
    pub losses: Vec<Loss>,
    /// The re-verification of the output.
    pub verified: String,
    /// The output bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Why a conversion did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ConvertFailure {
    /// The input could not be read or decoded, or the request is invalid
    /// (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The target cannot hold everything (exit 1 without `--allow-loss`).
    #[error("{} cannot hold everything the file holds (use --allow-loss to write it anyway):\n{}", .kind, .losses.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n"))]
    Lossy {
        /// The target kind.
        kind: String,
        /// What would be lost.
        losses: Vec<Loss>,
    },
    /// The state cannot be lowered to the target (exit 1).
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// The output does not verify as the target (a bug; exit 1).
    #[error("the converted file does not verify as {kind}: {message}")]
    Unverified {
        /// The target.
        kind: String,
        /// The verdict.
        message: String,
    },
}

/// A human document: the state itself, or an inspect report holding it
/// under `state`. `None` when `bytes` is neither.
pub fn parse_human(bytes: &[u8]) -> Option<(State, Human)> {
    let text = std::str::from_utf8(bytes).ok()?;
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        return state_of(v).map(|s| (s, Human::Json));
    }
    let v: serde_json::Value = serde_norway::from_str(text).ok()?;
    state_of(v).map(|s| (s, Human::Yaml))
}

fn state_of(v: serde_json::Value) -> Option<State> {
    if v.get("family").is_some() {
        return serde_json::from_value(v).ok();
    }
    let inner = v.get("state")?;
    inner.get("family")?;
    serde_json::from_value(inner.clone()).ok()
}

/// The human document of `state`: pretty JSON or YAML, newline-terminated.
pub fn human(state: &State, h: Human) -> Result<Vec<u8>, String> {
    match h {
        Human::Json => serde_json::to_vec_pretty(state)
            .map(|mut v| {
                v.push(b'\n');
                v
            })
            .map_err(|e| e.to_string()),
        Human::Yaml => serde_norway::to_string(state)
            .map(String::into_bytes)
            .map_err(|e| e.to_string()),
    }
}

/// The state in `bytes` (a kubelet file of the given or detected kind, or
/// a human document) and where it came from.
pub fn read_state(
    path: &Path,
    bytes: &[u8],
    kind: Option<&str>,
) -> Result<(State, String), String> {
    if kind.is_none() {
        if let Some((s, h)) = parse_human(bytes) {
            let from = match h {
                Human::Json => "json",
                Human::Yaml => "yaml",
            };
            return Ok((s, from.to_string()));
        }
    }
    let req = Request {
        kind: kind.map(str::to_owned),
        ..Default::default()
    };
    let k = match vops::choose(path, bytes, &req).map_err(|e| e.to_string())? {
        (Some(k), _, _) => k,
        (None, _, _) => {
            return Err(format!(
                "{}: not a kubelet checkpoint or state file, nor a human document (name a kind with --kind)",
                path.display()
            ))
        }
    };
    let name = k.info().name;
    let s = state::lift(name, bytes)
        .ok_or_else(|| format!("unknown kind {name}"))?
        .map_err(|e| format!("{}: does not decode as {name}: {e}", path.display()))?;
    Ok((s, name.to_string()))
}

/// The kubelet file name of a state's family (the row key of the release
/// table).
pub fn file_of(state: &State) -> Option<&'static str> {
    if let Some(k) = formats::kind(&state.source().kind) {
        return Some(k.info().file);
    }
    formats::registry()
        .iter()
        .find(|k| lower::family_of(k.info().name) == Some(state.family()))
        .map(|k| k.info().file)
}

/// Lowers `state` to `kind` (checksum over the newer name when `named`),
/// refusing losses unless allowed, and re-verifies the output: as the kind,
/// or (with `release`) by that release's whole read path.
pub fn lower_checked(
    state: &State,
    kind: &str,
    named: bool,
    release: Option<(&releases::Row, &Gates)>,
    allow_loss: bool,
    container_map: Option<&ContainerMap>,
) -> Result<(Vec<u8>, Vec<Loss>, String), ConvertFailure> {
    let opts = LowerOptions {
        container_map: container_map.cloned(),
        named,
    };
    let (bytes, losses) = lower::lower_with(kind, state, &opts)?;
    if !losses.is_empty() && !allow_loss {
        return Err(ConvertFailure::Lossy {
            kind: kind.to_string(),
            losses,
        });
    }
    let v = match release {
        Some((row, gates)) => {
            match releases::verify(row, gates, &bytes, &VerifyOptions::default(), None) {
                ReleaseVerdict::Judged { verification, .. } => verification,
                other => {
                    return Err(ConvertFailure::Unverified {
                        kind: kind.to_string(),
                        message: format!("{other:?}"),
                    })
                }
            }
        }
        None => formats::kind(kind)
            .expect("lowered kinds exist")
            .verify(&bytes, &VerifyOptions::default()),
    };
    if v.verdict != Verdict::Ok {
        return Err(ConvertFailure::Unverified {
            kind: kind.to_string(),
            message: format!("{}: {}", v.verdict.as_str(), v.message),
        });
    }
    let verified = match release {
        Some((row, _)) => format!("ok for kubelet 1.{} ({} {})", row.minor, row.file, kind),
        None => format!("ok as {kind}"),
    };
    Ok((bytes, losses, verified))
}

/// Converts the file `path` holding `bytes`.
pub fn convert(
    path: &Path,
    bytes: &[u8],
    req: &ConvertRequest,
) -> Result<Converted, ConvertFailure> {
    let (state, from) =
        read_state(path, bytes, req.kind.as_deref()).map_err(ConvertFailure::Usage)?;
    match &req.target {
        Target::Human(h) => {
            let out = human(&state, *h).map_err(ConvertFailure::Usage)?;
            Ok(Converted {
                from,
                to: format!("{h:?}").to_lowercase(),
                named: false,
                release: None,
                losses: Vec::new(),
                verified: "the human document (state schema)".into(),
                bytes: out,
            })
        }
        Target::Kind(k) => {
            vops::kind_by_name(k).map_err(|e| ConvertFailure::Usage(e.to_string()))?;
            let (bytes, losses, verified) = lower_checked(
                &state,
                k,
                false,
                None,
                req.allow_loss,
                req.container_map.as_ref(),
            )?;
            Ok(Converted {
                from,
                to: k.clone(),
                named: false,
                release: None,
                losses,
                verified,
                bytes,
            })
        }
        Target::Release(minor) => {
            let file = file_of(&state)
                .ok_or_else(|| ConvertFailure::Usage("the state names no kubelet file".into()))?;
            let row = releases::row(file, *minor).ok_or_else(|| {
                ConvertFailure::Usage(format!("the release table has no row for {file} 1.{minor}"))
            })?;
            let eff = row.gates(&req.gates);
            let (kind, named) = row.writer(&eff).ok_or_else(|| {
                ConvertFailure::Usage(format!("kubelet 1.{minor} writes no {file}"))
            })?;
            let (bytes, losses, verified) = lower_checked(
                &state,
                kind,
                named,
                Some((row, &req.gates)),
                req.allow_loss,
                req.container_map.as_ref(),
            )?;
            Ok(Converted {
                from,
                to: kind.to_string(),
                named,
                release: Some(format!("1.{minor}")),
                losses,
                verified,
                bytes,
            })
        }
    }
}

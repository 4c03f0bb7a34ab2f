//! What every report-printing command shares: the `-o` formats, the
//! `--color` choice, and writing to a pipe that may close early.
//!
//! * `json` is one pretty-printed document (an array when a command reports
//!   on several files), `yaml` the same serde value as YAML, `jsonl` one
//!   compact JSON object per line (for streams and `jq -c`).
//! * Colour is for people only: text output, on a terminal, unless
//!   `NO_COLOR` is set or `--color never`; never in json/yaml/jsonl.
//! * A closed pipe (`kubelet-ckpt verify ... | head -1`) ends the command
//!   quietly: no "Broken pipe" message, no panic.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::ValueEnum;
use serde::Serialize;

/// `-o` of a report command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One pretty-printed JSON document.
    Json,
    /// The same document as YAML.
    Yaml,
    /// One compact JSON object per line.
    Jsonl,
}

/// `-o` of a table command (`kinds`): `wide` is text with every column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TableFormat {
    /// For people, fitting 100 columns.
    #[default]
    Text,
    /// Text with every column, untruncated.
    Wide,
    /// One pretty-printed JSON document.
    Json,
    /// The same document as YAML.
    Yaml,
    /// One compact JSON object per line.
    Jsonl,
}

impl TableFormat {
    /// The data format, `None` for the text tables.
    pub fn data(self) -> Option<Format> {
        match self {
            TableFormat::Text | TableFormat::Wide => None,
            TableFormat::Json => Some(Format::Json),
            TableFormat::Yaml => Some(Format::Yaml),
            TableFormat::Jsonl => Some(Format::Jsonl),
        }
    }
}

/// Writes one report in a data format (`Text` is the caller's job and
/// writes nothing here). Serialised in memory first, so a write error is
/// always a plain [`io::Error`] (see [`pipe_closed`]).
pub fn one<T: Serialize + ?Sized>(out: &mut dyn Write, format: Format, v: &T) -> io::Result<()> {
    let bytes = match format {
        Format::Text => return Ok(()),
        Format::Json => {
            let mut b = serde_json::to_vec_pretty(v).map_err(io::Error::other)?;
            b.push(b'\n');
            b
        }
        Format::Jsonl => {
            let mut b = serde_json::to_vec(v).map_err(io::Error::other)?;
            b.push(b'\n');
            b
        }
        Format::Yaml => serde_norway::to_string(v)
            .map_err(io::Error::other)?
            .into_bytes(),
    };
    out.write_all(&bytes)
}

/// Writes a list of reports: a JSON array, a YAML sequence, or one JSON
/// line per item.
pub fn list<T: Serialize>(out: &mut dyn Write, format: Format, items: &[T]) -> io::Result<()> {
    match format {
        Format::Jsonl => items.iter().try_for_each(|i| one(out, format, i)),
        _ => one(out, format, items),
    }
}

/// True when `e` says the reader of our output went away (`| head`).
pub fn pipe_closed(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// A message on standard error that never panics (`eprintln!` does when
/// stderr is closed).
pub fn warn(msg: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "kubelet-ckpt: {msg}");
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour text output.
    Always,
    /// Never colour.
    Never,
}

static COLOR: AtomicBool = AtomicBool::new(false);

/// Decides once, for the whole process, whether text output is coloured.
pub fn init_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty());
            !no_color && io::stdout().is_terminal()
        }
    };
    COLOR.store(on, Ordering::Relaxed);
}

/// A verdict word for text output, coloured when colour is on: `ok` green;
/// `corrupt`, `invalid-json`, `rejected` red; `unknown`, `ignored`,
/// `unmodelled` yellow; anything else as it is.
pub fn verdict(word: &str) -> String {
    use anstyle::{AnsiColor, Style};
    if !COLOR.load(Ordering::Relaxed) {
        return word.to_string();
    }
    let color = match word {
        "ok" => AnsiColor::Green,
        "corrupt" | "invalid-json" | "rejected" => AnsiColor::Red,
        "unknown" | "ignored" | "unmodelled" => AnsiColor::Yellow,
        _ => return word.to_string(),
    };
    let s = Style::new().fg_color(Some(color.into())).bold();
    format!("{}{word}{}", s.render(), s.render_reset())
}

//! Text of `identify`: the choice and why, the releases, every candidate,
//! and each diagnosis with where it is and what to do.

use std::io::{self, Write};

use super::sanitized;
use crate::cli::format::verdict;
use crate::ops::identify::IdentifyReport;

/// Draws one report.
pub fn text(out: &mut dyn Write, r: &IdentifyReport) -> io::Result<()> {
    let path = sanitized(&r.path.display().to_string());
    match r.kind {
        Some(k) => {
            write!(
                out,
                "{path}: {} ({k}, file {}",
                verdict(r.verdict),
                r.file.unwrap_or("-")
            )?;
            match r.read_as {
                Some(f) => writeln!(out, ", read by the kubelet as {f})")?,
                None => writeln!(out, ")")?,
            }
        }
        None => writeln!(out, "{path}: {}", verdict(r.verdict))?,
    }
    if !r.reason.is_empty() {
        writeln!(out, "  why: {}", sanitized(&r.reason))?;
    }
    if !r.message.is_empty() {
        writeln!(out, "  message: {}", sanitized(&r.message))?;
    }
    if !r.ties.is_empty() {
        writeln!(
            out,
            "  also fits: {} (only the file name tells them apart)",
            r.ties.join(", ")
        )?;
    }
    if !r.releases.is_empty() {
        writeln!(out, "  releases:")?;
        for l in &r.releases {
            write!(out, "    {:11} {}", l.releases, verdict(&l.verdict))?;
            if !l.message.is_empty() {
                write!(
                    out,
                    ": {}",
                    sanitized(&l.message).replace('\n', "\n                ")
                )?;
            }
            writeln!(out)?;
        }
    }
    if !r.candidates.is_empty() {
        writeln!(out, "  candidates (best first):")?;
        for c in &r.candidates {
            write!(
                out,
                "    {:28} {:13} matched {} unknown {} missing {}",
                c.kind,
                verdict(c.verdict),
                c.matched,
                c.unknown_keys.len(),
                c.missing
            )?;
            if c.exact {
                write!(out, " exact")?;
            }
            writeln!(out)?;
        }
    }
    if r.diagnoses.is_empty() {
        writeln!(out, "  diagnoses: none")?;
    } else {
        writeln!(out, "  diagnoses:")?;
        for d in &r.diagnoses {
            let at = match (d.offset, d.line, d.column) {
                (Some(o), Some(l), Some(c)) => format!(" at byte {o} (line {l}, column {c})"),
                (Some(o), _, _) => format!(" at byte {o}"),
                _ => String::new(),
            };
            writeln!(out, "    {}{at}: {}", d.code, sanitized(&d.message))?;
            writeln!(out, "      next: {}", sanitized(&d.next_step))?;
        }
    }
    Ok(())
}

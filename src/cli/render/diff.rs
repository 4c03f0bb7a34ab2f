//! Text rendering of a [`DiffReport`]: one line per change, `+` added,
//! `-` removed, `~` changed, as `diff` users expect.

use std::io::{self, Write};

use crate::ops::diff::{ChangeKind, DiffReport};

/// Writes `r` as text (control characters in names escaped).
pub fn text(out: &mut dyn Write, r: &DiffReport) -> io::Result<()> {
    let mut buf = Vec::new();
    draw(&mut buf, r)?;
    out.write_all(super::sanitized(&String::from_utf8_lossy(&buf)).as_bytes())
}

fn draw(out: &mut dyn Write, r: &DiffReport) -> io::Result<()> {
    let side = |s: &crate::ops::diff::Side| {
        let sum = match s.checksum_verified {
            Some(true) => "",
            Some(false) => ", checksum MISMATCH",
            None => "",
        };
        format!("{} ({}{sum})", s.file.display(), s.kind)
    };
    writeln!(out, "--- {}", side(&r.a))?;
    writeln!(out, "+++ {}", side(&r.b))?;
    if r.changes.is_empty() {
        writeln!(out, "no differences in the {} state", r.family)?;
    }
    for c in &r.changes {
        let mark = match c.change {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        };
        writeln!(out, "{mark} {}: {}", c.subject, c.summary)?;
    }
    Ok(())
}

//! `completions SHELL` (clap_complete) and `man` (clap_mangen): generated
//! from the same clap definition as the parser, so they never drift.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

/// Writes the completion script for `shell`.
pub fn completions(out: &mut dyn Write, shell: Shell) -> io::Result<()> {
    let mut cmd = super::Cli::command();
    // clap_complete panics on a write error; generate in memory, then write.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kubelet-ckpt", &mut buf);
    out.write_all(&buf)
}

/// Writes the roff man page (section 1).
pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(super::Cli::command()).render(&mut buf)?;
    out.write_all(&buf)
}

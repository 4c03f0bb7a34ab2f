//! `--help` texts (examples and exit codes per command) and the `--kind`
//! value parser (its values listed in `--help` and completions, the
//! nearest name suggested on a typo).

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;

use crate::formats::registry;
use crate::ops::verify::kind_by_name;

/// After the top-level `--help`.
pub const MAIN: &str = "\
Examples:
  kubelet-ckpt verify /var/lib/kubelet/cpu_manager_state
  kubelet-ckpt verify -o json /var/lib/kubelet/*_state | jq '.[].verdict'
  kubelet-ckpt kinds
  kubelet-ckpt completions bash > /etc/bash_completion.d/kubelet-ckpt

Exit status:
  0  success (verify: every file ok; checksum: stored checksum matches)
  1  a file is not ok (verify), would not be loaded, or its checksum mismatches
  2  usage or I/O error (unreadable file, over --max-size, unknown kind)

Colour: text output on a terminal is coloured unless NO_COLOR is set or
--color never is given. A closed output pipe ends the command quietly.";

/// After `kinds --help`.
pub const KINDS: &str = "\
Examples:
  kubelet-ckpt kinds              # fits 100 columns
  kubelet-ckpt kinds -o wide      # every column, with the summary
  kubelet-ckpt kinds -o json | jq -r '.[].name'

Exit status: 0, or 2 on a usage error.";

/// After `verify --help`.
pub const VERIFY: &str = "\
Examples:
  kubelet-ckpt verify /var/lib/kubelet/cpu_manager_state
  kubelet-ckpt verify --kind cpu-v2 --policy static cpu_manager_state
  kubelet-ckpt verify --for-kubelet 1.30 /var/lib/kubelet/memory_manager_state
  kubelet-ckpt verify --for-kubelet 1.31 --node node.json cpu_manager_state
  kubelet-ckpt verify --kubelet-config /var/lib/kubelet/config.yaml /var/lib/kubelet/cpu_manager_state
  kubelet-ckpt verify -o json a b | jq '.[] | select(.verdict != \"ok\")'
  kubelet-ckpt verify -o jsonl /backup/*/cpu_manager_state   # one object per line
  cat cpu_manager_state | kubelet-ckpt verify --kind cpu-v2 -

Without --for-kubelet a file is ok when every release that writes its
shape reads it back (a file known only by its name: every release that
reads that name); the text lists which releases read and refuse it.

Exit status:
  0  every file is ok (or, with --for-kubelet, ignored by that release)
  1  some file is not (corrupt, invalid-json, rejected, unknown)
  2  usage or I/O error (a file could not be read)";

/// After `identify --help`.
pub const IDENTIFY: &str = "\
Examples:
  kubelet-ckpt identify /evidence/state-1.json
  kubelet-ckpt identify -o json cpu_manager_state | jq '.[0].diagnoses'

Exit status:
  0  every file is a kubelet file the kubelet reads (ok)
  1  some file is not ok or not a kubelet file (unknown)
  2  usage or I/O error";

/// After `canonical --help`.
pub const CANONICAL: &str = "\
Examples:
  kubelet-ckpt canonical cpu_manager_state > cpu_manager_state.new
  kubelet-ckpt canonical cpu_manager_state | cmp - cpu_manager_state

Exit status:
  0  the bytes were printed
  1  the kubelet would not load the file (nothing printed; the reason on stderr)
  2  usage or I/O error";

/// After `sample --help`.
pub const SAMPLE: &str = "\
Examples:
  kubelet-ckpt sample --kind cpu-v2 --pods 20000 > cpu_manager_state
  kubelet-ckpt sample --kind device-v2 --size 10M --seed 7 > kubelet_internal_checkpoint
  for s in $(seq 1 100); do kubelet-ckpt sample --kind dra-v7 --seed $s --mutate > corpus/$s; done

The file grows from a seed the Go reference generated, with fresh UIDs per
entry, and is written by the kind's own writer: it verifies as the kind
(unless --mutate). Same kind, size and seed: same bytes.

Exit status:
  0  the file was written to standard output
  2  unknown or read-only kind, or a usage error";

/// After `checksum --help`.
pub const CHECKSUM: &str = "\
Examples:
  kubelet-ckpt checksum /var/lib/kubelet/cpu_manager_state
  kubelet-ckpt checksum -o json dra_manager_state | jq .computed

Exit status:
  0  the stored checksum matches the computed one, or the kind has none
  1  the stored checksum does not match, or the kubelet would not load the file
  2  usage or I/O error";

/// After `explain --help`.
pub const EXPLAIN: &str = "\
Examples:
  kubelet-ckpt explain cpu_manager_state | less

Exit status:
  0  the hashed text was printed
  1  the kubelet would not load the file (the reason on stderr)
  2  usage or I/O error";

/// After `completions --help`.
pub const COMPLETIONS: &str = "\
Examples:
  kubelet-ckpt completions bash > /etc/bash_completion.d/kubelet-ckpt
  kubelet-ckpt completions zsh > \"${fpath[1]}/_kubelet-ckpt\"
  kubelet-ckpt completions fish > ~/.config/fish/completions/kubelet-ckpt.fish
  source <(kubelet-ckpt completion bash)

Exit status: 0, or 2 on a usage error.";

/// After `man --help`.
pub const MAN: &str = "\
Examples:
  kubelet-ckpt man > /usr/local/share/man/man1/kubelet-ckpt.1
  kubelet-ckpt man | man -l -

Exit status: 0, or 2 on a usage error.";

/// `--kind`: a kind name from the registry. Its values appear in `--help`
/// and in shell completions; an unknown name is a usage error that names
/// the nearest kind (`unknown kind "cpu-v9" (did you mean "cpu-v4"?)`).
#[derive(Clone, Copy, Debug)]
pub struct KindParser;

impl TypedValueParser for KindParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let Some(name) = value.to_str() else {
            return Err(clap::Error::new(ErrorKind::InvalidUtf8).with_cmd(cmd));
        };
        match kind_by_name(name) {
            Ok(_) => Ok(name.to_string()),
            Err(e) => {
                Err(clap::Error::raw(ErrorKind::InvalidValue, format!("{e}\n")).with_cmd(cmd))
            }
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(registry().iter().map(|k| {
            let i = k.info();
            PossibleValue::new(i.name).help(format!("{}; {}", i.file, i.versions))
        })))
    }
}

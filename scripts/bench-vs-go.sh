#!/usr/bin/env bash
# Compares verify speed and peak memory with the Go reference.
#
#   KUBELET_CKPT_ORACLE=/opt/oracle/oracle scripts/bench-vs-go.sh [REPS]
#
# For every input — `oracle KIND gen SEED` files for a set of kinds, and the
# large synthetic files of benches/synth (written by
# `cargo run --release --example bench_verify -- gen NAME`) — it runs
# `oracle KIND bench N < FILE` and our in-process equivalent
# `bench_verify KIND N < FILE` (same output line), REPS times each
# (default 3), alternating Go and Rust, and keeps the fastest of each: on a
# shared machine the minimum is the least noisy estimate. N is chosen so one
# run takes roughly 0.3-1 s. Both sides must say `ok` (each exits non-zero
# otherwise), so the timings compare the same verdict.
#
# Then peak RSS (`/usr/bin/time -v`, "Maximum resident set size") of one
# verify of each large file, for both; this is the whole process, so it
# includes each runtime's baseline (a few MB) and the input itself.
#
# Output: a Markdown table on stdout. Requires cargo; `time` is installed
# with apt-get only if /usr/bin/time is missing.
set -euo pipefail

REPS=${1:-3}
ORACLE=${KUBELET_CKPT_ORACLE:-}
if [[ -z "$ORACLE" || ! -x "$ORACLE" ]]; then
    echo "set KUBELET_CKPT_ORACLE to the Go reference binary (see README)" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time for peak RSS ..." >&2
    (apt-get install -y time >/dev/null 2>&1 || sudo apt-get install -y time >/dev/null 2>&1) ||
        echo "warning: could not install time; RSS column will be empty" >&2
fi

echo "building examples/bench_verify (release) ..." >&2
(cd "$ROOT" && cargo build --release --quiet --example bench_verify)
RUST="$ROOT/target/release/examples/bench_verify"

# kind:seed pairs from the Go generator (seeds picked for the larger files).
GEN=(cpu-v2:2 cpu-v3:2 memory:1 memory-v2:1 device-v2:5 dra-v4:5 dra-v5:2 dra-v7:5)
CASES=()
for ks in "${GEN[@]}"; do
    k=${ks%%:*} s=${ks##*:}
    "$ORACLE" "$k" gen "$s" >"$TMP/$k-gen-$s.json"
    CASES+=("$k:$k-gen-$s")
done
LARGE=()
while IFS=$'\t' read -r name kind; do
    "$RUST" gen "$name" >"$TMP/$name.json"
    CASES+=("$kind:$name")
    LARGE+=("$kind:$name")
done < <("$RUST" list)

# ns per verify from one `... bench N` line.
ns_of() { awk '{print $1}'; }

# Picks N so that one run takes ~0.5 s, from a short Rust probe.
pick_n() {
    local kind=$1 file=$2 probe
    probe=$("$RUST" "$kind" 3 <"$file" | ns_of)
    local n=$((500000000 / (probe + 1)))
    ((n < 3)) && n=3
    ((n > 200000)) && n=200000
    echo "$n"
}

min() { [[ -z "$1" || "$2" -lt "$1" ]] && echo "$2" || echo "$1"; }

# peak_rss_kb FILE CMD...: max RSS of CMD reading FILE on stdin.
peak_rss_kb() {
    local file=$1 out
    shift
    out=$( { /usr/bin/time -v "$@" <"$file" >/dev/null; } 2>&1) || true
    awk -F': ' '/Maximum resident set size/ {print $2}' <<<"$out"
}

printf '| input | kind | bytes | N | Go ns/verify | Rust ns/verify | Rust/Go |\n'
printf '| --- | --- | ---: | ---: | ---: | ---: | ---: |\n'
for c in "${CASES[@]}"; do
    kind=${c%%:*} name=${c##*:} file="$TMP/${c##*:}.json"
    bytes=$(wc -c <"$file")
    if ! "$ORACLE" "$kind" bench 1 <"$file" >/dev/null || ! "$RUST" "$kind" 1 <"$file" >/dev/null; then
        printf '| %s | %s | %d | - | not ok on one side | | |\n' "$name" "$kind" "$bytes"
        continue
    fi
    n=$(pick_n "$kind" "$file")
    go="" rs=""
    for ((r = 0; r < REPS; r++)); do
        go=$(min "$go" "$("$ORACLE" "$kind" bench "$n" <"$file" | ns_of)")
        rs=$(min "$rs" "$("$RUST" "$kind" "$n" <"$file" | ns_of)")
    done
    ratio=$(awk -v a="$rs" -v b="$go" 'BEGIN {printf "%.2f", a / b}')
    printf '| %s | %s | %d | %d | %d | %d | %s |\n' "$name" "$kind" "$bytes" "$n" "$go" "$rs" "$ratio"
done

if [[ -x /usr/bin/time ]]; then
    printf '\nPeak RSS of one verify (whole process, KiB):\n\n'
    printf '| input | kind | bytes | Go max RSS | Rust max RSS |\n'
    printf '| --- | --- | ---: | ---: | ---: |\n'
    for c in "${LARGE[@]}"; do
        kind=${c%%:*} file="$TMP/${c##*:}.json"
        bytes=$(wc -c <"$file")
        gk=$(peak_rss_kb "$file" "$ORACLE" "$kind" bench 1)
        rk=$(peak_rss_kb "$file" "$RUST" "$kind" 1)
        printf '| %s | %s | %d | %s | %s |\n' "${c##*:}" "$kind" "$bytes" "$gk" "$rk"
    done
fi

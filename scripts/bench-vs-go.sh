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
# Then the whole process, for the large files and for `kubelet-ckpt sample`
# files of 1 MB and 10 MB: `oracle KIND verify < FILE` against
# `kubelet-ckpt verify --kind KIND FILE`, median of 5 alternating runs each,
# with the in-process MB/s and the floor (FNV-32a alone over the hashed
# text, `bench_verify floor`).
#
# Output: Markdown tables on stdout. Requires cargo; `time` is installed
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

echo "building examples/bench_verify and kubelet-ckpt (release) ..." >&2
(cd "$ROOT" && cargo build --release --quiet --example bench_verify && cargo build --release --quiet)
RUST="$ROOT/target/release/examples/bench_verify"
CLI="$ROOT/target/release/kubelet-ckpt"

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
# Samples of 1 MB and 10 MB (spew kinds, then the CRC-32 / data-string kinds).
for kind in cpu-v2 memory-v2 device-v2 dra-v4 dra-v7 allocated-v4; do
    for size in 1M 10M; do
        name="$kind-sample-$size"
        "$CLI" sample --kind "$kind" --size "$size" --seed 1 >"$TMP/$name.json"
        CASES+=("$kind:$name")
        LARGE+=("$kind:$name")
    done
done

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

# wall_ms CMD...: wall-clock milliseconds of one run (stdout discarded).
wall_ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# The target class of a kind (performance issue): the CRC-32 and
# data-string kinds may take 0.3 of Go's time, the spew-hashed ones 0.1.
target_of() {
    case $1 in
    dra-v6 | dra-v7 | dra-v8 | allocated-* | actuated-* | podstatus-v2 | podstatus-v3) echo 0.3 ;;
    *) echo 0.1 ;;
    esac
}

printf '\nWhole process, median of 5 alternating runs (ms): verify (`oracle K verify` against\n'
printf '`kubelet-ckpt verify --kind K`, which judges every kubelet release), canonical\n'
printf '(`oracle K canonical` against `kubelet-ckpt canonical --kind K`), in-process speed,\n'
printf 'the FNV floor, and the CLI'"'"'s peak RSS for verify:\n\n'
printf '| input | kind | bytes | Go verify ms | ours ms | ours/Go | Go canonical ms | ours ms | ours/Go | ours MB/s in-process | floor MB/s (FNV of the text) | CLI verify peak RSS KiB |\n'
printf '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
TARGETS=()
for c in "${LARGE[@]}"; do
    kind=${c%%:*} file="$TMP/${c##*:}.json"
    bytes=$(wc -c <"$file")
    gos=() ours=() goc=() ourc=()
    for ((r = 0; r < 5; r++)); do
        gos+=("$(wall_ms sh -c "\"$ORACLE\" $kind verify < \"$file\"")")
        ours+=("$(wall_ms "$CLI" verify --kind "$kind" "$file")")
        goc+=("$(wall_ms sh -c "\"$ORACLE\" $kind canonical < \"$file\"")")
        ourc+=("$(wall_ms "$CLI" canonical --kind "$kind" "$file")")
    done
    g=$(printf '%s\n' "${gos[@]}" | median)
    o=$(printf '%s\n' "${ours[@]}" | median)
    gc=$(printf '%s\n' "${goc[@]}" | median)
    oc=$(printf '%s\n' "${ourc[@]}" | median)
    ratio=$(awk -v a="$o" -v b="$g" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
    cratio=$(awk -v a="$oc" -v b="$gc" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
    ns=$("$RUST" "$kind" 5 <"$file" | ns_of)
    mbs=$(awk -v b="$bytes" -v n="$ns" 'BEGIN {printf "%.0f", b / (n / 1e9) / 1e6}')
    floor=$("$RUST" floor "$kind" 5 <"$file" 2>/dev/null | ns_of || echo "")
    fmbs=$(awk -v b="$bytes" -v n="$floor" 'BEGIN {if (n > 0) printf "%.0f", b / (n / 1e9) / 1e6; else print "-"}')
    rss=""
    if [[ -x /usr/bin/time ]]; then
        rss=$( { /usr/bin/time -v "$CLI" verify --kind "$kind" "$file" >/dev/null; } 2>&1 |
            awk -F': ' '/Maximum resident set size/ {print $2}') || true
    fi
    printf '| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${c##*:}" "$kind" "$bytes" \
        "$g" "$o" "$ratio" "$gc" "$oc" "$cratio" "$mbs" "$fmbs" "$rss"
    ((bytes >= 1000000)) && TARGETS+=("${c##*:} $kind $bytes $ratio $cratio $mbs ${rss:-0}")
done

# met_or MEASURED LIMIT: "met" when MEASURED <= LIMIT, else "missed, NxLIMIT".
met_or() {
    awk -v m="$1" -v l="$2" 'BEGIN {if (m == "-" || m == "") print "-"; else if (m + 0 <= l + 0) print "met"; else printf "missed (%.1fx)", m / l}'
}

printf '\nThe targets of the performance issue, for the inputs of 1 MB and more\n'
printf '(whole-process time against Go: 0.1 for spew-hashed kinds, 0.3 for\n'
printf 'CRC-32 and data-string kinds; in-process verify at least 150 MB/s on\n'
printf 'spew kinds; CLI peak RSS at most 2x the file + 16 MiB):\n\n'
printf '| input | kind | time target | verify | canonical | 150 MB/s | memory (KiB: limit) |\n'
printf '| --- | --- | ---: | --- | --- | --- | --- |\n'
for t in "${TARGETS[@]}"; do
    read -r name kind bytes ratio cratio mbs rss <<<"$t"
    tgt=$(target_of "$kind")
    limit=$((2 * bytes / 1024 + 16384))
    speed="-"
    if [[ "$tgt" == 0.1 ]]; then
        speed=$(awk -v m="$mbs" 'BEGIN {if (m + 0 >= 150) print "met"; else printf "missed (%d MB/s, %.1fx slower)", m, 150 / m}')
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$kind" "$tgt" \
        "$ratio: $(met_or "$ratio" "$tgt")" "$cratio: $(met_or "$cratio" "$tgt")" "$speed" \
        "$rss: $limit, $(met_or "$rss" "$limit")"
done

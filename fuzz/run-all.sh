#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), on stable Rust
# without a sanitizer (`-s none`), starting from the seeds in
# corpus/TARGET/ (at the top of the repository). The seeds are copied to a temporary directory first
# so that what libFuzzer adds never lands in git. Fails on the first crash;
# the crashing input is kept under fuzz/artifacts/TARGET/.
# The targets are those `cargo fuzz list` names (every [[bin]] of
# fuzz/Cargo.toml: the family targets, `kind`, `kind_fast`, `repair`,
# `convert`, `human`, ...), so a new target is smoke-run once it is there.
#
#   fuzz/run-all.sh 10        # CI smoke run (.ci/run)
#   fuzz/run-all.sh 600       # a real session
#   FUZZ_BUDGET=180 fuzz/run-all.sh 20   # at most 180 s in all
#
# FUZZ_BUDGET (seconds, optional) caps the total fuzzing time: each target
# then gets min(SECONDS, FUZZ_BUDGET / number of targets), at least 5 s.
# libFuzzer checks -max_total_time between inputs, so one slow input can
# overrun a target's time (see fuzz/README.md, "slow inputs").
set -euo pipefail

secs=${1:-60}
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
cd "$root"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t targets < <(cargo fuzz list)
if [ "${#targets[@]}" -eq 0 ]; then
    echo "no fuzz targets found" >&2
    exit 1
fi

if [ -n "${FUZZ_BUDGET:-}" ]; then
    share=$((FUZZ_BUDGET / ${#targets[@]}))
    [ "$share" -ge 5 ] || share=5
    if [ "$share" -lt "$secs" ]; then
        echo "FUZZ_BUDGET=${FUZZ_BUDGET}s over ${#targets[@]} targets: ${share}s each instead of ${secs}s"
        secs=$share
    fi
fi

cargo fuzz build -s none
for t in "${targets[@]}"; do
    # -rss_limit_mb: 2 GiB per target keeps a runaway allocation a crash,
    # not a machine-wide stall.
    mkdir -p "$tmp/$t"
    if [ -d "$(dirname "$fuzz_dir")/corpus/$t" ]; then
        cp -R "$(dirname "$fuzz_dir")/corpus/$t/." "$tmp/$t/"
    fi
    echo "=== fuzzing $t for ${secs}s"
    log=$tmp/$t.log
    status=0
    cargo fuzz run -s none "$t" "$tmp/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
        > "$log" 2>&1 || status=$?
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | grep -oE 'cov: [0-9]+ ft: [0-9]+|exec/s: [0-9]+' | paste -sd' ' || true
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log" >&2
        echo "fuzz target $t FAILED (exit $status); reproduce with:" >&2
        echo "  cargo fuzz run -s none $t fuzz/artifacts/$t/<crash-file>" >&2
        exit "$status"
    fi
    echo "=== $t: no crash in ${secs}s"
done
echo "fuzz: ${#targets[@]} targets ran ${secs}s each without a crash"

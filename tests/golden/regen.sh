#!/usr/bin/env bash
# Regenerates the golden files from the Go reference (the oracle).
#
#   KUBELET_CKPT_ORACLE=/path/to/oracle tests/golden/regen.sh [KIND...]
#
# For every kind (all of `oracle kinds` by default): writes gen-1..gen-5.json
# with `oracle KIND gen SEED`, then for every *.json in tests/golden/KIND/
# (the generated ones and the hand-made ones, whose names do not start with
# `gen-`) writes the oracle's answers beside it:
#   NAME.verify     `oracle KIND verify` stdout (with ORACLE_POLICY=$(cat NAME.policy)
#                   when NAME.policy exists)
#   NAME.canonical  `oracle KIND canonical` stdout, or NAME.canonical.fail (its stderr)
#   NAME.dump       `oracle KIND dump` stdout,      or NAME.dump.fail
#   NAME.checksum   `oracle KIND checksum` stdout,  or NAME.checksum.fail
# Never edit the outputs by hand: tests/golden.rs compares our results to them.
set -euo pipefail

oracle=${KUBELET_CKPT_ORACLE:?set KUBELET_CKPT_ORACLE to the oracle binary}
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -gt 0 ]; then
    kinds=("$@")
else
    mapfile -t kinds < <("$oracle" kinds | cut -f1)
fi

for kind in "${kinds[@]}"; do
    dir=$here/$kind
    mkdir -p "$dir"
    rm -f "$dir"/gen-*
    for seed in 1 2 3 4 5; do
        "$oracle" "$kind" gen "$seed" > "$dir/gen-$seed.json"
    done
    n=0
    for f in "$dir"/*.json; do
        base=${f%.json}
        if [ -f "$base.policy" ]; then
            ORACLE_POLICY=$(cat "$base.policy") "$oracle" "$kind" verify < "$f" > "$base.verify" || true
        else
            env -u ORACLE_POLICY "$oracle" "$kind" verify < "$f" > "$base.verify" || true
        fi
        for op in canonical dump checksum; do
            rm -f "$base.$op" "$base.$op.fail"
            if ! env -u ORACLE_POLICY "$oracle" "$kind" "$op" < "$f" > "$base.$op" 2> "$base.$op.fail"; then
                rm -f "$base.$op"
            else
                rm -f "$base.$op.fail"
            fi
        done
        n=$((n + 1))
    done
    echo "$kind: $n files"
done

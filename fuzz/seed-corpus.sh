#!/usr/bin/env bash
# (Re)creates the seed corpora of the file-family targets in
# corpus/TARGET/ (top of the repository): `oracle KIND gen 1..3` for every kind of the family
# (what the kubelet writes) plus the small hand-made edge cases of
# tests/golden/KIND/ (cpuset errors, null, empty, BOM, trailing garbage,
# wrong checksums, ...; at most 2 KiB each). Seeds are plain kubelet files:
# each input is judged as every kind of its family.
#
#   KUBELET_CKPT_ORACLE=/opt/oracle/oracle fuzz/seed-corpus.sh            # all families
#   KUBELET_CKPT_ORACLE=/opt/oracle/oracle fuzz/seed-corpus.sh cpu dra    # some
set -euo pipefail

oracle=${KUBELET_CKPT_ORACLE:?set KUBELET_CKPT_ORACLE to the Go reference binary}
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
golden=$(dirname "$fuzz_dir")/tests/golden

# target -> oracle kinds (kinds only we implement, e.g. dra-v1, have no
# generator; the later kinds' files cover their readers).
declare -A families=(
    [cpu]="cpu-file cpu-v1 cpu-v2 cpu-v3 cpu-v4"
    [memory]="memory memory-v2 memory-v3"
    [device]="device-v1 device-v2"
    [dra]="dra-v2 dra-v3 dra-v4 dra-v5 dra-v6 dra-v7 dra-v8"
    [pod_state]="podstatus-v1 podstatus-v2 podstatus-v3 allocated-v1 allocated-v2 allocated-v3 allocated-v4 actuated-v1 actuated-v2 actuated-v3 actuated-v4"
    [dockershim]="dockershim-v0 dockershim-v0a dockershim-v1 dockershim-v2"
    [image_pull]="imagepull-intent-v1alpha1 imagepull-intent-v1beta1 imagepull-preloaded-v1beta1 imagepull-pulled-v1alpha1 imagepull-pulled-v1beta1"
)

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${!families[@]}")
for t in "${targets[@]}"; do
    kinds=${families[$t]:?unknown family target $t}
    out=$(dirname "$fuzz_dir")/corpus/$t
    rm -rf "$out"
    mkdir -p "$out"
    for k in $kinds; do
        for seed in 1 2 3; do
            "$oracle" "$k" gen "$seed" > "$out/$k-gen-$seed"
        done
        [ -d "$golden/$k" ] || continue
        for f in "$golden/$k"/*.json; do
            name=$(basename "$f" .json)
            case $name in gen-*) continue ;; esac
            [ "$(stat -c %s "$f")" -le 2048 ] || continue
            cp "$f" "$out/$k-$name"
        done
    done
    echo "$t: $(ls "$out" | wc -l) seeds, $(du -sk "$out" | cut -f1) KiB"
done

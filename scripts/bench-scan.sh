#!/usr/bin/env bash
# The scan target of the performance issue: a synthetic set of node
# snapshots as tar.zst, scanned by `kubelet-ckpt scan --each` against
# `zstd -d` alone on the same archives, both using every core.
#
#   scripts/bench-scan.sh [N] [REPS]      # default 1000 snapshots, 3 reps
#   BENCH_SCAN_SET=DIR scripts/bench-scan.sh ...   # keep the set in DIR
#                                          # (reused when it holds N archives)
#
# Each snapshot is the sample node (corpus/node-snapshot/) with its state
# files replaced by `kubelet-ckpt sample` files of a busy node (cpu-v2 with
# 110 pods, memory-v2 with 110, device-v2 with 200 entries, dra-v8 with 50
# claims; a seed per snapshot, from a pool of 16 per kind) and 40 pod logs
# of 16-32 KiB of log-like text under var/log/pods, so an archive holds
# about 1 MiB, roughly what a copy of /var/lib/kubelet, /etc/kubernetes
# and the pod logs of a node is once volumes are left out.
#
# Timings: wall clock of the whole set, fastest of REPS, alternating the
# two. `zstd -d` runs as `xargs -P CORES zstd -dc FILE > /dev/null` (one
# process per archive, CORES at a time); the scan as one process with
# `--each` (its own thread pool). Output: a Markdown table on stdout.
set -euo pipefail

N=${1:-1000}
REPS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORES=$(nproc)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "building kubelet-ckpt (release) ..." >&2
(cd "$ROOT" && cargo build --release --quiet)
CLI="$ROOT/target/release/kubelet-ckpt"

pool="$TMP/pool"
mkdir -p "$pool"
for s in $(seq 1 16); do
    "$CLI" sample --kind cpu-v2 --pods 110 --seed "$s" >"$pool/cpu-$s"
    "$CLI" sample --kind memory-v2 --pods 110 --seed "$s" >"$pool/memory-$s"
    "$CLI" sample --kind device-v2 --pods 200 --seed "$s" >"$pool/device-$s"
    "$CLI" sample --kind dra-v8 --pods 50 --seed "$s" >"$pool/dra-$s"
done

set_dir=${BENCH_SCAN_SET:-$TMP/set}
mkdir -p "$set_dir"
if [[ "$(find "$set_dir" -name '*.tar.zst' | wc -l)" -eq "$N" ]]; then
    echo "reusing the $N snapshots in $set_dir" >&2
else
echo "writing $N snapshots ..." >&2
find "$set_dir" -name '*.tar.zst' -delete
python3 - "$ROOT/corpus/node-snapshot" "$pool" "$set_dir" "$N" <<'EOF'
import os, random, shutil, subprocess, sys
src, pool, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
words = "GET POST /healthz /readyz 200 404 500 info warn error request served in ms user=system:node pod container started stopped".split()
for i in range(n):
    rnd = random.Random(i)
    d = os.path.join(out, f"node-{i:04d}")
    shutil.copytree(src, d, symlinks=True, ignore=shutil.ignore_patterns("make.py", "meta.tsv"))
    k = os.path.join(d, "var/lib/kubelet")
    s = 1 + i % 16
    for name, f in [("cpu", "cpu_manager_state"), ("memory", "memory_manager_state"),
                    ("device", "device-plugins/kubelet_internal_checkpoint"),
                    ("dra", "dra_manager_state")]:
        shutil.copyfile(os.path.join(pool, f"{name}-{s}"), os.path.join(k, f))
    logs = os.path.join(d, "var/log/pods")
    for p in range(40):
        ld = os.path.join(logs, f"ns_pod-{p}_{i:08x}-{p:04x}", "app")
        os.makedirs(ld, exist_ok=True)
        lines = []
        size = rnd.randint(16 << 10, 32 << 10)
        total = 0
        while total < size:
            line = f"2026-12-0{rnd.randint(1, 5)}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}.{rnd.randint(0, 999999):06d}Z stdout F " + " ".join(rnd.choice(words) for _ in range(rnd.randint(4, 14))) + f" id={rnd.getrandbits(64):016x}\n"
            lines.append(line)
            total += len(line)
        with open(os.path.join(ld, "0.log"), "w") as fh:
            fh.writelines(lines)
    arc = d + ".tar.zst"
    tar = subprocess.Popen(["tar", "-C", d, "-cf", "-", "."], stdout=subprocess.PIPE)
    subprocess.run(["zstd", "-q", "-3", "-o", arc], stdin=tar.stdout, check=True)
    tar.stdout.close()
    if tar.wait() != 0:
        sys.exit("tar failed")
    shutil.rmtree(d)
EOF
fi
bytes=$(du -cb "$set_dir"/*.tar.zst | tail -1 | cut -f1)
raw=$(for f in "$set_dir"/*.tar.zst; do zstd -dc "$f"; done | wc -c)

now() { date +%s.%N; }
best_zstd=""
best_scan=""
for _ in $(seq 1 "$REPS"); do
    t0=$(now)
    find "$set_dir" -name '*.tar.zst' -print0 | xargs -0 -n 1 -P "$CORES" sh -c 'zstd -qdc "$0" > /dev/null'
    t1=$(now)
    # Exit status 1 or 2 reports findings (the planted problems of the
    # sample node are in every snapshot); only a usage error (3+) is fatal.
    status=0
    "$CLI" scan --each --now 2026-12-01T00:00:00Z "$set_dir" >"$TMP/scan.jsonl" || status=$?
    if [[ "$status" -gt 2 ]]; then
        echo "scan --each failed with status $status" >&2
        exit 1
    fi
    t2=$(now)
    z=$(echo "$t1 - $t0" | bc)
    s=$(echo "$t2 - $t1" | bc)
    if [[ -z "$best_zstd" ]] || (($(echo "$z < $best_zstd" | bc))); then best_zstd=$z; fi
    if [[ -z "$best_scan" ]] || (($(echo "$s < $best_scan" | bc))); then best_scan=$s; fi
done
lines=$(wc -l <"$TMP/scan.jsonl")
errors=$(grep -c '^{"path"' "$TMP/scan.jsonl" || true)
if [[ "$lines" -ne "$N" ]]; then
    echo "scan wrote $lines lines for $N snapshots" >&2
    exit 1
fi

echo "| snapshots | archives (zstd) | uncompressed | cores | zstd -d s | scan --each s | scan / zstd -d |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '| %d | %.1f MB | %.1f MB | %d | %.2f | %.2f | %.2f |\n' "$N" \
    "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$raw / 1000000" | bc -l)" "$CORES" \
    "$best_zstd" "$best_scan" "$(echo "$best_scan / $best_zstd" | bc -l)"
echo
echo "($errors of $N reports are {\"path\",\"error\"} lines)"
if [[ "$errors" -gt 0 ]]; then grep -m1 '^{"path"' "$TMP/scan.jsonl" | cut -c1-400; fi

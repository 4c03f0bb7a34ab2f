#!/usr/bin/env bash
# Renders the scan report of the sample node as HTML and takes a screenshot
# of it in a real headless browser (Debian's chromium), to check by eye that
# the allocation picture (CPUs by pod/container, memory per NUMA node,
# devices and claims) and the findings are drawn, and that the report needs
# nothing from the network.
#
#   scripts/html-screenshot.sh [OUT_DIR]      # default: target/html-screenshot
#
# Installs chromium with apt-get when it is missing (root). Not run by CI:
# the browser is a large download; tests/scan.rs checks the HTML itself
# (escaping, content) without a browser.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/target/html-screenshot}
mkdir -p "$out"
if ! command -v chromium > /dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
cd "$repo"
cargo run --release --quiet -- scan --now 2026-12-01T00:00:00Z -o html \
    --report "$out/report.html" corpus/node-snapshot.tar.gz || true
# --no-sandbox: running as root; no network is needed (the page is self-contained).
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=1280,2400 --screenshot="$out/report.png" "file://$out/report.html" 2> "$out/chromium.log"
echo "screenshot: $out/report.png"

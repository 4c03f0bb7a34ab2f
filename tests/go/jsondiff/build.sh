#!/bin/sh
# Builds the Go side of tests/json_go_diff.rs (Debian golang-go and
# golang-github-davecgh-go-spew-dev; nothing is downloaded).
#   sh tests/go/jsondiff/build.sh /tmp/jsondiff
#   KUBELET_CKPT_GO_JSONDIFF=/tmp/jsondiff cargo test --test json_go_diff
set -e
out=${1:-/tmp/jsondiff}
here=$(cd "$(dirname "$0")" && pwd)
# The spec vectors' stand-in packages live in ../shared beside the checkout.
repo=$(cd "$here/../../.." && pwd)
vectors=${SPEC_VECTORS_GOPATH:-$(dirname "$repo")/shared/spec/vectors/gen/gopath}
export GO111MODULE=off
export GOPATH="$vectors:/usr/share/gocode"
export GOCACHE="${GOCACHE:-/tmp/jsondiff-gocache}"
export GOFLAGS=
(cd "$here" && go build -o "$out" .)
echo "built $out"

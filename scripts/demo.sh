#!/usr/bin/env bash
# The main job: build the container spec of the bundled example node.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
v6node="$root/$build/cli/v6node"

cd "$root/examples/demo-node"
echo "== v6node spec -c examples/demo-node/demo.yaml" >&2
"$v6node" spec -c demo.yaml --pretty

#!/usr/bin/env bash
# The main job: start the bundled example node on a real Docker engine.
#
# Makes sure an engine answers (starting one if none does), builds the local
# stand-in node image if it is absent (no registry is reachable here, so the
# real vantage6 node image cannot be pulled), starts node "demo" from
# examples/demo-node/demo.yaml, and shows its status, volumes and first log
# lines, and how to stop it.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
v6node="$root/$build/cli/v6node"
image=127.0.0.1:5999/v6node-test/node:standin

"$root/scripts/engine-up.sh"
"$root/tests/integration/standin/build-image.sh" "$image" >/dev/null

cd "$root/examples/demo-node"
if "$v6node" status -c demo.yaml -i "$image" >/dev/null 2>&1; then
  echo "== node demo is already running" >&2
else
  echo "== v6node start -c demo.yaml -i $image --pull missing" >&2
  "$v6node" start -c demo.yaml -i "$image" --pull missing >/dev/null
fi
sleep 2
echo "== v6node status -c demo.yaml" >&2
"$v6node" status -c demo.yaml -i "$image"
echo "== its volumes" >&2
for v in vol vpn-vol ssh-vol squid-vol; do
  docker volume inspect -f '{{.Name}}  {{.Mountpoint}}' "vantage6-demo-user-$v"
done
echo "== v6node logs -c demo.yaml --tail 5" >&2
"$v6node" logs -c demo.yaml --tail 5
echo "== follow it with:  $v6node attach -c $root/examples/demo-node/demo.yaml" >&2
echo "== stop it with:    $v6node stop -n demo" >&2

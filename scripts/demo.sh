#!/usr/bin/env bash
# The main job: start the bundled example node on a real Docker engine.
#
# Makes sure an engine answers (starting one if none does), builds the local
# stand-in node image if it is absent (no registry is reachable here, so the
# real vantage6 node image cannot be pulled), starts node "demo" from
# examples/demo-node/demo.yaml, and shows its status, volumes and first log lines.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
v6node="$root/$build/cli/v6node"
image=127.0.0.1:5999/v6node-test/node:standin

"$root/scripts/engine-up.sh"
"$root/tests/integration/standin/build-image.sh" "$image" >/dev/null

cd "$root/examples/demo-node"
if [ "$(docker inspect -f '{{.State.Running}}' vantage6-demo-user 2>/dev/null)" = true ]; then
  echo "== node demo is already running" >&2
else
  echo "== v6node start -c demo.yaml -i $image --pull missing" >&2
  "$v6node" start -c demo.yaml -i "$image" --pull missing
fi
sleep 2
echo "== status" >&2
docker inspect -f 'container {{.Name}}: {{.State.Status}} since {{.State.StartedAt}}, image {{.Config.Image}}' vantage6-demo-user
echo "== volumes" >&2
for v in vol vpn-vol ssh-vol squid-vol; do
  docker volume inspect -f '{{.Name}} ({{.Mountpoint}})' "vantage6-demo-user-$v"
done
echo "== first log lines" >&2
docker logs vantage6-demo-user 2>&1 | head -n 5
echo "== stop it with: docker stop vantage6-demo-user" >&2

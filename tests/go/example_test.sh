#!/bin/sh
# The Go example (examples/go) on the real engine: start a node from a config
# in a temporary HOME on the stand-in image, show its status and version,
# follow its logs for a while, stop it; then its exit statuses: 2 for a bad
# command line, 3 for a node or image that is not there (as the v6node tool),
# 1 otherwise.
# Every name is v6ntest-go-example-<pid>; everything is removed by exact name
# at the end. Usage: example_test.sh <v6node-example binary>
set -eu
example=$1
image=${V6NODE_TEST_IMAGE:-127.0.0.1:5999/v6node-test/node:standin}
node=v6ntest-go-example-$$
container=vantage6-$node-user
dir=$(mktemp -d "${TMPDIR:-/tmp}/$node-XXXXXX")

cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  for v in vol vpn-vol ssh-vol squid-vol; do
    docker volume rm "$container-$v" >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

export HOME="$dir/home"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_CONFIG_DIRS XDG_DATA_DIRS DOCKER_HOST
unset DATA_VOLUME_NAME VPN_VOLUME_NAME SSH_TUNNEL_VOLUME_NAME SSH_SQUID_VOLUME_NAME PRIVATE_KEY
mkdir -p "$HOME/.config/vantage6/node" "$dir/site"
echo "id,age" >"$dir/site/cohort.csv"
cat >"$HOME/.config/vantage6/node/$node.yaml" <<YAML
api_key: replace-me
server_url: https://v6.example.org
port: 443
api_path: /api
task_dir: /tmp/v6-tasks
databases:
  - {label: default, uri: $dir/site/cohort.csv, type: csv}
logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, datefmt: y}
encryption: {enabled: false}
node_extra_env: {SITE_NAME: example}
YAML

expect_exit() { # expect_exit STATUS WHAT ARGS...: the example exits STATUS
  want=$1 what=$2
  shift 2
  got=0
  "$example" "$@" >"$dir/out" 2>"$dir/err" || got=$?
  [ "$got" -eq "$want" ] || { echo "$what: exit $got, want $want"; cat "$dir/out" "$dir/err"; exit 1; }
}

# A dry run prints what `v6node spec` would.
"$example" -n "$node" -i "$image" -dry-run >"$dir/spec.json"
grep -q "\"name\":\"$container\"" "$dir/spec.json"

# Start, show the status, follow the logs for 3 s, stop.
"$example" -n "$node" -i "$image" -pull missing -for 3s -stop >"$dir/out" 2>"$dir/err" || {
  echo "the example failed:"; cat "$dir/out" "$dir/err"; exit 1; }
cat "$dir/err"
cat "$dir/out"
grep -q "started $node in $container" "$dir/err"
grep -q "status: running since .*, vantage6 [0-9.]*, matches its config" "$dir/err"
grep -q "^node version: vnode-local stand-in (libv6node tests)$" "$dir/err"
grep -q "vnode-local: contract holds (node $node, user scope" "$dir/out"
grep -q "stopped $node" "$dir/err"
if docker inspect "$container" >/dev/null 2>&1; then
  echo "the container is still there"; exit 1
fi

# Errors come back as values, with the v6node tool's exit statuses.
expect_exit 2 "no node given" -dry-run
expect_exit 2 "both -n and -c" -n "$node" -c "$dir/x.yaml" -dry-run
expect_exit 2 "a bad pull policy" -n "$node" -pull sometimes -dry-run
expect_exit 2 "an unknown flag" -n "$node" -v6ntest-nosuch-flag
expect_exit 3 "an unknown node" -n "$node-nosuch" -dry-run
grep -q "$node-nosuch.yaml" "$dir/err"
expect_exit 3 "a config file that is not there" -c "$dir/$node-nosuch.yaml" -dry-run
expect_exit 3 "a missing image" -n "$node" -i "${image%:*}:v6ntest-absent" -pull never -for 1s
sed -i 's/level: INFO/level: VERBOSE/' "$HOME/.config/vantage6/node/$node.yaml"
expect_exit 1 "an invalid config" -n "$node" -dry-run
grep -q "logging.level" "$dir/err"
if docker inspect "$container" >/dev/null 2>&1; then
  echo "a failed start left the container"; exit 1
fi
echo "go example: ok"

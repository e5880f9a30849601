#!/usr/bin/env bash
# examples/c (nodectl) built as a site would build it, against the build tree's
# libv6node through pkg-config, then run on the real engine: start a node from
# a config in a temporary HOME, see it running as vantage6 4.15 with no drift,
# stop it; and the exit statuses for usage (2) and not found (3).
# Usage: example-c.sh BUILD_DIR SOURCE_DIR STANDIN_IMAGE
set -euo pipefail
build=$1 src=$2 image=$3
work=$(mktemp -d /tmp/v6ntest-example-c-XXXXXX)
name="v6ntest-nodectl-$$"
cleanup() {
  docker rm -f "vantage6-$name-user" >/dev/null 2>&1 || true
  for v in vol vpn-vol ssh-vol squid-vol; do docker volume rm "vantage6-$name-user-$v" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export PKG_CONFIG_PATH="$build/pkgconfig-uninstalled"
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$work/nodectl" "$src/examples/c/nodectl.c" $(pkg-config --cflags --libs v6node)
export LD_LIBRARY_PATH="$build/libv6node" HOME="$work/home"
mkdir -p "$HOME/.config/vantage6/node"
cat >"$HOME/.config/vantage6/node/$name.yaml" <<YAML
api_key: k
server_url: http://127.0.0.1
port: 9
api_path: /api
task_dir: /tmp/t
databases: [{label: default, uri: 'postgresql://u:p@db/x', type: sql}]
logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, datefmt: y}
encryption: {enabled: false}
YAML
set +e
"$work/nodectl" >/dev/null 2>&1; usage=$?
"$work/nodectl" status v6ntest-no-such-node-$$ >/dev/null 2>&1; absent=$?
set -e
[ "$usage" = 2 ] || { echo "usage exit $usage, expected 2" >&2; exit 1; }
[ "$absent" = 3 ] || { echo "status of an absent node exit $absent, expected 3" >&2; exit 1; }
id=$("$work/nodectl" start "$name" "$image")
[ "$(docker inspect -f '{{.Id}}' "vantage6-$name-user")" = "$id" ] || { echo "start printed $id" >&2; exit 1; }
out=$("$work/nodectl" status "$name")
grep -q "running, built as vantage6 4.15" <<<"$out" || { echo "status: $out" >&2; exit 1; }
! grep -q drift <<<"$out" || { echo "unexpected drift: $out" >&2; exit 1; }
"$work/nodectl" stop "$name"
! docker inspect "vantage6-$name-user" >/dev/null 2>&1 || { echo "still there after stop" >&2; exit 1; }
echo "examples/c: nodectl built with pkg-config; start, status, stop and exit statuses OK"

#!/usr/bin/env bash
# Self-test of the stand-in node image against the running engine, without
# libv6node's engine code: builds both images, asks `v6node spec` for a node's
# create body, creates the four volumes and the container through the Engine
# API with exactly that body (image replaced by the stand-in), and checks that
#
#   1. the node says "contract holds" (container log and /mnt/log/vnode-local.log)
#      and keeps running; SIGTERM makes it say "vnode-local: stopping" and exit 0;
#   2. the same body without PRIVATE_KEY and DEFAULT_DATABASE_URI says
#      "contract broken" naming both;
#   3. the --no-vnode image fails to start with "executable file not found".
#
#   selftest.sh [V6NODE]     (default: <repo>/build/cli/v6node)
#
# Everything it makes is named v6ntest-standin-<pid>* and removed by exact name
# on exit. Needs curl, python3 and an engine on /var/run/docker.sock.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
v6node="${1:-$repo/build/cli/v6node}"
sock=/var/run/docker.sock
api="http://localhost/v1.41"
tag="v6ntest-standin-$$"
[ -x "$v6node" ] || { echo "selftest: $v6node not built" >&2; exit 1; }

image="$("$here/build-image.sh")"
novnode="$("$here/build-image.sh" --no-vnode)"

tmp="$(mktemp -d "/tmp/$tag.XXXXXX")"
containers=()
volumes=()
cleanup() {
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  for v in "${volumes[@]}"; do docker volume rm "$v" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "selftest: FAIL: $*" >&2; exit 1; }

# A node config exercising every check: a mounted csv, a mounted folder, a
# network database (flow-mapping form), encryption on with a key.
mkdir -p "$tmp/cfg" "$tmp/data" "$tmp/log" "$tmp/db/folder"
echo "a,b" >"$tmp/db/cohort.csv"
echo "-----BEGIN PRIVATE KEY-----" >"$tmp/data/private_key.pem"
cat >"$tmp/cfg/$tag.yaml" <<EOF
api_key: not-a-real-key
server_url: http://localhost
port: 1
api_path: /api
task_dir: $tmp/tasks
databases:
  - label: default
    uri: $tmp/db/cohort.csv
    type: csv
  - label: Folder_DB
    uri: $tmp/db/folder
    type: folder
  - {label: registry, uri: "postgresql://u:p@db.invalid:5432/r", type: sql}
logging:
  level: INFO
  use_console: true
  backup_count: 5
  max_size: 1024
  format: "%(asctime)s - %(message)s"
  datefmt: "%Y-%m-%d %H:%M:%S"
encryption:
  enabled: true
EOF

export DATA_VOLUME_NAME="$tag-vol" VPN_VOLUME_NAME="$tag-vpn-vol" \
  SSH_TUNNEL_VOLUME_NAME="$tag-ssh-vol" SSH_SQUID_VOLUME_NAME="$tag-squid-vol"
"$v6node" spec -c "$tmp/cfg/$tag.yaml" -i "$image" --data-dir "$tmp/data" --log-dir "$tmp/log" \
  >"$tmp/spec.json"

# create body; $1 = image, $2 = comma-separated env names to drop
body() {
  python3 - "$tmp/spec.json" "$1" "${2:-}" <<'EOF'
import json, sys
spec = json.load(open(sys.argv[1]))
body = spec["create"]
body["Image"] = sys.argv[2]
drop = set(filter(None, sys.argv[3].split(",")))
body["Env"] = [e for e in body["Env"] if e.split("=", 1)[0] not in drop]
print(json.dumps(body))
EOF
}

for v in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["volumes"]))' "$tmp/spec.json"); do
  case "$v" in "$tag"-*) ;; *) fail "unexpected volume name $v" ;; esac
  volumes+=("$v")
  docker volume create "$v" >/dev/null
done

# create + start through the API; prints the HTTP status of the start
run() { # name image drop
  local name="$1" out
  containers+=("$name")
  out="$(body "$2" "${3:-}" | curl -sS --unix-socket "$sock" -H 'Content-Type: application/json' \
    -X POST --data-binary @- "$api/containers/create?name=$name")"
  case "$out" in *'"Id"'*) ;; *) fail "create $name: $out" ;; esac
  curl -sS --unix-socket "$sock" -o "$tmp/start.out" -w '%{http_code}' -X POST "$api/containers/$name/start"
}

wait_log() { # name pattern
  for _ in $(seq 50); do
    docker logs "$1" 2>&1 | grep -q "$2" && return 0
    sleep 0.2
  done
  return 1
}

# 1. contract holds
c1="$tag-ok"
[ "$(run "$c1" "$image")" = 204 ] || fail "start $c1: $(cat "$tmp/start.out")"
wait_log "$c1" 'vnode-local: contract' || fail "$c1 printed nothing"
line="$(docker logs "$c1" 2>&1 | tr -d '\r' | grep 'vnode-local: contract')"
echo "selftest: $c1: $line"
case "$line" in "vnode-local: contract holds"*) ;; *) fail "$c1: $line" ;; esac
grep -qF "$line" "$tmp/log/vnode-local.log" || fail "$c1: line not in the log folder"
sleep 1.5
[ "$(docker inspect -f '{{.State.Running}}' "$c1")" = true ] || fail "$c1 did not keep running"
t0=$(date +%s)
docker stop -t 10 "$c1" >/dev/null
t=$(($(date +%s) - t0))
[ "$t" -lt 5 ] || fail "$c1 took ${t}s to stop on SIGTERM"
# AutoRemove is on in the spec: the container may already be gone.
echo "selftest: $c1 stopped in ${t}s"

# 2. contract broken
c2="$tag-broken"
[ "$(run "$c2" "$image" PRIVATE_KEY,DEFAULT_DATABASE_URI)" = 204 ] || fail "start $c2: $(cat "$tmp/start.out")"
wait_log "$c2" 'vnode-local: contract' || fail "$c2 printed nothing"
line="$(docker logs "$c2" 2>&1 | tr -d '\r' | grep 'vnode-local: contract')"
echo "selftest: $c2: $line"
case "$line" in "vnode-local: contract broken:"*PRIVATE_KEY*DEFAULT_DATABASE_URI*) ;; *) fail "$c2: $line" ;; esac
docker rm -f "$c2" >/dev/null

# 3. no vnode-local: the start fails
c3="$tag-novnode"
code="$(run "$c3" "$novnode")"
echo "selftest: $c3: start -> $code $(cat "$tmp/start.out")"
[ "$code" != 204 ] || fail "$c3 started"
grep -q 'executable file not found' "$tmp/start.out" || fail "$c3: unexpected error"

echo "selftest: OK"

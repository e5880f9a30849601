# shellcheck shell=bash
# Shared settings and helpers of the e2e suite (sourced by run.sh; bash, set -euo pipefail).
#
# Every name the suite gives anything starts with v6ne2e (nodes v6ne2e-*, so containers
# and volumes vantage6-v6ne2e-*), and everything lives in the suite's own engine, network
# namespace and cache folder.

E2E_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_REPO="$(cd "$E2E_HERE/../.." && pwd)"

# Outside the git clone: CI runs on a fresh clone of this machine, and the cache must outlive it.
E2E_CACHE="${V6NE2E_CACHE:-/var/cache/libv6node-e2e}"
E2E_RUN="$E2E_CACHE/run"            # the running suite: pid files, engine socket and exec root, logs
E2E_ENGINE_ROOT="$E2E_CACHE/engine" # the suite engine's data root: the images are the cache
E2E_NETNS=v6ne2e
E2E_BIP=10.231.0.1/24 # the suite engine's default bridge; its gateway is the server's address
E2E_GATEWAY=10.231.0.1
E2E_SERVER_PORT=7601

# The versions the suite is about.
E2E_V6_VERSION=4.15.2
E2E_V6_OLD_VERSION=4.14.0
E2E_NODE_IMAGE=127.0.0.1:5999/vantage6/infrastructure/node:4.15
E2E_NODE_IMAGE_OLD=127.0.0.1:5999/vantage6/infrastructure/node:4.14
E2E_ALGO_IMAGE=127.0.0.1:5999/v6ne2e/algorithm:count-sum
# What the official node image adds to vantage6-node (real-node-facts.md).
E2E_NODE_EXTRAS=(flask==3.1.3 websocket-client==1.9.2)
E2E_DEBIAN_SUITE=bookworm
E2E_DEBIAN_PACKAGES=python3,python3-venv,python3-pip,ca-certificates

say() { echo "e2e: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# A short key from strings and file contents: what a cache entry was made from.
cache_key() {
  local item
  for item in "$@"; do
    if [ -f "$item" ]; then
      printf 'file %s\n' "$(basename "$item")"
      cat "$item"
    else
      printf 'value %s\n' "$item"
    fi
  done | sha256sum | cut -c1-16
}

# run_long WHAT LOG CMD...: run CMD with its output in LOG, saying every 15 s that it
# still runs (with LOG's last line); on failure show LOG's tail.
run_long() {
  local what="$1" log="$2"
  shift 2
  local start=$SECONDS next=$((SECONDS + 15)) pid rc=0
  say "$what (log: $log)"
  "$@" >"$log" 2>&1 </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$next" ]; then
      say "  ... $what: $((SECONDS - start)) s: $(tail -n 1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-100)"
      next=$((SECONDS + 15))
    fi
    sleep 1
  done
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    say "$what failed (exit $rc); last lines of $log:"
    tail -n 25 "$log" >&2 || true
    return "$rc"
  fi
  say "  ... $what: done in $((SECONDS - start)) s"
}

# The pid in FILE when that process is alive and its command line contains WORD.
live_pid() {
  local file="$1" word="$2" p
  p="$(cat "$file" 2>/dev/null || true)"
  case "$p" in '' | *[!0-9]*) return 0 ;; esac
  [ -r "/proc/$p/cmdline" ] || return 0
  if tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF -- "$word"; then
    echo "$p"
  fi
}

# shellcheck source=../support/terminate.sh
. "$E2E_REPO/tests/support/terminate.sh"

#!/usr/bin/env bash
# The end-to-end suite: a real vantage6 4.15.2 server and real node images (built from
# Debian and PyPI, cached), in the suite's own network namespace and Docker engine; nodes
# started by v6node, its Python and Go bindings, the Flask Node Manager in headless
# Chromium and the official `v6 node start`, asked about through the server's API.
#
#   tests/e2e/run.sh [BUILD_DIR]            the scenarios (make e2e); report in BUILD_DIR/e2e/
#   tests/e2e/run.sh --bench [BUILD_DIR]    start-to-online times, v6node vs v6 (make bench-e2e)
#
# Needs root. The last line is `e2e: N passed, M failed`; exit 0 only when nothing failed.
# Environment: V6NE2E_CACHE (default /var/cache/libv6node-e2e), V6NE2E_ONLY (a comma-separated
# list of scenario names to run, for development), V6NE2E_BENCH_ROUNDS (default 5).
# See tests/e2e/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cache.sh
. "$here/cache.sh"
# shellcheck source=env.sh
. "$here/env.sh"

mode=e2e
if [ "${1:-}" = --bench ]; then
  mode=bench
  shift
fi
build="$(realpath "${1:-$E2E_REPO/build}")"
out="$build/e2e"
[ "$(id -u)" -eq 0 ] || die "needs root: a network namespace, a dockerd, chroot"
t_start=$SECONDS

# One run at a time on this machine (the namespace and the engine have fixed names).
# The lock is fd 9 of this script and of the commands it waits for; the processes that
# outlive a step (holder, dockerd, server) are started without it, so a run killed hard
# leaves no holder of the lock behind.
mkdir -p "$E2E_CACHE"
exec 9>"$E2E_CACHE/lock"
if ! flock -n 9; then
  say "another e2e run holds $E2E_CACHE/lock; waiting for it"
  flock 9
fi

# ---- what this machine needs ------------------------------------------------------------
py="$(sed -n 's/^Python3_EXECUTABLE:FILEPATH=//p' "$build/CMakeCache.txt" 2>/dev/null || true)"
[ -n "$py" ] || die "$build is not a configured build (make build)"
# chromium, chromium-driver, and selenium, flask, PyYAML for the binding's interpreter
V6N_PYTHON="$py" "$E2E_REPO/scripts/install-deps.sh" docker.io mmdebstrap curl iproute2 util-linux openssl
"$E2E_REPO/bindings/python/check-test-env.sh" "$py" >/dev/null
for f in "$build/cli/v6node" "$build/bindings/go/v6node-example"; do
  [ -x "$f" ] || die "$f is missing: make build"
done
if [ "$mode" = bench ]; then
  [ -x "$build/bench/bench_launch" ] || die "$build/bench/bench_launch is missing: make build (with the benchmarks)"
fi
compgen -G "$build/bindings/python/pkg/v6node/_native/_v6nraw*.so" >/dev/null ||
  die "the Python binding is not built in $build: make build"

rm -rf "$out"
mkdir -p "$out/logs"
report="$out/report.json"

finish() {
  local rc=$? teardown=passed t0=$SECONDS
  trap - EXIT INT TERM
  set +e
  e2e_stop_all || teardown=failed
  if ip netns list | grep -qw "$E2E_NETNS"; then teardown=failed; fi
  # nothing the suite started may be left running
  local p cmd
  for p in /proc/[0-9]*; do
    cmd="$( (tr '\0' ' ' <"$p/cmdline") 2>/dev/null || true)"
    case "$cmd" in
      *"$E2E_CACHE"* | *"$E2E_HOLDER_NAME"*)
        say "still running: ${p#/proc/} $(echo "$cmd" | cut -c1-100)"
        teardown=failed
        ;;
    esac
  done
  python3 "$here/driver/summary.py" "$report" "$teardown" $((SECONDS - t0)) $((SECONDS - t_start)) "$rc" "$mode"
  exit $?
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---- a run killed hard left things behind: clean them up first ---------------------------
e2e_cleanup_stale

# ---- the cache on the host side (PyPI, the Debian mirror) --------------------------------
ensure_host_cache

# ---- the namespace, the engine, the images, the server ----------------------------------
e2e_up "$out/logs"
export DOCKER_HOST="unix://$E2E_SOCK"
e2e_empty_engine
ensure_images
unset DOCKER_HOST
e2e_server_start "$out/server"

cat >"$out/settings.json" <<EOF
{
  "here": "$here",
  "repo": "$E2E_REPO",
  "build": "$build",
  "out": "$out",
  "cli": "$build/cli/v6node",
  "python_pkg": "$build/bindings/python/pkg",
  "go_example": "$build/bindings/go/v6node-example",
  "lib_dir": "$build/libv6node",
  "server": {"host": "$E2E_GATEWAY", "port": $E2E_SERVER_PORT, "api_path": "/api"},
  "images": {"node": "$E2E_NODE_IMAGE", "node_old": "$E2E_NODE_IMAGE_OLD", "algorithm": "$E2E_ALGO_IMAGE"},
  "venvs": {"server": "$E2E_SERVER_VENV", "official": "$E2E_OFFICIAL_VENV"},
  "bench_rounds": ${V6NE2E_BENCH_ROUNDS:-5}
}
EOF
say "setup done in $((SECONDS - t_start)) s; running the $mode scenarios in namespace $E2E_NETNS"
(cd "$out" && in_ns env PYTHONPATH="$build/bindings/python/pkg" PYTHONDONTWRITEBYTECODE=1 \
  "$py" "$here/driver/main.py" --settings "$out/settings.json" --mode "$mode" --report "$report")

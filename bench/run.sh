#!/usr/bin/env bash
# `make bench`: run every benchmark and print the tables (markdown).
#
#   bench/run.sh [BUILD_DIR] [ROUNDS]
#
# 1. spec      bench_spec      load + validate + build + render (no engine)
# 2. start     bench_start     v6n_spec_start vs the bare-libcurl floor vs docker-py
# 3. command   bench_command   `v6node start` vs the docker-py sequence as processes
# 4. fleet     bench_fleet     status of 1/10/50 nodes; 20 starts, serial and 4 threads
#
# Before that it makes sure an engine answers (scripts/engine-up.sh), the stand-in
# node image is there (tests/integration/standin/build-image.sh; nodes never pull)
# and docker-py imports in the python3 first on PATH (else: pip install
# docker==7.1.0). ROUNDS (or $BENCH_ROUNDS) scales every engine benchmark for a
# quick run: start/command/status ROUNDS rounds, fleet max(1, ROUNDS/10) runs per
# mode, spec 100*ROUNDS rounds. Default: spec 3000, start 100, command 30,
# status 40, fleet 5 (about 2.5 minutes on 2 cores).
#
# The output is also kept in BUILD_DIR/bench/last-run.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${1:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
rounds="${2:-${BENCH_ROUNDS:-}}"

say() { echo "bench: $*" >&2; }

for b in bench_spec bench_start bench_command bench_fleet bench_floor_cmd bench_rawsock_cmd bench_rss_map \
  bench_launch; do
  [ -x "$build/bench/$b" ] || { say "$build/bench/$b is missing: run 'make build' first"; exit 1; }
done
[ -x "$build/cli/v6node" ] || { say "$build/cli/v6node is missing"; exit 1; }

"$root/scripts/engine-up.sh" >&2
image="$("$root/tests/integration/standin/build-image.sh")"
[ "$image" = "127.0.0.1:5999/v6node-test/node:standin" ] ||
  { say "unexpected stand-in image '$image'"; exit 1; }

if ! python3 -c 'import docker' >/dev/null 2>&1; then
  say "docker-py is missing: python3 -m pip install docker==7.1.0"
  python3 -m pip install --quiet docker==7.1.0 >&2
fi
python="$(python3 -c 'import sys; print(sys.executable)')"
dockerpy="$("$python" -c 'import docker; print(docker.__version__)')"
[ "$dockerpy" = "7.1.0" ] || say "warning: docker-py is $dockerpy, not 7.1.0"
# The interpreter itself, not a wrapper (a pyenv shim is a bash script that
# would add its own start-up to every Python process measured).
export V6N_BENCH_PYTHON="$python"
export V6N_BENCH_V6NODE="$build/cli/v6node"

if [ -n "$rounds" ]; then
  [[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 3 ] || { say "ROUNDS must be a number >= 3"; exit 2; }
  spec=$((rounds * 100)) start=$rounds command=$rounds status=$rounds fleet=$((rounds / 10))
  [ "$fleet" -ge 1 ] || fleet=1
else
  spec=3000 start=100 command=30 status=40 fleet=5
fi

out="$build/bench/last-run.md"
began=$(date +%s)
{
  echo "# libv6node benchmarks, $(date -u +%Y-%m-%d) ($(uname -n))"
  echo
  echo "Command: make bench${rounds:+ BENCH_ROUNDS=$rounds}" \
    "(bench/run.sh: spec $spec, start $start, command $command, status $status rounds, fleet $fleet runs)"
  echo "Python $("$python" -c 'import sys; print(sys.version.split()[0])') ($python), docker-py $dockerpy"
  echo
  echo "## Spec (no engine)"
  "$build/bench/bench_spec" "$spec"
  "$build/bench/bench_start" "$start"
  "$build/bench/bench_command" "$command"
  "$build/bench/bench_fleet" "$status" "$fleet"
  echo
  echo "Total: $(($(date +%s) - began)) s"
} | tee "$out"
say "tables kept in $out"

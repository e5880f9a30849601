#!/usr/bin/env bash
# The C soak (bench/soak/soak.c): CYCLES cycles (default 300) of start,
# status, logs, list and stop on one node with RSS and fd checks, then
# VG_CYCLES cycles (default 30) of the same loop under valgrind memcheck,
# which must report no leak and no error. Needs a build with the benchmarks
# (the default); starts the engine and builds the stand-in image when needed.
#
#   bench/soak/soak-c.sh [BUILD_DIR] [CYCLES] [VG_CYCLES]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cycles=${2:-300}
vg_cycles=${3:-30}
"$root/scripts/engine-up.sh" >/dev/null
"$root/tests/integration/standin/build-image.sh" >/dev/null
command -v valgrind >/dev/null || "$root/scripts/install-deps.sh"
cmake --build "$build" --target v6n_soak >/dev/null
soak="$build/bench/v6n_soak"

echo "== C soak: $cycles cycles"
"$soak" --cycles "$cycles"

echo "== C soak under valgrind: $vg_cycles cycles"
log=$(mktemp /tmp/v6ntest-soak-vg-XXXXXX.log)
status=0
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
  --log-file="$log" "$soak" --cycles "$vg_cycles" --no-rss || status=$?
if [ "$status" -ne 0 ] || [ -s "$log" ]; then
  echo "valgrind: exit $status; its report:" >&2
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "valgrind: no leak, no error in $vg_cycles cycles"

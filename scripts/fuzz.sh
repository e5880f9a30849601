#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for a bounded time on a
# copy of its seed corpus (tests/fuzz/corpus/). Prints one line per target:
# executions, the coverage it started and ended with (libFuzzer's cov: edges)
# and what it found new, the corpus size, and whether it crashed; the same
# lines go to build-fuzz/summary.txt, which CI prints. Exit status 1 on a crash.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]    (default 60)
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
"$root/scripts/install-deps.sh" clang libclang-rt-14-dev
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DV6N_FUZZ=ON -DV6N_PYTHON=OFF -DV6N_GO=OFF -DV6N_CONFORMANCE=OFF -DBUILD_TESTING=OFF \
  -DV6N_BUILD_BENCH=OFF -DV6N_BUILD_CLI=OFF >/dev/null
targets=(fuzz_config fuzz_engine_json fuzz_streams fuzz_record fuzz_config_edit fuzz_config_write)
cmake --build "$build" --target "${targets[@]}" | grep -E "error|warning" || true
[ -x "$build/tests/fuzz/fuzz_streams" ] || { echo "fuzz: the build failed" >&2; exit 1; }

status=0
declare -A corpus=([fuzz_config]=config [fuzz_engine_json]=engine_json [fuzz_streams]=streams
                   [fuzz_record]=record [fuzz_config_edit]=config_edit [fuzz_config_write]=config_write)
summary="$build/summary.txt"
: >"$summary"
for target in "${targets[@]}"; do
  work="$build/fuzz-work/$target"
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  cp "$root/tests/fuzz/corpus/${corpus[$target]}"/* "$work/corpus/"
  log="$work/log"
  if ASAN_OPTIONS=detect_leaks=1 "$build/tests/fuzz/$target" -max_total_time="$seconds" \
       -print_final_stats=1 -artifact_prefix="$work/artifacts/" -rss_limit_mb=2048 \
       "$work/corpus" >"$log" 2>&1; then
    result="no crash"
  else
    result="CRASH (see $work/artifacts and $log)"
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  # coverage (edges) after loading the seeds, and at the end
  cov_start=$(grep -m1 -o 'INITED cov: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov_end=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || echo '?')
  new=$(grep -c $'\tNEW ' "$log" || true)
  units=$(ls "$work/corpus" | wc -l)
  printf '%-18s %12s executions in %ss, coverage %s -> %s edges (%s new inputs), corpus %5s: %s\n' \
    "$target" "$execs" "$seconds" "$cov_start" "$cov_end" "$new" "$units" "$result" | tee -a "$summary"
done
exit $status

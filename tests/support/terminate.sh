# shellcheck shell=bash
# terminate PID SECONDS: SIGTERM, wait up to SECONDS, then SIGKILL and wait up
# to 5 s more. Sourced by tests/integration/private-engine.sh and
# tests/e2e/lib.sh; uses the caller's say() for the SIGKILL line.
terminate() {
  local pid="$1" secs="$2" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "pid $pid did not stop within ${secs} s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

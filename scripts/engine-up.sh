#!/usr/bin/env bash
# Make sure a Docker engine answers, for `make test` and `make demo`.
#
#  1. Installs docker.io and busybox-static when missing (scripts/install-deps.sh).
#  2. If an engine already answers /_ping on the socket, does nothing else: an
#     engine that answers is never stopped, restarted or reconfigured.
#  3. Otherwise starts `dockerd --bridge=none --iptables=false --ip6tables=false`
#     fully detached (setsid + nohup, survives the calling shell), logging to
#     $V6N_DOCKERD_LOG, and waits for /_ping while dockerd makes progress:
#     it gives up when dockerd exits, when its log stays silent for
#     $V6N_ENGINE_WAIT seconds, or after $V6N_ENGINE_MAX_WAIT seconds in all.
#     (A dockerd whose data root holds many stale network sandboxes, left by an
#     engine that was killed, removes them one by one before it answers, at about
#     60 ms each: that can take minutes, and its log shows each one.)
#     With no system containerd running, dockerd starts and manages its own
#     (under /var/run/docker/containerd).
#
# Containers on this engine get no network (no bridge, no iptables rules).
#
# Environment (all optional):
#   V6N_ENGINE_SOCKET      socket to check / serve   (default /var/run/docker.sock)
#   V6N_DOCKERD_LOG        dockerd's log file        (default /var/log/v6node-dockerd.log)
#   V6N_ENGINE_WAIT        seconds dockerd may stay silent before we give up (default 120)
#   V6N_ENGINE_MAX_WAIT    seconds to wait for /_ping in all (default 3600)
#   V6N_DOCKERD_EXTRA_ARGS extra dockerd arguments, word-split (e.g. --data-root/--exec-root/
#                          --pidfile for a second, throw-away engine on another socket)
#   V6N_SKIP_INSTALL=1     do not run install-deps.sh
#
# Exit status: 0 when an engine answers; non-zero with a message otherwise.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
sock="${V6N_ENGINE_SOCKET:-/var/run/docker.sock}"
log="${V6N_DOCKERD_LOG:-/var/log/v6node-dockerd.log}"
wait_s="${V6N_ENGINE_WAIT:-120}"
max_s="${V6N_ENGINE_MAX_WAIT:-3600}"

say() { echo "engine-up: $*" >&2; }

if [ "${V6N_SKIP_INSTALL:-0}" != 1 ]; then
  "$here/install-deps.sh" docker.io busybox-static
fi

# True when an engine answers /_ping with OK on $sock.
ping_engine() {
  [ -S "$sock" ] || return 1
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = "OK" ]
  else
    timeout 5 docker -H "unix://$sock" version >/dev/null 2>&1
  fi
}

if ping_engine; then
  say "a Docker engine already answers on $sock"
  exit 0
fi

dockerd_bin="$(command -v dockerd || true)"
[ -n "$dockerd_bin" ] || [ ! -x /usr/sbin/dockerd ] || dockerd_bin=/usr/sbin/dockerd
if [ -z "$dockerd_bin" ]; then
  say "no engine answers on $sock and dockerd is not installed (apt-get install docker.io)"
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "no engine answers on $sock, and starting dockerd needs root (run: sudo $0)"
  exit 1
fi

args=(--bridge=none --iptables=false --ip6tables=false)
if [ "$sock" != /var/run/docker.sock ]; then
  args+=(-H "unix://$sock")
fi
if [ -n "${V6N_DOCKERD_EXTRA_ARGS:-}" ]; then
  # shellcheck disable=SC2206 # word splitting wanted
  args+=(${V6N_DOCKERD_EXTRA_ARGS})
fi

mkdir -p "$(dirname "$log")"
say "no engine answers on $sock; starting: $dockerd_bin ${args[*]} (log: $log)"
# setsid: own session and process group, so killing the caller's group (or
# closing its terminal) does not take the engine down; nohup for SIGHUP.
{ echo "---- $(date -u +%Y-%m-%dT%H:%M:%SZ) engine-up.sh: $dockerd_bin ${args[*]}"; } >>"$log"
# The inner shell records its own pid (after setsid, which may fork) and
# execs dockerd, so $pid is dockerd's.
pidf="$(mktemp)"
trap 'rm -f "$pidf"' EXIT
setsid nohup sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pidf" "$dockerd_bin" "${args[@]}" \
  >>"$log" 2>&1 </dev/null &
pid=""
for _ in $(seq 50); do
  pid="$(cat "$pidf" 2>/dev/null || true)"
  [ -n "$pid" ] && break
  sleep 0.1
done
[ -n "$pid" ] || { say "could not start dockerd (see $log)"; exit 1; }

# Progress is dockerd's log growing; a stall of $wait_s seconds, or $max_s in all, ends the wait.
log_size() { stat -c %s "$log" 2>/dev/null || echo 0; }
stale() { grep -c 'Removing stale sandbox' "$log" 2>/dev/null || true; }
stale_before="$(stale)"
start=$SECONDS
last_size="$(log_size)"
last_change=$SECONDS
next_report=$((SECONDS + 30))
while :; do
  if ping_engine; then
    say "engine is up on $sock (dockerd pid $pid, $((SECONDS - start)) s)"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    # dockerd exited: maybe another dockerd won a race for the socket.
    sleep 1
    ping_engine && { say "engine is up on $sock"; exit 0; }
    say "dockerd exited before answering on $sock; last lines of $log:"
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
  size="$(log_size)"
  if [ "$size" != "$last_size" ]; then
    last_size="$size"
    last_change=$SECONDS
  fi
  if [ $((SECONDS - last_change)) -ge "$wait_s" ]; then
    say "dockerd (pid $pid) did not answer /_ping on $sock and wrote nothing to its log for ${wait_s}s; last lines of $log:"
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
  if [ $((SECONDS - start)) -ge "$max_s" ]; then
    say "dockerd (pid $pid) did not answer /_ping on $sock within ${max_s}s; last lines of $log:"
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
  if [ "$SECONDS" -ge "$next_report" ]; then
    say "still waiting for dockerd ($((SECONDS - start)) s); it has removed $(($(stale) - stale_before)) stale network sandboxes so far"
    next_report=$((SECONDS + 30))
  fi
  sleep 0.5
done

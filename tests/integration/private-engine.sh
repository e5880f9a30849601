#!/usr/bin/env bash
# A throw-away second Docker engine, isolated from the shared one, for tests
# that must do broad operations (`v6node stop --all`, `v6node clean` without
# -n, `v6node list` expecting an exact set).
#
#   private-engine.sh start DIR    start dockerd on unix://DIR/docker.sock, wait for
#                                  /_ping, import the stand-in images; prints
#                                  DOCKER_HOST=unix://DIR/docker.sock
#   private-engine.sh stop DIR     stop that dockerd (SIGTERM by its pidfile, wait,
#                                  SIGKILL), its containerd and shims, unmount what
#                                  is left under DIR, remove DIR
#   private-engine.sh halt DIR     the engine goes away as in a crash: SIGKILL its
#                                  dockerd by its pid, then its containerd and shims;
#                                  DIR (images, volumes) stays, so `start DIR` brings
#                                  the same engine back
#
# DIR must be an absolute path whose last component starts with "v6ntest-" (a
# safety net for the rm -rf of `stop`), and short: DIR/docker.sock must fit a unix
# socket path (107 bytes); use e.g. `mktemp -d /tmp/v6ntest-eng-XXXXXX`. `start`
# creates DIR when it does not exist; a DIR whose engine already answers is
# refused. `stop` of a DIR that is gone, or whose engine is not running, succeeds.
#
# What keeps the two engines apart:
#   --host unix://DIR/docker.sock            its own API socket (never the default one)
#   --data-root DIR/root                     images, containers, volumes
#   --exec-root DIR/exec                     runtime state; its managed containerd
#                                            listens on DIR/exec/containerd/containerd.sock
#   --pidfile DIR/dockerd.pid
#   --config-file DIR/daemon.json            ({}: /etc/docker/daemon.json is not read)
#   --containerd-namespace v6ntest-<id>      should a system containerd be running
#   --containerd-plugins-namespace ...       (dockerd then uses it instead of its own),
#                                            the two engines' containers still do not mix
#   --bridge=none --iptables=false --ip6tables=false
#                                            no docker0, no firewall rules: containers
#                                            only get lo, and the host network is untouched
#   --exec-opt native.cgroupdriver=cgroupfs
#   --cgroup-parent /v6ntest-<id>            its containers' cgroups: `stop` kills what a
#                                            killed engine left there, and nothing else
#   --shutdown-timeout 5                     `stop` is quick
# The engine runs in its own session (setsid), so the caller's signals do not reach it.
#
# Environment: V6N_ENGINE_WAIT (seconds to wait for /_ping, default 60);
# V6N_PRIVATE_ENGINE_ARGS: more dockerd arguments, word-split (e.g. a TLS
# listener: --host tcp://127.0.0.1:PORT --tlsverify --tlscacert ...).
# Exit status: 0 on success; 1 with a message (and the log's tail) otherwise; 2 usage.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
wait_s="${V6N_ENGINE_WAIT:-60}"

say() { echo "private-engine: $*" >&2; }
die() { say "$*"; exit 1; }
usage() { echo "usage: $0 start DIR | stop DIR | halt DIR" >&2; exit 2; }

[ $# -eq 2 ] || usage
cmd="$1"
dir="$2"
case "$dir" in
  /*) ;;
  *) die "DIR must be an absolute path (got '$dir')" ;;
esac
dir="${dir%/}"
case "$(basename "$dir")" in
  v6ntest-*) ;;
  *) die "DIR's name must start with v6ntest- (got '$dir')" ;;
esac
sock="$dir/docker.sock"
# names unique to this DIR: containerd namespace and the containers' cgroup parent
ns="v6ntest-$(basename "$dir" | tr -c 'a-zA-Z0-9\n' '-' | sed 's/^v6ntest-//')"
cgparent="$ns"
pidfile="$dir/dockerd.pid"
launched="$dir/launched.pid"
log="$dir/dockerd.log"
[ "${#sock}" -le 107 ] || die "socket path $sock is ${#sock} bytes, longer than 107: use a shorter DIR"

ping_engine() {
  [ -S "$sock" ] || return 1
  [ "$(curl -s --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = "OK" ]
}

# The pid in a pidfile when that process is alive, else nothing.
live_pid() {
  local p
  p="$(cat "$1" 2>/dev/null || true)"
  case "$p" in '' | *[!0-9]*) return 0 ;; esac
  if kill -0 "$p" 2>/dev/null; then echo "$p"; fi
}

# shellcheck source=../support/terminate.sh
. "$here/../support/terminate.sh"

# Engine processes (dockerd, containerd, shims, runc) whose command line names a
# path under DIR: only this engine's do, since DIR is unique to it. Other
# programs (a shell that merely mentions DIR) are never matched.
engine_processes() {
  local p comm args
  for p in /proc/[0-9]*; do
    comm="$(cat "$p/comm" 2>/dev/null || true)"
    case "$comm" in
      dockerd | containerd | containerd-shim* | runc) ;;
      *) continue ;;
    esac
    args="$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null || true)"
    case "$args" in
      *"$dir/"*) echo "${p#/proc/}" ;;
    esac
  done
}

# The cgroups of this engine's containers (--cgroup-parent), deepest first.
cgroup_dirs() {
  local base
  for base in /sys/fs/cgroup/"$cgparent" /sys/fs/cgroup/*/"$cgparent"; do
    [ -d "$base" ] && find "$base" -depth -type d 2>/dev/null
  done
  return 0
}

# Kill what is left in those cgroups (only after the engine is gone), remove them.
clean_cgroups() {
  local d p
  for d in $(cgroup_dirs); do
    for p in $(cat "$d/cgroup.procs" 2>/dev/null || true); do
      kill -KILL "$p" 2>/dev/null || true
    done
  done
  sleep 0.1
  for d in $(cgroup_dirs); do
    rmdir "$d" 2>/dev/null || true
  done
}

# Mount points under DIR, deepest first.
mounts_under() {
  awk -v d="$dir/" '{ m = $5; gsub(/\\040/, " ", m); if (index(m, d) == 1) print m }' \
    /proc/self/mountinfo | sort -r
}

stop_engine() {
  if [ ! -d "$dir" ]; then
    return 0
  fi
  local pid c
  pid="$(live_pid "$pidfile")"
  [ -n "$pid" ] || pid="$(live_pid "$launched")"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    # dockerd stops its containers (--shutdown-timeout) and its containerd
    terminate "$pid" 30
  fi
  # a containerd dockerd left behind (after a SIGKILL), then any shim
  c="$(live_pid "$dir/exec/containerd/containerd.pid")"
  [ -z "$c" ] || terminate "$c" 10
  for p in $(engine_processes); do
    terminate "$p" 5
  done
  clean_cgroups
  local m
  for _ in 1 2 3; do
    m="$(mounts_under)"
    [ -n "$m" ] || break
    while IFS= read -r mp; do
      [ -n "$mp" ] || continue
      umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
    done <<<"$m"
  done
  m="$(mounts_under)"
  [ -z "$m" ] || die "could not unmount under $dir: $m"
  rm -rf --one-file-system -- "$dir" || die "could not remove $dir"
}

halt_engine() {
  local pid c
  pid="$(live_pid "$pidfile")"
  [ -n "$pid" ] || pid="$(live_pid "$launched")"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  c="$(live_pid "$dir/exec/containerd/containerd.pid")"
  [ -z "$c" ] || kill -KILL "$c" 2>/dev/null || true
  for p in $(engine_processes); do
    kill -KILL "$p" 2>/dev/null || true
  done
  clean_cgroups
  ! ping_engine || die "the engine on $sock still answers after halt"
}

start_engine() {
  command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || die "dockerd is not installed"
  command -v curl >/dev/null || die "curl is not installed"
  [ "$(id -u)" -eq 0 ] || die "starting dockerd needs root"
  local dockerd_bin
  dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
  mkdir -p "$dir"
  if ping_engine; then
    die "an engine already answers on $sock"
  fi
  if [ -n "$(live_pid "$pidfile")" ]; then
    die "a dockerd of $dir is already running (pid $(cat "$pidfile"))"
  fi
  rm -f "$sock" "$pidfile" "$launched"
  mkdir -p "$dir/root" "$dir/exec"
  echo '{}' >"$dir/daemon.json"
  local args=(
    --host "unix://$sock"
    --data-root "$dir/root"
    --exec-root "$dir/exec"
    --pidfile "$pidfile"
    --config-file "$dir/daemon.json"
    --containerd-namespace "$ns"
    --containerd-plugins-namespace "$ns-plugins"
    --bridge=none --iptables=false --ip6tables=false
    --exec-opt native.cgroupdriver=cgroupfs
    --cgroup-parent "/$cgparent"
    --shutdown-timeout 5
  )
  # shellcheck disable=SC2206
  local extra=(${V6N_PRIVATE_ENGINE_ARGS:-})
  args+=("${extra[@]}")
  echo "---- $(date -u +%Y-%m-%dT%H:%M:%SZ) private-engine.sh: $dockerd_bin ${args[*]}" >>"$log"
  # setsid: its own session and process group; the inner shell execs dockerd,
  # so the pid written is dockerd's (dockerd rewrites its --pidfile itself).
  # (dockerd refuses to start when its --pidfile exists, so the launcher writes
  # the pid to $launched, which `stop` also reads.)
  setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$launched" "$dockerd_bin" "${args[@]}" \
    >>"$log" 2>&1 </dev/null &
  local pid="" i
  for ((i = 0; i < 50; i++)); do
    pid="$(cat "$launched" 2>/dev/null || true)"
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { stop_engine; die "could not start dockerd"; }

  local deadline=$((SECONDS + wait_s))
  until ping_engine; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "dockerd exited before answering on $sock; last lines of $log:"
      tail -n 20 "$log" >&2 || true
      stop_engine || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "dockerd (pid $pid) did not answer on $sock within ${wait_s}s; last lines of $log:"
      tail -n 20 "$log" >&2 || true
      stop_engine || true
      exit 1
    fi
    sleep 0.1
  done

  # the stand-in images (build-image.sh uses the engine DOCKER_HOST names)
  local out
  if ! out="$(DOCKER_HOST="unix://$sock" "$here/standin/build-image.sh" 2>&1 >/dev/null)" ||
    ! out="$(DOCKER_HOST="unix://$sock" "$here/standin/build-image.sh" --no-vnode 2>&1 >/dev/null)"; then
    say "importing the stand-in images failed: $out"
    stop_engine || true
    exit 1
  fi
  echo "DOCKER_HOST=unix://$sock"
}

case "$cmd" in
  start) start_engine ;;
  stop) stop_engine ;;
  halt) halt_engine ;;
  *) usage ;;
esac

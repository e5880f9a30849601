# shellcheck shell=bash
# The suite's own world (sourced by run.sh after lib.sh): a network namespace with only `lo`
# and the bridges its engine makes, a private mount namespace, the suite's dockerd and the
# vantage6 server, all in both namespaces.
#
# - `ip netns add v6ne2e`: no interface leads out of it, so nothing sent inside can leave the
#   machine (this host forwards packets, so a bridge in the host's namespace is not acceptable).
# - A holder process in that network namespace owns a private mount namespace (`unshare
#   --mount --propagation private`) with a tmpfs over /run: the host's /run/docker.sock and
#   /run/containerd are not visible inside. The suite engine's socket is bound over
#   /run/docker.sock there, and only there: the node container's hard-coded
#   /var/run/docker.sock bind (made by the engine in that namespace) reaches the suite engine.
#   Everything enters with `nsenter -t HOLDER --net --mount`, never `ip netns exec`, which
#   remounts /sys: dockerd then stops with "Devices cgroup isn't mounted".
# - dockerd: --bip on a fixed small subnet, no iptables, its own data root (the image cache),
#   exec root (in the private /run), pid file, socket, containerd namespace and cgroup parent.
# - The vantage6 server listens on the bridge's gateway address.
#
# Stopping is by pid (the files in $E2E_RUN), then every process still in the namespace, then
# every process in the engine's cgroup parent, then `ip netns del`. A run killed hard is
# cleaned up the same way by the next run, before anything else.

E2E_SOCK="$E2E_RUN/engine.sock"
E2E_EXEC_ROOT=/run/v6ne2e-exec # inside the private /run
E2E_CGROUP_PARENT=v6ne2e
E2E_HOLDER_NAME=v6ne2e-ns-holder

holder_pid() { live_pid "$E2E_RUN/holder.pid" "$E2E_HOLDER_NAME"; }

# in_ns CMD...: run CMD in the suite's network and mount namespaces, in the current folder.
in_ns() {
  local h
  h="$(holder_pid)"
  [ -n "$h" ] || die "the namespace holder is not running"
  nsenter -t "$h" --net --mount --wd="$PWD" -- "$@"
}

netns_inode() { stat -L -c %i "/run/netns/$E2E_NETNS" 2>/dev/null || true; }

# The processes whose network namespace is the suite's (all of them are the suite's).
netns_processes() {
  local ino="$1" p
  [ -n "$ino" ] || return 0
  for p in /proc/[0-9]*; do
    if [ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" = "$ino" ]; then
      echo "${p#/proc/}"
    fi
  done
}

# The cgroups of the suite engine's containers (--cgroup-parent), deepest first.
engine_cgroups() {
  local base
  for base in /sys/fs/cgroup/*/"$E2E_CGROUP_PARENT" /sys/fs/cgroup/"$E2E_CGROUP_PARENT"; do
    [ -d "$base" ] && find "$base" -depth -type d 2>/dev/null
  done
  return 0
}

# Mount points under the cache in this (the host's) mount namespace: there should be none.
host_mounts_under_cache() {
  awk -v d="$E2E_CACHE/" '{ m = $5; gsub(/\\040/, " ", m); if (index(m, d) == 1) print m }' \
    /proc/self/mountinfo | sort -r
}

# Stop whatever a run left: by pid file first, then by namespace and cgroup. Quiet when
# there is nothing. Returns non-zero when something could not be removed.
e2e_stop_all() {
  local p ino d left=0
  p="$(live_pid "$E2E_RUN/server.pid" server.py)"
  [ -z "$p" ] || terminate "$p" 10
  p="$(live_pid "$E2E_RUN/dockerd.pid" dockerd)"
  # dockerd stops its containers (--shutdown-timeout) and its containerd
  [ -z "$p" ] || terminate "$p" 40
  ino="$(netns_inode)"
  for p in $(netns_processes "$ino"); do
    [ "$p" = "$(holder_pid)" ] && continue
    say "stopping pid $p left in the namespace: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)"
    terminate "$p" 5
  done
  p="$(holder_pid)"
  [ -z "$p" ] || terminate "$p" 5
  # containers of a dockerd that was killed live in their own network namespaces
  for p in $(for d in $(engine_cgroups); do cat "$d/cgroup.procs" 2>/dev/null || true; done | sort -u); do
    say "killing pid $p left in the suite engine's cgroup: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)"
    kill -KILL "$p" 2>/dev/null || true
  done
  sleep 0.2
  for d in $(engine_cgroups); do
    rmdir "$d" 2>/dev/null || true
  done
  if [ -n "$ino" ]; then
    for p in $(netns_processes "$ino"); do
      say "pid $p is still in the namespace"
      left=1
    done
    ip netns del "$E2E_NETNS" 2>/dev/null || true
  fi
  if ip netns list 2>/dev/null | grep -qw "$E2E_NETNS"; then
    say "could not delete network namespace $E2E_NETNS"
    left=1
  fi
  local m
  m="$(host_mounts_under_cache)"
  if [ -n "$m" ]; then
    say "mounts under $E2E_CACHE in the host namespace: $m"
    left=1
  fi
  rm -f "$E2E_RUN"/*.pid "$E2E_SOCK" "$E2E_RUN"/daemon.json
  return "$left"
}

e2e_cleanup_stale() {
  if [ -d "$E2E_RUN" ] || ip netns list 2>/dev/null | grep -qw "$E2E_NETNS"; then
    if [ -n "$(ls -A "$E2E_RUN" 2>/dev/null)" ] || ip netns list 2>/dev/null | grep -qw "$E2E_NETNS"; then
      say "cleaning up what an earlier run left behind"
    fi
    e2e_stop_all || die "could not clean up an earlier run (see above)"
  fi
  mkdir -p "$E2E_RUN"
}

engine_ping() {
  [ "$(curl -s --max-time 3 --unix-socket "$E2E_SOCK" http://localhost/_ping 2>/dev/null)" = OK ]
}

# e2e_up LOGDIR: namespace, holder, engine, socket, checks.
e2e_up() {
  local logs="$1" h i pid
  command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || die "dockerd is not installed"
  ip netns add "$E2E_NETNS"
  ip -n "$E2E_NETNS" link set lo up

  setsid nsenter --net="/run/netns/$E2E_NETNS" -- unshare --mount --propagation private -- \
    bash -c 'mount -t tmpfs -o mode=0755,size=64m v6ne2e-run /run || exit 1
             : >/run/docker.sock
             echo $$ >"$1"
             exec -a "$2" sleep infinity' holder "$E2E_RUN/holder.pid" "$E2E_HOLDER_NAME" \
    </dev/null >>"$logs/holder.log" 2>&1 9>&- &
  for ((i = 0; i < 100; i++)); do
    h="$(holder_pid)"
    [ -n "$h" ] && break
    sleep 0.05
  done
  [ -n "$h" ] || die "the namespace holder did not start (see $logs/holder.log)"
  [ "$(stat -L -c %i "/proc/$h/ns/net")" = "$(netns_inode)" ] || die "the holder is not in $E2E_NETNS"
  [ "$(stat -L -c %i "/proc/$h/ns/mnt")" != "$(stat -L -c %i /proc/self/ns/mnt)" ] ||
    die "the holder has no mount namespace of its own"

  local dockerd_bin
  dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
  mkdir -p "$E2E_ENGINE_ROOT"
  echo '{}' >"$E2E_RUN/daemon.json"
  rm -f "$E2E_SOCK"
  local args=(
    --host "unix://$E2E_SOCK"
    --data-root "$E2E_ENGINE_ROOT"
    --exec-root "$E2E_EXEC_ROOT"
    --pidfile "$E2E_RUN/dockerd.pid"
    --config-file "$E2E_RUN/daemon.json"
    --bip "$E2E_BIP"
    --iptables=false --ip6tables=false
    --containerd-namespace v6ne2e
    --containerd-plugins-namespace v6ne2e-plugins
    --exec-opt native.cgroupdriver=cgroupfs
    --cgroup-parent "/$E2E_CGROUP_PARENT"
    --shutdown-timeout 5
  )
  echo "---- $(date -u +%FT%TZ) $dockerd_bin ${args[*]}" >>"$logs/dockerd.log"
  setsid nsenter -t "$h" --net --mount -- "$dockerd_bin" "${args[@]}" </dev/null >>"$logs/dockerd.log" 2>&1 9>&- &
  pid=$!
  local start=$SECONDS next=$((SECONDS + 15))
  until engine_ping; do
    kill -0 "$pid" 2>/dev/null || {
      tail -n 20 "$logs/dockerd.log" >&2
      die "the suite's dockerd exited before answering (log: $logs/dockerd.log)"
    }
    if [ "$SECONDS" -ge "$next" ]; then
      say "  ... waiting for the suite's dockerd ($((SECONDS - start)) s): $(tail -n 1 "$logs/dockerd.log" | cut -c1-100)"
      next=$((SECONDS + 15))
    fi
    [ $((SECONDS - start)) -lt 600 ] || die "the suite's dockerd did not answer within 600 s"
    sleep 0.1
  done
  [ "$(live_pid "$E2E_RUN/dockerd.pid" dockerd)" = "$pid" ] || die "dockerd's pid file does not name the dockerd started"

  # its socket over /run/docker.sock, in the private mount namespace only
  nsenter -t "$h" --mount -- mount --bind "$E2E_SOCK" /run/docker.sock
  local root
  root="$(in_ns curl -s --max-time 5 --unix-socket /var/run/docker.sock http://localhost/info |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["DockerRootDir"])')" ||
    die "nothing answers on /var/run/docker.sock in the suite's namespace"
  [ "$(realpath "$root")" = "$(realpath "$E2E_ENGINE_ROOT")" ] ||
    die "/var/run/docker.sock in the suite's namespace answers with data root $root, not $E2E_ENGINE_ROOT"
  say "engine up in namespace $E2E_NETNS ($((SECONDS - start)) s): /var/run/docker.sock there is the suite's ($root), bridge $E2E_BIP"
}

# What a killed run left in the suite engine: the suite's own names only; anything else is
# reported and left alone.
e2e_empty_engine() {
  local id name
  while read -r id name; do
    [ -n "$id" ] || continue
    case "$name" in
      vantage6-v6ne2e-* | v6ne2e-*)
        say "removing container $name, left in the suite engine by an earlier run"
        docker rm -f "$id" >/dev/null
        ;;
      *) say "left alone in the suite engine: container $name" ;;
    esac
  done < <(docker ps -a --format '{{.ID}} {{.Names}}')
  while read -r name; do
    [ -n "$name" ] || continue
    case "$name" in
      vantage6-v6ne2e-* | v6ne2e-*) docker volume rm "$name" >/dev/null ;;
      *) say "left alone in the suite engine: volume $name" ;;
    esac
  done < <(docker volume ls -q)
  while read -r name; do
    case "$name" in
      vantage6-v6ne2e-* | v6ne2e-*) docker network rm "$name" >/dev/null ;;
    esac
  done < <(docker network ls --format '{{.Name}}')
}

# e2e_server_start DIR: a fresh vantage6 server (new sqlite database) in DIR.
e2e_server_start() {
  local dir="$1" i
  rm -rf "$dir"
  mkdir -p "$dir/home"
  cat >"$dir/server.yaml" <<EOF
description: libv6node e2e server
ip: $E2E_GATEWAY
port: $E2E_SERVER_PORT
api_path: /api
uri: sqlite:///$dir/server.sqlite
allow_drop_all: true
jwt_secret_key: v6ne2e-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
logging:
  level: INFO
  file: server.log
  use_console: true
  backup_count: 5
  max_size: 1024
  format: "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s"
  datefmt: "%Y-%m-%d %H:%M:%S"
EOF
  local h
  h="$(holder_pid)"
  HOME="$dir/home" setsid nsenter -t "$h" --net --mount --wd="$dir" -- \
    "$E2E_SERVER_VENV/bin/python" "$E2E_HERE/server.py" "$dir/server.yaml" "$E2E_GATEWAY" \
    "$E2E_SERVER_PORT" </dev/null >"$dir/server.out" 2>&1 9>&- &
  echo $! >"$E2E_RUN/server.pid"
  local start=$SECONDS
  for ((i = 0; i < 1200; i++)); do
    if in_ns curl -sf --max-time 2 "http://$E2E_GATEWAY:$E2E_SERVER_PORT/api/version" >/dev/null 2>&1; then
      say "vantage6 server $E2E_V6_VERSION answers on http://$E2E_GATEWAY:$E2E_SERVER_PORT/api ($((SECONDS - start)) s)"
      return 0
    fi
    if [ -z "$(live_pid "$E2E_RUN/server.pid" server.py)" ]; then
      tail -n 20 "$dir/server.out" >&2
      die "the vantage6 server exited (log: $dir/server.out)"
    fi
    sleep 0.1
  done
  die "the vantage6 server did not answer within 120 s (log: $dir/server.out)"
}

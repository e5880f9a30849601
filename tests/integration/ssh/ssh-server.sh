#!/usr/bin/env bash
# A private sshd on 127.0.0.1, for the engines-over-ssh tests (test_ssh).
#
#   ssh-server.sh start DIR   keys (made here), a private sshd on a free port of
#                             127.0.0.1 that lets the user v6test in with a key
#                             only, and the docker CLI of Debian's docker.io
#                             (/usr/bin/docker) on the "remote" side, talking to
#                             the test engine; writes DIR/env
#   ssh-server.sh stop DIR    stops that sshd and every session it started,
#                             removes DIR; removes the user v6test when no other
#                             DIR still uses it
#
# The remote user. sshd logs in only users it finds in passwd, so the suite uses
# a dedicated system user, v6test (comment "libv6node ssh tests", shell /bin/sh,
# home /var/lib/v6test, group docker: the engine's socket is root:docker 0660,
# and a remote user in the docker group is how such hosts are set up). `start`
# creates it when missing; a v6test that is not ours (another comment) is never
# touched: `start` fails instead. Its password is "*": no password can match,
# and, unlike a locked "!" one, sshd (UsePAM no) still takes its keys. Its keys
# are only in DIR/authorized_keys, which only this private sshd reads: the
# system's sshd (if any) would find no key for it. Every DIR using the user
# leaves a note in /tmp/v6ntest-ssh-users/ (under a lock); `stop` removes the
# user (userdel, its home) when it removes the last note of a live DIR, so
# concurrent runs (two build folders) share it safely. A run killed before its
# `stop` leaves the user inert (no key anywhere) until the next `stop`.
# sshd's privilege separation folder, /run/sshd, is made when missing (Debian's
# init script would make it) and removed with the user.
#
# Each key says, in authorized_keys, what the "remote" shell gets (sshd's
# PermitUserEnvironment PATH,DOCKER_HOST), so one sshd serves every case:
#   DIR/keys/client     PATH=/usr/bin:/bin: docker is /usr/bin/docker (docker.io),
#                       never /usr/local/bin's other client
#   DIR/keys/nodocker   PATH=DIR/bin-nodocker (empty): no docker over there
#   DIR/keys/noengine   DOCKER_HOST=unix://DIR/no-engine.sock: no engine answers
#   DIR/keys/stalled    PATH=DIR/bin-stalled: a "docker" that reads the request
#                       and never answers
#   DIR/keys/stranger   in no authorized_keys: refused
#
# DIR/env holds shell assignments the tests read:
#   SSH_HOST=ssh://v6test@127.0.0.1:PORT   SSH_PORT=PORT   SSH_DIR=DIR
#   SSH_KNOWN_HOSTS=DIR/known_hosts  (the server's host key, for [127.0.0.1]:PORT)
#   SSH_OTHER_KNOWN_HOSTS=DIR/other_known_hosts  (another key for the same name)
#   SSH_WRAPPER_DIR=DIR/bin  (an `ssh` that runs /usr/bin/ssh -F "$HOME/.ssh/config":
#                             ssh reads ~/.ssh of the passwd entry, never $HOME, so a
#                             test's temp HOME holds the config it would otherwise
#                             find in the user's home; with V6N_SSH_LOG set, it also
#                             appends its arguments there, one run per line)
# DIR must start with /tmp/v6ntest-. Nothing listens on any address but 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-} dir=${2:-}
case "$dir" in /tmp/v6ntest-*) ;; *) echo "ssh-server: DIR must be /tmp/v6ntest-..." >&2; exit 2 ;; esac
dir=${dir%/}

user=v6test
comment="libv6node ssh tests"
home=/var/lib/v6test
users_dir=/tmp/v6ntest-ssh-users
note="$users_dir/$(echo "$dir" | md5sum | cut -c1-16)"

say() { echo "ssh-server: $*" >&2; }

# The lock that orders starts and stops of every DIR (the user is shared): a
# flock on /tmp itself, so that no lock file is left behind.
take_lock() {
  exec 9</tmp
  flock 9
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The pid in DIR/sshd.pid when it is this DIR's sshd, else nothing.
sshd_pid() {
  local p
  p=$(cat "$1/sshd.pid" 2>/dev/null || true)
  case "$p" in '' | *[!0-9]*) return 0 ;; esac
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] || return 0
  tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$1/sshd_config" && echo "$p"
  return 0
}

# The children of pid $1, from /proc (no procps needed).
children() {
  local f line fields
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$f" || continue
    read -r -a fields <<<"${line##*) }" # after the command name (it may hold spaces): state ppid ...
    [ "${fields[1]:-}" = "$1" ] || continue
    f=${f#/proc/}
    echo "${f%/stat}"
  done
}

# Is pid $1 running (a zombie is not: this machine's init may reap it late)?
alive() {
  local line fields
  read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  read -r -a fields <<<"${line##*) }"
  [ "${fields[0]}" != Z ]
}

# Every descendant of pid $1 (its sessions: sshd, the remote shell, docker).
descendants() {
  local p
  for p in $(children "$1"); do
    echo "$p"
    descendants "$p"
  done
}

ensure_user() {
  local gecos
  gecos=$(getent passwd "$user" | cut -d: -f5 || true)
  if getent passwd "$user" >/dev/null; then
    [ "$gecos" = "$comment" ] || { say "a user $user exists that is not ours ($gecos): not touching it"; return 1; }
  else
    useradd --system --user-group --groups docker --shell /bin/sh --home-dir "$home" \
      --no-create-home --password '*' --comment "$comment" "$user"
  fi
  usermod --password '*' --shell /bin/sh "$user"
  id -nG "$user" | grep -qw docker || usermod -a -G docker "$user"
  install -d -m 0750 -o "$user" -g "$user" "$home"
}

remove_user_if_unused() {
  local n dirn
  for n in "$users_dir"/*; do
    [ -e "$n" ] || continue
    [ "${n##*/}" != made-run-sshd ] || continue
    dirn=$(cat "$n" 2>/dev/null || true)
    # a note of a DIR whose sshd is gone is stale (a run killed before its stop)
    [ -n "$dirn" ] && [ -n "$(sshd_pid "$dirn")" ] && return 0
    rm -f "$n"
  done
  if [ "$(getent passwd "$user" | cut -d: -f5)" = "$comment" ]; then
    if userdel "$user"; then
      rm -rf --one-file-system "$home"
    else
      say "userdel $user failed: left in place, inert (no key anywhere)"
    fi
  fi
  if [ -e "$users_dir/made-run-sshd" ]; then
    rmdir /run/sshd 2>/dev/null || true
    rm -f "$users_dir/made-run-sshd"
  fi
  rmdir "$users_dir" 2>/dev/null || true
}

start() {
  # openssh-server: the private sshd; openssh-client: the ssh the library runs;
  # socat: the suite's plain tcp:// endpoint
  "$here/../../../scripts/install-deps.sh" openssh-server openssh-client socat
  # the whole start under the lock: a concurrent stop must not see this DIR's
  # note before its sshd runs, and take it for a stale one
  take_lock
  [ -x /usr/bin/docker ] || { say "/usr/bin/docker (docker.io) is missing"; exit 1; }
  [ "$(id -u)" -eq 0 ] || { say "needs root (a private sshd, the user $user)"; exit 1; }
  [ -z "$(sshd_pid "$dir")" ] || { say "an sshd of $dir already runs"; exit 1; }
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 0755 "$dir"
  # sshd's privilege separation folder (Debian's init script makes it; removed
  # with the user when a run made it)
  mkdir -p "$users_dir"
  if [ ! -d /run/sshd ]; then
    install -d -m 0755 /run/sshd
    : >"$users_dir/made-run-sshd"
  fi

  ensure_user
  echo "$dir" >"$note"

  install -d -m 0700 "$dir/keys"
  install -d -m 0755 "$dir/bin" "$dir/bin-nodocker" "$dir/bin-stalled"
  ssh-keygen -q -t ed25519 -N '' -C "v6ntest host" -f "$dir/host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C "v6ntest other host" -f "$dir/other_host_key"
  for k in client nodocker noengine stalled stranger; do
    ssh-keygen -q -t ed25519 -N '' -C "v6ntest $k" -f "$dir/keys/$k"
  done
  printf '#!/bin/sh\n# a remote engine that takes the request and never answers\nexec cat >/dev/null\n' \
    >"$dir/bin-stalled/docker"
  chmod 0755 "$dir/bin-stalled/docker"
  {
    printf 'environment="PATH=/usr/bin:/bin" %s\n' "$(cat "$dir/keys/client.pub")"
    printf 'environment="PATH=%s" %s\n' "$dir/bin-nodocker" "$(cat "$dir/keys/nodocker.pub")"
    printf 'environment="PATH=/usr/bin:/bin",environment="DOCKER_HOST=unix://%s/no-engine.sock" %s\n' \
      "$dir" "$(cat "$dir/keys/noengine.pub")"
    printf 'environment="PATH=%s:/usr/bin:/bin" %s\n' "$dir/bin-stalled" "$(cat "$dir/keys/stalled.pub")"
  } >"$dir/authorized_keys"
  chmod 0644 "$dir/authorized_keys"
  cat >"$dir/bin/ssh" <<'WRAP'
#!/bin/sh
# ssh with the config of $HOME (ssh itself reads the passwd entry's home only)
[ -z "${V6N_SSH_LOG:-}" ] || printf '%s\n' "$*" >>"$V6N_SSH_LOG"
exec /usr/bin/ssh -F "$HOME/.ssh/config" "$@"
WRAP
  chmod 0755 "$dir/bin/ssh"

  local port="" tries
  for tries in 1 2 3 4 5; do
    port=$(free_port)
    cat >"$dir/sshd_config" <<CONF
# a private sshd for libv6node's tests: 127.0.0.1 only, keys only, user $user only
ListenAddress 127.0.0.1:$port
HostKey $dir/host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AllowUsers $user
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitRootLogin no
UsePAM no
PermitUserEnvironment PATH,DOCKER_HOST
# the files live under /tmp (world-writable): no ownership checks on their path
StrictModes no
PermitTTY no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
PermitTunnel no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 100:30:200
LogLevel VERBOSE
CONF
    /usr/sbin/sshd -t -f "$dir/sshd_config"
    if /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" 9<&-; then # not the lock
      for _ in $(seq 50); do
        [ -n "$(sshd_pid "$dir")" ] && break
        sleep 0.1
      done
    fi
    [ -n "$(sshd_pid "$dir")" ] && break
    say "sshd did not start on port $port (try $tries): $(tail -n 2 "$dir/sshd.log" 2>/dev/null)"
    port=""
  done
  [ -n "$port" ] || { say "no sshd"; stop_locked; exit 1; }

  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_ed25519_key.pub")" >"$dir/known_hosts"
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/other_host_key.pub")" >"$dir/other_known_hosts"
  cat >"$dir/env" <<ENV
SSH_HOST=ssh://$user@127.0.0.1:$port
SSH_PORT=$port
SSH_DIR=$dir
SSH_KNOWN_HOSTS=$dir/known_hosts
SSH_OTHER_KNOWN_HOSTS=$dir/other_known_hosts
SSH_WRAPPER_DIR=$dir/bin
ENV

  # the whole path once: the key, the remote docker CLI, the test engine
  mkdir -p "$dir/check/.ssh"
  cat >"$dir/check/.ssh/config" <<CONF
Host 127.0.0.1
  IdentityFile $dir/keys/client
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  GlobalKnownHostsFile /dev/null
  BatchMode yes
CONF
  local out
  if ! out=$(HOME="$dir/check" SSH_AUTH_SOCK='' "$dir/bin/ssh" -T -l "$user" -p "$port" -- 127.0.0.1 \
    'command -v docker && docker version --format "{{.Server.Version}}"' 2>&1 </dev/null); then
    say "ssh to $user@127.0.0.1:$port does not reach the engine: $out"
    stop_locked
    exit 1
  fi
  case "$out" in
    /usr/bin/docker*) ;;
    *) say "the remote docker is not /usr/bin/docker: $out"; stop_locked; exit 1 ;;
  esac
  rm -rf "$dir/check"
  cat "$dir/env"
}

# (the caller holds the lock)
stop_locked() {
  local pid p kids
  pid=$(sshd_pid "$dir")
  if [ -n "$pid" ]; then
    kids=$(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for p in $kids; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
      alive "$pid" || break
      sleep 0.1
    done
    # shellcheck disable=SC2086 # one pid a word
    kill -KILL "$pid" $kids 2>/dev/null || true
  fi
  rm -f "$note"
  remove_user_if_unused
  rm -rf --one-file-system "$dir"
}

stop() {
  take_lock
  stop_locked
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: ssh-server.sh start|stop DIR" >&2
    exit 2
    ;;
esac

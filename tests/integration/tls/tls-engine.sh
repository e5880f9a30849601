#!/usr/bin/env bash
# A Docker engine behind TLS on 127.0.0.1, for the remote-engine tests.
#
#   tls-engine.sh start DIR    certificates (made here with openssl), a private
#                              dockerd with --tlsverify on a free port, and a
#                              plain-TCP relay to the same engine; writes DIR/env
#   tls-engine.sh stop DIR     stops both, removes DIR
#
# DIR/env holds shell assignments the tests read:
#   TLS_HOST=tcp://127.0.0.1:PORT   the TLS engine (client certificates required)
#   PLAIN_HOST=tcp://127.0.0.1:PORT the same engine without TLS (socat relay)
#   UNIX_HOST=unix://DIR/docker.sock
#   CERTS=DIR/certs        ca.pem, cert.pem, key.pem (as DOCKER_CERT_PATH wants)
#   WRONG_CA=DIR/wrong-ca  a good client certificate, but another CA's ca.pem
#   BAD_CLIENT=DIR/bad-client  the right ca.pem, a client certificate of another CA
# DIR must start with /tmp/v6ntest- (short: unix socket paths are limited); the
# private engine lives in DIR-engine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-} dir=${2:-}
case "$dir" in /tmp/v6ntest-*) ;; *) echo "tls-engine: DIR must be /tmp/v6ntest-..." >&2; exit 2 ;; esac

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

sign() { # sign NAME CA_DIR EXTENSIONS SUBJECT -> NAME-cert.pem, NAME-key.pem in $work
  openssl req -newkey rsa:2048 -nodes -subj "$4" -keyout "$work/$1-key.pem" -out "$work/$1.csr" 2>/dev/null
  printf '%b' "$3" >"$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA "$2/ca.pem" -CAkey "$2/ca-key.pem" -CAcreateserial \
    -days 2 -extfile "$work/$1.ext" -out "$work/$1-cert.pem" 2>/dev/null
}

case "$cmd" in
start)
  "$here/../../../scripts/install-deps.sh" socat openssl
  mkdir -p "$dir"
  work="$dir/work" && mkdir -p "$work" "$dir/ca" "$dir/other-ca" "$dir/certs" "$dir/wrong-ca" "$dir/bad-client"
  for ca in ca other-ca; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=v6ntest $ca" \
      -keyout "$dir/$ca/ca-key.pem" -out "$dir/$ca/ca.pem" 2>/dev/null
  done
  sign server "$dir/ca" "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" "/CN=127.0.0.1"
  sign client "$dir/ca" "extendedKeyUsage=clientAuth\n" "/CN=v6ntest client"
  sign stranger "$dir/other-ca" "extendedKeyUsage=clientAuth\n" "/CN=v6ntest stranger"
  cp "$dir/ca/ca.pem" "$dir/certs/ca.pem"
  cp "$work/client-cert.pem" "$dir/certs/cert.pem"
  cp "$work/client-key.pem" "$dir/certs/key.pem"
  cp "$dir/other-ca/ca.pem" "$dir/wrong-ca/ca.pem"
  cp "$work/client-cert.pem" "$dir/wrong-ca/cert.pem"
  cp "$work/client-key.pem" "$dir/wrong-ca/key.pem"
  cp "$dir/ca/ca.pem" "$dir/bad-client/ca.pem"
  cp "$work/stranger-cert.pem" "$dir/bad-client/cert.pem"
  cp "$work/stranger-key.pem" "$dir/bad-client/key.pem"
  tls_port=$(free_port) plain_port=$(free_port)
  V6N_PRIVATE_ENGINE_ARGS="--host tcp://127.0.0.1:$tls_port --tlsverify --tlscacert $dir/ca/ca.pem \
--tlscert $work/server-cert.pem --tlskey $work/server-key.pem" \
    "$here/../private-engine.sh" start "$dir-engine" >/dev/null
  setsid socat "TCP-LISTEN:$plain_port,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$dir-engine/docker.sock" \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/socat.pid"
  cat >"$dir/env" <<ENV
TLS_HOST=tcp://127.0.0.1:$tls_port
PLAIN_HOST=tcp://127.0.0.1:$plain_port
UNIX_HOST=unix://$dir-engine/docker.sock
CERTS=$dir/certs
WRONG_CA=$dir/wrong-ca
BAD_CLIENT=$dir/bad-client
ENV
  for _ in $(seq 50); do
    curl -s --max-time 2 --cacert "$dir/certs/ca.pem" --cert "$dir/certs/cert.pem" \
      --key "$dir/certs/key.pem" "https://127.0.0.1:$tls_port/_ping" | grep -q OK && break
    sleep 0.2
  done
  cat "$dir/env"
  ;;
stop)
  [ -f "$dir/socat.pid" ] && kill "$(cat "$dir/socat.pid")" 2>/dev/null || true
  [ -d "$dir-engine" ] && "$here/../private-engine.sh" stop "$dir-engine" || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: tls-engine.sh start|stop DIR" >&2
  exit 2
  ;;
esac

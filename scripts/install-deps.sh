#!/usr/bin/env bash
# Install the Debian packages libv6node needs to build, test and demo, when
# missing. Runs `apt-get update` at most once. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcurl4-openssl-dev libyajl-dev libyaml-dev libcriterion-dev
  clang-format valgrind swig
)
# More groups are added by the scripts that need them, e.g.
#   scripts/install-deps.sh docker.io busybox-static
#   (tests/integration/ssh/ssh-server.sh: openssh-server openssh-client socat)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# openssh-server is wanted for its sshd program only (the ssh tests run a private
# one on 127.0.0.1): its package must neither start nor enable the system's sshd,
# which listens on every address. A policy-rc.d that forbids starting services
# (unless the machine has one), and the service disabled after the install.
quiet_sshd=false
for p in "${missing[@]}"; do [ "$p" = openssh-server ] && quiet_sshd=true; done
if $quiet_sshd && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# install-deps.sh: no service starts during this install\nexit 101\n' |
    $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 0755 /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if $quiet_sshd && command -v systemctl >/dev/null; then
  $sudo systemctl disable ssh.service ssh.socket >/dev/null 2>&1 || true
fi

#!/usr/bin/env bash
# Install the Debian packages libv6node needs to build, test and demo, when
# missing. Runs `apt-get update` at most once. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcurl4-openssl-dev libyajl-dev libyaml-dev libcriterion-dev libssl-dev
  clang-format valgrind swig
)
# More groups are added by the scripts that need them, e.g.
#   scripts/install-deps.sh docker.io busybox-static
packages+=("$@")

# The Go binding (bindings/go) builds with go >= 1.19, swig (above) and
# pkg-config: Debian's golang-go when there is no go on PATH or in /usr/local/go.
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  packages+=(golang-go)
fi

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
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

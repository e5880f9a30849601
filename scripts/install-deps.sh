#!/usr/bin/env bash
# Install the Debian packages libv6node needs to build, test and demo, and
# the Python packages its Python binding tests need, when missing. Runs
# `apt-get update` at most once. Safe to run again. This is the one place
# that installs anything: CMake and the tests only check.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config
  libcurl4-openssl-dev libyajl-dev libyaml-dev libcriterion-dev libssl-dev
  clang-format valgrind swig
  # the Python binding's browser test (tests/python/test_browser.py)
  chromium chromium-driver
)

# The Python binding is built and tested with the python3 first on PATH
# (V6N_PYTHON overrides). Debian's own interpreter keeps its headers, pip and
# venv in packages of their own.
py=${V6N_PYTHON:-python3}
py_exe=$(command -v "$py" 2>/dev/null || true)
if [ -n "$py_exe" ]; then
  py_real=$("$py_exe" -c 'import sys; print(sys.executable)' 2>/dev/null || echo "$py_exe")
  case "$py_real" in /usr/bin/*) packages+=(python3-dev python3-pip python3-venv) ;; esac
else
  packages+=(python3-dev python3-pip python3-venv)
fi
# More groups are added by the scripts that need them, e.g.
#   scripts/install-deps.sh docker.io busybox-static
#   (tests/integration/ssh/ssh-server.sh: openssh-server openssh-client socat)
packages+=("$@")

# The Go binding (bindings/go) builds with go >= 1.19, swig (above) and
# pkg-config: Debian's golang-go when there is no go on PATH or in /usr/local/go.
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  packages+=(golang-go)
fi

# The Python test requirements the interpreter lacks (after the Debian packages,
# which may bring the interpreter's pip).
python_requirements() {
  local reqs=$root/bindings/python/requirements-test.txt
  local py_now
  py_now=$(command -v "$py" 2>/dev/null) || return 0
  [ -f "$reqs" ] || return 0
  local missing_py
  missing_py=$("$py_now" "$root/bindings/python/unmet-requirements.py" "$reqs")
  [ -z "$missing_py" ] && return 0
  echo "install-deps: installing into $py_now: $(echo $missing_py)" >&2
  # A Debian-managed interpreter refuses pip without this (PEP 668).
  # shellcheck disable=SC2086
  PIP_BREAK_SYSTEM_PACKAGES=1 "$py_now" -m pip install -q --disable-pip-version-check $missing_py
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  python_requirements
  exit 0
fi

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
python_requirements

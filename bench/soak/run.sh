#!/usr/bin/env bash
# `make soak`: the Python soak (bench/soak/soak.py), with nothing from CMake or
# ctest. It builds what it needs itself:
#
#   1. an engine that answers (scripts/engine-up.sh: never stops or changes a
#      running one);
#   2. the stand-in node image (tests/integration/standin/build-image.sh:
#      `docker import` of a local rootfs; nothing is pulled);
#   3. the v6node package, with `pip install --no-build-isolation --no-deps
#      --target`: setup.py compiles libv6node's sources into the extension
#      (needs swig, a C compiler, the -dev packages, setuptools and wheel in
#      the interpreter, no network). Rebuilt only when the sources changed.
#
#   bench/soak/run.sh [soak.py options]        e.g. --cycles 300 (the default)
#
# Environment: PYTHON (default: python3 on PATH), V6N_SOAK_DIR (default
# build/soak: the package and the figures, soak-last.json). Exit status: that
# of soak.py (0 pass, 1 fail).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${PYTHON:-python3}"
out="${V6N_SOAK_DIR:-$root/build/soak}"
case "$out" in /*) ;; *) out="$root/$out" ;; esac

say() { echo "soak: $*" >&2; }

"$root/scripts/engine-up.sh" >&2
image="$("$root/tests/integration/standin/build-image.sh")"
[ "$image" = "127.0.0.1:5999/v6node-test/node:standin" ] ||
  { say "unexpected stand-in image '$image'"; exit 1; }

# The package, built from this checkout's sources when they changed.
mkdir -p "$out"
stamp="$(cd "$root" && cat include/v6node.h bindings/v6node.i bindings/python/v6node_python.i \
  bindings/python/setup.py bindings/python/pyproject.toml libv6node/*.c libv6node/*.h \
  bindings/python/v6node/*.py | sha256sum | cut -d' ' -f1) $("$py" -c 'import sys; print(sys.version)' | head -1)"
if [ ! -f "$out/pkg.stamp" ] || [ "$(cat "$out/pkg.stamp")" != "$stamp" ]; then
  say "building the v6node package into $out/pkg (pip, no CMake; about half a minute)"
  rm -rf "$out/pkg" "$out/pip-build"
  mkdir -p "$out/pip-build"
  PIP_ROOT_USER_ACTION=ignore V6NODE_BUILD_DIR="$out/pip-build" "$py" -m pip install -q --no-build-isolation --no-deps \
    --no-index --target "$out/pkg" "$root/bindings/python" >&2
  rm -rf "$out/pip-build"
  echo "$stamp" >"$out/pkg.stamp"
else
  say "the v6node package in $out/pkg is up to date"
fi

say "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), $("$py" --version 2>&1)"
cd "$out"
PYTHONPATH="$out/pkg" PYTHONDONTWRITEBYTECODE=1 \
  "$py" "$here/soak.py" --json "$out/soak-last.json" "$@"

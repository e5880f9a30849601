#!/usr/bin/env bash
# Install the build into a temporary prefix and build two consumers against it:
# one with CMake's find_package(v6node CONFIG), one with pkg-config. Both must
# load the installed library and read a config.
# Usage: run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d /tmp/v6ntest-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
config="$src/tests/fixtures/01-user-by-name/home/.config/vantage6/node/alpha.yaml"
expected="0.2.0 vantage6-alpha-user"

cmake -S "$src/tests/install/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
got=$(LD_LIBRARY_PATH="$prefix/lib" HOME="$work" "$work/cmake/consumer" "$config")
[ "$got" = "$expected" ] || { echo "find_package consumer printed '$got'" >&2; exit 1; }
# (grep reads the whole output: `grep -q` could end the pipe early and
# pipefail would take ldd's SIGPIPE for a failure)
grep "$prefix/lib/libv6node.so" <<<"$(ldd "$work/cmake/consumer")" >/dev/null ||
  echo "note: the CMake consumer resolved libv6node through its RUNPATH" >&2

flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs v6node)
# shellcheck disable=SC2086
cc -o "$work/pc-consumer" "$src/tests/install/consumer.c" $flags
got=$(LD_LIBRARY_PATH="$prefix/lib" HOME="$work" "$work/pc-consumer" "$config")
[ "$got" = "$expected" ] || { echo "pkg-config consumer printed '$got'" >&2; exit 1; }
grep "$prefix/lib/libv6node.so.0.2" <<<"$(LD_LIBRARY_PATH="$prefix/lib" ldd "$work/pc-consumer")" \
  >/dev/null || { echo "the pkg-config consumer did not load the installed library" >&2; exit 1; }

# examples/c with its own CMake file, against the install
cmake -S "$src/examples/c" -B "$work/nodectl" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/nodectl" >/dev/null
set +e
LD_LIBRARY_PATH="$prefix/lib" "$work/nodectl/nodectl" >/dev/null 2>&1
usage=$?
set -e
[ "$usage" = 2 ] || { echo "examples/c nodectl: usage exit $usage, expected 2" >&2; exit 1; }
[ -f "$prefix/include/v6node.i" ] || { echo "the SWIG interface is not installed" >&2; exit 1; }

# only v6n_ symbols are exported
bad=$(nm -D --defined-only "$prefix/lib/libv6node.so" | awk '{print $3}' | grep -v '^v6n_' | grep -v '^V6NODE_' || true)
[ -z "$bad" ] || { echo "exported non-v6n_ symbols: $bad" >&2; exit 1; }
echo "install consumers: find_package and pkg-config both OK"

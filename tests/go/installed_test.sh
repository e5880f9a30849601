#!/usr/bin/env bash
# `go get`-style use of the Go binding against an *installed* libv6node, as
# bindings/go/README.md describes it: libv6node is installed (staged with
# DESTDIR into this build tree, found through its installed v6node.pc with
# PKG_CONFIG_SYSROOT_DIR), a fresh module requires the binding with `go get`
# (through a replace to the source tree, no network), builds with
# -ldflags=-r so the program finds the installed libv6node.so without
# LD_LIBRARY_PATH, and prints a spec equal to the installed `v6node spec`.
#
# Usage: installed_test.sh BUILD_DIR WORK_DIR MODULE_DIR FIXTURE_DIR GO_CMAKE CMAKE [-D...]
#   GO_CMAKE CMAKE -D...: bindings/go/go.cmake and the cmake command line that runs it
set -euo pipefail
build=$1 work=$2 module=$3 fixture=$4 gocmake=$5
shift 5
runner=("$@") # the cmake command with the -D flags of go.cmake
cmake=$1

rm -rf "$work"
mkdir -p "$work/consumer"
stage=$work/stage
DESTDIR=$stage "$cmake" --install "$build" >"$work/install.log"
pc=$(find "$stage" -path '*/pkgconfig/v6node.pc' | head -n 1)
lib=$(find "$stage" -name 'libv6node.so' | head -n 1)
cli=$(find "$stage" -path '*/bin/v6node' | head -n 1)
[ -n "$pc" ] && [ -n "$lib" ] && [ -n "$cli" ] || { echo "install incomplete"; cat "$work/install.log"; exit 1; }
libdir=$(dirname "$lib")
export PKG_CONFIG_SYSROOT_DIR="$stage" # the .pc names the final paths; they are staged here
unset LD_LIBRARY_PATH

cd "$work/consumer"
cat >go.mod <<'MOD'
module example.com/v6node-consumer

go 1.19
MOD
cat >main.go <<'GO'
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/vantage6/libv6node/bindings/go/v6node"
)

func main() {
	spec, err := v6node.BuildSpec(v6node.Options{Name: "alpha"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, _ := spec.JSON()
	fmt.Printf("%s\n", b)
	if _, err := v6node.BuildSpec(v6node.Options{Name: "nosuch"}); !errors.Is(err, v6node.ErrNotFound) {
		fmt.Fprintln(os.Stderr, "expected ErrNotFound, got", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "libv6node", v6node.Version())
}
GO
go() { # the go tool in the consumer folder, through go.cmake, with the installed v6node.pc
  "${runner[@]}" "-DPKGCONFIG_DIR=$(dirname "$pc")" -DLIB_DIR= "-DWORKDIR=$work/consumer" \
    -P "$gocmake" -- "$@"
}
go mod edit -replace "github.com/vantage6/libv6node/bindings/go=$module"
go get github.com/vantage6/libv6node/bindings/go
go build "-ldflags=-r=$libdir" -o "$work/consumer-bin" .

# The program loads the installed library, not the build tree's.
resolved=$(ldd "$work/consumer-bin" | awk '/libv6node/ {print $3}')
case "$resolved" in
  "$libdir"/*) ;;
  *) echo "the consumer loads libv6node from '$resolved', not $libdir"; exit 1 ;;
esac

HOME=$fixture/home "$work/consumer-bin" >"$work/go.json" 2>"$work/go.err" || { cat "$work/go.err"; exit 1; }
HOME=$fixture/home LD_LIBRARY_PATH=$libdir "$cli" spec -n alpha >"$work/cli.json"
cmp "$work/go.json" "$work/cli.json" || { echo "the consumer's spec differs from v6node spec"; diff "$work/go.json" "$work/cli.json"; exit 1; }
cat "$work/go.err"
echo "go installed: ok ($(grep -c . "$work/go.json") line of spec, library $lib)"

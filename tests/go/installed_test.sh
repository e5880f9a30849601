#!/usr/bin/env bash
# The Go binding as a user gets it, against an *installed* libv6node, with
# no replace directive and no network:
#  1. libv6node is installed (staged with DESTDIR in this build tree) and found
#     only through its installed v6node.pc (PKG_CONFIG_SYSROOT_DIR), which also
#     gives SWIG the installed v6node.i;
#  2. the module folder alone is copied elsewhere, where `go build ./...` and
#     `go vet ./...` pass: it names no file outside itself;
#  3. that copy is served, as version v<library version>, by a module proxy on
#     the file system (GOPROXY=file://..., the layout of the GOPROXY protocol:
#     @v/list, .info, .mod, .zip), made here;
#  4. a fresh consumer module in another folder requires it with `go get`, has
#     no replace, builds with -ldflags=-r (so it finds the installed
#     libv6node.so without LD_LIBRARY_PATH) and prints a spec equal to the
#     installed `v6node spec`.
#
# Usage: installed_test.sh BUILD_DIR WORK_DIR MODULE_DIR FIXTURE_DIR VERSION GO_CMAKE CMAKE [-D...]
#   GO_CMAKE CMAKE -D...: bindings/go/go.cmake and the cmake command line that runs it
set -euo pipefail
build=$1 work=$2 module=$3 fixture=$4 version=v$5 gocmake=$6
shift 6
runner=("$@") # the cmake command with the -D flags of go.cmake
cmake=$1
modpath=github.com/vantage6/libv6node/bindings/go

[ -e "$work" ] && chmod -R u+w "$work" # the module cache is read-only
rm -rf "$work"
mkdir -p "$work"

# 1. the installed library
stage=$work/stage
DESTDIR=$stage "$cmake" --install "$build" >"$work/install.log"
pc=$(find "$stage" -path '*/pkgconfig/v6node.pc' | head -n 1)
lib=$(find "$stage" -name 'libv6node.so' | head -n 1)
cli=$(find "$stage" -path '*/bin/v6node' | head -n 1)
iface=$(find "$stage" -name 'v6node.i' | head -n 1)
[ -n "$pc" ] && [ -n "$lib" ] && [ -n "$cli" ] && [ -n "$iface" ] || {
  echo "install incomplete (v6node.pc '$pc', libv6node.so '$lib', v6node '$cli', v6node.i '$iface')"
  cat "$work/install.log"; exit 1; }
[ -f "$(dirname "$iface")/v6node.h" ] || { echo "v6node.i is not installed beside v6node.h"; exit 1; }
libdir=$(dirname "$lib")
export PKG_CONFIG_SYSROOT_DIR="$stage" # the .pc names the final paths; they are staged here
unset LD_LIBRARY_PATH PKG_CONFIG_PATH GOFLAGS GOWORK GOPROXY
if pkg-config --cflags v6node 2>/dev/null; then
  echo "pkg-config finds a v6node outside the staging folder: the test would not be about it"; exit 1
fi

# go [-D...] -- ARGS...: the go tool in folder $dir through go.cmake (with those
# -D), with the installed v6node.pc and the variables of $goenv
dir=$work goenv="GOWORK=off"
go() {
  local defs=()
  while [ "$1" != -- ]; do defs+=("$1"); shift; done
  "${runner[@]}" "-DPKGCONFIG_DIR=$(dirname "$pc")" -DLIB_DIR= "-DWORKDIR=$dir" "-DGO_ENV=$goenv" \
    "${defs[@]}" -P "$gocmake" "$@"
}

# 2. the module folder alone, elsewhere
cp -R "$module" "$work/module"
dir=$work/module
go -- build ./...
go -DFRESH_CGO=ON -- vet ./...

# 3. a module proxy on the file system serving that copy as $version
proxy=$work/proxy/$modpath/@v
mkdir -p "$proxy" "$work/modzip"
printf '%s\n' "$version" >"$proxy/list"
printf '{"Version":"%s","Time":"2025-01-01T00:00:00Z"}\n' "$version" >"$proxy/$version.info"
cp "$work/module/go.mod" "$proxy/$version.mod"
cat >"$work/modzip/go.mod" <<'MOD'
module example.com/modzip

go 1.19
MOD
cat >"$work/modzip/main.go" <<'GO'
// modzip DIR PREFIX OUT: a module zip of the regular files under DIR, each
// named PREFIX/<path> (PREFIX = module@version), as the GOPROXY protocol has it.
package main

import (
	"archive/zip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	dir, prefix := os.Args[1], os.Args[2]
	out, err := os.Create(os.Args[3])
	if err != nil {
		panic(err)
	}
	z := zip.NewWriter(out)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		w, err := z.Create(prefix + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err == nil {
		err = z.Close()
	}
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		panic(err)
	}
}
GO
dir=$work/modzip
go -- run . "$work/module" "$modpath@$version" "$proxy/$version.zip"

# 4. a consumer that requires the module, as any other module would
mkdir -p "$work/consumer"
cat >"$work/consumer/go.mod" <<'MOD'
module example.com/v6node-consumer

go 1.19
MOD
cat >"$work/consumer/main.go" <<'GO'
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/vantage6/libv6node/bindings/go/v6node"
)

func main() {
	node, err := v6node.Open("alpha", v6node.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer node.Close()
	spec, err := node.Spec()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", spec.JSON())
	missing, err := v6node.Open("nosuch", v6node.Options{})
	if err == nil {
		_, err = missing.Spec()
	}
	if !errors.Is(err, v6node.ErrNotFound) {
		fmt.Fprintln(os.Stderr, "expected ErrNotFound, got", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "libv6node", v6node.Version())
}
GO
dir=$work/consumer
goenv="GOWORK=off,GOPROXY=file://$work/proxy,GONOSUMDB=$modpath,GOMODCACHE=$work/modcache"
go -- get "$modpath@$version"
go -- mod tidy
if grep -q replace "$work/consumer/go.mod" || ! grep -q "$modpath $version" "$work/consumer/go.mod"; then
  echo "the consumer's go.mod:"; cat "$work/consumer/go.mod"; exit 1
fi
go -- build "-ldflags=-r=$libdir" -o "$work/consumer-bin" .

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
echo "go installed: ok (module $modpath $version from a file:// proxy, no replace; library $lib)"

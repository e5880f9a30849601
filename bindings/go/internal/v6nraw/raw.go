// Package v6nraw is libv6node as SWIG sees it: the library's one interface
// (v6node.i, installed beside v6node.h) generated for Go by `go build`, which
// runs SWIG on v6nraw.swig. It is internal: import
// github.com/vantage6/libv6node/bindings/go/v6node, which turns handles into
// types, failures into errors and operations into calls with a context.
package v6nraw

// Everything comes from pkg-config: libv6node's headers, its library, and the
// folder holding v6node.i (go forwards the -I flags to SWIG). Nothing outside
// this module is named here, so the module builds wherever v6node.pc is found
// (an installed libv6node, or PKG_CONFIG_PATH=<build>/pkgconfig-uninstalled).

/*
#cgo pkg-config: v6node
*/
import "C"

package v6node

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// The boundary with the SWIG package. libv6node reports the details of a
// failure in a per-thread slot (v6n_error_last), while a goroutine may move
// between OS threads at any call: every call that can fail runs through
// cCall, which pins the goroutine to its thread for the call and the reading
// of the slot. Long operations run on a thread of the library's own (v6n_op);
// their end (op_finish) puts their error on the caller's thread, read the
// same way.

type (
	rawOptions = v6nraw.Struct_SS_v6n_start_options
	rawClient  = v6nraw.Struct_SS_v6n_client
	rawNode    = v6nraw.Struct_SS_v6n_node
	rawStatus  = v6nraw.Struct_SS_v6n_node_status
	rawList    = v6nraw.Struct_SS_v6n_node_list
	rawOp      = v6nraw.Struct_SS_v6n_op
	rawItem    = v6nraw.Struct_SS_v6n_op_item
	rawValues  = v6nraw.Values
)

// isNull reports whether a SWIG pointer is NULL.
func isNull(p interface{ Swigcptr() uintptr }) bool {
	return p == nil || p.Swigcptr() == 0
}

// cCall runs f, which calls the library and reports whether it succeeded,
// on one OS thread, and on failure returns the library's error as that
// thread has it.
func cCall(f func() bool) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	v6nraw.Error_clear()
	if f() {
		return nil
	}
	return lastError()
}

// lastError reads the calling thread's error slot; the caller has locked
// its OS thread since the failing call.
func lastError() *Error {
	e := v6nraw.Error_last()
	if isNull(e) || Code(e.GetCode()) == CodeOK {
		// A function that fails without an error is out of memory (the
		// helpers of v6node.i return NULL when an allocation fails).
		return newError(CodeNoMemory, "v6node: out of memory", "")
	}
	return &Error{
		Code:       Code(e.GetCode()),
		Message:    e.GetMessage(),
		Key:        e.GetKey(),
		HTTPStatus: e.GetHttp_status(),
	}
}

// checkString rejects a string C would cut short at a NUL byte.
func checkString(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return newError(CodeInvalid, fmt.Sprintf("v6node: %s contains a NUL byte", what), what)
	}
	return nil
}

// Version returns the version of the libv6node actually loaded, e.g. "0.2.0".
func Version() string { return v6nraw.Version() }

// Vantage6Version returns the vantage6 release whose `v6 node start` the
// library reproduces by default (the newest it knows, e.g. "4.15.2");
// Options.Vantage6Version builds a node as another release line.
func Vantage6Version() string { return v6nraw.V6N_VANTAGE6_VERSION }

// ReleaseLines returns the vantage6 release lines the library builds, newest
// first: "4.15", "4.14", ...
func ReleaseLines() []string {
	var lines []string
	for i := int64(0); ; i++ {
		l := v6nraw.Vantage6_release_line(i)
		if l == "" {
			return lines
		}
		lines = append(lines, l)
	}
}

// ConfigFolder returns the folder where the node configs of scope live, as
// vantage6 computes it (user: $XDG_CONFIG_HOME/vantage6/node, by default
// ~/.config/vantage6/node; system: /etc/vantage6/node). Errors: ErrIO (no
// home folder).
func ConfigFolder(scope Scope) (string, error) {
	if err := scope.check(); err != nil {
		return "", err
	}
	var dir string
	err := cCall(func() bool {
		dir = v6nraw.Config_folder(v6nraw.Enum_SS_v6n_scope(scope))
		return dir != ""
	})
	return dir, err
}

// ContainerName returns the container name of node name in scope:
// vantage6-NAME-SCOPE. Errors: ErrInvalid (not a node name).
func ContainerName(name string, scope Scope) (string, error) {
	if err := checkString("name", name); err != nil {
		return "", err
	}
	if err := scope.check(); err != nil {
		return "", err
	}
	var c string
	err := cCall(func() bool {
		c = v6nraw.Container_name(name, v6nraw.Enum_SS_v6n_scope(scope))
		return c != ""
	})
	return c, err
}

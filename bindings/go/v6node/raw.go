package v6node

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// The boundary with the SWIG package. Every raw call goes through call(),
// which turns the glue's result object into a value or an *Error, frees it,
// and recovers from a panic in the generated code (there should be none: the
// glue raises no SWIG exception, but no panic of ours may reach a caller).

type (
	rawResult = v6nraw.Struct_SS_v6ng_result
	rawEngine = v6nraw.Struct_SS_v6ng_engine
	rawOp     = v6nraw.Struct_SS_v6ng_op
	rawItem   = v6nraw.Struct_SS_v6ng_item
)

// isNull reports whether a SWIG pointer is NULL.
func isNull(p interface{ Swigcptr() uintptr }) bool {
	return p == nil || p.Swigcptr() == 0
}

// panicError turns a recovered panic of the generated code into an error.
func panicError(p interface{}) *Error {
	return newError(CodeError, fmt.Sprintf("v6node: internal error in the binding: %v", p), "")
}

// take reads a result and frees it. A NULL result means the glue ran out of
// memory.
func take(r rawResult) (string, *Error) {
	if isNull(r) {
		return "", newError(CodeNoMemory, "v6node: out of memory", "")
	}
	defer v6nraw.Result_free(r)
	code := Code(v6nraw.Result_code(r))
	if code == CodeOK {
		return v6nraw.Result_value(r), nil
	}
	return "", &Error{
		Code:       code,
		Message:    v6nraw.Result_message(r),
		Key:        v6nraw.Result_key(r),
		HTTPStatus: v6nraw.Result_http_status(r),
	}
}

// call runs one raw call that returns a result, and takes it.
func call(f func() rawResult) (value string, err error) {
	defer func() {
		if p := recover(); p != nil {
			value, err = "", panicError(p)
		}
	}()
	v, e := take(f())
	if e != nil {
		return "", e
	}
	return v, nil
}

// protect runs f, turning a panic into an error.
func protect(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	return f()
}

// checkString rejects strings that cannot cross the boundary unchanged: C
// would cut one with a NUL byte short, and the JSON the options travel in
// would replace invalid UTF-8.
func checkString(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return newError(CodeInvalid, fmt.Sprintf("v6node: %s contains a NUL byte", what), what)
	}
	if !utf8.ValidString(s) {
		return newError(CodeInvalid, fmt.Sprintf("v6node: %s is not valid UTF-8: %q", what, s), what)
	}
	return nil
}

// Vantage6Version is the vantage6 release whose `v6 node start` the library
// builds by default (the newest it knows); Options.Vantage6Version picks
// another.
func Vantage6Version() string { return v6nraw.Vantage6_version() }

// ReleaseLines returns the vantage6 release lines the library builds, newest
// first: "4.15", "4.14", ...
func ReleaseLines() []string {
	var lines []string
	for i := 0; ; i++ {
		l := v6nraw.Release_line(i)
		if l == "" {
			return lines
		}
		lines = append(lines, l)
	}
}

// Version returns the version of the libv6node actually loaded, e.g. "0.1.0".
func Version() (v string) {
	defer func() {
		if recover() != nil {
			v = ""
		}
	}()
	return v6nraw.Version()
}

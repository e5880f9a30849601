package v6node

import (
	"errors"
	"fmt"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// Code is the class of a failure: one of libv6node's error codes
// (v6n_error_code in v6node.h), with the same values.
type Code int

// The error codes of libv6node.
const (
	CodeOK          Code = 0
	CodeError       Code = -1  // an unexpected failure that fits no class below
	CodeConfig      Code = -2  // the node config (or an option) is invalid
	CodeNotFound    Code = -3  // config file, node, container, volume or image not found
	CodeConflict    Code = -4  // e.g. the node is already running
	CodeEngine      Code = -5  // the Docker engine refused or failed a request
	CodeIO          Code = -6  // reading a file or talking to a socket failed
	CodeNoMemory    Code = -7  // out of memory
	CodeInvalid     Code = -8  // an invalid argument or option value
	CodeUnavailable Code = -9  // the engine (or the vantage6 server) could not be reached
	CodeCanceled    Code = -10 // the operation was canceled
	CodeAuth        Code = -11 // the vantage6 server refused: wrong username, password or MFA code, or no permission
)

// String returns the library's name of the code, e.g. "V6N_ECONFIG".
func (c Code) String() string {
	return v6nraw.Error_code_name(int(c))
}

// Sentinel errors. Every error this package returns for a failure is an
// *Error; test its class with errors.Is:
//
//	if errors.Is(err, v6node.ErrConflict) { ... the node is already running ... }
//
// ErrEngine also matches errors of class ErrUnavailable: an engine that cannot
// be reached is an engine failure too. (CreatePrivateKey uses the same two
// classes for the vantage6 server: one that cannot be reached, one that
// answers unexpectedly.) An error of an operation its context
// ended matches ErrCanceled and the context's error (context.Canceled or
// context.DeadlineExceeded).
var (
	ErrFailed      = errors.New("v6node: failed")
	ErrConfig      = errors.New("v6node: invalid node config")
	ErrNotFound    = errors.New("v6node: not found")
	ErrConflict    = errors.New("v6node: conflict")
	ErrEngine      = errors.New("v6node: the Docker engine failed")
	ErrIO          = errors.New("v6node: i/o error")
	ErrNoMemory    = errors.New("v6node: out of memory")
	ErrInvalid     = errors.New("v6node: invalid argument")
	ErrUnavailable = errors.New("v6node: the Docker engine is unavailable")
	ErrCanceled    = errors.New("v6node: canceled")
	ErrAuth        = errors.New("v6node: refused by the vantage6 server")
)

var sentinels = map[Code]error{
	CodeError:       ErrFailed,
	CodeConfig:      ErrConfig,
	CodeNotFound:    ErrNotFound,
	CodeConflict:    ErrConflict,
	CodeEngine:      ErrEngine,
	CodeIO:          ErrIO,
	CodeNoMemory:    ErrNoMemory,
	CodeInvalid:     ErrInvalid,
	CodeUnavailable: ErrUnavailable,
	CodeCanceled:    ErrCanceled,
	CodeAuth:        ErrAuth,
}

// Error is a failure reported by libv6node (or by this package on its
// behalf). Read its details with errors.As:
//
//	var e *v6node.Error
//	if errors.As(err, &e) {
//		fmt.Println(e.Code, e.Key, e.HTTPStatus, e.Warnings)
//	}
type Error struct {
	Code       Code   // the class of the failure
	Message    string // human-readable; names the file, key and value at fault
	Key        string // the config key or option at fault ("databases[1].mount_mode"), or ""
	HTTPStatus int    // the HTTP status of the failed engine request, or 0
	// Warnings are the messages of the warning events the failed call gave
	// before it failed (a pull that fell back to a local copy, a volume left
	// in use...), in order.
	Warnings []string

	cause error // the Go error behind it (a context's), or nil
}

// Error returns the message.
func (e *Error) Error() string {
	if e.Message == "" {
		return "v6node: " + e.Code.String()
	}
	return e.Message
}

// Is reports whether the error is of the class of a sentinel (ErrConfig...).
func (e *Error) Is(target error) bool {
	if target == ErrEngine && e.Code == CodeUnavailable {
		return true
	}
	s, ok := sentinels[e.Code]
	return ok && s == target
}

// Unwrap returns the Go error that caused this one (the context's error of
// a canceled operation), or nil.
func (e *Error) Unwrap() error { return e.cause }

func newError(code Code, message, key string) *Error {
	return &Error{Code: code, Message: message, Key: key}
}

// canceled is the error of an operation its context ended: the library's
// own (when it got that far) or one made here, matching the context's error.
func canceled(ctxErr error, e *Error) *Error {
	if e == nil {
		e = newError(CodeCanceled, fmt.Sprintf("v6node: canceled: %v", ctxErr), "")
	}
	e.cause = ctxErr
	return e
}

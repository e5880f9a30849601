package v6node

import (
	"errors"
	"fmt"
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
	CodeInvalid     Code = -8  // an invalid argument (both a name and a config path...)
	CodeUnavailable Code = -9  // the engine (or the vantage6 server) could not be reached
	CodeCancelled   Code = -10 // the operation was cancelled
)

var codeNames = map[Code]string{
	CodeOK:          "V6N_OK",
	CodeError:       "V6N_ERROR",
	CodeConfig:      "V6N_ECONFIG",
	CodeNotFound:    "V6N_ENOTFOUND",
	CodeConflict:    "V6N_ECONFLICT",
	CodeEngine:      "V6N_EENGINE",
	CodeIO:          "V6N_EIO",
	CodeNoMemory:    "V6N_ENOMEM",
	CodeInvalid:     "V6N_EINVAL",
	CodeUnavailable: "V6N_EUNAVAILABLE",
	CodeCancelled:   "V6N_ECANCELLED",
}

// String returns the C name of the code, e.g. "V6N_ECONFIG".
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("V6N_UNKNOWN(%d)", int(c))
}

// Sentinel errors. Every error this package returns for a library failure is
// an *Error; test its class with errors.Is:
//
//	if errors.Is(err, v6node.ErrConflict) { ... the node is already running ... }
//
// ErrEngine also matches errors of class ErrUnavailable: an engine that cannot
// be reached is an engine failure too. An *Error of class CodeCancelled caused
// by a context also matches that context's error (context.Canceled or
// context.DeadlineExceeded).
var (
	ErrConfig      = errors.New("v6node: invalid node config")
	ErrNotFound    = errors.New("v6node: not found")
	ErrConflict    = errors.New("v6node: conflict")
	ErrEngine      = errors.New("v6node: the Docker engine failed")
	ErrUnavailable = errors.New("v6node: the Docker engine is unavailable")
	ErrIO          = errors.New("v6node: i/o error")
	ErrInvalid     = errors.New("v6node: invalid argument")
	ErrCancelled   = errors.New("v6node: cancelled")
)

// Error is a failure reported by libv6node (or by this package on its
// behalf). Use errors.As to read its details:
//
//	var e *v6node.Error
//	if errors.As(err, &e) {
//		fmt.Println(e.Code, e.Key, e.HTTPStatus)
//	}
type Error struct {
	Code       Code   // the class of the failure
	Key        string // the config key (or option) at fault, e.g. "databases[1].mount_mode", or ""
	HTTPStatus int    // the HTTP status of the failed engine request, or 0
	Message    string // human-readable; names the file, key and value at fault

	cause error // what caused it, when that is a Go error (a context's)
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
	switch target {
	case ErrConfig:
		return e.Code == CodeConfig
	case ErrNotFound:
		return e.Code == CodeNotFound
	case ErrConflict:
		return e.Code == CodeConflict
	case ErrEngine:
		return e.Code == CodeEngine || e.Code == CodeUnavailable
	case ErrUnavailable:
		return e.Code == CodeUnavailable
	case ErrIO:
		return e.Code == CodeIO
	case ErrInvalid:
		return e.Code == CodeInvalid
	case ErrCancelled:
		return e.Code == CodeCancelled
	}
	return false
}

// Unwrap returns the Go error that caused this one (a context's error for a
// cancelled operation), or nil.
func (e *Error) Unwrap() error {
	return e.cause
}

func newError(code Code, message, key string) *Error {
	return &Error{Code: code, Message: message, Key: key}
}

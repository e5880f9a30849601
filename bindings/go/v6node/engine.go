package v6node

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// Engine is a client of one Docker engine. It is safe for concurrent use:
// each call borrows a connection of its own (a libv6node client, which
// serves one thread at a time), made as the Engine was made and kept for
// reuse, so a long Start or a followed log stream never holds up a Status.
// Close it when done; a finalizer closes an Engine that is garbage collected
// unclosed, but do not rely on it.
type Engine struct {
	open   func() (rawClient, error) // a new client, configured as this engine
	host   string
	socket string

	mu     sync.Mutex
	idle   []rawClient
	closed bool
}

// maxIdle is how many clients an Engine keeps for reuse.
const maxIdle = 4

// finalized counts the engines and nodes closed by their finalizer (for
// the tests).
var finalized atomic.Int64

// EngineOptions describe an engine for NewEngine. The zero value is the
// default local engine, unix:///var/run/docker.sock.
type EngineOptions struct {
	// Host is "unix:///path/docker.sock", "tcp://host:port" (also
	// "http://", "https://") or "ssh://[user@]host[:port]" (the docker CLI
	// over ssh there); "" is unix:///var/run/docker.sock.
	Host string
	// TLS talks TLS to a tcp host, with the client certificate and key
	// (cert.pem, key.pem) in CertPath; TLSVerify checks the engine's
	// certificate against CertPath/ca.pem.
	TLS       bool
	TLSVerify bool
	CertPath  string
	// APIVersion pins the Engine API version ("1.41"); "" negotiates it.
	APIVersion string
	// ConnectTimeout (default 5 s) and RequestTimeout (ordinary requests,
	// default 60 s; streams such as pulls and logs have none), in whole
	// milliseconds.
	ConnectTimeout time.Duration
	RequestTimeout time.Duration
}

func millis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// NewEngine returns a client of the engine opts describe. It does not
// connect yet: the first request negotiates the API version. Errors:
// ErrInvalid (a bad host or option).
func NewEngine(opts EngineOptions) (*Engine, error) {
	for what, s := range map[string]string{"host": opts.Host, "cert_path": opts.CertPath, "api_version": opts.APIVersion} {
		if err := checkString(what, s); err != nil {
			return nil, err
		}
	}
	return newEngine(func() (c rawClient, err error) {
		err = cCall(func() bool {
			c = v6nraw.Client_new(opts.Host, boolInt(opts.TLS), boolInt(opts.TLSVerify), opts.CertPath,
				opts.APIVersion, millis(opts.ConnectTimeout), millis(opts.RequestTimeout))
			return !isNull(c)
		})
		return c, err
	})
}

// EngineFromEnv returns a client configured as the docker CLI and docker-py
// configure themselves: DOCKER_HOST (default unix:///var/run/docker.sock),
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH (default ~/.docker when TLS is on) and
// DOCKER_API_VERSION. The connections it makes later read the environment
// again.
func EngineFromEnv() (*Engine, error) {
	return newEngine(func() (c rawClient, err error) {
		err = cCall(func() bool { c = v6nraw.Client_from_env(); return !isNull(c) })
		return c, err
	})
}

// EngineFromContext returns a client of the engine of Docker context name
// (`docker context ls`), as the docker CLI stored it under DOCKER_CONFIG
// (default ~/.docker): its host, and its own TLS files when it has some, so
// engines with different certificates can be used side by side. "default"
// is EngineFromEnv. The connections it makes later read the store again.
// Errors: ErrNotFound (no such context), ErrInvalid (a
// context without a host, or with TLS files missing).
func EngineFromContext(name string) (*Engine, error) {
	if err := checkString("context", name); err != nil {
		return nil, err
	}
	return newEngine(func() (c rawClient, err error) {
		err = cCall(func() bool { c = v6nraw.Client_from_context(name); return !isNull(c) })
		return c, err
	})
}

func newEngine(open func() (rawClient, error)) (*Engine, error) {
	c, err := open()
	if err != nil {
		return nil, err
	}
	e := &Engine{open: open, host: v6nraw.Client_host(c), socket: v6nraw.Client_socket_path(c),
		idle: []rawClient{c}}
	runtime.SetFinalizer(e, (*Engine).finalize)
	return e, nil
}

func (e *Engine) finalize() {
	for _, c := range e.idle {
		v6nraw.Client_free(c)
	}
	e.idle = nil
	finalized.Add(1)
}

// Close releases the engine's connections (one in use is released when its
// call ends). Later calls fail with ErrInvalid. Closing twice is harmless.
func (e *Engine) Close() error {
	e.mu.Lock()
	idle := e.idle
	e.idle, e.closed = nil, true
	e.mu.Unlock()
	for _, c := range idle {
		v6nraw.Client_free(c)
	}
	runtime.SetFinalizer(e, nil)
	return nil
}

// Host returns the engine's address, e.g. "unix:///var/run/docker.sock".
func (e *Engine) Host() string { return e.host }

// SocketPath returns the path of the engine's unix socket when it is
// reached through one ("/var/run/docker.sock"), else "": what a node on an
// engine of this machine gets bound at /var/run/docker.sock
// (Options.DockerSocket).
func (e *Engine) SocketPath() string { return e.socket }

func errClosed(what string) error {
	return newError(CodeInvalid, "v6node: the "+what+" is closed", what)
}

// acquire lends a client of the engine to one call; release gives it back.
func (e *Engine) acquire() (rawClient, error) {
	if e == nil {
		return nil, newError(CodeInvalid, "v6node: no engine given", "engine")
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errClosed("engine")
	}
	if n := len(e.idle); n > 0 {
		c := e.idle[n-1]
		e.idle = e.idle[:n-1]
		e.mu.Unlock()
		return c, nil
	}
	e.mu.Unlock()
	return e.open()
}

func (e *Engine) release(c rawClient) {
	e.mu.Lock()
	if !e.closed && len(e.idle) < maxIdle {
		e.idle = append(e.idle, c)
		c = nil
	}
	e.mu.Unlock()
	if c != nil {
		v6nraw.Client_free(c)
	}
	runtime.KeepAlive(e)
}

// Ping asks the engine for /_ping and returns the API version in use.
// Errors: ErrUnavailable (no engine there; the message names the address),
// ErrEngine.
func (e *Engine) Ping() (string, error) {
	c, err := e.acquire()
	if err != nil {
		return "", err
	}
	defer e.release(c)
	if err := cCall(func() bool { return v6nraw.Client_ping(c) == 0 }); err != nil {
		return "", err
	}
	return v6nraw.Client_api_version(c), nil
}

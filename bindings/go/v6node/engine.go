package v6node

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// Engine is a client of one Docker engine. It is safe for concurrent use:
// its calls are serialized (one request at a time), except FollowLogs,
// which streams over a connection of its own. Close it when done; a
// finalizer closes an Engine that is garbage collected without Close.
type Engine struct {
	mu     sync.Mutex
	raw    rawEngine // nil once closed
	config string    // the engine options it was opened with ("" = environment)
	host   string
}

type engineConfig struct {
	Host             string `json:"host,omitempty"`
	TLS              bool   `json:"tls,omitempty"`
	TLSVerify        bool   `json:"tls_verify,omitempty"`
	CertPath         string `json:"cert_path,omitempty"`
	APIVersion       string `json:"api_version,omitempty"`
	ConnectTimeoutMS int64  `json:"connect_timeout_ms,omitempty"`
	RequestTimeoutMS int64  `json:"request_timeout_ms,omitempty"`
}

// EngineOption configures NewEngine.
type EngineOption func(*engineConfig)

// WithTLS talks TLS to a tcp:// host, with the client certificate and key
// (cert.pem, key.pem) in certPath; verify checks the engine's certificate
// against certPath/ca.pem.
func WithTLS(certPath string, verify bool) EngineOption {
	return func(c *engineConfig) {
		c.TLS = true
		c.TLSVerify = verify
		c.CertPath = certPath
	}
}

// WithAPIVersion pins the Engine API version ("1.41") instead of negotiating
// it.
func WithAPIVersion(version string) EngineOption {
	return func(c *engineConfig) { c.APIVersion = version }
}

// WithConnectTimeout sets the connection timeout (default 5 s).
func WithConnectTimeout(d time.Duration) EngineOption {
	return func(c *engineConfig) { c.ConnectTimeoutMS = millis(d) }
}

// WithRequestTimeout sets the timeout of ordinary requests (default 60 s);
// streams (pulls, logs) have none.
func WithRequestTimeout(d time.Duration) EngineOption {
	return func(c *engineConfig) { c.RequestTimeoutMS = millis(d) }
}

func millis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// NewEngine returns a client of the engine at host: "unix:///path/docker.sock"
// or "tcp://host:port" ("http://", "https://" too); "" is
// unix:///var/run/docker.sock. It does not connect yet: the first request
// negotiates the API version. Errors: ErrInvalid (a bad host or option).
func NewEngine(host string, opts ...EngineOption) (*Engine, error) {
	c := engineConfig{Host: host}
	for _, o := range opts {
		o(&c)
	}
	if err := checkString("host", c.Host+c.CertPath+c.APIVersion); err != nil {
		return nil, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, newError(CodeInvalid, "v6node: cannot encode the engine options: "+err.Error(), "")
	}
	return openEngine(string(b))
}

// EngineFromEnv returns a client configured as the docker CLI configures
// itself: DOCKER_HOST (default unix:///var/run/docker.sock),
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH (default ~/.docker) and
// DOCKER_API_VERSION.
func EngineFromEnv() (*Engine, error) {
	return openEngine("")
}

// EngineFromContext returns a client of the engine of Docker context name
// (`docker context ls`), from the docker CLI's store under DOCKER_CONFIG
// (default ~/.docker): its host, and its own TLS files when it has some, so
// engines with different certificates can be used side by side. "default" is
// EngineFromEnv. Errors: ErrNotFound (no such context), ErrInvalid (no host,
// or TLS files missing).
func EngineFromContext(name string) (*Engine, error) {
	if err := checkString("context", name); err != nil {
		return nil, err
	}
	b, err := json.Marshal(map[string]string{"context": name})
	if err != nil {
		return nil, newError(CodeInvalid, "v6node: cannot encode the context name: "+err.Error(), "")
	}
	return openEngine(string(b))
}

func openRaw(config string) (rawEngine, error) {
	var raw rawEngine
	err := protect(func() error {
		r := v6nraw.Engine_open(config)
		if !isNull(r) && v6nraw.Result_code(r) == int(CodeOK) {
			raw = v6nraw.Result_take_engine(r)
		}
		if _, e := take(r); e != nil {
			return e
		}
		return nil
	})
	if err == nil && isNull(raw) {
		err = newError(CodeNoMemory, "v6node: out of memory", "")
	}
	if err != nil {
		if !isNull(raw) {
			closeRaw(raw)
		}
		return nil, err
	}
	return raw, nil
}

func closeRaw(raw rawEngine) {
	_ = protect(func() error {
		v6nraw.Engine_close(raw)
		return nil
	})
}

func openEngine(config string) (*Engine, error) {
	raw, err := openRaw(config)
	if err != nil {
		return nil, err
	}
	e := &Engine{raw: raw, config: config}
	_ = protect(func() error {
		e.host = v6nraw.Engine_host(raw)
		return nil
	})
	runtime.SetFinalizer(e, (*Engine).finalize)
	return e, nil
}

func (e *Engine) finalize() {
	if e.raw != nil {
		closeRaw(e.raw)
		e.raw = nil
		finalized.Add(1)
	}
}

// Close releases the client. It waits for a call in progress; later calls
// fail with ErrInvalid. Closing twice is harmless.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.raw != nil {
		closeRaw(e.raw)
		e.raw = nil
	}
	runtime.SetFinalizer(e, nil)
	return nil
}

// Host returns the engine's address, e.g. "unix:///var/run/docker.sock".
func (e *Engine) Host() string { return e.host }

func errClosed() error {
	return newError(CodeInvalid, "v6node: the engine is closed", "engine")
}

// do runs one raw call on the engine, serialized with the others.
func (e *Engine) do(f func(raw rawEngine) rawResult) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.raw == nil {
		return "", errClosed()
	}
	v, err := call(func() rawResult { return f(e.raw) })
	runtime.KeepAlive(e)
	return v, err
}

// Ping asks the engine for /_ping and returns the API version in use.
// Errors: ErrUnavailable (no engine there; the message names the address),
// ErrEngine.
func (e *Engine) Ping() (string, error) {
	return e.do(func(raw rawEngine) rawResult { return v6nraw.Engine_ping(raw) })
}

// RequestCount returns the number of HTTP requests the client has sent.
func (e *Engine) RequestCount() (uint64, error) {
	v, err := e.do(func(raw rawEngine) rawResult { return v6nraw.Engine_request_count(raw) })
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(v, 10, 64)
}

// nodeCall runs a call that selects a node by opts.
func (e *Engine) nodeCall(opts Options, f func(raw rawEngine, config, name, enc string) rawResult) (string, error) {
	enc, err := opts.encode()
	if err != nil {
		return "", err
	}
	return e.do(func(raw rawEngine) rawResult { return f(raw, opts.Config, opts.Name, enc) })
}

// EnsureVolumes creates the node's four volumes (data, vpn, ssh, squid) if
// they do not exist yet. Idempotent. Errors: those of BuildSpec, ErrEngine,
// ErrUnavailable.
func (e *Engine) EnsureVolumes(opts Options) error {
	_, err := e.nodeCall(opts, v6nraw.Volumes_ensure)
	return err
}

// Status returns the state of the node opts selects and its drift: how its
// container differs from what the config gives now. The config is read
// again, so a config changed since the start shows up as drift. Errors:
// those of BuildSpec, ErrEngine, ErrUnavailable.
func (e *Engine) Status(opts Options) (*Status, error) {
	v, err := e.nodeCall(opts, v6nraw.Status)
	if err != nil {
		return nil, err
	}
	return parseStatus(v)
}

// List returns every node this machine knows of: the configs in the user
// and system vantage6 node folders, each with the state of its container,
// and the node containers on the engine without a config here. One engine
// request however many nodes. Errors: ErrEngine, ErrUnavailable, ErrIO.
func (e *Engine) List() ([]ListEntry, error) {
	v, err := e.do(func(raw rawEngine) rawResult { return v6nraw.List(raw) })
	if err != nil {
		return nil, err
	}
	return parseList(v)
}

// StopOptions say how Stop stops a node. The zero value is `v6 node stop`.
type StopOptions struct {
	// Timeout is how long to wait after SIGTERM before SIGKILL, rounded up
	// to seconds; 0 is the engine's default (10 s).
	Timeout time.Duration
	// Force kills the node at once (SIGKILL).
	Force bool
	// KeepVolumes keeps the node's four volumes.
	KeepVolumes bool
	// The volumes to remove; empty: the ones the node's container has
	// mounted, whatever names it was started with (else the defaults).
	DataVolume, VPNVolume, SSHVolume, SquidVolume string
}

type stopJSON struct {
	TimeoutS    *int64 `json:"timeout_s,omitempty"`
	Force       bool   `json:"force,omitempty"`
	KeepVolumes bool   `json:"keep_volumes,omitempty"`
	DataVolume  string `json:"data_volume,omitempty"`
	VPNVolume   string `json:"vpn_volume,omitempty"`
	SSHVolume   string `json:"ssh_volume,omitempty"`
	SquidVolume string `json:"squid_volume,omitempty"`
}

func (s StopOptions) encode() (string, error) {
	j := stopJSON{Force: s.Force, KeepVolumes: s.KeepVolumes, DataVolume: s.DataVolume,
		VPNVolume: s.VPNVolume, SSHVolume: s.SSHVolume, SquidVolume: s.SquidVolume}
	if s.Timeout > 0 {
		secs := int64((s.Timeout + time.Second - 1) / time.Second)
		j.TimeoutS = &secs
	}
	for _, v := range []string{s.DataVolume, s.VPNVolume, s.SSHVolume, s.SquidVolume} {
		if err := checkString("volume", v); err != nil {
			return "", err
		}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return "", newError(CodeInvalid, "v6node: cannot encode the stop options: "+err.Error(), "")
	}
	return string(b), nil
}

// Stop stops node name in scope (its container vantage6-NAME-SCOPE) as
// `v6 node stop` does: stop (or kill), wait until an auto-remove container
// is gone, then remove the node's four volumes unless opts.KeepVolumes.
// Errors: ErrNotFound (the node is not running), ErrEngine, ErrUnavailable.
func (e *Engine) Stop(name string, scope Scope, opts StopOptions) error {
	enc, err := opts.encode()
	if err != nil {
		return err
	}
	if err := checkString("name", name); err != nil {
		return err
	}
	_, err = e.do(func(raw rawEngine) rawResult { return v6nraw.Stop(raw, name, scope.String(), enc) })
	return err
}

// Remove deletes a node that is not running: its stopped container, its four
// volumes, its config file, and its data and log folders when they are the
// vantage6 default folders of this node. Errors: ErrConflict (the node runs),
// those of BuildSpec, ErrEngine, ErrIO.
func (e *Engine) Remove(opts Options) error {
	_, err := e.nodeCall(opts, v6nraw.Remove)
	return err
}

// Clean removes leftover temporary volumes of algorithm runs
// (vantage6-NODE-SCOPE-JOB-tmpvol) of node name in scope, or of every node
// when name is "", and returns how many it removed. Volumes in use are left.
func (e *Engine) Clean(name string, scope Scope) (int, error) {
	if err := checkString("name", name); err != nil {
		return 0, err
	}
	v, err := e.do(func(raw rawEngine) rawResult { return v6nraw.Clean(raw, name, scope.String()) })
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// LogOptions say which logs Logs and FollowLogs return.
type LogOptions struct {
	// Tail is the number of lines from the end to return; 0 (the default)
	// returns all of them, TailNone none (FollowLogs then shows only new
	// output).
	Tail int
	// Timestamps prefixes each line with the engine's RFC 3339 timestamp.
	Timestamps bool
}

// TailNone as LogOptions.Tail asks for no past lines.
const TailNone = -1

func (o LogOptions) tail() int64 {
	switch {
	case o.Tail == 0:
		return -1
	case o.Tail < 0:
		return 0
	}
	return int64(o.Tail)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Logs returns the output of container (a name such as
// Spec.ContainerName(), or an id) so far. A node runs with a TTY, so its
// lines end in "\r\n". Errors: ErrNotFound (no such container), ErrEngine,
// ErrUnavailable.
func (e *Engine) Logs(container string, opts LogOptions) (string, error) {
	if err := checkString("container", container); err != nil {
		return "", err
	}
	return e.do(func(raw rawEngine) rawResult {
		return v6nraw.Logs(raw, container, opts.tail(), boolInt(opts.Timestamps))
	})
}

package v6node

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// Node is one vantage6 node, for its whole life: opened once by name, by
// config file, or by container (a node whose config is gone), with the
// options it is started with. Every call reads its config as it is on disk
// then, so a long-lived Node sees every edit.
//
// Start records how the node was started (options, image and the rule that
// chose it, release line) in its data folder. Status, drift and Restart read
// that record, so a Node opened later without options judges and restarts
// the node as it was started; options given at Open override the recorded
// ones they set.
//
// A Node is safe for concurrent use: its calls are serialized (a Status
// waits for a Start of the same node in progress), except Logs, which uses a
// handle of its own, so a followed stream never holds up a Stop. Close it
// when done; a finalizer closes a Node that is garbage collected unclosed.
type Node struct {
	name, container, config string
	scope                   Scope
	opts                    Options

	mu  sync.Mutex
	raw rawNode // nil once closed
}

// Open opens node name in opts.Scope: its config is NAME.yaml or NAME.yml in
// opts.ConfigDir, else in the scope's vantage6 node folder, else in the
// current directory. A node whose config is not found opens all the same
// (its container may exist); the calls that need the config then fail with
// ErrNotFound, listing the folders searched. Errors: ErrInvalid (a bad name
// or option value; Error.Key names the option).
func Open(name string, opts Options) (*Node, error) {
	return openNode("name", name, opts, v6nraw.Node_open)
}

// OpenConfig opens the node whose config is the file at path (the node name
// is its stem; a relative path is resolved against the current directory).
// Errors: ErrNotFound (no such file), ErrConfig (the stem is not a node
// name), ErrInvalid.
func OpenConfig(path string, opts Options) (*Node, error) {
	return openNode("config", path, opts, v6nraw.Node_open_config)
}

// OpenContainer opens the node whose container is container
// (vantage6-NAME-user or vantage6-NAME-system), e.g. one List found without
// a config: its scope is the container's, its config is looked up as Open
// does. Such a node can be inspected, followed, stopped and removed without
// a config. Errors: ErrInvalid (not a node's container name).
func OpenContainer(container string, opts Options) (*Node, error) {
	return openNode("container", container, opts, v6nraw.Node_open_container)
}

func openNode(what, arg string, opts Options, open func(string, rawOptions) rawNode) (*Node, error) {
	if err := checkString(what, arg); err != nil {
		return nil, err
	}
	var raw rawNode
	err := withRawOptions(opts, func(o rawOptions) error {
		return cCall(func() bool { raw = open(arg, o); return !isNull(raw) })
	})
	if err != nil {
		return nil, err
	}
	opts.HostPaths = append([]PathMap(nil), opts.HostPaths...)
	n := &Node{
		name:      v6nraw.Node_name(raw),
		scope:     Scope(v6nraw.Node_scope(raw)),
		container: v6nraw.Node_container(raw),
		config:    v6nraw.Node_config_path(raw),
		opts:      opts,
		raw:       raw,
	}
	runtime.SetFinalizer(n, (*Node).finalize)
	return n, nil
}

func (n *Node) finalize() {
	if n.raw != nil {
		v6nraw.Node_free(n.raw)
		n.raw = nil
		finalized.Add(1)
	}
}

// Close releases the node handle (after a call in progress). Later calls
// fail with ErrInvalid. Closing twice is harmless.
func (n *Node) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.raw != nil {
		v6nraw.Node_free(n.raw)
		n.raw = nil
	}
	runtime.SetFinalizer(n, nil)
	return nil
}

// Name returns the node name.
func (n *Node) Name() string { return n.name }

// Scope returns the node's scope.
func (n *Node) Scope() Scope { return n.scope }

// Container returns the node's container name, vantage6-NAME-SCOPE.
func (n *Node) Container() string { return n.container }

// ConfigPath returns the node's config file (absolute) as found when it was
// opened, or "" when none was found.
func (n *Node) ConfigPath() string { return n.config }

// Options returns the options the node was opened with.
func (n *Node) Options() Options {
	o := n.opts
	o.HostPaths = append([]PathMap(nil), n.opts.HostPaths...)
	return o
}

// lock takes the node for one call; the caller unlocks n.mu.
func (n *Node) lock() error {
	n.mu.Lock()
	if n.raw == nil {
		n.mu.Unlock()
		return errClosed("node")
	}
	return nil
}

// Spec builds the node's container spec from its config as it is now and
// its options (over the recorded ones when it was started by libv6node),
// checking the file system but changing nothing and talking to no engine.
// Errors: ErrNotFound (no config; the message lists the folders searched),
// ErrConfig (the config or a rule of `v6 node start` is broken; Error.Key
// names the key), ErrInvalid, ErrIO.
func (n *Node) Spec() (*Spec, error) {
	if err := n.lock(); err != nil {
		return nil, err
	}
	defer n.mu.Unlock()
	var js string
	if err := cCall(func() bool { js = v6nraw.Spec_json(n.raw); return js != "" }); err != nil {
		return nil, err
	}
	return parseSpec([]byte(js))
}

// Status returns the state of the node's container and its drift: how the
// container differs from what the config gives now with the options it was
// started with, judged as the release line it was built as. When the drift
// cannot be judged (no config here, an invalid config...), the state is
// still given and Status.DriftError says why. Errors: ErrEngine,
// ErrUnavailable.
func (n *Node) Status(e *Engine) (*Status, error) {
	var out *Status
	err := n.withClient(e, func(c rawClient) error {
		var st rawStatus
		if err := cCall(func() bool { st = v6nraw.Status_get(n.raw, c); return !isNull(st) }); err != nil {
			return err
		}
		defer v6nraw.Node_status_free(st)
		var err error
		out, err = readStatus(st)
		return err
	})
	return out, err
}

// withClient runs fn with the node locked and a client of e, released after.
func (n *Node) withClient(e *Engine, fn func(c rawClient) error) error {
	if err := n.lock(); err != nil {
		return err
	}
	defer n.mu.Unlock()
	c, err := e.acquire()
	if err != nil {
		return err
	}
	defer e.release(c)
	return fn(c)
}

// op runs a long operation of the node on a client of e.
func (n *Node) op(ctx context.Context, e *Engine, kind v6nraw.Enum_SS_v6n_op_kind, stop *StopOptions,
	fn deliver) (string, error) {
	var id string
	err := n.withClient(e, func(c rawClient) error {
		var rawStop v6nraw.Struct_SS_v6n_stop_options
		if stop != nil {
			timeout := int64(-1) // the engine's default
			if stop.Timeout > 0 {
				timeout = millis(stop.Timeout)
			}
			if err := cCall(func() bool {
				rawStop = v6nraw.Stop_options_new(timeout, boolInt(stop.Force), boolInt(stop.KeepVolumes))
				return !isNull(rawStop)
			}); err != nil {
				return err
			}
			defer v6nraw.Stop_options_free(rawStop)
		}
		var err error
		id, err = runOp(ctx, kind, n.raw, c, rawStop, nil, fn)
		return err
	})
	return id, err
}

// withWarnings gives a failed call's error the warnings it gave.
func withWarnings(err error, warnings []string) error {
	var e *Error
	if errors.As(err, &e) && len(warnings) > 0 {
		e.Warnings = append(e.Warnings, warnings...)
	}
	return err
}

// start runs a start or a restart.
func (n *Node) start(ctx context.Context, e *Engine, kind v6nraw.Enum_SS_v6n_op_kind, stop *StopOptions,
	progress func(Event)) (*Started, error) {
	if progress == nil {
		progress = n.opts.Progress
	}
	s := &Started{Name: n.name, Container: n.container}
	fn := events(progress, &s.Warnings, func(ev Event) {
		if ev.Kind == EventImage {
			s.Image, s.ImageRule = ev.Image, ruleOf(ev.Message)
		}
	})
	id, err := n.op(ctx, e, kind, stop, fn)
	if err != nil {
		return nil, withWarnings(err, s.Warnings)
	}
	s.ID = id
	return s, nil
}

// Start starts the node on engine e, as `v6 node start` does: checks that
// the engine answers and the node is not running, creates its data and log
// folders, chooses the image (asking the vantage6 server for its version
// when the default image is due) and obtains it by Options.Pull, ensures the
// four volumes, replaces a stopped container of the node's name, creates and
// starts the container, and records how it started. If a step fails, what
// Start created is removed again.
//
// progress (nil: Options.Progress) is called in the calling goroutine for
// each step. Ending ctx stops the start at its next step and undoes it; the
// error then matches ErrCanceled and ctx.Err(). A failed start's *Error
// carries the warnings it gave (Error.Warnings).
//
// Errors: ErrNotFound (no config, or the image), ErrConfig, ErrInvalid,
// ErrConflict (the node is already running), ErrEngine (with the engine's
// message and HTTP status), ErrUnavailable, ErrIO (folders), ErrCanceled.
func (n *Node) Start(ctx context.Context, e *Engine, progress func(Event)) (*Started, error) {
	return n.start(ctx, e, v6nraw.V6N_OP_START, nil, progress)
}

// Restart stops the node if it runs (as Stop with stop), then starts it
// from its config as it is now with the options it was started with (its
// image and release line among them) unless the Node's own options say
// otherwise. A node that is not running is just started. progress also sees
// the stop's events.
func (n *Node) Restart(ctx context.Context, e *Engine, stop StopOptions, progress func(Event)) (*Started, error) {
	return n.start(ctx, e, v6nraw.V6N_OP_RESTART, &stop, progress)
}

// Stop stops the node's container as `v6 node stop` does: stop (or kill
// with stop.Force), wait until an auto-remove container is gone, then
// remove the node's four volumes unless stop.KeepVolumes. It needs no
// config: the container is enough. A volume still in use is a warning
// event, and left. Events go to Options.Progress. Errors: ErrNotFound (the
// node is not running), ErrEngine, ErrUnavailable, ErrCanceled.
func (n *Node) Stop(ctx context.Context, e *Engine, stop StopOptions) error {
	var warnings []string
	_, err := n.op(ctx, e, v6nraw.V6N_OP_STOP, &stop, events(n.opts.Progress, &warnings, nil))
	return withWarnings(err, warnings)
}

// Remove deletes a node that is not running: its stopped container (if
// any), its four volumes (by the names it was started with), its config
// file, and its data and log folders when they are the vantage6 default
// folders of this node (a folder set by the config or an option may be
// shared and is never deleted: a warning says so). It needs no config.
// Events go to Options.Progress. Errors: ErrConflict (the node runs),
// ErrEngine, ErrUnavailable, ErrIO, ErrCanceled.
func (n *Node) Remove(ctx context.Context, e *Engine) error {
	var warnings []string
	_, err := n.op(ctx, e, v6nraw.V6N_OP_REMOVE, nil, events(n.opts.Progress, &warnings, nil))
	return withWarnings(err, warnings)
}

// Logs passes the output of the node's container to fn, in the calling
// goroutine, as `v6node logs` shows it: the past output (opts.Tail), then,
// with opts.Follow, new output until the container stops (Logs returns
// nil), ctx ends (it returns an error matching ErrCanceled and ctx.Err()) or
// fn returns an error (it returns that error). It needs no config, and uses
// a node handle and an engine connection of its own, so the Node and e stay
// usable meanwhile. The stream is closed and its C thread joined before
// Logs returns, even when fn panics; it starts no goroutine. Errors:
// ErrNotFound (no container), ErrEngine, ErrUnavailable.
func (n *Node) Logs(ctx context.Context, e *Engine, opts LogOptions, fn func(LogChunk) error) error {
	if fn == nil {
		return newError(CodeInvalid, "v6node: Logs needs a function", "fn")
	}
	if err := n.lock(); err != nil {
		return err
	}
	n.mu.Unlock()
	var own rawNode // the container alone: no config is read
	if err := cCall(func() bool { own = v6nraw.Node_open_container(n.container, nil); return !isNull(own) }); err != nil {
		return err
	}
	defer v6nraw.Node_free(own)
	c, err := e.acquire()
	if err != nil {
		return err
	}
	defer e.release(c)
	tail := int64(-1) // all
	switch {
	case opts.Tail > 0:
		tail = int64(opts.Tail)
	case opts.Tail < 0:
		tail = 0
	}
	var rawLogs v6nraw.Struct_SS_v6n_logs_options
	if err := cCall(func() bool {
		rawLogs = v6nraw.Logs_options_new(tail, boolInt(opts.Follow), boolInt(opts.Timestamps))
		return !isNull(rawLogs)
	}); err != nil {
		return err
	}
	defer v6nraw.Logs_options_free(rawLogs)
	_, err = runOp(ctx, v6nraw.V6N_OP_LOGS, own, c, nil, rawLogs, func(it rawItem) error {
		if v6nraw.Op_item_is_log(it) == 0 {
			return nil
		}
		return fn(LogChunk{Stream: Stream(v6nraw.Op_item_stream(it)), Data: v6nraw.Op_item_data(it)})
	})
	runtime.KeepAlive(n)
	return err
}

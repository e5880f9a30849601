package v6node

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// EventKind says what a step of Start, Restart (or its stop) is doing.
type EventKind int

// The event kinds, with libv6node's values (v6n_event_kind).
const (
	EventImage         EventKind = 0  // the image was chosen: Image; Message names the rule
	EventPullStart     EventKind = 1  // pulling Image begins
	EventPullProgress  EventKind = 2  // ID = layer, Message = status, Current/Total bytes when known
	EventPullDone      EventKind = 3  // the pull finished
	EventWarning       EventKind = 4  // something the user should know: Message
	EventVolume        EventKind = 5  // a volume is ready: ID = name, Current = 1 if created
	EventRemoved       EventKind = 6  // a stale stopped container was removed: ID
	EventCreated       EventKind = 7  // the container was created: ID
	EventStarted       EventKind = 8  // the container was started: ID
	EventStopped       EventKind = 9  // the container was stopped (or killed): ID
	EventVolumeRemoved EventKind = 10 // a volume was removed: ID = name
	EventPathRemoved   EventKind = 11 // a file or folder was removed: ID = path
)

var eventNames = []string{"image", "pull-start", "pull-progress", "pull-done", "warning",
	"volume", "removed", "created", "started", "stopped", "volume-removed", "path-removed"}

// String returns a short name, e.g. "pull-progress".
func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one step of a start or restart, passed to its progress function.
type Event struct {
	Kind    EventKind
	Message string
	ID      string // layer, volume, container or path; "" when not applicable
	Image   string
	Current int64
	Total   int64
}

// Started says what Start and Restart started.
type Started struct {
	ID        string    `json:"id"`         // the container id
	Image     string    `json:"image"`      // the image it runs
	ImageRule ImageRule `json:"image_rule"` // the rule that chose the image
	Container string    `json:"container"`  // the container name, vantage6-NAME-SCOPE
	Name      string    `json:"name"`       // the node name
	// Vantage6Version is the vantage6 release line the node was built as ("4.15").
	Vantage6Version string `json:"vantage6_version"`
}

// ImageRule is the rule that chose a node's image.
type ImageRule string

const (
	ImageFromOption ImageRule = "option"  // Options.Image
	ImageFromConfig ImageRule = "config"  // images.node in the config
	ImageFromServer ImageRule = "server"  // derived from the server's version
	ImageDefault    ImageRule = "default" // <registry of the release>/infrastructure/node:cotopaxi
)

// Stream says where a chunk of log output comes from.
type Stream int

const (
	StreamTTY    Stream = 0 // the merged output of a container with a TTY (a node)
	StreamStdout Stream = 1
	StreamStderr Stream = 2
)

// LogChunk is a piece of a container's output, as the engine sent it (not
// necessarily whole lines).
type LogChunk struct {
	Stream Stream
	Data   string
}

// pollMS is how long one poll of an operation waits for its next item: the
// delay with which a cancelled context is noticed (the C side then stops at
// its next event, or within about a second when a log stream is quiet).
const pollMS = 100

// cancelledError is the error of an operation its context cancelled.
func cancelledError(ctxErr error, e *Error) *Error {
	if e == nil {
		e = newError(CodeCancelled, "v6node: cancelled: "+ctxErr.Error(), "")
	}
	e.cause = ctxErr
	return e
}

// opOutcome is how an operation ended.
type opOutcome struct {
	value    string
	err      error // the operation's error, or deliver's
	ctxDone  bool  // ctx was done and the operation was cancelled for it
	panicked bool  // deliver panicked with panicVal
	panicVal interface{}
}

// runOp polls op until it is over, passing each item to deliver in the
// calling goroutine. It cancels the operation when ctx is done or deliver
// fails or panics, and always joins and frees it (even if the generated code
// panics): no C thread or handle outlives the call. A panic of deliver is
// returned in the outcome, for the caller to raise again outside protect().
func runOp(ctx context.Context, op rawOp, deliver func(rawItem) error) (out opOutcome) {
	finished, stopped := false, false
	defer func() {
		if !finished { // the generated code panicked: still reap the C thread
			_ = protect(func() error {
				v6nraw.Op_cancel(op)
				v6nraw.Result_free(v6nraw.Op_finish(op))
				return nil
			})
		}
	}()
	var userErr error
	safeDeliver := func(it rawItem) {
		defer func() {
			if p := recover(); p != nil {
				out.panicked, out.panicVal = true, p
			}
		}()
		userErr = deliver(it)
	}
	for {
		if !stopped && ctx.Err() != nil {
			out.ctxDone, stopped = true, true
			v6nraw.Op_cancel(op)
		}
		it := v6nraw.Op_next(op, pollMS)
		if !isNull(it) {
			if !stopped {
				safeDeliver(it)
				if userErr != nil || out.panicked {
					stopped = true
					v6nraw.Op_cancel(op)
				}
			}
			v6nraw.Item_free(it)
			continue
		}
		if v6nraw.Op_done(op) != 0 {
			break
		}
	}
	r := v6nraw.Op_finish(op)
	finished = true
	value, err := take(r)
	switch {
	case userErr != nil:
		out.err = userErr
	case err != nil && out.ctxDone && err.Code == CodeCancelled:
		out.err = cancelledError(ctx.Err(), err)
	case err != nil:
		out.err = err
	default:
		out.value = value
	}
	return out
}

// takeOp checks the result of a *_begin call and takes its operation.
func takeOp(r rawResult) (rawOp, error) {
	var op rawOp
	if !isNull(r) && v6nraw.Result_code(r) == int(CodeOK) {
		op = v6nraw.Result_take_op(r)
	}
	if _, err := take(r); err != nil {
		return nil, err
	}
	if isNull(op) {
		return nil, newError(CodeNoMemory, "v6node: out of memory", "")
	}
	return op, nil
}

func readEvent(it rawItem) Event {
	return Event{
		Kind:    EventKind(v6nraw.Item_kind(it)),
		Message: v6nraw.Item_text(it),
		ID:      v6nraw.Item_id(it),
		Image:   v6nraw.Item_image(it),
		Current: v6nraw.Item_current(it),
		Total:   v6nraw.Item_total(it),
	}
}

// nodeOp runs a start or a restart to its end.
func (e *Engine) nodeOp(ctx context.Context, begin func(raw rawEngine) rawResult, progress func(Event)) (*Started, error) {
	if err := ctx.Err(); err != nil {
		return nil, cancelledError(err, nil)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.raw == nil {
		return nil, errClosed()
	}
	defer runtime.KeepAlive(e)
	var out opOutcome
	err := protect(func() error {
		op, err := takeOp(begin(e.raw))
		if err != nil {
			return err
		}
		out = runOp(ctx, op, func(it rawItem) error {
			if progress != nil {
				progress(readEvent(it))
			}
			return nil
		})
		return out.err
	})
	if out.panicked {
		panic(out.panicVal)
	}
	if err != nil {
		return nil, err
	}
	var s Started
	if jerr := json.Unmarshal([]byte(out.value), &s); jerr != nil {
		return nil, newError(CodeError, "v6node: the library returned an answer that is not JSON: "+jerr.Error(), "")
	}
	return &s, nil
}

// Start starts the node opts selects, as `v6 node start` does: checks that
// the engine answers and the node is not running, creates its data and log
// folders, chooses the image (asking the vantage6 server for its version
// when the default image is due) and obtains it by opts.Pull, ensures the
// four volumes, replaces a stopped container of the node's name, then creates
// and starts the container. If a step fails, what Start created is removed
// again.
//
// progress (may be nil) is called in the calling goroutine for each step.
// Cancelling ctx stops the start at its next step and undoes it; the error
// then matches ErrCancelled and ctx.Err().
//
// Errors: those of BuildSpec, ErrConflict (the node is already running),
// ErrNotFound (the image), ErrEngine (with the engine's message and HTTP
// status), ErrUnavailable, ErrIO, ErrCancelled.
func (e *Engine) Start(ctx context.Context, opts Options, progress func(Event)) (*Started, error) {
	enc, err := opts.encode()
	if err != nil {
		return nil, err
	}
	return e.nodeOp(ctx, func(raw rawEngine) rawResult {
		return v6nraw.Start_begin(raw, opts.Config, opts.Name, enc)
	}, progress)
}

// Restart stops the node opts selects if it runs (as Stop with stop), then
// starts it as Start does, from its config as it is now. A node that is not
// running is just started. progress also sees the stop's events.
func (e *Engine) Restart(ctx context.Context, opts Options, stop StopOptions, progress func(Event)) (*Started, error) {
	enc, err := opts.encode()
	if err != nil {
		return nil, err
	}
	stopEnc, err := stop.encode()
	if err != nil {
		return nil, err
	}
	return e.nodeOp(ctx, func(raw rawEngine) rawResult {
		return v6nraw.Restart_begin(raw, opts.Config, opts.Name, enc, stopEnc)
	}, progress)
}

// FollowLogs streams the output of container (a name such as
// Spec.ContainerName(), or an id) to fn, in the calling goroutine, until
// the container stops (FollowLogs returns nil), ctx is done (it returns
// ctx.Err()) or fn returns an error (it returns that error). In every case
// the stream is closed and its C thread joined before FollowLogs returns; it
// starts no goroutine.
//
// The stream has a connection of its own, configured as e (an Engine from
// EngineFromEnv reads the environment again), so e stays usable meanwhile.
// Errors: ErrNotFound (no such container), ErrEngine, ErrUnavailable.
func (e *Engine) FollowLogs(ctx context.Context, container string, opts LogOptions, fn func(LogChunk) error) error {
	if err := checkString("container", container); err != nil {
		return err
	}
	if fn == nil {
		return newError(CodeInvalid, "v6node: FollowLogs needs a function", "fn")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	closed, config := e.raw == nil, e.config
	e.mu.Unlock()
	if closed {
		return errClosed()
	}
	raw, err := openRaw(config)
	if err != nil {
		return err
	}
	defer closeRaw(raw)
	var out opOutcome
	err = protect(func() error {
		op, err := takeOp(v6nraw.Logs_begin(raw, container, opts.tail(), 1, boolInt(opts.Timestamps)))
		if err != nil {
			return err
		}
		out = runOp(ctx, op, func(it rawItem) error {
			return fn(LogChunk{Stream: Stream(v6nraw.Item_stream(it)), Data: v6nraw.Item_text(it)})
		})
		return out.err
	})
	if out.panicked {
		panic(out.panicVal)
	}
	if err == nil && out.ctxDone {
		return ctx.Err()
	}
	return err
}

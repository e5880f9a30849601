package v6node

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// EventKind says what a step of a Start, Restart, Stop or Remove is doing.
type EventKind int

// The event kinds, with libv6node's values (v6n_event_kind).
const (
	EventImage         EventKind = 0  // the image was chosen: Image; Message describes the rule
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

var eventNames = [...]string{"image", "pull-start", "pull-progress", "pull-done", "warning",
	"volume", "removed", "created", "started", "stopped", "volume-removed", "path-removed"}

// String returns a short name, e.g. "pull-progress".
func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one step of an operation, passed to its progress function.
type Event struct {
	Kind    EventKind
	Message string
	ID      string // layer, volume, container or path; "" when not applicable
	Image   string
	Current int64
	Total   int64
}

// ImageRule is the rule that chose a node's image (v6n_image_rule_name).
type ImageRule string

const (
	ImageFromOption ImageRule = "option"  // Options.Image
	ImageFromConfig ImageRule = "config"  // images.node in the config
	ImageFromServer ImageRule = "server"  // derived from the server's version
	ImageDefault    ImageRule = "default" // the release's default node image
)

// ruleOf finds the rule an image event's message describes
// (v6n_image_rule_describe).
func ruleOf(message string) ImageRule {
	for i := 0; i < 4; i++ {
		r := v6nraw.Enum_SS_v6n_image_rule(i)
		if v6nraw.Image_rule_describe(r) == message {
			return ImageRule(v6nraw.Image_rule_name(r))
		}
	}
	return ""
}

// Started says what Start and Restart started.
type Started struct {
	ID        string    // the container id
	Name      string    // the node name
	Container string    // the container name, vantage6-NAME-SCOPE
	Image     string    // the image it runs
	ImageRule ImageRule // the rule that chose the image
	// Warnings are the messages of the warning events of the start (a pull
	// that fell back to a local copy, a server that could not be asked...).
	Warnings []string
}

// StopOptions say how Stop (and the stop of Restart) stops a node. The zero
// value is `v6 node stop`.
type StopOptions struct {
	// Timeout is how long to wait after SIGTERM before SIGKILL, rounded up
	// to seconds; 0 is the engine's default (10 s).
	Timeout time.Duration
	// Force kills the node at once (SIGKILL).
	Force bool
	// KeepVolumes keeps the node's four volumes.
	KeepVolumes bool
}

// Stream says where a chunk of log output comes from.
type Stream int

const (
	StreamTTY    Stream = 0 // the merged output of a container with a TTY (a node)
	StreamStdout Stream = 1
	StreamStderr Stream = 2
)

// LogChunk is a piece of a container's output as the engine sent it (not
// necessarily whole lines; a node runs with a TTY, so its lines end in
// "\r\n").
type LogChunk struct {
	Stream Stream
	Data   string
}

// LogOptions say which output Logs passes on.
type LogOptions struct {
	// Tail is the number of lines from the end to show first: 0 (the
	// default) all of them, TailNone none (with Follow: only new output).
	Tail int
	// Follow keeps streaming new output until the container stops or the
	// context ends.
	Follow bool
	// Timestamps prefixes each line with the engine's RFC 3339 timestamp.
	Timestamps bool
}

// TailNone as LogOptions.Tail shows no past lines.
const TailNone = -1

// pollMS is how long one poll of an operation waits for its next item: the
// delay with which an ended context is noticed (the library then stops at
// its next step, or within about a second when a log stream is quiet).
const pollMS = 100

// deliver passes one item of an operation on: an event or log output.
type deliver func(it rawItem) error

func readEvent(it rawItem) Event {
	return Event{
		Kind:    EventKind(v6nraw.Op_item_kind(it)),
		Message: v6nraw.Op_item_message(it),
		ID:      v6nraw.Op_item_id(it),
		Image:   v6nraw.Op_item_image(it),
		Current: v6nraw.Op_item_current(it),
		Total:   v6nraw.Op_item_total(it),
	}
}

// runOp begins operation kind on node and client, passes each of its items
// to fn in the calling goroutine, and ends it. The operation is canceled
// when ctx ends or fn returns an error (then that error is returned); if fn
// panics, the operation is canceled and joined before the panic goes on. No
// C thread outlives the call. On success it returns the container id of a
// start or restart.
func runOp(ctx context.Context, kind v6nraw.Enum_SS_v6n_op_kind, node rawNode, client rawClient,
	stop v6nraw.Struct_SS_v6n_stop_options, logs v6nraw.Struct_SS_v6n_logs_options, fn deliver) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", canceled(err, nil)
	}
	var op rawOp
	if err := cCall(func() bool {
		op = v6nraw.Op_begin(kind, node, client, stop, logs)
		return !isNull(op)
	}); err != nil {
		return "", err
	}
	finished := false
	defer func() {
		if !finished { // fn panicked: stop the operation and reap its thread
			v6nraw.Op_cancel(op)
			v6nraw.Result_free(v6nraw.Op_finish(op))
		}
	}()
	var fnErr error
	ctxDone, stopped := false, false
	for {
		if !stopped && ctx.Err() != nil {
			ctxDone, stopped = true, true
			v6nraw.Op_cancel(op)
		}
		it := v6nraw.Op_next(op, pollMS)
		if isNull(it) {
			if v6nraw.Op_done(op) != 0 {
				break
			}
			continue
		}
		if !stopped {
			func() {
				defer v6nraw.Op_item_free(it)
				fnErr = fn(it)
			}()
			if fnErr != nil {
				stopped = true
				v6nraw.Op_cancel(op)
			}
		} else {
			v6nraw.Op_item_free(it)
		}
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	v6nraw.Error_clear()
	r := v6nraw.Op_finish(op)
	finished = true
	if isNull(r) {
		return "", lastError()
	}
	defer v6nraw.Result_free(r)
	code := Code(v6nraw.Result_code(r))
	var err *Error
	if code != CodeOK {
		err = lastError()
	}
	switch {
	case fnErr != nil:
		return "", fnErr
	case ctxDone && err != nil && err.Code == CodeCanceled:
		return "", canceled(ctx.Err(), err)
	case ctxDone && err == nil && kind == v6nraw.V6N_OP_LOGS:
		// A log stream that was canceled ends normally; a start that ended
		// before it saw the cancellation has succeeded.
		return "", canceled(ctx.Err(), nil)
	case err != nil:
		return "", err
	}
	return v6nraw.Result_id(r), nil
}

// events turns an operation's items into events for progress (may be nil),
// keeping the messages of the warnings.
func events(progress func(Event), warnings *[]string, also func(Event)) deliver {
	return func(it rawItem) error {
		if v6nraw.Op_item_is_log(it) != 0 {
			return nil
		}
		ev := readEvent(it)
		if ev.Kind == EventWarning {
			*warnings = append(*warnings, ev.Message)
		}
		if also != nil {
			also(ev)
		}
		if progress != nil {
			progress(ev)
		}
		return nil
	}
}

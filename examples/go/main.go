// Command v6node-example starts a vantage6 node with libv6node's Go binding
// and shows its output: the flow of `v6node start` followed by `v6node logs
// -F`, in a few lines of Go.
//
//	v6node-example -n alpha                    # start node alpha, follow its logs until Ctrl-C
//	v6node-example -c site/beta.yaml -for 10s -stop
//	v6node-example -n alpha -dry-run           # print the spec, as `v6node spec`
//
// Build it from this folder: go build . (see ../../bindings/go/README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vantage6/libv6node/bindings/go/v6node"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		opts      v6node.Options
		system    bool
		pull      string
		follow    time.Duration
		stop, dry bool
		tail      int
	)
	flag.StringVar(&opts.Name, "n", "", "the node `name` (its config is NAME.yaml in the vantage6 node folder)")
	flag.StringVar(&opts.Config, "c", "", "the node config `file` (the node name is its stem)")
	flag.BoolVar(&system, "system", false, "system scope (default: user)")
	flag.StringVar(&opts.Image, "i", "", "the node `image` (default: as vantage6 chooses it)")
	flag.StringVar(&pull, "pull", "default", "pull `policy`: default, missing, always or never")
	flag.DurationVar(&follow, "for", 0, "follow the logs this `long` (default: until Ctrl-C)")
	flag.IntVar(&tail, "tail", 0, "show the last `n` lines first (default: all)")
	flag.BoolVar(&stop, "stop", false, "stop the node at the end")
	flag.BoolVar(&dry, "dry-run", false, "print the node's spec (as `v6node spec`) and exit")
	flag.Parse()
	if system {
		opts.Scope = v6node.ScopeSystem
	}
	switch pull {
	case "default":
		opts.Pull = v6node.PullDefault
	case "missing":
		opts.Pull = v6node.PullMissing
	case "always":
		opts.Pull = v6node.PullAlways
	case "never":
		opts.Pull = v6node.PullNever
	default:
		fmt.Fprintf(os.Stderr, "v6node-example: bad -pull %q\n", pull)
		return 2
	}
	opts = opts.WithEnvironment() // DATA_VOLUME_NAME..., PRIVATE_KEY, as `v6 node start`

	// The dry run: no engine needed.
	spec, err := v6node.BuildSpec(opts)
	if err != nil {
		return fail("building the spec", err)
	}
	if dry {
		b, _ := spec.JSON()
		fmt.Printf("%s\n", b)
		return 0
	}
	fmt.Fprintf(os.Stderr, "node %s (%s scope): container %s, image %s (libv6node %s)\n",
		spec.Name(), spec.Scope(), spec.ContainerName(), spec.Image(), v6node.Version())

	engine, err := v6node.EngineFromEnv()
	if err != nil {
		return fail("connecting", err)
	}
	defer engine.Close()

	// Ctrl-C (or SIGTERM) cancels the start, or ends the following.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	started, err := engine.Start(ctx, opts, func(ev v6node.Event) {
		switch ev.Kind {
		case v6node.EventPullProgress: // too chatty for this example
		case v6node.EventImage:
			fmt.Fprintf(os.Stderr, "  image %s (chosen by %s)\n", ev.Image, ev.Message)
		case v6node.EventVolume:
			fmt.Fprintf(os.Stderr, "  volume %s (created: %v)\n", ev.ID, ev.Current == 1)
		case v6node.EventCreated, v6node.EventStarted, v6node.EventRemoved, v6node.EventStopped:
			fmt.Fprintf(os.Stderr, "  %s container %.12s\n", ev.Kind, ev.ID)
		default:
			fmt.Fprintf(os.Stderr, "  %s %s %s\n", ev.Kind, ev.ID, ev.Message)
		}
	})
	switch {
	case errors.Is(err, v6node.ErrConflict):
		fmt.Fprintf(os.Stderr, "node %s is already running\n", spec.Name())
	case err != nil:
		return fail("starting", err)
	default:
		fmt.Fprintf(os.Stderr, "started %s in %s (%.12s)\n", started.Name, started.Container, started.ID)
	}

	if follow > 0 {
		var stopFollowing context.CancelFunc
		ctx, stopFollowing = context.WithTimeout(ctx, follow)
		defer stopFollowing()
	}
	lines := v6node.LogOptions{Tail: tail}
	err = engine.FollowLogs(ctx, spec.ContainerName(), lines, func(c v6node.LogChunk) error {
		_, err := io.WriteString(os.Stdout, c.Data)
		return err
	})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fail("reading the logs", err)
	}

	if stop {
		if err := engine.Stop(spec.Name(), spec.Scope(), v6node.StopOptions{}); err != nil {
			return fail("stopping", err)
		}
		fmt.Fprintf(os.Stderr, "stopped %s\n", spec.Name())
	}
	return 0
}

// fail prints an error with its details and returns the exit status
// `v6node` would use.
func fail(what string, err error) int {
	fmt.Fprintf(os.Stderr, "v6node-example: %s: %v\n", what, err)
	var e *v6node.Error
	if errors.As(err, &e) && (e.Key != "" || e.HTTPStatus != 0) {
		fmt.Fprintf(os.Stderr, "  (%s, key %q, HTTP status %d)\n", e.Code, e.Key, e.HTTPStatus)
	}
	switch {
	case errors.Is(err, v6node.ErrNotFound):
		return 3
	case errors.Is(err, v6node.ErrConflict):
		return 4
	case errors.Is(err, v6node.ErrUnavailable):
		return 5
	}
	return 1
}

// Command v6node-example starts a vantage6 node with libv6node's Go binding
// and shows its output: `v6node start`, `status` and `version`, then
// `v6node logs -F`, in a few lines of Go.
//
//	v6node-example -n alpha                    # start node alpha, follow its logs until Ctrl-C
//	v6node-example -c site/beta.yaml -for 10s -stop
//	v6node-example -n alpha -dry-run           # print the spec, as `v6node spec`
//
// Exit status, as the v6node tool's: 0 success, 1 failure, 2 bad command
// line, 3 not found (no such node config, container or image).
//
// Build it from this folder with `go build` (see ../../bindings/go/README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vantage6/libv6node/bindings/go/v6node"
)

const (
	exitFailure  = 1
	exitUsage    = 2
	exitNotFound = 3
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	flags := flag.NewFlagSet("v6node-example", flag.ContinueOnError)
	var (
		name, config, pull string
		system, stop, dry  bool
		follow             time.Duration
		tail               int
		opts               v6node.Options
	)
	flags.StringVar(&name, "n", "", "the node `name` (its config is NAME.yaml in the vantage6 node folder)")
	flags.StringVar(&config, "c", "", "the node config `file` (the node name is its stem)")
	flags.BoolVar(&system, "system", false, "system scope (default: user)")
	flags.StringVar(&opts.Image, "i", "", "the node `image` (default: as vantage6 chooses it)")
	flags.StringVar(&pull, "pull", "default", "pull `policy`: default, missing, always or never")
	flags.DurationVar(&follow, "for", 0, "follow the logs this `long` (default: until Ctrl-C)")
	flags.IntVar(&tail, "tail", 0, "show the last `n` lines first (default: all)")
	flags.BoolVar(&stop, "stop", false, "stop the node at the end")
	flags.BoolVar(&dry, "dry-run", false, "print the node's spec (as `v6node spec`) and exit")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if (name == "") == (config == "") || flags.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "v6node-example: give either -n NAME or -c FILE (and no other arguments)")
		return exitUsage
	}
	if system {
		opts.Scope = v6node.ScopeSystem
	}
	known := false
	for p := v6node.PullDefault; p <= v6node.PullNever; p++ {
		if p.String() == pull {
			opts.Pull, known = p, true
		}
	}
	if !known {
		fmt.Fprintf(os.Stderr, "v6node-example: bad -pull %q\n", pull)
		return exitUsage
	}
	opts = opts.WithEnvironment() // DATA_VOLUME_NAME..., PRIVATE_KEY, as `v6 node start`

	var node *v6node.Node
	var err error
	if name != "" {
		node, err = v6node.Open(name, opts)
	} else {
		node, err = v6node.OpenConfig(config, opts)
	}
	if err != nil {
		return fail("opening the node", err)
	}
	defer node.Close()

	// The dry run: no engine needed.
	spec, err := node.Spec()
	if err != nil {
		return fail("building the spec", err)
	}
	if dry {
		fmt.Printf("%s\n", spec.JSON())
		return 0
	}
	fmt.Fprintf(os.Stderr, "node %s (%s scope): container %s, image %s (libv6node %s)\n",
		node.Name(), node.Scope(), node.Container(), spec.Image(), v6node.Version())

	engine, err := v6node.EngineFromEnv()
	if err != nil {
		return fail("connecting", err)
	}
	defer engine.Close()

	// Ctrl-C (or SIGTERM) cancels the start, or ends the following.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	started, err := node.Start(ctx, engine, func(ev v6node.Event) {
		switch ev.Kind {
		case v6node.EventPullProgress: // too chatty for this example
		case v6node.EventImage:
			fmt.Fprintf(os.Stderr, "  image %s (%s)\n", ev.Image, ev.Message)
		case v6node.EventVolume:
			fmt.Fprintf(os.Stderr, "  volume %s (created: %v)\n", ev.ID, ev.Current == 1)
		case v6node.EventCreated, v6node.EventStarted, v6node.EventRemoved:
			fmt.Fprintf(os.Stderr, "  %s container %.12s\n", ev.Kind, ev.ID)
		default:
			fmt.Fprintf(os.Stderr, "  %s %s %s\n", ev.Kind, ev.ID, ev.Message)
		}
	})
	switch {
	case errors.Is(err, v6node.ErrConflict):
		fmt.Fprintf(os.Stderr, "node %s is already running\n", node.Name())
	case err != nil:
		return fail("starting", err)
	default:
		fmt.Fprintf(os.Stderr, "started %s in %s (%.12s)\n", started.Name, started.Container, started.ID)
	}

	// How it runs, and whether it still matches its config.
	st, err := node.Status(engine)
	if err != nil {
		return fail("reading its status", err)
	}
	match := "matches its config"
	if len(st.Drift) > 0 {
		match = "differs from its config: " + strings.Join(st.Drift, "; ")
	} else if st.DriftError != "" {
		match = "cannot be compared with its config: " + st.DriftError
	}
	fmt.Fprintf(os.Stderr, "status: %s since %s, vantage6 %s, %s\n",
		st.State, st.StartedAt.Format(time.RFC3339), st.Vantage6Version, match)

	// What the node says it is, as `v6node version` asks it (`vnode-local
	// version` in its container).
	if v, err := node.Version(ctx, engine); err != nil {
		fmt.Fprintf(os.Stderr, "node version: unknown (%v)\n", err)
	} else {
		fmt.Fprintf(os.Stderr, "node version: %s\n", v)
	}

	lctx := ctx
	if follow > 0 {
		var stopFollowing context.CancelFunc
		lctx, stopFollowing = context.WithTimeout(ctx, follow)
		defer stopFollowing()
	}
	err = node.Logs(lctx, engine, v6node.LogOptions{Tail: tail, Follow: true}, func(c v6node.LogChunk) error {
		_, err := io.WriteString(os.Stdout, c.Data)
		return err
	})
	if err != nil && lctx.Err() == nil {
		return fail("reading the logs", err)
	}

	if stop {
		if err := node.Stop(context.Background(), engine, v6node.StopOptions{}); err != nil {
			return fail("stopping", err)
		}
		fmt.Fprintf(os.Stderr, "stopped %s\n", node.Name())
	}
	return 0
}

// fail prints an error with its details and returns the exit status the
// v6node tool gives for it: 3 for "not found", else 1.
func fail(what string, err error) int {
	fmt.Fprintf(os.Stderr, "v6node-example: %s: %v\n", what, err)
	var e *v6node.Error
	if errors.As(err, &e) {
		if e.Key != "" || e.HTTPStatus != 0 {
			fmt.Fprintf(os.Stderr, "  (%s, key %q, HTTP status %d)\n", e.Code, e.Key, e.HTTPStatus)
		}
		for _, w := range e.Warnings {
			fmt.Fprintf(os.Stderr, "  warning: %s\n", w)
		}
	}
	if errors.Is(err, v6node.ErrNotFound) {
		return exitNotFound
	}
	return exitFailure
}

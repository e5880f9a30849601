package v6node_test

// Against the real Docker engine, with the stand-in node image
// (tests/integration/standin). Run only when V6NODE_TEST_ENGINE=1 (ctest's
// go_engine sets it once the engine_setup fixture has brought the engine and
// the images up). Every node is named v6ntest-go-<pid>-<n>, lives in a
// temporary HOME, never pulls from a registry (pull policy missing on a
// local image; the one pull attempted goes to 127.0.0.1:5999, where nothing
// listens), and is removed by exact name at the end of its test.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v6node "github.com/vantage6/libv6node/bindings/go/v6node"
)

const contractHolds = "vnode-local: contract holds"

func standinImage() string {
	if img := os.Getenv("V6NODE_TEST_IMAGE"); img != "" {
		return img
	}
	return "127.0.0.1:5999/v6node-test/node:standin"
}

// noVnodeImage is the stand-in without vnode-local: its container cannot
// start.
func noVnodeImage() string {
	return strings.TrimSuffix(standinImage(), ":standin") + ":no-vnode"
}

func needEngine(t *testing.T) {
	t.Helper()
	if os.Getenv("V6NODE_TEST_ENGINE") != "1" {
		t.Skip("set V6NODE_TEST_ENGINE=1 to run the tests against the Docker engine " +
			"(with the stand-in images of tests/integration/standin)")
	}
}

var nodeCounter int32

// testNode is one node of a test: its names, folders and options.
type testNode struct {
	t         *testing.T
	name      string
	container string
	dir       string // temporary; HOME is dir/home
	config    string // dir/home/.config/vantage6/node/NAME.yaml
	opts      v6node.Options
}

func (n *testNode) volumes() []string {
	return []string{n.container + "-vol", n.container + "-vpn-vol", n.container + "-ssh-vol",
		n.container + "-squid-vol"}
}

// docker runs the docker CLI (for checks and cleanup by exact name).
func docker(args ...string) (string, error) {
	out, err := exec.Command("docker", args...).CombinedOutput()
	return string(out), err
}

func (n *testNode) cleanup() {
	docker("rm", "-f", n.container)
	for _, v := range n.volumes() {
		docker("volume", "rm", v)
	}
}

// newNode makes a node config in a temporary HOME; the node is started with
// the stand-in image, a relative database uri (WorkingDir) and pull policy
// missing.
func newNode(t *testing.T) *testNode {
	t.Helper()
	needEngine(t)
	id := atomic.AddInt32(&nodeCounter, 1)
	name := fmt.Sprintf("v6ntest-go-%d-%d", os.Getpid(), id)
	dir, err := os.MkdirTemp("", name+"-")
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{t: t, name: name, container: "vantage6-" + name + "-user", dir: dir}
	home := filepath.Join(dir, "home")
	t.Setenv("HOME", home)
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS",
		"XDG_DATA_DIRS", "DATA_VOLUME_NAME", "VPN_VOLUME_NAME", "SSH_TUNNEL_VOLUME_NAME",
		"SSH_SQUID_VOLUME_NAME", "PRIVATE_KEY"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	n.config = filepath.Join(home, ".config", "vantage6", "node", name+".yaml")
	n.cleanup() // a leftover of an earlier run with the same pid
	t.Cleanup(func() {
		n.cleanup()
		os.RemoveAll(dir)
	})
	mustWrite(t, filepath.Join(dir, "data", "cohort.csv"), "id,age\n1,40\n")
	mustWrite(t, filepath.Join(home, ".local", "share", "vantage6", "node", name, "private_key.pem"), "KEY\n")
	n.writeConfig("test-site")
	n.opts = v6node.Options{Image: standinImage(), Pull: v6node.PullMissing, WorkingDir: dir}
	return n
}

func mustWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeConfig writes the node's config, with node_extra_env SITE = site.
func (n *testNode) writeConfig(site string) {
	mustWrite(n.t, n.config, `api_key: k
task_dir: /tmp/t
server_url: https://v6.example.org
port: 443
api_path: /api
logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, datefmt: y}
databases:
  - label: default
    uri: data/cohort.csv
    type: csv
  - label: registry
    uri: postgresql://u:pw@db.example.org/r
    type: sql
encryption: {enabled: true}
node_extra_env: {SITE: `+site+`, LEVEL: 3}
node_extra_hosts: {db.example.org: 127.0.0.1}
`)
}

// open opens the node by name with opts, closed at the end of the test.
func (n *testNode) open(opts v6node.Options) *v6node.Node {
	n.t.Helper()
	node, err := v6node.Open(n.name, opts)
	if err != nil {
		n.t.Fatalf("Open(%s): %v", n.name, err)
	}
	n.t.Cleanup(func() { node.Close() })
	return node
}

func (n *testNode) containerExists() bool {
	_, err := docker("inspect", "-f", "{{.Id}}", n.container)
	return err == nil
}

func (n *testNode) volumesPresent() int {
	c := 0
	for _, v := range n.volumes() {
		if _, err := docker("volume", "inspect", v); err == nil {
			c++
		}
	}
	return c
}

// nothingLeft fails the test when the node's container or a volume is
// still on the engine.
func (n *testNode) nothingLeft(when string) {
	n.t.Helper()
	if n.containerExists() || n.volumesPresent() != 0 {
		n.t.Errorf("%s: the container (%v) or %d volumes are left", when, n.containerExists(), n.volumesPresent())
	}
}

func openEngine(t *testing.T) *v6node.Engine {
	t.Helper()
	needEngine(t)
	e, err := v6node.EngineFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if _, err := e.Ping(); err != nil {
		t.Fatalf("no engine: %v", err)
	}
	return e
}

// logsSoFar returns the node's output so far.
func logsSoFar(node *v6node.Node, e *v6node.Engine, opts v6node.LogOptions) (string, error) {
	var b strings.Builder
	err := node.Logs(context.Background(), e, opts, func(c v6node.LogChunk) error {
		b.WriteString(c.Data)
		return nil
	})
	return b.String(), err
}

// waitForLogs polls the node's output until it contains needle.
func waitForLogs(t *testing.T, node *v6node.Node, e *v6node.Engine, needle string) string {
	t.Helper()
	var logs string
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		logs, err = logsSoFar(node, e, v6node.LogOptions{})
		if err == nil && strings.Contains(logs, needle) {
			return logs
		}
	}
	t.Fatalf("the logs of %s never showed %q: %q, %v", node.Container(), needle, logs, err)
	return ""
}

// goroutinesBack waits briefly for the goroutine count to fall to n.
func goroutinesBack(n int) int {
	var now int
	for i := 0; i < 50; i++ {
		if now = runtime.NumGoroutine(); now <= n {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return now
}

func status(t *testing.T, node *v6node.Node, e *v6node.Engine) *v6node.Status {
	t.Helper()
	st, err := node.Status(e)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}

func TestEngineNodeLifecycle(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()
	node := n.open(n.opts)
	if node.ConfigPath() != n.config || node.Container() != n.container {
		t.Errorf("the node: config %q, container %q", node.ConfigPath(), node.Container())
	}

	// Start, with progress.
	var events []v6node.Event
	started, err := node.Start(ctx, e, func(ev v6node.Event) { events = append(events, ev) })
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if started.ID == "" || started.Container != n.container || started.Name != n.name ||
		started.Image != standinImage() || started.ImageRule != v6node.ImageFromOption || len(started.Warnings) != 0 {
		t.Errorf("Start returned %+v", started)
	}
	kinds := map[v6node.EventKind]int{}
	for _, ev := range events {
		kinds[ev.Kind]++
		if ev.Kind == v6node.EventVolume && ev.Current != 1 {
			t.Errorf("volume %s was not created: %+v", ev.ID, ev)
		}
	}
	if len(events) == 0 || events[0].Kind != v6node.EventImage || events[0].Image != standinImage() {
		t.Errorf("the first event is not the image: %+v", events)
	}
	if kinds[v6node.EventVolume] != 4 || kinds[v6node.EventCreated] != 1 || kinds[v6node.EventStarted] != 1 {
		t.Errorf("events: %v (%+v)", kinds, events)
	}

	// A manager that did not start it opens it without options: the start
	// record says how it was started, so there is no drift.
	plain := n.open(v6node.Options{})
	st := status(t, plain, e)
	if st.State != v6node.StateRunning || st.ID != started.ID || st.Name != n.name || st.Scope != v6node.ScopeUser ||
		st.Container != n.container || st.Config != n.config || st.Image != standinImage() || st.Text != "running" {
		t.Errorf("Status: %+v", st)
	}
	if len(st.Drift) != 0 || st.DriftError != "" {
		t.Errorf("a node started with options shows drift without them: %q %q", st.Drift, st.DriftError)
	}
	if st.CreatedAt.IsZero() || st.StartedAt.IsZero() || !st.FinishedAt.IsZero() ||
		time.Since(st.CreatedAt) > time.Hour || st.StartedAt.Before(st.CreatedAt) {
		t.Errorf("times: created %v, started %v, finished %v", st.CreatedAt, st.StartedAt, st.FinishedAt)
	}
	if st.Labels["vantage6-type"] != "node" || st.Labels["name"] != n.name || len(st.Ports) != 0 ||
		st.Vantage6Version != v6node.ReleaseLines()[0] {
		t.Errorf("labels %v, ports %v, release %q", st.Labels, st.Ports, st.Vantage6Version)
	}
	// The same as `v6node status --json`.
	if cli := os.Getenv("V6NODE_CLI"); cli != "" {
		out, err := exec.Command(cli, "status", "--json", "-n", n.name).Output()
		if err != nil {
			t.Errorf("v6node status: %v", err)
		} else if string(out) != string(st.JSON())+"\n" {
			t.Errorf("Status().JSON() differs from v6node status --json:\n%s\n%s", st.JSON(), out)
		}
	}

	// Logs: the stand-in says the container is what a node expects.
	logs := waitForLogs(t, plain, e, contractHolds)
	if !strings.Contains(logs, "node "+n.name+", user scope") {
		t.Errorf("logs: %q", logs)
	}
	if last, err := logsSoFar(plain, e, v6node.LogOptions{Tail: 1, Timestamps: true}); err != nil ||
		strings.Count(strings.TrimRight(last, "\r\n"), "\n") != 0 || !strings.Contains(last, "Z ") {
		t.Errorf("the last line with a timestamp: %q, %v", last, err)
	}

	// Follow, stopped by its context. Neither the node nor the engine is
	// held meanwhile, and no goroutine is left behind.
	before := runtime.NumGoroutine()
	fctx, cancel := context.WithCancel(ctx)
	var seen strings.Builder
	var cancelledAt time.Time
	err = plain.Logs(fctx, e, v6node.LogOptions{Follow: true}, func(c v6node.LogChunk) error {
		seen.WriteString(c.Data)
		if c.Stream != v6node.StreamTTY {
			t.Errorf("a node's output came on stream %d", c.Stream)
		}
		if strings.Contains(seen.String(), contractHolds) && cancelledAt.IsZero() {
			if st, err := plain.Status(e); err != nil || st.State != v6node.StateRunning {
				t.Errorf("Status while following: %+v, %v", st, err)
			}
			cancelledAt = time.Now()
			cancel()
		}
		return nil
	})
	cancel()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, v6node.ErrCanceled) || cancelledAt.IsZero() {
		t.Fatalf("Logs with Follow: %v (saw %q)", err, seen.String())
	}
	if d := time.Since(cancelledAt); d > 3*time.Second {
		t.Errorf("Logs took %v to stop following after its context was cancelled", d)
	} else {
		t.Logf("Logs returned %v after its context was cancelled", d.Round(time.Millisecond))
	}
	if now := goroutinesBack(before); now > before {
		t.Errorf("%d goroutines before Logs, %d after", before, now)
	}

	// Follow a quiet stream (no past lines) until a deadline.
	tctx, tcancel := context.WithTimeout(ctx, 700*time.Millisecond)
	begin := time.Now()
	chunks := 0
	err = plain.Logs(tctx, e, v6node.LogOptions{Tail: v6node.TailNone, Follow: true}, func(v6node.LogChunk) error {
		chunks++
		return nil
	})
	tcancel()
	if !errors.Is(err, context.DeadlineExceeded) || chunks != 0 {
		t.Errorf("following a quiet stream: %v, %d chunks", err, chunks)
	}
	if d := time.Since(begin); d > 4*time.Second {
		t.Errorf("following a quiet stream took %v to notice its deadline", d)
	}

	// A function that panics: the stream is closed, then the panic goes on.
	before = runtime.NumGoroutine()
	func() {
		defer func() {
			if p := recover(); p != "log function panics" {
				t.Errorf("Logs did not pass the panic on: %v", p)
			}
		}()
		plain.Logs(ctx, e, v6node.LogOptions{Follow: true}, func(v6node.LogChunk) error { panic("log function panics") })
		t.Errorf("Logs returned after its function panicked")
	}()
	if now := goroutinesBack(before); now > before {
		t.Errorf("%d goroutines before Logs, %d after its function panicked", before, now)
	}
	// A function that fails stops the stream with its error.
	errStop := errors.New("enough")
	if err := plain.Logs(ctx, e, v6node.LogOptions{Follow: true}, func(v6node.LogChunk) error { return errStop }); err != errStop {
		t.Errorf("Logs with a failing function: %v", err)
	}

	// Starting a running node is a conflict. (Start takes the options it is
	// given, not the recorded ones: the handle that has them.)
	_, err = node.Start(ctx, e, nil)
	var ve *v6node.Error
	if !errors.Is(err, v6node.ErrConflict) || !errors.As(err, &ve) || !strings.Contains(ve.Message, "already running") {
		t.Errorf("Start of a running node: %v", err)
	}

	// Drift after a config change, seen by both handles.
	n.writeConfig("other-site")
	for _, h := range []*v6node.Node{node, plain} {
		st := status(t, h, e)
		if len(st.Drift) != 1 || !strings.Contains(st.Drift[0], "SITE") || !strings.Contains(st.Drift[0], "other-site") {
			t.Errorf("drift after a config change: %q", st.Drift)
		}
	}

	// A config that no longer loads: the state is still given, with the
	// reason the drift cannot be judged.
	good, _ := os.ReadFile(n.config)
	mustWrite(t, n.config, strings.Replace(string(good), "level: INFO", "level: VERBOSE", 1))
	if st := status(t, plain, e); st.State != v6node.StateRunning || len(st.Drift) != 0 ||
		!strings.Contains(st.DriftError, "VERBOSE") {
		t.Errorf("Status with an invalid config: %+v", st)
	}
	mustWrite(t, n.config, string(good))

	// List: the node, with its config, from the default folders and from
	// the config folder given.
	for _, lo := range []v6node.ListOptions{{}, {ConfigDir: filepath.Dir(n.config)}} {
		list, err := v6node.List(e, lo)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, l := range list {
			if l.Name == n.name && l.Scope == v6node.ScopeUser {
				found++
				if l.State != v6node.StateRunning || l.Container != n.container || l.ID != started.ID ||
					l.Config != n.config || l.ConfigError != "" || l.Image != standinImage() ||
					l.CreatedAt.Sub(st.CreatedAt).Abs() >= time.Second {
					t.Errorf("List(%+v) entry: %+v", lo, l)
				}
			}
		}
		if found != 1 {
			t.Errorf("List(%+v) has %s %d times: %+v", lo, n.name, found, list)
		}
	}

	// Restart by a handle without the options of the start, from the changed
	// config: a new container of the image it was started with, no drift.
	// Its only options say how to get an image (not how to build the node):
	// should the record be lost, the restart fails instead of pulling the
	// default image.
	guarded := n.open(v6node.Options{Pull: v6node.PullNever, NoServerVersion: true})
	events = nil
	begin = time.Now()
	restarted, err := guarded.Restart(ctx, e, v6node.StopOptions{}, func(ev v6node.Event) { events = append(events, ev) })
	if err != nil {
		t.Fatalf("Restart: %v", err)
	}
	t.Logf("Restart took %v", time.Since(begin).Round(time.Millisecond))
	if restarted.ID == started.ID || restarted.ID == "" || restarted.Image != standinImage() {
		t.Errorf("Restart: %+v", restarted)
	}
	stopped := false
	for _, ev := range events {
		stopped = stopped || ev.Kind == v6node.EventStopped
	}
	if !stopped {
		t.Errorf("Restart's events lack a stop: %+v", events)
	}
	st = status(t, plain, e)
	if st.State != v6node.StateRunning || len(st.Drift) != 0 || st.DriftError != "" || st.ID != restarted.ID ||
		st.Image != standinImage() {
		t.Errorf("Status after Restart: %+v", st)
	}
	waitForLogs(t, plain, e, contractHolds)

	// Stop: the container and the volumes are gone.
	begin = time.Now()
	if err := plain.Stop(ctx, e, v6node.StopOptions{}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %v", time.Since(begin).Round(time.Millisecond))
	if st := status(t, node, e); st.State != v6node.StateAbsent || st.ID != "" || !st.CreatedAt.IsZero() || st.Labels != nil {
		t.Errorf("Status after Stop: %+v", st)
	}
	n.nothingLeft("after Stop")
	if err := plain.Stop(ctx, e, v6node.StopOptions{}); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Stop of a stopped node: %v", err)
	}
	if _, err := logsSoFar(plain, e, v6node.LogOptions{}); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Logs of an absent container: %v", err)
	}
}

// An orphan: a node whose config was deleted while it ran is inspected,
// stopped and removed through its container.
func TestEngineOrphan(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()
	keep := n.opts
	keep.Keep = true // a kept container stays after Stop, for Remove
	if _, err := n.open(keep).Start(ctx, e, nil); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := os.Remove(n.config); err != nil {
		t.Fatal(err)
	}

	orphan, err := v6node.OpenContainer(n.container, v6node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer orphan.Close()
	if orphan.Name() != n.name || orphan.Scope() != v6node.ScopeUser || orphan.ConfigPath() != "" {
		t.Errorf("the orphan: %s %s %q", orphan.Name(), orphan.Scope(), orphan.ConfigPath())
	}
	st := status(t, orphan, e)
	if st.State != v6node.StateRunning || st.DriftError == "" || len(st.Drift) != 0 || st.Config != "" {
		t.Errorf("Status of the orphan: %+v", st)
	}
	if _, err := orphan.Spec(); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Spec of the orphan: %v", err)
	}
	if _, err := orphan.Start(ctx, e, nil); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Start of the orphan: %v", err)
	}
	waitForLogs(t, orphan, e, contractHolds)

	var stopEvents []v6node.Event
	orphan.Close()
	orphan, err = v6node.OpenContainer(n.container, v6node.Options{Progress: func(ev v6node.Event) {
		stopEvents = append(stopEvents, ev)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer orphan.Close()
	if err := orphan.Stop(ctx, e, v6node.StopOptions{Timeout: 5 * time.Second}); err != nil {
		t.Fatalf("Stop of the orphan: %v", err)
	}
	if len(stopEvents) == 0 || stopEvents[0].Kind != v6node.EventStopped {
		t.Errorf("Stop's events (to Options.Progress): %+v", stopEvents)
	}
	st = status(t, orphan, e)
	if st.State != v6node.StateStopped || st.FinishedAt.IsZero() || st.ExitCode != 0 {
		t.Errorf("the kept orphan after Stop: %+v", st)
	}
	if err := orphan.Remove(ctx, e); err != nil {
		t.Fatalf("Remove of the orphan: %v", err)
	}
	n.nothingLeft("after Remove")
	if st := status(t, orphan, e); st.State != v6node.StateAbsent {
		t.Errorf("after Remove: %+v", st)
	}
}

// A running node cannot be removed; a removed node leaves nothing.
func TestEngineRemove(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()
	node := n.open(n.opts)
	if _, err := node.Start(ctx, e, nil); err != nil {
		t.Fatal(err)
	}
	if err := node.Remove(ctx, e); !errors.Is(err, v6node.ErrConflict) {
		t.Errorf("Remove of a running node: %v", err)
	}
	if err := node.Stop(ctx, e, v6node.StopOptions{KeepVolumes: true}); err != nil {
		t.Fatal(err)
	}
	if c := n.volumesPresent(); c != 4 {
		t.Errorf("Stop with KeepVolumes left %d volumes", c)
	}
	if err := node.Remove(ctx, e); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	n.nothingLeft("after Remove")
	if _, err := os.Stat(n.config); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Remove left the config: %v", err)
	}
}

func TestEngineErrors(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()

	// A start that fails after a warning: the pull of the image fails (its
	// registry does not answer) and the local copy is used, but that copy
	// cannot run. The error carries the warning; nothing is left.
	bad := n.opts
	bad.Image, bad.Pull = noVnodeImage(), v6node.PullDefault
	var progressWarnings []string
	_, err := n.open(bad).Start(ctx, e, func(ev v6node.Event) {
		if ev.Kind == v6node.EventWarning {
			progressWarnings = append(progressWarnings, ev.Message)
		}
	})
	var ve *v6node.Error
	if !errors.Is(err, v6node.ErrEngine) || !errors.As(err, &ve) || len(ve.Warnings) == 0 ||
		!strings.Contains(ve.Warnings[0], "the pull failed, using the local copy") {
		t.Errorf("a start that fails after a warning: %#v", err)
	} else if len(ve.Warnings) != len(progressWarnings) || ve.Warnings[0] != progressWarnings[0] {
		t.Errorf("the error's warnings %q, the progress function's %q", ve.Warnings, progressWarnings)
	} else {
		t.Logf("%s; warnings: %q", ve.Message, ve.Warnings)
	}
	n.nothingLeft("after a failed start")

	// An invalid config: Start fails naming the key; Status still answers.
	good, _ := os.ReadFile(n.config)
	mustWrite(t, n.config, strings.Replace(string(good), "level: INFO", "level: VERBOSE", 1))
	node := n.open(n.opts)
	if _, err := node.Start(ctx, e, nil); !errors.Is(err, v6node.ErrConfig) || !errors.As(err, &ve) || ve.Key != "logging.level" {
		t.Errorf("Start with an invalid config: %#v", err)
	}
	if st, err := node.Status(e); err != nil || st.State != v6node.StateAbsent {
		t.Errorf("Status of a node with an invalid config: %+v, %v", st, err)
	}
	mustWrite(t, n.config, string(good))

	// A missing image that must not be pulled: nothing is left behind.
	missing := n.opts
	missing.Image = strings.TrimSuffix(standinImage(), ":standin") + ":v6ntest-absent"
	missing.Pull = v6node.PullNever
	if _, err := n.open(missing).Start(ctx, e, nil); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Start with a missing image: %v", err)
	}
	n.nothingLeft("after a start without its image")

	// Not running; no such node.
	if err := node.Stop(ctx, e, v6node.StopOptions{}); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Stop of a node that never ran: %v", err)
	}
	unknown := n.open(v6node.Options{ConfigDir: n.dir})
	if _, err := unknown.Start(ctx, e, nil); !errors.Is(err, v6node.ErrNotFound) || !strings.Contains(err.Error(), n.dir) {
		t.Errorf("Start of a node without a config: %v", err)
	}

	// A context done before the start: nothing is done.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := node.Start(cctx, e, nil); !errors.Is(err, v6node.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled context: %v", err)
	}
	n.nothingLeft("after a cancelled start")

	// The engine refuses: an API version it does not speak.
	old, err := v6node.NewEngine(v6node.EngineOptions{Host: e.Host(), APIVersion: "9.99"})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	_, err = node.Status(old)
	if !errors.Is(err, v6node.ErrEngine) || errors.Is(err, v6node.ErrUnavailable) || !errors.As(err, &ve) || ve.HTTPStatus != 400 {
		t.Errorf("an API version the engine does not speak: %#v", err)
	}

	// An unreachable DOCKER_HOST.
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(n.dir, "no-engine.sock"))
	gone, err := v6node.EngineFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	if !strings.Contains(gone.Host(), "no-engine.sock") || gone.SocketPath() != filepath.Join(n.dir, "no-engine.sock") {
		t.Errorf("EngineFromEnv ignored DOCKER_HOST: %s %s", gone.Host(), gone.SocketPath())
	}
	_, err = gone.Ping()
	if !errors.Is(err, v6node.ErrUnavailable) || !errors.Is(err, v6node.ErrEngine) || !errors.As(err, &ve) ||
		!strings.Contains(ve.Message, "no-engine.sock") {
		t.Errorf("Ping of an unreachable engine: %v", err)
	}
	if _, err := node.Start(ctx, gone, nil); !errors.Is(err, v6node.ErrUnavailable) {
		t.Errorf("Start on an unreachable engine: %v", err)
	}
	if _, err := v6node.List(gone, v6node.ListOptions{}); !errors.Is(err, v6node.ErrUnavailable) {
		t.Errorf("List on an unreachable engine: %v", err)
	}
	if _, err := logsSoFar(node, gone, v6node.LogOptions{}); !errors.Is(err, v6node.ErrUnavailable) {
		t.Errorf("Logs on an unreachable engine: %v", err)
	}
}

// A start cancelled while it runs is undone, unless it finished first (the
// library checks between steps): either way the outcome is consistent. A
// progress function that panics cancels the start, then the panic goes on.
func TestEngineCancelledStart(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	node := n.open(n.opts)

	func() {
		defer func() {
			if p := recover(); p != "progress panics" {
				t.Errorf("Start did not pass the panic on: %v", p)
			}
		}()
		node.Start(context.Background(), e, func(ev v6node.Event) { panic("progress panics") })
		t.Errorf("Start returned after its progress function panicked")
	}()
	if st := status(t, node, e); st.State == v6node.StateRunning {
		t.Logf("the start finished before it saw the panic")
		if err := node.Stop(context.Background(), e, v6node.StopOptions{}); err != nil {
			t.Fatal(err)
		}
	} else if st.State != v6node.StateAbsent {
		t.Errorf("after a panicking progress function: %+v", st)
	}
	n.nothingLeft("after a start stopped by a panic")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started, err := node.Start(ctx, e, func(ev v6node.Event) {
		if ev.Kind == v6node.EventImage {
			cancel()
		}
	})
	switch {
	case err == nil:
		t.Logf("the start finished before it saw the cancellation (%s)", started.ID)
		if st := status(t, node, e); st.State != v6node.StateRunning {
			t.Errorf("Start succeeded but the node does not run: %+v", st)
		}
	case errors.Is(err, v6node.ErrCanceled) && errors.Is(err, context.Canceled):
		n.nothingLeft("after a cancelled start")
	default:
		t.Errorf("a start cancelled while running: %v", err)
	}
}

// One Engine serves several nodes at once: each call has a connection of
// its own.
func TestEngineConcurrentNodes(t *testing.T) {
	e := openEngine(t)
	var nodes []*v6node.Node
	var tns []*testNode
	for i := 0; i < 3; i++ {
		n := newNode(t)
		o := n.opts
		o.ConfigDir = filepath.Dir(n.config) // each its own HOME: the config folder says which
		o.DataDir = filepath.Join(n.dir, "node-data")
		o.LogDir = filepath.Join(n.dir, "node-log")
		o.PrivateKey = filepath.Join(n.dir, "home", ".local", "share", "vantage6", "node", n.name, "private_key.pem")
		nodes = append(nodes, n.open(o))
		tns = append(tns, n)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, node := range nodes {
		wg.Add(1)
		go func(i int, node *v6node.Node) {
			defer wg.Done()
			if _, err := node.Start(context.Background(), e, nil); err != nil {
				errs[i] = err
				return
			}
			st, err := node.Status(e)
			if err == nil && (st.State != v6node.StateRunning || len(st.Drift) != 0) {
				err = fmt.Errorf("status %+v", st)
			}
			errs[i] = err
		}(i, node)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %s: %v", nodes[i].Name(), err)
		}
	}
	for i, node := range nodes {
		if err := node.Stop(context.Background(), e, v6node.StopOptions{}); err != nil {
			t.Errorf("Stop %s: %v", node.Name(), err)
		}
		tns[i].nothingLeft("after Stop")
	}
}

// A context in the docker CLI's store (as `docker context create` writes
// it) names the engine: here the test engine.
func TestEngineFromContext(t *testing.T) {
	needEngine(t)
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	dir := t.TempDir()
	meta := filepath.Join(dir, "contexts", "meta", "some-id", "meta.json")
	mustWrite(t, meta, `{"Name": "v6ntest-local", "Endpoints": {"docker": {"Host": "`+host+`"}}}`)
	t.Setenv("DOCKER_CONFIG", dir)
	e, err := v6node.EngineFromContext("v6ntest-local")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Host() != host {
		t.Errorf("host %q, want %q", e.Host(), host)
	}
	if v, err := e.Ping(); err != nil || v == "" {
		t.Errorf("Ping: %q, %v", v, err)
	}
	_, err = v6node.EngineFromContext("v6ntest-absent")
	var ve *v6node.Error
	if !errors.Is(err, v6node.ErrNotFound) || !errors.As(err, &ve) || !strings.Contains(ve.Message, "v6ntest-absent") {
		t.Errorf("a context that does not exist: %v", err)
	}
}

const standinVersion = "vnode-local stand-in (libv6node tests)"

// The setup half on the engine: a config made by NewConfig, a key by
// CreatePrivateKey (no upload), a new API key by SetAPIKey; the node starts
// with encryption on (the stand-in checks the key is there), and Version
// asks the running node.
func TestEngineSetupAndVersion(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()

	path, err := v6node.NewConfig(v6node.ConfigValues{Name: n.name, Force: true, APIKey: "k-v6ntest",
		ServerURL: "http://127.0.0.1", Port: "9", Encryption: true, WorkingDir: n.dir,
		Databases: []v6node.Database{{Label: "default", URI: "data/cohort.csv", Type: "csv"}}})
	if err != nil || path != n.config {
		t.Fatalf("NewConfig: %q, %v (want %s)", path, err, n.config)
	}
	node := n.open(n.opts)
	_, err = node.Version(ctx, e)
	var ve *v6node.Error
	if !errors.Is(err, v6node.ErrNotFound) || !errors.As(err, &ve) || !strings.Contains(ve.Message, "is not running") {
		t.Errorf("Version of a node that does not run: %v", err)
	}

	key, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Organization: "v6ntest", NoUpload: true})
	if err != nil {
		t.Fatalf("CreatePrivateKey: %v", err)
	}
	if want, _ := v6node.PrivateKeyPath("v6ntest", v6node.ScopeUser); key != want {
		t.Errorf("the key is %s, want %s", key, want)
	}
	if err := node.SetAPIKey("k-v6ntest-2"); err != nil {
		t.Fatalf("SetAPIKey: %v", err)
	}
	text, _ := os.ReadFile(n.config) // the key replaced private_key: '' (its quotes kept)
	if !strings.Contains(string(text), "api_key: k-v6ntest-2\n") || !strings.Contains(string(text), "  private_key: '"+key+"'\n") {
		t.Errorf("the config:\n%s", text)
	}

	if _, err := node.Start(ctx, e, nil); err != nil {
		t.Fatalf("Start: %v", err)
	}
	logs := waitForLogs(t, node, e, contractHolds)
	if !strings.Contains(logs, "1 database(s): default") {
		t.Errorf("logs: %q", logs)
	}
	if v, err := node.Version(ctx, e); err != nil || v != standinVersion {
		t.Errorf("Version: %q, %v", v, err)
	}
	// By its container alone (no config needed).
	orphan, err := v6node.OpenContainer(n.container, v6node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer orphan.Close()
	if v, err := orphan.Version(ctx, e); err != nil || v != standinVersion {
		t.Errorf("Version by the container: %q, %v", v, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := node.Version(cctx, e); !errors.Is(err, v6node.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Errorf("Version with a cancelled context: %v", err)
	}
	if _, err := node.Version(ctx, nil); !errors.Is(err, v6node.ErrInvalid) {
		t.Errorf("Version without an engine: %v", err)
	}

	if err := node.Stop(ctx, e, v6node.StopOptions{}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	n.nothingLeft("after Stop")
}

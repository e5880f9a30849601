package v6node_test

// Against the real Docker engine, with the stand-in node image
// (tests/integration/README.md). Run only when V6NODE_TEST_ENGINE=1 (ctest
// sets it once the engine_setup fixture has brought the engine and the image
// up). Every node is named v6ntest-go-<pid>-<n>, lives in a temporary HOME,
// never pulls (policy missing or never on a local image), and is removed by
// exact name at the end of its test.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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

func needEngine(t *testing.T) {
	t.Helper()
	if os.Getenv("V6NODE_TEST_ENGINE") != "1" {
		t.Skip("set V6NODE_TEST_ENGINE=1 to run the tests against the Docker engine " +
			"(with the stand-in image of tests/integration/standin)")
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
	extraVols []string // more volumes to remove at the end
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
	for _, v := range append(n.volumes(), n.extraVols...) {
		docker("volume", "rm", v)
	}
}

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
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
		"XDG_CONFIG_DIRS", "XDG_DATA_DIRS", "DOCKER_HOST"} {
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
	n.opts = v6node.Options{Name: name, Image: standinImage(), Pull: v6node.PullMissing, WorkingDir: dir}
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

func openEngine(t *testing.T) *v6node.Engine {
	t.Helper()
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

// waitForLogs polls Logs until they contain needle.
func waitForLogs(t *testing.T, e *v6node.Engine, container, needle string) string {
	t.Helper()
	var logs string
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		logs, err = e.Logs(container, v6node.LogOptions{})
		if err == nil && strings.Contains(logs, needle) {
			return logs
		}
	}
	t.Fatalf("the logs of %s never showed %q: %q, %v", container, needle, logs, err)
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

func TestEngineLifecycle(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()

	// Start, with progress.
	var events []v6node.Event
	started, err := e.Start(ctx, n.opts, func(ev v6node.Event) { events = append(events, ev) })
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if started.ID == "" || started.Container != n.container || started.Name != n.name ||
		started.Image != standinImage() || started.ImageRule != v6node.ImageFromOption ||
		started.Vantage6Version != v6node.ReleaseLines()[0] {
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

	// Status: running, no drift.
	st, err := e.Status(n.opts)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st.State != v6node.StateRunning || st.ID != started.ID || st.Name != n.name ||
		st.Container != n.container || st.Scope != v6node.ScopeUser || len(st.Drift) != 0 ||
		st.StartedAt.IsZero() || st.Config != n.config || st.Vantage6Version != "4.15" {
		t.Errorf("Status: %+v", st)
	}

	// Logs: the stand-in says the container is what a node expects.
	logs := waitForLogs(t, e, n.container, contractHolds)
	if !strings.Contains(logs, "node "+n.name+", user scope") {
		t.Errorf("logs: %q", logs)
	}
	if last, err := e.Logs(n.container, v6node.LogOptions{Tail: 1, Timestamps: true}); err != nil ||
		strings.Count(strings.TrimRight(last, "\r\n"), "\n") != 0 || !strings.Contains(last, "Z ") {
		t.Errorf("the last line with a timestamp: %q, %v", last, err)
	}

	// Follow, stopped by cancelling the context; the engine stays usable
	// meanwhile, and no goroutine is left behind.
	before := runtime.NumGoroutine()
	fctx, cancel := context.WithCancel(ctx)
	var seen strings.Builder
	var cancelledAt time.Time
	err = e.FollowLogs(fctx, n.container, v6node.LogOptions{}, func(c v6node.LogChunk) error {
		seen.WriteString(c.Data)
		if c.Stream != v6node.StreamTTY {
			t.Errorf("a node's output came on stream %d", c.Stream)
		}
		if strings.Contains(seen.String(), contractHolds) && cancelledAt.IsZero() {
			if st, err := e.Status(n.opts); err != nil || st.State != v6node.StateRunning {
				t.Errorf("Status while following: %+v, %v", st, err)
			}
			cancelledAt = time.Now()
			cancel()
		}
		return nil
	})
	cancel()
	if !errors.Is(err, context.Canceled) || cancelledAt.IsZero() {
		t.Fatalf("FollowLogs: %v (saw %q)", err, seen.String())
	}
	if d := time.Since(cancelledAt); d > 3*time.Second {
		t.Errorf("FollowLogs took %v to stop after its context was cancelled", d)
	} else {
		t.Logf("FollowLogs returned %v after its context was cancelled", d.Round(time.Millisecond))
	}
	if now := goroutinesBack(before); now > before {
		t.Errorf("%d goroutines before FollowLogs, %d after", before, now)
	}

	// Follow a quiet stream (no past lines) until a deadline.
	before = runtime.NumGoroutine()
	tctx, tcancel := context.WithTimeout(ctx, 700*time.Millisecond)
	begin := time.Now()
	chunks := 0
	err = e.FollowLogs(tctx, n.container, v6node.LogOptions{Tail: v6node.TailNone}, func(v6node.LogChunk) error {
		chunks++
		return nil
	})
	tcancel()
	if !errors.Is(err, context.DeadlineExceeded) || chunks != 0 {
		t.Errorf("FollowLogs of a quiet stream: %v, %d chunks", err, chunks)
	}
	if d := time.Since(begin); d > 4*time.Second {
		t.Errorf("FollowLogs of a quiet stream took %v to notice its deadline", d)
	} else {
		t.Logf("FollowLogs of a quiet stream with a 700ms deadline returned after %v", d.Round(time.Millisecond))
	}
	if now := goroutinesBack(before); now > before {
		t.Errorf("%d goroutines before FollowLogs, %d after", before, now)
	}

	// A function that panics: the stream is closed, then the panic goes on.
	before = runtime.NumGoroutine()
	func() {
		defer func() {
			if p := recover(); p != "log function panics" {
				t.Errorf("FollowLogs did not pass the panic on: %v", p)
			}
		}()
		e.FollowLogs(ctx, n.container, v6node.LogOptions{}, func(v6node.LogChunk) error { panic("log function panics") })
		t.Errorf("FollowLogs returned after its function panicked")
	}()
	if now := goroutinesBack(before); now > before {
		t.Errorf("%d goroutines before FollowLogs, %d after its function panicked", before, now)
	}

	// A function that fails stops the stream with its error.
	errStop := errors.New("enough")
	if err := e.FollowLogs(ctx, n.container, v6node.LogOptions{}, func(v6node.LogChunk) error { return errStop }); err != errStop {
		t.Errorf("FollowLogs with a failing function: %v", err)
	}

	// Starting a running node is a conflict.
	_, err = e.Start(ctx, n.opts, nil)
	var ve *v6node.Error
	if !errors.Is(err, v6node.ErrConflict) || !errors.As(err, &ve) || !strings.Contains(ve.Message, "already running") {
		t.Errorf("Start of a running node: %v", err)
	}

	// Drift after a config change.
	n.writeConfig("other-site")
	st, err = e.Status(n.opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Drift) != 1 || !strings.Contains(st.Drift[0], "SITE") || !strings.Contains(st.Drift[0], "other-site") {
		t.Errorf("drift after a config change: %q", st.Drift)
	}

	// List: the node, with its config.
	list, err := e.List()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range list {
		if l.Name == n.name && l.Scope == v6node.ScopeUser {
			found = true
			if l.State != v6node.StateRunning || l.Container != n.container || l.ID != st.ID ||
				l.Config != n.config || l.ConfigError != "" || l.Image != standinImage() {
				t.Errorf("List entry: %+v", l)
			}
		}
	}
	if !found {
		t.Errorf("List lacks %s: %+v", n.name, list)
	}

	// Restart from the changed config: a new container, no drift.
	events = nil
	begin = time.Now()
	restarted, err := e.Restart(ctx, n.opts, v6node.StopOptions{}, func(ev v6node.Event) { events = append(events, ev) })
	if err != nil {
		t.Fatalf("Restart: %v", err)
	}
	t.Logf("Restart took %v", time.Since(begin).Round(time.Millisecond))
	if restarted.ID == started.ID || restarted.ID == "" {
		t.Errorf("Restart kept the container: %+v", restarted)
	}
	stopped := false
	for _, ev := range events {
		stopped = stopped || ev.Kind == v6node.EventStopped
	}
	if !stopped {
		t.Errorf("Restart's events lack a stop: %+v", events)
	}
	if st, err = e.Status(n.opts); err != nil || st.State != v6node.StateRunning || len(st.Drift) != 0 || st.ID != restarted.ID {
		t.Errorf("Status after Restart: %+v, %v", st, err)
	}
	waitForLogs(t, e, n.container, contractHolds)

	// Stop: the container and the volumes are gone.
	begin = time.Now()
	if err := e.Stop(n.name, v6node.ScopeUser, v6node.StopOptions{}); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %v", time.Since(begin).Round(time.Millisecond))
	if st, err = e.Status(n.opts); err != nil || st.State != v6node.StateAbsent {
		t.Errorf("Status after Stop: %+v, %v", st, err)
	}
	if n.containerExists() || n.volumesPresent() != 0 {
		t.Errorf("after Stop: container %v, %d volumes", n.containerExists(), n.volumesPresent())
	}
	if err := e.Stop(n.name, v6node.ScopeUser, v6node.StopOptions{}); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Stop of a stopped node: %v", err)
	}
	if _, err := e.Logs(n.container, v6node.LogOptions{}); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Logs of an absent container: %v", err)
	}
	if err := e.FollowLogs(ctx, n.container, v6node.LogOptions{}, func(v6node.LogChunk) error { return nil }); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("FollowLogs of an absent container: %v", err)
	}
	if c, err := e.RequestCount(); err != nil || c == 0 {
		t.Errorf("RequestCount: %d, %v", c, err)
	}
}

func TestEngineErrors(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()

	// An invalid config.
	good, _ := os.ReadFile(n.config)
	mustWrite(t, n.config, strings.Replace(string(good), "level: INFO", "level: VERBOSE", 1))
	_, err := e.Start(ctx, n.opts, nil)
	var ve *v6node.Error
	if !errors.Is(err, v6node.ErrConfig) || !errors.As(err, &ve) || ve.Key != "logging.level" {
		t.Errorf("Start with an invalid config: %#v", err)
	}
	if _, err := e.Status(n.opts); !errors.Is(err, v6node.ErrConfig) {
		t.Errorf("Status with an invalid config: %v", err)
	}
	mustWrite(t, n.config, string(good))

	// A missing image that must not be pulled: nothing is left behind.
	missing := n.opts
	missing.Image = "127.0.0.1:5999/v6node-test/node:v6ntest-absent"
	missing.Pull = v6node.PullNever
	if _, err := e.Start(ctx, missing, nil); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Start with a missing image: %v", err)
	}
	if n.containerExists() || n.volumesPresent() != 0 {
		t.Errorf("a failed start left the container (%v) or %d volumes", n.containerExists(), n.volumesPresent())
	}

	// Not running.
	if err := e.Stop(n.name, v6node.ScopeUser, v6node.StopOptions{}); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Stop of a node that never ran: %v", err)
	}

	// No such node.
	if _, err := e.Status(v6node.Options{Name: n.name + "-nosuch"}); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("Status of an unknown node: %v", err)
	}

	// The engine refuses: an API version it does not speak.
	old, err := v6node.NewEngine("", v6node.WithAPIVersion("9.99"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	_, err = old.Status(n.opts)
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
	if !strings.Contains(gone.Host(), "no-engine.sock") {
		t.Errorf("EngineFromEnv ignored DOCKER_HOST: %s", gone.Host())
	}
	_, err = gone.Ping()
	if !errors.Is(err, v6node.ErrUnavailable) || !errors.Is(err, v6node.ErrEngine) || !errors.As(err, &ve) ||
		!strings.Contains(ve.Message, "no-engine.sock") {
		t.Errorf("Ping of an unreachable engine: %v", err)
	}
	if _, err := gone.Start(ctx, n.opts, nil); !errors.Is(err, v6node.ErrUnavailable) {
		t.Errorf("Start on an unreachable engine: %v", err)
	}
	if _, err := gone.List(); !errors.Is(err, v6node.ErrUnavailable) {
		t.Errorf("List on an unreachable engine: %v", err)
	}
	if err := gone.FollowLogs(ctx, n.container, v6node.LogOptions{}, func(v6node.LogChunk) error { return nil }); !errors.Is(err, v6node.ErrUnavailable) {
		t.Errorf("FollowLogs on an unreachable engine: %v", err)
	}
}

// A context in the docker CLI's store (as `docker context create` writes it)
// names the engine: here the real one, through its socket.
func TestEngineFromContext(t *testing.T) {
	dir := t.TempDir()
	meta := filepath.Join(dir, "contexts", "meta", "some-id", "meta.json")
	if err := os.MkdirAll(filepath.Dir(meta), 0o755); err != nil {
		t.Fatal(err)
	}
	body := `{"Name": "v6ntest-local", "Endpoints": {"docker": {"Host": "unix:///var/run/docker.sock"}}}`
	if err := os.WriteFile(meta, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	e, err := v6node.EngineFromContext("v6ntest-local")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Host() != "unix:///var/run/docker.sock" {
		t.Errorf("host %q", e.Host())
	}
	if _, err := e.Ping(); err != nil {
		t.Errorf("Ping: %v", err)
	}
	_, err = v6node.EngineFromContext("v6ntest-absent")
	var ve *v6node.Error
	if !errors.Is(err, v6node.ErrNotFound) || !errors.As(err, &ve) || !strings.Contains(ve.Message, "v6ntest-absent") {
		t.Errorf("a context that does not exist: %v", err)
	}
}

func TestEngineCancelledStart(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)

	// A context already done: nothing is started.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Start(ctx, n.opts, nil)
	if !errors.Is(err, v6node.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled context: %v", err)
	}
	if n.containerExists() || n.volumesPresent() != 0 {
		t.Errorf("a cancelled start left things behind")
	}

	// A progress function that panics: the start is cancelled (and undone,
	// unless it finished first), then the panic goes on.
	func() {
		defer func() {
			if p := recover(); p != "progress panics" {
				t.Errorf("Start did not pass the panic on: %v", p)
			}
		}()
		e.Start(context.Background(), n.opts, func(ev v6node.Event) { panic("progress panics") })
		t.Errorf("Start returned after its progress function panicked")
	}()
	if st, err := e.Status(n.opts); err != nil || (st.State != v6node.StateAbsent && st.State != v6node.StateRunning) {
		t.Errorf("after a panicking progress function: %+v, %v", st, err)
	} else if st.State == v6node.StateRunning {
		t.Logf("the start finished before it saw the panic")
		if err := e.Stop(n.name, v6node.ScopeUser, v6node.StopOptions{}); err != nil {
			t.Fatal(err)
		}
	} else if n.volumesPresent() != 0 {
		t.Errorf("a start stopped by a panic left %d volumes", n.volumesPresent())
	}

	// Cancelled at its first step: the start is undone, unless it finished
	// first (the C side runs on its own thread and only checks between
	// steps): either way the outcome is consistent.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	started, err := e.Start(ctx, n.opts, func(ev v6node.Event) {
		if ev.Kind == v6node.EventImage {
			cancel()
		}
	})
	switch {
	case err == nil:
		t.Logf("the start finished before it saw the cancellation (%s)", started.ID)
		if st, err := e.Status(n.opts); err != nil || st.State != v6node.StateRunning {
			t.Errorf("Start succeeded but the node does not run: %+v, %v", st, err)
		}
	case errors.Is(err, v6node.ErrCancelled) && errors.Is(err, context.Canceled):
		if n.containerExists() || n.volumesPresent() != 0 {
			t.Errorf("a cancelled start left the container (%v) or %d volumes", n.containerExists(), n.volumesPresent())
		}
	default:
		t.Errorf("a start cancelled while running: %v", err)
	}
}

func TestEngineVolumesKeepRemoveClean(t *testing.T) {
	n := newNode(t)
	e := openEngine(t)
	ctx := context.Background()

	if err := e.EnsureVolumes(n.opts); err != nil {
		t.Fatal(err)
	}
	if err := e.EnsureVolumes(n.opts); err != nil { // idempotent
		t.Fatal(err)
	}
	if c := n.volumesPresent(); c != 4 {
		t.Fatalf("EnsureVolumes made %d volumes", c)
	}
	keep := n.opts
	keep.Keep = true
	created := 0
	if _, err := e.Start(ctx, keep, func(ev v6node.Event) {
		if ev.Kind == v6node.EventVolume {
			created += int(ev.Current)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if created != 0 {
		t.Errorf("Start created %d volumes that existed", created)
	}
	waitForLogs(t, e, n.container, contractHolds)
	if err := e.Stop(n.name, v6node.ScopeUser, v6node.StopOptions{KeepVolumes: true, Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	st, err := e.Status(keep)
	if err != nil || st.State != v6node.StateStopped || st.ExitCode != 0 || st.FinishedAt.IsZero() {
		t.Errorf("a kept node after Stop: %+v, %v", st, err)
	}
	if err := e.Remove(keep); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if n.containerExists() || n.volumesPresent() != 0 {
		t.Errorf("after Remove: container %v, %d volumes", n.containerExists(), n.volumesPresent())
	}
	if _, err := os.Stat(n.config); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Remove left the config: %v", err)
	}

	tmp := n.container + "-42-tmpvol"
	n.extraVols = append(n.extraVols, tmp)
	if out, err := docker("volume", "create", tmp); err != nil {
		t.Fatalf("docker volume create: %v %s", err, out)
	}
	if c, err := e.Clean(n.name, v6node.ScopeUser); err != nil || c != 1 {
		t.Errorf("Clean: %d, %v", c, err)
	}
	if _, err := docker("volume", "inspect", tmp); err == nil {
		t.Errorf("Clean left %s", tmp)
	}
}

package v6node

// Tests of the package's own code, with no engine: its constants against
// the library's, the options against the library's option table, errors
// and the per-thread error slot, handles and finalizers.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

func TestConstantsAreTheLibrarys(t *testing.T) {
	codes := map[Code]v6nraw.Enum_SS_v6n_error_code{
		CodeOK: v6nraw.V6N_OK, CodeError: v6nraw.V6N_ERROR, CodeConfig: v6nraw.V6N_ECONFIG,
		CodeNotFound: v6nraw.V6N_ENOTFOUND, CodeConflict: v6nraw.V6N_ECONFLICT,
		CodeEngine: v6nraw.V6N_EENGINE, CodeIO: v6nraw.V6N_EIO, CodeNoMemory: v6nraw.V6N_ENOMEM,
		CodeInvalid: v6nraw.V6N_EINVAL, CodeUnavailable: v6nraw.V6N_EUNAVAILABLE,
		CodeCanceled: v6nraw.V6N_ECANCELLED, CodeAuth: v6nraw.V6N_EAUTH,
	}
	for c, want := range codes {
		if int(c) != int(want) {
			t.Errorf("%s is %d here, %d in the library", c, int(c), int(want))
		}
		if _, ok := sentinels[c]; !ok && c != CodeOK {
			t.Errorf("%s has no sentinel error", c)
		}
	}
	if CodeConfig.String() != "V6N_ECONFIG" || CodeAuth.String() != "V6N_EAUTH" || Code(-99).String() != "V6N_UNKNOWN" {
		t.Errorf("code names: %s, %s, %s", CodeConfig, CodeAuth, Code(-99))
	}
	kinds := []v6nraw.Enum_SS_v6n_event_kind{v6nraw.V6N_EVENT_IMAGE, v6nraw.V6N_EVENT_PULL_START,
		v6nraw.V6N_EVENT_PULL_PROGRESS, v6nraw.V6N_EVENT_PULL_DONE, v6nraw.V6N_EVENT_WARNING,
		v6nraw.V6N_EVENT_VOLUME, v6nraw.V6N_EVENT_REMOVED, v6nraw.V6N_EVENT_CREATED,
		v6nraw.V6N_EVENT_STARTED, v6nraw.V6N_EVENT_STOPPED, v6nraw.V6N_EVENT_VOLUME_REMOVED,
		v6nraw.V6N_EVENT_PATH_REMOVED}
	ours := []EventKind{EventImage, EventPullStart, EventPullProgress, EventPullDone, EventWarning,
		EventVolume, EventRemoved, EventCreated, EventStarted, EventStopped, EventVolumeRemoved,
		EventPathRemoved}
	if len(kinds) != len(ours) || len(eventNames) != len(ours) {
		t.Fatalf("%d event kinds here, %d names, %d in the library", len(ours), len(eventNames), len(kinds))
	}
	for i := range kinds {
		if int(ours[i]) != int(kinds[i]) {
			t.Errorf("event %s is %d here, %d in the library", ours[i], int(ours[i]), int(kinds[i]))
		}
	}
	states := map[NodeState]v6nraw.Enum_SS_v6n_node_state{StateAbsent: v6nraw.V6N_NODE_ABSENT,
		StateRunning: v6nraw.V6N_NODE_RUNNING, StateStopped: v6nraw.V6N_NODE_STOPPED, StateOther: v6nraw.V6N_NODE_OTHER}
	for s, want := range states {
		if int(s) != int(want) {
			t.Errorf("state %s is %d here, %d in the library", s, int(s), int(want))
		}
	}
	if StateRunning.String() != "running" || ScopeSystem.String() != "system" || PullMissing.String() != "missing" {
		t.Errorf("names: %s %s %s", StateRunning, ScopeSystem, PullMissing)
	}
	if int(ScopeSystem) != int(v6nraw.V6N_SCOPE_SYSTEM) || int(PullNever) != int(v6nraw.V6N_PULL_NEVER) ||
		int(PullAlways) != int(v6nraw.V6N_PULL_ALWAYS) || int(PullMissing) != int(v6nraw.V6N_PULL_MISSING) {
		t.Errorf("scope or pull policy values differ from the library's")
	}
	rules := map[ImageRule]v6nraw.Enum_SS_v6n_image_rule{ImageFromOption: v6nraw.V6N_IMAGE_FROM_OPTION,
		ImageFromConfig: v6nraw.V6N_IMAGE_FROM_CONFIG, ImageFromServer: v6nraw.V6N_IMAGE_FROM_SERVER,
		ImageDefault: v6nraw.V6N_IMAGE_DEFAULT}
	for r, v := range rules {
		if got := ruleOf(v6nraw.Image_rule_describe(v)); got != r {
			t.Errorf("the rule described %q is %q here, want %q", v6nraw.Image_rule_describe(v), got, r)
		}
	}
	if !strings.HasPrefix(Vantage6Version(), ReleaseLines()[0]+".") || len(ReleaseLines()) < 4 {
		t.Errorf("Vantage6Version %s, ReleaseLines %v", Vantage6Version(), ReleaseLines())
	}
	if Version() != v6nraw.V6N_VERSION {
		t.Errorf("the library loaded is %s, the header says %s", Version(), v6nraw.V6N_VERSION)
	}
}

// tableOptions returns the names of the library's option table.
func tableOptions() []string {
	var names []string
	for i := int64(0); ; i++ {
		n := v6nraw.Start_option_name(i)
		if n == "" {
			return names
		}
		names = append(names, n)
	}
}

// taggedOptions returns the table option each field of a struct names.
func taggedOptions(v interface{}) map[string]string {
	m := map[string]string{}
	ty := reflect.TypeOf(v)
	for i := 0; i < ty.NumField(); i++ {
		if k := ty.Field(i).Tag.Get("v6n"); k != "" {
			m[k] = ty.Field(i).Name
		}
	}
	return m
}

// Options must have a field for every option of the library's table, and
// no field for an option the table lacks.
func TestOptionsCoverTheTable(t *testing.T) {
	table := tableOptions()
	if len(table) < 20 {
		t.Fatalf("the table has only %d options: %v", len(table), table)
	}
	fields := taggedOptions(Options{})
	for _, name := range table {
		if _, ok := fields[name]; !ok {
			t.Errorf("the library's option %q has no field in Options (help: %s)", name, optionHelp(name))
		}
		delete(fields, name)
	}
	for name, field := range fields {
		t.Errorf("Options.%s names %q, which is not an option of the library's table", field, name)
	}
	for name, field := range taggedOptions(ListOptions{}) {
		if optionHelp(name) == "" {
			t.Errorf("ListOptions.%s names %q, which is not an option of the library's table", field, name)
		}
	}
}

func optionHelp(name string) string {
	for i := int64(0); ; i++ {
		n := v6nraw.Start_option_name(i)
		if n == "" {
			return ""
		}
		if n == name {
			return v6nraw.Start_option_help(i)
		}
	}
}

// everyOption returns Options with every field given.
func everyOption(t *testing.T) Options {
	var o Options
	v := reflect.ValueOf(&o).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if v.Type().Field(i).Tag.Get("v6n") == "" {
			continue
		}
		switch f.Interface().(type) {
		case Scope:
			f.Set(reflect.ValueOf(ScopeSystem))
		case PullPolicy:
			f.Set(reflect.ValueOf(PullNever))
		case time.Duration:
			f.Set(reflect.ValueOf(1500 * time.Microsecond))
		case string:
			f.SetString("/v6ntest/" + v.Type().Field(i).Name)
		case bool:
			f.SetBool(true)
		case int:
			f.SetInt(2)
		case []PathMap:
			f.Set(reflect.ValueOf([]PathMap{{"/a", "/b=c"}, {"/d", "/e"}}))
		default:
			t.Fatalf("Options.%s: a type this test does not know", v.Type().Field(i).Name)
		}
	}
	if o.Vantage6Version != "" {
		o.Vantage6Version = ReleaseLines()[1]
	}
	if o.ServerVersion != "" {
		o.ServerVersion = "4.13.2"
	}
	return o
}

// Every field reaches the library by its table name, in a form the table
// takes; a value it refuses comes back as ErrInvalid naming the option.
func TestEveryOptionReachesTheLibrary(t *testing.T) {
	o := everyOption(t)
	if err := withRawOptions(o, func(rawOptions) error { return nil }); err != nil {
		t.Fatalf("Options with every field given: %v", err)
	}
	text, _ := optionText("server_timeout_ms", reflect.ValueOf(o.ServerTimeout))
	if !reflect.DeepEqual(text, []string{"2"}) {
		t.Errorf("1.5 ms is sent as %q, want whole milliseconds rounded up", text)
	}
	text, _ = optionText("path_map", reflect.ValueOf(o.HostPaths))
	if !reflect.DeepEqual(text, []string{"/a=/b=c", "/d=/e"}) {
		t.Errorf("the host paths are sent as %q", text)
	}
	if text, _ := optionText("keep", reflect.ValueOf(false)); text != nil {
		t.Errorf("a zero value is sent as %q; it must not be sent", text)
	}
	bad := []struct {
		key  string
		opts Options
	}{
		{"server_attempts", Options{ServerAttempts: -1}},
		{"scope", Options{Scope: Scope(7)}},
		{"pull", Options{Pull: PullPolicy(9)}},
		{"server_timeout_ms", Options{ServerTimeout: -time.Second}},
		{"path_map", Options{HostPaths: []PathMap{{"", "/x"}}}},
		{"path_map", Options{HostPaths: []PathMap{{"/a=b", "/x"}}}},
		{"image", Options{Image: "a\x00b"}},
	}
	for _, b := range bad {
		err := withRawOptions(b.opts, func(rawOptions) error { return nil })
		var e *Error
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &e) || e.Key != b.key {
			t.Errorf("%+v: %#v, want ErrInvalid naming %s", b.opts, err, b.key)
		}
	}
	// What the library itself refuses names the option too.
	err := withRawOptions(Options{ServerAttempts: 2000000}, func(rawOptions) error { return nil })
	var e *Error
	if !errors.As(err, &e) || e.Key != "server_attempts" || !strings.Contains(e.Message, "2000000") {
		t.Errorf("a value the library refuses: %#v", err)
	}
}

func TestWithEnvironment(t *testing.T) {
	t.Setenv("DATA_VOLUME_NAME", "v6ntest-data")
	t.Setenv("PRIVATE_KEY", "/keys/k.pem")
	t.Setenv("VPN_VOLUME_NAME", "")
	o := Options{VPNVolume: "mine"}.WithEnvironment()
	if o.DataVolume != "v6ntest-data" || o.PrivateKey != "/keys/k.pem" || o.VPNVolume != "mine" {
		t.Errorf("WithEnvironment: %+v", o)
	}
}

func TestErrorsIs(t *testing.T) {
	for code, sentinel := range sentinels {
		err := error(newError(code, "x", ""))
		if !errors.Is(err, sentinel) {
			t.Errorf("%s does not match its sentinel", code)
		}
		for other, s := range sentinels {
			if other != code && errors.Is(err, s) && !(s == ErrEngine && code == CodeUnavailable) {
				t.Errorf("%s matches the sentinel of %s", code, other)
			}
		}
	}
	if !errors.Is(newError(CodeUnavailable, "x", ""), ErrEngine) {
		t.Errorf("ErrUnavailable is not an ErrEngine")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := error(canceled(ctx.Err(), nil))
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a canceled operation's error: %v", err)
	}
	if (&Error{Code: CodeIO}).Error() != "v6node: V6N_EIO" {
		t.Errorf("an error without a message: %q", (&Error{Code: CodeIO}).Error())
	}
}

// The library keeps the last error per OS thread, and goroutines move
// between threads: each failing call must still get its own error, however
// many run at once.
func TestErrorsStayWithTheirCall(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				path := filepath.Join(dir, fmt.Sprintf("v6ntest-%d-%d.yaml", g, i))
				_, err := OpenConfig(path, Options{})
				var e *Error
				if !errors.As(err, &e) || e.Code != CodeNotFound || !strings.Contains(e.Message, path) {
					errs <- fmt.Errorf("OpenConfig(%s): %v", path, err)
					return
				}
				runtime.Gosched()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNodeHandles(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	os.Unsetenv("XDG_CONFIG_HOME")
	n, err := OpenContainer("vantage6-v6ntest-orphan-system", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Name() != "v6ntest-orphan" || n.Scope() != ScopeSystem || n.Container() != "vantage6-v6ntest-orphan-system" ||
		n.ConfigPath() != "" {
		t.Errorf("the orphan: %s %s %s %q", n.Name(), n.Scope(), n.Container(), n.ConfigPath())
	}
	_, err = n.Spec()
	var e *Error
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || !strings.Contains(e.Message, "/etc/vantage6/node") {
		t.Errorf("the spec of a node without a config: %v", err)
	}
	n.Close()
	n.Close()
	if _, err := n.Spec(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Spec after Close: %v", err)
	}
	if err := n.Logs(context.Background(), nil, LogOptions{}, func(LogChunk) error { return nil }); !errors.Is(err, ErrInvalid) {
		t.Errorf("Logs after Close: %v", err)
	}
	for _, bad := range []string{"alpha", "vantage6-bad name-user", "vantage6-alpha-root"} {
		if _, err := OpenContainer(bad, Options{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("OpenContainer(%q): %v", bad, err)
		}
	}
	if _, err := Open("a/b", Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Open of a bad name: %v", err)
	}
	if _, err := Open("a\x00b", Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Open of a name with a NUL: %v", err)
	}
	n, err = Open("v6ntest-nosuch", Options{Image: "x"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := n.Status(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Status without an engine: %v", err)
	}
	if n.Options().Image != "x" {
		t.Errorf("Options: %+v", n.Options())
	}
}

func TestNames(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.Unsetenv("XDG_CONFIG_HOME")
	if d, err := ConfigFolder(ScopeUser); err != nil || d != filepath.Join(home, ".config", "vantage6", "node") {
		t.Errorf("ConfigFolder(user): %q, %v", d, err)
	}
	if d, err := ConfigFolder(ScopeSystem); err != nil || d != "/etc/vantage6/node" {
		t.Errorf("ConfigFolder(system): %q, %v", d, err)
	}
	if c, err := ContainerName("alpha", ScopeSystem); err != nil || c != "vantage6-alpha-system" {
		t.Errorf("ContainerName: %q, %v", c, err)
	}
	if _, err := ContainerName("al pha", ScopeUser); !errors.Is(err, ErrInvalid) {
		t.Errorf("ContainerName of a bad name: %v", err)
	}
}

func TestNewEngineAndClose(t *testing.T) {
	if _, err := NewEngine(EngineOptions{Host: "ftp://example.org"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("an ftp host: %v", err)
	}
	e, err := NewEngine(EngineOptions{Host: "tcp://127.0.0.1:9", APIVersion: "1.41"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Host() != "tcp://127.0.0.1:9" || e.SocketPath() != "" {
		t.Errorf("host %q, socket %q", e.Host(), e.SocketPath())
	}
	e.Close()
	e.Close()
	if _, err := e.Ping(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Ping after Close: %v", err)
	}
	u, err := NewEngine(EngineOptions{Host: "unix:///run/v6ntest-none.sock"})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if u.SocketPath() != "/run/v6ntest-none.sock" {
		t.Errorf("socket %q", u.SocketPath())
	}
	if _, err := u.Ping(); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "v6ntest-none.sock") {
		t.Errorf("Ping of no engine: %v", err)
	}
}

// Handles that are dropped unclosed are freed by their finalizers.
func TestFinalizers(t *testing.T) {
	before := finalized.Load()
	func() {
		for i := 0; i < 10; i++ {
			if _, err := NewEngine(EngineOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := OpenContainer("vantage6-v6ntest-gc-user", Options{}); err != nil {
				t.Fatal(err)
			}
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for finalized.Load()-before < 20 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := finalized.Load() - before; n < 20 {
		t.Errorf("%d of 20 handles were finalized", n)
	}
}

// The error codes and sentinels documented in the README are the ones
// exported here.
func TestSentinelsAreDistinct(t *testing.T) {
	seen := map[error]Code{}
	var codes []int
	for c, s := range sentinels {
		if other, dup := seen[s]; dup {
			t.Errorf("%s and %s share a sentinel", c, other)
		}
		seen[s] = c
		codes = append(codes, int(c))
	}
	sort.Ints(codes)
	if len(codes) != 11 || codes[0] != -11 || codes[10] != -1 {
		t.Errorf("sentinels for codes %v", codes)
	}
}

// ConfigValues must name every field of the library's values builder
// (V6NI_VALUE_FIELDS in v6node.i), each by a name the builder takes.
func TestConfigValuesCoverTheBuilder(t *testing.T) {
	x := v6nraw.Values_new()
	defer v6nraw.Values_free(x)
	tagged := taggedOptions(ConfigValues{})
	for field, name := range tagged {
		if rc := v6nraw.Values_set(x, field, "x"); rc != 0 {
			t.Errorf("ConfigValues.%s names %q, which the library's builder does not take (%s)", name, field, Code(rc))
		}
	}
	for _, field := range []string{"scope", "force", "encryption"} {
		if rc := v6nraw.Values_set_int(x, field, 1); rc != 0 {
			t.Errorf("the builder does not take %q (%s)", field, Code(rc))
		}
	}
	if err := valuesError(v6nraw.Values_set(x, "v6ntest_none", "x"), "v6ntest_none"); !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "v6ntest_none") {
		t.Errorf("a field the builder lacks: %v", err)
	}

	// The builder's own list, from the interface in the source tree (when
	// it is there: the module may be built on its own).
	dir := os.Getenv("V6NODE_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "tests", "fixtures")
	}
	text, err := os.ReadFile(filepath.Join(dir, "..", "..", "bindings", "v6node.i"))
	if err != nil {
		t.Skipf("v6node.i is not at hand: %v", err)
	}
	_, list, ok := strings.Cut(string(text), "#define V6NI_VALUE_FIELDS(X)")
	if list, _, ok = strings.Cut(list, "\n\n"); !ok {
		t.Fatalf("no V6NI_VALUE_FIELDS in v6node.i")
	}
	fields := 0
	for _, word := range strings.Fields(strings.ReplaceAll(list, "\\", " ")) {
		if strings.HasPrefix(word, "X(") && strings.HasSuffix(word, ")") {
			fields++
			if f := word[2 : len(word)-1]; tagged[f] == "" {
				t.Errorf("the library's value %q has no field in ConfigValues", f)
			}
		}
	}
	if fields != len(tagged) {
		t.Errorf("v6node.i lists %d value fields, ConfigValues names %d", fields, len(tagged))
	}
}

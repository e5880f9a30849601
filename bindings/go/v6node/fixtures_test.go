package v6node_test

// Every spec fixture of tests/fixtures (format: tests/fixtures/README.md)
// through BuildSpec: the JSON equals expected.json (values and key order),
// and, when V6NODE_CLI names the v6node tool, equals what `v6node spec`
// prints byte for byte; an expected-error fixture gives the right sentinel
// error with the message `v6node spec` prints.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	v6node "github.com/vantage6/libv6node/bindings/go/v6node"
)

// The variables the library (HOME, XDG_*) and `v6node` (the rest) read: a
// fixture runs with none of them set but HOME and its own.
var fixtureVars = []string{
	"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS",
	"XDG_DATA_DIRS", "DATA_VOLUME_NAME", "VPN_VOLUME_NAME", "SSH_TUNNEL_VOLUME_NAME",
	"SSH_SQUID_VOLUME_NAME", "PRIVATE_KEY",
}

// The sentinel of an expected-error fixture, when not the default for its
// exit status (1: ErrConfig, 2: ErrInvalid).
var fixtureSentinels = map[string]error{
	"48-name-not-found": v6node.ErrNotFound,
}

func fixturesDir(t *testing.T) string {
	dir := os.Getenv("V6NODE_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "tests", "fixtures")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Skipf("no fixtures at %s (set V6NODE_FIXTURES): %v", abs, err)
	}
	return abs
}

type fixture struct {
	name, dir string
	args      []string
	env       []string // KEY=VALUE, HOME first
	cwd       string
}

// file returns a fixture file with @DIR@ replaced, or ok == false.
func (f *fixture) file(t *testing.T, name string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "@DIR@", f.dir), true
}

// lines skips '#' lines and blank lines, as tests/cli/test_fixtures.c does.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

func loadFixture(t *testing.T, root, name string) *fixture {
	dir, err := filepath.EvalSymlinks(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{name: name, dir: dir, cwd: dir}
	args, ok := f.file(t, "args")
	if !ok {
		t.Fatalf("fixture %s has no args file", name)
	}
	f.args = lines(args)
	f.env = []string{"HOME=" + filepath.Join(dir, "home")}
	if env, ok := f.file(t, "env"); ok {
		f.env = append(f.env, lines(env)...)
	}
	if cwd, ok := f.file(t, "cwd"); ok {
		f.cwd = filepath.Join(dir, strings.TrimSpace(cwd))
	}
	return f
}

// options translates the `v6node spec` arguments into Options, as the CLI
// parses them (cli/node_args.c).
func (f *fixture) options(t *testing.T) v6node.Options {
	var o v6node.Options
	for i := 0; i < len(f.args); i++ {
		a := f.args[i]
		value := func() string {
			i++
			if i >= len(f.args) {
				t.Fatalf("fixture %s: %s needs a value", f.name, a)
			}
			return f.args[i]
		}
		switch a {
		case "-n", "--name":
			o.Name = value()
		case "-c", "--config":
			o.Config = value()
		case "--system":
			o.Scope = v6node.ScopeSystem
		case "--user":
			o.Scope = v6node.ScopeUser
		case "-i", "--image":
			o.Image = value()
		case "--keep":
			o.Keep = true
		case "--auto-remove":
			o.Keep = false
		case "--force-db-mount":
			o.ForceDBMount = true
		case "--mount-src":
			o.MountSrc = value()
		case "--server-version":
			o.ServerVersion = value()
		case "--data-dir":
			o.DataDir = value()
		case "--log-dir":
			o.LogDir = value()
		case "--docker-socket":
			o.DockerSocket = value()
		case "--workdir":
			o.WorkingDir = value()
		case "--host-path":
			v := value()
			eq := strings.IndexByte(v, '=')
			if eq <= 0 || eq == len(v)-1 {
				t.Fatalf("fixture %s: bad --host-path %q", f.name, v)
			}
			o.HostPaths = append(o.HostPaths, v6node.PathMap{Local: v[:eq], Host: v[eq+1:]})
		case "--pretty":
		default:
			t.Fatalf("fixture %s: the test does not know the argument %q", f.name, a)
		}
	}
	return o
}

// enter gives the process the fixture's environment and folder until the
// test ends: the library reads HOME and XDG_* with getenv, and resolves
// relative paths against the current directory.
func (f *fixture) enter(t *testing.T) {
	saved := map[string]*string{}
	save := func(k string) {
		if _, done := saved[k]; done {
			return
		}
		if v, ok := os.LookupEnv(k); ok {
			saved[k] = &v
		} else {
			saved[k] = nil
		}
	}
	for _, k := range fixtureVars {
		save(k)
		os.Unsetenv(k)
	}
	for _, kv := range f.env {
		k, v, _ := strings.Cut(kv, "=")
		save(k)
		os.Setenv(k, v)
	}
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(f.cwd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Chdir(old); err != nil {
			t.Error(err)
		}
		for k, v := range saved {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	})
}

// runCLI runs `v6node spec` on the fixture as tests/cli/test_fixtures.c
// does: a clean environment (PATH, HOME, the fixture's), in its folder.
func (f *fixture) runCLI(t *testing.T, cli string) (stdout, stderr string, exit int) {
	cmd := exec.Command(cli, append([]string{"spec"}, f.args...)...)
	cmd.Dir = f.cwd
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, f.env...)
	if ld := os.Getenv("LD_LIBRARY_PATH"); ld != "" {
		cmd.Env = append(cmd.Env, "LD_LIBRARY_PATH="+ld)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running %s: %v", cli, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// tokens returns the JSON token stream of b: equal streams are equal values
// with equal key order.
func tokens(b []byte) ([]interface{}, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out []interface{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
}

func jsonDiff(expected, got []byte) string {
	e, err := tokens(expected)
	if err != nil {
		return "expected.json is not JSON: " + err.Error()
	}
	g, err := tokens(got)
	if err != nil {
		return "the spec is not JSON: " + err.Error()
	}
	for i := 0; i < len(e) && i < len(g); i++ {
		if !reflect.DeepEqual(e[i], g[i]) {
			return fmt.Sprintf("token %d: expected %v, got %v", i, e[i], g[i])
		}
	}
	if len(e) != len(g) {
		return fmt.Sprintf("expected %d tokens, got %d", len(e), len(g))
	}
	return ""
}

func TestSpecFixtures(t *testing.T) {
	root := fixturesDir(t)
	cli := os.Getenv("V6NODE_CLI")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("no fixtures in %s", root)
	}
	checked := 0
	for _, name := range names {
		name := name
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, root, name)
			opts := f.options(t)
			f.enter(t)
			spec, err := v6node.BuildSpec(opts.WithEnvironment())
			if expected, ok := f.file(t, "expected.json"); ok {
				if err != nil {
					t.Fatalf("BuildSpec: %v", err)
				}
				got, err := spec.JSON()
				if err != nil {
					t.Fatal(err)
				}
				if d := jsonDiff([]byte(expected), got); d != "" {
					t.Fatalf("JSON differs from expected.json: %s\ngot: %s", d, got)
				}
				if cli != "" {
					out, stderr, exit := f.runCLI(t, cli)
					if exit != 0 || out != string(got)+"\n" {
						t.Fatalf("v6node spec (exit %d, stderr %q) printed\n%s\nBuildSpec gave\n%s", exit, stderr, out, got)
					}
				}
				// the older release lines whose containers differ
				for _, release := range []string{"4.14", "4.13"} {
					want, ok := f.file(t, "expected-"+release+".json")
					if !ok {
						t.Fatalf("fixture %s has no expected-%s.json", name, release)
					}
					o := opts
					o.Vantage6Version = release
					spec, err := v6node.BuildSpec(o.WithEnvironment())
					if err != nil {
						t.Fatalf("BuildSpec as %s: %v", release, err)
					}
					got, err := spec.JSON()
					if err != nil {
						t.Fatal(err)
					}
					if d := jsonDiff([]byte(want), got); d != "" {
						t.Fatalf("as %s, JSON differs from expected-%s.json: %s", release, release, d)
					}
				}
				checked++
				return
			}
			want, ok := f.file(t, "expected-error")
			if !ok {
				t.Fatalf("fixture %s has neither expected.json nor expected-error", name)
			}
			checkExpectedError(t, f, cli, want, spec, err)
			checked++
		})
	}
	t.Logf("%d fixtures checked", checked)
}

func checkExpectedError(t *testing.T, f *fixture, cli, want string, spec *v6node.Spec, err error) {
	if err == nil {
		b, _ := spec.JSON()
		t.Fatalf("BuildSpec succeeded: %s", b)
	}
	if spec != nil {
		t.Errorf("BuildSpec returned a spec and an error")
	}
	var e *v6node.Error
	if !errors.As(err, &e) {
		t.Fatalf("the error is a %T, not a *v6node.Error: %v", err, err)
	}
	exit := -1
	var present, absent []string
	for _, l := range lines(want) {
		switch {
		case strings.HasPrefix(l, "exit "):
			fmt.Sscanf(l[5:], "%d", &exit)
		case strings.HasPrefix(l, "stderr-not "):
			absent = append(absent, l[len("stderr-not "):])
		case strings.HasPrefix(l, "stderr "):
			present = append(present, l[len("stderr "):])
		default:
			t.Fatalf("bad expected-error line %q", l)
		}
	}
	sentinel, ok := fixtureSentinels[f.name]
	if !ok {
		switch exit {
		case 1:
			sentinel = v6node.ErrConfig
		case 2: // a bad command line: here, both a name and a config
			sentinel = v6node.ErrInvalid
		default:
			t.Fatalf("no sentinel known for exit %d", exit)
		}
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(err, %v) is false; err = %v (%v)", sentinel, err, e.Code)
	}
	for _, s := range absent {
		if strings.Contains(e.Message, s) {
			t.Errorf("the message contains %q: %s", s, e.Message)
		}
	}
	if exit != 1 { // the CLI's usage messages are its own
		return
	}
	for _, s := range present {
		if !strings.Contains(e.Message, s) {
			t.Errorf("the message lacks %q: %s", s, e.Message)
		}
	}
	if cli != "" {
		out, stderr, code := f.runCLI(t, cli)
		if code != exit || out != "" || stderr != "v6node: "+e.Message+"\n" {
			t.Errorf("v6node spec exited %d, printed %q and %q; BuildSpec's message is %q", code, out, stderr, e.Message)
		}
	}
}

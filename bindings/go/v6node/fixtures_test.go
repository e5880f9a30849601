package v6node_test

// Every spec fixture of tests/fixtures (tests/fixtures/README.md) through a
// Node: for the default release and for each older line that has an
// expected-LINE.json, Spec().JSON() equals the expected file (values and key
// order) and, when V6NODE_CLI names the v6node tool, what `v6node spec`
// prints, byte for byte. A fixture that fails gives the error class of the
// CLI's exit status and the CLI's message.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
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

// The `v6node spec` flags the fixtures use, and the table option each sets
// (value "": the flag takes the next argument).
var fixtureFlags = map[string]struct{ key, value string }{
	"--system":           {"scope", "system"},
	"-i":                 {"image", ""},
	"--image":            {"image", ""},
	"--keep":             {"keep", "true"},
	"--force-db-mount":   {"force_db_mount", "true"},
	"--mount-src":        {"mount_src", ""},
	"--server-version":   {"server_version", ""},
	"--vantage6-version": {"vantage6_version", ""},
	"--docker-socket":    {"docker_socket", ""},
	"--host-path":        {"path_map", ""},
	"--workdir":          {"working_dir", ""},
	"--data-dir":         {"data_dir", ""},
	"--log-dir":          {"log_dir", ""},
	"--config-dir":       {"config_dir", ""},
}

// setOption sets the field of o whose v6n tag is key from the text a command
// line gives.
func setOption(t *testing.T, o *v6node.Options, key, text string) {
	t.Helper()
	v := reflect.ValueOf(o).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Tag.Get("v6n") != key {
			continue
		}
		switch f := v.Field(i).Addr().Interface().(type) {
		case *string:
			*f = text
		case *bool:
			*f = text == "true"
		case *v6node.Scope:
			*f = map[string]v6node.Scope{"user": v6node.ScopeUser, "system": v6node.ScopeSystem}[text]
		case *[]v6node.PathMap:
			local, host, _ := strings.Cut(text, "=")
			*f = append(*f, v6node.PathMap{Local: local, Host: host})
		default:
			t.Fatalf("option %s: this test cannot set a %T", key, f)
		}
		return
	}
	t.Fatalf("Options has no field for option %s", key)
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
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
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

// node translates the `v6node spec` arguments: how the node is named (-n or
// -c; usage is false for a command line the API cannot express, such as
// both) and its Options, with the environment `v6node` reads.
func (f *fixture) node(t *testing.T) (byName bool, arg string, o v6node.Options, usage bool) {
	named := 0
	for i := 0; i < len(f.args); i++ {
		a := f.args[i]
		next := func() string {
			i++
			if i >= len(f.args) {
				t.Fatalf("fixture %s: %s needs a value", f.name, a)
			}
			return f.args[i]
		}
		switch a {
		case "-n", "--name":
			byName, arg = true, next()
			named++
		case "-c", "--config":
			byName, arg = false, next()
			named++
		default:
			flag, ok := fixtureFlags[a]
			if !ok {
				t.Fatalf("fixture %s: this test does not know the flag %s", f.name, a)
			}
			value := flag.value
			if value == "" {
				value = next()
			}
			setOption(t, &o, flag.key, value)
		}
	}
	return byName, arg, o.WithEnvironment(), named != 1
}

// enter sets the fixture's environment and current directory for the test.
func (f *fixture) enter(t *testing.T) {
	for _, k := range fixtureVars {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for _, kv := range f.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(f.cwd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(old) })
}

// runCLI runs `v6node spec` with the fixture's arguments (and release) in
// its environment, as tests/cli/test_fixtures.c does.
func (f *fixture) runCLI(t *testing.T, cli, release string) (stdout, stderr string, exit int) {
	args := append([]string{"spec"}, f.args...)
	if release != "" {
		args = append(args, "--vantage6-version", release)
	}
	cmd := exec.Command(cli, args...)
	cmd.Dir = f.cwd
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, f.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", cli, err)
	}
	return out.String(), errb.String(), exit
}

// tokens returns the JSON tokens of b in order: equal tokens mean equal
// values and equal key order.
func tokens(b []byte) ([]interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []interface{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
}

// sameJSON reports how want and got differ as JSON (values and key order),
// or "".
func sameJSON(want, got []byte) string {
	a, err := tokens(want)
	if err != nil {
		return "the expected file is not JSON: " + err.Error()
	}
	b, err := tokens(got)
	if err != nil {
		return "not JSON: " + err.Error()
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if !reflect.DeepEqual(a[i], b[i]) {
			return "token " + strconv.Itoa(i) + ": expected " + strconv.Quote(toString(a[i])) + ", got " + strconv.Quote(toString(b[i]))
		}
	}
	if len(a) != len(b) {
		return "expected " + strconv.Itoa(len(a)) + " tokens, got " + strconv.Itoa(len(b))
	}
	return ""
}

func toString(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The releases each fixture is checked as, with the file of each.
var fixtureReleases = []struct{ release, file string }{
	{"", "expected.json"},
	{"4.14", "expected-4.14.json"},
	{"4.13", "expected-4.13.json"},
}

func TestSpecFixtures(t *testing.T) {
	root := fixturesDir(t)
	cli := os.Getenv("V6NODE_CLI")
	if cli == "" {
		t.Log("V6NODE_CLI is not set: the specs are compared with the expected files only")
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	cases, built, failed := 0, 0, 0
	for _, entry := range entries {
		if !entry.IsDir() {
			continue
		}
		cases++
		t.Run(entry.Name(), func(t *testing.T) {
			f := loadFixture(t, root, entry.Name())
			f.enter(t)
			byName, arg, opts, usage := f.node(t)
			for _, r := range fixtureReleases {
				want, wantSpec := f.file(t, r.file)
				wantErr, wantFail := f.file(t, "expected-error")
				if !wantSpec && !wantFail {
					t.Fatalf("%s: neither %s nor expected-error", f.name, r.file)
				}
				if wantSpec {
					wantFail = false
				}
				if usage {
					// A command line the API cannot express (-n and -c
					// together): the CLI's own usage check.
					if !wantFail || !strings.HasPrefix(wantErr, "exit 2") {
						t.Fatalf("%s: a usage error that the fixture does not expect", f.name)
					}
					continue
				}
				o := opts
				if r.release != "" {
					o.Vantage6Version = r.release
				}
				var node *v6node.Node
				if byName {
					node, err = v6node.Open(arg, o)
				} else {
					node, err = v6node.OpenConfig(arg, o)
				}
				var spec *v6node.Spec
				if err == nil {
					spec, err = node.Spec()
					node.Close()
				}
				var cliOut, cliErr string
				cliExit := -1
				if cli != "" {
					cliOut, cliErr, cliExit = f.runCLI(t, cli, r.release)
				}
				if wantSpec {
					if err != nil {
						t.Fatalf("release %q: %v", r.release, err)
					}
					got := spec.JSON()
					if d := sameJSON([]byte(want), got); d != "" {
						t.Errorf("release %q: Spec().JSON() differs from %s: %s", r.release, r.file, d)
					}
					if cli != "" && (cliExit != 0 || cliOut != string(got)+"\n") {
						t.Errorf("release %q: `v6node spec` printed something else (exit %d, %s):\n%s\nGo:\n%s",
							r.release, cliExit, cliErr, cliOut, got)
					}
					built++
					continue
				}
				checkExpectedError(t, f, r.release, wantErr, err, cliErr, cliExit)
				failed++
			}
		})
	}
	t.Logf("%d fixtures: %d specs built, %d expected errors", cases, built, failed)
	if cases < 50 || built < 90 {
		t.Errorf("only %d fixtures, %d specs: the fixtures were not all found", cases, built)
	}
}

// checkExpectedError checks a fixture that must fail: the error class the
// CLI's exit status says (3: not found; 1: anything but not found, conflict
// or unavailable), every `stderr` text in the message and no `stderr-not`
// text, and the same exit status and message from the CLI.
func checkExpectedError(t *testing.T, f *fixture, release, want string, err error, cliErr string, cliExit int) {
	t.Helper()
	var e *v6node.Error
	if !errors.As(err, &e) {
		t.Fatalf("release %q: no *v6node.Error but %#v", release, err)
	}
	exit := -1
	for _, l := range lines(want) {
		switch {
		case strings.HasPrefix(l, "exit "):
			exit, _ = strconv.Atoi(strings.TrimPrefix(l, "exit "))
		case strings.HasPrefix(l, "stderr "):
			if text := strings.TrimPrefix(l, "stderr "); !strings.Contains(e.Message, text) {
				t.Errorf("release %q: the message lacks %q: %s", release, text, e.Message)
			}
		case strings.HasPrefix(l, "stderr-not "):
			if text := strings.TrimPrefix(l, "stderr-not "); strings.Contains(e.Message, text) {
				t.Errorf("release %q: the message has %q: %s", release, text, e.Message)
			}
		}
	}
	switch exit {
	case 3:
		if !errors.Is(err, v6node.ErrNotFound) {
			t.Errorf("release %q: exit 3 is not found, got %s: %v", release, e.Code, err)
		}
	case 1:
		if errors.Is(err, v6node.ErrNotFound) || errors.Is(err, v6node.ErrConflict) || errors.Is(err, v6node.ErrUnavailable) {
			t.Errorf("release %q: exit 1, but the error is %s: %v", release, e.Code, err)
		}
	default:
		t.Fatalf("release %q: the fixture expects exit %d", release, exit)
	}
	if cliExit >= 0 && (cliExit != exit || !strings.Contains(cliErr, e.Message)) {
		t.Errorf("release %q: `v6node spec` exited %d with %q; Go's error is %q", release, cliExit, cliErr, e.Message)
	}
}

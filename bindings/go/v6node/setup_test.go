package v6node_test

// The setup half without an engine: new configs (RenderConfig, NewConfig),
// SetAPIKey, the folders and the public key; CreatePrivateKey against the
// stand-in vantage6 server tests/integration/fake_v6server.py (python3 on
// 127.0.0.1, one per test, stopped at its end).

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v6node "github.com/vantage6/libv6node/bindings/go/v6node"
)

// setupHome gives the test a HOME of its own and no XDG folders.
func setupHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("HOME", home)
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS",
		"XDG_DATA_DIRS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return home
}

func errKey(err error) string {
	var e *v6node.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return "(not a *v6node.Error)"
}

// dirEntries lists a folder's names.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func siteValues(dir string) v6node.ConfigValues {
	return v6node.ConfigValues{
		Path:       filepath.Join(dir, "conf", "v6ntest-site.yaml"),
		APIKey:     "k-v6ntest",
		ServerURL:  "https://v6.example.org/",
		Encryption: true,
		PrivateKey: "k.pem",
		LogLevel:   "INFO",
		WorkingDir: dir,
		Databases: []v6node.Database{
			{Label: "default", URI: "cohort.csv", Type: "csv", MountMode: "ro"},
			{Label: "registry", URI: "postgresql://u:pw@db.example.org/r", Type: "sql"},
		},
		ExtraYAML: "node_extra_env: {SITE: v6ntest}\n",
	}
}

func TestNewConfig(t *testing.T) {
	home := setupHome(t)
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "cohort.csv"), "id,age\n1,40\n")
	mustWrite(t, filepath.Join(dir, "k.pem"), "a key\n")
	v := siteValues(dir)

	text, err := v6node.RenderConfig(v)
	if err != nil {
		t.Fatalf("RenderConfig: %v", err)
	}
	for _, want := range []string{"api_key: k-v6ntest\n", "server_url: https://v6.example.org\n",
		"port: '443'\n", "api_path: /api\n", "  level: INFO\n",
		"encryption:\n  enabled: true\n  private_key: " + filepath.Join(dir, "k.pem") + "\n",
		"- label: default\n  mount_mode: ro\n  type: csv\n  uri: " + filepath.Join(dir, "cohort.csv") + "\n",
		"- label: registry\n  type: sql\n  uri: postgresql://u:pw@db.example.org/r\n",
		"node_extra_env:\n  SITE: v6ntest\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the rendered config lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "mount_mode") != 1 {
		t.Errorf("a database without a mount mode got one:\n%s", text)
	}
	if _, err := os.Stat(filepath.Dir(v.Path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("RenderConfig wrote something: %v", err)
	}

	path, err := v6node.NewConfig(v)
	if err != nil {
		t.Fatalf("NewConfig: %v", err)
	}
	if path != v.Path {
		t.Errorf("NewConfig returned %q, want %q", path, v.Path)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("the config's mode is %o, want 600 (it holds the API key)", st.Mode().Perm())
	}
	if got, _ := os.ReadFile(path); string(got) != text {
		t.Errorf("NewConfig wrote:\n%s\nRenderConfig gave:\n%s", got, text)
	}

	// The config loads: its spec builds (no engine), with the node's name.
	node, err := v6node.OpenConfig(path, v6node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	spec, err := node.Spec()
	if err != nil {
		t.Fatalf("the spec of the new config: %v", err)
	}
	if spec.ContainerName() != "vantage6-v6ntest-site-user" || !strings.Contains(string(spec.JSON()), "SITE") {
		t.Errorf("the spec: %s", spec.JSON())
	}

	// An existing config is kept without Force, and replaced with it.
	v.APIKey = "k-other"
	if _, err := v6node.NewConfig(v); !errors.Is(err, v6node.ErrConflict) || !strings.Contains(err.Error(), path) {
		t.Errorf("NewConfig over an existing config: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != text {
		t.Errorf("a refused NewConfig changed the config")
	}
	v.Force = true
	if _, err := v6node.NewConfig(v); err != nil {
		t.Fatalf("NewConfig with Force: %v", err)
	}
	if got, _ := os.ReadFile(path); !strings.Contains(string(got), "api_key: k-other\n") {
		t.Errorf("Force did not replace the config:\n%s", got)
	}
	if names := dirEntries(t, filepath.Dir(path)); len(names) != 1 {
		t.Errorf("the config folder holds %q, want the config alone", names)
	}

	// By name: the user's vantage6 config folder; task_dir defaults to the
	// node's data folder; port 7601 for http.
	path, err = v6node.NewConfig(v6node.ConfigValues{Name: "v6ntest-byname", APIKey: "k",
		ServerURL: "http://127.0.0.1"})
	if err != nil {
		t.Fatalf("NewConfig by name: %v", err)
	}
	if want := filepath.Join(home, ".config", "vantage6", "node", "v6ntest-byname.yaml"); path != want {
		t.Errorf("NewConfig by name wrote %s, want %s", path, want)
	}
	data, err := v6node.DataFolder("v6ntest-byname", v6node.ScopeUser)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".local", "share", "vantage6", "node", "v6ntest-byname"); data != want {
		t.Errorf("DataFolder: %s, want %s", data, want)
	}
	got, _ := os.ReadFile(path)
	for _, want := range []string{"task_dir: " + data + "\n", "port: '7601'\n", "  enabled: false\n",
		"  private_key: ''\n", "  level: DEBUG\n", "databases: []\n"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the config by name lacks %q:\n%s", want, got)
		}
	}
	if node, err := v6node.Open("v6ntest-byname", v6node.Options{}); err != nil || node.ConfigPath() != path {
		t.Errorf("Open finds %v, %v", node, err)
	} else {
		node.Close()
	}
}

// Bad values are refused with the key at fault, before anything is written.
func TestNewConfigRefusals(t *testing.T) {
	setupHome(t)
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "cohort.csv"), "id\n1\n")
	cases := []struct {
		change func(*v6node.ConfigValues)
		class  error
		key    string
	}{
		{func(v *v6node.ConfigValues) { v.Databases[0].Label = "1st" }, v6node.ErrConfig, "databases[0].label"},
		{func(v *v6node.ConfigValues) { v.Databases[1].Label = "" }, v6node.ErrConfig, "databases[1].label"},
		{func(v *v6node.ConfigValues) { v.Databases[1].Label = "default" }, v6node.ErrConfig, "databases[1].label"},
		{func(v *v6node.ConfigValues) { v.Databases[0].Type = "" }, v6node.ErrConfig, "databases[0].type"},
		{func(v *v6node.ConfigValues) { v.Databases[1].MountMode = "ro" }, v6node.ErrConfig, "databases[1].mount_mode"},
		{func(v *v6node.ConfigValues) { v.APIKey = "" }, v6node.ErrConfig, "api_key"},
		{func(v *v6node.ConfigValues) { v.ServerURL = "" }, v6node.ErrConfig, "server_url"},
		{func(v *v6node.ConfigValues) { v.LogLevel = "VERBOSE" }, v6node.ErrConfig, "logging.level"},
		{func(v *v6node.ConfigValues) { v.ExtraYAML = "api_key: again\n" }, v6node.ErrConfig, "api_key"},
		{func(v *v6node.ConfigValues) { v.ExtraYAML = "[1, 2]" }, v6node.ErrConfig, "extra_yaml"},
		{func(v *v6node.ConfigValues) { v.Path = ""; v.Name = "bad name" }, v6node.ErrConfig, "name"},
		{func(v *v6node.ConfigValues) { v.Name = "other" }, v6node.ErrConfig, "name"},
		{func(v *v6node.ConfigValues) { v.APIKey = "k\x00" }, v6node.ErrInvalid, "api_key"},
		{func(v *v6node.ConfigValues) { v.Databases[1].URI = "x\x00" }, v6node.ErrInvalid, "databases[1].uri"},
		{func(v *v6node.ConfigValues) { v.Scope = v6node.Scope(5) }, v6node.ErrInvalid, "scope"},
	}
	for i, c := range cases {
		v := siteValues(dir)
		c.change(&v)
		_, rerr := v6node.RenderConfig(v)
		_, err := v6node.NewConfig(v)
		if !errors.Is(err, c.class) || errKey(err) != c.key {
			t.Errorf("case %d: NewConfig: %v (key %q), want %v naming %s", i, err, errKey(err), c.class, c.key)
		} else if c.class == v6node.ErrConfig && !strings.Contains(err.Error(), c.key) {
			t.Errorf("case %d: the message does not name %s: %v", i, c.key, err)
		}
		if !errors.Is(rerr, c.class) || errKey(rerr) != c.key {
			t.Errorf("case %d: RenderConfig: %v, want %v naming %s", i, rerr, c.class, c.key)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "conf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused config left %q", dirEntries(t, filepath.Join(dir, "conf")))
	}

	// An unwritable folder: ErrIO (root can write anywhere, so the folder's
	// place is taken by a file).
	v := siteValues(dir)
	mustWrite(t, filepath.Join(dir, "blocked"), "a file\n")
	v.Path = filepath.Join(dir, "blocked", "v6ntest-site.yaml")
	if _, err := v6node.NewConfig(v); !errors.Is(err, v6node.ErrIO) {
		t.Errorf("NewConfig in a folder that is a file: %v", err)
	}
}

func TestSetAPIKey(t *testing.T) {
	home := setupHome(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "v6ntest-edit.yaml")
	before := `# the node of site A
api_key:   "old-key"   # from the server's UI
server_url: http://127.0.0.1   # dev
port: 7601
api_path: /api
task_dir: /tmp/t
databases: []   # none yet
logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, datefmt: y}
encryption:
  enabled: false

# the end
`
	mustWrite(t, path, before)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	node, err := v6node.OpenConfig(path, v6node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	if err := node.SetAPIKey("new key: 'quoted' \"too\""); err != nil {
		t.Fatalf("SetAPIKey: %v", err)
	}
	got, _ := os.ReadFile(path)
	want := strings.Replace(before, `"old-key"`, `"new key: 'quoted' \"too\""`, 1)
	if string(got) != want {
		t.Errorf("SetAPIKey changed more than the key:\n%s\nwant:\n%s", got, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("SetAPIKey changed the mode to %o", st.Mode().Perm())
	}
	if _, err := node.Spec(); err != nil {
		t.Errorf("the edited config: %v", err)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("the folder holds %q after the edit", names)
	}
	if err := node.SetAPIKey("nul\x00"); !errors.Is(err, v6node.ErrInvalid) {
		t.Errorf("SetAPIKey with a NUL byte: %v", err)
	}

	// A node without a config: the message lists where it was looked for.
	absent, err := v6node.Open("v6ntest-absent", v6node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = absent.SetAPIKey("k")
	if !errors.Is(err, v6node.ErrNotFound) || !strings.Contains(err.Error(), filepath.Join(home, ".config")) {
		t.Errorf("SetAPIKey of a node without a config: %v", err)
	}
	absent.Close()
	if err := absent.SetAPIKey("k"); !errors.Is(err, v6node.ErrInvalid) {
		t.Errorf("SetAPIKey after Close: %v", err)
	}
}

// writeKey writes a new RSA key of bits as vantage6 writes one (PKCS#1 PEM).
func writeKey(t *testing.T, path string, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, path, string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})))
	return k
}

// uploadForm is the public key as vantage6 uploads it: the base64 of its PEM.
func uploadForm(t *testing.T, pub *rsa.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestKeysAndFolders(t *testing.T) {
	home := setupHome(t)
	p, err := v6node.PrivateKeyPath("Org One", v6node.ScopeUser)
	if want := filepath.Join(home, ".local", "share", "vantage6", "node", "privkey_Org One.pem"); err != nil || p != want {
		t.Errorf("PrivateKeyPath(user): %q, %v; want %s", p, err, want)
	}
	if p, err := v6node.PrivateKeyPath("x", v6node.ScopeSystem); err != nil || p != "/usr/local/share/vantage6/node/privkey_x.pem" {
		t.Errorf("PrivateKeyPath(system): %q, %v", p, err)
	}
	for _, bad := range []string{"", "a/b", "tab\there", "nul\x00"} {
		if _, err := v6node.PrivateKeyPath(bad, v6node.ScopeUser); !errors.Is(err, v6node.ErrInvalid) {
			t.Errorf("PrivateKeyPath(%q): %v", bad, err)
		}
	}
	if d, err := v6node.DataFolder("alpha", v6node.ScopeSystem); err != nil || d != "/usr/local/share/vantage6/node/alpha" {
		t.Errorf("DataFolder(system): %q, %v", d, err)
	}
	if _, err := v6node.DataFolder("a/b", v6node.ScopeUser); !errors.Is(err, v6node.ErrInvalid) {
		t.Errorf("DataFolder of a bad name: %v", err)
	}

	dir := t.TempDir()
	key := writeKey(t, filepath.Join(dir, "k.pem"), 1024)
	pub, err := v6node.PublicKey(filepath.Join(dir, "k.pem"))
	if err != nil || pub != uploadForm(t, &key.PublicKey) {
		t.Errorf("PublicKey: %q, %v", pub, err)
	}
	if _, err := v6node.PublicKey(filepath.Join(dir, "none.pem")); !errors.Is(err, v6node.ErrNotFound) {
		t.Errorf("PublicKey of no file: %v", err)
	}
	mustWrite(t, filepath.Join(dir, "junk.pem"), "not a key\n")
	if _, err := v6node.PublicKey(filepath.Join(dir, "junk.pem")); !errors.Is(err, v6node.ErrConfig) {
		t.Errorf("PublicKey of a file that is no key: %v", err)
	}
}

// ---- CreatePrivateKey against the stand-in vantage6 server ----------------------

type fakeServer struct {
	port int
	cmd  *exec.Cmd
}

// startServer starts fake_v6server.py with args; it is stopped at the end
// of the test.
func startServer(t *testing.T, args ...string) *fakeServer {
	t.Helper()
	script := os.Getenv("V6NODE_FAKE_V6SERVER")
	if script == "" {
		script = filepath.Join(fixturesDir(t), "..", "integration", "fake_v6server.py")
	}
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no stand-in server (set V6NODE_FAKE_V6SERVER): %v", err)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skipf("no python3 for the stand-in server: %v", err)
	}
	cmd := exec.Command(python, append([]string{script}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{cmd: cmd}
	t.Cleanup(s.stop)
	ports := make(chan int, 1)
	go func() {
		port := 0
		if line, err := bufio.NewReader(out).ReadString('\n'); err == nil {
			fmt.Sscanf(line, "PORT %d", &port)
		}
		ports <- port
	}()
	select {
	case s.port = <-ports:
	case <-time.After(30 * time.Second):
	}
	if s.port == 0 {
		t.Fatalf("the stand-in server did not start")
	}
	return s
}

func (s *fakeServer) stop() {
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
		s.cmd = nil
	}
}

type request struct {
	Method string
	Path   string
	Auth   bool
	JSON   map[string]interface{}
}

// requests returns what the server was asked so far.
func (s *fakeServer) requests(t *testing.T) []request {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/requests", s.port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reqs []request
	if err := json.NewDecoder(resp.Body).Decode(&reqs); err != nil {
		t.Fatal(err)
	}
	return reqs
}

func requestLines(reqs []request) string {
	var l []string
	for _, r := range reqs {
		l = append(l, r.Method+" "+r.Path)
	}
	return strings.Join(l, ", ")
}

// keyNode writes a config whose server is s (encryption on, no key yet) and
// opens it.
func keyNode(t *testing.T, s *fakeServer) (node *v6node.Node, config, before string) {
	t.Helper()
	config = filepath.Join(t.TempDir(), "conf", "v6ntest-srv.yaml")
	before = fmt.Sprintf(`# a node for the upload tests
api_key: k
server_url: http://127.0.0.1
port: %d
api_path: /api
task_dir: /tmp/t
databases: []
logging: {level: INFO, use_console: true, backup_count: 5, max_size: 1024, format: x, datefmt: y}
encryption:
  enabled: true
`, s.port)
	mustWrite(t, config, before)
	node, err := v6node.OpenConfig(config, v6node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	return node, config, before
}

// unchanged fails the test when the config changed, a key was written or
// a public key uploaded.
func unchanged(t *testing.T, s *fakeServer, config, before, key string) {
	t.Helper()
	if now, _ := os.ReadFile(config); string(now) != before {
		t.Errorf("the config changed:\n%s", now)
	}
	if _, err := os.Stat(key); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key was written: %v", err)
	}
	for _, r := range s.requests(t) {
		if r.Method == "PATCH" {
			t.Errorf("a public key was uploaded: %+v", r)
		}
	}
}

func TestCreatePrivateKey(t *testing.T) {
	home := setupHome(t)
	s := startServer(t)
	node, config, before := keyNode(t, s)
	key := filepath.Join(home, ".local", "share", "vantage6", "node", "privkey_Org One.pem")

	// A wrong password changes nothing, and the error does not show it.
	_, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "not-the-password"})
	var e *v6node.Error
	if !errors.Is(err, v6node.ErrAuth) || !errors.As(err, &e) || e.Code != v6node.CodeAuth || e.HTTPStatus != 401 ||
		!strings.Contains(e.Message, "Failed to login") {
		t.Errorf("a wrong password: %#v", err)
	} else if strings.Contains(fmt.Sprintf("%v %+v %#v", err, e, e), "not-the-password") {
		t.Errorf("the error shows the password: %v", err)
	}
	unchanged(t, s, config, before, key)
	if got := requestLines(s.requests(t)); got != "POST /api/token/user" {
		t.Errorf("requests after a wrong password: %s", got)
	}

	// The whole flow: login, a new 4096-bit key, the config, the upload.
	begin := time.Now()
	path, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland",
		Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("CreatePrivateKey: %v", err)
	}
	t.Logf("CreatePrivateKey took %v", time.Since(begin).Round(time.Millisecond))
	if path != key {
		t.Errorf("the key is %s, want %s", path, key)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v, %v", st, err)
	}
	raw, _ := os.ReadFile(key)
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		t.Fatalf("the key is not PKCS#1 PEM: %.40q", raw)
	}
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || priv.N.BitLen() != 4096 || priv.E != 65537 {
		t.Fatalf("the key: %v, %d bits", err, priv.N.BitLen())
	}
	if now, _ := os.ReadFile(config); string(now) != before+"  private_key: "+key+"\n" {
		t.Errorf("the config after CreatePrivateKey:\n%s", now)
	}
	reqs := s.requests(t)[1:]
	if got := requestLines(reqs); got != "POST /api/token/user, GET /api/user/7, GET /api/organization/3, "+
		"PATCH /api/organization/3" {
		t.Errorf("requests: %s", got)
	} else {
		if reqs[0].JSON["username"] != "alice" || reqs[0].JSON["password"] != "wonderland" || reqs[0].JSON["mfa_code"] != nil {
			t.Errorf("the login: %+v", reqs[0].JSON)
		}
		if !reqs[3].Auth || reqs[3].JSON["public_key"] != uploadForm(t, &priv.PublicKey) {
			t.Errorf("the upload: %+v", reqs[3])
		}
	}
	if pub, err := v6node.PublicKey(key); err != nil || pub != uploadForm(t, &priv.PublicKey) {
		t.Errorf("PublicKey of the new key: %v", err)
	}

	// Again, without Overwrite: the same key, uploaded again; the config is
	// as it was. With Overwrite: a new key.
	afterFirst, _ := os.ReadFile(config)
	if path, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland"}); err != nil || path != key {
		t.Errorf("CreatePrivateKey of an existing key: %q, %v", path, err)
	}
	if again, _ := os.ReadFile(key); string(again) != string(raw) {
		t.Errorf("the existing key was replaced without Overwrite")
	}
	if now, _ := os.ReadFile(config); string(now) != string(afterFirst) {
		t.Errorf("the config changed:\n%s", now)
	}

	// No upload with the organization named: no login, no request.
	n := len(s.requests(t))
	other := filepath.Join(t.TempDir(), "keys", "other.pem")
	if path, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Organization: "Org One", NoUpload: true,
		KeyPath: other}); err != nil || path != other {
		t.Errorf("CreatePrivateKey without upload: %q, %v", path, err)
	}
	if reqs := s.requests(t); len(reqs) != n {
		t.Errorf("CreatePrivateKey without upload asked the server: %s", requestLines(reqs[n:]))
	}
	if now, _ := os.ReadFile(config); !strings.HasSuffix(string(now), "  private_key: "+other+"\n") {
		t.Errorf("the config points elsewhere:\n%s", now)
	}
	// ...but a login is needed to learn the organization, or to upload.
	for _, o := range []v6node.PrivateKeyOptions{{NoUpload: true}, {Organization: "Org One"}} {
		if _, err := node.CreatePrivateKey(o); !errors.Is(err, v6node.ErrInvalid) || errKey(err) != "login" {
			t.Errorf("CreatePrivateKey(%v) without a login: %v", o, err)
		}
	}

	// Bad arguments; a closed node.
	if _, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "a\x00secret"}); !errors.Is(err, v6node.ErrInvalid) ||
		strings.Contains(err.Error(), "secret") {
		t.Errorf("a password with a NUL byte: %v", err)
	}
	if _, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Timeout: -time.Second}); !errors.Is(err, v6node.ErrInvalid) {
		t.Errorf("a negative timeout: %v", err)
	}

	// The options never show the password or the MFA code.
	o := v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland", MFACode: "123456"}
	for _, shown := range []string{fmt.Sprint(o), fmt.Sprintf("%v %+v %#v %s", o, o, o, o), fmt.Sprintf("%+v", &o)} {
		if strings.Contains(shown, "wonderland") || strings.Contains(shown, "123456") || !strings.Contains(shown, "alice") {
			t.Errorf("the options shown: %s", shown)
		}
	}

	// No server there.
	s.stop()
	os.Remove(key)
	mustWrite(t, config, before)
	_, err = node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland",
		Timeout: 2 * time.Second})
	if !errors.Is(err, v6node.ErrUnavailable) {
		t.Errorf("no server: %v", err)
	}
	if now, _ := os.ReadFile(config); string(now) != before {
		t.Errorf("the config changed without a server")
	}
}

// Another organization, found by its exact name, by a user who may set any
// organization's key (a password with quotes and a non-ASCII letter); one
// who may not gets ErrAuth with the server's message.
func TestCreatePrivateKeyNamedOrganization(t *testing.T) {
	home := setupHome(t)
	s := startServer(t)
	node, _, _ := keyNode(t, s)
	key := filepath.Join(home, ".local", "share", "vantage6", "node", "privkey_Org_One.pem")
	k := writeKey(t, key, 1024) // an existing key is used (and quick)
	password := "r00t pw \"q\" \u00e9"
	if _, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "root", Password: password,
		Organization: "Org_One"}); err != nil {
		t.Fatalf("CreatePrivateKey for Org_One: %v", err)
	}
	reqs := s.requests(t)
	if got := requestLines(reqs); got != "POST /api/token/user, GET /api/user/1, GET /api/organization/3, "+
		"GET /api/organization?name=Org_One&per_page=1000, PATCH /api/organization/5" {
		t.Errorf("requests: %s", got)
	} else if reqs[0].JSON["password"] != password || reqs[4].JSON["public_key"] != uploadForm(t, &k.PublicKey) {
		t.Errorf("the login %+v or the upload %+v", reqs[0].JSON, reqs[4].JSON)
	}

	_, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland",
		Organization: "Other Org", KeyPath: key})
	if !errors.Is(err, v6node.ErrAuth) || !strings.Contains(err.Error(), "You lack the permission") {
		t.Errorf("alice sets another organization's key: %v", err)
	}
	_, err = node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland",
		Organization: "Nobody", KeyPath: key})
	if !errors.Is(err, v6node.ErrNotFound) || !strings.Contains(err.Error(), "'Nobody'") {
		t.Errorf("an organization that does not exist: %v", err)
	}
}

// A server that asks for a two-factor code: given up front it is sent; a
// wrong or missing one is ErrAuth, and the code never shows.
func TestCreatePrivateKeyMFA(t *testing.T) {
	home := setupHome(t)
	s := startServer(t, "--mfa", "123456")
	node, config, before := keyNode(t, s)
	key := filepath.Join(home, ".local", "share", "vantage6", "node", "privkey_Org One.pem")

	_, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland", MFACode: "000000"})
	if !errors.Is(err, v6node.ErrAuth) || !strings.Contains(err.Error(), "two-factor authentication code is incorrect") ||
		strings.Contains(err.Error(), "000000") || strings.Contains(err.Error(), "wonderland") {
		t.Errorf("a wrong code: %v", err)
	}
	_, err = node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland"})
	if !errors.Is(err, v6node.ErrAuth) || !strings.Contains(err.Error(), "asks for a two-factor") {
		t.Errorf("no code: %v", err)
	}
	unchanged(t, s, config, before, key)

	writeKey(t, key, 1024)
	if _, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "alice", Password: "wonderland",
		MFACode: "123456"}); err != nil {
		t.Fatalf("CreatePrivateKey with the code: %v", err)
	}
	reqs := s.requests(t)
	last := reqs[len(reqs)-4:]
	if got := requestLines(last); got != "POST /api/token/user, GET /api/user/7, GET /api/organization/3, "+
		"PATCH /api/organization/3" {
		t.Errorf("requests: %s", got)
	} else if last[0].JSON["mfa_code"] != "123456" {
		t.Errorf("the login: %+v", last[0].JSON)
	}
}

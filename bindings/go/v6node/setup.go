package v6node

// The setup half of `v6 node`: new configs (`new`), one-value edits
// (`set-api-key`), encryption keys (`create-private-key`) and the running
// node's version (`version`), over the v6ni_ helpers of v6node.i.

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// Database is one entry of a new config's `databases`.
type Database struct {
	// Label identifies the database: ASCII letters, digits and '_', not
	// starting with a digit; unique in the config.
	Label string
	// URI is a file or folder path, or a URI (postgresql://...). A relative
	// path of a file-based type is written absolute against
	// ConfigValues.WorkingDir when that is set.
	URI string
	// Type is csv, parquet, excel, folder (the file-based types), sql,
	// sparql, omop or other.
	Type string
	// MountMode is "copy" or "ro" (ro for file-based types only); "" writes
	// none (vantage6 then copies).
	MountMode string
}

// ConfigValues describe a new node config for NewConfig and RenderConfig:
// where it goes and what it says. The zero value of a field means the
// default, which is what the `v6 node new` wizard offers; APIKey and
// ServerURL are required. The config is written as the wizard saves it
// (sorted keys, block style), with the wizard's logging section.
//
// Each string field names its field of the library's values (v6n tag).
type ConfigValues struct {
	// Name is the node name (the file's stem), ^[a-zA-Z0-9_.-]+$.
	Name string `v6n:"name"`
	// Scope: NAME.yaml goes in the scope's config folder (ConfigFolder);
	// the scope also decides the default TaskDir.
	Scope Scope
	// ConfigDir puts NAME.yaml in this folder instead.
	ConfigDir string `v6n:"config_dir"`
	// Path is exactly the file to write instead; its stem is the node name
	// (Name may then be "", else it must be that stem).
	Path string `v6n:"path"`
	// Force replaces an existing config (else NewConfig fails with
	// ErrConflict).
	Force bool

	// APIKey is the node's API key from the server (required).
	APIKey string `v6n:"api_key"`
	// ServerURL is the server, e.g. https://v6.example.org (required; a
	// trailing '/' is removed, as the wizard does).
	ServerURL string `v6n:"server_url"`
	// Port defaults to "443" for an https:// ServerURL, else "7601"; it is
	// written as a string, as the wizard writes it.
	Port string `v6n:"port"`
	// APIPath defaults to "/api".
	APIPath string `v6n:"api_path"`
	// TaskDir defaults to the node's data folder in Scope (DataFolder).
	TaskDir string `v6n:"task_dir"`
	// Databases are the node's databases, in order.
	Databases []Database
	// Encryption is encryption.enabled.
	Encryption bool
	// PrivateKey is encryption.private_key; default "" (the node then uses
	// private_key.pem in its data folder). vantage6 reads a relative path
	// relative to the node's data folder, not to the config's.
	PrivateKey string `v6n:"private_key"`
	// LogLevel is logging.level: DEBUG (the default), INFO, WARNING, ERROR
	// or CRITICAL.
	LogLevel string `v6n:"log_level"`
	// ExtraYAML adds more top-level keys, as the text of a YAML mapping
	// (policies, vpn_subnet, node_extra_env, directories...); it may not
	// repeat a key written from the fields above.
	ExtraYAML string `v6n:"extra_yaml"`
	// WorkingDir, when set, makes a relative PrivateKey and the relative
	// path of a file-based database absolute against this folder (what a
	// path typed on a command line means); "": written as given.
	WorkingDir string `v6n:"working_dir"`
}

// valuesError is the error of a v6ni_values_* call, which returns its code
// without recording an error.
func valuesError(rc int, field string) error {
	if Code(rc) == CodeNoMemory {
		return newError(CodeNoMemory, "v6node: out of memory", field)
	}
	return newError(Code(rc), fmt.Sprintf("v6node: the library takes no config value %q (%s)",
		field, Code(rc)), field)
}

// withRawValues makes the library's values from v, passes them to f and
// frees them.
func withRawValues(v ConfigValues, f func(rawValues) error) error {
	if err := v.Scope.check(); err != nil {
		return err
	}
	var x rawValues
	if err := cCall(func() bool { x = v6nraw.Values_new(); return !isNull(x) }); err != nil {
		return err
	}
	defer v6nraw.Values_free(x)

	rv := reflect.ValueOf(v)
	for i := 0; i < rv.NumField(); i++ {
		field := rv.Type().Field(i).Tag.Get("v6n")
		if field == "" {
			continue
		}
		s := rv.Field(i).String()
		if s == "" {
			continue // the default (a Go string cannot say NULL)
		}
		if err := checkString(field, s); err != nil {
			return err
		}
		if rc := v6nraw.Values_set(x, field, s); rc != 0 {
			return valuesError(rc, field)
		}
	}
	for _, f := range []struct {
		name  string
		value int
	}{{"scope", int(v.Scope)}, {"force", boolInt(v.Force)}, {"encryption", boolInt(v.Encryption)}} {
		if rc := v6nraw.Values_set_int(x, f.name, f.value); rc != 0 {
			return valuesError(rc, f.name)
		}
	}
	for i, db := range v.Databases {
		for _, f := range []struct{ name, value string }{{"label", db.Label}, {"uri", db.URI},
			{"type", db.Type}, {"mount_mode", db.MountMode}} {
			if err := checkString(fmt.Sprintf("databases[%d].%s", i, f.name), f.value); err != nil {
				return err
			}
		}
		// An empty MountMode reaches the library as NULL (v6nraw.swig).
		if rc := v6nraw.Values_add_database(x, db.Label, db.URI, db.Type, db.MountMode); rc != 0 {
			return valuesError(rc, fmt.Sprintf("databases[%d]", i))
		}
	}
	return f(x)
}

// RenderConfig returns the YAML text of the config v describes, validated
// as NewConfig validates it, without writing anything (a preview). It
// holds the API key. Errors as NewConfig's, except those of writing.
func RenderConfig(v ConfigValues) (string, error) {
	var text string
	err := withRawValues(v, func(x rawValues) error {
		return cCall(func() bool { text = v6nraw.Values_render(x); return text != "" })
	})
	return text, err
}

// NewConfig creates a node config, as `v6 node new` does, and returns its
// absolute path. The text is rendered, then checked by the same validator
// that loading uses and by the start checks that need no files (database
// labels, mount modes...) before anything is written. The file is written
// atomically (a temporary file in the same folder, mode 0600 since it holds
// the API key, then moved into place); the folder is created when missing.
// An existing config is replaced only with v.Force. After a failure nothing
// is left behind (a folder created on the way may remain).
//
// Errors: ErrConfig (a bad or missing value; Error.Key names it, e.g.
// "databases[1].label" or "api_key"), ErrConflict (the config exists),
// ErrIO (the folder or file cannot be written), ErrInvalid (a bad scope, a
// NUL byte).
func NewConfig(v ConfigValues) (string, error) {
	var path string
	err := withRawValues(v, func(x rawValues) error {
		return cCall(func() bool { path = v6nraw.Values_create(x); return path != "" })
	})
	return path, err
}

// DataFolder returns the data folder of node name in scope, as vantage6
// computes it (user: $XDG_DATA_HOME/vantage6/node/NAME, by default
// ~/.local/share/vantage6/node/NAME; system:
// /usr/local/share/vantage6/node/NAME): the default task_dir of a new
// config, and where vantage6 looks for a relative private key. Errors:
// ErrInvalid (not a node name), ErrIO (no home folder).
func DataFolder(name string, scope Scope) (string, error) {
	if err := checkString("name", name); err != nil {
		return "", err
	}
	if err := scope.check(); err != nil {
		return "", err
	}
	var dir string
	err := cCall(func() bool {
		dir = v6nraw.Node_data_folder(name, v6nraw.Enum_SS_v6n_scope(scope))
		return dir != ""
	})
	return dir, err
}

// PrivateKeyPath returns where `v6 node create-private-key` keeps the key of
// organization in scope: <the scope's vantage6 data folder>/node/
// privkey_<organization>.pem (user: ~/.local/share/vantage6/node, system:
// /usr/local/share/vantage6/node). Errors: ErrInvalid (an organization that
// is empty or holds '/' or a control character), ErrIO (no home folder).
func PrivateKeyPath(organization string, scope Scope) (string, error) {
	if err := checkString("organization", organization); err != nil {
		return "", err
	}
	if err := scope.check(); err != nil {
		return "", err
	}
	var path string
	err := cCall(func() bool {
		path = v6nraw.Private_key_path(v6nraw.Enum_SS_v6n_scope(scope), organization)
		return path != ""
	})
	return path, err
}

// PublicKey returns the public key of the RSA private key in the PEM file
// privateKeyPath as vantage6 uploads it to the server: the base64 (one
// line) of its PEM SubjectPublicKeyInfo. Errors: ErrNotFound (no such
// file), ErrIO, ErrConfig (not an RSA private key in PEM).
func PublicKey(privateKeyPath string) (string, error) {
	if err := checkString("private_key_path", privateKeyPath); err != nil {
		return "", err
	}
	var key string
	err := cCall(func() bool { key = v6nraw.Public_key_get(privateKeyPath); return key != "" })
	return key, err
}

// configMissing is the error of a call that needs the node's config when
// none was found at Open: the library's own (it lists the folders
// searched), which building the spec gives before doing anything else.
func (n *Node) configMissing() error {
	err := cCall(func() bool { return v6nraw.Spec_json(n.raw) != "" })
	if err == nil { // not expected: a handle keeps the config path it was opened with
		err = newError(CodeNotFound, fmt.Sprintf("v6node: node %s had no config when it was opened", n.name), "")
	}
	return err
}

// SetAPIKey sets api_key in the node's config (ConfigPath), as
// `v6 node set-api-key` does, changing only the bytes of that value: every
// other byte, comments and formatting included, stays as it was. The edited
// file must load before it replaces the old one, atomically, keeping its
// mode. Errors: ErrNotFound (the node has no config; the message lists the
// folders searched), ErrConfig (the config or the edited config does not
// load), ErrInvalid (a value that is not UTF-8, a NUL byte), ErrIO.
func (n *Node) SetAPIKey(key string) error {
	if err := checkString("api_key", key); err != nil {
		return err
	}
	if err := n.lock(); err != nil {
		return err
	}
	defer n.mu.Unlock()
	if n.config == "" {
		return n.configMissing()
	}
	return cCall(func() bool { return v6nraw.Config_set_api_key(n.config, key) == 0 })
}

// PrivateKeyOptions say how CreatePrivateKey sets up a node's encryption
// key. The zero value makes or reuses the key of the user's organization
// and uploads it, which needs a login: Username and Password.
//
// Password and MFACode are sent to the node's server only; they never
// appear in an error, and the options' String method hides them.
type PrivateKeyOptions struct {
	// Username and Password log in to the node's server as a user, as
	// vantage6's UserClient does. A login is needed to upload the public
	// key, and to learn the organization when Organization is "".
	Username string
	Password string
	// MFACode is the two-factor code, sent with the login when the server
	// asks for one (there is no prompt: without it such a login fails with
	// ErrAuth).
	MFACode string
	// Organization names the key file privkey_<Organization>.pem
	// (PrivateKeyPath) and the organization whose public key is set; ""
	// is the logged-in user's organization.
	Organization string
	// KeyPath writes the key to this file instead.
	KeyPath string
	// Overwrite makes a new key even when the file exists (else the
	// existing key is used).
	Overwrite bool
	// NoUpload does not upload the public key (no login is then needed when
	// Organization is given).
	NoUpload bool
	// Timeout is the time per request to the server (default 10 s), in
	// whole milliseconds.
	Timeout time.Duration
}

// String describes the options with the password and the MFA code hidden.
func (o PrivateKeyOptions) String() string {
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	return fmt.Sprintf("{Username:%s Password:%s MFACode:%s Organization:%s KeyPath:%s Overwrite:%t "+
		"NoUpload:%t Timeout:%v}", o.Username, hide(o.Password), hide(o.MFACode), o.Organization,
		o.KeyPath, o.Overwrite, o.NoUpload, o.Timeout)
}

// GoString is String (for %#v).
func (o PrivateKeyOptions) GoString() string { return "v6node.PrivateKeyOptions" + o.String() }

// CreatePrivateKey sets up the node's encryption key, as
// `v6 node create-private-key` does, and returns the key file's path: it
// logs in to the node's server when a login is needed (first, so that a
// wrong password changes nothing); makes a 4096-bit RSA key (mode 0600) at
// opts.KeyPath or PrivateKeyPath(organization, scope), unless one is there
// and opts.Overwrite is off; sets encryption.private_key in the config to
// the key's absolute path (nothing else in the file changes); then, unless
// opts.NoUpload, sets the organization's public key on the server. If the
// upload fails, the key and the config change stay (call it again without
// Overwrite to upload the same key).
//
// Errors: ErrAuth (wrong username, password or MFA code, with the server's
// message; MFA not set up yet; or the user may not change that
// organization), ErrUnavailable (no server there, or no answer in time),
// ErrEngine (an unexpected answer of the server; Error.HTTPStatus),
// ErrNotFound (the node has no config; no organization of that name),
// ErrInvalid (no login given when one is needed; Error.Key is "login"),
// ErrConflict, ErrIO, ErrConfig (the config does not load), ErrFailed
// (libcrypto failed).
func (n *Node) CreatePrivateKey(opts PrivateKeyOptions) (string, error) {
	for _, s := range []struct{ what, value string }{{"username", opts.Username},
		{"password", opts.Password}, {"mfa_code", opts.MFACode}, {"organization", opts.Organization},
		{"key_path", opts.KeyPath}} {
		if err := checkString(s.what, s.value); err != nil {
			return "", err
		}
	}
	if opts.Timeout < 0 {
		return "", newError(CodeInvalid, fmt.Sprintf("v6node: negative timeout %v", opts.Timeout), "timeout")
	}
	if err := n.lock(); err != nil {
		return "", err
	}
	defer n.mu.Unlock()
	var path string
	// An empty Username reaches the library as NULL: no login (v6nraw.swig).
	err := cCall(func() bool {
		path = v6nraw.Node_private_key_create(n.raw, opts.Organization, opts.KeyPath,
			boolInt(opts.Overwrite), boolInt(!opts.NoUpload), opts.Username, opts.Password,
			opts.MFACode, millis(opts.Timeout))
		return path != ""
	})
	return path, err
}

// Version returns the version of the running node, as `v6 node version`
// asks it: the output of `vnode-local version` in its container, through
// the engine's exec API (trailing white space removed). It needs no
// config. ctx is checked before the request is made (an ended context
// gives an error matching ErrCanceled and ctx.Err()); a request under way
// runs to its end, which the engine's RequestTimeout bounds when the
// command stays silent. The library's own version is Version().
//
// Errors: ErrNotFound (the node is not running), ErrEngine (the command
// failed: the message has its exit code and output), ErrUnavailable,
// ErrCanceled.
func (n *Node) Version(ctx context.Context, e *Engine) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", canceled(err, nil)
	}
	var v string
	err := n.withClient(e, func(c rawClient) error {
		return cCall(func() bool {
			v = v6nraw.Node_version(n.raw, c)
			// A node may print an empty version: only a recorded error fails.
			return v != "" || Code(v6nraw.Error_last().GetCode()) == CodeOK
		})
	})
	return v, err
}

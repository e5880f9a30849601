package v6node

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// Scope is where a node lives: the user's vantage6 folders (the default, as
// in vantage6) or the system's. It decides the config folder, the container
// and volume names, the data and log folders and a label.
type Scope int

const (
	ScopeUser   Scope = 0 // ~/.config/vantage6/node, container vantage6-NAME-user
	ScopeSystem Scope = 1 // /etc/vantage6/node, container vantage6-NAME-system
)

// String returns "user" or "system".
func (s Scope) String() string {
	if s.check() != nil {
		return fmt.Sprintf("Scope(%d)", int(s))
	}
	return v6nraw.Scope_name(v6nraw.Enum_SS_v6n_scope(s))
}

func (s Scope) check() error {
	if s != ScopeUser && s != ScopeSystem {
		return newError(CodeInvalid, fmt.Sprintf("v6node: invalid scope %d", int(s)), "scope")
	}
	return nil
}

// PullPolicy is how Start obtains the node image.
type PullPolicy int

const (
	// PullDefault is what `v6 node start` does: try to pull; fall back to a
	// local copy, except for the default image.
	PullDefault PullPolicy = 0
	PullMissing PullPolicy = 1 // pull only when there is no local copy
	PullAlways  PullPolicy = 2 // pull; a failed pull is an error
	PullNever   PullPolicy = 3 // never pull; the image must be present
)

// String returns "default", "missing", "always" or "never".
func (p PullPolicy) String() string {
	if n := v6nraw.Pull_policy_name(v6nraw.Enum_SS_v6n_pull_policy(p)); n != "" {
		return n
	}
	return fmt.Sprintf("PullPolicy(%d)", int(p))
}

// PathMap says that paths under Local (as this process sees them) are Host on
// the engine's host: for a caller that runs in a container itself.
type PathMap struct {
	Local string
	Host  string
}

// Options say how a node is built and started: the options of
// `v6 node start` and libv6node's additions. The zero value of every field
// means "not given": the option the node was started with (its start
// record) when it has one, else the vantage6 default.
//
// Each field is one option of libv6node's option table
// (V6N_START_OPTION_TABLE in v6node.h), named in its v6n tag, and reaches
// the library through the table's text interface (v6n_start_options_set):
// see `v6node start --help` for the same options as flags.
type Options struct {
	// Scope: the system scope (--system); default user.
	Scope Scope `v6n:"scope"`
	// Image overrides images.node and the server's version (-i).
	Image string `v6n:"image"`
	// Keep keeps the container when the node stops: no auto-remove (--keep).
	Keep bool `v6n:"keep"`
	// ForceDBMount mounts every database uri that is a path, even one that
	// does not exist here (--force-db-mount).
	ForceDBMount bool `v6n:"force_db_mount"`
	// MountSrc mounts vantage6 sources at /vantage6 (--mount-src; relative:
	// see WorkingDir).
	MountSrc string `v6n:"mount_src"`
	// Vantage6Version builds the node as that vantage6 release's
	// `v6 node start` does: a line ("4.14"), a release ("4.13.7") or "auto"
	// (the line of the node's server); default the newest, Vantage6Version().
	Vantage6Version string `v6n:"vantage6_version"`
	// ServerVersion is the server's version when known ("4.13.2"): the
	// server-version image rule without asking.
	ServerVersion string `v6n:"server_version"`
	// ConfigDir is where node configs are found instead of the scope's
	// vantage6 folder.
	ConfigDir string `v6n:"config_dir"`
	// DataDir and LogDir are the node's data and log folders (override
	// directories.data and directories.log).
	DataDir string `v6n:"data_dir"`
	LogDir  string `v6n:"log_dir"`
	// DockerSocket is the engine host's socket bound at /var/run/docker.sock
	// (default /var/run/docker.sock; see Engine.SocketPath).
	DockerSocket string `v6n:"docker_socket"`
	// The four volumes (defaults vantage6-NAME-SCOPE-vol, -vpn-vol,
	// -ssh-vol, -squid-vol).
	DataVolume  string `v6n:"data_volume" env:"DATA_VOLUME_NAME"`
	VPNVolume   string `v6n:"vpn_volume" env:"VPN_VOLUME_NAME"`
	SSHVolume   string `v6n:"ssh_volume" env:"SSH_TUNNEL_VOLUME_NAME"`
	SquidVolume string `v6n:"squid_volume" env:"SSH_SQUID_VOLUME_NAME"`
	// PrivateKey replaces encryption.private_key (relative: in the data
	// folder).
	PrivateKey string `v6n:"private_key" env:"PRIVATE_KEY"`
	// HostPaths map paths here to the engine host's paths, in order: the
	// first match wins (--host-path LOCAL=HOST).
	HostPaths []PathMap `v6n:"path_map"`
	// WorkingDir resolves relative database uris and MountSrc (--workdir);
	// default the current folder.
	WorkingDir string `v6n:"working_dir"`
	// NoLocalChecks: the files exist only on the engine's host; check and
	// resolve no path here, create no folders here.
	NoLocalChecks bool `v6n:"no_local_checks"`
	// Pull is how Start obtains the image.
	Pull PullPolicy `v6n:"pull"`
	// NoServerVersion: Start never asks the server which version it runs.
	NoServerVersion bool `v6n:"no_server_version"`
	// ServerTimeout is the time per attempt of the server-version request
	// (default 3 s), in whole milliseconds (rounded up).
	ServerTimeout time.Duration `v6n:"server_timeout_ms"`
	// ServerAttempts is the number of attempts of the server-version request
	// (default 3).
	ServerAttempts int `v6n:"server_attempts"`

	// Progress receives the events of the node's Stop and Remove, and of
	// Start and Restart when they are given no progress function of their
	// own. It is called in the goroutine that made the call. Not an option
	// of the table: the callbacks of v6n_start_options.
	Progress func(Event)
}

// WithEnvironment returns a copy of o with the environment variables
// `v6 node start` reads filled in where they are set and not empty, as the
// `v6node` tool does: DATA_VOLUME_NAME, VPN_VOLUME_NAME,
// SSH_TUNNEL_VOLUME_NAME and SSH_SQUID_VOLUME_NAME name the volumes,
// PRIVATE_KEY the private key. (libv6node itself reads only HOME and the XDG
// variables to find the vantage6 folders.)
func (o Options) WithEnvironment() Options {
	v := reflect.ValueOf(&o).Elem()
	for i := 0; i < v.NumField(); i++ {
		if name := v.Type().Field(i).Tag.Get("env"); name != "" {
			if s := os.Getenv(name); s != "" {
				v.Field(i).SetString(s)
			}
		}
	}
	return o
}

// optionText renders one option field as the text the table's interface
// takes: nil when the field is its zero value (not given), one value per
// entry for a list.
func optionText(key string, f reflect.Value) ([]string, error) {
	if f.IsZero() {
		return nil, nil
	}
	switch v := f.Interface().(type) {
	case Scope:
		if err := v.check(); err != nil {
			return nil, err
		}
		return []string{v.String()}, nil
	case PullPolicy:
		n := v6nraw.Pull_policy_name(v6nraw.Enum_SS_v6n_pull_policy(v))
		if n == "" {
			return nil, newError(CodeInvalid, fmt.Sprintf("v6node: invalid pull policy %d", int(v)), key)
		}
		return []string{n}, nil
	case time.Duration:
		if v < 0 {
			return nil, newError(CodeInvalid, fmt.Sprintf("v6node: option %s: negative duration %v", key, v), key)
		}
		return []string{strconv.FormatInt(int64((v+time.Millisecond-1)/time.Millisecond), 10)}, nil
	case string:
		return []string{v}, nil
	case bool:
		return []string{"true"}, nil
	case int:
		return []string{strconv.Itoa(v)}, nil
	case []PathMap:
		out := make([]string, 0, len(v))
		for _, m := range v {
			if strings.Contains(m.Local, "=") {
				return nil, newError(CodeInvalid,
					fmt.Sprintf("v6node: option %s: the local path %q contains '='", key, m.Local), key)
			}
			out = append(out, m.Local+"="+m.Host)
		}
		return out, nil
	}
	return nil, newError(CodeError, fmt.Sprintf("v6node: option %s has a type this package cannot pass (%s)", key, f.Type()), key)
}

// applyOptions sets every given option of src (a struct whose fields name
// their table option in a v6n tag) on dst through the table's text
// interface, which checks each value and names the option when it refuses.
func applyOptions(dst rawOptions, src interface{}) error {
	v := reflect.ValueOf(src)
	for i := 0; i < v.NumField(); i++ {
		key := v.Type().Field(i).Tag.Get("v6n")
		if key == "" {
			continue
		}
		values, err := optionText(key, v.Field(i))
		if err != nil {
			return err
		}
		for _, text := range values {
			if err := checkString(key, text); err != nil {
				return err
			}
			if err := cCall(func() bool { return v6nraw.Start_options_set(dst, key, text) == 0 }); err != nil {
				return err
			}
		}
	}
	return nil
}

// withRawOptions makes the library's options struct from src, passes it to
// f and frees it.
func withRawOptions(src interface{}, f func(rawOptions) error) error {
	var raw rawOptions
	if err := cCall(func() bool { raw = v6nraw.Options_new(); return !isNull(raw) }); err != nil {
		return err
	}
	defer v6nraw.Options_free(raw)
	if err := applyOptions(raw, src); err != nil {
		return err
	}
	return f(raw)
}

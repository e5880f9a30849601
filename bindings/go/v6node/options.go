package v6node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
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
	switch s {
	case ScopeUser:
		return "user"
	case ScopeSystem:
		return "system"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

func parseScope(s string) Scope {
	if s == "system" {
		return ScopeSystem
	}
	return ScopeUser
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
	switch p {
	case PullDefault:
		return "default"
	case PullMissing:
		return "missing"
	case PullAlways:
		return "always"
	case PullNever:
		return "never"
	}
	return fmt.Sprintf("PullPolicy(%d)", int(p))
}

// PathMap says that paths under Local (as this process sees them) are Host on
// the engine's host; for callers that run in a container themselves.
type PathMap struct {
	Local string
	Host  string
}

// Options select a node and say how it is built and started: the options of
// `v6 node start` and libv6node's additions. The zero value of every field
// means the vantage6 default. Exactly one of Name and Config must be set.
type Options struct {
	// Name is the node whose config NAME.yaml (or NAME.yml) is found in the
	// scope's config folder, else in the current directory (`-n`).
	Name string
	// Config is the node config file (`-c`); the node name is its stem. A
	// relative path is resolved against the current directory.
	Config string

	Scope        Scope  // --user (default) or --system
	Image        string // -i: overrides images.node and the server version
	Keep         bool   // --keep: no auto-remove when the node stops
	ForceDBMount bool   // --force-db-mount
	MountSrc     string // --mount-src: mounted at /vantage6 (relative: see WorkingDir)

	Pull            PullPolicy // how Start obtains the image
	NoServerVersion bool       // Start does not ask the server which version it runs
	ServerVersion   string     // the server's version when known ("4.13.2"): no request
	// Vantage6Version is the vantage6 release whose `v6 node start` the node
	// is built like: a line ("4.14"), a release ("4.13.7") or "auto" (the
	// line of the node's server). Empty: the newest, Vantage6Version.
	Vantage6Version string
	ServerTimeout   time.Duration // per attempt of the server-version request (default 3 s)
	ServerAttempts  int           // attempts of the server-version request (default 3)

	DataDir      string // overrides the data folder (and directories.data)
	LogDir       string // overrides the log folder (and directories.log)
	DockerSocket string // host path bound at /var/run/docker.sock

	DataVolume  string // default vantage6-NAME-SCOPE-vol
	VPNVolume   string // default vantage6-NAME-SCOPE-vpn-vol
	SSHVolume   string // default vantage6-NAME-SCOPE-ssh-vol
	SquidVolume string // default vantage6-NAME-SCOPE-squid-vol
	PrivateKey  string // replaces encryption.private_key (relative: in the data folder)

	// HostPaths map local paths to the engine host's paths, in order.
	HostPaths []PathMap
	// WorkingDir resolves relative database uris and MountSrc; default the
	// current directory.
	WorkingDir string
}

// WithEnvironment returns a copy of o with the variables `v6 node start`
// reads filled in where set and non-empty, as `v6node` does:
// DATA_VOLUME_NAME, VPN_VOLUME_NAME, SSH_TUNNEL_VOLUME_NAME and
// SSH_SQUID_VOLUME_NAME replace the volume names, PRIVATE_KEY the private
// key. (libv6node itself reads only HOME and the XDG variables.)
func (o Options) WithEnvironment() Options {
	set := func(field *string, name string) {
		if v := os.Getenv(name); v != "" {
			*field = v
		}
	}
	set(&o.DataVolume, "DATA_VOLUME_NAME")
	set(&o.VPNVolume, "VPN_VOLUME_NAME")
	set(&o.SSHVolume, "SSH_TUNNEL_VOLUME_NAME")
	set(&o.SquidVolume, "SSH_SQUID_VOLUME_NAME")
	set(&o.PrivateKey, "PRIVATE_KEY")
	return o
}

// hostPaths renders as a JSON object {local: host} in order (a Go map would
// lose the order, and the first matching entry wins).
type hostPaths []PathMap

func (h hostPaths) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Local)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.Host)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// The options object of the binding layer (glue.h, v6ng_spec).
type optionsJSON struct {
	Scope           string    `json:"scope,omitempty"`
	Image           string    `json:"image,omitempty"`
	Keep            bool      `json:"keep,omitempty"`
	ForceDBMount    bool      `json:"force_db_mount,omitempty"`
	MountSrc        string    `json:"mount_src,omitempty"`
	Pull            string    `json:"pull,omitempty"`
	NoServerVersion bool      `json:"no_server_version,omitempty"`
	ServerVersion   string    `json:"server_version,omitempty"`
	ServerTimeoutMS int64     `json:"server_timeout_ms,omitempty"`
	ServerAttempts  int       `json:"server_attempts,omitempty"`
	DataDir         string    `json:"data_dir,omitempty"`
	LogDir          string    `json:"log_dir,omitempty"`
	DockerSocket    string    `json:"docker_socket,omitempty"`
	DataVolume      string    `json:"data_volume,omitempty"`
	VPNVolume       string    `json:"vpn_volume,omitempty"`
	SSHVolume       string    `json:"ssh_volume,omitempty"`
	SquidVolume     string    `json:"squid_volume,omitempty"`
	PrivateKey      string    `json:"private_key,omitempty"`
	WorkingDir      string    `json:"working_dir,omitempty"`
	HostPaths       hostPaths `json:"host_paths,omitempty"`
	Vantage6Version string    `json:"vantage6_version,omitempty"`
}

// encode checks o and renders its options for the binding layer.
func (o Options) encode() (string, error) {
	if o.Scope != ScopeUser && o.Scope != ScopeSystem {
		return "", newError(CodeInvalid, fmt.Sprintf("v6node: invalid scope %d", int(o.Scope)), "scope")
	}
	if o.Pull < PullDefault || o.Pull > PullNever {
		return "", newError(CodeInvalid, fmt.Sprintf("v6node: invalid pull policy %d", int(o.Pull)), "pull")
	}
	j := optionsJSON{
		Image:           o.Image,
		Keep:            o.Keep,
		ForceDBMount:    o.ForceDBMount,
		MountSrc:        o.MountSrc,
		NoServerVersion: o.NoServerVersion,
		ServerVersion:   o.ServerVersion,
		ServerAttempts:  o.ServerAttempts,
		DataDir:         o.DataDir,
		LogDir:          o.LogDir,
		DockerSocket:    o.DockerSocket,
		DataVolume:      o.DataVolume,
		VPNVolume:       o.VPNVolume,
		SSHVolume:       o.SSHVolume,
		SquidVolume:     o.SquidVolume,
		PrivateKey:      o.PrivateKey,
		WorkingDir:      o.WorkingDir,
		HostPaths:       hostPaths(o.HostPaths),
		Vantage6Version: o.Vantage6Version,
	}
	if o.Scope == ScopeSystem {
		j.Scope = "system"
	}
	if o.Pull != PullDefault {
		j.Pull = o.Pull.String()
	}
	if o.ServerTimeout > 0 {
		j.ServerTimeoutMS = int64((o.ServerTimeout + time.Millisecond - 1) / time.Millisecond)
	}
	fields := []struct{ what, s string }{
		{"name", o.Name}, {"config", o.Config}, {"image", o.Image}, {"mount_src", o.MountSrc},
		{"server_version", o.ServerVersion}, {"data_dir", o.DataDir}, {"log_dir", o.LogDir},
		{"docker_socket", o.DockerSocket}, {"data_volume", o.DataVolume},
		{"vpn_volume", o.VPNVolume}, {"ssh_volume", o.SSHVolume},
		{"squid_volume", o.SquidVolume}, {"private_key", o.PrivateKey},
		{"working_dir", o.WorkingDir}, {"vantage6_version", o.Vantage6Version},
	}
	for _, m := range o.HostPaths {
		fields = append(fields, struct{ what, s string }{"host_paths", m.Local},
			struct{ what, s string }{"host_paths", m.Host})
	}
	for _, f := range fields {
		if err := checkString(f.what, f.s); err != nil {
			return "", err
		}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return "", newError(CodeInvalid, "v6node: cannot encode the options: "+err.Error(), "")
	}
	return string(b), nil
}

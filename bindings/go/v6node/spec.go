package v6node

import (
	"encoding/json"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// Spec is the complete container specification of a node, built from its
// config and Options without talking to any engine: the dry run of
// `v6 node start`. It is plain Go data (no C object), safe to share.
type Spec struct {
	opts     Options
	raw      []byte
	contName string
	image    string
	volumes  Volumes
	create   json.RawMessage
	body     createBody
}

// Volumes are the names of a node's four volumes.
type Volumes struct {
	Data  string // mounted at /mnt/data
	VPN   string // /mnt/vpn
	SSH   string // /mnt/ssh
	Squid string // /mnt/squid
}

// Names returns the four names in the order data, vpn, ssh, squid.
func (v Volumes) Names() []string {
	return []string{v.Data, v.VPN, v.SSH, v.Squid}
}

// The parts of the create body the accessors read.
type createBody struct {
	Env        []string          `json:"Env"`
	Cmd        []string          `json:"Cmd"`
	Image      string            `json:"Image"`
	Labels     map[string]string `json:"Labels"`
	HostConfig struct {
		Binds      []string `json:"Binds"`
		ExtraHosts []string `json:"ExtraHosts"`
		AutoRemove bool     `json:"AutoRemove"`
	} `json:"HostConfig"`
}

type specJSON struct {
	Name    string          `json:"name"`
	Image   string          `json:"image"`
	Volumes []string        `json:"volumes"`
	Create  json.RawMessage `json:"create"`
}

// BuildSpec loads the config opts selects and builds the node's container
// spec, checking the file system (database files, key files) but changing
// nothing. It reads HOME and the XDG variables to find the vantage6 folders.
//
// Errors: ErrConfig (the config or the contract is broken; Error.Key names
// the key), ErrNotFound (no such config; the message lists the folders
// searched), ErrIO, ErrInvalid (both or neither of Name and Config, a bad
// option).
func BuildSpec(opts Options) (*Spec, error) {
	enc, err := opts.encode()
	if err != nil {
		return nil, err
	}
	value, err := call(func() rawResult { return v6nraw.Spec(opts.Config, opts.Name, enc) })
	if err != nil {
		return nil, err
	}
	return parseSpec(opts, []byte(value))
}

func parseSpec(opts Options, raw []byte) (*Spec, error) {
	var j specJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, newError(CodeError, "v6node: the library returned a spec that is not JSON: "+err.Error(), "")
	}
	s := &Spec{opts: opts, raw: raw, contName: j.Name, image: j.Image, create: j.Create}
	if len(j.Volumes) == 4 {
		s.volumes = Volumes{Data: j.Volumes[0], VPN: j.Volumes[1], SSH: j.Volumes[2], Squid: j.Volumes[3]}
	}
	if err := json.Unmarshal(j.Create, &s.body); err != nil {
		return nil, newError(CodeError, "v6node: the library returned a create body that is not JSON: "+err.Error(), "")
	}
	return s, nil
}

// JSON returns what `v6node spec` prints for the same node and options
// (without its final newline): {"name": container name, "image", "volumes":
// [data, vpn, ssh, squid], "create": the create-container request body}, byte
// for byte. The caller may modify the returned slice.
func (s *Spec) JSON() ([]byte, error) {
	return append([]byte(nil), s.raw...), nil
}

// MarshalJSON makes a Spec marshal as its JSON.
func (s *Spec) MarshalJSON() ([]byte, error) {
	return s.JSON()
}

// Options returns the options the spec was built with.
func (s *Spec) Options() Options {
	o := s.opts
	o.HostPaths = append([]PathMap(nil), s.opts.HostPaths...)
	return o
}

// Name returns the node name: the config file's stem.
func (s *Spec) Name() string { return s.body.Labels["name"] }

// ContainerName returns the container's name, vantage6-NAME-SCOPE (the
// "name" of the JSON).
func (s *Spec) ContainerName() string { return s.contName }

// Scope returns the node's scope.
func (s *Spec) Scope() Scope {
	if s.body.Labels["system"] == "True" {
		return ScopeSystem
	}
	return ScopeUser
}

// Image returns the node image the spec names (Start may still replace the
// default image by the one matching the server's version).
func (s *Spec) Image() string { return s.image }

// Volumes returns the names of the node's four volumes.
func (s *Spec) Volumes() Volumes { return s.volumes }

// CreateBody returns the exact body of the engine's create-container
// request, as docker-py sends it for `v6 node start`.
func (s *Spec) CreateBody() json.RawMessage {
	return append(json.RawMessage(nil), s.create...)
}

// Cmd returns the container's command (argv).
func (s *Spec) Cmd() []string { return append([]string(nil), s.body.Cmd...) }

// Env returns the container's environment, "KEY=VALUE" entries in order.
func (s *Spec) Env() []string { return append([]string(nil), s.body.Env...) }

// Binds returns the bind mounts, "source:target" or "source:target:ro", in
// order.
func (s *Spec) Binds() []string { return append([]string(nil), s.body.HostConfig.Binds...) }

// ExtraHosts returns the extra /etc/hosts entries "host:ip", sorted by host.
func (s *Spec) ExtraHosts() []string {
	return append([]string(nil), s.body.HostConfig.ExtraHosts...)
}

// Labels returns the container's labels (vantage6-type, system, name).
func (s *Spec) Labels() map[string]string {
	m := make(map[string]string, len(s.body.Labels))
	for k, v := range s.body.Labels {
		m[k] = v
	}
	return m
}

// AutoRemove reports whether the container is removed when it stops (true
// unless Options.Keep).
func (s *Spec) AutoRemove() bool { return s.body.HostConfig.AutoRemove }

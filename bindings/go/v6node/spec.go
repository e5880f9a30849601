package v6node

import (
	"encoding/json"
)

// Spec is the complete container specification of a node, built from its
// config and options without talking to any engine: the dry run of
// `v6 node start`. It is plain Go data, safe to share.
type Spec struct {
	raw       []byte
	container string
	image     string
	volumes   Volumes
	create    json.RawMessage
	body      createBody
}

// Volumes are the names of a node's four volumes.
type Volumes struct {
	Data  string // mounted at /mnt/data
	VPN   string // /mnt/vpn
	SSH   string // /mnt/ssh
	Squid string // /mnt/squid
}

// The parts of the create body the accessors read.
type createBody struct {
	Env        []string          `json:"Env"`
	Cmd        []string          `json:"Cmd"`
	Labels     map[string]string `json:"Labels"`
	HostConfig struct {
		Binds      []string `json:"Binds"`
		ExtraHosts []string `json:"ExtraHosts"`
		AutoRemove bool     `json:"AutoRemove"`
	} `json:"HostConfig"`
}

func parseSpec(raw []byte) (*Spec, error) {
	var j struct {
		Name    string          `json:"name"`
		Image   string          `json:"image"`
		Volumes []string        `json:"volumes"`
		Create  json.RawMessage `json:"create"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, newError(CodeError, "v6node: the library returned a spec that is not JSON: "+err.Error(), "")
	}
	s := &Spec{raw: raw, container: j.Name, image: j.Image, create: j.Create}
	if len(j.Volumes) == 4 {
		s.volumes = Volumes{Data: j.Volumes[0], VPN: j.Volumes[1], SSH: j.Volumes[2], Squid: j.Volumes[3]}
	}
	if err := json.Unmarshal(j.Create, &s.body); err != nil {
		return nil, newError(CodeError, "v6node: the library returned a create body that is not JSON: "+err.Error(), "")
	}
	return s, nil
}

// JSON returns what `v6node spec` prints for the same node and options
// (without its final newline), byte for byte: {"name": the container name,
// "image", "volumes": [data, vpn, ssh, squid], "create": the body of the
// engine's create-container request}.
func (s *Spec) JSON() []byte { return append([]byte(nil), s.raw...) }

// MarshalJSON makes a Spec marshal as its JSON.
func (s *Spec) MarshalJSON() ([]byte, error) { return s.JSON(), nil }

// Name returns the node name (the config file's stem).
func (s *Spec) Name() string { return s.body.Labels["name"] }

// ContainerName returns the container's name, vantage6-NAME-SCOPE.
func (s *Spec) ContainerName() string { return s.container }

// Scope returns the node's scope.
func (s *Spec) Scope() Scope {
	if s.body.Labels["system"] == "True" {
		return ScopeSystem
	}
	return ScopeUser
}

// Image returns the node image the spec names (a start may still replace
// the default image by the one matching the server's version).
func (s *Spec) Image() string { return s.image }

// Volumes returns the names of the node's four volumes.
func (s *Spec) Volumes() Volumes { return s.volumes }

// CreateBody returns the exact body of the engine's create-container
// request, as docker-py sends it for `v6 node start`.
func (s *Spec) CreateBody() json.RawMessage { return append(json.RawMessage(nil), s.create...) }

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

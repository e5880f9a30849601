package v6node

import (
	"fmt"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

// NodeState is the state of a node's container.
type NodeState int

const (
	StateAbsent  NodeState = 0 // no container of that name
	StateRunning NodeState = 1 // running, also when paused or restarting (see the status text)
	StateStopped NodeState = 2 // exited (kept with Keep) or never started
	StateOther   NodeState = 3 // being removed, or a state the engine adds later
)

// String returns "absent", "running", "stopped" or "other".
func (s NodeState) String() string {
	if s < StateAbsent || s > StateOther {
		return fmt.Sprintf("NodeState(%d)", int(s))
	}
	return v6nraw.Node_state_name(v6nraw.Enum_SS_v6n_node_state(s))
}

// Status is the state of one node and its drift from its config.
type Status struct {
	Name      string    // the node name
	Scope     Scope     // its scope
	Config    string    // the config file, "" when there is none here
	State     NodeState // the container's state
	Text      string    // the engine's status text ("running", "exited"...; "absent")
	Container string    // the container name, vantage6-NAME-SCOPE
	ID        string    // the container id, "" when there is no container
	Image     string    // the image the container runs, "" when there is none
	// The container's times; zero when there is no container or the engine
	// has not set them (a running container has no FinishedAt).
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int
	// Vantage6Version is the vantage6 release line the node was built as
	// ("4.14"): drift is judged as that line builds a node.
	Vantage6Version string
	Labels          map[string]string // the container's labels (nil without a container)
	// Ports are the published ports, "CONTAINER_PORT/PROTO -> HOST_IP:HOST_PORT"
	// (a node has none unless a tool gave it some).
	Ports []string
	// Drift lists how the container differs from what its config gives now
	// with the options it was started with, one sentence each, e.g. "env
	// SITE: the container has 'a', the config now gives 'b'". Passwords in
	// URIs are shown as ***.
	Drift []string
	// DriftError says why the drift could not be judged (no config here, the
	// config is invalid, a database file is gone...), or "" when it was.
	DriftError string

	json []byte
}

// JSON returns the status as `v6node status --json` prints it (without its
// final newline).
func (s *Status) JSON() []byte { return append([]byte(nil), s.json...) }

// parseTime reads an engine time (RFC 3339); "" and the engine's zero time
// are the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

func readStatus(st rawStatus) (*Status, error) {
	s := &Status{
		Name:            v6nraw.Node_status_name(st),
		Scope:           Scope(v6nraw.Node_status_scope(st)),
		Config:          v6nraw.Node_status_config(st),
		State:           NodeState(v6nraw.Node_status_state(st)),
		Text:            v6nraw.Node_status_text(st),
		Container:       v6nraw.Node_status_container(st),
		ID:              v6nraw.Node_status_container_id(st),
		Image:           v6nraw.Node_status_image(st),
		CreatedAt:       parseTime(v6nraw.Node_status_created_at(st)),
		StartedAt:       parseTime(v6nraw.Node_status_started_at(st)),
		FinishedAt:      parseTime(v6nraw.Node_status_finished_at(st)),
		ExitCode:        v6nraw.Node_status_exit_code(st),
		Vantage6Version: v6nraw.Node_status_vantage6_version(st),
		DriftError:      v6nraw.Node_status_drift_error(st),
	}
	if n := v6nraw.Node_status_label_count(st); n > 0 {
		s.Labels = make(map[string]string, n)
		for i := int64(0); i < n; i++ {
			s.Labels[v6nraw.Node_status_label_key(st, i)] = v6nraw.Node_status_label_value(st, i)
		}
	}
	for i := int64(0); i < v6nraw.Node_status_port_count(st); i++ {
		s.Ports = append(s.Ports, v6nraw.Node_status_port(st, i))
	}
	for i := int64(0); i < v6nraw.Node_status_drift_count(st); i++ {
		s.Drift = append(s.Drift, v6nraw.Node_status_drift(st, i))
	}
	var js string
	if err := cCall(func() bool { js = v6nraw.Node_status_json(st); return js != "" }); err != nil {
		return nil, err
	}
	s.json = []byte(js)
	return s, nil
}

// ListOptions say where List looks for node configs.
type ListOptions struct {
	// ConfigDir lists the configs in this folder (as Scope) instead of the
	// user and system vantage6 node folders.
	ConfigDir string `v6n:"config_dir"`
	// Scope is the scope of the nodes in ConfigDir.
	Scope Scope `v6n:"scope"`
}

// ListEntry is one node of List.
type ListEntry struct {
	Name        string    // the node name
	Scope       Scope     // its scope
	State       NodeState // the state of its container
	Text        string    // the engine's status text ("Up 2 minutes"), "" without a container
	Container   string    // the container name
	ID          string    // the container id, "" when absent
	Image       string    // the image, "" when absent
	CreatedAt   time.Time // when the container was made; zero when absent
	Config      string    // the config file, "" for a container without one here
	ConfigError string    // why the config does not load, or ""
}

// List returns every node this machine knows of: every config in the user
// and system vantage6 node folders (or in opts.ConfigDir), each with the
// state of its container, and every node container on the engine without a
// config there (open those with OpenContainer). One engine request, however
// many nodes. Errors: ErrEngine, ErrUnavailable, ErrIO.
func List(e *Engine, opts ListOptions) ([]ListEntry, error) {
	c, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.release(c)
	var list rawList
	err = withRawOptions(opts, func(o rawOptions) error {
		return cCall(func() bool { list = v6nraw.List_get(c, o); return !isNull(list) })
	})
	if err != nil {
		return nil, err
	}
	defer v6nraw.Node_list_free(list)
	n := v6nraw.Node_list_count(list)
	out := make([]ListEntry, 0, n)
	for i := int64(0); i < n; i++ {
		out = append(out, ListEntry{
			Name:        v6nraw.Node_list_name(list, i),
			Scope:       Scope(v6nraw.Node_list_scope(list, i)),
			State:       NodeState(v6nraw.Node_list_state(list, i)),
			Text:        v6nraw.Node_list_status_text(list, i),
			Container:   v6nraw.Node_list_container_name(list, i),
			ID:          v6nraw.Node_list_container_id(list, i),
			Image:       v6nraw.Node_list_image(list, i),
			CreatedAt:   parseTime(v6nraw.Node_list_created_at(list, i)),
			Config:      v6nraw.Node_list_config_path(list, i),
			ConfigError: v6nraw.Node_list_config_error(list, i),
		})
	}
	return out, nil
}

package v6node

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"
)

// finalized counts engines closed by their finalizer (for the tests).
var finalized atomic.Int64

// NodeState is the state of a node's container.
type NodeState int

const (
	StateAbsent  NodeState = 0 // no container of that name
	StateRunning NodeState = 1 // running, also when paused or restarting (see the status text)
	StateStopped NodeState = 2 // exited (kept with Keep) or never started
	StateOther   NodeState = 3 // being removed, or a state the engine adds later
)

var stateNames = []string{"absent", "running", "stopped", "other"}

// String returns "absent", "running", "stopped" or "other".
func (s NodeState) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("NodeState(%d)", int(s))
}

func parseState(s string) NodeState {
	for i, n := range stateNames {
		if n == s {
			return NodeState(i)
		}
	}
	return StateOther
}

// Status is the state of one node and its drift from its config.
type Status struct {
	Name       string    // the node name
	Scope      Scope     // its scope
	Config     string    // the config file
	State      NodeState // the container's state
	Text       string    // the engine's status text ("running", "exited"...)
	Container  string    // the container name, vantage6-NAME-SCOPE
	ID         string    // the container id, "" when absent
	Image      string    // the image the container runs
	StartedAt  time.Time // zero when not applicable
	FinishedAt time.Time // zero when not applicable
	ExitCode   int
	// Vantage6Version is the vantage6 release line the container was built as
	// ("4.14"): drift is judged against that line, not today's default.
	Vantage6Version string
	// Drift lists how the container differs from what the config gives now,
	// one sentence each, e.g. "env SITE: the container has 'a', the config
	// now gives 'b'". Passwords in URIs are shown as ***.
	Drift []string

	raw string
}

// JSON returns the status as `v6node status --json` prints it.
func (s *Status) JSON() []byte { return []byte(s.raw) }

type statusJSON struct {
	Name       string   `json:"name"`
	Scope      string   `json:"scope"`
	Config     string   `json:"config"`
	State      string   `json:"state"`
	Status     string   `json:"status"`
	Container  string   `json:"container"`
	ID         string   `json:"id"`
	Image      string   `json:"image"`
	StartedAt  string   `json:"started_at"`
	FinishedAt string   `json:"finished_at"`
	ExitCode   int      `json:"exit_code"`
	Vantage6   string   `json:"vantage6_version"`
	Drift      []string `json:"drift"`
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

func parseStatus(v string) (*Status, error) {
	var j statusJSON
	if err := json.Unmarshal([]byte(v), &j); err != nil {
		return nil, newError(CodeError, "v6node: the library returned a status that is not JSON: "+err.Error(), "")
	}
	return &Status{
		Name: j.Name, Scope: parseScope(j.Scope), Config: j.Config, State: parseState(j.State),
		Text: j.Status, Container: j.Container, ID: j.ID, Image: j.Image,
		StartedAt: parseTime(j.StartedAt), FinishedAt: parseTime(j.FinishedAt),
		ExitCode: j.ExitCode, Vantage6Version: j.Vantage6, Drift: append([]string{}, j.Drift...),
		raw: v,
	}, nil
}

// ListEntry is one node of List.
type ListEntry struct {
	Name        string    // the node name
	Scope       Scope     // its scope
	State       NodeState // the state of its container
	Text        string    // the engine's status text ("Up 2 minutes")
	Container   string    // the container name
	ID          string    // the container id, "" when absent
	Image       string    // the image, "" when absent
	Config      string    // the config file, "" for a container without one here
	ConfigError string    // why the config does not load, or ""
}

type listJSON struct {
	Name        string `json:"name"`
	Scope       string `json:"scope"`
	State       string `json:"state"`
	Status      string `json:"status"`
	Container   string `json:"container"`
	ID          string `json:"id"`
	Image       string `json:"image"`
	Config      string `json:"config"`
	ConfigError string `json:"config_error"`
}

func parseList(v string) ([]ListEntry, error) {
	var js []listJSON
	if err := json.Unmarshal([]byte(v), &js); err != nil {
		return nil, newError(CodeError, "v6node: the library returned a list that is not JSON: "+err.Error(), "")
	}
	out := make([]ListEntry, len(js))
	for i, j := range js {
		out[i] = ListEntry{Name: j.Name, Scope: parseScope(j.Scope), State: parseState(j.State),
			Text: j.Status, Container: j.Container, ID: j.ID, Image: j.Image, Config: j.Config,
			ConfigError: j.ConfigError}
	}
	return out, nil
}

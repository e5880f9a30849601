package v6node

// Tests of the boundary with the SWIG package that need the package's
// internals. No engine needed.

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vantage6/libv6node/bindings/go/internal/v6nraw"
)

func TestCodesMatchTheLibrary(t *testing.T) {
	raw := map[Code]int{
		CodeOK: v6nraw.ERR_OK, CodeError: v6nraw.ERR_ERROR, CodeConfig: v6nraw.ERR_CONFIG,
		CodeNotFound: v6nraw.ERR_NOTFOUND, CodeConflict: v6nraw.ERR_CONFLICT,
		CodeEngine: v6nraw.ERR_ENGINE, CodeIO: v6nraw.ERR_IO, CodeNoMemory: v6nraw.ERR_NOMEM,
		CodeInvalid: v6nraw.ERR_INVAL, CodeUnavailable: v6nraw.ERR_UNAVAILABLE,
		CodeCancelled: v6nraw.ERR_CANCELLED,
	}
	if len(raw) != len(codeNames) {
		t.Fatalf("%d codes, %d names", len(raw), len(codeNames))
	}
	for c, v := range raw {
		if int(c) != v {
			t.Errorf("%v is %d in Go, %d in the library", c, int(c), v)
		}
		if got := v6nraw.Error_code_name(v); got != c.String() {
			t.Errorf("code %d: the library names it %s, Go %s", v, got, c)
		}
	}
	events := []int{v6nraw.EVENT_IMAGE, v6nraw.EVENT_PULL_START, v6nraw.EVENT_PULL_PROGRESS,
		v6nraw.EVENT_PULL_DONE, v6nraw.EVENT_WARNING, v6nraw.EVENT_VOLUME, v6nraw.EVENT_REMOVED,
		v6nraw.EVENT_CREATED, v6nraw.EVENT_STARTED, v6nraw.EVENT_STOPPED,
		v6nraw.EVENT_VOLUME_REMOVED, v6nraw.EVENT_PATH_REMOVED}
	for i, v := range events {
		if v != i || EventKind(v).String() != eventNames[i] {
			t.Errorf("event %d: the library's value is %d", i, v)
		}
	}
	if v6nraw.Version() != Version() || Version() == "" {
		t.Errorf("Version() = %q", Version())
	}
	if Vantage6Version() != "4.15.2" {
		t.Errorf("Vantage6Version() = %q", Vantage6Version())
	}
	if lines := ReleaseLines(); strings.Join(lines, " ") != "4.15 4.14 4.13 4.12 4.11 4.10" {
		t.Errorf("ReleaseLines() = %q", lines)
	}
}

func TestErrorsIs(t *testing.T) {
	sentinels := []error{ErrConfig, ErrNotFound, ErrConflict, ErrEngine, ErrUnavailable, ErrIO,
		ErrInvalid, ErrCancelled}
	matches := map[Code][]error{
		CodeConfig:      {ErrConfig},
		CodeNotFound:    {ErrNotFound},
		CodeConflict:    {ErrConflict},
		CodeEngine:      {ErrEngine},
		CodeUnavailable: {ErrUnavailable, ErrEngine},
		CodeIO:          {ErrIO},
		CodeInvalid:     {ErrInvalid},
		CodeCancelled:   {ErrCancelled},
		CodeError:       nil,
		CodeNoMemory:    nil,
	}
	for code, want := range matches {
		var err error = &Error{Code: code, Message: "m"}
		for _, s := range sentinels {
			expect := false
			for _, w := range want {
				expect = expect || w == s
			}
			if errors.Is(err, s) != expect {
				t.Errorf("errors.Is(%v, %v) = %v", code, s, !expect)
			}
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != code {
			t.Errorf("errors.As(%v) failed", code)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := error(cancelledError(ctx.Err(), nil))
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled error is not both ErrCancelled and context.Canceled: %v", err)
	}
	if (&Error{Code: CodeIO}).Error() == "" {
		t.Error("an error without a message has no text")
	}
}

func TestNoPanicCrossesTheBoundary(t *testing.T) {
	v, err := call(func() rawResult { panic("boom") })
	var e *Error
	if v != "" || !errors.As(err, &e) || e.Code != CodeError || !strings.Contains(e.Message, "boom") {
		t.Errorf("a panic in a raw call gave %q, %v", v, err)
	}
	// A NULL result is how the glue reports running out of memory.
	_, err = call(func() rawResult { return nil })
	if !errors.As(err, &e) || e.Code != CodeNoMemory {
		t.Errorf("a NULL result gave %v", err)
	}
	_, err = call(func() rawResult { return v6nraw.SwigcptrStruct_SS_v6ng_result(0) })
	if !errors.As(err, &e) || e.Code != CodeNoMemory {
		t.Errorf("a NULL result gave %v", err)
	}
	if err := protect(func() error { var m map[string]int; m["x"] = 1; return nil }); err == nil {
		t.Error("protect let a panic through unreported")
	}
}

func TestGlueErrorsAreValues(t *testing.T) {
	// Errors raised by the glue itself (not by libv6node) arrive the same way.
	_, err := call(func() rawResult { return v6nraw.Spec("", "", "") })
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalid || e.Key != "config" {
		t.Errorf("neither name nor config: %#v", err)
	}
	_, err = call(func() rawResult { return v6nraw.Spec("", "x", `{"bogus": 1}`) })
	if !errors.As(err, &e) || e.Code != CodeInvalid || e.Key != "bogus" {
		t.Errorf("unknown option: %#v", err)
	}
	_, err = call(func() rawResult { return v6nraw.Spec("", "x", `[`) })
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("bad JSON: %#v", err)
	}
}

func TestOptionsEncoding(t *testing.T) {
	o := Options{
		Name: "n", Scope: ScopeSystem, Pull: PullNever, Keep: true,
		ServerTimeout: 1500*time.Microsecond + time.Second, ServerAttempts: 2,
		HostPaths: []PathMap{{"/b", "/y"}, {"/a", "/x"}, {"/a<&>", "/z"}},
	}
	enc, err := o.encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"scope":"system","keep":true,"pull":"never","server_timeout_ms":1002,` +
		`"server_attempts":2,"host_paths":{"/b":"/y","/a":"/x","/a\u003c\u0026\u003e":"/z"}}`
	if enc != want {
		t.Errorf("encoded\n%s\nwant\n%s", enc, want)
	}
	var back map[string]interface{}
	if err := json.Unmarshal([]byte(enc), &back); err != nil {
		t.Fatal(err)
	}
	if enc, _ := (Options{Name: "n"}).encode(); enc != "{}" {
		t.Errorf("the zero options encode as %s", enc)
	}
	for _, bad := range []Options{
		{Name: "n", Scope: 7},
		{Name: "n", Pull: -1},
		{Name: "a\x00b"},
		{Name: "n", Image: "\xff"},
		{Name: "n", HostPaths: []PathMap{{"/a", "/b\x00"}}},
	} {
		if _, err := bad.encode(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v encoded: %v", bad, err)
		}
		if _, err := BuildSpec(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("BuildSpec(%+v): %v", bad, err)
		}
	}
	so, _ := StopOptions{Timeout: 1500 * time.Millisecond, Force: true}.encode()
	if so != `{"timeout_s":2,"force":true}` {
		t.Errorf("stop options encoded as %s", so)
	}
	if so, _ := (StopOptions{}).encode(); so != "{}" {
		t.Errorf("zero stop options encoded as %s", so)
	}
	for in, want := range map[int]int64{0: -1, TailNone: 0, 5: 5} {
		if got := (LogOptions{Tail: in}).tail(); got != want {
			t.Errorf("Tail %d -> %d, want %d", in, got, want)
		}
	}
}

func TestEngineCloseAndFinalizer(t *testing.T) {
	e, err := NewEngine("unix:///nonexistent/v6ntest-go.sock")
	if err != nil {
		t.Fatal(err)
	}
	if e.Host() != "unix:///nonexistent/v6ntest-go.sock" {
		t.Errorf("host %q", e.Host())
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Ping(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Ping on a closed engine: %v", err)
	}
	if _, err := e.Start(context.Background(), Options{Name: "x"}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Start on a closed engine: %v", err)
	}
	if err := e.FollowLogs(context.Background(), "x", LogOptions{}, func(LogChunk) error { return nil }); !errors.Is(err, ErrInvalid) {
		t.Errorf("FollowLogs on a closed engine: %v", err)
	}

	before := finalized.Load()
	func() {
		for i := 0; i < 5; i++ {
			if _, err := NewEngine(""); err != nil {
				t.Fatal(err)
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for finalized.Load()-before < 5 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := finalized.Load() - before; n < 5 {
		t.Errorf("%d of 5 dropped engines were finalized", n)
	}
}

func TestBadEngineOptions(t *testing.T) {
	if _, err := NewEngine("ftp://example.org"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad host: %v", err)
	}
	if _, err := NewEngine("unix:///x\x00y"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a NUL in the host: %v", err)
	}
}

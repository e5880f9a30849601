// Package v6node starts and manages vantage6 node containers through the
// Docker Engine API, exactly as the official `v6 node start` (vantage6
// 4.10-4.15) builds them: the same container name, volumes, mounts,
// environment, labels and command; and it sets nodes up as `v6 node new`,
// `set-api-key` and `create-private-key` do. It is the Go binding of libv6node, the C
// library behind the `v6node` tool, so a spec built here is byte for byte
// what `v6node spec` prints.
//
// # A node and an engine
//
// A Node is opened once, by name, by config file, or by container (for a
// node whose config is gone), with the options it is started with; an
// Engine is a client of one Docker engine:
//
//	node, err := v6node.Open("alpha", v6node.Options{}) // ~/.config/vantage6/node/alpha.yaml
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer node.Close()
//	engine, err := v6node.EngineFromEnv() // DOCKER_HOST etc., as the docker CLI
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer engine.Close()
//
//	started, err := node.Start(ctx, engine, func(ev v6node.Event) {
//		log.Printf("%s %s %s", ev.Kind, ev.ID, ev.Message)
//	})
//	...
//	err = node.Logs(ctx, engine, v6node.LogOptions{Tail: 20, Follow: true},
//		func(c v6node.LogChunk) error {
//			_, err := io.WriteString(os.Stdout, c.Data)
//			return err
//		})
//
// Spec (the dry run), Start, Status (with drift: how the running container
// differs from its config now), Logs, Restart, Stop and Remove do what the
// `v6node` commands of the same names do; List lists every node.
//
// Start records how the node was started (its options, image and release
// line) in its data folder; Status and Restart read that record. A Node
// opened later without options (a manager that did not start it) sees no
// false drift, and Restart keeps the image it was started with.
//
// Options carry every option of libv6node's option table, one field each
// (Scope, Image, Keep, ForceDBMount, MountSrc, Vantage6Version, Pull, data
// and log folders, volume names, host path map...). The zero value of a
// field means "not given". The library reads HOME and the XDG variables to
// find the vantage6 folders; Options.WithEnvironment adds the variables
// `v6 node start` reads (DATA_VOLUME_NAME..., PRIVATE_KEY).
//
// # Setting up a node
//
// The other half of `v6 node`: NewConfig writes a new node config from
// ConfigValues as the `v6 node new` wizard saves it (validated first, a bad
// value named by its key; atomically, mode 0600; an existing config only
// replaced with Force), RenderConfig previews it. Node.SetAPIKey changes the
// API key of a config and no other byte of it. Node.CreatePrivateKey makes
// the node's encryption key, points the config at it and uploads the public
// key to the node's server, logging in as a user (PrivateKeyOptions: the
// password and MFA code never appear in an error). Node.Version asks the
// running node its version:
//
//	_, err := v6node.NewConfig(v6node.ConfigValues{Name: "alpha", APIKey: apiKey,
//		ServerURL: "https://v6.example.org", Encryption: true})
//	...
//	node, err := v6node.Open("alpha", v6node.Options{})
//	...
//	key, err := node.CreatePrivateKey(v6node.PrivateKeyOptions{Username: "admin", Password: pw})
//	...
//	started, err := node.Start(ctx, engine, nil)
//	...
//	version, err := node.Version(ctx, engine)
//
// DataFolder, PrivateKeyPath and PublicKey give the node's data folder,
// where a key goes and the public key as it is uploaded.
//
// # Errors
//
// Failures are *Error values, with the library's Code, the config Key at
// fault, the HTTPStatus of a failed engine request, a Message naming the
// file, key and value, and the Warnings the failed call gave. Test their
// class with errors.Is and the sentinels ErrConfig, ErrNotFound,
// ErrConflict, ErrEngine, ErrUnavailable (also ErrEngine), ErrIO,
// ErrInvalid, ErrCanceled, ErrAuth (the vantage6 server refused a login or
// a change), ErrNoMemory and ErrFailed:
//
//	_, err := node.Start(ctx, engine, nil)
//	switch {
//	case errors.Is(err, v6node.ErrConflict):    // already running
//	case errors.Is(err, v6node.ErrConfig):      // see err.(*v6node.Error).Key
//	case errors.Is(err, v6node.ErrUnavailable): // no engine at DOCKER_HOST
//	}
//
// libv6node keeps the last error per OS thread; this package reads it on
// the thread of the failing call (runtime.LockOSThread), so errors are
// right whichever goroutine makes the call.
//
// # Operations, contexts and goroutines
//
// Start, Restart, Stop, Remove and Logs run the C operation on a thread of
// its own (v6n_op) and poll it from the calling goroutine, where progress
// and log functions are called. They return only once that thread has
// ended, and start no goroutine. An ended context is noticed within 0.1 s;
// the library then stops at its next step (a start is undone), or, for a
// quiet log stream, within about a second. A panic in a function you pass
// stops the operation and goes on once its thread is joined.
//
// Nodes and Engines are safe for concurrent use. An Engine lends each call
// a connection of its own. The calls of one Node are serialized, except
// Logs, which uses a handle of its own. Close both when done; finalizers
// free the ones dropped unclosed. Specs, statuses and list entries are
// plain Go values.
//
// # Building
//
// The package needs cgo, a C compiler, SWIG 4 and pkg-config, and finds
// libv6node through `pkg-config v6node` only (an installed libv6node, or
// PKG_CONFIG_PATH=<build>/pkgconfig-uninstalled): see bindings/go/README.md.
package v6node

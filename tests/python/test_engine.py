"""The binding against the real Docker engine, with the stand-in node image
(pull "never"/"missing": nothing is ever pulled from a registry). Each test
makes its own node (v6ntest-py-<pid>-<n>-<hex>) in a temporary HOME and removes
its container and volumes by exact name.

Nodes are started with their options once; every later call opens the node
without options (as a long-lived manager would) and relies on the start
record."""
from __future__ import annotations

import json
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

import pytest

import v6node
from conftest import STANDIN, NodeSandbox, container_state, docker, volume_exists

pytestmark = pytest.mark.usefixtures("engine_ready")

RUN = {"image": STANDIN, "pull": "never"}  # start options of every node here
NO_VNODE = "127.0.0.1:5999/v6node-test/node:no-vnode"  # the other stand-in
T = TypeVar("T")


@pytest.fixture
def engine():
    with v6node.Engine.from_env() as e:
        yield e


def wait_for(predicate: Callable[[], T], timeout: float = 15.0, step: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def ready(engine: v6node.Engine, node: v6node.Node) -> None:
    """Wait until the stand-in node has printed its contract line: only then
    does it handle SIGTERM (a stop before that waits the engine's 10 s)."""
    assert wait_for(lambda: "contract holds" in node.logs(engine)), node.logs(engine)


def volumes_of(container: str) -> List[str]:
    return [f"{container}-{s}" for s in ("vol", "vpn-vol", "ssh-vol", "squid-vol")]


def inspect(container: str, fmt: str) -> str:
    r = docker("inspect", "-f", fmt, container)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def started_node(engine: v6node.Engine, sandbox: NodeSandbox, **options) -> v6node.Node:
    """A new node with a config, started with RUN (and `options`); returned
    opened WITHOUT options."""
    name = sandbox.new_name()
    sandbox.write_config(name)
    with v6node.Node(name, **{**RUN, **options}) as first:
        first.start(engine)
    return v6node.Node(name)


# ---- the engine itself ------------------------------------------------------------


def test_ping_host_and_socket(engine: v6node.Engine) -> None:
    assert engine.api_version is None  # nothing asked yet
    version = engine.ping()
    assert version.count(".") == 1 and version.split(".")[0] == "1"
    assert engine.api_version == version
    assert engine.host.startswith(("unix://", "tcp://", "http"))
    if engine.host.startswith("unix://"):
        assert engine.docker_socket == engine.host[len("unix://"):]
    assert "Engine" in repr(engine)


def test_closed_engine_raises(engine: v6node.Engine) -> None:
    engine.close()
    engine.close()  # idempotent
    assert engine.closed and "closed" in repr(engine)
    with pytest.raises(v6node.InvalidArgument):
        engine.ping()


def test_unreachable_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with v6node.Engine(f"unix://{tmp_path}/no-docker.sock") as e:
        with pytest.raises(v6node.EngineUnavailable) as info:
            e.ping()
    assert isinstance(info.value, v6node.EngineError)
    assert "no-docker.sock" in info.value.message
    assert info.value.code_name == "V6N_EUNAVAILABLE"
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")  # a closed port on loopback
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    with v6node.Engine.from_env() as e:
        assert e.host == "tcp://127.0.0.1:1" and e.docker_socket is None
        with pytest.raises(v6node.EngineUnavailable):
            e.list()


def test_engine_from_a_docker_context(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A context in the docker CLI's store (as `docker context create` writes it)
    names the engine; here the real one, through its socket."""
    meta = tmp_path / "contexts" / "meta" / "some-id" / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text('{"Name": "v6ntest-local", "Endpoints": {"docker": '
                    '{"Host": "unix:///var/run/docker.sock", "SkipTLSVerify": false}}}')
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent-v6ntest.sock")  # not used
    with v6node.Engine.from_context("v6ntest-local") as e:
        assert e.host == "unix:///var/run/docker.sock"
        assert e.ping().startswith("1.")
    with pytest.raises(v6node.NotFound) as info:
        v6node.Engine.from_context("v6ntest-absent")
    assert "v6ntest-absent" in info.value.message
    with v6node.Engine.from_context("default") as e:  # the environment
        assert e.host == "unix:///nonexistent-v6ntest.sock"


def test_bad_engine_options() -> None:
    with pytest.raises(v6node.InvalidArgument) as info:
        v6node.Engine("ftp://example")
    assert info.value.key == "host"
    with pytest.raises(v6node.InvalidArgument):
        v6node.Engine(connect_timeout=-1)


# ---- a node's life -------------------------------------------------------------------


def test_start_status_logs_list_stop(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    cfg = sandbox.write_config(name)
    container = f"vantage6-{name}-user"
    before = datetime.now(timezone.utc) - timedelta(seconds=5)

    events: List[v6node.Event] = []
    with v6node.Node(name, **RUN) as node:
        started = node.start(engine, progress=events.append)

    assert isinstance(started, v6node.StartResult)
    assert started.container == container and started.name == name
    assert started.image == STANDIN and started.image_rule == "option"
    assert started.vantage6_version == "4.15" and started.warnings == ()
    assert len(started.id) == 64
    kinds = [e.kind for e in events]
    assert kinds[0] == "image" and events[0].image == STANDIN
    assert kinds.count("volume") == 4 and kinds[-2:] == ["created", "started"]
    assert {e.id for e in events if e.kind == "volume"} == set(volumes_of(container))
    assert events[-1].id == started.id
    assert all(k in v6node.EVENT_KINDS for k in kinds)
    assert container_state(container) == "running"

    # opened again without any option: the start record gives them
    node = v6node.Node(name)
    status = node.status(engine)
    assert isinstance(status, v6node.Status)
    assert status.state == "running" and status.status == "running"
    assert status.id == started.id and status.container == container
    assert status.name == name and status.scope == "user" and status.config == cfg
    assert status.image == STANDIN and status.vantage6_version == "4.15"
    assert status.drift == () and status.drift_error is None, status
    for t in (status.created_at, status.started_at):
        assert isinstance(t, datetime) and t.tzinfo is not None
        assert before < t < datetime.now(timezone.utc) + timedelta(seconds=5)
    assert status.finished_at is None and status.exit_code is None
    assert status.labels["vantage6-type"] == "node" and status.labels["name"] == name
    assert status.ports == ()

    ready(engine, node)
    logs = node.logs(engine)
    assert "vnode-local: contract holds" in logs, logs
    assert node.logs(engine, tail=1) == logs.splitlines(keepends=True)[-1]
    assert v6node.Node.from_config(cfg).logs(engine) == logs
    assert node.logs(engine, timestamps=True).startswith("20")

    mine = [n for n in engine.list() if n.name == name]
    assert len(mine) == 1 and isinstance(mine[0], v6node.ListEntry)
    entry = mine[0]
    assert entry.state == "running" and entry.scope == "user" and not entry.system
    assert entry.config == cfg and entry.container == container and entry.id == started.id
    assert entry.image == STANDIN and entry.config_error is None
    assert isinstance(entry.created_at, datetime) and entry.created_at.tzinfo is not None
    assert [n.name for n in engine.list(config_dir=sandbox.config_dir)
            if n.config is not None] == [name]
    assert name not in [n.name for n in engine.list(system=True)]

    assert node.stop(engine, timeout=5) == ()
    assert wait_for(lambda: container_state(container) is None)
    assert not any(volume_exists(v) for v in volumes_of(container))
    absent = node.status(engine)
    assert absent.state == "absent" and absent.id is None and absent.created_at is None
    assert absent.exit_code is None and absent.labels == {}


def test_a_node_started_with_an_image_shows_no_drift(engine: v6node.Engine,
                                                     sandbox: NodeSandbox) -> None:
    node = started_node(engine, sandbox)
    assert node.options == v6node.Options()
    status = node.status(engine)
    assert status.image == STANDIN and status.drift == (), status.drift
    # an option given now replaces the recorded one: then the image differs
    other = v6node.Node(node.name, image=NO_VNODE)
    assert any(d.startswith("image") for d in other.status(engine).drift)
    ready(engine, node)
    node.stop(engine)


def test_restart_keeps_the_image_and_applies_the_config(engine: v6node.Engine,
                                                        sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name, env={"SITE": "alpha"})
    first = v6node.Node(name, **RUN).start(engine)
    node = v6node.Node(name)
    ready(engine, node)

    sandbox.write_config(name, env={"SITE": "beta"})
    drift = node.status(engine).drift
    assert any("SITE" in d and "alpha" in d and "beta" in d for d in drift), drift

    events: List[str] = []
    again = node.restart(engine, timeout=5, progress=lambda e: events.append(e.kind))
    assert again.id != first.id and again.container == first.container
    assert again.image == STANDIN and again.image_rule == "option", again
    assert inspect(again.container, "{{.Config.Image}}") == STANDIN
    assert "stopped" in events and events[-1] == "started"
    status = node.status(engine)
    assert status.state == "running" and status.drift == (), status.drift
    ready(engine, node)
    node.stop(engine)


def test_restart_of_a_stopped_node_starts_it(engine: v6node.Engine,
                                             sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    node = v6node.Node(name, **RUN)
    started = node.restart(engine)
    assert container_state(started.container) == "running"
    ready(engine, node)
    node.stop(engine)


def test_an_orphan_is_inspected_stopped_and_removed(engine: v6node.Engine,
                                                    sandbox: NodeSandbox) -> None:
    node = started_node(engine, sandbox, keep=True)
    cfg = node.config_path
    assert cfg is not None
    ready(engine, node)
    cfg.unlink()

    entry = next(e for e in engine.list() if e.name == node.name)
    assert entry.config is None and entry.state == "running"
    orphan = v6node.Node.from_container(entry.container)
    assert orphan.name == node.name and orphan.config_path is None
    status = orphan.status(engine)
    assert status.state == "running" and status.config is None and status.drift == ()
    assert status.drift_error and "no config for node" in status.drift_error
    with pytest.raises(v6node.NotFound):
        orphan.spec()
    with pytest.raises(v6node.NotFound):
        orphan.start(engine)

    assert orphan.stop(engine, timeout=5, keep_volumes=True) == ()
    assert orphan.status(engine).state == "stopped"
    # by name too: Node(name) opens without a config
    by_name = v6node.Node(node.name)
    by_name.remove(engine)
    assert container_state(entry.container) is None
    assert not any(volume_exists(v) for v in volumes_of(entry.container))
    data = sandbox.home / ".local" / "share" / "vantage6" / "node" / node.name
    assert not data.exists()
    assert node.name not in [e.name for e in engine.list()]


def test_a_failed_start_carries_its_warnings(engine: v6node.Engine, sandbox: NodeSandbox,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # a Docker config file that cannot be used is a warning; then the pull of an
    # absent image from a registry where nothing listens fails
    docker_config = sandbox.root / "docker-config"
    docker_config.mkdir()
    (docker_config / "config.json").write_text("{ not json")
    monkeypatch.setenv("DOCKER_CONFIG", str(docker_config))
    name = sandbox.new_name()
    sandbox.write_config(name)
    absent = "127.0.0.1:5999/v6node-test/node:absent"
    with pytest.raises(v6node.EngineError) as info:
        v6node.Node(name, image=absent, pull="missing").start(engine)
    err = info.value
    assert err.http_status == 500 and not isinstance(err, v6node.EngineUnavailable)
    assert err.warnings and any("config.json" in w for w in err.warnings), err.warnings
    assert "warnings=" in repr(err)
    assert container_state(f"vantage6-{name}-user") is None


def test_starting_a_running_node_is_a_conflict(engine: v6node.Engine,
                                               sandbox: NodeSandbox) -> None:
    node = started_node(engine, sandbox)
    first = node.status(engine).id
    with pytest.raises(v6node.Conflict) as info:
        v6node.Node(node.name, **RUN).start(engine)
    assert node.name in info.value.message and info.value.code_name == "V6N_ECONFLICT"
    assert info.value.warnings == ()
    assert node.status(engine).id == first  # untouched
    with pytest.raises(v6node.Conflict):
        node.remove(engine)  # a running node is not removed
    node.stop(engine, force=True)


def test_stopping_an_absent_node_is_not_found(engine: v6node.Engine) -> None:
    with pytest.raises(v6node.NotFound) as info:
        v6node.Node("v6ntest-py-never-started", system=True).stop(engine)
    assert "not running" in info.value.message


def test_missing_image_with_pull_never(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    absent = "127.0.0.1:5999/v6node-test/node:absent-from-engine"
    with pytest.raises(v6node.NotFound) as info:
        v6node.Node(name, image=absent, pull="never").start(engine)
    assert absent in info.value.message
    assert container_state(f"vantage6-{name}-user") is None
    assert not any(volume_exists(v) for v in volumes_of(f"vantage6-{name}-user"))


def test_invalid_config_is_a_config_error(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    path = sandbox.write_config(name, extra="node_extra_env:\n  1BAD: x\n")
    with pytest.raises(v6node.ConfigError) as info:
        v6node.Node.from_config(path, **RUN).start(engine)
    assert info.value.key == "node_extra_env.1BAD"
    # status still answers (no container: nothing to judge drift of)
    status = v6node.Node(name).status(engine)
    assert status.state == "absent" and status.drift == ()
    with pytest.raises(v6node.NotFound):
        v6node.Node(sandbox.new_name(), **RUN).start(engine)  # no config
    assert container_state(f"vantage6-{name}-user") is None


def test_follow_logs_closed_early(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    node = started_node(engine, sandbox)
    stream = node.follow_logs(engine)
    chunk = next(stream)
    assert "contract holds" in chunk
    # the stream has its own connection and handle: both stay usable meanwhile
    assert node.status(engine).state == "running"
    t0 = time.monotonic()
    stream.close()
    assert time.monotonic() - t0 < 5
    assert stream.closed and list(stream) == []
    stream.close()  # idempotent

    # as a context manager, closed from another thread while waiting for output
    with node.follow_logs(engine, tail=0) as quiet:
        timer = threading.Timer(0.5, quiet.close)
        timer.start()
        t0 = time.monotonic()
        assert list(quiet) == []
        assert time.monotonic() - t0 < 5
        timer.join()

    # with a callback that stops it
    seen: List[str] = []
    assert node.follow_logs(engine, on_output=lambda c: seen.append(c) or False) is None
    assert len(seen) == 1 and "contract holds" in seen[0]
    node.stop(engine)


def test_follow_logs_ends_when_the_node_stops(engine: v6node.Engine,
                                              sandbox: NodeSandbox) -> None:
    node = started_node(engine, sandbox)
    chunks: List[str] = []
    stopper = threading.Timer(1.0, lambda: docker("stop", "-t", "5", node.container))
    stopper.start()
    node.follow_logs(engine, on_output=chunks.append)  # returns when the node stops
    stopper.join()
    text = "".join(chunks)
    assert "contract holds" in text and "stopping" in text


def test_follow_logs_ctrl_c_stops_the_stream(engine: v6node.Engine,
                                             sandbox: NodeSandbox) -> None:
    node = started_node(engine, sandbox)

    def interrupt(chunk: str) -> None:
        raise KeyboardInterrupt  # as Ctrl-C would, in the callback

    with pytest.raises(KeyboardInterrupt):
        node.follow_logs(engine, on_output=interrupt)

    # Ctrl-C (a real SIGINT) while the stream waits for output that never comes
    stream = node.follow_logs(engine, tail=0)
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        for _ in stream:
            pass
    timer.join()
    assert time.monotonic() - t0 < 5
    assert stream.closed  # stopped and joined before the interrupt went on
    ready(engine, node)
    node.stop(engine)


def test_logs_of_a_node_without_container(engine: v6node.Engine) -> None:
    ghost = v6node.Node("v6ntest-py-no-such-node")
    with ghost.follow_logs(engine) as stream:
        with pytest.raises(v6node.NotFound):
            next(stream)
    with pytest.raises(v6node.NotFound):
        ghost.logs(engine)


def test_keep_stop_status_remove(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    node = started_node(engine, sandbox, keep=True)
    started = node.status(engine)
    ready(engine, node)
    node.stop(engine, keep_volumes=True, timeout=5)
    status = node.status(engine)
    assert status.state == "stopped" and status.id == started.id
    assert isinstance(status.exit_code, int)
    assert isinstance(status.finished_at, datetime) and status.finished_at.tzinfo is not None
    assert status.drift == (), status.drift  # the record knows keep=True
    assert all(volume_exists(v) for v in volumes_of(node.container))

    data_dir = sandbox.home / ".local" / "share" / "vantage6" / "node" / node.name
    assert data_dir.is_dir()
    cfg = node.config_path
    events: List[v6node.Event] = []
    node.remove(engine, progress=events.append)
    assert {"volume_removed", "path_removed"} <= {e.kind for e in events}
    assert container_state(node.container) is None
    assert not any(volume_exists(v) for v in volumes_of(node.container))
    assert cfg is not None and not cfg.exists() and not data_dir.exists()
    assert node.status(engine).state == "absent"


def test_the_socket_bind_follows_a_unix_docker_host(engine: v6node.Engine,
                                                    sandbox: NodeSandbox,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    socket = engine.docker_socket
    if socket is None:
        pytest.skip("the test engine is not a unix socket")
    link = sandbox.root / "docker.sock"
    link.symlink_to(socket)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{link}")
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    with v6node.Engine.from_env() as here:
        assert here.docker_socket == str(link)
        node = started_node(here, sandbox)
        binds = json.loads(inspect(node.container, "{{json .HostConfig.Binds}}"))
        assert f"{link}:/var/run/docker.sock" in binds, binds
        assert node.status(here).drift == ()
        ready(here, node)
        node.stop(here)
    # an explicit docker_socket option wins
    name = sandbox.new_name()
    sandbox.write_config(name)
    with v6node.Engine.from_env() as here:
        v6node.Node(name, docker_socket=socket, **RUN).start(here)
        binds = json.loads(inspect(f"vantage6-{name}-user", "{{json .HostConfig.Binds}}"))
        assert f"{socket}:/var/run/docker.sock" in binds, binds
        v6node.Node(name).stop(here, force=True)


def test_cancel_from_the_progress_callback(engine: v6node.Engine,
                                           sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    seen: List[str] = []

    def stop_at_the_image(event: v6node.Event) -> Optional[bool]:
        seen.append(event.kind)
        return False if event.kind == "image" else None

    # The start runs ahead of the callback and sees the cancel at its next step
    # (the first volume), long before the container would be created.
    with pytest.raises(v6node.Cancelled) as info:
        v6node.Node(name, **RUN).start(engine, progress=stop_at_the_image)
    assert seen == ["image"]
    assert "stopped by the caller" in info.value.message
    assert container_state(f"vantage6-{name}-user") is None
    assert not any(volume_exists(v) for v in volumes_of(f"vantage6-{name}-user"))


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_start_is_undone(engine: v6node.Engine, sandbox: NodeSandbox,
                                        exc: type) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    node = v6node.Node(name, **RUN)

    def interrupt(event: v6node.Event) -> None:
        if event.kind == "image":
            raise exc("interrupted")  # as Ctrl-C would, between two polls

    with pytest.raises(exc):
        node.start(engine, progress=interrupt)
    container = f"vantage6-{name}-user"
    assert wait_for(lambda: container_state(container) is None)
    assert not any(volume_exists(v) for v in volumes_of(container))
    # the engine and the node are still usable afterwards
    assert node.start(engine).container == container
    ready(engine, node)
    node.stop(engine)


def test_the_engine_is_busy_during_its_own_start(engine: v6node.Engine,
                                                 sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    with pytest.raises(v6node.InvalidArgument) as info:
        v6node.Node(name, **RUN).start(engine, progress=lambda event: engine.ping())
    assert "busy" in info.value.message
    assert container_state(f"vantage6-{name}-user") is None  # the start was undone
    assert engine.ping()  # and usable again


def test_one_engine_and_one_node_shared_by_threads(engine: v6node.Engine,
                                                   sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    node = v6node.Node(name, **RUN)
    errors: List[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                engine.ping()
                node.status(engine)
                node.spec()
                engine.list()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

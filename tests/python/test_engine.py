"""The binding against the real Docker engine, with the stand-in node image
(pull "missing"/"never": nothing is ever pulled from a registry). Each test
makes its own node (v6ntest-py-<pid>-<n>-<hex>) in a temporary HOME and removes
its container and volumes by exact name."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import List

import pytest

import v6node
from conftest import STANDIN, NodeSandbox, container_state, docker, volume_exists

pytestmark = pytest.mark.usefixtures("engine_ready")

RUN = {"image": STANDIN, "pull": "never"}  # start options of every node here


@pytest.fixture
def engine():
    with v6node.Engine.from_env() as e:
        yield e


def wait_for(predicate, timeout: float = 15.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def ready(engine: v6node.Engine, name: str) -> None:
    """Wait until the stand-in node has printed its contract line: only then
    does it handle SIGTERM (a stop before that waits the engine's 10 s)."""
    assert wait_for(lambda: "contract holds" in engine.logs(name)), engine.logs(name)


def volumes_of(container: str) -> List[str]:
    return [f"{container}-{s}" for s in ("vol", "vpn-vol", "ssh-vol", "squid-vol")]


# ---- the engine itself ------------------------------------------------------------


def test_ping_host_and_request_count(engine: v6node.Engine) -> None:
    version = engine.ping()
    assert version.count(".") == 1 and version.split(".")[0] == "1"
    assert engine.host.startswith(("unix://", "tcp://", "http"))
    assert engine.request_count() >= 1
    assert "Engine" in repr(engine)


def test_closed_engine_raises(engine: v6node.Engine) -> None:
    engine.close()
    engine.close()  # idempotent
    assert engine.closed
    with pytest.raises(v6node.InvalidArgument):
        engine.ping()


def test_unreachable_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with v6node.Engine(f"unix://{tmp_path}/no-docker.sock") as e:
        with pytest.raises(v6node.EngineUnavailable) as info:
            e.ping()
    assert isinstance(info.value, v6node.EngineError)
    assert "no-docker.sock" in info.value.message
    # from the environment, as the docker CLI reads it (a closed port on loopback)
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    with v6node.Engine.from_env() as e:
        assert e.host == "tcp://127.0.0.1:1"
        with pytest.raises(v6node.EngineUnavailable):
            e.list()


def test_code_name_of_unavailable(tmp_path: Path) -> None:
    with v6node.Engine(f"unix://{tmp_path}/no-docker.sock") as e:
        with pytest.raises(v6node.EngineUnavailable) as info:
            e.ping()
    assert info.value.code_name == "V6N_EUNAVAILABLE"


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


# ---- a node's life -------------------------------------------------------------------


def test_start_status_logs_list_stop(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    container = f"vantage6-{name}-user"

    events: List[v6node.Event] = []
    started = engine.start(name=name, on_progress=events.append, **RUN)

    assert isinstance(started, v6node.StartResult)
    assert started.container == container and started.name == name
    assert started.image == STANDIN and started.image_rule == "option"
    assert len(started.id) == 64
    assert started.as_dict() == {"id": started.id, "image": STANDIN, "image_rule": "option",
                                 "container": container, "name": name,
                                 "vantage6_version": "4.15"}
    kinds = [e.kind for e in events]
    assert kinds[0] == "image" and events[0].image == STANDIN
    assert kinds.count("volume") == 4 and kinds[-2:] == ["created", "started"]
    assert {e.id for e in events if e.kind == "volume"} == set(volumes_of(container))
    assert events[-1].id == started.id
    assert all(k in v6node.EVENT_KINDS for k in kinds)
    assert events[0].as_dict()["kind"] == "image"

    assert container_state(container) == "running"
    status = engine.status(name=name, **RUN)
    assert status["state"] == "running" and status["id"] == started.id
    assert status["drift"] == [] and status["container"] == container
    assert list(status) == ["name", "scope", "config", "state", "status", "container", "id",
                            "image", "started_at", "finished_at", "exit_code", "vantage6_version",
                            "drift"]

    logs = wait_for(lambda: engine.logs(name), timeout=10)
    assert "vnode-local: contract holds" in logs, logs
    assert engine.logs(container=container, tail=1) == logs.splitlines(keepends=True)[-1]
    cfg = sandbox.config_dir / f"{name}.yaml"
    assert engine.logs(config=cfg) == logs
    assert engine.logs(name, timestamps=True).startswith("20")

    mine = [n for n in engine.list() if n["name"] == name]
    assert len(mine) == 1
    assert mine[0]["state"] == "running" and mine[0]["scope"] == "user"
    assert mine[0]["config"] == str(cfg) and mine[0]["container"] == container

    engine.stop(name, timeout=5)
    assert wait_for(lambda: container_state(container) is None)
    assert not any(volume_exists(v) for v in volumes_of(container))
    assert engine.status(name=name, **RUN)["state"] == "absent"


def test_starting_a_running_node_is_a_conflict(engine: v6node.Engine,
                                               sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    first = engine.start(name=name, **RUN)
    with pytest.raises(v6node.Conflict) as info:
        engine.start(name=name, **RUN)
    assert name in info.value.message and info.value.code_name == "V6N_ECONFLICT"
    assert engine.status(name=name, **RUN)["id"] == first.id  # untouched
    with pytest.raises(v6node.Conflict):
        engine.remove(name=name, **RUN)  # a running node is not removed
    engine.stop(name, force=True)


def test_stopping_an_absent_node_is_not_found(engine: v6node.Engine) -> None:
    with pytest.raises(v6node.NotFound) as info:
        engine.stop("v6ntest-py-never-started", system=True)
    assert "not running" in info.value.message


def test_missing_image_with_pull_never(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    absent = "127.0.0.1:5999/v6node-test/node:absent-from-engine"
    with pytest.raises(v6node.NotFound) as info:
        engine.start(name=name, image=absent, pull="never")
    assert absent in info.value.message
    assert container_state(f"vantage6-{name}-user") is None
    assert not any(volume_exists(v) for v in volumes_of(f"vantage6-{name}-user"))


def test_unreachable_registry_is_an_engine_error(engine: v6node.Engine,
                                                 sandbox: NodeSandbox) -> None:
    # pull "missing" of an absent image asks 127.0.0.1:5999, where nothing listens
    name = sandbox.new_name()
    sandbox.write_config(name)
    with pytest.raises(v6node.EngineError) as info:
        engine.start(name=name, image="127.0.0.1:5999/v6node-test/node:absent", pull="missing")
    assert info.value.http_status == 500
    assert not isinstance(info.value, v6node.EngineUnavailable)


def test_invalid_config_is_a_config_error(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    path = sandbox.write_config(name, extra="node_extra_env:\n  1BAD: x\n")
    with pytest.raises(v6node.ConfigError) as info:
        engine.start(path, **RUN)
    assert info.value.key == "node_extra_env.1BAD"
    path.write_text(path.read_text().replace("port: 443", "port: abc"))
    with pytest.raises(v6node.ConfigError) as info:
        engine.status(path, **RUN)
    assert info.value.key == "port"
    with pytest.raises(v6node.NotFound):
        engine.start(name=sandbox.new_name(), **RUN)  # no config
    assert container_state(f"vantage6-{name}-user") is None


def test_drift_after_a_config_change_and_restart(engine: v6node.Engine,
                                                 sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name, env={"SITE": "alpha"})
    first = engine.start(name=name, **RUN)
    assert engine.status(name=name, **RUN)["drift"] == []
    ready(engine, name)

    sandbox.write_config(name, env={"SITE": "beta"})
    drift = engine.status(name=name, **RUN)["drift"]
    assert any("SITE" in d and "alpha" in d and "beta" in d for d in drift), drift
    # drift is judged against the start options too
    assert any("image" in d for d in engine.status(name=name, image="other/image:1")["drift"])

    events: List[str] = []
    again = engine.restart(name=name, timeout=5, on_progress=lambda e: events.append(e.kind),
                           **RUN)
    assert again.id != first.id and again.container == first.container
    assert "stopped" in events and events[-1] == "started"
    status = engine.status(name=name, **RUN)
    assert status["state"] == "running" and status["drift"] == []
    ready(engine, name)
    engine.stop(name)


def test_restart_of_a_stopped_node_starts_it(engine: v6node.Engine,
                                             sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    started = engine.restart(name=name, **RUN)
    assert container_state(started.container) == "running"
    ready(engine, name)
    engine.stop(name)


def test_follow_logs_closed_early(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    engine.start(name=name, **RUN)

    stream = engine.follow_logs(name)
    chunk = next(stream)
    assert "contract holds" in chunk
    # the stream has its own connection: the engine stays usable meanwhile
    assert engine.status(name=name, **RUN)["state"] == "running"
    t0 = time.monotonic()
    stream.close()
    assert time.monotonic() - t0 < 5
    assert stream.closed
    assert list(stream) == []
    stream.close()  # idempotent

    # as a context manager, closed from another thread while waiting for output
    with engine.follow_logs(name, tail=0) as quiet:
        timer = threading.Timer(0.5, quiet.close)
        timer.start()
        t0 = time.monotonic()
        assert list(quiet) == []
        assert time.monotonic() - t0 < 5
        timer.join()
    engine.stop(name)


def test_follow_logs_ends_when_the_node_stops(engine: v6node.Engine,
                                              sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    engine.start(name=name, **RUN)
    chunks: List[str] = []
    with engine.follow_logs(name) as stream:
        stopper = threading.Timer(1.0, lambda: docker("stop", "-t", "5", f"vantage6-{name}-user"))
        stopper.start()
        for chunk in stream:  # ends by itself
            chunks.append(chunk)
        stopper.join()
    text = "".join(chunks)
    assert "contract holds" in text and "stopping" in text


def test_follow_logs_of_a_missing_container(engine: v6node.Engine) -> None:
    with engine.follow_logs(container="v6ntest-py-no-such-container") as stream:
        with pytest.raises(v6node.NotFound):
            next(stream)
    with pytest.raises(v6node.NotFound):
        engine.logs(container="v6ntest-py-no-such-container")
    with pytest.raises(v6node.InvalidArgument):
        engine.logs("a", container="b")


def test_keep_stop_status_remove(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    cfg = sandbox.write_config(name)
    started = engine.start(name=name, keep=True, **RUN)
    ready(engine, name)
    engine.stop(name, keep_volumes=True, timeout=5)
    status = engine.status(name=name, keep=True, **RUN)
    assert status["state"] == "stopped" and status["id"] == started.id
    assert all(volume_exists(v) for v in volumes_of(started.container))

    data_dir = sandbox.home / ".local" / "share" / "vantage6" / "node" / name
    assert data_dir.is_dir()
    engine.remove(name=name, keep=True, **RUN)
    assert container_state(started.container) is None
    assert not any(volume_exists(v) for v in volumes_of(started.container))
    assert not cfg.exists() and not data_dir.exists()
    with pytest.raises(v6node.NotFound):
        engine.status(name=name)


def test_ensure_volumes_and_clean(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    container = f"vantage6-{name}-user"
    engine.ensure_volumes(name=name, **RUN)
    engine.ensure_volumes(name=name, **RUN)  # idempotent
    assert all(volume_exists(v) for v in volumes_of(container))

    tmpvol = f"{container}-42-tmpvol"
    sandbox.volumes.append(tmpvol)
    assert docker("volume", "create", tmpvol).returncode == 0
    # only this node's leftovers: never clean() without a name here (shared engine)
    assert engine.clean(name) == 1
    assert not volume_exists(tmpvol)
    assert engine.clean(name) == 0
    assert all(volume_exists(v) for v in volumes_of(container))


def test_cancel_from_the_progress_callback(engine: v6node.Engine,
                                           sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    seen: List[str] = []

    def stop_at_the_image(event: v6node.Event):
        seen.append(event.kind)
        return False if event.kind == "image" else None

    # The start runs ahead of the callback and sees the cancel at its next step
    # (the first volume), long before the container would be created.
    with pytest.raises(v6node.Cancelled) as info:
        engine.start(name=name, on_progress=stop_at_the_image, **RUN)
    assert seen == ["image"]
    assert "stopped by the caller" in info.value.message
    assert container_state(f"vantage6-{name}-user") is None
    assert not any(volume_exists(v) for v in volumes_of(f"vantage6-{name}-user"))


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_start_is_undone(engine: v6node.Engine, sandbox: NodeSandbox,
                                        exc: type) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)

    def interrupt(event: v6node.Event) -> None:
        if event.kind == "image":
            raise exc("interrupted")  # as Ctrl-C would, between two polls

    with pytest.raises(exc):
        engine.start(name=name, on_progress=interrupt, **RUN)
    container = f"vantage6-{name}-user"
    assert wait_for(lambda: container_state(container) is None)
    assert not any(volume_exists(v) for v in volumes_of(container))
    # the engine is still usable afterwards
    assert engine.start(name=name, **RUN).container == container
    ready(engine, name)
    engine.stop(name)


def test_the_engine_is_busy_during_its_own_start(engine: v6node.Engine,
                                                 sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    with pytest.raises(v6node.InvalidArgument) as info:
        engine.start(name=name, on_progress=lambda event: engine.ping(), **RUN)
    assert "busy" in info.value.message
    assert container_state(f"vantage6-{name}-user") is None  # the start was undone
    assert engine.ping()  # and usable again


def test_one_engine_shared_by_threads(engine: v6node.Engine, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    errors: List[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                engine.ping()
                engine.status(name=name, **RUN)
                engine.list()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

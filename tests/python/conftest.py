"""Shared pieces of the Python binding tests (see README.md beside this file).

Every node a test makes is named ``v6ntest-py-<pid>-<n>-<random>``; its
container and volumes are removed by exact name afterwards, with the docker CLI
(never by a filter: other containers share the engine)."""
from __future__ import annotations

import itertools
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

SOURCE_DIR = Path(os.environ.get("V6N_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("V6N_BUILD_DIR", SOURCE_DIR / "build"))
CLI = os.environ.get("V6N_CLI", str(BUILD_DIR / "cli" / "v6node"))
FIXTURES = SOURCE_DIR / "tests" / "fixtures"
NODE_MANAGER = SOURCE_DIR / "examples" / "node-manager"

#: The stand-in node image built by the engine_setup ctest fixture. Its
#: registry address answers nothing, so the engine never pulls from outside.
STANDIN = "127.0.0.1:5999/v6node-test/node:standin"

XDG_VARS = (
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_DIRS",
    "XDG_DATA_DIRS",
)
VOLUME_SUFFIXES = ("vol", "vpn-vol", "ssh-vol", "squid-vol")

_counter = itertools.count(1)


def unique_node_name() -> str:
    """A node name no user would pick, unique to this run."""
    return f"v6ntest-py-{os.getpid()}-{next(_counter)}-{secrets.token_hex(2)}"


def docker(*args: str) -> subprocess.CompletedProcess:
    """Run the docker CLI (for checks and clean-up independent of the binding)."""
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)


def container_state(container: str) -> Optional[str]:
    """The engine's state of a container ("running", "exited"...) or None."""
    r = docker("inspect", "-f", "{{.State.Status}}", container)
    return r.stdout.strip() if r.returncode == 0 else None


def volume_exists(volume: str) -> bool:
    return docker("volume", "inspect", volume).returncode == 0


def remove_node_objects(node: str, scopes=("user", "system"), extra_volumes=()) -> None:
    """Remove the container and the four volumes of a node, by exact name.
    An auto-remove container may still be going away when `rm -f` returns,
    and keeps its volumes in use until it is gone: wait for that."""
    volumes = list(extra_volumes)
    for scope in scopes:
        container = f"vantage6-{node}-{scope}"
        docker("rm", "-f", container)
        deadline = time.monotonic() + 20
        while container_state(container) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        volumes += [f"{container}-{suffix}" for suffix in VOLUME_SUFFIXES]
    for volume in volumes:
        for _ in range(20):
            if docker("volume", "rm", volume).returncode == 0 or not volume_exists(volume):
                break
            time.sleep(0.25)


def node_yaml(databases: str = "", extra: str = "") -> str:
    """A valid 4.x node config, with `databases` (YAML list items) and `extra`
    top-level lines."""
    body = textwrap.dedent(
        """\
        api_key: test-key
        server_url: https://v6.example.org
        port: 443
        api_path: /api
        task_dir: /tmp/v6ntest-task
        logging:
          level: INFO
          use_console: true
          backup_count: 5
          max_size: 1024
          format: "%(asctime)s - %(message)s"
          datefmt: "%H:%M:%S"
        encryption:
          enabled: false
        """
    )
    body += ("databases:\n" + databases) if databases else "databases: []\n"
    return body + extra


class NodeSandbox:
    """A temporary HOME with a vantage6 user config folder, and the names of the
    nodes made in it (cleaned up by exact name)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.config_dir = self.home / ".config" / "vantage6" / "node"
        self.config_dir.mkdir(parents=True)
        self.data = root / "data"
        self.data.mkdir()
        self.nodes: List[str] = []
        self.volumes: List[str] = []

    def new_name(self) -> str:
        name = unique_node_name()
        self.nodes.append(name)
        return name

    def write_config(self, name: str, *, env: Optional[Dict[str, str]] = None,
                     csv: bool = True, extra: str = "") -> Path:
        """Write a typical config for node `name` (a csv database in the
        sandbox, optional node_extra_env) in the user config folder."""
        databases = ""
        if csv:
            db = self.data / f"{name}.csv"
            db.write_text("id,age\n1,40\n")
            databases = f"  - label: default\n    uri: {db}\n    type: csv\n"
        if env:
            extra += "node_extra_env:\n" + "".join(f"  {k}: {v}\n" for k, v in env.items())
        path = self.config_dir / f"{name}.yaml"
        path.write_text(node_yaml(databases, extra))
        return path

    def cleanup(self) -> None:
        for name in self.nodes:
            remove_node_objects(name, extra_volumes=self.volumes)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NodeSandbox]:
    """HOME in a temp dir (the library reads HOME and the XDG variables), no
    XDG overrides, the current directory in the temp dir."""
    box = NodeSandbox(tmp_path)
    monkeypatch.setenv("HOME", str(box.home))
    for var in XDG_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    try:
        yield box
    finally:
        box.cleanup()


@pytest.fixture(scope="session")
def engine_ready() -> None:
    """Skip nothing: the engine_setup ctest fixture guarantees an engine and
    the stand-in image. Fail clearly when they are missing."""
    if shutil.which("docker") is None:
        pytest.fail("the docker CLI is missing (run scripts/engine-up.sh)")
    r = docker("image", "inspect", STANDIN)
    if r.returncode != 0:
        pytest.fail(f"the stand-in image {STANDIN} is missing: run "
                    "tests/integration/standin/build-image.sh (ctest's engine_setup does)")


def python() -> str:
    return sys.executable

"""What every scenario shares: the settings run.sh wrote, the server (asked through its
API), the user's HOME with its vantage6 node folder, the csv databases, and the commands
(`v6node`, docker, the vantage6 client, the official CLI), each logged in
build/e2e/logs/commands.log.

Runs inside the suite's network and mount namespaces: /var/run/docker.sock is the suite
engine, the server is at the bridge's gateway address.
"""
from __future__ import annotations

import csv
import json
import os
import random
import secrets
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from serverapi import ServerAPI

VOLUME_SUFFIXES = ("vol", "vpn-vol", "ssh-vol", "squid-vol")


def log(msg: str) -> None:
    print(f"e2e:   {msg}", file=sys.stderr, flush=True)


def check(condition: bool, message: str) -> None:
    """An assertion that survives `python -O` and says what was expected."""
    if not condition:
        raise AssertionError(message)


@dataclass
class Site:
    """An organization with a node registered for it on the server."""
    key: str
    organization_id: int
    node_id: int
    node_name: str  # the server's name of the node
    api_key: str
    collaboration_id: int


class World:
    def __init__(self, settings: dict) -> None:
        self.s = settings
        self.out = Path(settings["out"])
        self.log_dir = self.out / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.command_log = open(self.log_dir / "commands.log", "a", encoding="utf-8")
        # The user: a HOME of its own, vantage6's user folders under it.
        self.home = self.out / "home"
        self.config_dir = self.home / ".config" / "vantage6" / "node"
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.out / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.environ["HOME"] = str(self.home)
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS",
                    "XDG_DATA_DIRS", "DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
                    "DOCKER_CONFIG", "DATA_VOLUME_NAME", "VPN_VOLUME_NAME",
                    "SSH_TUNNEL_VOLUME_NAME", "SSH_SQUID_VOLUME_NAME", "PRIVATE_KEY"):
            os.environ.pop(var, None)
        srv = settings["server"]
        self.server_url = f"http://{srv['host']}"
        self.server_port = srv["port"]
        self.api_path = srv["api_path"]
        self.api = ServerAPI(f"{self.server_url}:{self.server_port}{self.api_path}")
        self.api.login("root", "root")
        self.root_org = self.api.whoami_organization()
        self.sites: dict[str, Site] = {}
        self.collaborations: dict[str, int] = {}
        self.started: list[str] = []  # node names, to stop at the end
        self.random = random.Random(secrets.randbits(64))

    # ---- images and tools ----------------------------------------------------------

    @property
    def node_image(self) -> str:
        return self.s["images"]["node"]

    @property
    def node_image_old(self) -> str:
        return self.s["images"]["node_old"]

    @property
    def algorithm_image(self) -> str:
        return self.s["images"]["algorithm"]

    def run(self, argv: list[str], *, timeout: float = 180, env: dict | None = None,
            check_rc: bool = False) -> subprocess.CompletedProcess:
        t0 = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, **(env or {})})
        self.command_log.write(f"$ {shlex.join(argv)}   # exit {r.returncode}, "
                               f"{time.monotonic() - t0:.2f} s\n{r.stdout}{r.stderr}\n")
        self.command_log.flush()
        if check_rc and r.returncode != 0:
            raise AssertionError(f"{shlex.join(argv[:4])}... exited {r.returncode}: "
                                 f"{(r.stderr or r.stdout).strip()[-800:]}")
        return r

    def v6node(self, *args: str, check_rc: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        return self.run([self.s["cli"], *args], check_rc=check_rc, timeout=timeout)

    def docker(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(["docker", *args], timeout=120)

    def official_v6(self, *args: str, check_rc: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        return self.run([self.s["venvs"]["official"] + "/bin/python",
                         str(Path(self.s["here"]) / "driver" / "official_v6.py"), *args],
                        check_rc=check_rc, timeout=timeout)

    # ---- the server: organizations, collaborations, nodes ------------------------------

    def collaboration(self, key: str, encrypted: bool = False) -> int:
        if key not in self.collaborations:
            self.collaborations[key] = self.api.create_collaboration(
                f"v6ne2e-{key}", [self.root_org], encrypted)
        return self.collaborations[key]

    def site(self, key: str, collaboration: str = "collab") -> Site:
        """An organization in the collaboration with a node registered for it (once)."""
        if key in self.sites:
            return self.sites[key]
        cid = self.collaboration(collaboration)
        org = self.api.create_organization(f"v6ne2e-{key}")
        members = self.api.collaboration_members(cid)
        self.api.request("PATCH", f"collaboration/{cid}", {"organization_ids": members + [org]})
        node_name = f"v6ne2e-{key}-node"
        node_id, api_key = self.api.create_node(node_name, cid, org)
        check(bool(api_key), f"the server gave no API key for {node_name}")
        self.sites[key] = Site(key, org, node_id, node_name, api_key, cid)
        return self.sites[key]

    # ---- databases ---------------------------------------------------------------------

    def make_csv(self, name: str, rows: int | None = None, like: Path | None = None) -> Path:
        """A csv database with random values (a new set every run), or a copy of `like`."""
        path = self.data_dir / f"{name}.csv"
        if like is not None:
            path.write_bytes(like.read_bytes())
            return path
        rows = rows or self.random.randint(40, 160)
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "age", "weight"])
            for i in range(rows):
                w.writerow([i + 1, self.random.randint(18, 95), self.random.randint(45, 130)])
        return path

    @staticmethod
    def expected(db: Path, column: str) -> dict:
        """The algorithm's answer, computed from the csv directly."""
        with open(db, newline="") as fh:
            values = [float(row[column]) for row in csv.DictReader(fh)]
        return {"rows": len(values), "sum": sum(values)}

    # ---- node configs, as a user writes them --------------------------------------------

    def write_config(self, name: str, api_key: str, db: Path, *, port: int | None = None,
                     private_key: Path | None = None, mount_mode: str | None = None) -> Path:
        """A node config in the user's vantage6 folder, with the keys and layout `v6 node new`
        writes, plus the policies a site running a local algorithm image adds by hand."""
        database = {"label": "default", "uri": str(db), "type": "csv"}
        if mount_mode:
            database["mount_mode"] = mount_mode
        config = {
            "api_key": api_key,
            "server_url": self.server_url,
            "port": port or self.server_port,
            "api_path": self.api_path,
            "task_dir": str(self.home / ".local" / "share" / "vantage6" / "node" / name),
            "databases": [database],
            "policies": {
                "allowed_algorithms": ["^127\\.0\\.0\\.1:5999/v6ne2e/algorithm:.*$"],
                "require_algorithm_pull": False,
            },
            "logging": {
                "level": "DEBUG",
                "use_console": True,
                "backup_count": 5,
                "max_size": 1024,
                "format": "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s",
                "datefmt": "%Y-%m-%d %H:%M:%S",
                "loggers": [{"name": n, "level": "warning"} for n in
                            ("urllib3", "requests", "engineio.client", "docker.utils.config",
                             "docker.auth")],
            },
            "encryption": {"enabled": private_key is not None,
                           "private_key": str(private_key) if private_key else ""},
        }
        path = self.config_dir / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    # ---- a node's container, volumes and output -----------------------------------------

    @staticmethod
    def container(name: str) -> str:
        return f"vantage6-{name}-user"

    def container_state(self, name: str) -> str | None:
        r = self.docker("inspect", "-f", "{{.State.Status}}", self.container(name))
        return r.stdout.strip() if r.returncode == 0 else None

    def volumes(self, name: str) -> dict[str, bool]:
        return {f"{self.container(name)}-{s}":
                self.docker("volume", "inspect", f"{self.container(name)}-{s}").returncode == 0
                for s in VOLUME_SUFFIXES}

    def wait_container_gone(self, name: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.container_state(name) is not None:
            check(time.monotonic() < deadline,
                  f"{self.container(name)} still exists {timeout:.0f} s later")
            time.sleep(0.2)

    def logs(self, name: str) -> str:
        r = self.v6node("logs", "-n", name, check_rc=False)
        return r.stdout + r.stderr

    def wait_logs(self, name: str, wanted: list[str], timeout: float) -> str:
        """The node's output (`v6node logs`) once it contains every line in `wanted`."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.logs(name)
            missing = [w for w in wanted if w not in text]
            if not missing:
                return text
            if time.monotonic() >= deadline:
                raise AssertionError(f"`v6node logs -n {name}` has no {missing} after "
                                     f"{timeout:.0f} s; its end:\n{text[-1500:]}")
            time.sleep(0.5)

    def start_cli(self, name: str, image: str | None = None) -> float:
        """`v6node start -n NAME -i IMAGE`; returns the monotonic time before the command."""
        t0 = time.monotonic()
        self.started.append(name)
        self.v6node("start", "-n", name, "-i", image or self.node_image)
        return t0

    def stop_cli(self, name: str) -> None:
        self.v6node("stop", "-n", name)

    # ---- tasks, with the vantage6 client --------------------------------------------------

    def run_task(self, collaboration: int, organizations: list[int], column: str,
                 private_key: Path | None = None, timeout: float = 120) -> dict:
        request = {
            "host": self.server_url, "port": self.server_port, "api_path": self.api_path,
            "username": "root", "password": "root", "collaboration": collaboration,
            "organizations": organizations, "image": self.algorithm_image,
            "method": "count_and_sum", "kwargs": {"column": column}, "database": "default",
            "private_key": str(private_key) if private_key else None, "timeout": timeout,
        }
        req_file = self.out / f"task-{secrets.token_hex(4)}.json"
        req_file.write_text(json.dumps(request))
        r = self.run([self.s["venvs"]["server"] + "/bin/python",
                      str(Path(self.s["here"]) / "driver" / "client_task.py"), str(req_file)],
                     timeout=timeout + 60, check_rc=True)
        answer = json.loads(r.stdout.strip().splitlines()[-1])
        log(f"task {answer['task_id']}: {answer['status']} in {answer['seconds']} s")
        return answer

    # ---- the end ------------------------------------------------------------------------

    def stop_all(self) -> list[str]:
        """Stop every node the suite started (by name); returns the containers left."""
        left = []
        for name in dict.fromkeys(self.started):
            if self.container_state(name) is not None:
                self.v6node("stop", "-n", name, check_rc=False)
            try:
                self.wait_container_gone(name, 30)
            except AssertionError:
                left.append(self.container(name))
        return left

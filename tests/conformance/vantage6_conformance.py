#!/usr/bin/env python3
"""Differential conformance check: one official vantage6 4.x `v6 node start` vs `v6node spec`.

For every spec fixture (tests/fixtures/NN-name) this runs

  * ours:   `v6node spec --vantage6-version X <args>`, and takes the "create" object it prints;
  * theirs: the real vantage6 X CLI (`v6 node start <args>`, in-process, in a forked child)
            against a fake, recording Docker Engine on a unix socket, and takes the body of
            the `POST /containers/create` request that docker-py sends;

and compares the two with key order (Docker receives a JSON object, docker-py sends a dict,
so order is part of what we promise). Known, deliberate differences from the contract
(shared/spec/libv6node-behaviour.md) are normalised or reported as DEVIATION; anything else
is a FAIL with a diff.

Run it with the python of a venv that has `vantage6==X` installed (matrix.py makes those
venvs and runs this once per release of releases.py):

    <venv>/bin/python tests/conformance/vantage6_conformance.py --release X \
        --v6node build/cli/v6node --fixtures tests/fixtures [--only NAME...] [--json OUT]

Exit status: 0 when everything comparable matches, 1 on any FAIL, 2 on a setup problem.
Nothing here ever talks to a real engine, registry or vantage6 server: the child process
only may connect to the fake engine's socket (see `block_network`).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import http.server
import importlib.metadata
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import releases as release_table  # noqa: E402

# libv6node-only `spec` options: the official CLI has no equivalent, so such fixtures
# cannot be reproduced with it.
LIBV6NODE_ONLY_OPTIONS = ("--workdir", "--host-path", "--docker-socket", "--data-dir", "--log-dir")

# Fixtures that succeed for us but encode a deliberate deviation in what is created, so
# vantage6 is expected to build something else. We still run vantage6 to show what it did.
SKIPPED_DEVIATIONS = {
    "08-images-without-node": "deviation (contract §5): with `images` but no `images.node`, "
    "vantage6 uses node:cotopaxi and never asks the server; libv6node goes on to the server rule",
    "05-yml-extension": "deviation (contract §1, facts §9.3): vantage6 finds only NAME.yaml and "
    "hard-codes '.yaml' in the command; libv6node accepts NAME.yml and names the real file",
}

# Error fixtures whose rule IS a deviation: there the official tool crashes, warns or
# builds a broken container, so it is not expected to refuse. Every other fixture that
# libv6node refuses must also be refused by vantage6 (non-zero exit or no create request).
ERROR_DEVIATIONS = {
    "19-private-key-missing-encryption-on": "contract §6: official only warns, node fails later",
    "21-ssh-tunnel-no-key": "contract §6: official crashes (Path(None))",
    "22-ssh-tunnel-missing-key-file": "contract §6: official mounts a missing path",
    "29-force-db-mount-uri": "contract §8: official binds a URI as a source",
    "30-force-db-mount-bare-word": "contract §8: official binds a word (a volume name)",
    "31-duplicate-labels": "contract §8: official fails later, at the engine",
    "33-label-non-ascii": "contract §8: Python accepts Unicode identifiers",
    "47-bad-name": "contract §1: the official name check lets spaces pass",
    "51-both-name-and-config": "v6node CLI: -n with -c rejected; official mixes the names (facts §9.3)",
    "52-databases-mapping-form": "contract §2: official crashes (TypeError)",
    "53-colon-in-path": "':' in a bind source: official passes it on, the engine misparses it",
}


@dataclass(frozen=True)
class RelativeSource:
    """A bind target whose source vantage6 leaves relative (as written in the config, or
    `.`) where libv6node makes it absolute against the working directory: a documented
    deviation, reported as DEVIATION, in the releases [since, until] (inclusive)."""

    target: re.Pattern
    why: str
    since: tuple = (4,)
    until: tuple = (4, 999)

    def applies(self, release: tuple) -> bool:
        return self.since <= release[: len(self.since)] and release[: len(self.until)] <= self.until


RELATIVE_SOURCE_DEVIATIONS = (
    RelativeSource(re.compile(r"^/mnt/ssh/[^/]+\.pem\.tmp$"), "ssh key kept as written (facts §1.12)"),
    RelativeSource(re.compile(r"^/mnt/config$"), "config dir '.' of the current-directory "
                   "fallback (contract §4: never relative)", until=(4, 14)),
    RelativeSource(re.compile(r"^/mnt/config/[^/]+\.yaml$"), "config file './NAME.yaml' of the "
                   "current-directory fallback kept relative: Docker would take it for a volume "
                   "name (contract §4: never relative)", since=(4, 15)),
    RelativeSource(re.compile(r"^/mnt/log$"), "relative `directories.log` kept as written; "
                   "libv6node makes it absolute against the working dir (docs/behaviour.md)"),
    RelativeSource(re.compile(r"^/mnt/private_key\.pem$"), "key under a relative "
                   "`directories.data` kept relative; libv6node makes it absolute (docs/behaviour.md)"),
    # database mounts: /mnt/<label><suffix>, i.e. any /mnt/<x> that is not a fixed mount
    RelativeSource(re.compile(r"^/mnt/(?!(log|data|vpn|ssh|squid|config|private_key\.pem)$)[^/]+$"),
                   "database path kept as written (facts §1.14, --force-db-mount)", since=(4, 14)),
    RelativeSource(re.compile(r"^/mnt/(?!(log|data|vpn|ssh|squid|config|private_key\.pem)$)[^/]+$"),
                   "database path kept as written: before 4.14 an existing path is not resolved "
                   "(RELEASES.md, 4.13 -> 4.14)", until=(4, 13)),
)

CHILD_TIMEOUT_S = 30.0
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------- fixtures

@dataclass
class Case:
    """One fixture, materialised in a private copy so vantage6 may create its folders."""

    name: str
    dir: Path                       # realpath of the copy: what @DIR@ stands for
    args: list[str]
    env: dict[str, str]
    cwd: Path


def fixture_lines(path: Path, dir_: Path) -> list[str]:
    """Lines of a fixture file with @DIR@ replaced; '#' and blank lines skipped (README)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8").replace("@DIR@", str(dir_))
    return [ln for ln in text.split("\n") if ln and not ln.startswith("#")]


def materialise(src: Path, root: Path) -> Case:
    """Copy a fixture under `root` and read it as tests/cli/test_fixtures.c does.

    Both tools run on the copy, so @DIR@ is the same for both and the committed fixture is
    never written to (vantage6 mkdirs the data and log dirs, which live in the fixture).
    """
    copy = root / src.name
    shutil.copytree(src, copy, symlinks=True)
    dir_ = Path(os.path.realpath(copy))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": f"{dir_}/home"}
    for line in fixture_lines(dir_ / "env", dir_):
        key, _, value = line.partition("=")
        env[key] = value
    cwd_lines = fixture_lines(dir_ / "cwd", dir_)
    return Case(
        name=src.name,
        dir=dir_,
        args=fixture_lines(dir_ / "args", dir_),
        env=env,
        cwd=dir_ / cwd_lines[0] if cwd_lines else dir_,
    )


def split_server_version(args: list[str]) -> tuple[list[str], str | None]:
    """Drop `--server-version V` (ours only); vantage6 gets V from the patched server lookup."""
    rest, version, i = [], None, 0
    while i < len(args):
        if args[i] == "--server-version" and i + 1 < len(args):
            version, i = args[i + 1], i + 2
            continue
        if args[i].startswith("--server-version="):
            version = args[i].partition("=")[2]
        else:
            rest.append(args[i])
        i += 1
    return rest, version


def libv6node_only_options(args: list[str]) -> list[str]:
    return sorted({a.partition("=")[0] for a in args if a.partition("=")[0] in LIBV6NODE_ONLY_OPTIONS})


# --------------------------------------------------------------------------- ours

@dataclass
class Ours:
    exit_code: int
    spec: dict | None
    stderr: str


def run_v6node(v6node: str, version_args: list[str], case: Case) -> Ours:
    """`v6node spec [--vantage6-version X] ARGS` in the fixture's environment and cwd."""
    proc = subprocess.run([v6node, "spec", *version_args, *case.args], env=case.env, cwd=case.cwd,
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    spec = None
    if proc.returncode == 0:
        try:
            spec = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            return Ours(proc.returncode, None, f"stdout is not JSON: {exc}")
    return Ours(proc.returncode, spec, proc.stderr)


# --------------------------------------------------------------------------- fake engine

class Recorder:
    """Everything the fake engine saw, in order (shared by its handler threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.creates: list[dict] = []       # {"name", "body"} per POST /containers/create
        self.volumes: list[str] = []        # names from POST /volumes/create, in order
        self.pulls: list[str] = []          # "repo:tag" from POST /images/create
        self.unexpected: list[str] = []     # requests answered 404 by the catch-all
        self.containers: dict[str, dict] = {}

    def add(self, kind: str, item) -> None:
        with self.lock:
            getattr(self, kind).append(item)


def engine_id(text: str) -> str:
    """A deterministic 64-hex id, so runs are repeatable."""
    return hashlib.sha256(text.encode()).hexdigest()


class EngineHandler(http.server.BaseHTTPRequestHandler):
    """Answers exactly what docker-py 7.1 asks during `v6 node start` (facts §2, Annex A)."""

    protocol_version = "HTTP/1.1"       # docker-py keeps connections alive
    recorder: Recorder                  # set on a per-server subclass

    def log_message(self, *_args) -> None:   # unix sockets have no client address
        pass

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def do_HEAD(self) -> None:
        self.dispatch("HEAD")

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while (size := int(self.rfile.readline().split(b";")[0], 16)):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return body
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status: int, payload=None, ctype: str = "application/json") -> None:
        data = b"" if payload is None else (
            payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        self.send_response(status)
        self.send_header("Api-Version", "1.41")
        if status != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 204:
            self.wfile.write(data)

    def dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        # docker-py asks the unversioned /version first, then uses /v1.41/...
        path = re.sub(r"^/v[0-9.]+(?=/)", "", unquote(url.path))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self.read_body()
        rec = self.recorder
        rec.add("requests", {"method": method, "path": self.path})
        for route_method, pattern, handler in ROUTES:
            m = re.fullmatch(pattern, path)
            if m and route_method == method:
                return handler(self, rec, query, body, **m.groupdict())
        rec.add("unexpected", f"{method} {self.path}")
        self.reply(404, {"message": f"fake engine: no route for {method} {url.path}"})


def h_version(h, rec, query, body):
    h.reply(200, {"ApiVersion": "1.41", "MinAPIVersion": "1.12", "Version": "20.10.24"})


def h_ping(h, rec, query, body):
    h.reply(200, b"OK", "text/plain")


def h_list_containers(h, rec, query, body):
    h.reply(200, [])        # nothing running, nothing stale: no removal is attempted


def h_pull(h, rec, query, body):
    image = f"{query.get('fromImage', '')}:{query.get('tag', '')}"
    rec.add("pulls", image)
    h.reply(200, json.dumps({"status": f"Status: Image is up to date for {image}"}).encode()
            + b"\n")


def h_image_inspect(h, rec, query, body, image):
    h.reply(200, {"Id": "sha256:" + engine_id(image), "RepoTags": [image]})


def h_volume_create(h, rec, query, body):
    name = json.loads(body or b"{}").get("Name")
    rec.add("volumes", name)
    h.reply(201, {"Name": name, "Driver": "local", "Mountpoint": f"/var/lib/docker/volumes/{name}/_data"})


def h_container_create(h, rec, query, body):
    name = query.get("name", "")
    # json.loads keeps the key order docker-py sent, which is what we compare
    parsed = json.loads(body)
    cid = engine_id(name)
    rec.add("creates", {"name": name, "body": parsed})
    with rec.lock:
        rec.containers[cid] = {"name": name, "body": parsed}
    h.reply(201, {"Id": cid, "Warnings": []})


def h_container_inspect(h, rec, query, body, cid):
    known = rec.containers.get(cid)
    if not known:
        rec.add("unexpected", f"GET /containers/{cid}/json (unknown container)")
        return h.reply(404, {"message": f"No such container: {cid}"})
    cfg = known["body"]
    h.reply(200, {"Id": cid, "Name": "/" + known["name"], "Image": "sha256:" + engine_id(cfg.get("Image", "")),
                  "State": {"Status": "created", "Running": False},
                  "Config": {"Image": cfg.get("Image"), "Labels": cfg.get("Labels", {})}})


def h_container_start(h, rec, query, body, cid):
    h.reply(204)


ROUTES = [
    ("GET", r"/version", h_version),
    ("GET", r"/_ping", h_ping),
    ("HEAD", r"/_ping", h_ping),
    ("GET", r"/containers/json", h_list_containers),
    ("POST", r"/images/create", h_pull),
    ("GET", r"/images/(?P<image>.+)/json", h_image_inspect),
    ("POST", r"/volumes/create", h_volume_create),
    ("POST", r"/containers/create", h_container_create),
    ("GET", r"/containers/(?P<cid>[^/]+)/json", h_container_inspect),
    ("POST", r"/containers/(?P<cid>[^/]+)/start", h_container_start),
]


class EngineServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True       # kept-alive connections must not block shutdown
    block_on_close = False


def start_fake_engine(sock_path: str, recorder: Recorder) -> EngineServer:
    handler = type("BoundEngineHandler", (EngineHandler,), {"recorder": recorder})
    server = EngineServer(sock_path, handler)
    # a short poll interval: shutdown() waits for the loop to notice
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return server


# --------------------------------------------------------------------------- theirs (child)

@dataclass
class Theirs:
    exit_code: int
    creates: list[dict] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    pulls: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    server_asked: bool = False
    output: str = ""

    @property
    def create(self) -> dict | None:
        return self.creates[0] if self.creates else None


def block_network(sock_path: str) -> None:
    """Let the child connect to the fake engine's socket and nothing else (no DNS either)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(sock, address) -> bool:
        return sock.family == socket.AF_UNIX and address in (sock_path, sock_path.encode())

    def connect(sock, address):
        if not allowed(sock, address):
            raise ConnectionRefusedError(f"conformance check: blocked connect to {address!r}")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if not allowed(sock, address):
            raise ConnectionRefusedError(f"conformance check: blocked connect to {address!r}")
        return real_connect_ex(sock, address)

    def no_dns(host, *args, **kwargs):
        raise socket.gaierror(f"conformance check: blocked DNS lookup of {host!r}")

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.getaddrinfo = no_dns


def confine_mkdir(root: str) -> None:
    """vantage6 mkdirs the data and log dirs (facts §1.6). Inside the temp copy that is fine;
    outside it (system scope defaults, absolute `directories`) it would change this machine,
    and it does not affect the create body, so it becomes a no-op there."""
    real_mkdir = os.mkdir

    def mkdir(path, mode=0o777, *args, **kwargs):
        if os.path.abspath(os.fspath(path)).startswith(root + os.sep):
            return real_mkdir(path, mode, *args, **kwargs)
        return None

    os.mkdir = mkdir        # os.makedirs and Path.mkdir both call os.mkdir


def confine_logging(root: str) -> None:
    """Before 4.14, `-c` leaves `LOGGING_ENABLED` on (RELEASES.md, decorator.py), so the
    context opens the host log file `<log dir>/node_<scope>.log`. Inside the temp copy that
    is fine. Outside it (system-scope defaults) `confine_mkdir` made no folder, and the open
    would fail where the real CLI run as root succeeds; it only adds log handlers and never
    changes the create body, so it is skipped there."""
    from vantage6.common.context import AppContext
    original = AppContext.setup_logging

    def setup_logging(self):
        if os.path.abspath(os.fspath(self.log_file)).startswith(root + os.sep):
            return original(self)
        return None

    AppContext.setup_logging = setup_logging


def not_in_docker() -> bool:
    return False


def patch_vantage6(server_version: str | None, state: dict) -> None:
    """The three patches the official flow needs to run here without side effects."""
    import vantage6.common.docker.addons as addons
    from vantage6.client import UserClient
    from vantage6.common.client.client_base import ClientBase

    # /.dockerenv exists on build machines; vantage6 would then use /mnt/* folders (facts §3).
    # Replace the function everywhere it was imported by name.
    original = addons.running_in_docker
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("vantage6") and \
                getattr(module, "running_in_docker", None) is original:
            module.running_in_docker = not_in_docker

    # The image rule asks the server for its version (facts §1.7): answer from the fixture's
    # --server-version, or fail like an unreachable server (-> default image), instantly.
    def get_server_version(self, attempts_on_timeout=None):
        state["server_asked"] = True
        if server_version is None:
            raise ConnectionError("conformance check: no vantage6 server")
        return {"version": server_version}

    UserClient.Util.get_server_version = get_server_version

    # Any other server request would retry with sleeps: make it fail at once instead.
    def no_server(self, *args, **kwargs):
        state["server_asked"] = True
        raise ConnectionError("conformance check: no vantage6 server")

    ClientBase.request = no_server


def invoke_v6(entry: tuple[str, str, list[str]], args: list[str]) -> int:
    """`v6 node start ARGS` as the console script runs it; returns the exit code.
    `entry` is (module, click object, subcommands): `v6 node start`, or 4.0.x's `vnode start`."""
    module, obj, subcommands = entry
    command = getattr(importlib.import_module(module), obj)
    try:
        command.main(args=[*subcommands, *args], prog_name=obj, standalone_mode=True)
        return 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except Exception:               # what the interpreter would do: traceback, exit 1
        traceback.print_exc()
        return 1


def child_main(case: Case, entry: tuple, args: list[str], server_version: str | None,
               sock_path: str, root: str, result_path: str, log_path: str) -> None:
    """Runs in the forked child: a private environment, engine, patches and CLI run."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)     # never wait for a prompt
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.clear()
    os.environ.update(case.env)
    os.environ["DOCKER_HOST"] = f"unix://{sock_path}"
    os.chdir(case.cwd)

    recorder = Recorder()
    state = {"server_asked": False}
    server = start_fake_engine(sock_path, recorder)
    block_network(sock_path)
    confine_mkdir(root)
    confine_logging(root)
    patch_vantage6(server_version, state)
    code = invoke_v6(entry, args)
    server.shutdown()
    server.server_close()

    result = {"exit_code": code, "creates": recorder.creates, "volumes": recorder.volumes,
              "pulls": recorder.pulls, "unexpected": recorder.unexpected,
              "server_asked": state["server_asked"]}
    with open(result_path, "w", encoding="utf-8") as fh:
        json.dump(result, fh)


def run_vantage6(case: Case, entry: tuple, args: list[str], server_version: str | None, root: Path,
                 index: int) -> Theirs:
    """Fork, so each run gets fresh vantage6 singletons/env/cwd but shares the one import."""
    run_dir = root / f".run{index}"
    run_dir.mkdir()
    sock_path = str(run_dir / "e.sock")
    result_path, log_path = run_dir / "result.json", run_dir / "output.txt"
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            child_main(case, entry, args, server_version, sock_path, str(root), str(result_path),
                       str(log_path))
        except BaseException:
            traceback.print_exc()
            code = 3
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    status = wait_child(pid)
    output = ANSI.sub("", log_path.read_text(encoding="utf-8", errors="replace")) if log_path.exists() else ""
    if status != 0 or not result_path.exists():
        return Theirs(exit_code=-1, output=output + f"\n(conformance child failed, status {status})")
    return Theirs(**json.loads(result_path.read_text(encoding="utf-8")), output=output)


def wait_child(pid: int) -> int:
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)    # our own child, by id
    os.waitpid(pid, 0)
    return -9


# --------------------------------------------------------------------------- comparison

ABSENT = "<absent>"


def ordered_diff(ours, theirs, path: str) -> list[tuple[str, object, object]]:
    """(path, ours, theirs) for every difference; key order and list order count."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return dict_diff(ours, theirs, path)
    if isinstance(ours, list) and isinstance(theirs, list):
        return list_diff(ours, theirs, path)
    same = type(ours) is type(theirs) and ours == theirs    # True != 1 here
    return [] if same else [(path, ours, theirs)]


def dict_diff(ours: dict, theirs: dict, path: str) -> list:
    diffs = [(f"{path}.{k}", ours[k], ABSENT) for k in ours if k not in theirs]
    diffs += [(f"{path}.{k}", ABSENT, theirs[k]) for k in theirs if k not in ours]
    common_ours = [k for k in ours if k in theirs]
    common_theirs = [k for k in theirs if k in ours]
    if common_ours != common_theirs:
        diffs.append((f"{path} (key order)", common_ours, common_theirs))
    for k in common_ours:
        diffs += ordered_diff(ours[k], theirs[k], f"{path}.{k}")
    return diffs


def list_diff(ours: list, theirs: list, path: str) -> list:
    """Aligns the lists first, so one extra element is one diff, not a cascade.
    Labels: [i] same index in both, [ours i|theirs j] when they differ, [ours i] only in
    ours, [theirs j] only in vantage6's."""
    key = lambda v: json.dumps(v)
    matcher = difflib.SequenceMatcher(None, [key(v) for v in ours], [key(v) for v in theirs],
                                      autojunk=False)
    diffs = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):     # replaced elements: compare them in depth
            i, j = i1 + k, j1 + k
            diffs += ordered_diff(ours[i], theirs[j], f"{path}[{i}]" if i == j else f"{path}[ours {i}|theirs {j}]")
        diffs += [(f"{path}[ours {i}]", ours[i], ABSENT) for i in range(i1 + paired, i2)]
        diffs += [(f"{path}[theirs {j}]", ABSENT, theirs[j]) for j in range(j1 + paired, j2)]
    return diffs


def normalise_ours(create: dict) -> dict:
    """Deviation (contract §7): we pass SSH_TUNNEL_VOLUME_NAME and SSH_SQUID_VOLUME_NAME right
    after VPN_VOLUME_NAME; vantage6 does not (facts §1.13). Drop exactly those two, there."""
    create = json.loads(json.dumps(create))     # deep copy, order kept
    env = create.get("Env", [])
    vpn = next((i for i, e in enumerate(env) if e.startswith("VPN_VOLUME_NAME=")), None)
    if vpn is not None and len(env) > vpn + 2 and env[vpn + 1].startswith("SSH_TUNNEL_VOLUME_NAME=") \
            and env[vpn + 2].startswith("SSH_SQUID_VOLUME_NAME="):
        del env[vpn + 1:vpn + 3]
    return create


def relative_source_deviation(diff: tuple, cwd: Path, release: tuple) -> str | None:
    """The reason if a Binds difference is only vantage6 keeping a source relative that we
    made absolute against the working dir (see RELATIVE_SOURCE_DEVIATIONS), else None."""
    path, ours, theirs = diff
    if ".HostConfig.Binds[" not in path or not isinstance(ours, str) or not isinstance(theirs, str):
        return None
    m = re.fullmatch(r"([^:/][^:]*|\.)(:(/[^:]*)(:ro)?)", theirs)
    if not m or not ours.endswith(m.group(2)):
        return None
    rel, target = m.group(1), m.group(3)
    ours_source = ours[: -len(m.group(2))]
    absolute = os.path.normpath(os.path.join(cwd, rel))
    if ours_source not in (absolute, os.path.realpath(absolute)):
        return None
    return next((d.why for d in RELATIVE_SOURCE_DEVIATIONS
                 if d.applies(release) and d.target.match(target)), None)


def volumes_follow_binds(create: dict) -> bool:
    """True when `Volumes` is exactly what docker-py 7.1 derives from `HostConfig.Binds`
    (`_host_volume_from_bind`, one key per bind, first occurrence kept)."""
    from docker.models.containers import _host_volume_from_bind
    binds = create.get("HostConfig", {}).get("Binds", [])
    derived = list(dict.fromkeys(_host_volume_from_bind(b) for b in binds))
    return derived == list(create.get("Volumes", {}))


def classify(diffs: list, ours_create: dict, cwd: Path, release: tuple) -> list[tuple[tuple, str | None]]:
    """Pair each difference with the known deviation that explains it, or None (a failure).

    A `Volumes` key differs whenever its bind differs, because docker-py derives the key
    from the bind string (a relative `.` source even garbles it into `.:/mnt/config`,
    ntpath.splitdrive taking `.:` for a drive). So a Volumes difference is explained by
    the Binds differences when our Volumes follow our Binds as docker-py would have it;
    it then shares their verdict (any unexplained Binds difference still fails the case).
    """
    bind_diffs = [d for d in diffs if ".HostConfig.Binds[" in d[0]]
    derived_ok = bool(bind_diffs) and volumes_follow_binds(ours_create)
    out = []
    for d in diffs:
        if d[0].startswith("create.Volumes") and derived_ok:
            out.append((d, "derived by docker-py from the Binds difference"))
        else:
            out.append((d, relative_source_deviation(d, cwd, release)))
    return out


def compare(ours: dict, theirs: Theirs) -> list:
    """All differences between our spec and what vantage6 sent, ours normalised."""
    diffs = ordered_diff(normalise_ours(ours["create"]), theirs.create["body"], "create")
    diffs += ordered_diff(ours["name"], theirs.create["name"], "name (create ?name=)")
    diffs += ordered_diff(ours["volumes"], theirs.volumes, "volumes (POST /volumes/create)")
    return diffs


# --------------------------------------------------------------------------- reporting

STATUSES = ("MATCH", "DEVIATION", "REFUSED", "SKIP", "FAIL")


@dataclass
class Outcome:
    name: str
    status: str                 # one of STATUSES
    note: str = ""
    details: list[str] = field(default_factory=list)
    error_row: tuple | None = None


def show(value, case: Case) -> str:
    text = value if value is ABSENT else json.dumps(value, ensure_ascii=False)
    return text.replace(str(case.dir), "@DIR@")


def tail(text: str, case: Case, lines: int = 6) -> list[str]:
    body = [ln for ln in text.replace(str(case.dir), "@DIR@").splitlines() if ln.strip()]
    return body[-lines:]


def last_message(text: str, case: Case) -> str:
    """The line that explains a refusal: the last [error] line, else the traceback's last."""
    body = [ln.strip() for ln in text.replace(str(case.dir), "@DIR@").splitlines() if ln.strip()]
    errors = [ln for ln in body if ln.startswith("[error]") or "Error" in ln.split(":")[0]]
    msg = (errors or body or ["(no output)"])[-1]
    return msg if len(msg) <= 110 else msg[:107] + "..."


def judge_refused_by_us(case: Case, ours: Ours, theirs: Theirs) -> Outcome:
    """libv6node refused the fixture for this release: vantage6 must refuse it too, unless the
    refusal is a documented deviation (ERROR_DEVIATIONS)."""
    refused = theirs.exit_code != 0 or theirs.create is None
    deviation = ERROR_DEVIATIONS.get(case.name)
    verdict = "refused" if refused else "ACCEPTED (create sent)"
    row = (case.name, "deviation" if deviation else "must refuse", ours.exit_code,
           theirs.exit_code, "yes" if theirs.create else "no", verdict, last_message(theirs.output, case))
    if ours.exit_code < 0 or ours.exit_code > 2:
        return Outcome(case.name, "FAIL", f"v6node spec crashed or failed oddly (exit {ours.exit_code})",
                       tail(ours.stderr, case), error_row=row)
    if deviation:
        return Outcome(case.name, "SKIP", f"refused, deviation: {deviation}; vantage6 {verdict}",
                       error_row=row)
    if refused:
        return Outcome(case.name, "REFUSED", f"v6node and vantage6 both refuse (exit {ours.exit_code} / "
                       f"{theirs.exit_code})", error_row=row)
    return Outcome(case.name, "FAIL", "v6node refuses, but vantage6 accepts it and creates the container",
                   [f"v6node: {ln}" for ln in tail(ours.stderr, case, 3)] + tail(theirs.output, case),
                   error_row=row)


def judge_comparable(case: Case, ours: Ours, theirs: Theirs, release: tuple) -> Outcome:
    if theirs.create is None:
        return Outcome(case.name, "FAIL", f"v6node builds it, but vantage6 sent no create request "
                       f"(exit {theirs.exit_code})", tail(theirs.output, case)
                       + ([f"unexpected engine requests: {theirs.unexpected}"] if theirs.unexpected else []))
    diffs = compare(ours.spec, theirs)
    notes = []
    if len(theirs.creates) > 1:
        diffs.append(("create requests", 1, len(theirs.creates)))
    if theirs.exit_code != 0:
        notes.append(f"vantage6 exit {theirs.exit_code} after create")
    if theirs.unexpected:
        notes.append(f"unexpected engine requests: {theirs.unexpected}")
    deviations = classify(diffs, ours.spec["create"], case.cwd, release)
    failures = [d for d, why in deviations if why is None]
    known = [(d, why) for d, why in deviations if why is not None]
    lines = [f"{p}: ours {show(o, case)} | vantage6 {show(t, case)}" for p, o, t in failures]
    lines += [f"{p}: ours {show(o, case)} | vantage6 {show(t, case)}  [known: {why}]"
              for (p, o, t), why in known]
    note = "; ".join(notes)
    if failures:
        return Outcome(case.name, "FAIL", note or f"{len(failures)} difference(s)", lines)
    if known:
        return Outcome(case.name, "DEVIATION", "differs only by relative bind sources vantage6 keeps "
                       "as written" + (f"; {note}" if note else ""), lines)
    return Outcome(case.name, "MATCH", note)


def run_case(src: Path, v6node: str, version_args: list[str], release: release_table.Release,
             root: Path, index: int) -> Outcome:
    case = materialise(src, root)
    only_ours = libv6node_only_options(case.args)
    if only_ours:
        return Outcome(case.name, "SKIP", f"uses libv6node-only option(s) {', '.join(only_ours)}: "
                       "not reproducible with the official CLI")
    # ours first: vantage6 creates the data and log dirs in the copy
    ours = run_v6node(v6node, version_args, case)
    official_args, server_version = split_server_version(case.args)
    entry = (release.entry_module, release.entry_object, release.entry_args)
    theirs = run_vantage6(case, entry, official_args, server_version, root, index)
    if theirs.exit_code == -1 and not theirs.creates:
        return Outcome(case.name, "FAIL", "the vantage6 run itself broke", tail(theirs.output, case, 12))
    if ours.spec is None:
        return judge_refused_by_us(case, ours, theirs)
    if case.name in SKIPPED_DEVIATIONS:
        seen = (f"vantage6 used {theirs.create['body'].get('Image')}, server asked: "
                f"{'yes' if theirs.server_asked else 'no'}") if theirs.create else \
            f"vantage6 exit {theirs.exit_code}, no create"
        return Outcome(case.name, "SKIP", f"{SKIPPED_DEVIATIONS[case.name]} ({seen})")
    return judge_comparable(case, ours, theirs, release.key)


def print_error_table(outcomes: list[Outcome]) -> None:
    rows = [o.error_row for o in outcomes if o.error_row]
    if not rows:
        return
    header = ("fixture", "rule", "v6node", "vantage6", "create", "vantage6 verdict", "vantage6 says")
    table = [header] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    print("\nFixtures v6node refuses (exit codes; 'create' = vantage6 sent POST /containers/create):")
    for r in table:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])


def check_versions(release: release_table.Release) -> list[str]:
    """This python must run exactly the release under test and the docker-py it pins."""
    problems = []
    for dist, want in (("vantage6", release.version), ("docker", release.docker)):
        try:
            have = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have != want:
            problems.append(f"{dist}=={want} required in this python ({sys.executable}), found {have}")
    return problems


def select_fixtures(fixtures: Path, only: list[str] | None) -> list[Path]:
    found = sorted(p for p in fixtures.iterdir() if p.is_dir() and (p / "args").exists())
    if only:
        found = [p for p in found if any(p.name == o or p.name.startswith(o) for o in only)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--release", required=True,
                        help="the vantage6 release this python has installed (one of releases.py)")
    parser.add_argument("--v6node", required=True, help="path to the built v6node CLI")
    parser.add_argument("--fixtures", required=True, help="the spec fixtures folder")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="fixture names or prefixes (e.g. 23)")
    parser.add_argument("--ours-version", metavar="V",
                        help="what v6node builds: `--vantage6-version V` (default: the release "
                        "itself); '' passes no option (a v6node that predates it)")
    parser.add_argument("--json", metavar="PATH", help="also write the outcomes as JSON (matrix.py)")
    opts = parser.parse_args(argv)

    problems = []
    try:
        release = release_table.find(opts.release)
        problems += check_versions(release)
    except KeyError as exc:
        release, problems = None, [str(exc.args[0])]
    v6node = os.path.realpath(opts.v6node)
    if not os.access(v6node, os.X_OK):
        problems.append(f"not an executable: {opts.v6node}")
    cases = select_fixtures(Path(opts.fixtures), opts.only) if Path(opts.fixtures).is_dir() else []
    if not cases:
        problems.append(f"no fixtures selected in {opts.fixtures}")
    if problems:
        print("\n".join(f"setup: {p}" for p in problems), file=sys.stderr)
        return 2
    importlib.import_module(release.entry_module)   # imported once here; every forked run shares it

    ours_version = release.version if opts.ours_version is None else opts.ours_version
    version_args = ["--vantage6-version", ours_version] if ours_version else []
    print(f"vantage6 {release.version} (line {release.line}, docker-py {release.docker}) vs "
          f"{opts.v6node} spec {' '.join(version_args) or '(no --vantage6-version)'}, "
          f"{len(cases)} fixture(s)")
    root = Path(os.path.realpath(tempfile.mkdtemp(prefix="v6conf-")))
    outcomes = []
    try:
        for index, src in enumerate(cases):
            outcome = run_case(src, v6node, version_args, release, root, index)
            outcomes.append(outcome)
            print(f"{outcome.status:<9} {outcome.name}" + (f"  {outcome.note}" if outcome.note else ""))
            for line in outcome.details:
                print(f"          {line}")
            sys.stdout.flush()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print_error_table(outcomes)
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    print("\n" + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if opts.json:
        with open(opts.json, "w", encoding="utf-8") as fh:
            json.dump({"release": release.version, "ours_version": ours_version,
                       "outcomes": [{k: v for k, v in asdict(o).items() if k != "error_row"}
                                    for o in outcomes]}, fh, indent=1)
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())

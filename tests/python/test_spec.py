"""Node.spec() against every spec fixture of tests/fixtures (see its README):
the same object as the fixture's expected.json (and expected-4.14.json,
expected-4.13.json as those releases) **and** as what the real `v6node spec`
prints for the same case (equal values, equal key order); every
expected-error fixture raises the right exception, naming the key. Also the
option table: the typed Options has every option of the library's table."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Type

import pytest

import v6node
from conftest import CLI, FIXTURES, XDG_VARS

# The options the CLI reads from its environment, as `v6 node start` does; the
# library never reads them, so they become keyword arguments.
ENV_OPTIONS = {
    "PRIVATE_KEY": "private_key",
    "DATA_VOLUME_NAME": "data_volume",
    "VPN_VOLUME_NAME": "vpn_volume",
    "SSH_TUNNEL_VOLUME_NAME": "ssh_volume",
    "SSH_SQUID_VOLUME_NAME": "squid_volume",
}

# For each error fixture: the exception class and the config key at fault
# (None: the error is not about one key). A fixture missing here still runs:
# CLI exit 1 must be a ConfigError, exit 2 an InvalidArgument.
ERRORS: Dict[str, Tuple[Type[v6node.Error], Optional[str]]] = {
    "19-private-key-missing-encryption-on": (v6node.ConfigError, "encryption.private_key"),
    "21-ssh-tunnel-no-key": (v6node.ConfigError, "ssh-tunnels[0].ssh.identity.key"),
    "22-ssh-tunnel-missing-key-file": (v6node.ConfigError, "ssh-tunnels[0].ssh.identity.key"),
    "26-database-missing-file": (v6node.ConfigError, "databases[0].uri"),
    "29-force-db-mount-uri": (v6node.ConfigError, "databases[0].uri"),
    "30-force-db-mount-bare-word": (v6node.ConfigError, "databases[0].uri"),
    "31-duplicate-labels": (v6node.ConfigError, "databases[1].label"),
    "32-label-invalid": (v6node.ConfigError, "databases[0].label"),
    "33-label-non-ascii": (v6node.ConfigError, "databases[0].label"),
    "34-mount-mode-ro-sql": (v6node.ConfigError, "databases[0].mount_mode"),
    "35-mount-mode-invalid": (v6node.ConfigError, "databases[0].mount_mode"),
    "37-extra-env-overwrite-base": (v6node.ConfigError, "node_extra_env.PRIVATE_KEY"),
    "38-extra-env-overwrite-db": (v6node.ConfigError, "node_extra_env.DEFAULT_DATABASE_URI"),
    "39-extra-env-bad-name": (v6node.ConfigError, "node_extra_env.1BAD"),
    "47-bad-name": (v6node.ConfigError, None),
    "48-name-not-found": (v6node.NotFound, None),
    "49-invalid-yaml": (v6node.ConfigError, None),
    "50-missing-required-key": (v6node.ConfigError, "api_key"),
    "51-both-name-and-config": (v6node.InvalidArgument, "config"),
    "52-databases-mapping-form": (v6node.ConfigError, "databases"),
    "53-colon-in-path": (v6node.ConfigError, "databases[0].uri"),
    "54-logging-invalid": (v6node.ConfigError, "logging.level"),
    "55-encryption-enabled-string": (v6node.ConfigError, "encryption.enabled"),
    "56-port-not-int": (v6node.ConfigError, "port"),
}


class Case:
    """One fixture folder, with @DIR@ substituted everywhere."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dir = str(folder.resolve())
        self.args = [
            line for line in self._lines("args") if line.strip() and not line.startswith("#")
        ]
        self.env: Dict[str, str] = {"HOME": f"{self.dir}/home"}
        for line in self._lines("env"):
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                self.env[key] = value
        cwd = self._lines("cwd")
        self.cwd = os.path.join(self.dir, cwd[0].strip()) if cwd else self.dir

    def _lines(self, name: str) -> List[str]:
        path = self.folder / name
        if not path.exists():
            return []
        return path.read_text().replace("@DIR@", self.dir).splitlines()

    def read(self, name: str) -> str:
        return (self.folder / name).read_text().replace("@DIR@", self.dir)

    def kwargs(self) -> Tuple[Optional[str], Dict[str, Any]]:
        """The fixture's `v6node spec` arguments and environment as
        (config, keyword arguments of build_spec: name, system and options)."""
        config: Optional[str] = None
        kw: Dict[str, Any] = {}
        host_paths: Dict[str, str] = {}
        it = iter(self.args)
        valued = {
            "-i": "image",
            "--image": "image",
            "--mount-src": "mount_src",
            "--workdir": "working_dir",
            "--server-version": "server_version",
            "--data-dir": "data_dir",
            "--log-dir": "log_dir",
            "--docker-socket": "docker_socket",
        }
        flags = {"--system": ("system", True), "--user": ("system", False),
                 "--keep": ("keep", True), "--auto-remove": ("keep", False),
                 "--force-db-mount": ("force_db_mount", True)}
        for arg in it:
            if arg in ("-n", "--name"):
                kw["name"] = next(it)
            elif arg in ("-c", "--config"):
                config = next(it)
            elif arg in valued:
                kw[valued[arg]] = next(it)
            elif arg in flags:
                key, value = flags[arg]
                kw[key] = value
            elif arg == "--host-path":
                local, _, host = next(it).partition("=")
                host_paths[local] = host
            elif arg == "--pretty":
                pass
            else:
                raise AssertionError(f"{self.folder.name}: no translation for argument {arg!r}")
        if host_paths:
            kw["path_map"] = host_paths
        for var, option in ENV_OPTIONS.items():
            if self.env.get(var):
                kw[option] = self.env[var]
        return config, kw

    def run_cli(self) -> subprocess.CompletedProcess:
        """`v6node spec ARGS` as tests/cli/test_fixtures.c runs it: a clean
        environment (PATH, HOME, the env file), in the case's cwd."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.env}
        return subprocess.run([CLI, "spec", *self.args], cwd=self.cwd, env=env,
                              capture_output=True, text=True, timeout=60)


ALL = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
SUCCESS = [name for name in ALL if (FIXTURES / name / "expected.json").exists()]
FAILURE = [name for name in ALL if (FIXTURES / name / "expected-error").exists()]


def node_of(config: Optional[str], kw: Dict[str, Any]) -> v6node.Node:
    """The fixture's node, opened as a user would: by config file or by name."""
    kw = dict(kw)
    if config is not None:
        assert "name" not in kw
        if kw.pop("system", False):
            kw["scope"] = "system"
        return v6node.Node.from_config(config, **kw)
    return v6node.Node(kw.pop("name"), **kw)


@pytest.fixture
def case_env(monkeypatch: pytest.MonkeyPatch):
    """Apply a case's environment (HOME, XDG...) and cwd to this process, where
    the library reads them."""

    def apply(case: Case) -> None:
        for var in (*XDG_VARS, *ENV_OPTIONS):
            monkeypatch.delenv(var, raising=False)
        for key, value in case.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.chdir(case.cwd)

    return apply


def ordered(value: Any) -> str:
    """Values and key order, comparable."""
    return json.dumps(value, indent=1, ensure_ascii=False)


def test_every_fixture_is_a_case() -> None:
    assert len(ALL) >= 56
    assert sorted(SUCCESS + FAILURE) == ALL


@pytest.mark.parametrize("fixture", SUCCESS)
def test_node_spec_equals_v6node_spec(fixture: str, case_env) -> None:
    case = Case(FIXTURES / fixture)
    case_env(case)
    config, kw = case.kwargs()
    with node_of(config, kw) as node:
        spec = node.spec()

    expected = json.loads(case.read("expected.json"))
    assert ordered(spec) == ordered(expected)
    assert ordered(v6node.build_spec(config, **kw)) == ordered(expected)

    cli = case.run_cli()
    assert cli.returncode == 0, cli.stderr
    assert ordered(spec) == ordered(json.loads(cli.stdout))


OLDER_RELEASES = ("4.14", "4.13")


@pytest.mark.parametrize("release", OLDER_RELEASES)
@pytest.mark.parametrize("fixture", SUCCESS)
def test_node_spec_as_an_older_release(fixture: str, release: str, case_env) -> None:
    case = Case(FIXTURES / fixture)
    case_env(case)
    config, kw = case.kwargs()
    with node_of(config, {**kw, "vantage6_version": release}) as node:
        spec = node.spec()
    assert ordered(spec) == ordered(json.loads(case.read(f"expected-{release}.json")))


def test_release_lines_come_from_the_library() -> None:
    assert v6node.VANTAGE6_VERSION == "4.15.2"
    assert v6node.RELEASE_LINES == ("4.15", "4.14", "4.13", "4.12", "4.11", "4.10")


def test_an_unknown_release_raises_with_the_reason(alpha_home: Path) -> None:
    with pytest.raises(v6node.InvalidArgument) as info:
        v6node.Node("alpha", vantage6_version="5.0").spec()
    assert info.value.key == "vantage6_version" and "Helm" in info.value.message


@pytest.mark.parametrize("fixture", FAILURE)
def test_node_spec_raises(fixture: str, case_env) -> None:
    case = Case(FIXTURES / fixture)
    case_env(case)
    config, kw = case.kwargs()
    lines = case.read("expected-error").splitlines()
    exit_code = int(next(line for line in lines if line.startswith("exit ")).split()[1])
    cls, key = ERRORS.get(
        fixture, (v6node.InvalidArgument if exit_code == 2 else v6node.ConfigError, "?")
    )

    with pytest.raises(v6node.Error) as info:
        if config is not None and "name" in kw:  # only build_spec can be given both
            v6node.build_spec(config, **kw)
        else:
            with node_of(config, kw) as node:
                node.spec()
    err = info.value
    assert type(err) is cls, f"{fixture}: {err!r}"
    if key != "?":
        assert err.key == key, f"{fixture}: {err!r}"
    assert err.code == {
        v6node.ConfigError: -2, v6node.NotFound: -3, v6node.InvalidArgument: -8
    }[cls]
    assert err.http_status is None and err.warnings == ()
    if exit_code != 2:  # usage errors are worded by the CLI itself
        for line in lines:
            if line.startswith("stderr "):
                assert line[len("stderr "):] in err.message, f"{fixture}: {err.message}"
            elif line.startswith("stderr-not "):
                assert line[len("stderr-not "):] not in err.message, err.message

    cli = case.run_cli()
    assert cli.returncode == exit_code and cli.stdout == ""


# ---- the option table ----------------------------------------------------------------


def table_names() -> List[str]:
    """The library's table, read here independently of the package: the
    option names `v6node start --help` lists come from the same table."""
    from v6node._raw import raw

    names: List[str] = []
    while raw.start_option_name(len(names)) is not None:
        names.append(str(raw.start_option_name(len(names))))
    return names


def test_options_has_every_option_of_the_library_table() -> None:
    """Fails when the C table gains an option the typed Options lacks (or
    keeps a field the table dropped)."""
    names = table_names()
    assert len(names) >= 20 and "image" in names and "path_map" in names
    fields = [f.name for f in dataclasses.fields(v6node.Options) if not f.name.startswith("_")]
    assert sorted(set(names) - set(fields)) == [], "Options lacks these options of the table"
    assert sorted(set(fields) - set(names)) == [], "Options has fields the table does not"
    assert v6node.OPTION_NAMES == tuple(names)
    for name in names:
        assert v6node.option_help(name), name
        assert name in (v6node.Options.__doc__ or "")


@pytest.mark.parametrize("name", table_names())
def test_every_option_reaches_the_library(name: str, alpha_home: Path) -> None:
    """Each option, with a value of its type, is accepted by the library's
    v6n_start_options_set() (a wrong value is refused naming the option)."""
    field = next(f for f in dataclasses.fields(v6node.Options) if f.name == name)
    kind = str(field.type)
    value: Any = {"bool": True}.get(kind)
    if value is None:
        value = (5 if "int" in kind else {"/here": "/there"} if "PathMap" in kind
                 else "user" if name == "scope" else "never" if name == "pull"
                 else "4.14" if name == "vantage6_version" else "/abs/v6ntest")
    v6node.Node("alpha", **{name: value}).close()
    if "PathMap" not in kind and kind != "bool":
        bad = "bad=value" if "int" not in kind else -1
        if name in ("scope", "pull", "vantage6_version", "server_version", "docker_socket",
                    "server_timeout_ms", "server_attempts"):
            with pytest.raises(v6node.Error) as info:
                v6node.Node("alpha", **{name: bad}).spec()
            assert info.value.key == name, info.value


# ---- the Python surface ----------------------------------------------------------------

ALPHA_HOME = FIXTURES / "01-user-by-name" / "home"


@pytest.fixture
def alpha_home(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(ALPHA_HOME.resolve()))
    for var in XDG_VARS:
        monkeypatch.delenv(var, raising=False)
    return ALPHA_HOME.resolve()


def test_a_node_by_name_by_config_and_by_container(alpha_home: Path) -> None:
    path = alpha_home / ".config" / "vantage6" / "node" / "alpha.yaml"
    by_name = v6node.Node("alpha")
    by_config = v6node.Node.from_config(path)
    by_container = v6node.Node.from_container("vantage6-alpha-user")
    for node in (by_name, by_config, by_container):
        assert node.name == "alpha" and node.scope == "user" and not node.system
        assert node.container == "vantage6-alpha-user"
        assert node.config_path == path
    assert by_name.spec() == by_config.spec() == by_container.spec()
    assert v6node.Node.from_config(str(path)).spec()["name"] == "vantage6-alpha-user"
    assert v6node.build_spec(path) == by_name.spec() == v6node.build_spec(name="alpha")
    system = v6node.Node.from_container("vantage6-alpha-system")
    assert system.system and system.config_path is None
    with pytest.raises(v6node.NotFound) as info:
        system.spec()  # no config in the system folder: said which folders were searched
    assert "/etc/vantage6/node" in info.value.message
    by_name.close()
    by_name.close()  # idempotent
    with pytest.raises(v6node.InvalidArgument):
        by_name.spec()


def test_the_config_folder_may_be_chosen(alpha_home: Path, tmp_path: Path) -> None:
    folder = alpha_home / ".config" / "vantage6" / "node"
    node = v6node.Node("alpha", config_dir=folder)
    assert node.config_path == folder / "alpha.yaml"
    assert node.options.config_dir == str(folder)
    assert v6node.Node("alpha", config_dir=tmp_path).config_path is None


def test_options_reach_the_spec(alpha_home: Path) -> None:
    node = v6node.Node("alpha", image="example.org/v6/node:1", keep=True,
                       data_volume="site-data")
    spec = node.spec()
    assert spec["image"] == "example.org/v6/node:1"
    assert spec["volumes"][0] == "site-data"
    assert "AutoRemove" not in spec["create"]["HostConfig"]
    assert "DATA_VOLUME_NAME=site-data" in spec["create"]["Env"]
    assert node.options == v6node.Options(image="example.org/v6/node:1", keep=True,
                                          data_volume="site-data")
    assert node.options.as_dict() == {"image": "example.org/v6/node:1", "keep": True,
                                      "data_volume": "site-data"}


def test_path_map_as_pairs_or_mapping(alpha_home: Path) -> None:
    as_map = v6node.Node("alpha", path_map={str(alpha_home): "/srv/h"}).spec()
    as_pairs = v6node.Node("alpha", path_map=[(alpha_home, "/srv/h")]).spec()
    old_name = v6node.Node("alpha", host_paths={str(alpha_home): "/srv/h"}).spec()
    assert as_map == as_pairs == old_name
    assert any(b.startswith("/srv/h/") for b in as_map["create"]["HostConfig"]["Binds"])
    with pytest.raises(v6node.InvalidArgument):
        v6node.Node("alpha", host_paths={"/a": "/b"}, path_map={"/a": "/b"})


def test_unknown_option_raises_naming_it(alpha_home: Path) -> None:
    with pytest.raises(v6node.InvalidArgument) as info:
        v6node.Node("alpha", no_such_option="x")
    assert info.value.key == "no_such_option"
    assert isinstance(info.value, ValueError)


def test_bad_option_values(alpha_home: Path) -> None:
    with pytest.raises(v6node.InvalidArgument) as info:
        v6node.Node("alpha", pull="sometimes")
    assert info.value.key == "pull"
    with pytest.raises(TypeError):
        v6node.Node("alpha", data_dir=42)
    with pytest.raises(TypeError):
        v6node.Node("alpha", path_map="/a=/b")
    with pytest.raises(TypeError):
        v6node.Node("alpha", keep="yes")
    with pytest.raises(TypeError):
        v6node.Options(server_attempts=True)


def test_bad_names() -> None:
    for name in ("../x", "a b"):
        with pytest.raises(v6node.InvalidArgument):
            v6node.Node(name)
    for container in ("vantage6-x-global", "other-x-user"):
        with pytest.raises(v6node.InvalidArgument):
            v6node.Node.from_container(container)


def test_neither_config_nor_name() -> None:
    with pytest.raises(v6node.InvalidArgument) as info:
        v6node.build_spec()
    assert info.value.key == "config"
    assert info.value.code_name == "V6N_EINVAL"


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(v6node.NotFound):
        v6node.Node.from_config(tmp_path / "absent.yaml")


def test_no_raw_names_leak() -> None:
    public = set(v6node.__all__)
    assert all(hasattr(v6node, n) for n in public)
    assert not any(n.startswith(("v6n", "result_", "op_", "item_", "raw")) for n in public)
    assert not any("swig" in n.lower() for n in dir(v6node))
    node_api = {n for n in dir(v6node.Node) if not n.startswith("_")}
    assert {"start", "stop", "restart", "status", "logs", "follow_logs", "remove",
            "spec"} <= node_api
    assert v6node.library_version() == v6node.__version__


def test_folders_and_container_names_come_from_the_library(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert v6node.config_folder() == tmp_path / "xdg" / "vantage6" / "node"
    assert v6node.config_folder(system=True) == Path("/etc/vantage6/node")
    assert v6node.container_name("alpha") == "vantage6-alpha-user"
    assert v6node.container_name("alpha", system=True) == "vantage6-alpha-system"
    with pytest.raises(v6node.InvalidArgument) as info:
        v6node.container_name("../etc")
    assert info.value.key == "name"

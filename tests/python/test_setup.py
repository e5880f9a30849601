"""The setup half of `v6 node` through the binding: new_config/render_config
(the library writes every config: 0600, atomically, never over an existing one
without force, refusals naming the key), Node.set_api_key (only the key's
bytes change), Node.create_private_key against the stand-in vantage6 server
(tests/integration/fake_v6server.py, 127.0.0.1 only), and Node.version of a
node running on the engine with the stand-in image. Passwords never appear in
an exception."""
from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator, List

import pytest
import yaml

import v6node
from conftest import SOURCE_DIR, STANDIN, NodeSandbox, container_state

FAKE_SERVER = SOURCE_DIR / "tests" / "integration" / "fake_v6server.py"
STANDIN_VERSION = "vnode-local stand-in (libv6node tests)"
ROOT_PASSWORD = 'r00t pw "q" \u00e9'  # the stand-in server's user root


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def values(**more: Any) -> dict:
    base: dict = {"api_key": "k-v6ntest", "server_url": "https://v6.example.org/"}
    base.update(more)
    return base


# ---- new configs -----------------------------------------------------------------------


def test_render_is_what_new_config_writes(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    db = sandbox.data / "cohort.csv"
    db.write_text("id\n1\n")
    args = values(databases=[v6node.Database("default", str(db), "csv")], log_level="INFO",
                  extra_yaml={"vpn_subnet": "10.76.0.0/16",
                              "policies": {"allowed_algorithms": ["^harbor2\\.vantage6\\.ai/.*"]}})
    text = v6node.render_config(name, **args)
    assert not (sandbox.config_dir / f"{name}.yaml").exists()  # a preview writes nothing
    path = v6node.new_config(name, **args)
    assert path == sandbox.config_dir / f"{name}.yaml"
    assert path.read_text() == text
    assert mode(path) == 0o600  # it holds the API key
    config = yaml.safe_load(text)
    assert list(config) == sorted(config)  # as yaml.dump writes it
    assert config["api_key"] == "k-v6ntest"
    assert config["server_url"] == "https://v6.example.org" and config["port"] == "443"
    assert config["api_path"] == "/api"
    assert config["task_dir"] == str(v6node.data_folder(name))
    assert config["task_dir"] == str(sandbox.home / ".local/share/vantage6/node" / name)
    assert config["databases"] == [{"label": "default", "type": "csv", "uri": str(db)}]
    assert config["encryption"] == {"enabled": False, "private_key": ""}
    assert config["logging"]["level"] == "INFO"
    assert config["vpn_subnet"] == "10.76.0.0/16"
    assert config["policies"] == {"allowed_algorithms": ["^harbor2\\.vantage6\\.ai/.*"]}
    # the loader of `start` accepts it: new -> spec
    spec = v6node.Node(name, image=STANDIN).spec()
    assert spec["name"] == f"vantage6-{name}-user"
    assert f"{db}:/mnt/default.csv" in " ".join(spec["create"]["HostConfig"]["Binds"])


def test_defaults_and_the_other_values(sandbox: NodeSandbox, tmp_path: Path) -> None:
    name = sandbox.new_name()
    text = v6node.render_config(name, api_key="k", server_url="http://localhost", port=5000,
                                api_path="/v6", task_dir=tmp_path / "tasks", encryption=True,
                                private_key="keys/node.pem", working_dir=tmp_path,
                                databases=[{"label": "pg", "uri": "postgresql://u:pw@db/x",
                                            "type": "sql"},
                                           {"label": "files", "uri": "data/f.csv",
                                            "type": "csv", "mount_mode": "ro"}],
                                extra_yaml="node_extra_env:\n  SITE: one\n")
    config = yaml.safe_load(text)
    assert config["port"] == "5000" and config["api_path"] == "/v6"
    assert config["task_dir"] == str(tmp_path / "tasks")
    assert config["logging"]["level"] == "DEBUG"  # the wizard's default
    # working_dir: relative paths typed by a person are made absolute
    assert config["encryption"] == {"enabled": True,
                                    "private_key": str(tmp_path / "keys/node.pem")}
    assert config["databases"][0] == {"label": "pg", "type": "sql",
                                      "uri": "postgresql://u:pw@db/x"}
    assert config["databases"][1] == {"label": "files", "type": "csv", "mount_mode": "ro",
                                      "uri": str(tmp_path / "data/f.csv")}
    assert config["node_extra_env"] == {"SITE": "one"}
    assert yaml.safe_load(v6node.render_config(name, api_key="k",
                                               server_url="http://x"))["port"] == "7601"
    # system scope: the system data folder is the default task_dir
    system = yaml.safe_load(v6node.render_config(name, api_key="k", server_url="http://x",
                                                 system=True))
    assert system["task_dir"] == str(v6node.data_folder(name, system=True))
    assert str(v6node.data_folder(name, system=True)).startswith("/usr/local/share/vantage6/")


def test_where_the_file_goes(sandbox: NodeSandbox, tmp_path: Path) -> None:
    name = sandbox.new_name()
    here = v6node.new_config(name, config_dir=tmp_path / "confs", **values())
    assert here == tmp_path / "confs" / f"{name}.yaml" and mode(here) == 0o600
    exact = v6node.new_config(path=tmp_path / "exact" / "site-a.yaml", **values())
    assert exact == tmp_path / "exact" / "site-a.yaml"
    assert v6node.Node.from_config(exact).name == "site-a"
    with pytest.raises(v6node.ConfigError) as e:
        v6node.new_config("other", path=tmp_path / "exact" / "site-b.yaml", **values())
    assert e.value.key == "name"
    assert not (tmp_path / "exact" / "site-b.yaml").exists()


def test_an_existing_config_is_replaced_only_with_force(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    path = v6node.new_config(name, **values())
    before = path.read_bytes()
    with pytest.raises(v6node.Conflict) as e:
        v6node.new_config(name, **values(api_key="another"))
    assert "already exists" in e.value.message and str(path) in e.value.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in sandbox.config_dir.iterdir()) == [f"{name}.yaml"]
    v6node.new_config(name, force=True, **values(api_key="another"))
    assert yaml.safe_load(path.read_text())["api_key"] == "another"
    assert mode(path) == 0o600


@pytest.mark.parametrize("bad, key", [
    ({"databases": [v6node.Database("1abc", "/x.csv", "csv")]}, "databases[0].label"),
    ({"databases": [v6node.Database("ok", "/x.csv", "csv"),
                    v6node.Database("ok", "/y.csv", "csv")]}, "databases[1].label"),
    ({"databases": [v6node.Database("ok", "", "csv")]}, "databases[0].uri"),
    ({"databases": [v6node.Database("ok", "/x.csv", "")]}, "databases[0].type"),
    ({"databases": [v6node.Database("ok", "/x.csv", "csv", mount_mode="rw")]},
     "databases[0].mount_mode"),
    ({"api_key": ""}, "api_key"),
    ({"server_url": ""}, "server_url"),
    ({"log_level": "LOUD"}, "logging.level"),
    ({"extra_yaml": "api_key: again\n"}, "api_key"),
    ({"extra_yaml": "- a list\n"}, "extra_yaml"),
])
def test_bad_values_name_their_key(sandbox: NodeSandbox, bad: dict, key: str) -> None:
    name = sandbox.new_name()
    with pytest.raises(v6node.ConfigError) as e:
        v6node.new_config(name, **values(**bad))
    assert e.value.key == key, repr(e.value)
    assert key in e.value.message
    with pytest.raises(v6node.ConfigError):
        v6node.render_config(name, **values(**bad))
    assert list(sandbox.config_dir.iterdir()) == []  # nothing half-written


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".", "%2e%2e/x", ""])
def test_bad_names_are_refused_before_any_path(sandbox: NodeSandbox, name: str) -> None:
    with pytest.raises(v6node.ConfigError) as e:
        v6node.new_config(name, **values())
    assert e.value.key == "name"
    assert list(sandbox.config_dir.iterdir()) == []
    assert not (sandbox.config_dir.parent / "x.yaml").exists()
    assert not v6node.is_node_name(name)


def test_wrong_types_and_nul_characters(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    with pytest.raises(TypeError):
        v6node.render_config(name, **values(port=True))
    with pytest.raises(TypeError):
        v6node.render_config(name, **values(api_key=b"bytes"))
    with pytest.raises(TypeError):
        v6node.render_config(name, **values(databases="default=/x.csv"))
    with pytest.raises(TypeError):
        v6node.render_config(name, **values(databases=[("default", "/x.csv", "csv")]))
    with pytest.raises(v6node.InvalidArgument) as e:
        v6node.render_config(name, **values(databases=[{"label": "a", "uri": "/x",
                                                        "type": "csv", "colour": "red"}]))
    assert e.value.key == "databases[0]"
    with pytest.raises(v6node.InvalidArgument) as e:
        v6node.render_config(name, **values(api_key="SECRET\0tail"))
    assert e.value.key == "api_key" and "SECRET" not in str(e.value)
    with pytest.raises(v6node.InvalidArgument) as e:
        v6node.render_config(name, **values(extra_yaml={"x": float("nan")}))
    assert e.value.key == "extra_yaml"


def test_a_database_repr_hides_its_password() -> None:
    db = v6node.Database("pg", "postgresql://user:DBPW-secret@db.example.org/x", "sql")
    assert "DBPW-secret" not in repr(db) and "postgresql://user:***@db.example.org/x" in repr(db)
    assert v6node.redact_uri("postgresql://user:pw@h/x") == "postgresql://user:***@h/x"
    assert v6node.redact_uri("/data/cohort.csv") == "/data/cohort.csv"


def test_folders_and_names(sandbox: NodeSandbox) -> None:
    share = sandbox.home / ".local/share/vantage6/node"
    assert v6node.data_folder("alpha") == share / "alpha"
    assert v6node.private_key_path("Org One") == share / "privkey_Org One.pem"
    assert v6node.private_key_path("Org One", system=True) == \
        Path("/usr/local/share/vantage6/node/privkey_Org One.pem")
    for bad in ("", "a/b", "x\ny"):
        with pytest.raises(v6node.InvalidArgument):
            v6node.private_key_path(bad)
    with pytest.raises(v6node.InvalidArgument):
        v6node.data_folder("..")
    assert v6node.is_node_name("v6ntest-ok_1.2") and not v6node.is_node_name("a b")
    assert not v6node.is_node_name(None) and not v6node.is_node_name("x" * 300)


# ---- set-api-key -------------------------------------------------------------------------


def test_set_api_key_changes_only_the_key(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    path = sandbox.config_dir / f"{name}.yaml"
    path.write_text("# site A: the key comes from the server admin\n"
                    "api_key: 'old-key'   # rotated yearly\n"
                    + sandbox.write_config(name).read_text().split("\n", 1)[1])
    os.chmod(path, 0o640)
    before = path.read_text()
    node = v6node.Node(name)
    node.set_api_key("NEW-key-v6ntest")
    after = path.read_text()
    assert after == before.replace("'old-key'", "'NEW-key-v6ntest'")
    assert mode(path) == 0o640  # kept
    assert yaml.safe_load(after)["api_key"] == "NEW-key-v6ntest"
    with pytest.raises(v6node.InvalidArgument):
        node.set_api_key("")
    with pytest.raises(TypeError):
        node.set_api_key(None)  # type: ignore[arg-type]
    assert path.read_text() == after


def test_set_api_key_needs_a_config(sandbox: NodeSandbox) -> None:
    node = v6node.Node(sandbox.new_name())
    with pytest.raises(v6node.NotFound) as e:
        node.set_api_key("k")
    assert "no config" in e.value.message


# ---- create-private-key against the stand-in server --------------------------------------


class FakeServer:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(FAKE_SERVER), *args],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("PORT "), line
        self.port = int(line.split()[1])

    def requests(self) -> List[dict]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/requests", timeout=10) as r:
            data: List[dict] = json.load(r)
        return data

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    s = FakeServer()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def mfa_server() -> Iterator[FakeServer]:
    s = FakeServer("--mfa", "123456")
    try:
        yield s
    finally:
        s.stop()


def node_for(sandbox: NodeSandbox, port: int) -> v6node.Node:
    """A node whose server is the stand-in (encryption on, no key yet), its
    config with a comment at the top."""
    name = sandbox.new_name()
    path = v6node.new_config(name, api_key="k-v6ntest", server_url="http://127.0.0.1",
                             port=port, encryption=True)
    path.write_text("# set up by test_setup.py\n" + path.read_text())
    return v6node.Node(name)


def org_key_uploads(server: FakeServer) -> List[dict]:
    return [r for r in server.requests() if r["method"] == "PATCH"]


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    for secret in secrets:
        for text in (str(error), repr(error), getattr(error, "message", ""),
                     repr(error.args)):
            assert secret not in text, text


def test_create_private_key_logs_in_writes_sets_and_uploads(sandbox: NodeSandbox,
                                                             server: FakeServer) -> None:
    node = node_for(sandbox, server.port)
    config = node.config_path
    assert config is not None
    before = config.read_text()
    key = node.create_private_key(username="alice", password="wonderland")
    assert key == v6node.private_key_path("Org One")  # the user's organization
    assert mode(key) == 0o600
    assert key.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")
    out = subprocess.run(["openssl", "rsa", "-in", str(key), "-noout", "-text"],
                         capture_output=True, text=True, check=True).stdout
    assert "Private-Key: (4096 bit" in out
    # only encryption.private_key changed in the config, the comment is kept
    after = config.read_text()
    assert after.startswith("# set up by test_setup.py\n")
    assert yaml.safe_load(after)["encryption"] == {"enabled": True, "private_key": str(key)}
    assert after.replace(str(key), "") == before
    # the public key went to the user's organization, as vantage6 uploads it
    pem = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout"], capture_output=True,
                         check=True).stdout
    assert v6node.public_key(key) == base64.b64encode(pem).decode()
    uploads = org_key_uploads(server)
    assert [u["path"] for u in uploads] == ["/api/organization/3"]
    assert uploads[0]["json"] == {"public_key": v6node.public_key(key)}
    for r in server.requests():  # the password travelled in the login only
        if r["path"] != "/api/token/user":
            assert "wonderland" not in json.dumps(r)

    # again without overwrite: the same key is uploaded again
    text = key.read_text()
    assert node.create_private_key(username="alice", password="wonderland") == key
    assert key.read_text() == text and len(org_key_uploads(server)) == 2
    # with overwrite: a new key
    node.create_private_key(username="alice", password="wonderland", overwrite=True)
    assert key.read_text() != text


def test_a_wrong_password_changes_nothing(sandbox: NodeSandbox, server: FakeServer) -> None:
    node = node_for(sandbox, server.port)
    config = node.config_path
    assert config is not None
    before = config.read_bytes()
    secret = "not-wonderland-PW-v6ntest"
    with pytest.raises(v6node.AuthError) as e:
        node.create_private_key(username="alice", password=secret)
    assert e.value.code_name == "V6N_EAUTH" and "Failed to login" in e.value.message
    assert_no_secret(e.value, secret)
    assert config.read_bytes() == before
    assert not v6node.private_key_path("Org One").exists()
    assert org_key_uploads(server) == []
    # a password without a username, and the other way round, never reach the server
    with pytest.raises(v6node.InvalidArgument) as e2:
        node.create_private_key(password=secret)
    assert_no_secret(e2.value, secret)
    with pytest.raises(v6node.InvalidArgument):
        node.create_private_key(username="alice")
    with pytest.raises(v6node.InvalidArgument):  # no login, yet one is needed
        node.create_private_key()
    assert config.read_bytes() == before


def test_no_permission_for_another_organization(sandbox: NodeSandbox,
                                                server: FakeServer) -> None:
    node = node_for(sandbox, server.port)
    with pytest.raises(v6node.AuthError) as e:
        node.create_private_key(username="bob", password="builder", organization="Org One")
    assert "permission" in e.value.message
    assert_no_secret(e.value, "builder")
    # the key and the config change stay (run again to upload the same key)
    key = v6node.private_key_path("Org One")
    assert key.exists()
    assert node.config_path is not None
    assert yaml.safe_load(node.config_path.read_text())["encryption"]["private_key"] == str(key)


def test_an_admin_with_an_awkward_password_and_a_key_path(sandbox: NodeSandbox,
                                                          server: FakeServer,
                                                          tmp_path: Path) -> None:
    node = node_for(sandbox, server.port)
    target = tmp_path / "keys" / "site.pem"
    key = node.create_private_key(username="root", password=ROOT_PASSWORD,
                                  organization="Other Org", key_path=target, timeout=20)
    assert key == target and mode(target) == 0o600
    assert [u["path"] for u in org_key_uploads(server)] == ["/api/organization/4"]


def test_mfa(sandbox: NodeSandbox, mfa_server: FakeServer) -> None:
    node = node_for(sandbox, mfa_server.port)
    with pytest.raises(v6node.AuthError):  # the server wants a code; none given
        node.create_private_key(username="alice", password="wonderland")
    with pytest.raises(v6node.AuthError) as e:
        node.create_private_key(username="alice", password="wonderland", mfa_code="000000")
    assert "incorrect" in e.value.message
    assert_no_secret(e.value, "wonderland", "000000")
    assert not v6node.private_key_path("Org One").exists()
    key = node.create_private_key(username="alice", password="wonderland", mfa_code="123456")
    assert key.exists() and len(org_key_uploads(mfa_server)) == 1


def test_without_upload_no_login_is_needed(sandbox: NodeSandbox, tmp_path: Path) -> None:
    name = sandbox.new_name()
    v6node.new_config(name, api_key="k", server_url="http://127.0.0.1", port=9,
                      encryption=True)
    node = v6node.Node(name)
    key = node.create_private_key(organization="Org One", upload=False)
    assert key == v6node.private_key_path("Org One") and key.exists()
    # a login against no server at all: unavailable, nothing written
    other = sandbox.new_name()
    v6node.new_config(other, api_key="k", server_url="http://127.0.0.1", port=9)
    with pytest.raises(v6node.EngineUnavailable):
        v6node.Node(other).create_private_key(username="alice", password="pw-v6ntest",
                                              key_path=tmp_path / "k.pem", timeout=3)
    assert not (tmp_path / "k.pem").exists()
    with pytest.raises(v6node.NotFound):  # no config
        v6node.Node(sandbox.new_name()).create_private_key(organization="x", upload=False)


# ---- version (the engine) ----------------------------------------------------------------


@pytest.mark.usefixtures("engine_ready")
def test_version_of_a_running_node(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    with v6node.Engine.from_env() as engine:
        node = v6node.Node(name)
        with pytest.raises(v6node.NotFound) as e:
            node.version(engine)
        assert "not running" in e.value.message
        v6node.Node(name, image=STANDIN, pull="never").start(engine)
        assert node.version(engine) == STANDIN_VERSION
        # by container, without a config
        assert v6node.Node.from_container(f"vantage6-{name}-user").version(engine) == \
            STANDIN_VERSION
        deadline = time.monotonic() + 15  # the stand-in handles SIGTERM once it has said so
        while "contract holds" not in node.logs(engine) and time.monotonic() < deadline:
            time.sleep(0.1)
        node.stop(engine)
    assert container_state(f"vantage6-{name}-user") is None

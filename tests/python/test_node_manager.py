"""The Node Manager example (examples/node-manager) with Flask's test client:
pages render, a config is created through the form (by v6node.new_config),
nodes are started, restarted, stopped and deleted through POSTs against the
real engine, with the stand-in image, and the API key and encryption key are
set up from the node's page. Only the start takes the app's options: status,
restart, stop and remove go by the node's start record, also for a node whose
config is gone.

And the app lets no one in: it does not start without a password, anonymous
requests are refused, every POST needs the session's CSRF token, login
attempts are rate-limited per address, node names from requests are checked
before anything is touched, and no page, flash or log holds an API key or a
database password."""
from __future__ import annotations

import base64
import json
import logging
import os
import re
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml

import v6node
from conftest import NODE_MANAGER, STANDIN, NodeSandbox, container_state, docker
from test_setup import FakeServer

sys.path.insert(0, str(NODE_MANAGER))
import app as node_manager  # noqa: E402
import guard  # noqa: E402

pytestmark = pytest.mark.usefixtures("engine_ready")

PASSWORD = "correct horse v6ntest"
API_KEY = "APIKEY-v6ntest-d1st1nct-7f3a"
DB_PASSWORD = "DBPW-v6ntest-s3cr3t-91c2"
SETTINGS = {"TESTING": True, "IMAGE": STANDIN, "PULL": "never", "HOST_PATHS": {},
            "DOCKER_SOCKET": None}


def make_app(**more: Any):
    return node_manager.create_app({**SETTINGS, "PASSWORD": PASSWORD, **more})


def csrf_of(client) -> str:
    with client.session_transaction() as s:
        if "csrf" not in s:
            s["csrf"] = "t-" + os.urandom(8).hex()
        return s["csrf"]


def login(client, password: str = PASSWORD, **kw):
    client.get("/login")
    return client.post("/login", data={"password": password, "csrf_token": csrf_of(client),
                                       **kw.pop("data", {})}, **kw)


def post(client, url: str, data: Optional[dict] = None, **kw):
    """A POST as the app's own forms send it: with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_of(client), **(data or {})}, **kw)


@pytest.fixture
def client(sandbox: NodeSandbox):
    app = make_app()
    with app.test_client() as c:
        r = login(c)
        assert r.status_code == 302, r.data[:500]
        yield c


def page(response) -> str:
    assert response.status_code == 200, response.data[:2000]
    return response.get_data(as_text=True)


def form_for(name: str, db: Path, **more: str) -> dict:
    data = {"name": name, "scope": "user", "api_key": "secret-key",
            "server_url": "https://v6.example.org/", "port": "", "api_path": "",
            "task_dir": "", "db_label_0": "default", "db_uri_0": str(db), "db_type_0": "csv",
            "log_level": "INFO", "allowed_algorithms": "^harbor2\\.vantage6\\.ai/demo/.*\n"}
    data.update(more)
    return data


def wait_ready(client, url: str) -> str:
    """The node page once the stand-in has said its contract line (only then
    does it handle SIGTERM)."""
    deadline = time.monotonic() + 10
    while "contract holds" not in (html := page(client.get(url))):
        assert time.monotonic() < deadline, html
        time.sleep(0.2)
    return html


# ---- settings -----------------------------------------------------------------------


def test_settings_from_the_environment() -> None:
    s = node_manager.settings_from_env({"V6N_HOST_PATHS": "/data=/srv/site/data, /cfg/=/srv/c",
                                        "V6N_IMAGE": "img:1", "V6N_PULL": "missing",
                                        "V6N_VANTAGE6_VERSION": "4.13"})
    assert s["VANTAGE6_VERSION"] == "4.13"
    assert s["HOST_PATHS"] == {"/data": "/srv/site/data", "/cfg": "/srv/c"}
    assert list(s["HOST_PATHS"]) == ["/data", "/cfg"]
    assert s["IMAGE"] == "img:1" and s["PULL"] == "missing" and s["LOG_TAIL"] == 200
    assert node_manager.settings_from_env({})["HOST_PATHS"] == {}
    with pytest.raises(ValueError):
        node_manager.parse_host_paths("data=/srv")


def test_config_folders_match_the_library(sandbox: NodeSandbox,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert node_manager.config_folder("user") == sandbox.config_dir
    assert node_manager.data_folder("user", "a") == v6node.data_folder("a")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(sandbox.root / "xdg"))
    assert node_manager.config_folder("user") == sandbox.root / "xdg" / "vantage6" / "node"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert node_manager.config_folder("system") == Path("/etc/vantage6/node")


# ---- the password ---------------------------------------------------------------------------


def test_it_does_not_start_without_a_password(sandbox: NodeSandbox,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(guard.PASSWORD_ENV, raising=False)
    monkeypatch.delenv(guard.PASSWORD_FILE_ENV, raising=False)
    with pytest.raises(guard.NoPassword) as e:
        node_manager.create_app(SETTINGS)
    assert guard.PASSWORD_FILE_ENV in str(e.value)
    # `python app.py` says so and exits
    with pytest.raises(SystemExit) as exit_:
        node_manager.main()
    assert guard.PASSWORD_FILE_ENV in str(exit_.value.code)

    file = sandbox.root / "password"
    file.write_text("")
    monkeypatch.setenv(guard.PASSWORD_FILE_ENV, str(file))
    with pytest.raises(guard.NoPassword):  # an empty file
        node_manager.create_app(SETTINGS)
    monkeypatch.setenv(guard.PASSWORD_FILE_ENV, str(sandbox.root / "absent"))
    with pytest.raises(guard.NoPassword):
        node_manager.create_app(SETTINGS)
    file.write_text("from-the-file v6ntest\n")
    file.chmod(0o600)
    monkeypatch.setenv(guard.PASSWORD_FILE_ENV, str(file))
    monkeypatch.setenv(guard.PASSWORD_ENV, "from-the-env")
    with pytest.raises(guard.NoPassword):  # both: which one?
        node_manager.create_app(SETTINGS)
    monkeypatch.delenv(guard.PASSWORD_ENV)

    app = node_manager.create_app(SETTINGS)
    # kept only as a salted hash: the password is nowhere in the app
    check, _ = app.extensions["v6node_login"]
    held = repr(dict(app.config)) + repr(vars(check)) + repr(check)
    assert "from-the-file" not in held
    with app.test_client() as c:
        assert login(c, "from-the-file v6ntest").status_code == 302
    monkeypatch.delenv(guard.PASSWORD_FILE_ENV)
    monkeypatch.setenv(guard.PASSWORD_ENV, "from-the-env v6ntest")
    with node_manager.create_app(SETTINGS).test_client() as c:
        assert login(c, "from-the-file v6ntest").status_code == 401
        assert login(c, "from-the-env v6ntest").status_code == 302


def test_it_listens_on_127_0_0_1_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: Dict[str, Any] = {}
    monkeypatch.setenv(guard.PASSWORD_ENV, PASSWORD)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setattr(node_manager.Flask, "run",
                        lambda self, host=None, port=None, **kw: seen.update(host=host,
                                                                             port=port))
    node_manager.main()
    assert seen == {"host": "127.0.0.1", "port": 5000}
    assert node_manager.is_loopback("127.0.0.1") and node_manager.is_loopback("::1")
    assert not node_manager.is_loopback("0.0.0.0")


# ---- anonymous requests, login, CSRF ---------------------------------------------------------


def test_anonymous_requests_are_refused(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    c = make_app().test_client()
    for url in ("/", f"/nodes/user/{name}", f"/nodes/user/{name}/logs/follow", "/nodes/new"):
        r = c.get(url)
        assert r.status_code == 302, url
        assert r.headers["Location"].startswith("/login?next="), r.headers["Location"]
    for url in (f"/nodes/user/{name}/start", f"/nodes/user/{name}/delete",
                f"/nodes/user/{name}/api-key", "/nodes/new", "/logout"):
        # even with a token of its own session: no login, no action
        assert post(c, url, {"api_key": "x", **form_for("other", sandbox.data / "x.csv")}
                    ).status_code == 401, url
    assert container_state(f"vantage6-{name}-user") is None
    assert sorted(p.name for p in sandbox.config_dir.iterdir()) == [f"{name}.yaml"]
    assert "test-key" in (sandbox.config_dir / f"{name}.yaml").read_text()
    assert c.get("/login").status_code == 200
    assert c.get("/static/style.css").status_code == 200


def test_login_logout_and_where_a_login_leads(sandbox: NodeSandbox) -> None:
    c = make_app().test_client()
    r = login(c, "wrong", data={"next": "/nodes/new"})
    assert r.status_code == 401 and "Wrong password" in r.get_data(as_text=True)
    assert c.get("/").status_code == 302
    r = login(c, data={"next": "/nodes/new"})
    assert r.status_code == 302 and r.headers["Location"] == "/nodes/new"
    assert c.get("/").status_code == 200
    cookie = c.get_cookie("v6node_manager")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert post(c, "/logout").status_code == 302
    assert c.get("/").status_code == 302
    # never to another site
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "x"):
        r = login(c, data={"next": target})
        assert r.status_code == 302 and r.headers["Location"] == "/", target
        post(c, "/logout")
    # a node page's buttons go back to a path here only
    page_ = page(c.get(f"/login?next=/nodes/new"))
    assert 'value="/nodes/new"' in page_


def test_a_post_without_the_csrf_token_is_refused(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    url = f"/nodes/user/{name}/start"
    assert client.post(url).status_code == 400
    assert client.post(url, data={"csrf_token": ""}).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    # the token of another session
    other = make_app().test_client()
    other.get("/login")
    assert client.post(url, data={"csrf_token": csrf_of(other)}).status_code == 400
    assert container_state(f"vantage6-{name}-user") is None
    r = client.post("/nodes/new", data=form_for(sandbox.new_name(), sandbox.data / "x.csv"))
    assert r.status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in
    assert client.post(f"/nodes/user/{name}/api-key", data={"api_key": "evil"}).status_code == 400
    assert "test-key" in (sandbox.config_dir / f"{name}.yaml").read_text()
    # the login form needs one too
    fresh = make_app().test_client()
    fresh.get("/login")
    assert fresh.post("/login", data={"password": PASSWORD}).status_code == 400
    # with the token (as the page's forms send it) it works
    assert post(client, url).status_code == 302
    assert container_state(f"vantage6-{name}-user") == "running"
    wait_ready(client, f"/nodes/user/{name}")
    assert post(client, f"/nodes/user/{name}/stop").status_code == 302


def test_every_form_carries_the_token(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    token = csrf_of(client)
    for url in ("/", f"/nodes/user/{name}", "/nodes/new"):
        html = page(client.get(url))
        forms = re.findall(r"<form\b.*?</form>", html, re.S)
        assert forms, url
        for form in forms:
            assert f'name="csrf_token" value="{token}"' in form, form


def test_login_attempts_are_rate_limited(sandbox: NodeSandbox) -> None:
    now = [1000.0]
    app = make_app(LOGIN_CLOCK=lambda: now[0])
    c = app.test_client()
    for _ in range(5):
        assert login(c, "guess").status_code == 401
    # locked out: even the right password is not tried
    r = login(c)
    assert r.status_code == 429 and r.headers["Retry-After"] == "31"
    assert "Too many attempts" in r.get_data(as_text=True)
    assert c.get("/").status_code == 302
    # another address is not locked out
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert login(other).status_code == 302
    now[0] += 20
    assert login(c).status_code == 429
    now[0] += 11
    assert login(c).status_code == 302  # the lockout is over; success clears the count
    post(c, "/logout")
    for _ in range(5):
        assert login(c, "guess").status_code == 401
    assert login(c).status_code == 429
    now[0] += 31
    # a client that keeps failing waits twice as long each time
    for _ in range(5):
        assert login(c, "guess").status_code == 401
    r = login(c)
    assert r.status_code == 429 and r.headers["Retry-After"] == "61"
    limiter = guard.LoginLimiter(max_attempts=2, lockout=10, max_lockout=25,
                                 clock=lambda: now[0])
    waits = []
    for _ in range(4):
        limiter.begin("a"), limiter.begin("a")
        waits.append(limiter.begin("a"))
        now[0] += waits[-1] + 0.5
    assert waits == [10, 20, 25, 25]  # doubled, capped


# ---- names from requests ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["..", "%2e%2e", "%2E%2E", ".", "..%2fx", "%2e%2e%2fx",
                                  "a%2fb", "a b", "x%00y", "%2e%2e%2f%2e%2e%2fetc"])
def test_traversal_names_are_refused(client, sandbox: NodeSandbox, path: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # things a traversal would reach: a config beside the config folder, the folder itself
    canary = sandbox.config_dir.parent / "x.yaml"
    canary.write_text(sandbox.write_config("v6ntest-canary").read_text())
    opened: List[str] = []
    real_node = v6node.Node
    monkeypatch.setattr(v6node, "Node", lambda name, *a, **kw: (opened.append(name),
                                                               real_node(name, *a, **kw))[1])
    for url in (f"/nodes/user/{path}", f"/nodes/user/{path}/logs/follow"):
        assert client.get(url).status_code in (400, 404), url
    for action in ("start", "stop", "restart", "delete", "api-key", "private-key"):
        r = post(client, f"/nodes/user/{path}/{action}", {"api_key": "evil"})
        assert r.status_code in (400, 404, 405), (action, r.status_code)
    assert client.get(f"/nodes/{path}/x").status_code == 404  # the scope too
    assert opened == []  # no node was ever opened
    assert canary.exists() and "test-key" in canary.read_text()
    assert (sandbox.config_dir / "v6ntest-canary.yaml").exists()


@pytest.mark.parametrize("name", ["../x", "..", "a/b", "%2e%2e", "../../etc/v6ntest"])
def test_the_new_form_refuses_traversal_names(client, sandbox: NodeSandbox, name: str) -> None:
    before = sorted(p for p in sandbox.root.rglob("*"))
    r = post(client, "/nodes/new", form_for(name, sandbox.data / "x.csv"))
    assert r.status_code == 400 and "The name may only contain" in r.get_data(as_text=True)
    assert sorted(p for p in sandbox.root.rglob("*")) == before
    assert not Path("/etc/v6ntest.yaml").exists()


# ---- pages ----------------------------------------------------------------------------------


def test_pages_render(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    html = page(client.get("/"))
    assert "Nodes" in html and "API 1." in html
    assert f'id="node-user-{name}"' in html and f'id="start-user-{name}"' in html
    html = page(client.get(f"/nodes/user/{name}"))
    assert f"vantage6-{name}-user" in html and 'data-state="absent"' in html
    assert STANDIN in html and "/mnt/config" in html  # the spec the library built
    assert 'id="api-key-form"' in html and 'id="private-key-form"' in html
    html = page(client.get("/nodes/new"))
    assert 'name="api_key"' in html and 'name="db_uri_0"' in html
    assert client.get("/nodes/user/v6ntest-py-nonexistent").status_code == 404
    assert client.get(f"/nodes/elsewhere/{name}").status_code == 404
    r = client.get("/")
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Cache-Control"] == "no-store"


def test_create_a_config_with_the_form(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    db = sandbox.data / "cohort.csv"
    db.write_text("id\n1\n")
    response = post(client, "/nodes/new", form_for(name, db, db_mount_0="ro"))
    assert response.status_code == 302, response.data[:3000]
    path = sandbox.config_dir / f"{name}.yaml"
    assert path.stat().st_mode & 0o777 == 0o600  # written by the library
    text = path.read_text()
    # exactly what the library writes for these values
    assert text == v6node.render_config(
        name, api_key="secret-key", server_url="https://v6.example.org/",
        databases=[v6node.Database("default", str(db), "csv", "ro")], log_level="INFO",
        extra_yaml={"policies": {"allowed_algorithms": ["^harbor2\\.vantage6\\.ai/demo/.*"]}})
    config = yaml.safe_load(text)
    assert config["api_key"] == "secret-key"
    assert config["server_url"] == "https://v6.example.org" and config["port"] == "443"
    assert config["task_dir"] == str(sandbox.home / ".local/share/vantage6/node" / name)
    assert config["databases"] == [{"label": "default", "uri": str(db), "type": "csv",
                                    "mount_mode": "ro"}]
    assert config["policies"] == {"allowed_algorithms": ["^harbor2\\.vantage6\\.ai/demo/.*"]}
    assert config["encryption"] == {"enabled": False, "private_key": ""}
    assert list(config) == sorted(config)  # saved as vantage6 saves it
    spec = v6node.Node(name).spec()
    assert spec["name"] == f"vantage6-{name}-user"
    html = page(client.get(response.headers["Location"]))
    assert "New configuration created" in html and "secret-key" not in html

    again = post(client, "/nodes/new", form_for(name, db))
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)
    assert path.read_text() == text


def test_the_form_refuses_what_the_library_refuses(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    r = post(client, "/nodes/new", form_for(name, sandbox.data / "absent.csv"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "ConfigError" in html and "databases[0].uri" in html
    r = post(client, "/nodes/new", form_for("bad/name", sandbox.data / "x.csv"))
    assert r.status_code == 400 and "The name may only contain" in r.get_data(as_text=True)
    r = post(client, "/nodes/new", form_for(name, sandbox.data / "x.csv", port="abc"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "(port)" in html and "must be an integer" in html
    r = post(client, "/nodes/new", form_for(name, sandbox.data / "x.csv", api_key=""))
    assert r.status_code == 400 and "(api_key)" in r.get_data(as_text=True)
    r = post(client, "/nodes/new", form_for(name, sandbox.data / "x.csv", db_label_0="1bad"))
    assert r.status_code == 400 and "databases[0].label" in r.get_data(as_text=True)
    assert list(sandbox.config_dir.iterdir()) == []


def test_start_restart_stop_delete(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    cfg = sandbox.write_config(name)
    container = f"vantage6-{name}-user"
    node_url = f"/nodes/user/{name}"

    r = post(client, f"{node_url}/start", {"next": "/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    html = page(client.get("/"))
    assert "Started " + name in html and "chosen by the option rule" in html
    assert "as vantage6 4.15," in html
    assert container_state(container) == "running"
    row = re.search(rf'<tr id="node-user-{re.escape(name)}".*?</tr>', html, re.S).group(0)
    assert 'data-state="running"' in row and f'id="stop-user-{name}"' in row

    html = wait_ready(client, node_url)
    assert 'data-state="running"' in html and "None: the container matches" in html
    assert re.search(r'id="vantage6-version">4\.15 ', html), "the release the node was built as"
    assert re.search(r'id="created-at">20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC<', html), html
    assert 'id="node-version"><code>vnode-local stand-in (libv6node tests)<' in html
    labels = re.search(r'<table id="labels".*?</table>', html, re.S).group(0)
    assert "vantage6-type" in labels and f"<code>{name}</code>" in labels

    # drift after a config change, gone after a restart
    sandbox.write_config(name, env={"SITE": "changed"})
    html = page(client.get(node_url))
    assert 'id="drift"' in html and "SITE" in html
    assert post(client, f"{node_url}/restart").status_code == 302
    html = page(client.get(node_url))
    assert "Restarted " + name in html and "None: the container matches" in html
    wait_ready(client, node_url)

    # a second start is refused by the library, and said so
    post(client, f"{node_url}/start")
    assert "Conflict" in page(client.get(node_url))

    assert post(client, f"{node_url}/stop").status_code == 302
    html = page(client.get(node_url))
    assert "Stopped " + name in html and 'data-state="absent"' in html
    assert container_state(container) is None

    r = post(client, f"{node_url}/delete")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "Deleted " + name in page(client.get("/"))
    assert not cfg.exists()


def test_status_and_restart_go_by_the_start_record(sandbox: NodeSandbox) -> None:
    """Started by one app; another app whose settings name another image shows
    no drift and restarts with the image the node was started with."""
    name = sandbox.new_name()
    sandbox.write_config(name)
    container = f"vantage6-{name}-user"
    url = f"/nodes/user/{name}"
    first = make_app().test_client()
    login(first)
    assert post(first, f"{url}/start").status_code == 302
    other = make_app(IMAGE="127.0.0.1:5999/v6node-test/node:no-vnode").test_client()
    login(other)
    html = wait_ready(other, url)
    assert "None: the container matches" in html and 'id="drift"' in html
    assert post(other, f"{url}/restart").status_code == 302
    html = page(other.get(url))
    assert "Restarted " + name in html and f"image {STANDIN}." in html
    assert docker("inspect", "-f", "{{.Config.Image}}", container).stdout.strip() == STANDIN
    wait_ready(other, url)
    assert post(other, f"{url}/stop").status_code == 302
    assert container_state(container) is None


def test_an_orphan_is_shown_stopped_and_deleted(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    cfg = sandbox.write_config(name)
    container = f"vantage6-{name}-user"
    url = f"/nodes/user/{name}"
    with v6node.Engine.from_env() as engine:
        v6node.Node(name, keep=True, image=STANDIN, pull="never").start(engine)
    wait_ready(client, url)
    cfg.unlink()  # the config is gone; the container runs on

    html = page(client.get("/"))
    row = re.search(rf'<tr id="node-user-{re.escape(name)}".*?</tr>', html, re.S).group(0)
    assert "no config here" in row and f'id="stop-user-{name}"' in row
    html = page(client.get(url))
    assert 'data-state="running"' in html and "none on this machine" in html
    assert 'id="drift-error"' in html and "no config for node" in html
    assert f'id="stop-user-{name}"' in html and f'id="restart-user-{name}"' not in html
    assert 'id="labels"' in html and 'id="spec"' not in html
    assert 'id="api-key-form"' not in html  # nothing to set it in

    assert post(client, f"{url}/stop").status_code == 302
    html = page(client.get(url))
    assert "Stopped " + name in html and 'data-state="stopped"' in html
    assert container_state(container) == "exited"
    assert f'id="delete-user-{name}"' in html and f'id="start-user-{name}"' not in html

    r = post(client, f"{url}/delete")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    html = page(client.get("/"))
    assert "Deleted " + name in html and f'id="node-user-{name}"' not in html
    assert container_state(container) is None
    assert client.get(url).status_code == 404


def test_follow_logs_stream_closes(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    post(client, f"/nodes/user/{name}/start")
    response = client.get(f"/nodes/user/{name}/logs/follow", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    first = next(iter(response.response))
    text = first.decode() if isinstance(first, bytes) else first
    assert "contract holds" in text
    t0 = time.monotonic()
    response.close()  # the client went away: the stream is cancelled and joined
    assert time.monotonic() - t0 < 5
    post(client, f"/nodes/user/{name}/stop")


def test_host_paths_reach_the_spec(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    c = make_app(HOST_PATHS={str(sandbox.root): "/srv/site"}).test_client()
    login(c)
    html = page(c.get(f"/nodes/user/{name}"))
    assert f"/srv/site/data/{name}.csv:/mnt/default.csv" in html
    # the default release (4.15) mounts the config file alone
    assert (f"/srv/site/home/.config/vantage6/node/{name}.yaml:/mnt/config/{name}.yaml:ro"
            in html)


def test_engine_unavailable_is_shown(sandbox: NodeSandbox, monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sandbox.root}/no-docker.sock")
    c = make_app().test_client()
    login(c)
    html = page(c.get("/"))
    assert "EngineUnavailable" in html and "no-docker.sock" in html


# ---- secrets --------------------------------------------------------------------------------


def session_text(client) -> str:
    """What the session cookie carries (flash messages among it), decoded."""
    cookie = client.get_cookie("v6node_manager")
    if cookie is None:
        return ""
    value = cookie.value
    compressed = value.startswith(".")
    payload = value[1:].split(".")[0] if compressed else value.split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if compressed else data).decode("utf-8", "replace")


def secret_config(sandbox: NodeSandbox, name: str) -> Path:
    db = sandbox.data / f"{name}.csv"
    db.write_text("id\n1\n")
    return v6node.new_config(
        name, api_key=API_KEY, server_url="https://v6.example.org",
        databases=[v6node.Database("default", str(db), "csv"),
                   v6node.Database("pg", f"postgresql://v6user:{DB_PASSWORD}@db.example.org/x",
                                   "sql")])


def assert_clean(text: str, where: str) -> None:
    for secret in (API_KEY, DB_PASSWORD):
        assert secret not in text, f"{secret} in {where}"


def test_pages_hold_no_api_key_or_database_password(client, sandbox: NodeSandbox,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    name = sandbox.new_name()
    secret_config(sandbox, name)
    url = f"/nodes/user/{name}"
    bodies = {"dashboard": page(client.get("/")), "node": page(client.get(url))}
    assert "postgresql://v6user:***@db.example.org/x" in bodies["node"]  # the spec, redacted
    assert "api_key: ***" in bodies["node"]  # the config file, masked
    assert post(client, f"{url}/start").status_code == 302
    bodies["after start"] = wait_ready(client, url)
    response = client.get(f"{url}/logs/follow", buffered=False)
    bodies["logs"] = str(next(iter(response.response)))
    response.close()
    bodies["new"] = page(client.get("/nodes/new"))
    # a refused form does not echo the secrets it was given
    r = post(client, "/nodes/new", {**form_for(sandbox.new_name(), sandbox.data / "x.csv"),
                                    "api_key": API_KEY, "db_label_1": "1bad",
                                    "db_uri_1": f"postgresql://u:{DB_PASSWORD}@h/x",
                                    "db_type_1": "sql"})
    assert r.status_code == 400
    bodies["refused form"] = r.get_data(as_text=True)
    assert "are not filled in again" in bodies["refused form"]
    # set-api-key: the new key is not shown or flashed
    assert post(client, f"{url}/api-key", {"api_key": API_KEY + "-2"}).status_code == 302
    bodies["after set-api-key"] = page(client.get(url))
    assert "The API key of" in bodies["after set-api-key"]
    assert yaml.safe_load((sandbox.config_dir / f"{name}.yaml").read_text())["api_key"] == \
        API_KEY + "-2"
    bodies["session"] = session_text(client)
    assert post(client, f"{url}/stop").status_code == 302
    bodies["after stop"] = page(client.get(url))
    for where, body in bodies.items():
        assert_clean(body, where)
    assert_clean("\n".join(r.getMessage() for r in caplog.records), "the log")


def test_a_failed_start_flashes_no_secret(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    path = secret_config(sandbox, name)
    (sandbox.data / f"{name}.csv").unlink()  # the start fails on the missing database file
    post(client, f"/nodes/user/{name}/start")
    flashes = session_text(client)
    html = page(client.get(f"/nodes/user/{name}"))
    assert "Start of " + name in html and "ConfigError" in html
    assert_clean(flashes, "the session cookie")
    assert_clean(html, "the node page")
    assert path.exists()


def test_the_redactor() -> None:
    r = guard.Redactor()
    r.add_config_text("api_key: 'k-12345'\ndatabases:\n- {label: a, type: sql, "
                      "uri: 'postgresql://u:p%40ss-word@h/x'}\n")
    assert r("key k-12345, pw p%40ss-word or p@ss-word") == "key ***, pw *** or ***"
    assert r.config_text("# c\napi_key: abc   # short\nport: 1\n") == "# c\napi_key: ***\nport: 1\n"
    assert guard.uri_password("postgresql://user:pw:x@host/db") == "pw:x"
    assert guard.uri_password("/data/x.csv") is None
    assert guard.safe_next("/nodes/user/a", "/") == "/nodes/user/a"
    for bad in ("//x", "/\\x", "https://x/", "javascript:alert(1)", "", None, "/\nx"):
        assert guard.safe_next(bad, "/") == "/"


# ---- the setup forms --------------------------------------------------------------------------


@pytest.fixture
def v6server() -> Iterator[FakeServer]:
    s = FakeServer()
    try:
        yield s
    finally:
        s.stop()


def test_create_a_private_key_from_the_node_page(client, sandbox: NodeSandbox,
                                                 v6server: FakeServer) -> None:
    name = sandbox.new_name()
    path = v6node.new_config(name, api_key="k-v6ntest", server_url="http://127.0.0.1",
                             port=v6server.port, encryption=True)
    url = f"/nodes/user/{name}/private-key"
    wrong = "wrong-PW-v6ntest-xyz"
    r = post(client, url, {"username": "alice", "password": wrong, "upload": "1"})
    assert r.status_code == 302
    html = page(client.get(f"/nodes/user/{name}"))
    assert "AuthError" in html and "Failed to login" in html
    assert wrong not in html and wrong not in session_text(client)
    assert not v6node.private_key_path("Org One").exists()

    r = post(client, url, {"username": "alice", "password": "wonderland", "upload": "1"})
    html = page(client.get(f"/nodes/user/{name}"))
    key = v6node.private_key_path("Org One")
    assert f"The private key of {name} is {key} and its public key uploaded" in html
    assert "wonderland" not in html
    assert key.exists()
    assert yaml.safe_load(path.read_text())["encryption"]["private_key"] == str(key)
    assert [q["path"] for q in v6server.requests() if q["method"] == "PATCH"] == \
        ["/api/organization/3"]

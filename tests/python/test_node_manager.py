"""The Node Manager example (examples/node-manager) with Flask's test client:
pages render, a config is created through the form, and nodes are started,
restarted, stopped and deleted through POSTs against the real engine, with
the stand-in image. Only the start takes the app's options: status, restart,
stop and remove go by the node's start record, also for a node whose config
is gone."""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
import yaml

import v6node
from conftest import NODE_MANAGER, STANDIN, NodeSandbox, container_state, docker

sys.path.insert(0, str(NODE_MANAGER))
import app as node_manager  # noqa: E402

pytestmark = pytest.mark.usefixtures("engine_ready")


@pytest.fixture
def client(sandbox: NodeSandbox):
    app = node_manager.create_app({"TESTING": True, "IMAGE": STANDIN, "PULL": "never",
                                   "HOST_PATHS": {}, "DOCKER_SOCKET": None})
    with app.test_client() as c:
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
    monkeypatch.setenv("XDG_CONFIG_HOME", str(sandbox.root / "xdg"))
    assert node_manager.config_folder("user") == sandbox.root / "xdg" / "vantage6" / "node"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert node_manager.config_folder("system") == Path("/etc/vantage6/node")


def test_pages_render(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    html = page(client.get("/"))
    assert "Nodes" in html and "API 1." in html
    assert f'id="node-user-{name}"' in html and f'id="start-user-{name}"' in html
    html = page(client.get(f"/nodes/user/{name}"))
    assert f"vantage6-{name}-user" in html and 'data-state="absent"' in html
    assert STANDIN in html and "/mnt/config" in html  # the spec the library built
    html = page(client.get("/nodes/new"))
    assert 'name="api_key"' in html and 'name="db_uri_0"' in html
    assert client.get("/nodes/user/v6ntest-py-nonexistent").status_code == 404
    assert client.get(f"/nodes/elsewhere/{name}").status_code == 404


def test_create_a_config_with_the_form(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    db = sandbox.data / "cohort.csv"
    db.write_text("id\n1\n")
    response = client.post("/nodes/new", data=form_for(name, db))
    assert response.status_code == 302, response.data[:3000]
    path = sandbox.config_dir / f"{name}.yaml"
    config = yaml.safe_load(path.read_text())
    assert config["api_key"] == "secret-key"
    assert config["server_url"] == "https://v6.example.org" and config["port"] == "443"
    assert config["api_path"] == "/api"
    assert config["task_dir"] == str(sandbox.home / ".local/share/vantage6/node" / name)
    assert config["databases"] == [{"label": "default", "uri": str(db), "type": "csv"}]
    assert config["policies"] == {"allowed_algorithms": ["^harbor2\\.vantage6\\.ai/demo/.*"]}
    assert config["logging"]["level"] == "INFO" and config["logging"]["max_size"] == 1024
    assert config["encryption"] == {"enabled": False, "private_key": ""}
    assert list(config) == sorted(config)  # saved as vantage6 saves it
    # the library finds and accepts it
    spec = v6node.Node(name).spec()
    assert spec["name"] == f"vantage6-{name}-user"
    html = page(client.get(response.headers["Location"]))
    assert "New configuration created" in html

    again = client.post("/nodes/new", data=form_for(name, db))
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)


def test_the_form_refuses_what_the_library_refuses(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    r = client.post("/nodes/new", data=form_for(name, sandbox.data / "absent.csv"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "ConfigError" in html and "databases[0].uri" in html
    r = client.post("/nodes/new", data=form_for("bad/name", sandbox.data / "x.csv"))
    assert r.status_code == 400 and "The name may only contain" in r.get_data(as_text=True)
    r = client.post("/nodes/new", data=form_for(name, sandbox.data / "x.csv", api_key="",
                                                port="abc"))
    html = r.get_data(as_text=True)
    assert "API key is required" in html and "port must be a number" in html
    assert list(sandbox.config_dir.iterdir()) == []


def test_start_restart_stop_delete(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    cfg = sandbox.write_config(name)
    container = f"vantage6-{name}-user"
    node_url = f"/nodes/user/{name}"

    r = client.post(f"{node_url}/start", data={"next": "/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    html = page(client.get("/"))
    assert "Started " + name in html and "chosen by the option rule" in html
    assert "as vantage6 4.15," in html
    assert container_state(container) == "running"
    row = re.search(rf'<tr id="node-user-{re.escape(name)}".*?</tr>', html, re.S).group(0)
    assert 'data-state="running"' in row and f'id="stop-user-{name}"' in row

    deadline = time.monotonic() + 10
    while "contract holds" not in (html := page(client.get(node_url))):
        assert time.monotonic() < deadline, html
        time.sleep(0.2)
    assert 'data-state="running"' in html and "None: the container matches" in html
    assert re.search(r'id="vantage6-version">4\.15 ', html), "the release the node was built as"
    assert re.search(r'id="created-at">20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC<', html), html
    labels = re.search(r'<table id="labels".*?</table>', html, re.S).group(0)
    assert "vantage6-type" in labels and f"<code>{name}</code>" in labels

    # drift after a config change, gone after a restart
    sandbox.write_config(name, env={"SITE": "changed"})
    html = page(client.get(node_url))
    assert 'id="drift"' in html and "SITE" in html
    assert client.post(f"{node_url}/restart").status_code == 302
    html = page(client.get(node_url))
    assert "Restarted " + name in html and "None: the container matches" in html
    deadline = time.monotonic() + 10  # the stand-in handles SIGTERM once it has said so
    while "contract holds" not in page(client.get(node_url)):
        assert time.monotonic() < deadline
        time.sleep(0.2)

    # a second start is refused by the library, and said so
    client.post(f"{node_url}/start")
    assert "Conflict" in page(client.get(node_url))

    assert client.post(f"{node_url}/stop").status_code == 302
    html = page(client.get(node_url))
    assert "Stopped " + name in html and 'data-state="absent"' in html
    assert container_state(container) is None

    r = client.post(f"{node_url}/delete")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "Deleted " + name in page(client.get("/"))
    assert not cfg.exists()


def wait_ready(client, url: str) -> str:
    """The node page once the stand-in has said its contract line (only then
    does it handle SIGTERM)."""
    deadline = time.monotonic() + 10
    while "contract holds" not in (html := page(client.get(url))):
        assert time.monotonic() < deadline, html
        time.sleep(0.2)
    return html


def test_status_and_restart_go_by_the_start_record(sandbox: NodeSandbox) -> None:
    """Started by one app; another app whose settings name another image shows
    no drift and restarts with the image the node was started with."""
    name = sandbox.new_name()
    sandbox.write_config(name)
    container = f"vantage6-{name}-user"
    url = f"/nodes/user/{name}"
    first = node_manager.create_app({"IMAGE": STANDIN, "PULL": "never", "HOST_PATHS": {},
                                     "DOCKER_SOCKET": None}).test_client()
    assert first.post(f"{url}/start").status_code == 302
    other = node_manager.create_app({"IMAGE": "127.0.0.1:5999/v6node-test/node:no-vnode",
                                     "PULL": "never", "HOST_PATHS": {},
                                     "DOCKER_SOCKET": None}).test_client()
    html = wait_ready(other, url)
    assert "None: the container matches" in html and 'id="drift"' in html
    assert other.post(f"{url}/restart").status_code == 302
    html = page(other.get(url))
    assert "Restarted " + name in html and f"image {STANDIN}." in html
    assert docker("inspect", "-f", "{{.Config.Image}}", container).stdout.strip() == STANDIN
    wait_ready(other, url)
    assert other.post(f"{url}/stop").status_code == 302
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

    assert client.post(f"{url}/stop").status_code == 302
    html = page(client.get(url))
    assert "Stopped " + name in html and 'data-state="stopped"' in html
    assert container_state(container) == "exited"
    assert f'id="delete-user-{name}"' in html and f'id="start-user-{name}"' not in html

    r = client.post(f"{url}/delete")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    html = page(client.get("/"))
    assert "Deleted " + name in html and f'id="node-user-{name}"' not in html
    assert container_state(container) is None
    assert client.get(url).status_code == 404


def test_follow_logs_stream_closes(client, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    client.post(f"/nodes/user/{name}/start")
    response = client.get(f"/nodes/user/{name}/logs/follow", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    first = next(iter(response.response))
    text = first.decode() if isinstance(first, bytes) else first
    assert "contract holds" in text
    t0 = time.monotonic()
    response.close()  # the client went away: the stream is cancelled and joined
    assert time.monotonic() - t0 < 5
    client.post(f"/nodes/user/{name}/stop")


def test_host_paths_reach_the_spec(sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    app = node_manager.create_app({"IMAGE": STANDIN, "PULL": "never",
                                   "HOST_PATHS": {str(sandbox.root): "/srv/site"}})
    html = page(app.test_client().get(f"/nodes/user/{name}"))
    assert f"/srv/site/data/{name}.csv:/mnt/default.csv" in html
    # the default release (4.15) mounts the config file alone
    assert (f"/srv/site/home/.config/vantage6/node/{name}.yaml:/mnt/config/{name}.yaml:ro"
            in html)


def test_engine_unavailable_is_shown(sandbox: NodeSandbox, monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sandbox.root}/no-docker.sock")
    app = node_manager.create_app({"IMAGE": STANDIN})
    html = page(app.test_client().get("/"))
    assert "EngineUnavailable" in html and "no-docker.sock" in html

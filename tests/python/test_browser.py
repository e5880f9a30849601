"""End to end, as a person would: the Node Manager served on 127.0.0.1, a real
headless Chromium (Debian's chromium + chromium-driver, driven by Selenium with
/usr/bin/chromedriver; no browser is downloaded) is sent to the login page,
logs in (after a wrong password), presses a node's Start button, sees the node
running, stops it from the node's page, and never sees the node's API key or
database password. A page of another site that posts a form to the app (a
CSRF attack) gets nowhere."""
from __future__ import annotations

import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

import v6node
from conftest import BUILD_DIR, NODE_MANAGER, STANDIN, NodeSandbox, container_state

sys.path.insert(0, str(NODE_MANAGER))
import app as node_manager  # noqa: E402

pytestmark = pytest.mark.usefixtures("engine_ready")

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "browser pw v6ntest"
API_KEY = "APIKEY-v6ntest-browser-5e1f"
DB_PASSWORD = "DBPW-v6ntest-browser-77aa"


@pytest.fixture
def server(sandbox: NodeSandbox) -> Iterator[str]:
    """The app on 127.0.0.1, a free port, in a thread."""
    app = node_manager.create_app({"IMAGE": STANDIN, "PULL": "never", "HOST_PATHS": {},
                                   "DOCKER_SOCKET": None, "PASSWORD": PASSWORD})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(10)


@pytest.fixture
def browser(tmp_path: Path):
    # Selenium Manager is never asked for a driver or a browser: both are given.
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'chromium'}",
                "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def secret_node(sandbox: NodeSandbox) -> str:
    name = sandbox.new_name()
    db = sandbox.data / f"{name}.csv"
    db.write_text("id\n1\n")
    v6node.new_config(name, api_key=API_KEY, server_url="https://v6.example.org",
                      databases=[v6node.Database("default", str(db), "csv"),
                                 v6node.Database("pg", f"postgresql://u:{DB_PASSWORD}@db/x",
                                                 "sql")])
    return name


def log_in(browser, server: str, password: str = PASSWORD) -> None:
    field = WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "password")))
    field.clear()
    field.send_keys(password)
    browser.find_element(By.ID, "login").click()


def test_log_in_start_and_stop_a_node(server: str, browser, sandbox: NodeSandbox) -> None:
    name = secret_node(sandbox)
    row_id = f"node-user-{name}"
    sources = []
    wait = WebDriverWait(browser, 30)

    browser.get(server + "/")  # anonymous: sent to the login page
    wait.until(EC.presence_of_element_located((By.ID, "login-form")))
    assert "/login" in browser.current_url
    log_in(browser, server, "not the password")
    wait.until(EC.text_to_be_present_in_element((By.ID, "login-error"), "Wrong password"))
    log_in(browser, server)

    row = wait.until(EC.presence_of_element_located((By.ID, row_id)))
    assert row.find_element(By.CSS_SELECTOR, ".state").get_attribute("data-state") == "absent"
    sources.append(browser.page_source)

    row.find_element(By.ID, f"start-user-{name}").click()

    # the POST redirects back to the dashboard, which shows the node running
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"),
                                                f"Started {name}"))
    row = browser.find_element(By.ID, row_id)
    assert row.find_element(By.CSS_SELECTOR, ".state").get_attribute("data-state") == "running"
    assert row.find_element(By.CSS_SELECTOR, ".state").text == "running"
    assert row.find_element(By.ID, f"stop-user-{name}").is_displayed()
    assert container_state(f"vantage6-{name}-user") == "running"
    sources.append(browser.page_source)
    shot = BUILD_DIR / "python-node-manager.png"
    if shot.parent.is_dir():
        browser.save_screenshot(str(shot))  # for a person to look at

    # the node's page tells the same, with the node's own output
    browser.find_element(By.LINK_TEXT, name).click()
    wait.until(EC.presence_of_element_located((By.ID, "state")))
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "running"
    deadline = time.monotonic() + 15  # the stand-in handles SIGTERM once it has said so
    while "contract holds" not in browser.find_element(By.ID, "logs").text:
        assert time.monotonic() < deadline
        time.sleep(0.3)
        browser.refresh()
    sources.append(browser.page_source)
    assert "api_key: ***" in browser.find_element(By.ID, "config-text").text

    browser.find_element(By.ID, f"stop-user-{name}").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"),
                                                f"Stopped {name}"))
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "absent"
    assert container_state(f"vantage6-{name}-user") is None
    sources.append(browser.page_source)

    for source in sources:
        assert API_KEY not in source and DB_PASSWORD not in source


class _Attacker(BaseHTTPRequestHandler):
    """Another site's page: a form that posts to the Node Manager by itself."""

    target = ""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        html = (f'<!doctype html><form id="f" method="post" action="{self.target}">'
                '<input type="hidden" name="csrf_token" value="guessed">'
                '<input type="hidden" name="next" value="/"></form>'
                '<script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(html)))
        self.end_headers()
        self.wfile.write(html)


@pytest.mark.parametrize("attacker_host", ["localhost", "127.0.0.1"])
def test_a_forged_post_from_another_page_is_refused(server: str, browser,
                                                    sandbox: NodeSandbox,
                                                    attacker_host: str) -> None:
    """A logged-in user opens another site's page (another origin: localhost
    is another site; 127.0.0.1 on another port is the same site, so the
    cookie goes along and only the CSRF token stops it)."""
    name = sandbox.new_name()
    sandbox.write_config(name)
    browser.get(server + "/login")
    log_in(browser, server)
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, f"node-user-{name}")))

    handler = type("Attacker", (_Attacker,), {"target": f"{server}/nodes/user/{name}/start"})
    evil = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    try:
        browser.get(f"http://{attacker_host}:{evil.server_address[1]}/")
        WebDriverWait(browser, 30).until(lambda b: b.current_url.startswith(server))
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Bad Request" in body or "Unauthorized" in body, body
    finally:
        evil.shutdown()
        evil.server_close()
        thread.join(10)
    assert container_state(f"vantage6-{name}-user") is None
    browser.get(server + "/")  # still logged in, and the node was never started
    row = WebDriverWait(browser, 30).until(
        EC.presence_of_element_located((By.ID, f"node-user-{name}")))
    assert row.find_element(By.CSS_SELECTOR, ".state").get_attribute("data-state") == "absent"


def test_a_node_created_in_the_browser_starts(server: str, browser,
                                              sandbox: NodeSandbox) -> None:
    """The setup half in a browser: the New node form (the library writes the
    config), the node page's Create private key (no upload: the organization
    is named), Start, and the node runs, its key mounted, encryption on."""
    name = sandbox.new_name()
    db = sandbox.data / f"{name}.csv"
    db.write_text("id,age\n1,40\n")
    wait = WebDriverWait(browser, 30)
    browser.get(server + "/login")
    log_in(browser, server)
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "New node"))).click()

    form = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "form.config")))
    for field, value in (("name", name), ("api_key", API_KEY),
                         ("server_url", "https://v6.example.org"), ("db_label_0", "default"),
                         ("db_uri_0", str(db))):
        form.find_element(By.NAME, field).send_keys(value)
    form.find_element(By.NAME, "encryption").click()
    browser.find_element(By.ID, "create").click()

    wait.until(EC.any_of(EC.presence_of_element_located((By.ID, "problems")),
                         EC.presence_of_element_located((By.CSS_SELECTOR, ".flash.ok"))))
    problems = browser.find_elements(By.ID, "problems")
    assert not problems, problems[0].text
    assert "New configuration created" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    config = sandbox.config_dir / f"{name}.yaml"
    assert config.stat().st_mode & 0o777 == 0o600
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "absent"

    # its encryption key, made by the library; nothing uploaded, so no login
    key_form = browser.find_element(By.ID, "private-key-form")
    key_form.find_element(By.NAME, "organization").send_keys("v6ntest-org")
    key_form.find_element(By.NAME, "upload").click()  # off
    browser.find_element(By.ID, "create-private-key").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"),
                                                f"The private key of {name} is"))
    key = sandbox.home / ".local/share/vantage6/node/privkey_v6ntest-org.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert f"private_key: {key}" in config.read_text().replace("'", "")

    browser.find_element(By.ID, f"start-user-{name}").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"),
                                                f"Started {name}"))
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "running"
    assert container_state(f"vantage6-{name}-user") == "running"
    binds = v6node.Node(name).spec()["create"]["HostConfig"]["Binds"]
    assert f"{key}:/mnt/private_key.pem:ro" in binds
    assert API_KEY not in browser.page_source

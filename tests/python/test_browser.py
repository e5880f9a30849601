"""End to end, as a person would: the Node Manager served on 127.0.0.1, a real
headless Chromium (Debian's chromium + chromium-driver, driven by Selenium with
/usr/bin/chromedriver; no browser is downloaded) opens the dashboard, presses
a node's Start button, and sees the node running."""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

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


@pytest.fixture
def server(sandbox: NodeSandbox):
    """The app on 127.0.0.1, a free port, in a thread."""
    app = node_manager.create_app({"IMAGE": STANDIN, "PULL": "never", "HOST_PATHS": {},
                                   "DOCKER_SOCKET": None})
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


def test_start_a_node_from_the_dashboard(server: str, browser, sandbox: NodeSandbox) -> None:
    name = sandbox.new_name()
    sandbox.write_config(name)
    row_id = f"node-user-{name}"

    browser.get(server + "/")
    wait = WebDriverWait(browser, 30)
    row = wait.until(EC.presence_of_element_located((By.ID, row_id)))
    assert row.find_element(By.CSS_SELECTOR, ".state").get_attribute("data-state") == "absent"

    row.find_element(By.ID, f"start-user-{name}").click()

    # the POST redirects back to the dashboard, which shows the node running
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"),
                                                f"Started {name}"))
    row = browser.find_element(By.ID, row_id)
    assert row.find_element(By.CSS_SELECTOR, ".state").get_attribute("data-state") == "running"
    assert row.find_element(By.CSS_SELECTOR, ".state").text == "running"
    assert row.find_element(By.ID, f"stop-user-{name}").is_displayed()
    assert container_state(f"vantage6-{name}-user") == "running"
    shot = BUILD_DIR / "python-node-manager.png"
    if shot.parent.is_dir():
        browser.save_screenshot(str(shot))  # for a person to look at

    # and the node's page tells the same, with the node's own output
    browser.find_element(By.LINK_TEXT, name).click()
    wait.until(EC.presence_of_element_located((By.ID, "state")))
    assert browser.find_element(By.ID, "state").get_attribute("data-state") == "running"

    with v6node.Engine.from_env() as engine:
        v6node.Node(name).stop(engine, force=True)

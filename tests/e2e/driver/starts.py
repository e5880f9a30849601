"""Scenario 4's three ways to start a node, through the bindings' API (Python's Node, the Go
example, the Node Manager in a browser). Kept apart from the scenarios and small on purpose:
this is the only file that follows the bindings' API.

Each function starts node NAME (its config in the user's vantage6 folder) on IMAGE and
returns the monotonic time taken just before the start.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from pathlib import Path

from world import World, check, log


def start_with_python(world: World, name: str, image: str) -> float:
    import v6node  # the package built in the build tree (PYTHONPATH, set by run.sh)

    t0 = time.monotonic()
    with v6node.Engine.from_env() as engine, v6node.Node(name, image=image) as node:
        result = node.start(engine)
    log(f"python: started {result.container} ({result.image}, vantage6 {result.vantage6_version})")
    return t0


def start_with_go(world: World, name: str, image: str) -> float:
    """The Go package, through its example program (examples/go): start, then follow the
    node's output for a second; the node keeps running."""
    t0 = time.monotonic()
    world.run([world.s["go_example"], "-n", name, "-i", image, "-for", "1s"],
              env={"LD_LIBRARY_PATH": world.s["lib_dir"]}, check_rc=True)
    return t0


def start_with_web(world: World, name: str, image: str) -> float:
    """The Flask Node Manager (examples/node-manager) on 127.0.0.1, opened in a headless
    Chromium (Debian's chromium and chromedriver): log in, press the node's Start."""
    import sys

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    from werkzeug.serving import make_server

    sys.path.insert(0, str(Path(world.s["repo"]) / "examples" / "node-manager"))
    import app as node_manager

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    password = secrets.token_urlsafe(16)  # the app refuses to run without a login
    app = node_manager.create_app({"IMAGE": image, "PULL": None, "HOST_PATHS": {},
                                   "DOCKER_SOCKET": None, "PASSWORD": password})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                f"--user-data-dir={world.out / 'chromium'}", "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"),
                              options=options)
    try:
        driver.set_page_load_timeout(60)
        driver.get(f"http://127.0.0.1:{httpd.server_port}/")  # sent to the login page
        wait = WebDriverWait(driver, 60)
        wait.until(EC.presence_of_element_located((By.ID, "password"))).send_keys(password)
        driver.find_element(By.ID, "login").click()
        row = wait.until(EC.presence_of_element_located((By.ID, f"node-user-{name}")))
        check(row.find_element(By.CSS_SELECTOR, ".state").get_attribute("data-state") == "absent",
              f"the dashboard shows {name} as not absent before its start")
        t0 = time.monotonic()
        row.find_element(By.ID, f"start-user-{name}").click()
        wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash.ok"),
                                                    f"Started {name}"))
        state = driver.find_element(By.ID, f"node-user-{name}").find_element(
            By.CSS_SELECTOR, ".state").get_attribute("data-state")
        check(state == "running", f"the dashboard shows {name} {state!r} after Start")
        driver.save_screenshot(str(world.out / "node-manager.png"))
        return t0
    finally:
        driver.quit()
        httpd.shutdown()
        thread.join(10)


WAYS = (("python", start_with_python), ("go", start_with_go), ("web", start_with_web))


"""The scenarios of issue 12 (tracker numbering), in the order they run. Each one asks the
server what is true (node online/offline, task status and result), not only the logs.

A scenario returns extra report fields ("seconds_to_online" for starts) or raises.
"""
from __future__ import annotations

import base64
import json
import secrets
import subprocess
import time
from pathlib import Path

import starts
import yaml
from world import World, check, log

CLI_NODE = "v6ne2e-cli"
OFFICIAL_NODE = "v6ne2e-official"
BIND_NODE = "v6ne2e-bind"
OLD_NODE = "v6ne2e-old"
ENC_NODE = "v6ne2e-enc"
COLUMN = "age"

# What a node that authenticated and connected writes (vantage6-node 4.15.2).
CONNECTED_LINES = ("Successfully authenticated", "Websocket connection established",
                   "(Re)Connected to the /tasks namespace", "Init complete")


def online_after(w: World, node_id: int, t0: float, what: str, timeout: float = 60) -> float:
    secs = w.api.wait_node_status(node_id, "online", timeout, since=t0)
    log(f"{what}: the server reports the node online {secs:.2f} s after the start")
    return round(secs, 2)


def offline_after(w: World, node_id: int, what: str, timeout: float = 30) -> None:
    t0 = time.monotonic()
    secs = w.api.wait_node_status(node_id, "offline", timeout, since=t0)
    log(f"{what}: the server reports the node offline {secs:.2f} s later")


def check_volumes(w: World, name: str, exist: bool) -> None:
    state = w.volumes(name)
    wrong = [v for v, there in state.items() if there != exist]
    check(not wrong, f"volumes {'missing' if exist else 'still there'}: {wrong}")


def check_result(answer: dict, organization: int, expected: dict) -> None:
    check(answer["status"] == "completed",
          f"task {answer['task_id']} ended {answer['status']!r}; runs: {answer['runs']}")
    got = answer["results"].get(str(organization))
    check(got == expected, f"organization {organization}: the algorithm returned {got}, "
                           f"the csv gives {expected}")


# ---- the scenarios -------------------------------------------------------------------------

def register(w: World) -> dict:
    sites = [w.site(k) for k in ("site-a", "site-b", "site-c", "site-d")]
    members = set(w.api.collaboration_members(w.collaboration("collab")))
    check(w.root_org in members, "root's organization is not in the collaboration")
    for s in sites:
        check(s.organization_id in members, f"{s.key} is not in the collaboration")
        check(w.api.node_status(s.node_id) == "offline", f"{s.node_name} is online before any start")
    return {"nodes": [s.node_name for s in sites]}


def cli_start(w: World) -> dict:
    a = w.site("site-a")
    w.write_config(CLI_NODE, a.api_key, w.make_csv("site-a"))
    t0 = w.start_cli(CLI_NODE)
    secs = online_after(w, a.node_id, t0, "v6node start")
    w.wait_logs(CLI_NODE, [*CONNECTED_LINES, f"Node name: {a.node_name}"], 30)
    check_volumes(w, CLI_NODE, exist=True)
    # still up 30 s after the start, and still online on the server
    time.sleep(max(0.0, t0 + 30 - time.monotonic()))
    state = w.container_state(CLI_NODE)
    check(state == "running", f"{w.container(CLI_NODE)} is {state!r} 30 s after the start")
    check(w.api.node_status(a.node_id) == "online", "the server reports the node offline at 30 s")
    r = w.v6node("status", "-n", CLI_NODE, check_rc=False)
    check(r.returncode == 0 and "state      running" in r.stdout,
          f"`v6node status` (exit {r.returncode}): {r.stdout}")
    return {"seconds_to_online": secs}


def task(w: World) -> dict:
    a = w.site("site-a")
    answer = w.run_task(a.collaboration_id, [a.organization_id], COLUMN)
    check_result(answer, a.organization_id, w.expected(w.data_dir / "site-a.csv", COLUMN))
    return {"task_seconds": answer["seconds"]}


def stop_restart(w: World) -> dict:
    a = w.site("site-a")
    w.stop_cli(CLI_NODE)
    offline_after(w, a.node_id, "v6node stop")
    w.wait_container_gone(CLI_NODE, 10)
    check_volumes(w, CLI_NODE, exist=False)
    # restart of a stopped node: starts it
    t0 = time.monotonic()
    w.v6node("restart", "-n", CLI_NODE, "-i", w.node_image)
    from_stopped = online_after(w, a.node_id, t0, "v6node restart (stopped node)")
    check_volumes(w, CLI_NODE, exist=True)
    # restart of a running node: a new container, online again
    before = w.docker("inspect", "-f", "{{.Id}}", w.container(CLI_NODE)).stdout.strip()
    t0 = time.monotonic()
    w.v6node("restart", "-n", CLI_NODE, "-i", w.node_image)
    after = w.docker("inspect", "-f", "{{.Id}}", w.container(CLI_NODE)).stdout.strip()
    check(after and after != before, "`v6node restart` of a running node kept its container")
    w.wait_logs(CLI_NODE, ["Init complete"], 30)
    from_running = online_after(w, a.node_id, t0, "v6node restart (running node)")
    return {"seconds_to_online": {"restart_stopped": from_stopped,
                                  "restart_running": from_running}}


def bindings(w: World) -> dict:
    c = w.site("site-c")
    w.write_config(BIND_NODE, c.api_key, w.make_csv("site-c"))
    w.started.append(BIND_NODE)
    times = {}
    for way, start in starts.WAYS:
        t0 = start(w, BIND_NODE, w.node_image)
        times[way] = online_after(w, c.node_id, t0, f"start through {way}")
        check(w.container_state(BIND_NODE) == "running", f"{way}: the container is not running")
        w.stop_cli(BIND_NODE)
        offline_after(w, c.node_id, f"{way}: v6node stop")
        w.wait_container_gone(BIND_NODE, 10)
    return {"seconds_to_online": times}


def old_node_image(w: World) -> dict:
    """The 4.14.0 image holds a real vantage6-node 4.14.0. That release pulls its three VPN
    images (alpine, vpn-client, network-config from harbor2.vantage6.ai) at every start,
    with or without a VPN, and exits when a pull fails (4.15 pulls them only when
    `vpn_subnet` is set). No registry is reachable here, so it authenticates and then
    stops; asserted as such, with what `v6node status` says about it."""
    c = w.site("site-c")
    w.write_config(OLD_NODE, c.api_key, w.make_csv(OLD_NODE))
    t0 = w.start_cli(OLD_NODE, image=w.node_image_old)
    w.wait_container_gone(OLD_NODE, 60)
    log_file = Path(json.loads(w.v6node("files", "-n", OLD_NODE, "--json").stdout)["log_file"])
    text = log_file.read_text()
    for wanted in ("Node package version '4.14.0'", "Successfully authenticated",
                   f"Node name: {c.node_name}", "Failed to pull image! "
                   "harbor2.vantage6.ai/infrastructure/alpine:4.14"):
        check(wanted in text, f"the 4.14.0 node's log file has no '{wanted}'")
    check(w.api.node_status(c.node_id) == "offline", "the server reports the 4.14.0 node online")
    r = w.v6node("status", "-n", OLD_NODE, "-i", w.node_image_old, check_rc=False)
    check(r.returncode == 3, f"`v6node status` exits {r.returncode}, not 3 (not running)")
    for wanted in ("state      absent", str(log_file), "docker.errors.APIError",
                   "fromImage=harbor2.vantage6.ai%2Finfrastructure%2Falpine", "Bye!"):
        check(wanted in r.stdout, f"`v6node status` does not show '{wanted}':\n{r.stdout}")
    return {"seconds_to_exit": round(time.monotonic() - t0, 2), "status": r.stdout.splitlines()}


def openssl_key(path: Path) -> str:
    """A 4096-bit RSA key as `v6 node create-private-key` writes it (PEM, traditional
    format); returns base64 of the PEM SubjectPublicKeyInfo, the form it uploads."""
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(path), "4096"],
                   check=True, capture_output=True)
    path.chmod(0o600)
    pem = subprocess.run(["openssl", "rsa", "-in", str(path), "-pubout"], check=True,
                         capture_output=True).stdout
    check(pem.startswith(b"-----BEGIN PUBLIC KEY-----"), "openssl gave no SPKI public key")
    return base64.b64encode(pem).decode()


def encryption(w: World) -> dict:
    """The node is set up with v6node alone (issue 14): `new` writes its config,
    `create-private-key` makes its 4096-bit key, points the config at it and uploads the
    public key as an organization admin, `start` brings it online with encryption on, and
    `version` asks the running node. An encrypted task then comes back."""
    cid = w.collaboration("collab-enc", encrypted=True)
    check(w.api.request("GET", f"collaboration/{cid}")["encrypted"] is True,
          "the server does not report the collaboration encrypted")
    e = w.site("site-enc", collaboration="collab-enc")
    keys = w.out / "keys"
    keys.mkdir(exist_ok=True)
    root_key = keys / "privkey_root.pem"
    w.api.set_public_key(w.root_org, openssl_key(root_key))  # the researcher's side
    password = "V6ne2e!" + secrets.token_hex(8)
    w.api.create_user("v6ne2e-enc-admin", password, e.organization_id, ["Organization Admin"])

    db = w.make_csv("site-enc")
    extra = keys / "policies.yaml"
    extra.write_text("policies:\n"
                     "  allowed_algorithms: ['^127\\.0\\.0\\.1:5999/v6ne2e/algorithm:.*$']\n"
                     "  require_algorithm_pull: false\n")
    w.v6node("new", "-n", ENC_NODE, "--api-key", "not-yet", "--server-url", w.server_url,
             "--port", str(w.server_port), "--api-path", w.api_path,
             "--database", f"default={db}", "--database-type", "default=csv",
             "--encryption", "--extra-yaml", str(extra))
    config = w.config_dir / f"{ENC_NODE}.yaml"
    check(config.stat().st_mode & 0o777 == 0o600, "`v6node new` did not write the config 0600")
    before = config.read_bytes()
    w.v6node("set-api-key", "-n", ENC_NODE, "--api-key", e.api_key)
    after = config.read_bytes()
    check(after == before.replace(b"api_key: not-yet", b"api_key: " + e.api_key.encode()),
          "`v6node set-api-key` changed more than the key's bytes")

    r = w.run([w.s["cli"], "create-private-key", "-n", ENC_NODE, "--username",
               "v6ne2e-enc-admin"], env={"V6NODE_PASSWORD": password}, check_rc=True)
    check(password not in r.stdout + r.stderr, "create-private-key printed the password")
    node_key = Path(r.stdout.strip())
    check(node_key.name == "privkey_v6ne2e-site-enc.pem",
          f"the key is not named after the organization: {node_key}")
    check(node_key.stat().st_mode & 0o777 == 0o600, "the private key is not mode 0600")
    text = subprocess.run(["openssl", "rsa", "-in", str(node_key), "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    check("Private-Key: (4096 bit" in text, "openssl does not see a 4096-bit RSA key")
    pem = subprocess.run(["openssl", "rsa", "-in", str(node_key), "-pubout"], check=True,
                         capture_output=True).stdout
    stored = w.api.request("GET", f"organization/{e.organization_id}")["public_key"]
    check(stored == base64.b64encode(pem).decode(),
          "the server does not hold the public key of the key create-private-key made")
    written = yaml.safe_load(config.read_text())
    check(written["encryption"] == {"enabled": True, "private_key": str(node_key)},
          f"the config does not point at the new key: {written['encryption']}")

    t0 = w.start_cli(ENC_NODE)
    secs = online_after(w, e.node_id, t0, "v6node start, encryption on")
    w.wait_logs(ENC_NODE, ["Enabling encryption!", "Public key matches the server key!",
                           "Init complete"], 30)
    stored = w.api.request("GET", f"organization/{e.organization_id}")["public_key"]
    check(stored == base64.b64encode(pem).decode(),
          "the node replaced the public key that was uploaded")
    v = w.v6node("version", "-n", ENC_NODE)
    node_version = v.stdout.splitlines()[0].split(None, 1)[1] if v.stdout else ""
    check("4.15" in node_version, f"`v6node version` does not show the node's 4.15: {v.stdout}")
    answer = w.run_task(cid, [e.organization_id], COLUMN, private_key=root_key)
    check_result(answer, e.organization_id, w.expected(db, COLUMN))
    w.stop_cli(ENC_NODE)
    offline_after(w, e.node_id, "v6node stop")
    return {"seconds_to_online": secs, "task_seconds": answer["seconds"],
            "node_version": node_version}


def side_by_side(w: World) -> dict:
    a, b = w.site("site-a"), w.site("site-b")
    db_a = w.data_dir / "site-a.csv"
    if w.container_state(CLI_NODE) != "running":  # when run on its own
        w.write_config(CLI_NODE, a.api_key, db_a if db_a.exists() else w.make_csv("site-a"))
        w.start_cli(CLI_NODE)
    w.write_config(OFFICIAL_NODE, b.api_key, w.make_csv("site-b", like=db_a))
    w.started.append(OFFICIAL_NODE)
    t0 = time.monotonic()
    w.official_v6("node", "start", "-n", OFFICIAL_NODE, "--user", "-i", w.node_image)
    secs = online_after(w, b.node_id, t0, "official v6 node start")
    online_after(w, a.node_id, t0, "the v6node node beside it")
    w.wait_logs(OFFICIAL_NODE, [*CONNECTED_LINES, f"Node name: {b.node_name}"], 30)
    answer = w.run_task(a.collaboration_id, [a.organization_id, b.organization_id], COLUMN)
    expected = w.expected(db_a, COLUMN)
    check_result(answer, a.organization_id, expected)
    check_result(answer, b.organization_id, expected)
    w.official_v6("node", "stop", "-n", OFFICIAL_NODE, "--user")
    offline_after(w, b.node_id, "official v6 node stop")
    return {"seconds_to_online": {"official": secs}}


def wrong_api_key(w: World) -> dict:
    name = "v6ne2e-badkey"
    w.write_config(name, "00000000-0000-0000-0000-000000000000", w.make_csv(name))
    w.start_cli(name)
    w.wait_container_gone(name, 60)  # the node exits; its container removes itself
    r = w.v6node("status", "-n", name, check_rc=False)
    check(r.returncode == 3, f"`v6node status` exits {r.returncode}, not 3 (not running)")
    wanted = "Authentication failed: API key is wrong!"
    check(wanted in r.stdout, f"`v6node status` does not show '{wanted}':\n{r.stdout}")
    return {"status": r.stdout.splitlines()}


def server_down(w: World) -> dict:
    name, d = "v6ne2e-nosrv", w.site("site-d")
    # nothing listens on this port of the server's address: for the node, its server is down
    w.write_config(name, d.api_key, w.make_csv(name), port=w.server_port + 98)
    w.start_cli(name)
    text = w.wait_logs(name, ["Could not connect to the server. Retrying in 10 seconds"], 30)
    check(w.container_state(name) == "running", "the node does not keep retrying")
    check(w.api.node_status(d.node_id) == "offline", "the server reports the node online")
    r = w.v6node("status", "-n", name, check_rc=False)
    check(r.returncode == 0, f"`v6node status` exits {r.returncode} for a node that retries")
    w.stop_cli(name)
    return {"logs": [line for line in text.splitlines() if "connect" in line.lower()][-3:]}


def database_removed(w: World) -> dict:
    """The csv file removed while the node runs. The node copied it into its data volume
    at its start (mount_mode copy, the default), so tasks still complete; `v6node status`
    still shows it running and says why its drift cannot be judged, and a restart refuses
    before it stops anything."""
    name, e = "v6ne2e-nodb", w.site("site-e")
    db = w.make_csv(name)
    expected = w.expected(db, COLUMN)
    w.write_config(name, e.api_key, db)
    t0 = w.start_cli(name)
    online_after(w, e.node_id, t0, "v6node start")
    w.wait_logs(name, ["Init complete"], 30)
    db.unlink()
    answer = w.run_task(e.collaboration_id, [e.organization_id], COLUMN)
    check_result(answer, e.organization_id, expected)
    wanted = f"database '{db}' not found"
    messages = {}
    # status still shows the running node, and why its drift cannot be judged
    r = w.v6node("status", "-n", name, check_rc=False)
    check(r.returncode == 0, f"`v6node status` exits {r.returncode}, not 0: {r.stderr}")
    check("state      running" in r.stdout, f"`v6node status` does not show it running: {r.stdout}")
    check("drift      not judged" in r.stdout and wanted in r.stdout,
          f"`v6node status` does not say \"{wanted}\": {r.stdout}")
    messages["status"] = [line for line in r.stdout.splitlines() if line.startswith("drift")]
    # a restart refuses before it stops anything (it is recorded with the image: no -i)
    r = w.v6node("restart", "-n", name, check_rc=False)
    check(r.returncode == 1, f"`v6node restart` exits {r.returncode}, not 1")
    check(wanted in r.stderr, f"`v6node restart` does not say \"{wanted}\": {r.stderr}")
    messages["restart"] = r.stderr.strip()
    check(w.container_state(name) == "running", "the refused restart stopped the node")
    check(w.api.node_status(e.node_id) == "online", "the refused restart took the node offline")
    w.stop_cli(name)
    offline_after(w, e.node_id, "v6node stop")
    return {"messages": messages}


PLAN = [
    ("register", "organizations, collaboration and nodes registered through the server API", register),
    ("cli-start", "v6node start: running 30 s later, online, connected, four volumes", cli_start),
    ("task", "a task from vantage6-client completes with the csv's count and sum", task),
    ("stop-restart", "v6node stop: offline, container and volumes gone; restart: online", stop_restart),
    ("bindings", "the same start through Python, Go and the Node Manager in Chromium", bindings),
    ("node-4.14", "the 4.14.0 node image: authenticates, then stops at its VPN image pull", old_node_image),
    ("encryption", "set up with v6node new, set-api-key, create-private-key (uploaded); encrypted task comes back", encryption),
    ("side-by-side", "the official v6 node start beside v6node: same task, same result", side_by_side),
    ("wrong-api-key", "failure: a wrong API key, and what v6node status says", wrong_api_key),
    ("server-down", "failure: the server cannot be reached, and what v6node logs say", server_down),
    ("database-removed", "failure: the csv removed after the start, and what v6node says", database_removed),
]


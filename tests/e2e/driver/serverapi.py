"""The vantage6 server's REST API, as the suite asks it what is true: plain HTTP (urllib),
no vantage6 package, so that what the server says is read independently of the client
library the tasks are created with."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request


class ApiError(RuntimeError):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {body[:300]}")
        self.status = status


class ServerAPI:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")  # http://10.231.0.1:7601/api
        self.token: str | None = None

    def request(self, method: str, path: str, body: dict | None = None,
                params: dict | None = None, auth: bool = True, timeout: float = 30) -> dict | list:
        url = f"{self.base}/{path.lstrip('/')}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if auth and self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            raise ApiError(method, path, e.code, e.read().decode(errors="replace")) from None
        return json.loads(text) if text else {}

    def login(self, username: str, password: str) -> "ServerAPI":
        answer = self.request("POST", "token/user", {"username": username, "password": password},
                              auth=False)
        self.token = answer["access_token"]
        return self

    def as_user(self, username: str, password: str) -> "ServerAPI":
        return ServerAPI(self.base).login(username, password)

    # ---- what the suite registers ------------------------------------------------------

    def whoami_organization(self) -> int:
        users = self.request("GET", "user", params={"username": "root"})
        return users["data"][0]["organization"]["id"]

    def create_organization(self, name: str) -> int:
        return self.request("POST", "organization", {"name": name, "country": "NL"})["id"]

    def create_collaboration(self, name: str, organization_ids: list[int], encrypted: bool) -> int:
        return self.request("POST", "collaboration", {
            "name": name, "organization_ids": organization_ids, "encrypted": encrypted})["id"]

    def create_node(self, name: str, collaboration_id: int, organization_id: int) -> tuple[int, str]:
        """Registers a node; returns its id and the API key from the server's answer."""
        answer = self.request("POST", "node", {"name": name, "collaboration_id": collaboration_id,
                                               "organization_id": organization_id})
        return answer["id"], answer["api_key"]

    def collaboration_members(self, collaboration_id: int) -> list[int]:
        orgs = self.request("GET", "organization",
                            params={"collaboration_id": collaboration_id, "per_page": 100})
        return [o["id"] for o in orgs["data"]]

    def role_id(self, name: str) -> int:
        roles = self.request("GET", "role", params={"name": name})["data"]
        return next(r["id"] for r in roles if r["name"] == name)

    def create_user(self, username: str, password: str, organization_id: int,
                    role_names: list[str]) -> int:
        return self.request("POST", "user", {
            "username": username, "password": password, "email": f"{username}@example.org",
            "firstname": username, "lastname": "e2e", "organization_id": organization_id,
            "roles": [self.role_id(n) for n in role_names]})["id"]

    def set_public_key(self, organization_id: int, public_key_b64: str) -> None:
        self.request("PATCH", f"organization/{organization_id}", {"public_key": public_key_b64})

    # ---- what the suite asks -----------------------------------------------------------

    def node(self, node_id: int) -> dict:
        return self.request("GET", f"node/{node_id}")

    def node_status(self, node_id: int) -> str:
        return self.node(node_id).get("status") or "offline"

    def wait_node_status(self, node_id: int, status: str, timeout: float,
                         since: float | None = None, poll: float = 0.05) -> float:
        """Polls the node's status until it is `status`; returns the seconds since `since`
        (a time.monotonic() value, default now). Raises AssertionError on timeout."""
        start = time.monotonic() if since is None else since
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = self.node_status(node_id)
            if last == status:
                return time.monotonic() - start
            if time.monotonic() >= deadline:
                raise AssertionError(f"the server reports node {node_id} {last!r}, "
                                     f"not {status!r}, after {timeout:.0f} s")
            time.sleep(poll)

    def runs_of_task(self, task_id: int) -> list[dict]:
        return self.request("GET", "run", params={"task_id": task_id})["data"]

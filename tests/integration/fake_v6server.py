#!/usr/bin/env python3
"""A stand-in vantage6 server for the user login and the public key upload of
`create-private-key` (127.0.0.1 only). Stdlib only.

    fake_v6server.py [--mfa CODE] [--qr] [PORT]

Prints "PORT <n>" on stdout (flushed) once it listens, then serves until
SIGTERM/SIGINT. It answers as vantage6-server 4.15 does (resource/token.py,
resource/organization.py, resource/user.py):

  POST /api/token/user       {username, password[, mfa_code]}
      unknown user or wrong password   401 {"msg": "Failed to login"}
      --qr                             200 {"qr_uri": ..., "otp_secret": ...}
      --mfa CODE, no mfa_code          200 {"msg": "Please include your two-factor
                                            authentication code"}
      --mfa CODE, another code         401 {"msg": "Your two-factor authentication
                                            code is incorrect!"}
      else 200 {"access_token": <JWT, sub = user id>, "refresh_token", "refresh_url"}
  GET  /api/user/<id>          {"id", "username", "firstname", "organization": {"id", "link"}}
  GET  /api/organization/<id>  {"id", "name", "public_key"}
  GET  /api/organization?name=N  {"data": [...], "links": {}} (SQL LIKE: % and _)
  PATCH /api/organization/<id> {"public_key": ...}: 200 for the user's own
      organization, 401 {"msg": "You lack the permission to do that!"} else
  GET  /api/version            {"version": "4.15.2"}
  GET  /requests               every request so far: [{"method", "path",
                               "auth": bool, "json": body or null}]

Every /api request but token/user and version needs "Authorization: Bearer
<the token>" (else 401). Users: alice (password "wonderland", user 7) of
"Org One" (id 3); bob (password "builder", user 8) of "Other Org" (id 4);
root (password 'r00t pw "q" \u00e9', user 1) of "Org One", who may set any
organization's key. A third organization, "Org_One" (id 5), matches "Org One"
with LIKE.
"""

import base64
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler

from localserve import serve

MFA = None
QR = False
PORT = 0
args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--mfa":
        MFA = args.pop(0)
    elif a == "--qr":
        QR = True
    else:
        PORT = int(a)

USERS = {
    "alice": {"password": "wonderland", "id": 7, "org": 3, "firstname": "Alice"},
    "bob": {"password": "builder", "id": 8, "org": 4, "firstname": "Bob"},
    "root": {"password": "r00t pw \"q\" \u00e9", "id": 1, "org": 3, "firstname": "Root",
             "admin": True},
}
ORGS = {3: {"id": 3, "name": "Org One", "public_key": ""},
        4: {"id": 4, "name": "Other Org", "public_key": ""},
        5: {"id": 5, "name": "Org_One", "public_key": ""}}

lock = threading.Lock()
requests = []
tokens = {}  # token -> user


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(user):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps({"sub": user["id"], "type": "user",
                                 "nonce": len(tokens)}).encode())
    token = "%s.%s.%s" % (header, payload, b64url(b"signature"))
    tokens[token] = user
    return token


def like(pattern, value):
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value) is not None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "v6node-fake-v6server/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return {"unparsable": raw.decode("latin-1")}

    def user(self):
        auth = self.headers.get("Authorization", "")
        return tokens.get(auth[7:]) if auth.startswith("Bearer ") else None

    def handle_any(self, method):
        path, _, query = self.path.partition("?")
        body = self.body()
        with lock:
            if path != "/requests":
                requests.append({"method": method, "path": self.path,
                                 "auth": "Authorization" in self.headers, "json": body})
        if path == "/requests":
            with lock:
                return self.send(200, requests)
        if path == "/api/version":
            return self.send(200, {"version": "4.15.2"})
        if method == "POST" and path == "/api/token/user":
            return self.login(body)
        user = self.user()
        if not user:
            return self.send(401, {"msg": "Unauthorized: no valid token"})
        m = re.fullmatch(r"/api/user/(\d+)", path)
        if method == "GET" and m:
            found = [u for u in USERS.values() if u["id"] == int(m.group(1))]
            if not found:
                return self.send(404, {"msg": "user not found"})
            u = found[0]
            return self.send(200, {"id": u["id"], "firstname": u["firstname"],
                                   "organization": {"id": u["org"],
                                                    "link": "/api/organization/%d" % u["org"]}})
        m = re.fullmatch(r"/api/organization/(\d+)", path)
        if m:
            org = ORGS.get(int(m.group(1)))
            if not org:
                return self.send(404, {"msg": "Organization with id=%s not found" % m.group(1)})
            if method == "GET":
                return self.send(200, org)
            if method == "PATCH":
                if org["id"] != user["org"] and not user.get("admin"):
                    return self.send(401, {"msg": "You lack the permission to do that!"})
                if not isinstance(body, dict) or not isinstance(body.get("public_key"), str):
                    return self.send(400, {"msg": "Request body is incorrect"})
                org["public_key"] = body["public_key"]
                return self.send(200, org)
        if method == "GET" and path == "/api/organization":
            name = None
            for part in query.split("&"):
                k, _, v = part.partition("=")
                if k == "name":
                    from urllib.parse import unquote
                    name = unquote(v)
            orgs = [o for o in ORGS.values() if name is None or like(name, o["name"])]
            return self.send(200, {"data": orgs, "links": {}})
        return self.send(404, {"msg": "not found"})

    def login(self, body):
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
                or not isinstance(body.get("password"), str):
            return self.send(400, {"msg": "Request body is incorrect"})
        user = USERS.get(body["username"])
        if not user or user["password"] != body["password"]:
            return self.send(401, {"msg": "Failed to login"})
        if QR:
            return self.send(200, {"qr_uri": "otpauth://totp/v6:alice?secret=X",
                                   "otp_secret": "X"})
        if MFA is not None:
            code = body.get("mfa_code")
            if not code:
                return self.send(200, {"msg": "Please include your two-factor authentication "
                                              "code"})
            if str(code) != MFA:
                return self.send(401, {"msg": "Your two-factor authentication code is "
                                              "incorrect!"})
        with lock:
            token = make_token(user)
        return self.send(200, {"access_token": token, "refresh_token": "r-" + token,
                               "refresh_url": "/api/token/refresh"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")


def exit_with_parent():
    """A test that crashes never stops us: leave when the parent is gone."""
    import os
    import time
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    threading.Thread(target=exit_with_parent, daemon=True).start()
    serve(Handler, PORT)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A stand-in vantage6 server for the server-version image rule (127.0.0.1 only).

    version_server.py [VERSION] [PORT]    (VERSION default 4.13.2; PORT 0 or absent: a free port)

Prints "PORT <n>" on stdout (flushed) once it listens, then serves until
SIGTERM/SIGINT. Stdlib only.

  GET /api/version     200 {"version": "<VERSION>"}   (counted)
  GET /requests        200 {"count": <n>, "paths": {"<path>": <n>, ...}}
                       n = requests served so far, this route excluded
  anything else        404 {"msg": "not found"}       (counted)

So a node config with `server_url: http://127.0.0.1`, `port: <n>`,
`api_path: /api` makes libv6node pick harbor2.vantage6.ai/infrastructure/node:<major>.<minor>
(4.13 for the default), and /requests shows how many attempts it made.
VERSION "-" makes /api/version answer 500 (a server that fails), and "garbage"
answers 200 with a body that is not JSON.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler

from localserve import serve

VERSION = sys.argv[1] if len(sys.argv) > 1 else "4.13.2"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0

lock = threading.Lock()
paths = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "v6node-version-server/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/requests":
            with lock:
                return self.send(200, {"count": sum(paths.values()), "paths": dict(paths)})
        with lock:
            paths[path] = paths.get(path, 0) + 1
        if path != "/api/version":
            return self.send(404, {"msg": "not found"})
        if VERSION == "-":
            return self.send(500, {"msg": "version server: failing on purpose"})
        if VERSION == "garbage":
            return self.send(200, b"<html>not json</html>")
        return self.send(200, {"version": VERSION})


def main():
    serve(Handler, PORT)


if __name__ == "__main__":
    main()

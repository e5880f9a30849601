#!/usr/bin/env python3
"""A tiny Docker Registry v2 (HTTP, 127.0.0.1 only) for libv6node's pull tests.

    fake_registry.py [PORT]        (PORT 0 or absent: pick a free port)

Prints "PORT <n>" on stdout (flushed) once it listens, then serves until
SIGTERM/SIGINT. Request lines go to stderr when V6N_REGISTRY_VERBOSE=1.
Stdlib only. dockerd treats 127.0.0.0/8 registries as insecure, so it talks
plain HTTP to 127.0.0.1:<n> without any daemon configuration.

Repositories (tag "1" only; any other repository or tag is 404 MANIFEST_UNKNOWN):

  v6node-test/good:1
      A real image: schema-2 manifest, a config, and one gzip layer holding
      /v6node-test.txt. A pull succeeds: 200 stream ending
      {"status":"Status: Downloaded newer image for 127.0.0.1:<n>/v6node-test/good:1"}.
      It has no shell or vnode-local: pull tests only, it cannot run a node.

  v6node-test/broken:1
      The layer blob's bytes do not match its digest (same length, one byte
      flipped). The daemon does NOT retry this: POST /images/create answers 200
      and the NDJSON stream ends, within about a second, with
      {"errorDetail":{"message":"filesystem layer verification failed for digest sha256:..."},
       "error":"filesystem layer verification failed for digest sha256:..."}

  v6node-test/badconfig:1
      The config blob's bytes do not match its digest. Also not retried: 200,
      stream ends with an error line about the config digest, within a second.

  v6node-test/retry:1
      The layer blob answers 500. The daemon RETRIES (5+10+15+20+25 s) and only
      reports the error in the stream after ~75 s: do not use it in tests; it is
      here to document that behaviour.

  v6node-test/denied:1
      The manifest answers 401 UNAUTHORIZED: the engine answers the create
      request itself with 500 {"message":"...unauthorized..."} (before any stream).

With V6N_REGISTRY_AUTH=USER:PASSWORD in its environment the whole registry
(/v2/ included) wants HTTP Basic auth with exactly those credentials and
answers 401 with a Basic challenge otherwise, as a private registry behind
`docker login` does. The engine then sends what the client put in
X-Registry-Auth.

Every blob and manifest supports GET and HEAD with Docker-Content-Digest and
Content-Length. GET /v6node-test/requests (not a registry route) returns a JSON
count of requests per path, for tests that want to know what was fetched.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler

from localserve import serve

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_layer(text):
    """A gzip'd tar holding /v6node-test.txt; returns (gzip bytes, diff_id)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        data = text.encode()
        info = tarfile.TarInfo("v6node-test.txt")
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    gz = gzip.compress(raw, mtime=0)
    return gz, sha256(raw)


def make_image(repo, config_extra=None):
    """Returns (manifest bytes, {digest: blob bytes}, config digest, layer digest)."""
    layer, diff_id = make_layer("libv6node fake registry: %s\n" % repo)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Labels": {"v6node.fake-registry": repo}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "fake_registry.py"}],
    }
    if config_extra:
        config.update(config_extra)
    config_bytes = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_V2,
        "config": {"mediaType": CONFIG_V1, "size": len(config_bytes), "digest": sha256(config_bytes)},
        "layers": [{"mediaType": LAYER_GZIP, "size": len(layer), "digest": sha256(layer)}],
    }
    blobs = {sha256(config_bytes): config_bytes, sha256(layer): layer}
    return (json.dumps(manifest, indent=3).encode(), blobs, sha256(config_bytes), sha256(layer))


def corrupt(data):
    """Same length, one byte flipped in the middle: a digest mismatch."""
    b = bytearray(data)
    b[len(b) // 2] ^= 0xFF
    return bytes(b)


class Registry:
    def __init__(self):
        # repo -> {"manifest": bytes, "blobs": {digest: bytes or int status}, "manifest_status": int}
        self.repos = {}
        m, blobs, _, _ = make_image("good")
        self.repos["v6node-test/good"] = {"manifest": m, "blobs": blobs}

        m, blobs, _, layer = make_image("broken")
        blobs[layer] = corrupt(blobs[layer])
        self.repos["v6node-test/broken"] = {"manifest": m, "blobs": blobs}

        m, blobs, config, _ = make_image("badconfig")
        blobs[config] = corrupt(blobs[config])
        self.repos["v6node-test/badconfig"] = {"manifest": m, "blobs": blobs}

        m, blobs, _, layer = make_image("retry")
        blobs[layer] = 500
        self.repos["v6node-test/retry"] = {"manifest": m, "blobs": blobs}

        m, blobs, _, _ = make_image("denied")
        self.repos["v6node-test/denied"] = {"manifest": m, "blobs": blobs, "manifest_status": 401}

        self.counts = {}
        self.lock = threading.Lock()

    def count(self, path):
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1


REG = Registry()
VERBOSE = os.environ.get("V6N_REGISTRY_VERBOSE") == "1"
AUTH = os.environ.get("V6N_REGISTRY_AUTH")


def error_body(code, message):
    return json.dumps({"errors": [{"code": code, "message": message, "detail": {}}]}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "v6node-fake-registry/1"

    def log_message(self, fmt, *args):
        if VERBOSE:
            sys.stderr.write("fake_registry: %s\n" % (fmt % args))

    def send(self, status, body=b"", ctype="application/json", headers=None):
        self.send_response(status)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        path = self.path.split("?", 1)[0]
        REG.count(path)
        if path == "/v6node-test/requests":
            return self.send(200, json.dumps(REG.counts, sort_keys=True).encode())
        if AUTH is not None and path.startswith("/v2"):
            want = "Basic " + base64.b64encode(AUTH.encode()).decode()
            if self.headers.get("Authorization") != want:
                REG.count("denied " + path)
                return self.send(401, error_body("UNAUTHORIZED", "authentication required"),
                                 headers={"WWW-Authenticate": 'Basic realm="v6node-fake-registry"'})
        if path in ("/v2", "/v2/"):
            return self.send(200, b"{}")
        if not path.startswith("/v2/"):
            return self.send(404, error_body("NOT_FOUND", "not a registry route"))
        rest = path[len("/v2/"):]
        for kind in ("/manifests/", "/blobs/"):
            if kind in rest:
                repo, ref = rest.rsplit(kind, 1)
                break
        else:
            return self.send(404, error_body("NOT_FOUND", "unknown route"))
        entry = REG.repos.get(repo)
        if kind == "/manifests/":
            if entry is None or ref not in ("1", sha256(entry["manifest"])):
                return self.send(404, error_body("MANIFEST_UNKNOWN", "manifest unknown"))
            status = entry.get("manifest_status", 200)
            if status == 401:
                return self.send(401, error_body("UNAUTHORIZED", "authentication required"),
                                 headers={"WWW-Authenticate": 'Basic realm="v6node-fake-registry"'})
            m = entry["manifest"]
            return self.send(200, m, MANIFEST_V2, {"Docker-Content-Digest": sha256(m)})
        blob = entry["blobs"].get(ref) if entry else None
        if blob is None:
            return self.send(404, error_body("BLOB_UNKNOWN", "blob unknown to registry"))
        if isinstance(blob, int):
            return self.send(blob, error_body("UNKNOWN", "fake registry: blob fails on purpose"))
        return self.send(200, blob, "application/octet-stream", {"Docker-Content-Digest": ref})

    def do_GET(self):
        self.route()

    def do_HEAD(self):
        self.route()

    def do_POST(self):
        self.send(405, error_body("UNSUPPORTED", "read-only registry"))

    do_PUT = do_PATCH = do_DELETE = do_POST


def main():
    serve(Handler, int(sys.argv[1]) if len(sys.argv) > 1 else 0)


if __name__ == "__main__":
    main()

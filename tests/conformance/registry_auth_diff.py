#!/usr/bin/env python3
"""Differential check: libv6node's X-Registry-Auth against docker-py 7.1's.

    registry_auth_diff.py --probe build/tests/auth_probe

`v6 node start` pulls with docker-py, which finds registry credentials in the
user's Docker config file (or a credential helper) and sends them in the
X-Registry-Auth header. For each case below (a config file, fake
docker-credential-* helpers, images) this computes the header both ways in the
same environment (HOME, DOCKER_CONFIG, PATH):

  * docker-py: parse_repository_tag + resolve_repository_name give the registry,
    then load_config, resolve_authconfig and encode_header, as ImageApiMixin.pull
    does when no auth_config is passed;
  * libv6node: the auth_probe program (v6n_registry_auth).

Both headers are decoded and compared as JSON with key order. Where docker-py
raises (a helper that fails or is missing), libv6node deliberately warns and
pulls without credentials: those cases are DEVIATION lines, checked to warn.

Run it with a python that has docker==7.1.0 (the conformance venv). Exit 0 when
everything matches, 1 on a FAIL, 2 on a setup problem. Nothing touches the
network: the helpers are local shell scripts.
"""

import argparse
import base64
import contextlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

try:
    import docker.auth
    import docker.utils
except ImportError:
    print("registry_auth_diff: docker-py is not importable", file=sys.stderr)
    sys.exit(2)

OK_HELPER = """printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper:secret"}' "$server\""""
TOKEN_HELPER = """printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-tok"}' "$server\""""
NONE_HELPER = "echo 'credentials not found in native keychain'; exit 1"
EMPTY_HELPER = """printf '{"ServerURL":"","Username":"","Secret":""}'"""
BROKEN_HELPER = "echo 'the keyring is locked'; exit 3"


def b64(s):
    return base64.b64encode(s.encode()).decode()


IMAGES = [
    "harbor2.vantage6.ai/infrastructure/node:cotopaxi",
    "harbor2.vantage6.ai/infrastructure/node@sha256:" + "0" * 64,
    # 4.15's default registry: the credentials are those of the host ghcr.io
    "ghcr.io/vantage6/infrastructure/node:4.15",
    "debian:12",
    "library/debian",
    "index.docker.io/library/debian:12",
    "myorg/node:1",
    "localhost/node:1",
    "localhost:5000/node",
    "127.0.0.1:5999/v6node-test/node:standin",
    "registry.example/a/b/c:1",
]

# (name, config file text or None, DOCKER_CONFIG mode, {helper: body}, expect a deviation)
CASES = [
    ("no config file", None, "home", {}, False),
    ("auths with email", json.dumps({"auths": {
        "harbor2.vantage6.ai": {"auth": b64("alice:s3cret:with:colons"), "email": "a@example.org"},
        "registry.example": {"auth": b64("bob:pw")},
        "ghcr.io": {"auth": b64("gh-user:ghp_token")}}}), "home", {}, False),
    ("legacy url keys and the hub", json.dumps({"auths": {
        "https://harbor2.vantage6.ai/v1/": {"auth": b64("bob:pw")},
        "https://index.docker.io/v1/": {"auth": b64("hub:hub")},
        "http://localhost:5000": {"auth": b64("loc:al")}}}), "home", {}, False),
    ("identity token and empty entries", json.dumps({"auths": {
        "harbor2.vantage6.ai": {"auth": b64("bob:pw"), "identitytoken": "tok"},
        "docker.io": {}, "127.0.0.1:5999": {"email": "x@example.org"}}}), "home", {}, False),
    ("old auth-only format", json.dumps({
        "harbor2.vantage6.ai": {"auth": b64("old:format")}}), "home", {}, False),
    ("DOCKER_CONFIG", json.dumps({"auths": {
        "harbor2.vantage6.ai": {"auth": b64("env:cfg")}}}), "env", {}, False),
    ("DOCKER_CONFIG without a file falls back to HOME", json.dumps({"auths": {
        "harbor2.vantage6.ai": {"auth": b64("home:cfg")}}}), "env-missing", {}, False),
    ("credHelpers", json.dumps({
        "auths": {"harbor2.vantage6.ai": {"auth": b64("bob:pw")}},
        "credHelpers": {"harbor2.vantage6.ai": "v6ntest-ok", "https://index.docker.io/v1/": "v6ntest-token"}}),
     "home", {"v6ntest-ok": OK_HELPER, "v6ntest-token": TOKEN_HELPER}, False),
    ("credsStore and fall-backs", json.dumps({
        "auths": {"registry.example": {"auth": b64("bob:pw")}, "localhost": {"auth": b64("l:h")}},
        "credHelpers": {"registry.example": "v6ntest-none"},
        "credsStore": "v6ntest-empty"}),
     "home", {"v6ntest-none": NONE_HELPER, "v6ntest-empty": EMPTY_HELPER}, False),
    ("credsStore for everything", json.dumps({"credsStore": "v6ntest-ok"}),
     "home", {"v6ntest-ok": OK_HELPER}, False),
    ("a broken helper", json.dumps({"auths": {}, "credsStore": "v6ntest-broken"}),
     "home", {"v6ntest-broken": BROKEN_HELPER}, True),
    ("a helper that is not installed", json.dumps({"credHelpers": {
        "harbor2.vantage6.ai": "v6ntest-not-installed"}}), "home", {}, True),
]


def decode(header):
    if header is None:
        return None
    if isinstance(header, bytes):
        header = header.decode()
    return json.loads(base64.urlsafe_b64decode(header), object_pairs_hook=list)


@contextlib.contextmanager
def environment(env):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def docker_py_header(image, env):
    repo, _tag = docker.utils.parse_repository_tag(image)
    registry, _ = docker.auth.resolve_repository_name(repo)
    with environment(env):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cfg = docker.auth.load_config()
            auth = docker.auth.resolve_authconfig(cfg, registry)
    return docker.auth.encode_header(auth) if auth else None


def our_header(probe, image, env):
    r = subprocess.run([probe, image], env=env, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("auth_probe failed: " + r.stderr.strip())
    out = r.stdout.strip()
    return (None if out == "NONE" else out), r.stderr


def setup_case(root, config, mode, helpers):
    home = os.path.join(root, "home")
    bindir = os.path.join(root, "bin")
    os.makedirs(os.path.join(home, ".docker"))
    os.makedirs(bindir)
    env = {"HOME": home, "PATH": bindir + ":/usr/bin:/bin", "LANG": "C.UTF-8"}
    if config is not None:
        target = os.path.join(home, ".docker", "config.json")
        if mode == "env":
            cfgdir = os.path.join(root, "dockercfg")
            os.makedirs(cfgdir)
            target = os.path.join(cfgdir, "config.json")
            env["DOCKER_CONFIG"] = cfgdir
        elif mode == "env-missing":
            env["DOCKER_CONFIG"] = os.path.join(root, "no-such-dir")
        with open(target, "w") as f:
            f.write(config)
    for name, body in helpers.items():
        path = os.path.join(bindir, "docker-credential-" + name)
        with open(path, "w") as f:
            f.write('#!/bin/sh\n[ "$1" = get ] || exit 9\nserver=$(cat)\n%s\n' % body)
        os.chmod(path, 0o755)
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", required=True)
    args = ap.parse_args()
    version = importlib.metadata.version("docker")
    if version != "7.1.0":
        print(f"registry_auth_diff: needs docker==7.1.0, found {version}", file=sys.stderr)
        return 2
    fails = matches = with_credentials = deviations = 0
    for name, config, mode, helpers, deviation in CASES:
        root = tempfile.mkdtemp(prefix="v6ntest-auth-")
        try:
            env = setup_case(root, config, mode, helpers)
            for image in IMAGES:
                ours, warnings_text = our_header(args.probe, image, env)
                try:
                    theirs = docker_py_header(image, env)
                    raised = None
                except Exception as e:  # docker-py raises for broken helpers
                    theirs, raised = None, e
                if raised is not None:
                    if deviation and ours is None and "warning:" in warnings_text:
                        deviations += 1
                        print(f"DEVIATION {name} / {image}: docker-py raises "
                              f"{type(raised).__name__}; we warn and pull without credentials")
                        continue
                    fails += 1
                    print(f"FAIL {name} / {image}: docker-py raised {raised!r}; ours={decode(ours)} "
                          f"{warnings_text.strip()}")
                    continue
                if decode(ours) != decode(theirs):
                    fails += 1
                    print(f"FAIL {name} / {image}:\n  docker-py: {decode(theirs)}\n  ours:      {decode(ours)}"
                          f"\n  {warnings_text.strip()}")
                else:
                    matches += 1
                    with_credentials += ours is not None
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print(f"registry_auth_diff: {matches} match ({with_credentials} with credentials), "
          f"{deviations} deliberate deviations, {fails} FAIL")
    if with_credentials < 20 or deviations < 2:
        print("registry_auth_diff: too few cases found credentials or deviated: the check is broken")
        return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

"""Node Manager: a small web UI for the vantage6 nodes of one Docker engine.

Every engine operation and every container decision (names, image, volumes,
mounts, environment, drift) is made by libv6node through the ``v6node``
package, and so is every config this app writes (``v6node.new_config``): this
file only reads forms and renders pages.

Whoever uses this app controls the Docker engine, which is root on the host.
So it listens on 127.0.0.1 unless told otherwise, and lets no one in without
the login password (see guard.py): every page needs a session, every POST a
CSRF token, login attempts are rate-limited per client address, node names
from requests are checked against the library's name rule before anything is
looked up, and API keys and database passwords are never shown, flashed or
logged.

A node is a ``v6node.Node``. Its start options (image, pull policy, release,
host path map, docker socket) are given once, to the start: the library
records how each node was started, so status (drift), restart, stop and
remove open the node by name alone, and work on a node whose config is gone.

Settings come from the environment (see README.md):
  V6NODE_MANAGER_PASSWORD_FILE  a file whose first line is the login password
  V6NODE_MANAGER_PASSWORD       or the password itself (one of the two is required)
  HOST, PORT       where `python app.py` listens (default 127.0.0.1:5000)
  DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION  the engine
  V6N_HOST_PATHS   "local=host,..." when this app runs in a container itself
  V6N_IMAGE        node image for every start (default: vantage6's image rules)
  V6N_PULL         pull policy: default | missing | always | never
  V6N_VANTAGE6_VERSION  the vantage6 release nodes are built as: a line (4.14),
                   a release (4.13.7) or auto (each node's server decides);
                   default the newest the library knows
  V6N_DOCKER_SOCKET  host path of the engine socket bound into nodes
  V6N_LOG_TAIL     log lines shown on a node's page (default 200)
  SECRET_KEY       signs the session cookie (default: random per process, so a
                   restart logs everyone out)
  SESSION_COOKIE_SECURE  1 when the app is served over https (a TLS proxy)
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from flask import (Flask, Response, abort, flash, g, redirect, render_template, request,
                   session, stream_with_context, url_for)
from werkzeug.wrappers import Response as BaseResponse

import v6node
from guard import (LoginLimiter, NoPassword, PasswordCheck, Redactor, new_token,
                   password_file_warning, password_from_env, safe_next, tokens_equal)

SCOPES = ("user", "system")
# The choices of vantage6's `v6 node new` wizard.
DATABASE_TYPES = ("csv", "parquet", "sql", "sparql", "excel", "other")
MOUNT_MODES = ("", "copy", "ro")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DB_ROWS = 3
# Pages anyone may see: the login page and the style sheet.
OPEN_ENDPOINTS = {"login", "static"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


# ---- settings ---------------------------------------------------------------------


def parse_host_paths(text: str) -> Dict[str, str]:
    """``"/data=/srv/site/data,/cfg=/srv/site/cfg"`` -> {local: host}, in order.
    This replaces the old ``container_path_to_host_path``: the library maps
    every bind source itself."""
    paths: Dict[str, str] = {}
    for item in filter(None, (part.strip() for part in re.split(r"[,\n]", text or ""))):
        local, sep, host = item.partition("=")
        if not sep or not local.startswith("/") or not host.startswith("/"):
            raise ValueError(f"V6N_HOST_PATHS: {item!r} is not /local/path=/host/path")
        paths[local.rstrip("/") or "/"] = host.rstrip("/") or "/"
    return paths


def settings_from_env(env: Mapping[str, str] = os.environ) -> Dict[str, Any]:
    """The app's settings from environment variables (the password aside)."""
    return {
        "IMAGE": env.get("V6N_IMAGE") or None,
        "PULL": env.get("V6N_PULL") or None,
        "VANTAGE6_VERSION": env.get("V6N_VANTAGE6_VERSION") or None,
        "HOST_PATHS": parse_host_paths(env.get("V6N_HOST_PATHS", "")),
        "DOCKER_SOCKET": env.get("V6N_DOCKER_SOCKET") or None,
        "LOG_TAIL": int(env.get("V6N_LOG_TAIL") or 200),
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "") in ("1", "true", "yes"),
    }


def config_folder(scope: str) -> Path:
    """The vantage6 node config folder of a scope, by the library's own rule."""
    return v6node.config_folder(system=scope == "system")


def data_folder(scope: str, name: str) -> Path:
    """The node's data folder (the wizard's default task_dir), by the library."""
    return v6node.data_folder(name, system=scope == "system")


# ---- the new-config form ------------------------------------------------------------


def config_from_form(form: Mapping[str, str]) -> Tuple[str, str, Dict[str, Any], List[str]]:
    """(name, scope, arguments of v6node.new_config, problems) from the
    submitted form: the questions of the `v6 node new` wizard. The library
    judges the values; this only checks what it must before any path is
    built (the name, the scope)."""
    problems: List[str] = []
    name = form.get("name", "").strip().replace(" ", "-")
    scope = form.get("scope", "user")
    if not v6node.is_node_name(name):
        problems.append("The name may only contain letters, digits, '_', '.' and '-'.")
    if scope not in SCOPES:
        problems.append("Choose the user or the system scope.")
        scope = "user"
    databases = []
    for i in range(DB_ROWS):
        label = form.get(f"db_label_{i}", "").strip()
        uri = form.get(f"db_uri_{i}", "").strip()
        if not label and not uri:
            continue
        mount_mode = form.get(f"db_mount_{i}", "")
        databases.append(v6node.Database(label=label, uri=uri,
                                         type=form.get(f"db_type_{i}", "csv"),
                                         mount_mode=mount_mode or None))
    extra: Dict[str, Any] = {}
    if form.get("vpn"):
        extra["vpn_subnet"] = form.get("vpn_subnet", "").strip() or "10.76.0.0/16"
    policies: Dict[str, Any] = {}
    algorithms = [a.strip() for a in form.get("allowed_algorithms", "").splitlines() if a.strip()]
    stores = [s.strip() for s in form.get("allowed_algorithm_stores", "").splitlines() if s.strip()]
    if algorithms:
        policies["allowed_algorithms"] = algorithms
    if stores:
        policies["allowed_algorithm_stores"] = stores
    if algorithms and stores:
        policies["allow_either_whitelist_or_store"] = not form.get("require_both")
    if policies:
        extra["policies"] = policies
    encrypted = bool(form.get("encryption"))
    values: Dict[str, Any] = {
        "api_key": form.get("api_key", "").strip(),
        "server_url": form.get("server_url", "").strip() or "http://localhost",
        "port": form.get("port", "").strip() or None,
        "api_path": form.get("api_path", "").strip() or None,
        "task_dir": form.get("task_dir", "").strip() or None,
        "databases": databases,
        "encryption": encrypted,
        "private_key": (form.get("private_key", "").strip() or None) if encrypted else None,
        "log_level": form.get("log_level", "INFO"),
        "extra_yaml": extra or None,
        "system": scope == "system",
    }
    return name, scope, values, problems


def refill(form: Mapping[str, str], redactor: Redactor) -> Dict[str, str]:
    """The form's values to show again after a refusal: never the API key,
    never a database URI that holds a password."""
    shown = {k: v for k, v in form.items() if k not in ("api_key", "csrf_token")}
    for i in range(DB_ROWS):
        uri = shown.get(f"db_uri_{i}", "")
        if uri and redactor(uri) != uri:
            shown[f"db_uri_{i}"] = ""
    return shown


def error_text(error: v6node.Error) -> str:
    key = f" ({error.key})" if error.key else ""
    return f"{type(error).__name__}{key}: {error.message}"


# ---- the app -------------------------------------------------------------------------


def create_app(overrides: Optional[Mapping[str, Any]] = None) -> Flask:
    """The Node Manager; ``overrides`` replace settings (IMAGE, PULL,
    HOST_PATHS, DOCKER_SOCKET, LOG_TAIL, SECRET_KEY, LOGIN_MAX_ATTEMPTS,
    LOGIN_LOCKOUT...). ``PASSWORD`` gives the login password instead of the
    environment (it is hashed at once and not kept).

    Raises:
        NoPassword: no login password (the app must not run open).
    """
    overrides = dict(overrides or {})
    password = overrides.pop("PASSWORD", None) or password_from_env()
    check = PasswordCheck(password)
    del password
    warning = password_file_warning()
    if warning:
        print(f"node-manager: warning: {warning}", file=sys.stderr)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or new_token(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="v6node_manager",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=1024 * 1024,
        LOGIN_MAX_ATTEMPTS=5,
        LOGIN_LOCKOUT=30.0,
        LOGIN_MAX_LOCKOUT=900.0,
    )
    app.config.update(settings_from_env())
    app.config.update(overrides)
    limiter = LoginLimiter(app.config["LOGIN_MAX_ATTEMPTS"], app.config["LOGIN_LOCKOUT"],
                           app.config["LOGIN_MAX_LOCKOUT"],
                           **({"clock": app.config["LOGIN_CLOCK"]}
                              if "LOGIN_CLOCK" in app.config else {}))
    app.extensions["v6node_login"] = (check, limiter)

    # -- the guard: login, CSRF, names --

    def redactor() -> Redactor:
        """This request's secrets, removed from every page and message."""
        if "redactor" not in g:
            g.redactor = Redactor()
        r: Redactor = g.redactor
        return r

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = new_token()
        token: str = session["csrf"]
        return token

    @app.before_request
    def guard() -> Optional[BaseResponse]:
        if request.endpoint not in OPEN_ENDPOINTS and not session.get("auth"):
            if request.method in STATE_CHANGING or request.endpoint is None:
                abort(401)
            return redirect(url_for("login", next=request.full_path.rstrip("?")))
        if request.method in STATE_CHANGING:
            given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
            if not tokens_equal(given, session.get("csrf")):
                abort(400, "The form's CSRF token is missing or wrong: reload the page and "
                           "try again.")
        args = request.view_args or {}
        if "scope" in args and args["scope"] not in SCOPES:
            abort(404)
        if "name" in args and not v6node.is_node_name(args["name"]):
            abort(404)  # before any path or handle is made from it
        return None

    @app.after_request
    def headers(response: BaseResponse) -> BaseResponse:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'unsafe-inline'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    def page(template: str, http_status: int = 200, /, **context: Any) -> Tuple[str, int]:
        """A rendered page, with every secret this request learned masked."""
        return redactor()(render_template(template, **context)), http_status

    def say(message: str, category: str) -> None:
        """A flash message (it travels in the session cookie): masked first."""
        flash(redactor()(message), category)

    def engine() -> v6node.Engine:
        """This request's engine connection (closed when the request ends)."""
        if "engine" not in g:
            g.engine = v6node.Engine.from_env()
        e: v6node.Engine = g.engine
        return e

    @app.teardown_appcontext
    def close_engine(_exc: Optional[BaseException]) -> None:
        e = g.pop("engine", None)
        if e is not None:
            e.close()

    def start_options() -> Dict[str, Any]:
        """How this app starts nodes: given to the start (and to the spec
        shown of what a start would create), never to status, restart, stop
        or remove, which read the node's start record."""
        c = app.config
        opts: Dict[str, Any] = {"image": c["IMAGE"], "docker_socket": c["DOCKER_SOCKET"],
                                "vantage6_version": c["VANTAGE6_VERSION"], "pull": c["PULL"]}
        if c["HOST_PATHS"]:
            opts["path_map"] = c["HOST_PATHS"]
        return {k: v for k, v in opts.items() if v is not None}

    def spec_options() -> Dict[str, Any]:
        return {k: v for k, v in start_options().items() if k != "pull"}

    def node_of(scope: str, name: str, **options: Any) -> v6node.Node:
        """The node, by a name the guard has checked: it opens whether or not
        its config is here. Its config's secrets are masked from then on."""
        try:
            node = v6node.Node(name, system=scope == "system", **options)
        except v6node.InvalidArgument:
            abort(404)
        redactor().add_config_file(node.config_path)
        return node

    def list_entry(scope: str, name: str) -> Optional[v6node.ListEntry]:
        for entry in engine().list():
            if entry.name == name and entry.scope == scope:
                return entry
        return None

    def back(scope: str, name: str) -> BaseResponse:
        default = url_for("node", scope=scope, name=name)
        return redirect(safe_next(request.form.get("next"), default))

    def report(error: v6node.Error, what: str) -> None:
        key = f" (key {error.key})" if error.key else ""
        say(f"{what}: {type(error).__name__}{key}: {error.message}", "error")
        for warning in error.warnings:
            say(f"{what}: {warning}", "warning")

    # a global, so that imported macros (_actions.html) have it too
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.context_processor
    def globals_() -> Dict[str, Any]:
        return {"v6version": v6node.library_version(), "logged_in": bool(session.get("auth"))}

    @app.template_filter("short")
    def short(value: Optional[str], n: int = 12) -> str:
        return (value or "")[:n]

    @app.template_filter("when")
    def when(value: Optional[datetime]) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S %Z") if value else ""

    # -- login --

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        target = safe_next(request.values.get("next"), url_for("dashboard"))
        if request.method == "GET":
            if session.get("auth"):
                return redirect(target)
            return page("login.html", next=target, error=None)
        client = request.remote_addr or "unknown"
        wait = limiter.begin(client)
        if wait > 0:
            seconds = int(wait) + 1
            text, _ = page("login.html", next=target,
                           error=f"Too many attempts: try again in {seconds} s.")
            return Response(text, 429, {"Retry-After": str(seconds)}, mimetype="text/html")
        if not check.verify(request.form.get("password", "")):
            app.logger.warning("node-manager: failed login from %s", client)
            return page("login.html", 401, next=target, error="Wrong password.")
        limiter.succeeded(client)
        session.clear()  # a new session: a new CSRF token
        session.permanent = True
        session["auth"] = True
        session["csrf"] = new_token()
        return redirect(target)

    @app.post("/logout")
    def logout() -> BaseResponse:
        session.clear()
        return redirect(url_for("login"))

    # -- pages --

    @app.get("/")
    def dashboard() -> Any:
        nodes: List[v6node.ListEntry] = []
        error = api_version = None
        try:
            api_version = engine().ping()
            nodes = engine().list()
        except v6node.Error as e:
            error = e
        for n in nodes:
            redactor().add_config_file(n.config)
        counts = Counter(n.state for n in nodes)
        return page("dashboard.html", nodes=nodes, counts=counts, error=error,
                    api_version=api_version, host=engine().host,
                    image=app.config["IMAGE"], pull=app.config["PULL"])

    @app.get("/nodes/<scope>/<name>")
    def node(scope: str, name: str) -> Any:
        view: Dict[str, Any] = {"scope": scope, "name": name, "errors": []}
        node = node_of(scope, name)
        try:
            view["entry"] = list_entry(scope, name)
        except v6node.Error as e:
            view["errors"].append(("engine", e))
            view["entry"] = None
        if view["entry"] is None and not view["errors"]:
            abort(404)
        entry: Optional[v6node.ListEntry] = view["entry"]
        try:
            # no options: drift is judged against how the node was started
            view["status"] = node.status(engine())
        except v6node.Error as e:
            view["errors"].append(("status", e))
        if entry is not None and entry.config is not None:
            text = redactor().add_config_file(entry.config)
            view["config_text"] = redactor().config_text(text) if text is not None else None
            try:
                spec = redactor().spec(node_of(scope, name, **spec_options()).spec())
                view["spec"] = spec
                view["spec_json"] = json.dumps(spec, indent=2)  # in the library's order
            except v6node.Error as e:
                view["errors"].append(("config", e))
        if entry is not None and entry.state != "absent":
            try:
                view["logs"] = node.logs(engine(), tail=app.config["LOG_TAIL"])
            except v6node.Error as e:
                view["errors"].append(("logs", e))
        if entry is not None and entry.state == "running":
            try:
                view["version"] = node.version(engine())
            except v6node.Error as e:
                view["version_error"] = e.message
        return page("node.html", **view)

    @app.get("/nodes/<scope>/<name>/logs/follow")
    def follow_logs(scope: str, name: str) -> Response:
        node = node_of(scope, name)
        entry = list_entry(scope, name)
        if entry is None or entry.state == "absent":
            abort(404)
        stream = node.follow_logs(engine(), tail=50)
        mask = redactor()

        def chunks() -> Iterator[str]:
            with stream:  # closed (and the C stream joined) when the client goes away
                for chunk in stream:
                    yield mask(chunk)

        return Response(stream_with_context(chunks()), mimetype="text/plain",
                        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"})

    @app.route("/nodes/new", methods=["GET", "POST"])
    def new_node() -> Any:
        choices: Dict[str, Any] = {"types": DATABASE_TYPES, "levels": LOG_LEVELS, "mount_modes": MOUNT_MODES,
                   "rows": DB_ROWS}
        if request.method == "GET":
            return page("new.html", form={}, problems=[], **choices)
        name, scope, values, problems = config_from_form(request.form)
        redactor().add_values(values["api_key"], (d.uri for d in values["databases"]))

        def refused(status: int = 400) -> Any:
            if request.form.get("api_key") or any(
                    redactor()(d.uri) != d.uri for d in values["databases"]):
                problems.append("The API key and database URIs with a password are not "
                                "filled in again: enter them again.")
            return page("new.html", status, form=refill(request.form, redactor()),
                        problems=problems, **choices)

        if problems:  # the name is checked before any path is made from it
            return refused()
        if (config_folder(scope) / f"{name}.yml").exists():
            problems.append(f"Configuration {name} already exists "
                            f"({config_folder(scope) / (name + '.yml')}).")
            return refused()
        # The library writes the config. A trial copy first, so that what a
        # start checks on this machine (database files, the key file) is
        # judged before the real config is written.
        # An encrypted node without a key yet is fine, as `v6 node new` has it: its key
        # is made next, with Create private key on the node's page.
        key_later = False
        with tempfile.TemporaryDirectory() as tmp:
            try:
                trial = v6node.new_config(path=Path(tmp, f"{name}.yaml"), **values)
                options = dict(spec_options(), scope=scope)
                with v6node.Node.from_config(trial, **options) as trial_node:
                    trial_node.spec()
            except v6node.ConfigError as e:
                key_later = e.key == "encryption.private_key" and not values.get("private_key")
                if not key_later:
                    problems.append(error_text(e).replace(tmp, "…"))
                    return refused()
            except v6node.Error as e:
                problems.append(error_text(e).replace(tmp, "…"))
                return refused()
        try:
            target = v6node.new_config(name, **values)
        except v6node.Conflict as e:
            problems.append(f"Configuration {name} already exists: {e.message}")
            return refused()
        except v6node.Error as e:
            problems.append(error_text(e))
            return refused()
        say(f"New configuration created: {target}", "ok")
        if key_later:
            say(f"{name} has encryption on and no private key yet: create it below "
                "(Create private key) before its start.", "warning")
        return redirect(url_for("node", scope=scope, name=name))

    # -- actions --

    @app.post("/nodes/<scope>/<name>/start")
    def start(scope: str, name: str) -> BaseResponse:
        try:
            # the only call that takes the options: the start records them
            r = node_of(scope, name, **start_options()).start(engine())
        except v6node.Error as e:
            report(e, f"Start of {name}")
        else:
            say(f"Started {name} in {r.container} ({r.id[:12]}) as vantage6 "
                f"{r.vantage6_version}, image {r.image} (chosen by the {r.image_rule} rule).",
                "ok")
            for warning in r.warnings:
                say(f"{name}: {warning}", "warning")
        return back(scope, name)

    @app.post("/nodes/<scope>/<name>/stop")
    def stop(scope: str, name: str) -> BaseResponse:
        try:
            warnings = node_of(scope, name).stop(engine())
        except v6node.Error as e:
            report(e, f"Stop of {name}")
        else:
            say(f"Stopped {name}.", "ok")
            for warning in warnings:
                say(f"{name}: {warning}", "warning")
        return back(scope, name)

    @app.post("/nodes/<scope>/<name>/restart")
    def restart(scope: str, name: str) -> BaseResponse:
        try:
            r = node_of(scope, name).restart(engine())
        except v6node.Error as e:
            report(e, f"Restart of {name}")
        else:
            say(f"Restarted {name} in {r.container} ({r.id[:12]}), image {r.image}.", "ok")
        return back(scope, name)

    @app.post("/nodes/<scope>/<name>/delete")
    def delete(scope: str, name: str) -> BaseResponse:
        try:
            warnings = node_of(scope, name).remove(engine())
        except v6node.Error as e:
            report(e, f"Delete of {name}")
            return back(scope, name)
        say(f"Deleted {name}: its container, volumes, config file and folders.", "ok")
        for warning in warnings:
            say(f"{name}: {warning}", "warning")
        return redirect(url_for("dashboard"))

    @app.post("/nodes/<scope>/<name>/api-key")
    def set_api_key(scope: str, name: str) -> BaseResponse:
        key = request.form.get("api_key", "").strip()
        redactor().add(key)
        if not key:
            say(f"Set API key of {name}: enter the new API key.", "error")
            return back(scope, name)
        try:
            node_of(scope, name).set_api_key(key)
        except v6node.Error as e:
            report(e, f"Set API key of {name}")
        else:
            say(f"The API key of {name} is set; restart the node to use it.", "ok")
        return back(scope, name)

    @app.post("/nodes/<scope>/<name>/private-key")
    def create_private_key(scope: str, name: str) -> BaseResponse:
        form = request.form
        username = form.get("username", "").strip() or None
        password = form.get("password", "") or None
        mfa_code = form.get("mfa_code", "").strip() or None
        for secret in (password, mfa_code):
            redactor().add(secret)
        try:
            key = node_of(scope, name).create_private_key(
                username=username, password=password if username else None,
                mfa_code=mfa_code if username else None,
                organization=form.get("organization", "").strip() or None,
                overwrite=bool(form.get("overwrite")), upload=bool(form.get("upload")))
        except v6node.Error as e:
            report(e, f"Private key of {name}")
        else:
            uploaded = " and its public key uploaded to the server" if form.get("upload") else ""
            say(f"The private key of {name} is {key}{uploaded}; restart the node to use it.",
                "ok")
        return back(scope, name)

    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    try:
        app = create_app()
    except NoPassword as e:
        sys.exit(f"node-manager: {e}")
    if not is_loopback(host):
        print(f"node-manager: warning: listening on {host}, not on 127.0.0.1: whoever "
              "reaches this port can try the password, and the traffic is not encrypted. "
              "Put a TLS proxy in front (and set SESSION_COOKIE_SECURE=1).", file=sys.stderr)
    app.run(host=host, port=port, threaded=True)


if __name__ == "__main__":
    main()

"""Node Manager: a small web UI for the vantage6 nodes of one Docker engine.

Every engine operation and every container decision (names, image, volumes,
mounts, environment, drift) is made by libv6node through the ``v6node``
package: this file only reads forms, writes config files and renders pages.

A node is a ``v6node.Node``. Its start options (image, pull policy, release,
host path map, docker socket) are given once, to the start: the library
records how each node was started, so status (drift), restart, stop and
remove open the node by name alone, and work on a node whose config is gone.

Settings come from the environment (see README.md):
  DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION  the engine
  V6N_HOST_PATHS   "local=host,..." when this app runs in a container itself
  V6N_IMAGE        node image for every start (default: vantage6's image rules)
  V6N_PULL         pull policy: default | missing | always | never
  V6N_VANTAGE6_VERSION  the vantage6 release nodes are built as: a line (4.14),
                   a release (4.13.7) or auto (each node's server decides);
                   default the newest the library knows
  V6N_DOCKER_SOCKET  host path of the engine socket bound into nodes
  V6N_LOG_TAIL     log lines shown on a node's page (default 200)
  SECRET_KEY       signs the flash messages (default: random per process)
"""
from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml
from werkzeug.wrappers import Response as BaseResponse
from flask import (Flask, Response, abort, flash, g, redirect, render_template, request,
                   stream_with_context, url_for)

import v6node

SCOPES = ("user", "system")
# The choices of vantage6's `v6 node new` wizard.
DATABASE_TYPES = ("csv", "parquet", "sql", "sparql", "excel", "other")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]+$")
DB_ROWS = 3


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
    """The app's settings from environment variables."""
    return {
        "IMAGE": env.get("V6N_IMAGE") or None,
        "PULL": env.get("V6N_PULL") or None,
        "VANTAGE6_VERSION": env.get("V6N_VANTAGE6_VERSION") or None,
        "HOST_PATHS": parse_host_paths(env.get("V6N_HOST_PATHS", "")),
        "DOCKER_SOCKET": env.get("V6N_DOCKER_SOCKET") or None,
        "LOG_TAIL": int(env.get("V6N_LOG_TAIL") or 200),
    }


# ---- where new configs go ----------------------------------------------------------
# The config folder is the library's (v6node.config_folder); the library has no
# call for the data folder, so data_folder mirrors its rule (libv6node/folders.c,
# appdirs on Linux) for the wizard's default task_dir.


def _xdg(var: str, default: str) -> str:
    value = os.environ.get(var, "")
    return value if value.startswith("/") else os.path.join(Path.home(), default)


def _xdg_first(var: str, default: str) -> str:
    value = os.environ.get(var, "").split(":")[0]
    return value.rstrip("/") if value.startswith("/") else default


def config_folder(scope: str) -> Path:
    """The vantage6 node config folder of a scope, by the library's own rule."""
    return v6node.config_folder(system=scope == "system")


def data_folder(scope: str, name: str) -> Path:
    """The node's data folder (the wizard's default task_dir)."""
    if scope == "user":
        return Path(_xdg("XDG_DATA_HOME", ".local/share"), "vantage6", "node", name)
    return Path(_xdg_first("XDG_DATA_DIRS", "/usr/local/share"), "vantage6", "node", name)


# ---- the new-config form ------------------------------------------------------------


def config_from_form(form: Mapping[str, str]) -> Tuple[str, str, Dict[str, Any], List[str]]:
    """(name, scope, config, problems) from the submitted form: the keys the
    `v6 node new` wizard writes."""
    problems: List[str] = []
    name = form.get("name", "").strip().replace(" ", "-")
    scope = form.get("scope", "user")
    if not NAME_RE.match(name):
        problems.append("The name may only contain letters, digits, '_', '.' and '-'.")
    if scope not in SCOPES:
        problems.append("Choose the user or the system scope.")
        scope = "user"
    server_url = form.get("server_url", "").strip().rstrip("/") or "http://localhost"
    default_port = "443" if server_url.startswith("https") else "7601"
    port = form.get("port", "").strip() or default_port
    if not port.isdigit():
        problems.append("The port must be a number.")
    config: Dict[str, Any] = {
        "api_key": form.get("api_key", "").strip(),
        "server_url": server_url,
        "port": port,
        "api_path": form.get("api_path", "").strip() or "/api",
        "task_dir": form.get("task_dir", "").strip() or str(data_folder(scope, name)),
        "databases": [],
    }
    if not config["api_key"]:
        problems.append("The API key is required.")
    labels = set()
    for i in range(DB_ROWS):
        label = form.get(f"db_label_{i}", "").strip()
        uri = form.get(f"db_uri_{i}", "").strip()
        if not label and not uri:
            continue
        db_type = form.get(f"db_type_{i}", "csv")
        if not label or not uri:
            problems.append(f"Database {i + 1} needs both a label and a URI.")
        if label in labels:
            problems.append(f"The database label {label!r} is used twice.")
        if db_type not in DATABASE_TYPES:
            problems.append(f"Database {i + 1}: unknown type {db_type!r}.")
        labels.add(label)
        config["databases"].append({"label": label, "uri": uri, "type": db_type})
    if form.get("vpn"):
        config["vpn_subnet"] = form.get("vpn_subnet", "").strip() or "10.76.0.0/16"
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
        config["policies"] = policies
    level = form.get("log_level", "INFO")
    config["logging"] = {
        "level": level if level in LOG_LEVELS else "INFO",
        "use_console": True,
        "backup_count": 5,
        "max_size": 1024,
        "format": "%(asctime)s - %(name)-14s - %(levelname)-8s - %(message)s",
        "datefmt": "%Y-%m-%d %H:%M:%S",
        "loggers": [
            {"name": logger, "level": "warning"}
            for logger in ("urllib3", "requests", "engineio.client", "docker.utils.config",
                           "docker.auth")
        ],
    }
    encrypted = bool(form.get("encryption"))
    config["encryption"] = {
        "enabled": encrypted,
        "private_key": form.get("private_key", "").strip() if encrypted else "",
    }
    return name, scope, config, problems


def render_config(config: Dict[str, Any]) -> str:
    """YAML as vantage6 saves it (block style, sorted keys)."""
    return yaml.safe_dump(config, default_flow_style=False, sort_keys=True)


# ---- the app -------------------------------------------------------------------------


def create_app(overrides: Optional[Mapping[str, Any]] = None) -> Flask:
    """The Node Manager; ``overrides`` replace settings (IMAGE, PULL,
    HOST_PATHS, DOCKER_SOCKET, LOG_TAIL, SECRET_KEY...)."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(16))
    app.config.update(settings_from_env())
    app.config.update(overrides or {})

    def engine() -> v6node.Engine:
        """This request's engine connection (closed when the request ends)."""
        if "engine" not in g:
            g.engine = v6node.Engine.from_env()
        return g.engine

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

    def check_scope(scope: str) -> bool:
        if scope not in SCOPES:
            abort(404)
        return scope == "system"

    def node_of(scope: str, name: str, **options: Any) -> v6node.Node:
        """The node, by name: it opens whether or not its config is here."""
        try:
            return v6node.Node(name, system=check_scope(scope), **options)
        except v6node.InvalidArgument:
            abort(404)

    def list_entry(scope: str, name: str) -> Optional[v6node.ListEntry]:
        for entry in engine().list():
            if entry.name == name and entry.scope == scope:
                return entry
        return None

    def back(scope: str, name: str) -> BaseResponse:
        target = request.form.get("next", "")
        if target.startswith("/") and not target.startswith("//"):
            return redirect(target)
        return redirect(url_for("node", scope=scope, name=name))

    def report(error: v6node.Error, what: str) -> None:
        key = f" (key {error.key})" if error.key else ""
        flash(f"{what}: {type(error).__name__}{key}: {error.message}", "error")
        for warning in error.warnings:
            flash(f"{what}: {warning}", "warning")

    @app.context_processor
    def globals_() -> Dict[str, Any]:
        return {"v6version": v6node.library_version()}

    @app.template_filter("short")
    def short(value: Optional[str], n: int = 12) -> str:
        return (value or "")[:n]

    @app.template_filter("when")
    def when(value: Optional[datetime]) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S %Z") if value else ""

    # -- pages --

    @app.get("/")
    def dashboard() -> str:
        nodes: List[v6node.ListEntry] = []
        error = api_version = None
        try:
            api_version = engine().ping()
            nodes = engine().list()
        except v6node.Error as e:
            error = e
        counts = Counter(n.state for n in nodes)
        return render_template("dashboard.html", nodes=nodes, counts=counts, error=error,
                               api_version=api_version, host=engine().host,
                               image=app.config["IMAGE"], pull=app.config["PULL"])

    @app.get("/nodes/<scope>/<name>")
    def node(scope: str, name: str) -> str:
        page: Dict[str, Any] = {"scope": scope, "name": name, "errors": []}
        node = node_of(scope, name)
        try:
            page["entry"] = list_entry(scope, name)
        except v6node.Error as e:
            page["errors"].append(("engine", e))
            page["entry"] = None
        if page["entry"] is None and not page["errors"]:
            abort(404)
        entry: Optional[v6node.ListEntry] = page["entry"]
        try:
            # no options: drift is judged against how the node was started
            page["status"] = node.status(engine())
        except v6node.Error as e:
            page["errors"].append(("status", e))
        if entry is not None and entry.config is not None:
            try:
                page["config_text"] = entry.config.read_text()
            except OSError:
                page["config_text"] = None
            try:
                page["spec"] = node_of(scope, name, **spec_options()).spec()
                page["spec_json"] = json.dumps(page["spec"], indent=2)  # in the library's order
            except v6node.Error as e:
                page["errors"].append(("config", e))
        if entry is not None and entry.state != "absent":
            try:
                page["logs"] = node.logs(engine(), tail=app.config["LOG_TAIL"])
            except v6node.Error as e:
                page["errors"].append(("logs", e))
        return render_template("node.html", **page)

    @app.get("/nodes/<scope>/<name>/logs/follow")
    def follow_logs(scope: str, name: str) -> Response:
        node = node_of(scope, name)
        entry = list_entry(scope, name)
        if entry is None or entry.state == "absent":
            abort(404)
        stream = node.follow_logs(engine(), tail=50)

        def chunks() -> Iterator[str]:
            with stream:  # closed (and the C stream joined) when the client goes away
                yield from stream

        return Response(stream_with_context(chunks()), mimetype="text/plain",
                        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"})

    @app.route("/nodes/new", methods=["GET", "POST"])
    def new_node() -> Any:
        form = request.form if request.method == "POST" else {}
        if request.method == "GET":
            return render_template("new.html", form=form, problems=[], types=DATABASE_TYPES,
                                   levels=LOG_LEVELS, rows=DB_ROWS)
        name, scope, config, problems = config_from_form(request.form)
        target = config_folder(scope) / f"{name}.yaml"
        if not problems and (target.exists() or target.with_suffix(".yml").exists()):
            problems.append(f"Configuration {name} already exists ({target}).")
        text = render_config(config)
        if not problems:
            # The library is the judge of a valid config: build its spec first.
            with tempfile.TemporaryDirectory() as tmp:
                trial = Path(tmp, f"{name}.yaml")
                trial.write_text(text)
                try:
                    options = dict(spec_options(), scope=scope)
                    with v6node.Node.from_config(trial, **options) as trial_node:
                        trial_node.spec()
                except v6node.Error as e:
                    key = f" ({e.key})" if e.key else ""
                    problems.append(f"{type(e).__name__}{key}: {e.message}".replace(tmp, "…"))
        if problems:
            return render_template("new.html", form=request.form, problems=problems,
                                   types=DATABASE_TYPES, levels=LOG_LEVELS, rows=DB_ROWS), 400
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x") as f:
                f.write(text)
        except OSError as e:
            problems.append(f"Cannot write {target}: {e.strerror}")
            return render_template("new.html", form=request.form, problems=problems,
                                   types=DATABASE_TYPES, levels=LOG_LEVELS, rows=DB_ROWS), 400
        flash(f"New configuration created: {target}", "ok")
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
            flash(f"Started {name} in {r.container} ({r.id[:12]}) as vantage6 "
                  f"{r.vantage6_version}, image {r.image} (chosen by the {r.image_rule} rule).",
                  "ok")
            for warning in r.warnings:
                flash(f"{name}: {warning}", "warning")
        return back(scope, name)

    @app.post("/nodes/<scope>/<name>/stop")
    def stop(scope: str, name: str) -> BaseResponse:
        try:
            warnings = node_of(scope, name).stop(engine())
        except v6node.Error as e:
            report(e, f"Stop of {name}")
        else:
            flash(f"Stopped {name}.", "ok")
            for warning in warnings:
                flash(f"{name}: {warning}", "warning")
        return back(scope, name)

    @app.post("/nodes/<scope>/<name>/restart")
    def restart(scope: str, name: str) -> BaseResponse:
        try:
            r = node_of(scope, name).restart(engine())
        except v6node.Error as e:
            report(e, f"Restart of {name}")
        else:
            flash(f"Restarted {name} in {r.container} ({r.id[:12]}), image {r.image}.", "ok")
        return back(scope, name)

    @app.post("/nodes/<scope>/<name>/delete")
    def delete(scope: str, name: str) -> BaseResponse:
        try:
            warnings = node_of(scope, name).remove(engine())
        except v6node.Error as e:
            report(e, f"Delete of {name}")
            return back(scope, name)
        flash(f"Deleted {name}: its container, volumes, config file and folders.", "ok")
        for warning in warnings:
            flash(f"{name}: {warning}", "warning")
        return redirect(url_for("dashboard"))

    return app


if __name__ == "__main__":
    create_app().run(host=os.environ.get("HOST", "127.0.0.1"),
                     port=int(os.environ.get("PORT", "5000")), threaded=True)

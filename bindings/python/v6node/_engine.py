"""The Docker engine: start, stop, restart, status, list, logs of nodes."""
from __future__ import annotations

import codecs
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from . import _core
from ._core import PathLike
from ._errors import Cancelled, InvalidArgument
from ._core import raw as _raw
from ._spec import build_spec, container_name

__all__ = ["Engine", "Event", "StartResult", "LogStream", "EVENT_KINDS"]

# How long one wait for the next event of a background operation lasts. Short,
# so that Ctrl-C (KeyboardInterrupt) and close() are honoured quickly.
_POLL_MS = 100

_KIND_NAMES: Dict[int, str] = {
    _raw.EVENT_IMAGE: "image",
    _raw.EVENT_PULL_START: "pull_start",
    _raw.EVENT_PULL_PROGRESS: "pull_progress",
    _raw.EVENT_PULL_DONE: "pull_done",
    _raw.EVENT_WARNING: "warning",
    _raw.EVENT_VOLUME: "volume",
    _raw.EVENT_REMOVED: "removed",
    _raw.EVENT_CREATED: "created",
    _raw.EVENT_STARTED: "started",
    _raw.EVENT_STOPPED: "stopped",
    _raw.EVENT_VOLUME_REMOVED: "volume_removed",
    _raw.EVENT_PATH_REMOVED: "path_removed",
}

#: Every value :attr:`Event.kind` can take.
EVENT_KINDS: Tuple[str, ...] = tuple(_KIND_NAMES.values())


@dataclass(frozen=True)
class Event:
    """One step of a start or restart, as passed to ``on_progress``.

    Attributes:
        kind: what happened: ``"image"`` (the image was chosen; ``message``
            names the rule), ``"pull_start"``, ``"pull_progress"`` (``id`` is
            the layer, ``message`` its status, ``current``/``total`` bytes when
            known), ``"pull_done"``, ``"warning"``, ``"volume"`` (``id`` is the
            volume; ``current`` is 1 when it was created), ``"removed"`` (a stale
            stopped container), ``"created"``, ``"started"``, ``"stopped"``
            (``id`` is the container), ``"volume_removed"``, ``"path_removed"``.
        message: a human-readable text ("" when none).
        id: a layer, volume, container id or path ("" when not applicable).
        image: the image concerned ("" when not applicable).
        current: progress so far (bytes), or a flag (see ``kind``).
        total: the total (bytes) when known, else 0.
    """

    kind: str
    message: str = ""
    id: str = ""
    image: str = ""
    current: int = 0
    total: int = 0

    def as_dict(self) -> Dict[str, Any]:
        """The event as a plain dict."""
        return {
            "kind": self.kind,
            "message": self.message,
            "id": self.id,
            "image": self.image,
            "current": self.current,
            "total": self.total,
        }


@dataclass(frozen=True)
class StartResult:
    """A node that was started.

    Attributes:
        id: the container id.
        image: the image it runs.
        image_rule: which rule chose the image: ``"option"``, ``"config"``
            (``images.node``), ``"server"`` (the server's version) or
            ``"default"``.
        container: the container name, ``vantage6-NAME-SCOPE``.
        name: the node name.
        vantage6_version: the vantage6 release line the node was built as
            (``"4.15"``).
        warnings: the messages of the ``"warning"`` events of the start.
    """

    id: str
    image: str
    image_rule: str
    container: str
    name: str
    vantage6_version: str = ""
    warnings: Tuple[str, ...] = field(default=())

    def as_dict(self) -> Dict[str, Any]:
        """``{"id", "image", "image_rule", "container", "name", "vantage6_version"}``."""
        return {
            "id": self.id,
            "image": self.image,
            "image_rule": self.image_rule,
            "container": self.container,
            "name": self.name,
            "vantage6_version": self.vantage6_version,
        }


ProgressCallback = Callable[[Event], Optional[bool]]


def _event(item: Any) -> Event:
    kind = _raw.item_kind(item)
    return Event(
        kind=_KIND_NAMES.get(kind, str(kind)),
        message=_core.text(_raw.item_text(item)),
        id=_core.text(_raw.item_id(item)),
        image=_core.text(_raw.item_image(item)),
        current=int(_raw.item_current(item)),
        total=int(_raw.item_total(item)),
    )


def _engine_json(
    host: Optional[str],
    tls: bool,
    tls_verify: bool,
    cert_path: Optional[PathLike],
    api_version: Optional[str],
    connect_timeout: Optional[float],
    request_timeout: Optional[float],
) -> str:
    opts: Dict[str, Any] = {}
    if host is not None:
        opts["host"] = host
    if tls:
        opts["tls"] = True
    if tls_verify:
        opts["tls_verify"] = True
    if cert_path is not None:
        opts["cert_path"] = _core._path(cert_path, "cert_path")
    if api_version is not None:
        opts["api_version"] = api_version
    if connect_timeout is not None:
        opts["connect_timeout_ms"] = max(1, int(connect_timeout * 1000))
    if request_timeout is not None:
        opts["request_timeout_ms"] = max(1, int(request_timeout * 1000))
    return json.dumps(opts)


def _stop_json(
    timeout: Optional[float], force: bool, keep_volumes: bool, volumes: Dict[str, Any]
) -> str:
    opts: Dict[str, Any] = {}
    if timeout is not None:
        if timeout < 0:
            raise ValueError("timeout must be >= 0 seconds")
        opts["timeout_s"] = int(timeout)
    if force:
        opts["force"] = True
    if keep_volumes:
        opts["keep_volumes"] = True
    for key in _core.VOLUME_OPTIONS:
        if volumes.get(key) is not None:
            opts[key] = str(volumes[key])
    return json.dumps(opts)


def _open(engine_json: str) -> Any:
    result = _core.check(_raw.engine_open(engine_json))
    handle = _raw.result_take_engine(result)
    _raw.result_free(result)
    return handle


class Engine:
    """A connection to one Docker engine.

    ``Engine()`` talks to ``unix:///var/run/docker.sock``; ``Engine(host)`` to
    ``"unix:///path"`` or ``"tcp://host:port"``; :meth:`from_env` reads
    ``DOCKER_HOST``, ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH`` and
    ``DOCKER_API_VERSION`` as the docker CLI does. Nothing is sent until the
    first request, which negotiates the API version.

    Close it with :meth:`close` or use it as a context manager. Each call holds
    the engine's lock, so one Engine may be shared by threads (their calls run
    one after another); :meth:`follow_logs` opens a connection of its own, so a
    followed log does not block the engine.

    The node methods take the same node selection and start options as
    :func:`v6node.build_spec`: exactly one of ``config`` (a path) and ``name``,
    ``system`` for system scope, and the options that change the spec
    (``image``, ``keep``, ``host_paths``, volume names...). Give
    :meth:`status` and :meth:`restart` the options the node was started with,
    since drift is judged against them.
    """

    def __init__(
        self,
        host: Optional[str] = None,
        *,
        tls: bool = False,
        tls_verify: bool = False,
        cert_path: Optional[PathLike] = None,
        api_version: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
    ) -> None:
        """Open a client for the engine at ``host`` (default
        ``unix:///var/run/docker.sock``).

        Args:
            host: ``"unix:///path/docker.sock"``, ``"tcp://host:port"`` (also
                ``http://`` and ``https://``).
            tls: talk TLS to a tcp host.
            tls_verify: verify the engine's certificate against ``ca.pem``.
            cert_path: folder with ``ca.pem``, ``cert.pem``, ``key.pem``.
            api_version: pin the API version (``"1.41"``) instead of
                negotiating it.
            connect_timeout: seconds to wait for a connection (default 5).
            request_timeout: seconds an ordinary request may take (default
                60; pulls and log streams have no limit).

        Raises:
            InvalidArgument: a bad host or option.
        """
        self._init(
            _engine_json(host, tls, tls_verify, cert_path, api_version, connect_timeout,
                         request_timeout)
        )

    def _init(self, engine_json: str) -> None:
        self._lock = threading.RLock()
        self._json = engine_json
        self._busy = False  # a start/restart runs on this engine's connection
        self._handle: Any = None
        self._handle = _open(engine_json)

    @classmethod
    def from_env(cls) -> "Engine":
        """An engine configured from the environment as the docker CLI and
        docker-py do: ``DOCKER_HOST`` (default the unix socket),
        ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH`` (default ``~/.docker`` with
        TLS) and ``DOCKER_API_VERSION``."""
        engine = cls.__new__(cls)
        engine._init("")
        return engine

    @classmethod
    def from_context(cls, name: str) -> "Engine":
        """The engine of Docker context ``name`` (``docker context ls``), from
        the docker CLI's store under ``DOCKER_CONFIG`` (default
        ``~/.docker``): its host, and its own TLS files when it has some, so
        engines with different certificates can be used side by side.
        ``"default"`` is :meth:`from_env`.

        Raises:
            NotFound: there is no such context.
            InvalidArgument: the context has no host, or TLS files are missing.
        """
        engine = cls.__new__(cls)
        engine._init(json.dumps({"context": str(name)}))
        return engine

    # ---- life of the handle ---------------------------------------------------

    def close(self) -> None:
        """Close the connection. Idempotent; the engine is unusable after."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            if self._handle is not None:
                _raw.engine_close(self._handle)
                self._handle = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return getattr(self, "_handle", None) is None

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else self.host
        return f"<v6node.Engine {state}>"

    def _h(self) -> Any:
        if self._handle is None:
            raise InvalidArgument("the engine is closed", code=_raw.ERR_INVAL, key="engine")
        if self._busy:  # only reachable from on_progress: other threads wait for the lock
            raise InvalidArgument(
                "the engine is busy with a start: use another Engine in on_progress",
                code=_raw.ERR_INVAL,
                key="engine",
            )
        return self._handle

    # ---- the engine itself ----------------------------------------------------

    @property
    def host(self) -> str:
        """The engine address, e.g. ``"unix:///var/run/docker.sock"``."""
        with self._lock:
            if self._handle is None:
                raise InvalidArgument("the engine is closed", code=_raw.ERR_INVAL, key="engine")
            return str(_raw.engine_host(self._handle))

    def ping(self) -> str:
        """Ask the engine for ``/_ping`` and return the API version in use
        (``"1.41"``).

        Raises:
            EngineUnavailable: no engine answers there.
            EngineError: the engine answered with an error.
        """
        with self._lock:
            return _core.take(_raw.engine_ping(self._h()))

    def request_count(self) -> int:
        """The number of HTTP requests this engine client has sent."""
        with self._lock:
            return int(_core.take(_raw.engine_request_count(self._h())))

    # ---- nodes ----------------------------------------------------------------

    def ensure_volumes(
        self,
        config: Optional[PathLike] = None,
        *,
        name: Optional[str] = None,
        system: bool = False,
        **options: Any,
    ) -> None:
        """Create the node's four volumes (data, vpn, ssh, squid) if they do
        not exist yet. Idempotent. Options as :func:`v6node.build_spec` (the
        volume names come from the spec).

        Raises:
            ConfigError, NotFound: as :func:`v6node.build_spec`.
            EngineError, EngineUnavailable: the engine failed or is absent.
        """
        path, node = _core.node_args(config, name)
        opts = _core.options_json(system=system, more=options)
        with self._lock:
            _core.take(_raw.volumes_ensure(self._h(), path, node, opts))

    def start(
        self,
        config: Optional[PathLike] = None,
        *,
        name: Optional[str] = None,
        system: bool = False,
        image: Optional[str] = None,
        keep: bool = False,
        force_db_mount: bool = False,
        mount_src: Optional[PathLike] = None,
        working_dir: Optional[PathLike] = None,
        pull: Optional[str] = None,
        on_progress: Optional[ProgressCallback] = None,
        **more_options: Any,
    ) -> StartResult:
        """Start a node, as ``v6 node start`` does: refuse a running node,
        create the data and log folders, choose and obtain the image, create
        the four volumes, replace a stopped container of the same name, create
        and start the container. If a step fails, what the start created is
        removed again.

        The start runs on a library thread; this method waits for it, calling
        ``on_progress`` with each :class:`Event` in this thread. Ctrl-C
        (KeyboardInterrupt) or an exception from ``on_progress`` cancels the
        start and is re-raised; ``on_progress`` returning ``False`` cancels it
        and raises :class:`Cancelled`. A cancelled start is undone (container
        and new volumes removed). The library thread runs ahead of the
        callback, so a cancel takes effect at the start's next step: once the
        container is created and being started, the start completes (it then
        returns normally, or the re-raised exception carries a note saying the
        node runs).

        Args:
            config, name, system, image, keep, force_db_mount, mount_src,
            working_dir, **more_options: as :func:`v6node.build_spec`.
            pull: how the image is obtained: ``"default"`` (as ``v6 node
                start``: try to pull, fall back to a local copy except for the
                default image), ``"missing"`` (pull only when absent),
                ``"always"``, ``"never"``.
            on_progress: called with each event (image chosen, pull progress,
                volumes, created, started, warnings).

        Returns:
            A :class:`StartResult` (container id, image and the rule that chose
            it, container and node name, warnings).

        Raises:
            ConfigError, NotFound: the config (as :func:`v6node.build_spec`),
                or the image does not exist (e.g. with ``pull="never"``).
            Conflict: the node is already running.
            EngineError: the engine refused a request.
            EngineUnavailable: no engine.
            IOFailure: the data or log folder could not be created.
            Cancelled: ``on_progress`` returned ``False``.
        """
        if pull is not None:
            more_options["pull"] = pull
        path, node = _core.node_args(config, name)
        opts = _core.options_json(
            system=system,
            image=image,
            keep=keep,
            force_db_mount=force_db_mount,
            mount_src=mount_src,
            working_dir=working_dir,
            more=more_options,
        )
        with self._lock:
            begun = _raw.start_begin(self._h(), path, node, opts)
            return self._run_node_op(begun, on_progress)

    def restart(
        self,
        config: Optional[PathLike] = None,
        *,
        name: Optional[str] = None,
        system: bool = False,
        image: Optional[str] = None,
        keep: bool = False,
        force_db_mount: bool = False,
        mount_src: Optional[PathLike] = None,
        working_dir: Optional[PathLike] = None,
        pull: Optional[str] = None,
        timeout: Optional[float] = None,
        force: bool = False,
        keep_volumes: bool = False,
        on_progress: Optional[ProgressCallback] = None,
        **more_options: Any,
    ) -> StartResult:
        """Stop the node if it runs (as :meth:`stop`), then start it from its
        config as it is now (as :meth:`start`). A node that is not running is
        just started. Arguments and errors as :meth:`start` and :meth:`stop`;
        the volume-name options are used for both."""
        if pull is not None:
            more_options["pull"] = pull
        path, node = _core.node_args(config, name)
        opts = _core.options_json(
            system=system,
            image=image,
            keep=keep,
            force_db_mount=force_db_mount,
            mount_src=mount_src,
            working_dir=working_dir,
            more=more_options,
        )
        stop = _stop_json(timeout, force, keep_volumes, more_options)
        with self._lock:
            begun = _raw.restart_begin(self._h(), path, node, opts, stop)
            return self._run_node_op(begun, on_progress)

    def _run_node_op(self, begun: Any, on_progress: Optional[ProgressCallback]) -> StartResult:
        """Wait for a start/restart operation, passing its events on."""
        _core.check(begun)
        op = _raw.result_take_op(begun)
        _raw.result_free(begun)
        warnings: List[str] = []
        self._busy = True
        try:
            return self._wait(op, on_progress, warnings)
        finally:
            self._busy = False

    def _wait(self, op: Any, on_progress: Optional[ProgressCallback],
              warnings: List[str]) -> StartResult:
        cancelled = False
        try:
            while not cancelled:
                item = _raw.op_next(op, _POLL_MS)
                if item is None:
                    if _raw.op_done(op):
                        break
                    continue
                try:
                    event = _event(item)
                finally:
                    _raw.item_free(item)
                if event.kind == "warning":
                    warnings.append(event.message)
                if on_progress is not None and on_progress(event) is False:
                    _raw.op_cancel(op)
                    cancelled = True
        except BaseException as exc:
            # Ctrl-C or the callback failed: cancel (the library undoes what
            # the start made), wait for it, then re-raise.
            _raw.op_cancel(op)
            result = _raw.op_finish(op)
            if _raw.result_code(result) == _raw.ERR_OK and hasattr(exc, "add_note"):
                exc.add_note(
                    "v6node: the start had already completed when it was cancelled; "
                    f"the node runs: {_raw.result_value(result)}"
                )
            _raw.result_free(result)
            raise
        # A start that completed before it saw a cancel request returns normally.
        value = _core.take(_raw.op_finish(op))
        started = json.loads(value)
        return StartResult(
            id=started["id"],
            image=started["image"],
            image_rule=started["image_rule"],
            container=started["container"],
            name=started["name"],
            vantage6_version=started["vantage6_version"],
            warnings=tuple(warnings),
        )

    def stop(
        self,
        name: str,
        *,
        system: bool = False,
        timeout: Optional[float] = None,
        force: bool = False,
        keep_volumes: bool = False,
        data_volume: Optional[str] = None,
        vpn_volume: Optional[str] = None,
        ssh_volume: Optional[str] = None,
        squid_volume: Optional[str] = None,
    ) -> Tuple[str, ...]:
        """Stop node ``name`` (its container ``vantage6-NAME-SCOPE``) as ``v6
        node stop`` does, then remove its four volumes unless
        ``keep_volumes``. Returns the warnings, e.g. volumes kept because a
        ``keep=True`` container still uses them.

        Args:
            name: the node name.
            system: system scope.
            timeout: seconds between SIGTERM and SIGKILL (default: the
                engine's, 10 s).
            force: kill at once.
            keep_volumes: keep the node's volumes.
            data_volume, vpn_volume, ssh_volume, squid_volume: the volumes to
                remove; by default the ones the node's container has mounted,
                whatever names it was started with.

        Raises:
            NotFound: the node is not running.
            EngineError, EngineUnavailable: the engine failed or is absent.
        """
        volumes = {
            "data_volume": data_volume,
            "vpn_volume": vpn_volume,
            "ssh_volume": ssh_volume,
            "squid_volume": squid_volume,
        }
        stop = _stop_json(timeout, force, keep_volumes, volumes)
        with self._lock:
            _, warnings = _core.take_with_warnings(
                _raw.stop(self._h(), name, "system" if system else "user", stop)
            )
        return warnings

    def status(
        self,
        config: Optional[PathLike] = None,
        *,
        name: Optional[str] = None,
        system: bool = False,
        **options: Any,
    ) -> Dict[str, Any]:
        """The status of a node and its **drift**: how its container differs
        from what its config (and ``options``) give now.

        Returns:
            What ``v6node status --json`` prints: ``{"name", "scope",
            "config", "state"`` (``"absent"``, ``"running"``, ``"stopped"``,
            ``"other"``), ``"status"`` (the engine's text), ``"container"``,
            ``"id"``, ``"image"``, ``"started_at"``, ``"finished_at"``,
            ``"exit_code"``, ``"drift"`` (a list of sentences)``}``.

        Raises:
            ConfigError, NotFound: as :func:`v6node.build_spec`.
            EngineError, EngineUnavailable: the engine failed or is absent.
        """
        path, node = _core.node_args(config, name)
        opts = _core.options_json(system=system, more=options)
        with self._lock:
            result: Dict[str, Any] = json.loads(
                _core.take(_raw.status(self._h(), path, node, opts))
            )
        return result

    def list(self) -> List[Dict[str, Any]]:
        """Every node this machine knows of, in one engine request: each config
        in the user and system vantage6 folders with the state of its
        container, and each node container without a config here.

        Returns:
            What ``v6node list --json`` prints: a list of ``{"name", "scope",
            "state", "status", "container", "id", "image", "config",
            "config_error"}`` (``config_error`` is set for a config that does
            not load).

        Raises:
            EngineError, EngineUnavailable, IOFailure.
        """
        with self._lock:
            nodes: List[Dict[str, Any]] = json.loads(_core.take(_raw.list(self._h())))
        return nodes

    def _container(
        self,
        name: Optional[str],
        config: Optional[PathLike],
        container: Optional[str],
        system: bool,
        options: Dict[str, Any],
    ) -> str:
        """The container of a node, as the library names it."""
        given = sum(x is not None for x in (name, config, container))
        if given != 1:
            raise InvalidArgument(
                "give exactly one of a node name, a config path and a container",
                code=_raw.ERR_INVAL,
                key="container",
            )
        if container is not None:
            return container
        if name is not None and not options:
            return container_name(name, system=system)  # no config needed
        spec = build_spec(config, name=name, system=system, **options)
        return str(spec["name"])

    def logs(
        self,
        name: Optional[str] = None,
        *,
        config: Optional[PathLike] = None,
        container: Optional[str] = None,
        system: bool = False,
        tail: Optional[int] = None,
        timestamps: bool = False,
        **options: Any,
    ) -> str:
        """The output of a node's container so far.

        Give exactly one of ``name`` (a node name), ``config`` (its config
        path) or ``container`` (a container name or id, e.g. from
        :meth:`list` for a node without a loadable config).

        Args:
            tail: only the last ``tail`` lines (default all).
            timestamps: prefix each line with the engine's timestamp.
            **options: start options that change the spec, as
                :func:`v6node.build_spec` (rarely needed).

        Raises:
            NotFound: no such container.
            EngineError, EngineUnavailable.
        """
        target = self._container(name, config, container, system, options)
        with self._lock:
            return _core.text(
                _core.take(
                    _raw.logs(self._h(), target, -1 if tail is None else int(tail),
                              1 if timestamps else 0)
                )
            )

    def follow_logs(
        self,
        name: Optional[str] = None,
        *,
        config: Optional[PathLike] = None,
        container: Optional[str] = None,
        system: bool = False,
        tail: Optional[int] = None,
        timestamps: bool = False,
        **options: Any,
    ) -> "LogStream":
        """Follow a node's output: an iterator of text chunks that ends when
        the container stops. Close it (:meth:`LogStream.close`, or use it as a
        context manager) to stop early; closing cancels the stream and waits
        for it. The stream has its own connection to the engine, so this
        engine stays usable meanwhile. Arguments as :meth:`logs`.

        Raises (when iterating):
            NotFound: no such container.
            EngineError, EngineUnavailable.
        """
        target = self._container(name, config, container, system, options)
        self._h()
        return LogStream(self._json, target, -1 if tail is None else int(tail), timestamps)

    def remove(
        self,
        config: Optional[PathLike] = None,
        *,
        name: Optional[str] = None,
        system: bool = False,
        **options: Any,
    ) -> Tuple[str, ...]:
        """Delete a node that is not running: its stopped container, its four
        volumes, its config file, and its data and log folders when they are
        the vantage6 default folders of this node. Returns the warnings (e.g. a
        folder set by ``directories`` that was kept).

        Raises:
            Conflict: the node is running.
            ConfigError, NotFound: as :func:`v6node.build_spec`.
            EngineError, EngineUnavailable, IOFailure.
        """
        path, node = _core.node_args(config, name)
        opts = _core.options_json(system=system, more=options)
        with self._lock:
            _, warnings = _core.take_with_warnings(_raw.remove(self._h(), path, node, opts))
        return warnings

    def clean(self, name: Optional[str] = None, *, system: bool = False) -> int:
        """Remove leftover temporary volumes of algorithm runs
        (``vantage6-NODE-SCOPE-JOB-tmpvol``): of node ``name`` in its scope, or
        of every node when ``name`` is None. Volumes in use are left.

        Returns:
            The number of volumes removed.
        """
        with self._lock:
            return int(
                _core.take(_raw.clean(self._h(), name or "", "system" if system else "user"))
            )


class LogStream(Iterator[str]):
    """The followed output of a container: iterate for text chunks (as they
    come, not split into lines). Ends when the container stops. Close it to
    stop early; also a context manager. Not shared between threads except
    for :meth:`close`, which any thread may call."""

    def __init__(self, engine_json: str, container: str, tail: int, timestamps: bool) -> None:
        self._lock = threading.Lock()
        self._op: Any = None
        self._engine: Any = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.container: str = container
        engine = _open(engine_json)
        try:
            begun = _core.check(_raw.logs_begin(engine, container, tail, 1, 1 if timestamps else 0))
        except BaseException:
            _raw.engine_close(engine)
            raise
        self._op = _raw.result_take_op(begun)
        _raw.result_free(begun)
        self._engine = engine

    def __iter__(self) -> "LogStream":
        return self

    def __next__(self) -> str:
        """The next chunk of output (waits for it); StopIteration when the
        container has stopped or the stream was closed. Raises NotFound,
        EngineError or EngineUnavailable if the stream failed."""
        while True:
            with self._lock:
                if self._op is None:
                    raise StopIteration
                item = _raw.op_next(self._op, _POLL_MS)
                if item is None:
                    if not _raw.op_done(self._op):
                        continue
                    rest = self._decoder.decode(b"", final=True)
                    self._finish(raise_error=True)
                    if rest:
                        return rest
                    raise StopIteration
                try:
                    data = _raw.item_text(item)
                finally:
                    _raw.item_free(item)
            chunk = self._decoder.decode(data.encode("utf-8", "surrogateescape"))
            if chunk:
                return chunk

    def _finish(self, raise_error: bool) -> None:
        """Join the stream's thread and release everything (lock held)."""
        op, engine = self._op, self._engine
        self._op = self._engine = None
        try:
            if op is not None:
                result = _raw.op_finish(op)
                if raise_error:
                    _core.take(result)
                else:
                    _raw.result_free(result)
        finally:
            if engine is not None:
                _raw.engine_close(engine)

    def close(self) -> None:
        """Stop following: cancel the stream and wait for it to end (about a
        second at most). Idempotent."""
        with self._lock:
            if self._op is not None:
                _raw.op_cancel(self._op)
            self._finish(raise_error=False)

    @property
    def closed(self) -> bool:
        """Whether the stream has ended or was closed."""
        return self._op is None

    def __enter__(self) -> "LogStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

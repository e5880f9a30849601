"""A node: one handle for a node's whole life (libv6node's v6n_node)."""
from __future__ import annotations

import codecs
import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, overload

from ._closing import Closing
from ._engine import Engine
from ._errors import NotFound, invalid
from ._options import Options, PathLike, c_options
from ._raw import fail, raw
from ._results import Event, StartResult, Status
from ._setup import checked_text

__all__ = ["Node", "LogStream", "ProgressCallback"]

#: Called with each :class:`Event` of a start, restart, stop or remove;
#: returning ``False`` cancels the call.
ProgressCallback = Callable[[Event], Optional[bool]]

# How long one wait for the next item of an operation lasts: short, so that
# Ctrl-C (KeyboardInterrupt) and close() are seen quickly.
_POLL_MS = 100


def _stop_options(timeout: Optional[float], force: bool, keep_volumes: bool) -> Any:
    if timeout is not None and timeout < 0:
        raise invalid("timeout must be >= 0 seconds", "timeout")
    ms = -1 if timeout is None else int(timeout * 1000)
    opts = raw.stop_options_new(ms, int(force), int(keep_volumes))
    if opts is None:
        fail("stop options")
    return opts


class _Outcome:
    """What an operation gave: its container id, the image event, warnings."""

    def __init__(self) -> None:
        self.id: Optional[str] = None
        self.image: Optional[Event] = None
        self.warnings: List[str] = []
        self.output = bytearray()


def _run(kind: int, handle: Any, client: Any, *, stop: Any = None, logs: Any = None,
         progress: Optional[ProgressCallback] = None) -> _Outcome:
    """Run operation `kind` on the library's worker thread, passing its
    events to `progress` in this thread; raise its error, with the warnings
    it gave. Ctrl-C or an exception from `progress` cancels it (a start
    undoes what it made), waits for it, and is re-raised."""
    out = _Outcome()
    op = raw.op_begin(kind, handle, client, stop, logs)
    if op is None:
        fail("operation")
    try:
        while True:
            item = raw.op_next(op, _POLL_MS)
            if item is None:
                if raw.op_done(op):
                    break
                continue
            try:
                if raw.op_item_is_log(item):
                    out.output += raw.op_item_data(item)
                    continue
                event = Event._of(item)
            finally:
                raw.op_item_free(item)
            if event.kind == "warning":
                out.warnings.append(event.message)
            elif event.kind == "image" and out.image is None:
                out.image = event
            if progress is not None and progress(event) is False:
                raw.op_cancel(op)
                break
    except BaseException as exc:
        raw.op_cancel(op)
        result = raw.op_finish(op)
        if raw.result_code(result) == raw.V6N_OK and kind in (raw.V6N_OP_START,
                                                               raw.V6N_OP_RESTART):
            if hasattr(exc, "add_note"):
                exc.add_note("v6node: the node had started before the cancel took effect; "
                             f"it runs in container {raw.result_id(result)}")
        raw.result_free(result)
        raise
    # A call that completed before it saw the cancel returns normally.
    result = raw.op_finish(op)
    try:
        if raw.result_code(result) != raw.V6N_OK:
            fail("operation", tuple(out.warnings))
        out.id = str(raw.result_id(result)) or None
    finally:
        raw.result_free(result)
    return out


class Node(Closing):
    """A vantage6 node: its name and scope, its config (when it has one) and
    the start options it is opened with.

    Open it by name (``Node("alpha")``: its config is ``alpha.yaml`` in the
    scope's vantage6 folder, or ``config_dir``), by config file
    (:meth:`from_config`), or by container (:meth:`from_container`, e.g. for
    a node :meth:`Engine.list` shows without a config). A node whose config
    is gone still opens: it can be inspected, followed, stopped and removed.

    Every call reads the config as it is on disk then. A node started by this
    library has a start record (its options, image and release line): status,
    drift and restart take the recorded options, so a node needs its options
    only to be started; options given here override the recorded ones that
    they set.

    Options are keyword arguments named as the library's table
    (:data:`v6node.OPTION_NAMES`, typed in :class:`v6node.Options`):
    ``image``, ``keep``, ``pull``, ``vantage6_version``, ``path_map``
    (``{local: host}``; also ``host_paths``), ``data_volume``...

    One thread at a time per node (calls from threads wait for each other);
    different nodes from different threads at once.
    """

    def __init__(self, name: str, *, system: bool = False,
                 config_dir: Optional[PathLike] = None, **options: Any) -> None:
        """Open node ``name``.

        Args:
            name: the node name (``[a-zA-Z0-9_.-]+``).
            system: system scope (``/etc/vantage6/node``, container
                ``vantage6-NAME-system``); default user scope.
            config_dir: look the config up in this folder instead of the
                scope's vantage6 folder.
            **options: start options (see the class).

        Raises:
            InvalidArgument: a bad name, an unknown option or a bad value.
            TypeError: an option of the wrong type.
        """
        extra: Dict[str, Any] = {}
        if system:
            extra["scope"] = "system"
        if config_dir is not None:
            extra["config_dir"] = config_dir
        self._setup("name", str(name), _merge(options, extra))

    @classmethod
    def from_config(cls, path: PathLike, **options: Any) -> "Node":
        """The node whose config is the file at ``path`` (its name is the
        file's stem).

        Raises:
            NotFound: no such file.
            InvalidArgument: a bad file name or option.
        """
        node = cls.__new__(cls)
        node._setup("config", os.fspath(path), options)
        return node

    @classmethod
    def from_container(cls, container: str, **options: Any) -> "Node":
        """The node whose container is ``container`` (``vantage6-NAME-user``
        or ``vantage6-NAME-system``); its config is looked up as
        ``Node(NAME)`` does.

        Raises:
            InvalidArgument: not a node's container name.
        """
        node = cls.__new__(cls)
        node._setup("container", str(container), options)
        return node

    def _setup(self, by: str, what: str, options: Dict[str, Any]) -> None:
        self._lock = threading.RLock()
        self._busy = False
        self._handle: Any = None
        self._by, self._what = by, what
        self._options = Options.of(**options)
        self._handle = self._open(self._options)

    def _open(self, options: Options) -> Any:
        opener = {"name": raw.node_open, "config": raw.node_open_config,
                  "container": raw.node_open_container}[self._by]
        with c_options(options) as c_opts:
            handle = opener(self._what, c_opts)
        if handle is None:
            fail("node")
        return handle

    @contextmanager
    def _use(self, engine: Optional[Engine] = None, busy: bool = False,
             options: Optional[Options] = None) -> Iterator[Tuple[Any, Any]]:
        """(node handle, engine client) for one call. With `options`, a
        handle of its own opened with them, freed after the call."""
        with self._lock:
            if self._handle is None:
                raise invalid("the node is closed", "node")
            if self._busy:
                raise invalid("the node is busy with a call whose progress callback this is",
                              "node")
            handle = self._handle if options is None else self._open(options)
            try:
                if engine is None:
                    yield handle, None
                    return
                with engine._use(busy) as client:
                    self._busy = busy
                    try:
                        yield handle, client
                    finally:
                        self._busy = False
            finally:
                if handle is not self._handle:
                    raw.node_free(handle)

    # ---- what the node is -------------------------------------------------------------

    @property
    def name(self) -> str:
        """The node name."""
        with self._use() as (handle, _):
            return str(raw.node_name(handle))

    @property
    def scope(self) -> str:
        """``"user"`` or ``"system"``."""
        with self._use() as (handle, _):
            return str(raw.scope_name(raw.node_scope(handle)))

    @property
    def system(self) -> bool:
        """Whether the node is in system scope."""
        return self.scope == "system"

    @property
    def container(self) -> str:
        """The node's container name, ``vantage6-NAME-SCOPE``."""
        with self._use() as (handle, _):
            return str(raw.node_container(handle))

    @property
    def config_path(self) -> Optional[Path]:
        """The config file, or ``None`` when the node has none here."""
        with self._use() as (handle, _):
            path = raw.node_config_path(handle)
        return Path(path) if path else None

    @property
    def options(self) -> Options:
        """The options the node was opened with."""
        return self._options

    def spec(self) -> Dict[str, Any]:
        """The node's container spec as it would be started now, built
        without any engine: what ``v6node spec`` prints, as Python data with
        the same keys in the same order: ``{"name": container name, "image":
        image, "volumes": [data, vpn, ssh, squid], "create": the engine's
        create-container request body}``.

        Raises:
            NotFound: the node has no config here.
            ConfigError: the config is invalid (``.key`` names the key).
            InvalidArgument: a bad option value (``.key`` names it).
        """
        with self._use() as (handle, _):
            text = raw.spec_json(handle)
            if text is None:
                fail("spec")
        spec: Dict[str, Any] = json.loads(text)
        return spec

    # ---- a node's life ----------------------------------------------------------------

    def start(self, engine: Engine, progress: Optional[ProgressCallback] = None) -> StartResult:
        """Start the node on ``engine``, as ``v6 node start`` does: refuse a
        running node, create the data and log folders, choose and get the
        image, create the four volumes, replace a stopped container of the
        same name, create and start the container, and record how it was
        started. If a step fails, what the start created is removed again.

        The start runs on a library thread; this method waits for it and
        calls ``progress`` with each :class:`Event` in this thread. Returning
        ``False`` from ``progress`` cancels the start (:class:`Cancelled`);
        Ctrl-C or an exception from ``progress`` cancels it and is re-raised.
        A cancelled start is undone; a cancel that comes once the container
        runs is too late, and the start completes.

        Raises:
            NotFound: no config here, or the image (pull ``"never"``).
            ConfigError, InvalidArgument: the config or an option.
            Conflict: the node runs already.
            EngineError, EngineUnavailable, IOFailure, Cancelled.
            Each carries the start's warnings (``.warnings``).
        """
        options = None
        socket = engine.docker_socket
        if socket and self._options.docker_socket is None:
            options = self._options.replace(docker_socket=socket)
        with self._use(engine, True, options) as (handle, client):
            out = _run(raw.V6N_OP_START, handle, client, progress=progress)
            return self._started(handle, out)

    def restart(self, engine: Engine, *, timeout: Optional[float] = None, force: bool = False,
                keep_volumes: bool = False,
                progress: Optional[ProgressCallback] = None) -> StartResult:
        """Stop the node if it runs (as :meth:`stop`), then start it from its
        config as it is now, with the options it was started with (its image
        and release line among them) unless the node's own options say
        otherwise. A node that is not running is just started. Progress,
        cancelling and errors as :meth:`start`."""
        stop = _stop_options(timeout, force, keep_volumes)
        try:
            with self._use(engine, True) as (handle, client):
                out = _run(raw.V6N_OP_RESTART, handle, client, stop=stop, progress=progress)
                return self._started(handle, out)
        finally:
            raw.stop_options_free(stop)

    def _started(self, handle: Any, out: _Outcome) -> StartResult:
        """The result of a start: the image event says which image and rule;
        the spec rebuilt over the new start record says the release line."""
        image = rule = line = None
        spec = raw.v6npy_node_spec(handle)
        if spec is not None:
            image = str(raw.node_spec_image(spec))
            rule = str(raw.image_rule_name(raw.node_spec_image_rule(spec)))
            line = str(raw.node_spec_vantage6_version(spec))
            raw.node_spec_free(spec)
        if out.image is not None:
            image, rule = out.image.image, StartResult._rule(out.image.message)
        return StartResult(id=out.id or "", image=image or "", image_rule=rule or "",
                           container=str(raw.node_container(handle)),
                           name=str(raw.node_name(handle)), vantage6_version=line,
                           warnings=tuple(out.warnings))

    def stop(self, engine: Engine, *, timeout: Optional[float] = None, force: bool = False,
             keep_volumes: bool = False,
             progress: Optional[ProgressCallback] = None) -> Tuple[str, ...]:
        """Stop the node's container, as ``v6 node stop`` does, then remove
        its four volumes (the ones its container has mounted) unless
        ``keep_volumes``. Needs no config. Returns the warnings (e.g. volumes
        kept because a ``keep=True`` container still uses them).

        Args:
            timeout: seconds between SIGTERM and SIGKILL (default the
                engine's, 10 s).
            force: kill at once.
            keep_volumes: keep the node's volumes.
            progress: as :meth:`start`.

        Raises:
            NotFound: the node is not running.
            EngineError, EngineUnavailable.
        """
        stop = _stop_options(timeout, force, keep_volumes)
        try:
            with self._use(engine, True) as (handle, client):
                return tuple(_run(raw.V6N_OP_STOP, handle, client, stop=stop,
                                  progress=progress).warnings)
        finally:
            raw.stop_options_free(stop)

    def remove(self, engine: Engine,
               progress: Optional[ProgressCallback] = None) -> Tuple[str, ...]:
        """Remove a node that is not running: its stopped container, its
        four volumes, its config file, and its data and log folders when they
        are the vantage6 default folders of this node (a folder set by
        ``directories`` or an option may be shared and is kept, with a
        warning). Needs no config. Returns the warnings.

        Raises:
            Conflict: the node runs.
            EngineError, EngineUnavailable, IOFailure.
        """
        with self._use(engine, True) as (handle, client):
            return tuple(_run(raw.V6N_OP_REMOVE, handle, client, progress=progress).warnings)

    def status(self, engine: Engine) -> Status:
        """The node's status and its drift: how its container differs from
        what its config gives now with the options it was started with. A
        node without a config (or with a database file gone) still has a
        status; :attr:`Status.drift_error` says why drift was not judged.

        Raises:
            EngineError, EngineUnavailable.
        """
        with self._use(engine) as (handle, client):
            st = raw.status_get(handle, client)
            if st is None:
                fail("status")
        try:
            return Status._of(st)
        finally:
            raw.node_status_free(st)

    def logs(self, engine: Engine, *, tail: Optional[int] = None,
             timestamps: bool = False) -> str:
        """The output of the node's container so far (needs no config).

        Args:
            tail: only the last ``tail`` lines (default all).
            timestamps: prefix each line with the engine's timestamp.

        Raises:
            NotFound: the node has no container.
            EngineError, EngineUnavailable.
        """
        logs = _logs_options(tail, False, timestamps)
        try:
            with self._use(engine, True) as (handle, client):
                out = _run(raw.V6N_OP_LOGS, handle, client, logs=logs)
        finally:
            raw.logs_options_free(logs)
        return out.output.decode("utf-8", "replace")

    @overload
    def follow_logs(self, engine: Engine, *, tail: Optional[int] = None,
                    timestamps: bool = False, on_output: None = None) -> "LogStream": ...

    @overload
    def follow_logs(self, engine: Engine, *, tail: Optional[int] = None,
                    timestamps: bool = False,
                    on_output: Callable[[str], Optional[bool]]) -> None: ...

    def follow_logs(self, engine: Engine, *, tail: Optional[int] = None,
                    timestamps: bool = False,
                    on_output: Optional[Callable[[str], Optional[bool]]] = None
                    ) -> "Optional[LogStream]":
        """Follow the node's output until its container stops.

        Without ``on_output``: a :class:`LogStream`, an iterator of text
        chunks (as they come, not split into lines); close it (or leave its
        ``with`` block) to stop early. With ``on_output``: call it with each
        chunk until the container stops or it returns ``False``. Ctrl-C stops
        either. The stream has its own connection to the engine and its own
        node handle, so both stay usable meanwhile.

        Raises (when iterating):
            NotFound: the node has no container.
            EngineError, EngineUnavailable.
        """
        stream = LogStream(engine, self.container, tail, timestamps)
        if on_output is None:
            return stream
        with stream:
            for chunk in stream:
                if on_output(chunk) is False:
                    break
        return None

    # ---- setting the node up -----------------------------------------------------------

    def _config_file(self, handle: Any, what: str) -> str:
        path = raw.node_config_path(handle)
        if not path:
            raise NotFound(f"{what}: node {raw.node_name(handle)} has no config here",
                           code=int(raw.V6N_ENOTFOUND))
        return str(path)

    def set_api_key(self, api_key: str) -> None:
        """Set the node's API key in its config file, as ``v6 node
        set-api-key`` does: only the bytes of the value change; every other
        byte, comments included, stays as it was. The file is replaced
        atomically and keeps its mode. The key is never part of a message.

        Raises:
            NotFound: the node has no config here.
            ConfigError: the config (or the edited config) does not load.
            InvalidArgument: an empty key, or one with a NUL character.
            IOFailure: the file cannot be written.
        """
        key = checked_text(api_key, "api_key")
        if not key:
            raise invalid("an API key is required", "api_key")
        with self._use() as (handle, _):
            path = self._config_file(handle, "set-api-key")
            if raw.config_set_api_key(path, key) != raw.V6N_OK:
                fail("set-api-key")

    def create_private_key(self, *, username: Optional[str] = None,
                           password: Optional[str] = None, mfa_code: Optional[str] = None,
                           organization: Optional[str] = None,
                           key_path: Optional[PathLike] = None, overwrite: bool = False,
                           upload: bool = True, timeout: Optional[float] = None) -> Path:
        """Set up the node's encryption key, as ``v6 node create-private-key``
        does: log in to the node's server as ``username`` when needed (to
        learn the organization, or to upload); make a 4096-bit RSA key (mode
        0600) unless the key file exists and ``overwrite`` is off (then the
        existing key is used); set ``encryption.private_key`` in the config to
        the key's absolute path (nothing else in the file changes); then,
        with ``upload``, set the organization's public key on the server.
        It logs in before it writes anything, so a wrong password changes
        nothing. If the upload fails the key and the config change stay: call
        it again without ``overwrite`` to upload the same key.

        The password and MFA code go only to the server; they are never in a
        message, and nothing here keeps them.

        Args:
            username, password: a user of the node's server (needed unless
                ``organization`` is given and ``upload`` is off).
            mfa_code: the two-factor code, when the server asks for one.
            organization: the key file is ``privkey_<organization>.pem`` in
                the scope's data folder (:func:`v6node.private_key_path`), and
                the upload goes to the organization of that name; default the
                user's own organization.
            key_path: write the key to this file instead.
            overwrite: make a new key even when the file exists.
            upload: upload the public key to the server.
            timeout: seconds per server request (default 10).

        Returns:
            The key file.

        Raises:
            AuthError: wrong username, password or MFA code; MFA not set up;
                not allowed to set that organization's key.
            EngineUnavailable: no server answers there (or not in time).
            EngineError: an unexpected answer (``.http_status``).
            NotFound: the node has no config; no organization of that name.
            Conflict, IOFailure, ConfigError: the key file or the config.
            InvalidArgument: no login where one is needed, a bad value.
        """
        user = None if username is None else checked_text(username, "username")
        secret = None if password is None else checked_text(password, "password")
        code = "" if mfa_code is None else checked_text(mfa_code, "mfa_code")
        org = "" if organization is None else checked_text(organization, "organization")
        key = "" if key_path is None else checked_text(key_path, "key_path", path=True)
        if user is not None and secret is None:
            raise invalid("a password is required with a username", "password")
        if user is None and (secret is not None or code):
            raise invalid("a password or MFA code needs a username", "username")
        if timeout is not None and (isinstance(timeout, bool) or timeout <= 0):
            raise invalid("timeout must be > 0 seconds", "timeout")
        ms = 0 if timeout is None else max(1, int(timeout * 1000))
        with self._use() as (handle, _):
            path = raw.node_private_key_create(handle, org, key, int(bool(overwrite)),
                                               int(bool(upload)), user, secret, code, ms)
            if path is None:
                fail("create-private-key")
        return Path(path)

    def version(self, engine: Engine) -> str:
        """The version of the running node, as ``v6 node version`` asks it:
        the output of ``vnode-local version`` in its container (through the
        engine's exec API). Needs no config.

        Raises:
            NotFound: the node is not running.
            EngineError: the command failed (the message has its output).
            EngineUnavailable.
        """
        with self._use(engine) as (handle, client):
            out = raw.node_version(handle, client)
            if out is None:
                fail("version")
        return str(out)

    # ---- life of the handle ------------------------------------------------------------

    def close(self) -> None:
        """Free the node's handle. Idempotent; the node is unusable after."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            if self._handle is not None:
                raw.node_free(self._handle)
                self._handle = None

    def __repr__(self) -> str:
        if getattr(self, "_handle", None) is None:
            return "<v6node.Node closed>"
        return f"<v6node.Node {self.name} ({self.scope}) config={self.config_path}>"


def _merge(options: Dict[str, Any], extra: Dict[str, Any]) -> Dict[str, Any]:
    for key, value in extra.items():
        if key in options and options[key] != value:
            raise invalid(f"option {key!r} given twice", key)
    return {**options, **extra}


def _logs_options(tail: Optional[int], follow: bool, timestamps: bool) -> Any:
    if tail is not None and (isinstance(tail, bool) or not isinstance(tail, int) or tail < 0):
        raise invalid("tail must be an int >= 0", "tail")
    opts = raw.logs_options_new(-1 if tail is None else tail, int(follow), int(timestamps))
    if opts is None:
        fail("logs options")
    return opts


class LogStream(Closing, Iterator[str]):
    """The followed output of a node's container: iterate for text chunks.
    Ends when the container stops; :meth:`close` (from any thread) stops it
    early. Also a context manager."""

    def __init__(self, engine: Engine, container: str, tail: Optional[int],
                 timestamps: bool) -> None:
        self._lock = threading.Lock()
        self._op: Any = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.container: str = container
        logs = _logs_options(tail, True, timestamps)
        self._node: Any = raw.node_open_container(container, None)
        if self._node is None:
            raw.logs_options_free(logs)
            fail("node")
        try:
            self._client: Any = engine._new_client()
            self._op = raw.op_begin(raw.V6N_OP_LOGS, self._node, self._client, None, logs)
            if self._op is None:
                fail("logs")
        except BaseException:
            self._release()
            raise
        finally:
            raw.logs_options_free(logs)

    def __iter__(self) -> "LogStream":
        return self

    def __next__(self) -> str:
        """The next chunk (waits for it); StopIteration once the container
        has stopped or the stream was closed. Raises NotFound, EngineError or
        EngineUnavailable if the stream failed."""
        try:
            while True:
                with self._lock:
                    if self._op is None:
                        raise StopIteration
                    item = raw.op_next(self._op, _POLL_MS)
                    if item is None:
                        if not raw.op_done(self._op):
                            continue
                        rest = self._decoder.decode(b"", final=True)
                        self._finish(raise_error=True)
                        if rest:
                            return rest
                        raise StopIteration
                    try:
                        data = raw.op_item_data(item) if raw.op_item_is_log(item) else b""
                    finally:
                        raw.op_item_free(item)
                chunk = self._decoder.decode(data)
                if chunk:
                    return chunk
        except (StopIteration, GeneratorExit):
            raise
        except BaseException:  # Ctrl-C while waiting: stop the stream first
            self.close()
            raise

    def _finish(self, raise_error: bool) -> None:
        """Join the stream's thread and free everything (lock held)."""
        op, self._op = self._op, None
        try:
            if op is not None:
                result = raw.op_finish(op)
                try:
                    if raise_error and raw.result_code(result) != raw.V6N_OK:
                        fail("logs")
                finally:
                    raw.result_free(result)
        finally:
            self._release()

    def _release(self) -> None:
        client, node = getattr(self, "_client", None), self._node
        self._client = self._node = None
        if client is not None:
            raw.client_free(client)
        if node is not None:
            raw.node_free(node)

    def close(self) -> None:
        """Stop following: cancel the stream and wait for it to end (about
        a second at most). Idempotent."""
        with self._lock:
            if self._op is not None:
                raw.op_cancel(self._op)
            self._finish(raise_error=False)

    @property
    def closed(self) -> bool:
        """Whether the stream has ended or was closed."""
        return self._op is None

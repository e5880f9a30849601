"""A Docker engine: one connection (a libv6node client)."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, List, Optional

from ._closing import Closing
from ._errors import invalid
from ._options import Options, PathLike, c_options
from ._raw import fail, raw
from ._results import ListEntry

__all__ = ["Engine"]


def _ms(seconds: Optional[float], what: str) -> int:
    if seconds is None:
        return 0
    if seconds <= 0:
        raise invalid(f"{what} must be > 0 seconds", what)
    return max(1, int(seconds * 1000))


class Engine(Closing):
    """A connection to one Docker engine.

    ``Engine()`` talks to ``unix:///var/run/docker.sock``, ``Engine(host)``
    to ``"unix:///path"``, ``"tcp://host:port"`` or ``"ssh://user@host[:port]"``
    (the docker CLI over ssh there); :meth:`from_env` reads
    ``DOCKER_HOST``, ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH`` and
    ``DOCKER_API_VERSION`` as the docker CLI does; :meth:`from_context` uses a
    Docker context. Nothing is sent before the first request, which
    negotiates the API version.

    Nodes are started, stopped and inspected through :class:`v6node.Node`,
    whose methods take the engine. When the engine is a unix socket, a node
    started on it gets that socket bound at ``/var/run/docker.sock``
    (:attr:`docker_socket`) unless the node has its own ``docker_socket``
    option.

    Close it with :meth:`close`, or use it as a context manager. Calls hold
    the engine's lock, so threads may share one Engine (their calls then run
    one after another); a followed log (:meth:`v6node.Node.follow_logs`) has
    a connection of its own.
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
        """Open a client for the engine at ``host``.

        Args:
            host: ``"unix:///path/docker.sock"``, ``"tcp://host:port"`` or
                ``"ssh://[user@]host[:port]"``
                (also ``http://``, ``https://``); default
                ``unix:///var/run/docker.sock``.
            tls: talk TLS to a tcp host.
            tls_verify: verify the engine's certificate against ``ca.pem``.
            cert_path: folder with ``ca.pem``, ``cert.pem``, ``key.pem``.
            api_version: pin the API version (``"1.41"``) instead of
                negotiating it.
            connect_timeout: seconds to wait for a connection (default 5).
            request_timeout: seconds an ordinary request may take (default
                60; pulls and log streams have no limit).

        Raises:
            InvalidArgument: a bad host or option (``.key`` names it).
        """
        cert = os.fspath(cert_path) if cert_path is not None else ""
        connect = _ms(connect_timeout, "connect_timeout")
        request = _ms(request_timeout, "request_timeout")
        self._setup(lambda: raw.client_new(host or "", int(tls), int(tls_verify), cert,
                                           api_version or "", connect, request))

    @classmethod
    def from_env(cls) -> "Engine":
        """The engine the environment names, as for the docker CLI and
        docker-py: ``DOCKER_HOST`` (default the unix socket),
        ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH`` (default ``~/.docker``
        with TLS) and ``DOCKER_API_VERSION``. A ``unix://`` ``DOCKER_HOST``
        is also the socket nodes started on it get bound
        (:attr:`docker_socket`)."""
        engine = cls.__new__(cls)
        engine._setup(raw.client_from_env)
        return engine

    @classmethod
    def from_context(cls, name: str) -> "Engine":
        """The engine of Docker context ``name`` (``docker context ls``), from
        the docker CLI's store under ``DOCKER_CONFIG`` (default
        ``~/.docker``), with its own TLS files when it has some.
        ``"default"`` is :meth:`from_env`.

        Raises:
            NotFound: no such context.
            InvalidArgument: the context has no host, or TLS files are missing.
        """
        engine = cls.__new__(cls)
        engine._setup(lambda: raw.client_from_context(str(name)))
        return engine

    def _setup(self, factory: Callable[[], Any]) -> None:
        self._lock = threading.RLock()
        self._busy = False
        self._client: Any = None
        self._factory = factory
        self._client = self._new_client()

    def _new_client(self) -> Any:
        """Another client for the same engine (a followed log has its own)."""
        client = self._factory()
        if client is None:
            fail("engine")
        return client

    @contextmanager
    def _use(self, busy: bool = False) -> Iterator[Any]:
        """The client, for one call; `busy` marks a long call whose progress
        callbacks run meanwhile in this thread."""
        with self._lock:
            if self._client is None:
                raise invalid("the engine is closed", "engine")
            if self._busy:  # only reachable from a progress callback: threads wait
                raise invalid("the engine is busy with a call whose progress callback this "
                              "is: use another Engine there", "engine")
            self._busy = busy
            try:
                yield self._client
            finally:
                self._busy = False

    # ---- the engine itself ----------------------------------------------------------

    @property
    def host(self) -> str:
        """The engine address, e.g. ``"unix:///var/run/docker.sock"``."""
        with self._use() as client:
            return str(raw.client_host(client))

    @property
    def docker_socket(self) -> Optional[str]:
        """The engine's unix socket (``"/var/run/docker.sock"``), or ``None``
        for a tcp engine: what a node started on this engine gets bound at
        ``/var/run/docker.sock`` unless its ``docker_socket`` option says
        otherwise."""
        with self._use() as client:
            path = raw.client_socket_path(client)
        return str(path) if path else None

    @property
    def api_version(self) -> Optional[str]:
        """The API version in use (``"1.41"``), or ``None`` before the first
        request."""
        with self._use() as client:
            version = raw.client_api_version(client)
        return str(version) if version else None

    def ping(self) -> str:
        """Ask the engine for ``/_ping`` and return the API version in use.

        Raises:
            EngineUnavailable: no engine answers there.
            EngineError: the engine answered with an error.
        """
        with self._use() as client:
            if raw.client_ping(client) != raw.V6N_OK:
                fail("ping")
            return str(raw.client_api_version(client))

    def list(self, config_dir: Optional[PathLike] = None,
             system: Optional[bool] = None) -> List[ListEntry]:
        """Every node this machine knows of, in one engine request: each
        config in the user and system vantage6 node folders (or, with
        ``config_dir``, in that folder) with the state of its container, and
        each node container without a config there.

        Args:
            config_dir: list the configs in this folder instead of the
                vantage6 folders; they are taken as the scope ``system`` says
                (default user).
            system: only the nodes of the system (``True``) or user
                (``False``) scope; default both.

        Raises:
            EngineError, EngineUnavailable, IOFailure.
        """
        opts = Options(config_dir=config_dir,
                       scope="system" if system and config_dir is not None else None)
        with c_options(opts) as c_opts, self._use() as client:
            lst = raw.list_get(client, c_opts)
            if lst is None:
                fail("list")
        try:
            entries = [ListEntry._of(lst, i) for i in range(raw.node_list_count(lst))]
        finally:
            raw.node_list_free(lst)
        if system is not None:
            entries = [e for e in entries if e.system == system]
        return entries

    # ---- life of the connection ------------------------------------------------------

    def close(self) -> None:
        """Close the connection. Idempotent; the engine is unusable after."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            if self._client is not None:
                raw.client_free(self._client)
                self._client = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return getattr(self, "_client", None) is None

    def __repr__(self) -> str:
        return "<v6node.Engine closed>" if self.closed else f"<v6node.Engine {self.host}>"

"""libv6node for Python: start and manage vantage6 node containers through
the Docker Engine API, built exactly as ``v6 node start`` builds them.

    import v6node
    with v6node.Engine.from_env() as engine, v6node.Node("alpha", image=IMAGE) as node:
        started = node.start(engine)
        print(node.status(engine).state, started.vantage6_version)

:class:`Node` is a node (by name, config file or container) with its start
options (:class:`Options`); its methods take the :class:`Engine` they act
on. The setup half of ``v6 node``: :func:`new_config` (``new``),
:meth:`Node.set_api_key`, :meth:`Node.create_private_key` and
:meth:`Node.version`. Results are dataclasses (:class:`StartResult`, :class:`Status`,
:class:`ListEntry`, :class:`Event`); errors raise subclasses of
:class:`Error`, with the call's warnings on them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from . import _errors
from ._engine import Engine
from ._errors import (
    AuthError,
    Cancelled,
    ConfigError,
    Conflict,
    EngineError,
    EngineUnavailable,
    Error,
    InvalidArgument,
    IOFailure,
    NotFound,
    OutOfMemory,
)
from ._node import LogStream, Node, ProgressCallback
from ._options import OPTION_NAMES, Options, PathLike, PathMap, option_help
from ._raw import fail as _fail
from ._raw import raw as _raw
from ._results import EVENT_KINDS, Event, ListEntry, StartResult, Status
from ._setup import (
    Database,
    DatabaseLike,
    data_folder,
    is_node_name,
    new_config,
    private_key_path,
    public_key,
    redact_uri,
    render_config,
)

#: The version of this package: the version of the libv6node it carries.
__version__: str = str(_raw.version())

#: The vantage6 release whose ``v6 node start`` the library reproduces by
#: default (the newest it knows); the ``vantage6_version`` option picks another.
VANTAGE6_VERSION: str = str(_raw.V6N_VANTAGE6_VERSION)


def _release_lines() -> Tuple[str, ...]:
    lines: List[str] = []
    while _raw.vantage6_release_line(len(lines)) is not None:
        lines.append(str(_raw.vantage6_release_line(len(lines))))
    return tuple(lines)


#: The vantage6 release lines the library builds, newest first (``("4.15",
#: "4.14", ...)``). Any of them, any of their releases, or ``"auto"`` may be
#: given as the ``vantage6_version`` option.
RELEASE_LINES: Tuple[str, ...] = _release_lines()


def library_version() -> str:
    """The version of the libv6node library loaded, e.g. ``"0.2.0"``."""
    return str(_raw.version())


def _scope(system: bool) -> int:
    return int(_raw.V6N_SCOPE_SYSTEM if system else _raw.V6N_SCOPE_USER)


def config_folder(system: bool = False) -> Path:
    """The folder of node configs of a scope, as vantage6 computes it (user:
    ``$XDG_CONFIG_HOME/vantage6/node``, system: ``/etc/vantage6/node``)."""
    folder = _raw.config_folder(_scope(system))
    if folder is None:
        _fail("config folder")
    return Path(folder)


def container_name(name: str, *, system: bool = False) -> str:
    """The container name of node ``name``: ``vantage6-NAME-SCOPE``.

    Raises:
        InvalidArgument: ``name`` is not a node name.
    """
    container = _raw.container_name(str(name), _scope(system))
    if container is None:
        _fail("container name")
    return str(container)


def build_spec(config: Optional[PathLike] = None, *, name: Optional[str] = None,
               system: bool = False, **options: Any) -> Dict[str, Any]:
    """The container spec of a node, built without any engine: what ``v6node
    spec`` prints. The same as ``Node(name, ...).spec()`` or
    ``Node.from_config(config, ...).spec()``: give exactly one of ``config``
    (a config file) and ``name``.

    Raises:
        InvalidArgument: both or neither of ``config`` and ``name``; a bad
            option.
        NotFound, ConfigError: as :meth:`Node.spec`.
    """
    if (config is None) == (name is None):
        raise _errors.invalid("give exactly one of a config path and a node name", "config")
    if config is not None:
        if system:
            options = {**options, "scope": "system"}
        node = Node.from_config(config, **options)
    else:
        node = Node(str(name), system=system, **options)
    with node:
        return node.spec()


__all__ = [
    "Node",
    "Engine",
    "Options",
    "OPTION_NAMES",
    "option_help",
    "PathLike",
    "PathMap",
    "Event",
    "EVENT_KINDS",
    "ProgressCallback",
    "StartResult",
    "Status",
    "ListEntry",
    "LogStream",
    "VANTAGE6_VERSION",
    "RELEASE_LINES",
    "library_version",
    "config_folder",
    "container_name",
    "build_spec",
    "Database",
    "DatabaseLike",
    "new_config",
    "render_config",
    "data_folder",
    "private_key_path",
    "public_key",
    "redact_uri",
    "is_node_name",
    # the exceptions (_errors.__all__), spelled out so that type checkers see
    # them as exported
    "Error",
    "ConfigError",
    "NotFound",
    "Conflict",
    "EngineError",
    "EngineUnavailable",
    "IOFailure",
    "InvalidArgument",
    "OutOfMemory",
    "Cancelled",
    "AuthError",
]
assert set(_errors.__all__) <= set(__all__), "an exception is missing from __all__"

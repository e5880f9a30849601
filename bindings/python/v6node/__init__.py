"""libv6node for Python: build and start vantage6 node containers exactly as
``v6 node start`` does, through the Docker Engine API.

    import v6node
    with v6node.Engine.from_env() as engine:
        print(engine.start(name="alpha").container)

:func:`build_spec` gives the container spec of a node without any engine (what
``v6node spec`` prints); :class:`Engine` starts, stops, restarts, inspects and
removes nodes. Errors raise subclasses of :class:`Error`.
"""
from . import _core, _errors
from ._errors import (
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
from ._spec import build_spec, config_folder, container_name, library_version
from ._engine import EVENT_KINDS, Engine, Event, LogStream, StartResult

__version__ = "0.1.0"

#: The vantage6 release whose ``v6 node start`` the library reproduces by
#: default (the newest it knows); ``vantage6_version=`` picks another.
VANTAGE6_VERSION: str = _core.raw.vantage6_version()

def _release_lines() -> tuple:
    lines = []
    while _core.raw.release_line(len(lines)) is not None:
        lines.append(_core.raw.release_line(len(lines)))
    return tuple(lines)


#: The vantage6 release lines the library builds, newest first: ``("4.15",
#: "4.14", ...)``. Any of them, any of their releases, or ``"auto"`` may be
#: given as ``vantage6_version=``.
RELEASE_LINES: tuple = _release_lines()

__all__ = [
    "build_spec",
    "config_folder",
    "container_name",
    "library_version",
    "Engine",
    "Event",
    "EVENT_KINDS",
    "StartResult",
    "LogStream",
    "VANTAGE6_VERSION",
    "RELEASE_LINES",
    *_errors.__all__,
]

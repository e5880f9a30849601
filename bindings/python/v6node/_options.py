"""The start options: libv6node's one table (V6N_START_OPTION_TABLE), read
from the library at import time, as a typed, frozen dataclass."""
from __future__ import annotations

import dataclasses
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from ._errors import invalid
from ._raw import fail, raw

__all__ = ["Options", "OPTION_NAMES", "option_help", "PathLike", "PathMap"]

PathLike = Union[str, "os.PathLike[str]"]
#: ``{local prefix: host prefix}`` or ``[(local, host), ...]``, in order.
PathMap = Union[Mapping[PathLike, PathLike], Iterable[Tuple[PathLike, PathLike]]]


def _read_table() -> Tuple[Tuple[str, str], ...]:
    rows: List[Tuple[str, str]] = []
    while True:
        name = raw.start_option_name(len(rows))
        if name is None:
            return tuple(rows)
        rows.append((str(name), str(raw.start_option_help(len(rows)))))


_TABLE = _read_table()

#: Every start option of the library, by its name in the table, in the
#: table's order: the keyword arguments :class:`v6node.Node` accepts.
OPTION_NAMES: Tuple[str, ...] = tuple(name for name, _ in _TABLE)
_HELP: Dict[str, str] = dict(_TABLE)

# Accepted for compatibility with earlier versions of this package.
_ALIASES = {"host_paths": "path_map"}


def option_help(name: str) -> str:
    """The library's help text of start option ``name``."""
    try:
        return _HELP[_ALIASES.get(name, name)]
    except KeyError:
        raise invalid(f"unknown option {name!r}", name) from None


@dataclass(frozen=True)
class Options:
    """Every start option, typed. A field left at its default (``None`` or
    ``False``) is the vantage6 default, and on a node that was started before
    it is the option the node was started with (its start record). The help
    of each field below is the library's own (:func:`option_help`)."""

    scope: Optional[str] = None
    image: Optional[str] = None
    keep: bool = False
    force_db_mount: bool = False
    mount_src: Optional[PathLike] = None
    vantage6_version: Optional[str] = None
    server_version: Optional[str] = None
    config_dir: Optional[PathLike] = None
    data_dir: Optional[PathLike] = None
    log_dir: Optional[PathLike] = None
    docker_socket: Optional[PathLike] = None
    data_volume: Optional[str] = None
    vpn_volume: Optional[str] = None
    ssh_volume: Optional[str] = None
    squid_volume: Optional[str] = None
    private_key: Optional[PathLike] = None
    path_map: Optional[PathMap] = None
    working_dir: Optional[PathLike] = None
    no_local_checks: bool = False
    pull: Optional[str] = None
    no_server_version: bool = False
    server_timeout_ms: Optional[int] = None
    server_attempts: Optional[int] = None
    # options of a newer library that this class does not have a field for
    # yet, as (name, text) pairs; see the option-table test
    _more: Tuple[Tuple[str, str], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.startswith("_") or value is None:
                continue
            object.__setattr__(self, f.name, _check(f.name, str(f.type), value))

    @classmethod
    def of(cls, **options: Any) -> "Options":
        """Options from keyword arguments named as the library's table
        (:data:`OPTION_NAMES`; ``host_paths`` is ``path_map``).

        Raises:
            InvalidArgument: an option the library does not have.
            TypeError: a value of the wrong type.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        typed: Dict[str, Any] = {}
        more: List[Tuple[str, str]] = []
        for key, value in options.items():
            name = _ALIASES.get(key, key)
            if name not in _HELP:
                raise invalid(f"unknown option {key!r} (the options: {', '.join(OPTION_NAMES)})",
                              key)
            if name in typed:
                raise invalid(f"option {name!r} given twice (as {key!r})", key)
            if name in known:
                typed[name] = value
            elif value is not None:
                more.append((name, str(value)))
        return cls(**typed, _more=tuple(more))

    def replace(self, **options: Any) -> "Options":
        """A copy with ``options`` changed (names as :meth:`of`)."""
        merged = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                  if not f.name.startswith("_")}
        more = dict(self._more)
        for key, value in options.items():
            name = _ALIASES.get(key, key)
            if name in merged:
                merged[name] = value
            else:
                more[name] = value
        result = Options.of(**merged, **more)
        return result

    def as_dict(self) -> Dict[str, Any]:
        """The options that are set (not at their default), by name."""
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not f.name.startswith("_") and value not in (None, False):
                out[f.name] = value
        out.update(self._more)
        return out

    def texts(self) -> Iterator[Tuple[str, str]]:
        """(name, text) pairs for the library's v6n_start_options_set(), one
        per path-map entry."""
        for name, value in self.as_dict().items():
            if name == "path_map":
                for local, host in value:
                    yield name, f"{local}={host}"
            elif isinstance(value, bool):
                yield name, "true" if value else "false"
            else:
                yield name, str(value)


def _path(name: str, value: Any) -> str:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    raise TypeError(f"option {name} must be a str or a path, not {type(value).__name__}")


def _check(name: str, kind: str, value: Any) -> Any:
    """A value of field `name` (annotated `kind`), checked and normalised:
    paths become str, a path map a tuple of (local, host) pairs."""
    if "PathMap" in kind:
        if isinstance(value, Mapping):
            pairs: Iterable[Any] = value.items()
        elif isinstance(value, (str, bytes)):
            raise TypeError(f"option {name} must be a mapping {{local: host}} or "
                            "(local, host) pairs")
        else:
            pairs = value
        out = []
        for pair in pairs:
            local, host = pair
            out.append((_path(name, local), _path(name, host)))
        return tuple(out)
    if "PathLike" in kind:
        return _path(name, value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"option {name} must be a bool, not {type(value).__name__}")
        return value
    if "int" in kind:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"option {name} must be an int, not {type(value).__name__}")
        return value
    if not isinstance(value, str):
        raise TypeError(f"option {name} must be a str, not {type(value).__name__}")
    return value


Options.__doc__ = (Options.__doc__ or "") + "\n\n    Fields:\n" + "".join(
    f"        {name}: {help_}\n" for name, help_ in _TABLE)


@contextmanager
def c_options(options: Options, **more: Optional[str]) -> Iterator[Any]:
    """The library's start options struct with `options` (and `more`, as
    text) set, freed on leaving."""
    opts = raw.options_new()
    if opts is None:
        fail("start options")
    try:
        pairs = list(options.texts()) + [(k, v) for k, v in more.items() if v is not None]
        for key, value in pairs:
            if raw.start_options_set(opts, key, value) != raw.V6N_OK:
                fail(f"option {key}")
        yield opts
    finally:
        raw.options_free(opts)

"""Plumbing between the idiomatic layer and the generated module: results to
values or exceptions, keyword options to the JSON the binding layer reads."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from ._errors import make_error
from ._native import v6nraw as _v6nraw

#: The generated module. Typed as Any: SWIG writes no annotations, and nobody
#: outside this package touches it.
raw: Any = _v6nraw
_raw = raw

PathLike = Union[str, "os.PathLike[str]"]

# The start options glue.h lists, with how each is checked here before it goes
# to the library (which checks them again and names the key at fault).
_STRING_OPTIONS = frozenset(
    {
        "image",
        "mount_src",
        "server_version",
        "data_dir",
        "log_dir",
        "docker_socket",
        "data_volume",
        "vpn_volume",
        "ssh_volume",
        "squid_volume",
        "private_key",
        "working_dir",
        "pull",
        "vantage6_version",
    }
)
_BOOL_OPTIONS = frozenset({"keep", "force_db_mount", "no_server_version"})
_INT_OPTIONS = frozenset({"server_timeout_ms", "server_attempts"})
VOLUME_OPTIONS = ("data_volume", "vpn_volume", "ssh_volume", "squid_volume")


def take(result: Any) -> str:
    """Return the value of a binding-layer result, or raise its error. The
    result is freed either way."""
    try:
        code = _raw.result_code(result)
        if code != _raw.ERR_OK:
            raise make_error(
                code,
                str(_raw.result_message(result)),
                str(_raw.result_key(result)),
                int(_raw.result_http_status(result)),
            )
        return str(_raw.result_value(result))
    finally:
        _raw.result_free(result)


def take_with_warnings(result: Any) -> Tuple[str, Tuple[str, ...]]:
    """As :func:`take`, with the warnings the call reported."""
    warnings = tuple(str(w) for w in json.loads(str(_raw.result_warnings(result))))
    return take(result), warnings


def check(result: Any) -> Any:
    """Raise the error of a failed result (freeing it); return a successful
    result as is, for the caller to take its engine or operation from."""
    if _raw.result_code(result) != _raw.ERR_OK:
        take(result)  # raises
    return result


def text(raw: str) -> str:
    """Text that crossed the boundary: the generated module decodes C strings
    as UTF-8 with 'surrogateescape'; undo that and decode leniently."""
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _path(value: Any, what: str) -> str:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    raise TypeError(f"{what} must be a str or a path, not {type(value).__name__}")


def host_paths_json(value: Any) -> Dict[str, str]:
    """`host_paths` as the library reads it: {local prefix: host prefix}, in
    order. Accepts a mapping or an iterable of (local, host) pairs."""
    pairs: Iterable[Tuple[Any, Any]]
    if isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, (str, bytes)):
        raise TypeError("host_paths must be a mapping {local: host} or (local, host) pairs")
    else:
        pairs = value
    out: Dict[str, str] = {}
    for local, host in pairs:
        out[_path(local, "a host_paths prefix")] = _path(host, "a host_paths prefix")
    return out


def options_json(
    *,
    system: bool = False,
    image: Optional[str] = None,
    keep: bool = False,
    force_db_mount: bool = False,
    mount_src: Optional[PathLike] = None,
    working_dir: Optional[PathLike] = None,
    more: Optional[Mapping[str, Any]] = None,
) -> str:
    """The start options object of glue.h, as JSON. Unset options are left
    out; unknown keys are passed on so the library names them in its error."""
    opts: Dict[str, Any] = {"scope": "system" if system else "user"}
    if image is not None:
        opts["image"] = image
    if keep:
        opts["keep"] = True
    if force_db_mount:
        opts["force_db_mount"] = True
    if mount_src is not None:
        opts["mount_src"] = _path(mount_src, "mount_src")
    if working_dir is not None:
        opts["working_dir"] = _path(working_dir, "working_dir")
    for key, value in (more or {}).items():
        if value is None:
            continue
        if key == "host_paths":
            opts[key] = host_paths_json(value)
        elif key in _STRING_OPTIONS:
            opts[key] = _path(value, key) if key != "pull" else str(value)
        elif key in _BOOL_OPTIONS:
            opts[key] = bool(value)
        elif key in _INT_OPTIONS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{key} must be an int")
            opts[key] = value
        else:
            opts[key] = value  # the library rejects it, naming the key
    return json.dumps(opts)


def node_args(config: Optional[PathLike], name: Optional[str]) -> Tuple[str, str]:
    """The (config path, node name) pair of the binding layer: exactly one of
    them non-empty (the library says so when not)."""
    return (_path(config, "config") if config is not None else "", name or "")

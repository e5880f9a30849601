"""The exceptions of :mod:`v6node`, one class per libv6node error code."""
from __future__ import annotations

from typing import Any, Dict, Optional, Type

from ._native import v6nraw as _v6nraw

_raw: Any = _v6nraw  # the generated module (untyped)

__all__ = [
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
]


class Error(Exception):
    """Base class of every error libv6node reports.

    Attributes:
        message: the library's message; it names the file, key or value at fault.
        code: the libv6node error code (a negative int, e.g. -2 for V6N_ECONFIG).
        code_name: the code's name, e.g. ``"V6N_ECONFIG"``.
        key: the config key or option at fault (``"databases[1].mount_mode"``),
            or ``None`` when the error is not about one key.
        http_status: the HTTP status of the failed engine request, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int = -1,
        key: Optional[str] = None,
        http_status: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: int = code
        self.key: Optional[str] = key or None
        self.http_status: Optional[int] = http_status or None

    @property
    def code_name(self) -> str:
        """The name of :attr:`code`, e.g. ``"V6N_ENOTFOUND"``."""
        return str(_raw.error_code_name(self.code))

    def __repr__(self) -> str:
        extra = ""
        if self.key:
            extra += f", key={self.key!r}"
        if self.http_status:
            extra += f", http_status={self.http_status}"
        return f"{type(self).__name__}({self.message!r}, code_name={self.code_name!r}{extra})"


class ConfigError(Error):
    """The node config (or a start option derived from it) is invalid: invalid
    YAML, a missing or invalid key (see :attr:`Error.key`), a database file or
    key file that does not exist, a bad node name..."""


class NotFound(Error):
    """Something named does not exist: a config file or node name, a node that
    is not running (stop), a container (logs), an image (start with pull
    ``"never"``, or an image no registry has)."""


class Conflict(Error):
    """The operation conflicts with the node's state, e.g. starting a node that
    is already running, or removing a node that runs."""


class EngineError(Error):
    """The Docker engine refused or failed a request (:attr:`Error.http_status`
    tells which status it answered)."""


class EngineUnavailable(EngineError):
    """The Docker engine (or the vantage6 server asked for its version) could
    not be reached, or did not answer in time."""


class IOFailure(Error):
    """Reading or writing a local file or folder failed (e.g. the node's data
    or log folder could not be created)."""


class InvalidArgument(Error, ValueError):
    """A caller passed an invalid argument: an unknown or mistyped option, both
    or neither of a config path and a node name, a closed engine..."""


class OutOfMemory(Error, MemoryError):
    """The library ran out of memory."""


class Cancelled(Error):
    """The operation was cancelled (a progress callback returned ``False``);
    what it had created was removed again."""


_BY_CODE: Dict[int, Type[Error]] = {
    _raw.ERR_ERROR: Error,
    _raw.ERR_CONFIG: ConfigError,
    _raw.ERR_NOTFOUND: NotFound,
    _raw.ERR_CONFLICT: Conflict,
    _raw.ERR_ENGINE: EngineError,
    _raw.ERR_IO: IOFailure,
    _raw.ERR_NOMEM: OutOfMemory,
    _raw.ERR_INVAL: InvalidArgument,
    _raw.ERR_UNAVAILABLE: EngineUnavailable,
    _raw.ERR_CANCELLED: Cancelled,
}


def error_class(code: int) -> Type[Error]:
    """The exception class for a libv6node error code (:class:`Error` for an
    unknown one)."""
    return _BY_CODE.get(code, Error)


def make_error(code: int, message: str, key: str = "", http_status: int = 0) -> Error:
    """Build the exception for a failed call."""
    return error_class(code)(message or str(_raw.error_code_name(code)), code=code, key=key,
                             http_status=http_status)

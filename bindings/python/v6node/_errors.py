"""The exceptions of :mod:`v6node`: one class per libv6node error code."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple, Type

from ._native import v6nraw as _v6nraw

_raw: Any = _v6nraw

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
    "AuthError",
]


class Error(Exception):
    """Base class of every error libv6node reports.

    Attributes:
        message: the library's message; it names the file, key or value at fault.
        code: the libv6node error code (negative, e.g. -2 for ``V6N_ECONFIG``).
        code_name: the code's name, e.g. ``"V6N_ECONFIG"``.
        key: the config key or option at fault (``"databases[1].mount_mode"``,
            ``"pull"``), or ``None`` when the error is not about one key.
        http_status: the HTTP status of the failed engine request, or ``None``.
        warnings: the warnings the failed call gave before it failed (e.g. a
            Docker credentials file that could not be used before a pull
            failed), oldest first.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int = -1,
        key: Optional[str] = None,
        http_status: Optional[int] = None,
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: int = code
        self.key: Optional[str] = key or None
        self.http_status: Optional[int] = http_status or None
        self.warnings: Tuple[str, ...] = tuple(warnings)

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
        if self.warnings:
            extra += f", warnings={self.warnings!r}"
        return f"{type(self).__name__}({self.message!r}, code_name={self.code_name!r}{extra})"


class ConfigError(Error):
    """The node config (or a start option derived from it) is invalid: invalid
    YAML, a missing or invalid key (see :attr:`Error.key`), a database file or
    key file that does not exist, a bad node name..."""


class NotFound(Error):
    """Something named does not exist: a node's config (calls that need one),
    a node that is not running (stop), a container (logs), an image (start
    with pull ``"never"``, or an image no registry has), a Docker context."""


class Conflict(Error):
    """The call conflicts with the node's state: starting a node that runs,
    removing a node that runs."""


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
    """A caller passed an invalid argument: an unknown option or a value of
    the wrong form (:attr:`Error.key` names it), a bad node or container name,
    a closed engine, an engine or node busy with another call."""


class OutOfMemory(Error, MemoryError):
    """The library ran out of memory."""


class Cancelled(Error):
    """The call was cancelled (a progress callback returned ``False``); what a
    start had created was removed again."""


class AuthError(Error):
    """The vantage6 server refused the user: a wrong username, password or
    MFA code, MFA that must first be set up in the server's UI, or a user who
    may not do that (e.g. set another organization's public key). The
    message is the server's; it never holds the password."""


_BY_CODE: Dict[int, Type[Error]] = {
    _raw.V6N_ERROR: Error,
    _raw.V6N_ECONFIG: ConfigError,
    _raw.V6N_ENOTFOUND: NotFound,
    _raw.V6N_ECONFLICT: Conflict,
    _raw.V6N_EENGINE: EngineError,
    _raw.V6N_EIO: IOFailure,
    _raw.V6N_ENOMEM: OutOfMemory,
    _raw.V6N_EINVAL: InvalidArgument,
    _raw.V6N_EUNAVAILABLE: EngineUnavailable,
    _raw.V6N_ECANCELLED: Cancelled,
    _raw.V6N_EAUTH: AuthError,
}


def error_class(code: int) -> Type[Error]:
    """The exception class of a libv6node error code (:class:`Error` for one
    this package does not know)."""
    return _BY_CODE.get(code, Error)


def make_error(code: int, message: str, *, key: str = "", http_status: int = 0,
               warnings: Sequence[str] = ()) -> Error:
    """The exception of a failed call."""
    text = message.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return error_class(code)(text or str(_raw.error_code_name(code)), code=code, key=key,
                             http_status=http_status, warnings=warnings)


def invalid(message: str, key: str) -> InvalidArgument:
    """An InvalidArgument raised by this package itself (as the library would)."""
    return InvalidArgument(message, code=int(_raw.V6N_EINVAL), key=key)

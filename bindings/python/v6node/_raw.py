"""Internal plumbing between the package and the generated module: the module
itself, the error of the last failed call, and text that crossed from C."""
from __future__ import annotations

from typing import Any, NoReturn

from ._errors import make_error
from ._native import v6nraw as _v6nraw

#: The generated module, typed as Any: SWIG writes no annotations, and nothing
#: outside this package touches it.
raw: Any = _v6nraw


def fail(what: str, warnings: "tuple[str, ...]" = ()) -> NoReturn:
    """Raise the error of the call that just failed on this thread (the
    library keeps it per thread, until the next failure)."""
    err = raw.error_last()
    code = int(err.code)
    if code == raw.V6N_OK:  # a helper that failed without saying why: memory
        code, message, key, status = raw.V6N_ENOMEM, f"{what}: out of memory", "", 0
    else:
        message, key, status = str(err.message), str(err.key or ""), int(err.http_status)
    raise make_error(code, message, key=key, http_status=status, warnings=warnings)


def text(value: "str | None") -> "str | None":
    """A C string as text. The generated module decodes C strings as UTF-8
    with 'surrogateescape' (bytes that are not UTF-8 survive as surrogates):
    show those as U+FFFD instead, as a message or a name is for display."""
    if value is None:
        return None
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

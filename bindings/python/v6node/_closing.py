"""What every object that holds a libv6node handle shares: ``close()`` as a
context manager, and at garbage collection."""
from __future__ import annotations

from typing import Any, TypeVar

_C = TypeVar("_C", bound="Closing")


class Closing:
    """Base of Engine, Node and LogStream; each defines an idempotent close()."""

    def close(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

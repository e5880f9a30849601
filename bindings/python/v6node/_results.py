"""What the calls return: events, start results, a node's status, list entries."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from ._raw import raw, text

__all__ = ["Event", "EVENT_KINDS", "StartResult", "Status", "ListEntry"]

# The event kinds of the header (V6N_EVENT_IMAGE -> "image"), read from the
# generated module, so a kind the library adds is named without a change here.
_KIND_NAMES: Dict[int, str] = {
    int(getattr(raw, n)): n[len("V6N_EVENT_"):].lower()
    for n in dir(raw) if n.startswith("V6N_EVENT_")
}

#: Every value :attr:`Event.kind` can take.
EVENT_KINDS: Tuple[str, ...] = tuple(_KIND_NAMES[k] for k in sorted(_KIND_NAMES))

# The image rules, by the description the image event carries ("the image
# option" -> "option").
_RULES: Dict[str, str] = {
    str(raw.image_rule_describe(int(getattr(raw, n)))): str(raw.image_rule_name(int(getattr(raw, n))))
    for n in dir(raw) if n.startswith("V6N_IMAGE_")
}


@dataclass(frozen=True)
class Event:
    """One step of a start, restart, stop or remove, as given to a
    ``progress`` callback.

    Attributes:
        kind: what happened, one of :data:`EVENT_KINDS`: ``"image"`` (the
            image was chosen; ``message`` says by which rule), ``"pull_start"``,
            ``"pull_progress"`` (``id`` is the layer, ``message`` its status,
            ``current``/``total`` bytes when known), ``"pull_done"``,
            ``"warning"``, ``"volume"`` (``id`` is the volume; ``current`` is 1
            when it was created), ``"removed"`` (a stale stopped container),
            ``"created"``, ``"started"``, ``"stopped"`` (``id`` is the
            container), ``"volume_removed"``, ``"path_removed"``.
        message: a human-readable text ("" when none).
        id: a layer, volume, container id or path ("" when not applicable).
        image: the image concerned ("" when not applicable).
        current: progress so far (bytes), or a flag (see ``kind``).
        total: the total (bytes) when known, else 0.
    """

    kind: str
    message: str = ""
    id: str = ""
    image: str = ""
    current: int = 0
    total: int = 0

    @classmethod
    def _of(cls, item: Any) -> "Event":
        kind = int(raw.op_item_kind(item))
        return cls(kind=_KIND_NAMES.get(kind, str(kind)),
                   message=text(raw.op_item_message(item)) or "",
                   id=text(raw.op_item_id(item)) or "",
                   image=text(raw.op_item_image(item)) or "",
                   current=int(raw.op_item_current(item)),
                   total=int(raw.op_item_total(item)))


@dataclass(frozen=True)
class StartResult:
    """A node that was started (or restarted).

    Attributes:
        id: the container id.
        image: the image it runs.
        image_rule: the rule that chose the image: ``"option"``, ``"config"``
            (``images.node``), ``"server"`` (the server's version) or
            ``"default"``.
        container: the container name, ``vantage6-NAME-SCOPE``.
        name: the node name.
        vantage6_version: the vantage6 release line the node was built as
            (``"4.15"``), or ``None`` when it could not be read back.
        warnings: the messages of the start's ``"warning"`` events.
    """

    id: str
    image: str
    image_rule: str
    container: str
    name: str
    vantage6_version: Optional[str] = None
    warnings: Tuple[str, ...] = field(default=())

    @staticmethod
    def _rule(description: str) -> str:
        return _RULES.get(description, description)


_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def parse_time(value: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 time as the engine gives it (nanoseconds, ``Z``) as an
    aware datetime (microseconds); None for None or a form it does not know."""
    m = _TIME.match(value or "")
    if not m:
        return None
    fraction = (m.group(2) or "")[:6].ljust(6, "0")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(f"{m.group(1)}.{fraction}{zone}")


def _path(value: Optional[str]) -> Optional[Path]:
    return Path(value) if value else None


@dataclass(frozen=True)
class Status:
    """The status of one node (:meth:`v6node.Node.status`).

    Attributes:
        name: the node name.
        scope: ``"user"`` or ``"system"``.
        config: the config file, or ``None`` when the node has none here.
        state: ``"absent"`` (no container), ``"running"`` (also paused or
            restarting: see ``status``), ``"stopped"`` or ``"other"``.
        status: the engine's state text (``"running"``, ``"exited"``...), or
            ``"absent"``.
        container: the container name, ``vantage6-NAME-SCOPE``.
        id: the container id, or ``None`` without a container.
        image: the container's image, or ``None``.
        created_at, started_at, finished_at: aware datetimes (UTC), or
            ``None`` where the engine has no such time.
        exit_code: the exit code of a container that is not running, else
            ``None``.
        vantage6_version: the vantage6 release line the node was built as
            (``"4.15"``), or ``None``.
        labels: the container's labels, in the engine's order.
        ports: published ports, ``"CONTAINER_PORT/PROTO -> HOST_IP:HOST_PORT"``.
        drift: how the container differs from what the node's config gives
            now with the options it was started with, one sentence each.
        drift_error: why drift could not be judged (no config here, a
            database file gone...), or ``None`` when it was.
    """

    name: str
    scope: str
    config: Optional[Path]
    state: str
    status: str
    container: str
    id: Optional[str] = None
    image: Optional[str] = None
    created_at: Optional[datetime] = None
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    exit_code: Optional[int] = None
    vantage6_version: Optional[str] = None
    labels: Dict[str, str] = field(default_factory=dict)
    ports: Tuple[str, ...] = ()
    drift: Tuple[str, ...] = ()
    drift_error: Optional[str] = None

    @classmethod
    def _of(cls, st: Any) -> "Status":
        state = str(raw.node_state_name(raw.node_status_state(st)))
        labels = {
            str(raw.node_status_label_key(st, i)): str(raw.node_status_label_value(st, i))
            for i in range(raw.node_status_label_count(st))
        }
        return cls(
            name=str(raw.node_status_name(st)),
            scope=str(raw.scope_name(raw.node_status_scope(st))),
            config=_path(raw.node_status_config(st)),
            state=state,
            status=str(raw.node_status_text(st)),
            container=str(raw.node_status_container(st)),
            id=raw.node_status_container_id(st),
            image=raw.node_status_image(st),
            created_at=parse_time(raw.node_status_created_at(st)),
            started_at=parse_time(raw.node_status_started_at(st)),
            finished_at=parse_time(raw.node_status_finished_at(st)),
            exit_code=(None if state in ("absent", "running")
                       else int(raw.node_status_exit_code(st))),
            vantage6_version=raw.node_status_vantage6_version(st),
            labels=labels,
            ports=tuple(str(raw.node_status_port(st, i))
                        for i in range(raw.node_status_port_count(st))),
            drift=tuple(text(raw.node_status_drift(st, i)) or ""
                        for i in range(raw.node_status_drift_count(st))),
            drift_error=text(raw.node_status_drift_error(st)),
        )


@dataclass(frozen=True)
class ListEntry:
    """One node of :meth:`v6node.Engine.list`: a config in a vantage6 node
    folder (with the state of its container), or a node container without a
    config here.

    Attributes:
        name, scope, state, status: as :class:`Status`.
        container: the container name, ``vantage6-NAME-SCOPE``.
        id, image, created_at: of the container, ``None`` without one.
        config: the config file, or ``None`` for a container without one here.
        config_error: why the config does not load, or ``None``.
    """

    name: str
    scope: str
    state: str
    status: str
    container: str
    id: Optional[str] = None
    image: Optional[str] = None
    created_at: Optional[datetime] = None
    config: Optional[Path] = None
    config_error: Optional[str] = None

    @property
    def system(self) -> bool:
        """Whether the node is in system scope."""
        return self.scope == "system"

    @classmethod
    def _of(cls, lst: Any, i: int) -> "ListEntry":
        return cls(
            name=str(raw.node_list_name(lst, i)),
            scope=str(raw.scope_name(raw.node_list_scope(lst, i))),
            state=str(raw.node_state_name(raw.node_list_state(lst, i))),
            status=str(raw.node_list_status_text(lst, i) or
                       raw.node_state_name(raw.node_list_state(lst, i))),
            container=str(raw.node_list_container_name(lst, i)),
            id=raw.node_list_container_id(lst, i),
            image=raw.node_list_image(lst, i),
            created_at=parse_time(raw.node_list_created_at(lst, i)),
            config=_path(raw.node_list_config_path(lst, i)),
            config_error=text(raw.node_list_config_error(lst, i)),
        )

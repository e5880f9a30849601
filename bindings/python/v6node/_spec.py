"""Container specs, built without an engine."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

from . import _core
from ._core import PathLike
from ._core import raw as _raw

__all__ = ["build_spec", "library_version", "config_folder", "container_name"]


def build_spec(
    config: Optional[PathLike] = None,
    *,
    name: Optional[str] = None,
    system: bool = False,
    image: Optional[str] = None,
    keep: bool = False,
    force_db_mount: bool = False,
    mount_src: Optional[PathLike] = None,
    working_dir: Optional[PathLike] = None,
    vantage6_version: Optional[str] = None,
    **more_options: Any,
) -> Dict[str, Any]:
    """Build the container spec of a node, exactly as ``v6 node start`` would
    create it, without talking to any engine or server.

    Give exactly one of ``config`` (a path to the node's YAML file; the node
    name is its stem) and ``name`` (looked up in the scope's vantage6 config
    folder, then the current directory).

    Args:
        config: path of the node config file.
        name: node name, instead of ``config``.
        system: system scope (``/etc/vantage6/node``, container
            ``vantage6-NAME-system``) instead of user scope.
        image: the node image; overrides ``images.node`` and the server rule.
        keep: keep the container when the node stops (no auto-remove).
        force_db_mount: mount every database uri that is a path.
        mount_src: vantage6 sources mounted at ``/vantage6``.
        working_dir: folder that relative database uris and ``mount_src`` are
            resolved against (default: the current directory).
        vantage6_version: the vantage6 release whose ``v6 node start`` the
            node is built like: a line (``"4.14"``), a release
            (``"4.13.7"``) or ``"auto"`` (the server's line); default
            :data:`VANTAGE6_VERSION`, the newest. See :data:`RELEASE_LINES`.
        **more_options: the other start options of the library:
            ``server_version`` (``"4.13.2"``: use the server-version image
            rule without asking), ``no_server_version``, ``data_dir``,
            ``log_dir``, ``docker_socket``, ``host_paths`` ({local prefix:
            host prefix} for callers that run in a container themselves),
            ``data_volume``, ``vpn_volume``, ``ssh_volume``, ``squid_volume``,
            ``private_key``, ``pull``, ``server_timeout_ms``,
            ``server_attempts``.

    Returns:
        What ``v6node spec`` prints, as Python data (same keys, same order):
        ``{"name": container name, "image": image, "volumes": [data, vpn,
        ssh, squid], "create": the engine's create-container request body}``.

    Raises:
        ConfigError: the config is invalid (``.key`` names the key).
        NotFound: no config file for ``name`` (or ``config`` does not exist).
        InvalidArgument: both or neither of ``config`` and ``name``, or an
            unknown or mistyped option (``.key`` names it).
        IOFailure: the config file could not be read.
    """
    path, node = _core.node_args(config, name)
    opts = _core.options_json(
        system=system,
        image=image,
        keep=keep,
        force_db_mount=force_db_mount,
        mount_src=mount_src,
        working_dir=working_dir,
        more=dict(more_options, vantage6_version=vantage6_version),
    )
    result: Dict[str, Any] = json.loads(_core.take(_raw.spec(path, node, opts)))
    return result


def library_version() -> str:
    """The version of the libv6node library loaded, e.g. ``"0.1.0"``."""
    return str(_raw.version())


def config_folder(system: bool = False) -> "Path":
    """The folder of node configs of a scope, as vantage6 computes it (user:
    ``$XDG_CONFIG_HOME/vantage6/node``, system: ``/etc/vantage6/node``)."""
    from pathlib import Path

    return Path(_core.take(_raw.config_folder("system" if system else "user")))


def container_name(name: str, *, system: bool = False) -> str:
    """The container name of node ``name``: ``vantage6-NAME-SCOPE``.

    Raises:
        InvalidArgument: ``name`` is not a node name.
    """
    return _core.take(_raw.container_name(name, "system" if system else "user"))

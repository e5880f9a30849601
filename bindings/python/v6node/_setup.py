"""The setup half of ``v6 node``: new configs (``v6 node new``), the folders
and key files vantage6 expects, the public key of a private key. The calls
that act on one node (``set-api-key``, ``create-private-key``, ``version``)
are methods of :class:`v6node.Node`.

The library writes every config: this module only hands it the values."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Sequence, Union

from ._errors import OutOfMemory, invalid
from ._options import PathLike
from ._raw import fail, raw

__all__ = [
    "Database",
    "DatabaseLike",
    "new_config",
    "render_config",
    "data_folder",
    "private_key_path",
    "public_key",
    "redact_uri",
    "is_node_name",
]


def _scope(system: bool) -> int:
    return int(raw.V6N_SCOPE_SYSTEM if system else raw.V6N_SCOPE_USER)


def checked_text(value: Any, key: str, *, path: bool = False) -> str:
    """`value` as text for C: a str (or, with `path`, an os.PathLike), with
    no NUL character (C would cut the string there). The messages never show
    the value: it may be a secret."""
    if path and isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        kind = "a str or a path" if path else "a str"
        raise TypeError(f"{key} must be {kind}, not {type(value).__name__}")
    if "\0" in value:
        raise invalid(f"{key} holds a NUL character", key)
    return value


def _optional_text(value: Any, key: str, *, path: bool = False) -> Optional[str]:
    return None if value is None else checked_text(value, key, path=path)


def redact_uri(uri: str) -> str:
    """``uri`` with the password of ``scheme://user:password@host`` shown as
    ``***`` (the library's rule, as in its own messages): for showing a
    database URI."""
    out = raw.uri_redact(checked_text(uri, "uri"))
    if out is None:
        fail("redact")
    return str(out)


def is_node_name(name: object) -> bool:
    """Whether ``name`` is a node name by the library's rule
    (``^[a-zA-Z0-9_.-]+$``, not ``.`` or ``..``, short enough for its
    container and volume names). Check a name from outside (a web form, a
    URL) with this before building any path from it."""
    if not isinstance(name, str) or "\0" in name:
        return False
    return raw.container_name(name, _scope(False)) is not None


@dataclass(frozen=True)
class Database:
    """One entry of a new config's ``databases``.

    Attributes:
        label: an identifier (letters, digits, ``_``; not starting with a
            digit), unique in the config.
        uri: a file or folder path, or a URI (``postgresql://...``). It is
            shown redacted in the repr (:func:`redact_uri`).
        type: ``csv``, ``parquet``, ``excel``, ``folder`` (file based),
            ``sql``, ``sparql``, ``omop`` or ``other``.
        mount_mode: ``"copy"`` or ``"ro"`` (file-based types only); ``None``:
            not written (vantage6 then copies).
    """

    label: str
    uri: str
    type: str
    mount_mode: Optional[str] = None

    def __repr__(self) -> str:
        try:
            uri = redact_uri(self.uri)
        except Exception:  # not a str: say nothing about it
            uri = "<?>"
        extra = f", mount_mode={self.mount_mode!r}" if self.mount_mode is not None else ""
        return f"Database(label={self.label!r}, uri={uri!r}, type={self.type!r}{extra})"


#: A database entry: a :class:`Database`, or a mapping with the keys
#: ``label``, ``uri``, ``type`` and optionally ``mount_mode``.
DatabaseLike = Union[Database, Mapping[str, Optional[str]]]


def _database(entry: DatabaseLike, i: int) -> Database:
    if isinstance(entry, Database):
        return entry
    if isinstance(entry, Mapping):
        unknown = sorted(set(entry) - {"label", "uri", "type", "mount_mode"})
        if unknown:
            raise invalid(f"databases[{i}]: unknown key {unknown[0]!r}", f"databases[{i}]")
        return Database(label=entry.get("label") or "", uri=entry.get("uri") or "",
                        type=entry.get("type") or "", mount_mode=entry.get("mount_mode"))
    raise TypeError(f"databases[{i}] must be a v6node.Database or a mapping, "
                    f"not {type(entry).__name__}")


def _extra_text(extra: Union[None, str, Mapping[str, Any]]) -> Optional[str]:
    """extra_yaml as YAML text: a str as given; a mapping as JSON, which is
    YAML's flow style (the library re-emits it in block style)."""
    if extra is None or isinstance(extra, str):
        return _optional_text(extra, "extra_yaml")
    if not isinstance(extra, Mapping):
        raise TypeError(f"extra_yaml must be a str or a mapping, not {type(extra).__name__}")
    try:
        return json.dumps(dict(extra), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise invalid(f"extra_yaml cannot be written as YAML: {e}", "extra_yaml") from None


def _set(values: Any, field: str, value: Optional[str]) -> None:
    rc = raw.values_set(values, field, value)
    if rc == raw.V6N_ENOMEM:
        raise OutOfMemory("config values: out of memory", code=rc)
    if rc != raw.V6N_OK:  # a field name this module got wrong
        raise RuntimeError(f"v6node: the library has no config value {field!r}")


def _set_int(values: Any, field: str, value: bool) -> None:
    if raw.values_set_int(values, field, int(bool(value))) != raw.V6N_OK:
        raise RuntimeError(f"v6node: the library has no config value {field!r}")


@contextmanager
def _values(name: Optional[str], *, api_key: str, server_url: str,
            port: Union[None, int, str], api_path: Optional[str],
            task_dir: Optional[PathLike], databases: Sequence[DatabaseLike],
            encryption: bool, private_key: Optional[PathLike], log_level: Optional[str],
            extra_yaml: Union[None, str, Mapping[str, Any]], system: bool,
            config_dir: Optional[PathLike], path: Optional[PathLike], force: bool,
            working_dir: Optional[PathLike]) -> Iterator[Any]:
    """The library's config values (v6ni_values) for one call, freed after."""
    if port is not None and (isinstance(port, bool) or not isinstance(port, (int, str))):
        raise TypeError(f"port must be an int or a str, not {type(port).__name__}")
    if isinstance(databases, (str, bytes)) or not isinstance(databases, Sequence):
        raise TypeError("databases must be a sequence of v6node.Database (or mappings)")
    texts = {
        "name": _optional_text(name, "name"),
        "api_key": checked_text(api_key, "api_key"),
        "server_url": checked_text(server_url, "server_url"),
        "port": None if port is None else checked_text(str(port), "port"),
        "api_path": _optional_text(api_path, "api_path"),
        "task_dir": _optional_text(task_dir, "task_dir", path=True),
        "private_key": _optional_text(private_key, "private_key", path=True),
        "log_level": _optional_text(log_level, "log_level"),
        "extra_yaml": _extra_text(extra_yaml),
        "config_dir": _optional_text(config_dir, "config_dir", path=True),
        "path": _optional_text(path, "path", path=True),
        "working_dir": _optional_text(working_dir, "working_dir", path=True),
    }
    entries = [_database(d, i) for i, d in enumerate(databases)]
    db_texts = []
    for i, db in enumerate(entries):
        db_texts.append((checked_text(db.label, f"databases[{i}].label"),
                         checked_text(db.uri, f"databases[{i}].uri"),
                         checked_text(db.type, f"databases[{i}].type"),
                         _optional_text(db.mount_mode, f"databases[{i}].mount_mode")))
    values = raw.values_new()
    if values is None:
        raise OutOfMemory("config values: out of memory", code=int(raw.V6N_ENOMEM))
    try:
        for field, value in texts.items():
            if value is not None:
                _set(values, field, value)
        _set_int(values, "scope", system)
        _set_int(values, "force", force)
        _set_int(values, "encryption", encryption)
        for label, uri, db_type, mount_mode in db_texts:
            rc = raw.values_add_database(values, label, uri, db_type, mount_mode)
            if rc != raw.V6N_OK:
                raise OutOfMemory("config values: out of memory", code=rc)
        yield values
    finally:
        raw.values_free(values)


def render_config(name: Optional[str] = None, *, api_key: str, server_url: str,
                  port: Union[None, int, str] = None, api_path: Optional[str] = None,
                  task_dir: Optional[PathLike] = None,
                  databases: Sequence[DatabaseLike] = (), encryption: bool = False,
                  private_key: Optional[PathLike] = None, log_level: Optional[str] = None,
                  extra_yaml: Union[None, str, Mapping[str, Any]] = None,
                  system: bool = False, config_dir: Optional[PathLike] = None,
                  path: Optional[PathLike] = None, force: bool = False,
                  working_dir: Optional[PathLike] = None) -> str:
    """The YAML text :func:`new_config` would write with the same arguments,
    checked as it checks it, without writing anything (a preview). The text
    holds the API key.

    Raises:
        ConfigError, InvalidArgument, TypeError: as :func:`new_config`.
    """
    with _values(name, api_key=api_key, server_url=server_url, port=port, api_path=api_path,
                 task_dir=task_dir, databases=databases, encryption=encryption,
                 private_key=private_key, log_level=log_level, extra_yaml=extra_yaml,
                 system=system, config_dir=config_dir, path=path, force=force,
                 working_dir=working_dir) as values:
        text = raw.values_render(values)
        if text is None:
            fail("render config")
    return str(text)


def new_config(name: Optional[str] = None, *, api_key: str, server_url: str,
               port: Union[None, int, str] = None, api_path: Optional[str] = None,
               task_dir: Optional[PathLike] = None,
               databases: Sequence[DatabaseLike] = (), encryption: bool = False,
               private_key: Optional[PathLike] = None, log_level: Optional[str] = None,
               extra_yaml: Union[None, str, Mapping[str, Any]] = None,
               system: bool = False, config_dir: Optional[PathLike] = None,
               path: Optional[PathLike] = None, force: bool = False,
               working_dir: Optional[PathLike] = None) -> Path:
    """Create a node config, as ``v6 node new`` does, and return its path.

    The library renders the file the wizard writes (the same keys, sorted,
    as ``yaml.dump`` writes them), checks it with the loader ``start`` uses
    and the start checks that need no files (database labels, mount modes,
    extra keys...), then writes it atomically, mode 0600 (it holds the API
    key). An existing config is never replaced unless ``force``. After a
    refusal nothing is left behind.

    Args:
        name: the node name (``[a-zA-Z0-9_.-]+``); the file is ``NAME.yaml``
            in ``config_dir``, else the scope's vantage6 config folder
            (:func:`v6node.config_folder`). May be left out with ``path``.
        api_key: the node's API key (required).
        server_url: the server (required); a trailing ``/`` is removed.
        port: default 443 for an ``https://`` server, else 7601.
        api_path: default ``"/api"``.
        task_dir: default the node's data folder (:func:`data_folder`).
        databases: :class:`Database` entries (or mappings with the same keys).
        encryption: ``encryption.enabled``.
        private_key: ``encryption.private_key``; default ``""`` (the node then
            uses ``private_key.pem`` in its data folder). vantage6 reads a
            relative path against the node's data folder.
        log_level: ``logging.level``: DEBUG (default), INFO, WARNING, ERROR or
            CRITICAL.
        extra_yaml: more top-level keys (``policies``, ``vpn_subnet``,
            ``node_extra_env``...): the text of a YAML mapping, or a mapping
            of plain data (str, int, float, bool, None, lists, dicts). It may
            not repeat a key the arguments above write.
        system: system scope (``/etc/vantage6/node``; also decides the default
            ``task_dir``).
        config_dir: write ``NAME.yaml`` in this folder instead.
        path: write exactly this file (its stem is the node name).
        force: replace an existing config.
        working_dir: when given, a relative ``private_key`` and the relative
            path of a file-based database are written as absolute paths
            against this folder (what a path typed on a command line means);
            default: written as given.

    Raises:
        ConfigError: a bad or missing value; ``.key`` names it
            (``"api_key"``, ``"databases[0].label"``, ``"logging.level"``,
            ``"name"``...).
        Conflict: the config exists and ``force`` is off.
        IOFailure: the folder or file cannot be written.
        InvalidArgument: a value with a NUL character, a bad database entry.
        TypeError: a value of the wrong type.
    """
    with _values(name, api_key=api_key, server_url=server_url, port=port, api_path=api_path,
                 task_dir=task_dir, databases=databases, encryption=encryption,
                 private_key=private_key, log_level=log_level, extra_yaml=extra_yaml,
                 system=system, config_dir=config_dir, path=path, force=force,
                 working_dir=working_dir) as values:
        created = raw.values_create(values)
        if created is None:
            fail("new config")
    return Path(created)


def data_folder(name: str, system: bool = False) -> Path:
    """The data folder of node ``name``, as vantage6 computes it (user:
    ``$XDG_DATA_HOME/vantage6/node/NAME``, default ``~/.local/share/...``;
    system: ``/usr/local/share/vantage6/node/NAME``): the default
    ``task_dir`` of a new config, and where vantage6 looks for a relative
    private key.

    Raises:
        InvalidArgument: not a node name.
        IOFailure: no home folder.
    """
    folder = raw.node_data_folder(checked_text(name, "name"), _scope(system))
    if folder is None:
        fail("data folder")
    return Path(folder)


def private_key_path(organization: str, system: bool = False) -> Path:
    """Where ``v6 node create-private-key`` keeps the key of
    ``organization``: ``<the scope's vantage6 data folder>/node/privkey_<organization>.pem``
    (user: ``~/.local/share/vantage6/node``, system:
    ``/usr/local/share/vantage6/node``).

    Raises:
        InvalidArgument: an organization name that is empty or holds ``/``
            or a control character.
        IOFailure: no home folder.
    """
    path = raw.private_key_path(_scope(system), checked_text(organization, "organization"))
    if path is None:
        fail("private key path")
    return Path(path)


def public_key(private_key_path: PathLike) -> str:
    """The public key of the RSA private key in the file
    ``private_key_path`` as vantage6 uploads it: the base64 (one line) of its
    PEM ``SubjectPublicKeyInfo``.

    Raises:
        NotFound: no such file.
        ConfigError: not an RSA private key in PEM.
        IOFailure: the file cannot be read.
    """
    key = raw.public_key_get(checked_text(private_key_path, "private_key_path", path=True))
    if key is None:
        fail("public key")
    return str(key)

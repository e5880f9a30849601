"""What keeps the Node Manager closed: the login password (kept only as a
scrypt hash), the rate limit on login attempts, CSRF tokens, safe redirects,
and the redaction of API keys and database passwords from everything shown.

Whoever uses the Node Manager controls the Docker engine, which is root on
the host: nothing here is optional."""
from __future__ import annotations

import hashlib
import hmac
import importlib
import os
import re
import secrets
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Set
from urllib.parse import quote, unquote, urlsplit

from markupsafe import escape

import v6node

# PyYAML (requirements.txt), without its type stubs: only safe_load is used.
yaml: Any = importlib.import_module("yaml")

PASSWORD_ENV = "V6NODE_MANAGER_PASSWORD"
PASSWORD_FILE_ENV = "V6NODE_MANAGER_PASSWORD_FILE"
# A login form may carry a long passphrase, not a book.
MAX_PASSWORD_LENGTH = 1024


class NoPassword(RuntimeError):
    """The Node Manager was given no usable password: it does not start."""


# ---- the password --------------------------------------------------------------------


def password_from_env(env: Mapping[str, str] = os.environ) -> str:
    """The login password (or token): the first line of the file
    ``V6NODE_MANAGER_PASSWORD_FILE`` names, or ``V6NODE_MANAGER_PASSWORD``.

    Raises:
        NoPassword: neither is set, both are, the file cannot be read, or the
            password is empty.
    """
    direct, file = env.get(PASSWORD_ENV), env.get(PASSWORD_FILE_ENV)
    if direct and file:
        raise NoPassword(f"set {PASSWORD_FILE_ENV} or {PASSWORD_ENV}, not both")
    if file:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeError) as e:
            raise NoPassword(f"{PASSWORD_FILE_ENV}: cannot read {file}: "
                             f"{getattr(e, 'strerror', None) or e}") from None
        lines = text.splitlines()
        password = lines[0] if lines else ""
        if not password:
            raise NoPassword(f"{PASSWORD_FILE_ENV}: {file} holds no password (its first line)")
        return password
    if direct:
        return direct
    raise NoPassword(f"the Node Manager needs a login password: put one in a file and set "
                     f"{PASSWORD_FILE_ENV} to its path (or set {PASSWORD_ENV}); see "
                     "examples/node-manager/README.md")


def password_file_warning(env: Mapping[str, str] = os.environ) -> Optional[str]:
    """A warning when the password file may be read by others than its owner."""
    file = env.get(PASSWORD_FILE_ENV)
    if not file:
        return None
    try:
        mode = os.stat(file).st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (f"{PASSWORD_FILE_ENV}: {file} may be read by others (mode "
                f"{stat.S_IMODE(mode):o}); chmod 600 it")
    return None


class PasswordCheck:
    """The password as a salted scrypt hash (the password itself is not
    kept); :meth:`verify` compares in constant time."""

    N, R, P, LENGTH = 2 ** 14, 8, 1, 32

    def __init__(self, password: str) -> None:
        if not password:
            raise NoPassword("the login password is empty")
        self._salt = secrets.token_bytes(16)
        self._hash = self._derive(password)

    def _derive(self, password: str) -> bytes:
        return hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=self._salt,
                              n=self.N, r=self.R, p=self.P, dklen=self.LENGTH)

    def verify(self, candidate: str) -> bool:
        if not isinstance(candidate, str) or len(candidate) > MAX_PASSWORD_LENGTH:
            candidate = ""  # still derive: the time says nothing about why
        return hmac.compare_digest(self._derive(candidate), self._hash)

    def __repr__(self) -> str:
        return "<PasswordCheck scrypt>"


# ---- login attempts --------------------------------------------------------------------


@dataclass
class _Client:
    attempts: int = 0       # failed (or still running) attempts since the last lockout
    lockouts: int = 0       # lockouts so far: each one lasts twice as long
    locked_until: float = 0.0
    last: float = 0.0


class LoginLimiter:
    """Login attempts per client address: ``max_attempts`` tries, then a
    lockout of ``lockout`` seconds, doubled at each further lockout up to
    ``max_lockout``. An attempt counts as failed from its start until it
    succeeds, so parallel guesses cannot slip past the limit. A client idle
    for twice ``max_lockout`` is forgotten."""

    def __init__(self, max_attempts: int = 5, lockout: float = 30.0,
                 max_lockout: float = 900.0, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10000) -> None:
        self.max_attempts = max(1, max_attempts)
        self.lockout = lockout
        self.max_lockout = max(lockout, max_lockout)
        self.clock = clock
        self.max_clients = max_clients
        self._lock = threading.Lock()
        self._clients: Dict[str, _Client] = {}

    def begin(self, client: str) -> float:
        """Start an attempt: 0 when it may go on (it counts as failed until
        :meth:`succeeded`), else the seconds the client must still wait."""
        with self._lock:
            now = self.clock()
            self._prune(now)
            c = self._clients.setdefault(client, _Client())
            if c.locked_until > now:
                return c.locked_until - now
            c.attempts += 1
            c.last = now
            if c.attempts >= self.max_attempts:
                c.lockouts += 1
                c.attempts = 0
                c.locked_until = now + min(self.max_lockout,
                                           self.lockout * 2 ** (c.lockouts - 1))
            return 0.0

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)

    def _prune(self, now: float) -> None:
        idle = 2 * self.max_lockout
        for key in [k for k, c in self._clients.items()
                    if c.locked_until <= now and now - c.last > idle]:
            del self._clients[key]
        while len(self._clients) >= self.max_clients:
            oldest = min(self._clients, key=lambda k: self._clients[k].last)
            del self._clients[oldest]


# ---- CSRF and redirects ------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_equal(given: Optional[str], expected: Optional[str]) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"),
                               expected.encode("utf-8", "replace"))


def safe_next(target: Optional[str], default: str) -> str:
    """``target`` when it is a path on this site ("/nodes/user/a"), else
    ``default``: never another site ("//evil", "/\\\\evil", "https://...")."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


# ---- secrets on pages ----------------------------------------------------------------------

_API_KEY_LINE = re.compile(r"^([ \t]*['\"]?api_key['\"]?[ \t]*:)(.*)$", re.MULTILINE)


def uri_password(uri: str) -> Optional[str]:
    """The password of ``scheme://user:password@host`` by the library's own
    rule (what :func:`v6node.redact_uri` hides), or None."""
    try:
        shown = v6node.redact_uri(uri)
    except (v6node.Error, TypeError):
        return None
    if shown == uri:
        return None
    start = 0
    while start < min(len(uri), len(shown)) and uri[start] == shown[start]:
        start += 1
    end = 0
    while (end < min(len(uri), len(shown)) - start
           and uri[len(uri) - 1 - end] == shown[len(shown) - 1 - end]):
        end += 1
    secret = uri[start:len(uri) - end]
    return secret or None


class Redactor:
    """The secrets of one request (API keys, database passwords) and their
    removal from any text: each is shown as ``***``, also in its HTML-escaped
    and URL-quoted forms. Values shorter than ``MIN_LENGTH`` are not replaced
    everywhere (that would garble the page); a config's ``api_key`` line is
    always masked (:meth:`config_text`)."""

    MIN_LENGTH = 4
    MASK = "***"

    def __init__(self) -> None:
        self._secrets: Set[str] = set()

    def add(self, value: Any) -> None:
        if not isinstance(value, str) or len(value.strip()) < self.MIN_LENGTH:
            return
        for form in (value, str(escape(value)), quote(value, safe=""), quote(value),
                     unquote(value)):
            if len(form.strip()) >= self.MIN_LENGTH:
                self._secrets.add(form)

    def add_uri(self, uri: Any) -> None:
        if isinstance(uri, str):
            self.add(uri_password(uri))

    def add_values(self, api_key: Any = None, uris: Iterable[Any] = ()) -> None:
        self.add(api_key)
        for uri in uris:
            self.add_uri(uri)

    def add_config_text(self, text: str) -> None:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            data = None
        if isinstance(data, dict):
            dbs = data.get("databases")
            uris = []
            if isinstance(dbs, list):
                uris = [d.get("uri") for d in dbs if isinstance(d, dict)]
            elif isinstance(dbs, dict):  # the 3.x layout: label -> uri
                uris = list(dbs.values())
            self.add_values(data.get("api_key"), uris)
        for m in _API_KEY_LINE.finditer(text):  # also in a file YAML cannot read
            value = m.group(2).strip()
            self.add(value)
            self.add(value.strip("'\""))

    def add_config_file(self, path: Optional[Path]) -> Optional[str]:
        """Learn the secrets of the config file at ``path``; its text, or None."""
        if path is None:
            return None
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        self.add_config_text(text)
        return text

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, self.MASK)
        return text

    def config_text(self, text: str) -> str:
        """A config file's text to show: the ``api_key`` value masked
        whatever its length, then every known secret."""
        return self(_API_KEY_LINE.sub(
            lambda m: m.group(1) + (" " + self.MASK if m.group(2).strip() else ""), text))

    def spec(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        """A container spec to show, with the database URIs of its
        environment redacted (they may hold a password)."""
        create = spec.get("create")
        if isinstance(create, dict) and isinstance(create.get("Env"), list):
            env = []
            for item in create["Env"]:
                key, sep, value = str(item).partition("=")
                if sep and key.endswith("_DATABASE_URI"):
                    self.add_uri(value)
                    item = f"{key}={v6node.redact_uri(value)}"
                env.append(item)
            spec = {**spec, "create": {**create, "Env": env}}
        return spec

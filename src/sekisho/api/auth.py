"""API keys with two roles: `read` (screen, check, look) and `reviewer` (also record review
actions on decisions).

Keys come from `SEKISHO_API_KEYS` and from the file `$SEKISHO_HOME/api-keys`, one key per
entry as `NAME:ROLE:KEY` (entries separated by commas or new lines; `#` starts a comment in the
file). NAME is who acts: it is written to the audit trail. A request sends its key as
`Authorization: Bearer KEY`, `X-API-Key: KEY`, or the `sekisho_key` cookie the review UI sets.

With no key configured at all, authentication is off and every caller acts as "local" with the
reviewer role: that is the single-user laptop case, and `sekisho serve` refuses to listen on a
non-loopback address in that state. /health is always open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request

from sekisho.errors import InputError
from sekisho.settings import Settings

ROLES = ("read", "reviewer")
KEYS_FILE = "api-keys"
COOKIE = "sekisho_key"
ENV = "SEKISHO_API_KEYS"
MIN_KEY_LENGTH = 16


@dataclass(frozen=True)
class Principal:
    """Who is calling, and what they may do."""

    name: str
    role: str

    def may(self, role: str) -> bool:
        return role == "read" or self.role == "reviewer"


LOCAL = Principal("local", "reviewer")


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@dataclass(frozen=True)
class KeyRing:
    """Configured keys (as SHA-256 digests, compared in constant time)."""

    entries: tuple[tuple[bytes, Principal], ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.entries)

    def lookup(self, key: str | None) -> Principal | None:
        if not key:
            return None
        d = _digest(key)
        found = None
        for digest, principal in self.entries:
            if hmac.compare_digest(digest, d):
                found = principal
        return found

    @classmethod
    def parse(cls, text: str, *, source: str) -> KeyRing:
        """Read `NAME:ROLE:KEY` entries; a malformed one is an InputError naming where."""
        entries: list[tuple[bytes, Principal]] = []
        for line_no, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0]
            for raw in line.split(","):
                raw = raw.strip()
                if not raw:
                    continue
                parts = raw.split(":", 2)
                if len(parts) != 3 or not all(p.strip() for p in parts):
                    raise InputError("API key entries are NAME:ROLE:KEY", file=source,
                                     line=line_no, field="api key")
                name, role, key = (p.strip() for p in parts)
                if role not in ROLES:
                    raise InputError(f"unknown role {role!r} (one of {', '.join(ROLES)})",
                                     file=source, line=line_no, field="role")
                if len(key) < MIN_KEY_LENGTH:
                    raise InputError(f"key of {name!r} is shorter than {MIN_KEY_LENGTH} "
                                     "characters", file=source, line=line_no, field="key")
                entries.append((_digest(key), Principal(name, role)))
        return cls(tuple(entries))

    @classmethod
    def load(cls, settings: Settings) -> KeyRing:
        env = os.environ.get(ENV, "")
        ring = cls.parse(env, source=ENV) if env.strip() else cls()
        path = Path(settings.home) / KEYS_FILE
        if path.is_file():
            ring = cls(ring.entries + cls.parse(path.read_text(encoding="utf-8"),
                                                source=str(path)).entries)
        return ring


def presented_key(request: Request) -> str | None:
    """The key a request carries (header first, then the UI cookie)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key") or request.cookies.get(COOKIE)


def principal_of(request: Request) -> Principal | None:
    """The caller, LOCAL when auth is off, None when the key is missing or wrong."""
    ring: KeyRing = request.app.state.keys
    if not ring.enabled:
        return LOCAL
    return ring.lookup(presented_key(request))


def _require(request: Request, role: str) -> Principal:
    who = principal_of(request)
    if who is None:
        raise HTTPException(401, "a valid API key is required",
                            headers={"WWW-Authenticate": 'Bearer realm="sekisho"'})
    if not who.may(role):
        raise HTTPException(403, f"API key {who.name!r} has role {who.role!r}; "
                                 f"this needs {role!r}")
    return who


def reader(request: Request) -> Principal:
    """Dependency: any valid key."""
    return _require(request, "read")


def reviewer(request: Request) -> Principal:
    """Dependency: a key with the reviewer role."""
    return _require(request, "reviewer")

"""API key pairs for the case API: only their hashes are stored.

A pair is an API key (32 hex characters, like Datadog's) and an application
key (40 hex characters), created together, shown once, and sent by clients as
`DD-API-KEY` and `DD-APPLICATION-KEY`. Both are random 128/160-bit secrets, so
a plain SHA-256 is enough to store them (no password-style stretching needed);
the API key's hash is the lookup index.

Each pair acts as a user of its own (`users` row named after the key), so that
cases it creates and changes it makes name it as creator and actor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Connection, ForeignKey, String, Table, Uuid, insert, select, update

from bot.db.metadata import UTCDateTime, metadata
from bot.db.users import users


class Scope(StrEnum):
    CASES_READ = "cases_read"
    CASES_WRITE = "cases_write"
    ERROR_TRACKING_READ = "error_tracking_read"
    ERROR_TRACKING_WRITE = "error_tracking_write"


api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("api_key_hash", String(64), nullable=False, unique=True),
    Column("app_key_hash", String(64), nullable=False),
    # Last characters of the API key, so a listing can tell pairs apart.
    Column("api_key_hint", String(8), nullable=False),
    # Comma-separated `Scope` values.
    Column("scopes", String(200), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)


class UnknownScope(ValueError):
    def __init__(self, scope: str) -> None:
        allowed = ", ".join(s.value for s in Scope)
        super().__init__(f"unknown scope {scope!r}; scopes are {allowed}")
        self.scope = scope


class KeyNotFound(LookupError):
    def __init__(self, ref: str, *, ambiguous: bool = False) -> None:
        reason = "matches more than one key" if ambiguous else "matches no key"
        super().__init__(f"{ref!r} {reason}")
        self.ref = ref


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: uuid.UUID
    name: str
    api_key_hint: str
    scopes: frozenset[Scope]
    user_id: uuid.UUID | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewKeyPair:
    """A freshly created pair; the only time the secrets exist outside the client."""

    key: ApiKey
    api_key: str
    application_key: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    """Scopes from user input (`cases_read`, `cases_write`); `UnknownScope` otherwise."""
    scopes: set[Scope] = set()
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        try:
            scopes.add(Scope(value))
        except ValueError:
            raise UnknownScope(value) from None
    return frozenset(scopes)


def _scopes_text(scopes: frozenset[Scope]) -> str:
    return ",".join(sorted(scope.value for scope in scopes))


def _row_to_key(row: object) -> ApiKey:
    mapping = row._mapping  # type: ignore[attr-defined]
    return ApiKey(
        id=mapping["id"],
        name=mapping["name"],
        api_key_hint=mapping["api_key_hint"],
        scopes=parse_scopes(mapping["scopes"].split(",")),
        user_id=mapping["user_id"],
        created_at=mapping["created_at"],
        revoked_at=mapping["revoked_at"],
    )


def create_key(
    conn: Connection, *, name: str, scopes: frozenset[Scope], now: datetime
) -> NewKeyPair:
    """Store a new pair (and the user it acts as) and return it with its secrets."""
    if not name.strip():
        raise ValueError("a key needs a name")
    if not scopes:
        raise ValueError("a key needs at least one scope")
    api_key = secrets.token_hex(16)
    application_key = secrets.token_hex(20)
    key_id = uuid.uuid4()
    user_id = uuid.uuid4()
    conn.execute(insert(users).values(id=user_id, name=f"{name} (API key)", created_at=now))
    conn.execute(
        insert(api_keys).values(
            id=key_id,
            name=name,
            api_key_hash=digest(api_key),
            app_key_hash=digest(application_key),
            api_key_hint=api_key[-4:],
            scopes=_scopes_text(scopes),
            user_id=user_id,
            created_at=now,
            revoked_at=None,
        )
    )
    key = ApiKey(
        id=key_id,
        name=name,
        api_key_hint=api_key[-4:],
        scopes=scopes,
        user_id=user_id,
        created_at=now,
        revoked_at=None,
    )
    return NewKeyPair(key=key, api_key=api_key, application_key=application_key)


def list_keys(conn: Connection) -> list[ApiKey]:
    rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.name))
    return [_row_to_key(row) for row in rows]


def resolve(conn: Connection, ref: str) -> ApiKey:
    """The key whose id is `ref` or starts with it (a unique prefix of 4+ characters)."""
    text = ref.strip().lower()
    if len(text) < 4:
        raise KeyNotFound(ref)
    matches = [key for key in list_keys(conn) if str(key.id).startswith(text)]
    if len(matches) != 1:
        raise KeyNotFound(ref, ambiguous=len(matches) > 1)
    return matches[0]


def revoke_key(conn: Connection, ref: str, *, now: datetime) -> ApiKey:
    """Revoke the key `ref` names (see `resolve`); revoking twice keeps the first time."""
    key = resolve(conn, ref)
    if key.revoked_at is not None:
        return key
    conn.execute(update(api_keys).where(api_keys.c.id == key.id).values(revoked_at=now))
    return resolve(conn, str(key.id))


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a pair of keys does not authenticate, in words fit for the client."""

    message: str


def authenticate(conn: Connection, api_key: str, application_key: str) -> ApiKey | Refusal:
    """The live key the pair belongs to, or why it is refused."""
    row = conn.execute(select(api_keys).where(api_keys.c.api_key_hash == digest(api_key))).first()
    if row is None:
        return Refusal("DD-API-KEY is not a known API key")
    key = _row_to_key(row)
    if not hmac.compare_digest(row._mapping["app_key_hash"], digest(application_key)):
        return Refusal("DD-APPLICATION-KEY does not belong to this API key")
    if key.revoked_at is not None:
        return Refusal("this API key has been revoked")
    return key

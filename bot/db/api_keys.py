"""API key pairs: the table and its statements. Only the keys' hashes are stored.

The API key's hash is the lookup index. Each pair acts as a user of its own
(`users` row named after the key), so that cases it creates and changes it
makes name it as creator and actor. What a pair is and how one is checked is
bot/services/keys.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, ForeignKey, String, Table, Uuid, insert, select, update

from bot.core.keys import ApiKey, Scope, parse_scopes
from bot.db.metadata import UTCDateTime, metadata

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


def insert_key(conn: Connection, key: ApiKey, *, api_key_hash: str, app_key_hash: str) -> None:
    conn.execute(
        insert(api_keys).values(
            id=key.id,
            name=key.name,
            api_key_hash=api_key_hash,
            app_key_hash=app_key_hash,
            api_key_hint=key.api_key_hint,
            scopes=_scopes_text(key.scopes),
            user_id=key.user_id,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )
    )


def list_keys(conn: Connection) -> list[ApiKey]:
    rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.name))
    return [_row_to_key(row) for row in rows]


def set_revoked(conn: Connection, key_id: uuid.UUID, *, now: datetime) -> None:
    conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=now))


def find_by_api_key_hash(conn: Connection, api_key_hash: str) -> tuple[ApiKey, str] | None:
    """The key stored under this API key hash, with its application key's hash."""
    row = conn.execute(select(api_keys).where(api_keys.c.api_key_hash == api_key_hash)).first()
    if row is None:
        return None
    return _row_to_key(row), str(row.app_key_hash)


def _scopes_text(scopes: frozenset[Scope]) -> str:
    return ",".join(sorted(scope.value for scope in scopes))


def _row_to_key(row: Any) -> ApiKey:
    mapping = row._mapping
    return ApiKey(
        id=mapping["id"],
        name=mapping["name"],
        api_key_hint=mapping["api_key_hint"],
        scopes=parse_scopes(mapping["scopes"].split(",")),
        user_id=mapping["user_id"],
        created_at=mapping["created_at"],
        revoked_at=mapping["revoked_at"],
    )

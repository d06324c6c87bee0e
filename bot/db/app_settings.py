"""Server-wide settings kept in the database (webhook token, link-signing secret)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Connection, String, Table, Text, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.metadata import UTCDateTime, metadata

app_settings = Table(
    "app_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


def ensure_setting(conn: Connection, key: str, value: str, *, now: datetime) -> str:
    """The stored value of `key`, storing `value` the first time (two servers starting
    at once agree on the first one stored)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    values = {"key": key, "value": value, "updated_at": now}
    conn.execute(insert(app_settings).values(values).on_conflict_do_nothing())
    stored = conn.execute(select(app_settings.c.value).where(app_settings.c.key == key))
    return str(stored.scalar_one())

"""Server-wide settings kept in the database (webhook token, link-signing secret)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from bot.db.metadata import UTCDateTime, metadata

app_settings = Table(
    "app_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

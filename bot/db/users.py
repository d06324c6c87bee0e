"""Users: assignees and actors. Slack users get a row the first time they act."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Uuid

from bot.db.metadata import UTCDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=True, unique=True),
    Column("slack_user_id", String(64), nullable=True, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

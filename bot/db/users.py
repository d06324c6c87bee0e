"""Users: assignees and actors. Slack users get a row the first time they act."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Row, String, Table, Uuid

from bot.core.cases import User
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


def user_from_row(row: Row[Any]) -> User:
    return User(
        id=row.id,
        name=row.name,
        email=row.email,
        slack_user_id=row.slack_user_id,
        created_at=row.created_at,
    )

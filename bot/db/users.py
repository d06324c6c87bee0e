"""Users: assignees and actors. Slack users get a row the first time they act."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Row,
    String,
    Table,
    Uuid,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

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


_BY_ID = select(users).where(users.c.id == bindparam("b_id"))
_BY_SLACK_ID = select(users).where(users.c.slack_user_id == bindparam("b_slack"))
_BY_EMAIL = select(users).where(users.c.email == bindparam("b_email"))


def find_user(conn: Connection, user_id: uuid.UUID) -> User | None:
    row = conn.execute(_BY_ID, {"b_id": user_id}).first()
    return user_from_row(row) if row is not None else None


def find_user_by(
    conn: Connection, *, slack_user_id: str | None = None, email: str | None = None
) -> User | None:
    """The user with this Slack id, else with this e-mail address."""
    if slack_user_id is not None:
        row = conn.execute(_BY_SLACK_ID, {"b_slack": slack_user_id}).first()
        if row is not None:
            return user_from_row(row)
    if email is not None:
        row = conn.execute(_BY_EMAIL, {"b_email": email}).first()
        if row is not None:
            return user_from_row(row)
    return None


def insert_user(conn: Connection, user: User) -> None:
    conn.execute(
        insert(users),
        {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "slack_user_id": user.slack_user_id,
            "created_at": user.created_at,
        },
    )


def list_users(conn: Connection) -> list[User]:
    rows = conn.execute(select(users).order_by(users.c.name, users.c.id))
    return [user_from_row(row) for row in rows]


def set_user(conn: Connection, user_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    """Change the user's name, e-mail or Slack id."""
    conn.execute(update(users).where(users.c.id == user_id), dict(values))


def insert_first_sight(conn: Connection, user: User) -> User:
    """Insert a user seen for the first time; the user a concurrent transaction inserted
    first with the same Slack id or e-mail, if one did. A savepoint: losing that race
    must not abort the caller's transaction."""
    try:
        with conn.begin_nested():
            insert_user(conn, user)
    except IntegrityError:
        found = find_user_by(conn, slack_user_id=user.slack_user_id, email=user.email)
        if found is None:
            raise
        return found
    return user

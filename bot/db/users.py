"""Users: assignees and actors. Slack users get a row the first time they act."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Row,
    String,
    Table,
    Uuid,
    bindparam,
    delete,
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


def ensure_user(
    conn: Connection,
    *,
    now: datetime,
    name: str,
    slack_user_id: str | None = None,
    email: str | None = None,
) -> User:
    """The user with this Slack id or e-mail, inserted on first sight.

    With both, they are one person: a Slack user learns their address, a user known
    by address (a console account) learns their Slack id, and a Slack user recorded
    before casebot knew their address is merged into the user with that address.
    """
    by_slack = find_user_by(conn, slack_user_id=slack_user_id) if slack_user_id else None
    by_email = find_user_by(conn, email=email) if email else None
    existing = by_slack or by_email
    if by_slack is not None and by_email is not None and by_slack.id != by_email.id:
        if by_slack.email is None:  # the same person, recorded twice
            merge_users(conn, keep=by_email.id, drop=by_slack.id)
            conn.execute(
                update(users).where(users.c.id == by_email.id), {"slack_user_id": slack_user_id}
            )
            existing = replace(by_email, slack_user_id=slack_user_id)
    elif by_slack is not None and email and by_slack.email is None:
        conn.execute(update(users).where(users.c.id == by_slack.id), {"email": email})
        existing = replace(by_slack, email=email)
    elif by_email is not None and slack_user_id and by_email.slack_user_id is None:
        conn.execute(
            update(users).where(users.c.id == by_email.id), {"slack_user_id": slack_user_id}
        )
        existing = replace(by_email, slack_user_id=slack_user_id)
    if existing is not None:
        if name and name != existing.name:
            conn.execute(update(users).where(users.c.id == existing.id), {"name": name})
            existing = replace(existing, name=name)
        return existing
    user = User(uuid.uuid4(), name or slack_user_id or email or "", email, slack_user_id, now)
    try:
        # A savepoint: losing a race with a concurrent first sight of the same
        # user must not abort the caller's transaction.
        with conn.begin_nested():
            conn.execute(
                insert(users),
                {
                    "id": user.id,
                    "name": user.name,
                    "email": email,
                    "slack_user_id": slack_user_id,
                    "created_at": now,
                },
            )
    except IntegrityError:
        found = find_user_by(conn, slack_user_id=slack_user_id, email=email)
        if found is None:
            raise
        return found
    return user


def merge_users(conn: Connection, *, keep: uuid.UUID, drop: uuid.UUID) -> None:
    """Point everything that names user `drop` (cases, timelines, issues, keys, ...) at
    `keep`, then delete `drop`."""
    from bot.db.schema import metadata  # every table, so that none is missed

    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "users" and key.column.name == "id":
                column = key.parent
                conn.execute(update(table).where(column == drop).values({column.name: keep}))
    conn.execute(delete(users).where(users.c.id == drop))

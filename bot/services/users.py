"""Users: assignees and actors. A Slack user or an e-mail address gets a row on first sight.

`UserReader(conn)` reads inside whatever transaction its caller holds;
`UserService(conn, now=...)` also creates and renames users. Refusals are
`UserNotFound` and `InvalidUserChange`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from bot.core.cases import User
from bot.db import users as store
from bot.db.user_merge import merge_users
from bot.services.errors import InvalidUserChange, UserNotFound

__all__ = ["UserReader", "UserService"]


class UserReader:
    """User reads on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find(self, user_id: uuid.UUID) -> User | None:
        return store.find_user(self.conn, user_id)

    def get(self, user_id: uuid.UUID) -> User:
        """Like `find`, but raises `UserNotFound`."""
        user = store.find_user(self.conn, user_id)
        if user is None:
            raise UserNotFound(user_id)
        return user

    def by_slack_id(self, slack_user_id: str) -> User | None:
        return store.find_user_by(self.conn, slack_user_id=slack_user_id)

    def list(self) -> list[User]:
        """Every user, by name."""
        return store.list_users(self.conn)


class UserService(UserReader):
    """User changes on one connection, inside the caller's transaction, at time `now`."""

    def __init__(self, conn: Connection, *, now: datetime) -> None:
        super().__init__(conn)
        self.now = now

    def ensure(
        self, *, name: str, slack_user_id: str | None = None, email: str | None = None
    ) -> User:
        """The user with this Slack id or e-mail, created on first sight; renamed if `name`
        differs.

        With both, they are one person: a Slack user learns their address, a user known
        by address (a console account) learns their Slack id, and a Slack user recorded
        before casebot knew their address is merged into the user with that address.
        """
        if slack_user_id is None and email is None:
            raise InvalidUserChange("user", "a user needs a Slack user id or an e-mail address")
        conn = self.conn
        by_slack = store.find_user_by(conn, slack_user_id=slack_user_id) if slack_user_id else None
        by_email = store.find_user_by(conn, email=email) if email else None
        existing = by_slack or by_email
        if by_slack is not None and by_email is not None and by_slack.id != by_email.id:
            if by_slack.email is None:  # the same person, recorded twice
                merge_users(conn, keep=by_email.id, drop=by_slack.id)
                store.set_user(conn, by_email.id, {"slack_user_id": slack_user_id})
                existing = replace(by_email, slack_user_id=slack_user_id)
        elif by_slack is not None and email and by_slack.email is None:
            store.set_user(conn, by_slack.id, {"email": email})
            existing = replace(by_slack, email=email)
        elif by_email is not None and slack_user_id and by_email.slack_user_id is None:
            store.set_user(conn, by_email.id, {"slack_user_id": slack_user_id})
            existing = replace(by_email, slack_user_id=slack_user_id)
        if existing is not None:
            if name and name != existing.name:
                store.set_user(conn, existing.id, {"name": name})
                existing = replace(existing, name=name)
            return existing
        user = User(
            uuid.uuid4(), name or slack_user_id or email or "", email, slack_user_id, self.now
        )
        return store.insert_first_sight(conn, user)

"""Users: assignees and actors. A Slack user or an e-mail address gets a row on first sight.

`UserReader(conn)` reads inside whatever transaction its caller holds;
`UserService(conn, now=...)` also creates and renames users. Refusals are
`UserNotFound` and `InvalidUserChange`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection

from bot.core.cases import User
from bot.db import users as store
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
        """The user with this Slack id (else e-mail), created on first sight; renamed if
        `name` differs."""
        if slack_user_id is None and email is None:
            raise InvalidUserChange("user", "a user needs a Slack user id or an e-mail address")
        return store.ensure_user(
            self.conn, now=self.now, name=name, slack_user_id=slack_user_id, email=email
        )

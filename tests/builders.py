"""Builders for storage rows: projects, cases and users with sensible defaults.

Each takes an open connection (inside the test's transaction) and returns the
domain value; keyword arguments override the defaults.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from bot.core.cases import Actor, ActorSource, Case, Project, User
from bot.services.cases import CaseService
from bot.services.projects import ProjectService
from bot.services.users import UserService

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
API = Actor(ActorSource.API, None, "api")

_serial = itertools.count(1)


def make_project(conn: Connection, *, now: datetime = NOW, **overrides: Any) -> Project:
    n = next(_serial)
    values: dict[str, Any] = {"name": f"Project {n}", "key": f"P{n}", "handle": f"project-{n}"}
    values.update(overrides)
    return ProjectService(conn, now=now).create(**values)


def make_case(conn: Connection, project: Project, *, now: datetime = NOW, **overrides: Any) -> Case:
    values: dict[str, Any] = {"title": "Disk full on web-1", "actor": API}
    values.update(overrides)
    return CaseService(conn, now=now).create_case(project=project, **values)


def make_user(conn: Connection, *, now: datetime = NOW, **overrides: Any) -> User:
    n = next(_serial)
    values: dict[str, Any] = {"name": f"User {n}", "slack_user_id": f"U{n:08d}"}
    values.update(overrides)
    return UserService(conn, now=now).ensure(**values)

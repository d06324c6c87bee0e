"""Projects and their gapless case-number counters."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Integer,
    Row,
    String,
    Table,
    Uuid,
    bindparam,
    delete,
    false,
    insert,
    or_,
    select,
    text,
    true,
    update,
)

from bot.core.cases import Project
from bot.core.lifecycle import INACTIVE_DEFAULT, Lifecycle
from bot.db.metadata import UTCDateTime, metadata

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    # Immutable once created: case keys are built from it.
    Column("key", String(10), nullable=False, unique=True),
    # Lowercase; used in notifications as `@case-<handle>`.
    Column("handle", String(64), nullable=False, unique=True),
    Column("monitor_enabled", Boolean, nullable=False, server_default=true()),
    Column("auto_close", Boolean, nullable=False, server_default=true()),
    Column("default_case_type", String(50), nullable=False, server_default="STANDARD"),
    Column("slack_channel", String(200), nullable=True),
    Column("mirror_threads", Boolean, nullable=False, server_default=true()),
    Column("is_error_tracking_default", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    # Lifecycle settings (bot/core/lifecycle.py).
    Column("auto_close_inactive", Boolean, nullable=False, server_default=false()),
    Column(
        "max_inactive_secs", Integer, nullable=False, server_default=text(str(INACTIVE_DEFAULT))
    ),
    Column("self_assign_in_progress", Boolean, nullable=False, server_default=false()),
    Column("reopen_window_secs", Integer, nullable=False, server_default=text("0")),
    Column("close_unless_worked", Boolean, nullable=False, server_default=false()),
    Column("close_stale_groups", Boolean, nullable=False, server_default=false()),
)

LIFECYCLE_COLUMNS = (
    "auto_close_inactive",
    "max_inactive_secs",
    "self_assign_in_progress",
    "reopen_window_secs",
    "close_unless_worked",
    "close_stale_groups",
)

# One row per project. Taking the next number is `UPDATE ... SET last = last + 1
# RETURNING last` in the transaction that inserts the case: the row lock
# serialises concurrent creators and a rolled-back insert gives its number back.
project_counters = Table(
    "project_counters",
    metadata,
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("last", Integer, nullable=False, server_default="0"),
)


def project_from_row(row: Row[Any]) -> Project:
    """A `Project` from a row selected from `projects` (all columns)."""
    return Project(
        id=row.id,
        name=row.name,
        key=row.key,
        handle=row.handle,
        monitor_enabled=row.monitor_enabled,
        auto_close=row.auto_close,
        default_case_type=row.default_case_type,
        slack_channel=row.slack_channel,
        mirror_threads=row.mirror_threads,
        is_error_tracking_default=row.is_error_tracking_default,
        created_at=row.created_at,
        lifecycle=Lifecycle(**{name: getattr(row, name) for name in LIFECYCLE_COLUMNS}),
    )


# Statements built once: building one per call costs more than running it on SQLite.
_BY_ID = select(projects).where(projects.c.id == bindparam("b_id"))
_BY_KEY_OR_HANDLE = (
    select(projects)
    .where(or_(projects.c.key == bindparam("b_key"), projects.c.handle == bindparam("b_handle")))
    .order_by(projects.c.key)
)
_BY_HANDLE = select(projects).where(projects.c.handle == bindparam("b_handle"))
_NEXT_NUMBER = (
    update(project_counters)
    .where(project_counters.c.project_id == bindparam("b_id"))
    .values(last=project_counters.c.last + 1)
    .returning(project_counters.c.last)
)


def find_project(conn: Connection, ref: uuid.UUID | str) -> Project | None:
    """The project with this id, key (any case) or handle; None if there is none."""
    project_id = ref if isinstance(ref, uuid.UUID) else _as_uuid(ref)
    if project_id is not None:
        row = conn.execute(_BY_ID, {"b_id": project_id}).first()
    else:
        text = str(ref).strip()
        row = conn.execute(
            _BY_KEY_OR_HANDLE, {"b_key": text.upper(), "b_handle": text.lower()}
        ).first()
    return project_from_row(row) if row is not None else None


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def find_project_by_handle(conn: Connection, handle: str) -> Project | None:
    row = conn.execute(_BY_HANDLE, {"b_handle": handle}).first()
    return project_from_row(row) if row is not None else None


def list_projects(conn: Connection) -> list[Project]:
    return [
        project_from_row(row) for row in conn.execute(select(projects).order_by(projects.c.key))
    ]


def next_case_number(conn: Connection, project_id: uuid.UUID) -> int | None:
    """Take the project's next case number (None if no such project).

    Call it in the transaction that inserts the case: the counter row stays
    locked until commit, and a rollback returns the number.
    """
    number: int | None = conn.execute(_NEXT_NUMBER, {"b_id": project_id}).scalar_one_or_none()
    return number


def insert_project(conn: Connection, project: Project) -> None:
    """Insert the project and its case counter, in a savepoint: an `IntegrityError` (a
    key or handle taken meanwhile) leaves the caller's transaction usable."""
    with conn.begin_nested():
        conn.execute(insert(projects), _values(project))
        conn.execute(insert(project_counters), {"project_id": project.id, "last": 0})


def update_project(conn: Connection, project_id: uuid.UUID, changes: Mapping[str, Any]) -> None:
    """Write the changed columns, in a savepoint (see `insert_project`)."""
    with conn.begin_nested():
        conn.execute(update(projects).where(projects.c.id == project_id), dict(changes))


def delete_project(conn: Connection, project_id: uuid.UUID) -> None:
    """Delete the project; its cases and their timelines go with it (ON DELETE CASCADE)."""
    conn.execute(delete(projects).where(projects.c.id == project_id))


def error_tracking_default(conn: Connection) -> Project | None:
    row = conn.execute(select(projects).where(projects.c.is_error_tracking_default)).first()
    return project_from_row(row) if row is not None else None


def clear_error_tracking_default(conn: Connection) -> None:
    conn.execute(
        update(projects).where(projects.c.is_error_tracking_default),
        {"is_error_tracking_default": False},
    )


def is_taken(
    conn: Connection, column: str, value: str, *, other_than: uuid.UUID | None = None
) -> bool:
    """Whether another project (not `other_than`) has this `key` or `handle`."""
    query = select(projects.c.id).where(projects.c[column] == value)
    if other_than is not None:
        query = query.where(projects.c.id != other_than)
    return conn.execute(query).first() is not None


def _values(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "key": project.key,
        "handle": project.handle,
        "monitor_enabled": project.monitor_enabled,
        "auto_close": project.auto_close,
        "default_case_type": project.default_case_type,
        "slack_channel": project.slack_channel,
        "mirror_threads": project.mirror_threads,
        "is_error_tracking_default": project.is_error_tracking_default,
        "created_at": project.created_at,
        **lifecycle_values(project.lifecycle),
    }


def lifecycle_values(lifecycle: Lifecycle) -> dict[str, Any]:
    """The lifecycle settings as column values."""
    return {name: getattr(lifecycle, name) for name in LIFECYCLE_COLUMNS}


# The pipeline's lookup of the projects a notification's `@case-` mentions name.
_PROJECTS = select(projects).where(projects.c.handle.in_(bindparam("handles", expanding=True)))


def projects_by_handle(conn: Connection, handles: Iterable[str]) -> dict[str, Project]:
    """The projects with these handles, by handle."""
    wanted = sorted(set(handles))
    if not wanted:
        return {}
    return {
        row.handle: project_from_row(row) for row in conn.execute(_PROJECTS, {"handles": wanted})
    }

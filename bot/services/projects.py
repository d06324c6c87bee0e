"""The project service: create, read, update and delete projects.

Like `CaseService`, it works inside a transaction its caller owns. Refusals are
`InvalidProjectChange(field, message)` and `ProjectNotFound`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.cases import (
    CaseType,
    Invalid,
    Project,
    parse_case_type,
    suggest_handle,
    validate_project_handle,
    validate_project_key,
    validate_project_name,
)
from bot.db.projects import (
    find_project,
    find_project_by_handle,
    list_projects,
    project_counters,
    project_from_row,
    projects,
)
from bot.services.errors import InvalidProjectChange, ProjectNotFound

__all__ = ["UNSET", "ProjectService"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# "Leave this setting as it is" (None is a value: no Slack channel).
UNSET: Final = _Unset()

_p = projects.c


def _ok(value: str | Invalid) -> str:
    if isinstance(value, Invalid):
        raise InvalidProjectChange(value.field, value.message)
    return value


class ProjectService:
    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def list(self) -> list[Project]:
        """Every project, by key."""
        return list_projects(self.conn)

    def find(self, ref: uuid.UUID | str) -> Project | None:
        """The project with this id, key or handle, or None."""
        return find_project(self.conn, ref)

    def get(self, ref: uuid.UUID | str) -> Project:
        found = find_project(self.conn, ref)
        if found is None:
            raise ProjectNotFound(ref)
        return found

    def by_handle(self, handle: str) -> Project | None:
        """The project whose `@case-<handle>` this is (exact, lowercase), or None."""
        return find_project_by_handle(self.conn, handle)

    def create(
        self,
        *,
        name: str,
        key: str,
        handle: str | None = None,
        monitor_enabled: bool = True,
        auto_close: bool = True,
        default_case_type: str = CaseType.STANDARD,
        slack_channel: str | None = None,
        mirror_threads: bool = True,
        is_error_tracking_default: bool = False,
    ) -> Project:
        """A new project; without a handle, one is derived from the name."""
        clean_name = _ok(validate_project_name(name))
        clean_key = _ok(validate_project_key(key))
        clean_handle = _ok(
            validate_project_handle(
                handle if handle is not None else suggest_handle(clean_name, fallback=clean_key)
            )
        )
        project = Project(
            id=uuid.uuid4(),
            name=clean_name,
            key=clean_key,
            handle=clean_handle,
            monitor_enabled=monitor_enabled,
            auto_close=auto_close,
            default_case_type=_ok(parse_case_type(default_case_type)),
            slack_channel=_clean_channel(slack_channel),
            mirror_threads=mirror_threads,
            is_error_tracking_default=is_error_tracking_default,
            created_at=self.now,
        )
        self._refuse_taken(key=project.key, handle=project.handle, other_than=None)
        if is_error_tracking_default:
            self._clear_error_tracking_default()
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(projects), _values(project))
                self.conn.execute(insert(project_counters), {"project_id": project.id, "last": 0})
        except IntegrityError:
            # Lost a race with a concurrent create: say which value is taken.
            self._refuse_taken(key=project.key, handle=project.handle, other_than=None)
            raise
        return project

    def update(
        self,
        ref: uuid.UUID | str | Project,
        *,
        name: str | _Unset = UNSET,
        key: str | _Unset = UNSET,
        handle: str | _Unset = UNSET,
        monitor_enabled: bool | _Unset = UNSET,
        auto_close: bool | _Unset = UNSET,
        default_case_type: str | _Unset = UNSET,
        slack_channel: str | _Unset | None = UNSET,
        mirror_threads: bool | _Unset = UNSET,
        is_error_tracking_default: bool | _Unset = UNSET,
    ) -> Project:
        """Change the given settings; the key can be repeated but never changed."""
        project = ref if isinstance(ref, Project) else self.get(ref)
        if not isinstance(key, _Unset) and key != project.key:
            raise InvalidProjectChange(
                "key", f"the key of project {project.key} cannot be changed (case keys use it)"
            )
        changes: dict[str, Any] = {}
        if not isinstance(name, _Unset):
            changes["name"] = _ok(validate_project_name(name))
        if not isinstance(handle, _Unset):
            changes["handle"] = _ok(validate_project_handle(handle))
            self._refuse_taken(key=None, handle=changes["handle"], other_than=project.id)
        if not isinstance(default_case_type, _Unset):
            changes["default_case_type"] = _ok(parse_case_type(default_case_type))
        if not isinstance(slack_channel, _Unset):
            changes["slack_channel"] = _clean_channel(slack_channel)
        for column, value in (
            ("monitor_enabled", monitor_enabled),
            ("auto_close", auto_close),
            ("mirror_threads", mirror_threads),
            ("is_error_tracking_default", is_error_tracking_default),
        ):
            if not isinstance(value, _Unset):
                changes[column] = bool(value)
        if not changes:
            return project
        if changes.get("is_error_tracking_default"):
            self._clear_error_tracking_default()
        try:
            with self.conn.begin_nested():
                self.conn.execute(update(projects).where(_p.id == project.id), changes)
        except IntegrityError:
            self._refuse_taken(key=None, handle=changes.get("handle"), other_than=project.id)
            raise
        return replace(project, **changes)

    def delete(self, ref: uuid.UUID | str | Project) -> None:
        """Delete the project and, with it, all its cases and their timelines."""
        project = ref if isinstance(ref, Project) else self.get(ref)
        self.conn.execute(delete(projects).where(_p.id == project.id))

    def error_tracking_default(self) -> Project | None:
        row = self.conn.execute(select(projects).where(_p.is_error_tracking_default)).first()
        return project_from_row(row) if row is not None else None

    def _clear_error_tracking_default(self) -> None:
        # One default project at most: marking one unmarks the others.
        self.conn.execute(
            update(projects).where(_p.is_error_tracking_default),
            {"is_error_tracking_default": False},
        )

    def _refuse_taken(
        self, *, key: str | None, handle: str | None, other_than: uuid.UUID | None
    ) -> None:
        for column, value in (("key", key), ("handle", handle)):
            if value is None:
                continue
            query = select(_p.id).where(projects.c[column] == value)
            if other_than is not None:
                query = query.where(_p.id != other_than)
            if self.conn.execute(query).first() is not None:
                raise InvalidProjectChange(
                    column, f"{column} {value!r} is already used by another project"
                )


def _clean_channel(channel: str | None) -> str | None:
    if channel is None:
        return None
    cleaned = channel.strip()
    return cleaned or None


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
    }

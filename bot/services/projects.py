"""The project service: create, read, update and delete projects.

`ProjectReader(conn)` reads; `ProjectService(conn, now=...)` also changes projects.
Like `CaseService`, it works inside a transaction its caller owns. Refusals are
`InvalidProjectChange(field, message)` and `ProjectNotFound`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bot.core.cases import (
    CaseType,
    Invalid,
    Project,
    parse_case_type,
)
from bot.core.lifecycle import Lifecycle, check_inactive_secs, check_reopen_window
from bot.core.projects import (
    suggest_handle,
    validate_project_handle,
    validate_project_key,
    validate_project_name,
)
from bot.db import project_usage
from bot.db import projects as store
from bot.db.projects import find_project, find_project_by_handle, list_projects
from bot.services.errors import InvalidProjectChange, ProjectNotFound

__all__ = ["UNSET", "Deletion", "ProjectReader", "ProjectService"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# "Leave this setting as it is" (None is a value: no Slack channel).
UNSET: Final = _Unset()


@dataclass(frozen=True, slots=True)
class Deletion:
    """A project, and what goes with it when it is deleted."""

    project: Project
    cases: int
    rules: int


def _ok(value: str | Invalid) -> str:
    if isinstance(value, Invalid):
        raise InvalidProjectChange(value.field, value.message)
    return value


class ProjectReader:
    """Project reads on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

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

    def error_tracking_default(self) -> Project | None:
        """The project error-tracking issues go to when no rule routes them."""
        return store.error_tracking_default(self.conn)

    def case_counts(self) -> dict[uuid.UUID, int]:
        """How many cases each project holds (archived ones too)."""
        return project_usage.case_counts(self.conn)

    def deletion(self, ref: uuid.UUID | str) -> Deletion:
        """What deleting the project takes with it."""
        project = self.get(ref)
        return Deletion(
            project,
            cases=project_usage.case_counts(self.conn).get(project.id, 0),
            rules=project_usage.rule_count(self.conn, project.id),
        )


class ProjectService(ProjectReader):
    """Project changes on one connection, inside the caller's transaction, at time `now`."""

    def __init__(self, conn: Connection, *, now: datetime) -> None:
        super().__init__(conn)
        self.now = now

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
        lifecycle: Lifecycle | None = None,
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
            lifecycle=_checked_lifecycle(lifecycle or Lifecycle()),
        )
        self._refuse_taken(key=project.key, handle=project.handle, other_than=None)
        if is_error_tracking_default:
            self._clear_error_tracking_default()
        try:
            store.insert_project(self.conn, project)
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
        lifecycle: Lifecycle | _Unset = UNSET,
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
        if not isinstance(lifecycle, _Unset) and lifecycle != project.lifecycle:
            changes["lifecycle"] = _checked_lifecycle(lifecycle)
        if not changes:
            return project
        if changes.get("is_error_tracking_default"):
            self._clear_error_tracking_default()
        written = dict(changes)
        if "lifecycle" in written:
            written.update(store.lifecycle_values(written.pop("lifecycle")))
        try:
            store.update_project(self.conn, project.id, written)
        except IntegrityError:
            self._refuse_taken(key=None, handle=changes.get("handle"), other_than=project.id)
            raise
        return replace(project, **changes)

    def delete(self, ref: uuid.UUID | str | Project) -> None:
        """Delete the project and, with it, all its cases and their timelines."""
        project = ref if isinstance(ref, Project) else self.get(ref)
        store.delete_project(self.conn, project.id)

    def _clear_error_tracking_default(self) -> None:
        # One default project at most: marking one unmarks the others.
        store.clear_error_tracking_default(self.conn)

    def _refuse_taken(
        self, *, key: str | None, handle: str | None, other_than: uuid.UUID | None
    ) -> None:
        for column, value in (("key", key), ("handle", handle)):
            if value is None:
                continue
            if store.is_taken(self.conn, column, value, other_than=other_than):
                raise InvalidProjectChange(
                    column, f"{column} {value!r} is already used by another project"
                )


def _checked_lifecycle(lifecycle: Lifecycle) -> Lifecycle:
    for checked in (
        check_inactive_secs(lifecycle.max_inactive_secs),
        check_reopen_window(lifecycle.reopen_window_secs),
    ):
        if isinstance(checked, Invalid):
            raise InvalidProjectChange(checked.field, checked.message)
    return lifecycle


def _clean_channel(channel: str | None) -> str | None:
    if channel is None:
        return None
    cleaned = channel.strip()
    return cleaned or None

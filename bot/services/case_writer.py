"""How a case change is written: the row, its timeline entry, and the listeners told of it.

`CaseWriter` is the base of `CaseService` (bot/services/cases.py): every change
goes through `_update` (the row and `modified_at`) and `_record` (the timeline
entry, then every listener's `on_case_event(conn, event)` on the same
connection, so that what listeners write commits or rolls back with the change).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection

from bot.core.cases import (
    ACTOR_NAME_MAX,
    PERSON_SOURCES,
    Actor,
    Case,
    CaseEvent,
    Invalid,
    Project,
    TimelineEntry,
    TimelineKind,
    User,
)
from bot.db import case_store
from bot.db.cases import with_row_values
from bot.db.projects import find_project, next_case_number
from bot.services.case_listeners import CaseListener
from bot.services.case_reader import CaseReader, CaseRef, reference
from bot.services.errors import CaseNotFound, InvalidCaseChange, ProjectNotFound
from bot.services.users import UserReader

if TYPE_CHECKING:
    from bot.services.case_batch import CaseBatch

ProjectRef = uuid.UUID | str | Project


_T = TypeVar("_T")


def checked(value: _T | Invalid) -> _T:
    """`value`, or `InvalidCaseChange` when the core refused it (an `Invalid`)."""
    if isinstance(value, Invalid):
        raise InvalidCaseChange(value.field, value.message)
    return value


class CaseWriter(CaseReader):
    """Case writes on one connection, inside the caller's transaction, at time `now`."""

    def __init__(
        self,
        conn: Connection,
        *,
        now: datetime,
        listeners: Iterable[CaseListener] = (),
        batch: CaseBatch | None = None,
        projects: dict[uuid.UUID, Project] | None = None,
    ) -> None:
        super().__init__(conn)
        self.now = now
        self.listeners = tuple(listeners)
        # A batch of deliveries (bot/services/case_batch.py): the cases opened here are
        # held there and written together, and the listeners told when they are.
        self.batch = batch
        # Projects looked up by id, read once for the many cases a batch of alerts
        # opens in one project. A service lives for one transaction, in which casebot
        # never edits a project and then opens a case in it.
        # `projects`: a caller's own, which it fills as it reads projects (the pipeline's).
        self._projects_by_id: dict[uuid.UUID, Project] = {} if projects is None else projects
        # Cases created by this service: their `modified_at` is already `now`, so a
        # timeline entry appended to them needs no touch of the row.
        self._created: set[uuid.UUID] = set()

    # --- Internals -------------------------------------------------------------

    def _project(self, ref: ProjectRef) -> Project:
        if isinstance(ref, Project):
            return ref
        if isinstance(ref, uuid.UUID) and ref in self._projects_by_id:
            return self._projects_by_id[ref]
        found = find_project(self.conn, ref)
        if found is None:
            raise ProjectNotFound(ref)
        self._projects_by_id[found.id] = found
        return found

    def _next_number(self, project: Project) -> int:
        if self.batch is not None:
            number = self.batch.rows.next_number(self.conn, project.id)
        else:
            number = next_case_number(self.conn, project.id)
        if number is None:
            raise ProjectNotFound(project.id)
        return number

    def _require_user(self, user_id: uuid.UUID) -> User:
        return UserReader(self.conn).get(user_id)

    def _touch(self, ref: CaseRef, actor: Actor | None = None) -> Case:
        """Bump `modified_at` and return the case, in one statement (which locks the row);
        a person's touch also marks the case worked."""
        self._flush_for(ref)
        column, value = reference(ref)
        worked = actor is not None and actor.source in PERSON_SOURCES
        case = case_store.touch(self.conn, column, value, now=self.now, worked=worked)
        if case is None:
            raise CaseNotFound(ref.key if isinstance(ref, Case) else ref)
        return case

    def _flush_for(self, ref: CaseRef) -> None:
        """Write what the batch holds if `ref` may be a case it holds: the read must
        find it."""
        batch = self.batch
        if batch is None or not batch.rows.case_ids:
            return
        column, value = reference(ref)
        if column == "id" and value not in batch.rows.case_ids:
            return
        batch.flush(self.conn)

    def _load_for_change(self, ref: CaseRef) -> Case:
        self._flush_for(ref)
        case = self._load(ref, for_update=True)
        if case is None:
            raise CaseNotFound(ref.key if isinstance(ref, Case) else ref)
        return case

    def _change_field(
        self,
        ref: CaseRef,
        column: str,
        value: str,
        actor: Actor,
        kind: TimelineKind,
        body: str,
    ) -> Case:
        case = self._load_for_change(ref)
        old = getattr(case, column)
        if old == value:
            return case
        changed = self._update(case, {column: str(value)}, actor)
        data = {"from": old, "to": str(value)}
        self._record(changed, case, kind, actor, body.format(old or "none", value), data)
        return changed

    def _update(self, case: Case, values: dict[str, Any], actor: Actor | None = None) -> Case:
        """Write `values` and the new `modified_at`; returns the case as it now is. A
        person's change (`actor`) marks the case worked, the first time."""
        values = {**values, "modified_at": self.now}
        if actor is not None and actor.source in PERSON_SOURCES and case.first_worked_at is None:
            values["first_worked_at"] = self.now
        case_store.update_case(self.conn, case.id, values)
        return with_row_values(case, values)

    def _record(
        self,
        case: Case,
        previous: Case | None,
        kind: str,
        actor: Actor,
        body: str,
        data: Mapping[str, Any],
    ) -> TimelineEntry | None:
        """Append the timeline entry and tell the listeners; the entry, or None when a
        batch holds it (an entry of a case the batch opened: written on its flush)."""
        values = {
            "case_id": case.id,
            "kind": str(kind),
            "actor_user_id": actor.user_id,
            "actor_source": str(actor.source),
            "actor_name": actor.name[:ACTOR_NAME_MAX],
            "body": body,
            "data": dict(data),
            "created_at": self.now,
        }
        batch = self.batch
        held = batch is not None and case.id in batch.rows.case_ids
        if held:
            assert batch is not None
            entry_id = 0  # filled in by the flush, before any listener hears of it
            place: int | None = batch.rows.add_entry(values)
        else:
            entry_id = case_store.insert_entry(self.conn, values)
            place = None
        if self.listeners:
            event = CaseEvent(
                str(kind), case, previous, actor, entry_id, self.now, dict(data), body
            )
            if batch is not None and batch.pending:
                batch.tell(event, self.listeners, entry=place)
            else:
                for listener in self.listeners:
                    listener.on_case_event(self.conn, event)
        if held:
            return None
        return TimelineEntry(entry_id, case.id, str(kind), actor, body, dict(data), self.now)

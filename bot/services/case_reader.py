"""Reading cases: one by id or key, a timeline, a list. `CaseService` builds on it.

`CaseReader(conn)` reads inside whatever transaction its caller holds; it never
writes. References are a `Case`, its UUID (or UUID text) or its key (`OPS-12`,
any case).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select

from bot.core.cases import Case, CaseStatus, TimelineEntry
from bot.db.cases import case_from_row, case_timeline, cases, timeline_entry_from_row
from bot.services.errors import CaseNotFound

CaseRef = uuid.UUID | str | Case
_c = cases.c


class CaseReader:
    """Case reads on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find(self, ref: CaseRef) -> Case | None:
        """The case with this id or key (`OPS-12`, any case), or None."""
        return self._load(ref, for_update=False)

    def get(self, ref: CaseRef) -> Case:
        """Like `find`, but raises `CaseNotFound`."""
        found = self.find(ref)
        if found is None:
            raise CaseNotFound(ref.key if isinstance(ref, Case) else ref)
        return found

    def timeline(self, ref: CaseRef) -> list[TimelineEntry]:
        """The case's timeline, oldest first."""
        case_id = self.get(ref).id if not isinstance(ref, uuid.UUID) else ref
        rows = self.conn.execute(
            select(case_timeline)
            .where(case_timeline.c.case_id == case_id)
            .order_by(case_timeline.c.id)
        )
        return [timeline_entry_from_row(row) for row in rows]

    def list_cases(
        self,
        *,
        project_id: uuid.UUID | None = None,
        statuses: Sequence[CaseStatus] = (),
        include_archived: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Case]:
        """Cases, newest first, optionally of one project and some statuses."""
        query = select(cases).order_by(_c.created_at.desc(), _c.key.desc())
        if project_id is not None:
            query = query.where(_c.project_id == project_id)
        if statuses:
            query = query.where(_c.status.in_([s.value for s in statuses]))
        if not include_archived:
            query = query.where(_c.archived_at.is_(None))
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        return [case_from_row(row) for row in self.conn.execute(query)]

    def _load(self, ref: CaseRef, *, for_update: bool) -> Case | None:
        column, value = reference(ref)
        # FOR UPDATE: a row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already
        # serialises writers and the clause is left out there.
        query = (_SELECT_FOR_UPDATE if for_update else _SELECT)[column]
        row = self.conn.execute(query, {"b_ref": value}).first()
        return case_from_row(row) if row is not None else None


def reference(ref: CaseRef) -> tuple[str, uuid.UUID | str]:
    """Which column a reference names (`id` or `key`), and the value to look for."""
    if isinstance(ref, Case):
        return "id", ref.id
    if isinstance(ref, str):
        parsed = _parse_uuid(ref)
        return ("id", parsed) if parsed else ("key", ref.strip().upper())
    return "id", ref


def _parse_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


# Statements built once: building and caching a statement per call costs more
# than executing it on SQLite.
_SELECT = {
    "id": select(cases).where(_c.id == bindparam("b_ref")),
    "key": select(cases).where(_c.key == bindparam("b_ref")),
}
_SELECT_FOR_UPDATE = {column: query.with_for_update() for column, query in _SELECT.items()}

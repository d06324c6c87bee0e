"""Reading cases: one by id or key, a timeline, a list. `CaseService` builds on it.

`CaseReader(conn)` reads inside whatever transaction its caller holds; it never
writes. References are a `Case`, its UUID (or UUID text) or its key (`OPS-12`,
any case).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection

from bot.core.cases import Case, CaseStatus, TimelineEntry
from bot.db import case_modifiers, case_store
from bot.services.errors import CaseNotFound

CaseRef = uuid.UUID | str | Case


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

    def get_with_modifier(self, ref: CaseRef) -> tuple[Case, uuid.UUID | None]:
        """Like `get`, with the user behind the case's newest timeline entry (None: no
        user, e.g. a monitor): what a case answer shows as `modified_by`."""
        column, value = reference(ref)
        found = case_modifiers.case_and_last_actor(self.conn, column, value)
        if found is None:
            raise CaseNotFound(ref.key if isinstance(ref, Case) else ref)
        return found

    def timeline(self, ref: CaseRef) -> list[TimelineEntry]:
        """The case's timeline, oldest first."""
        case_id = self.get(ref).id if not isinstance(ref, uuid.UUID) else ref
        return case_store.timeline(self.conn, case_id)

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
        return case_store.list_cases(
            self.conn,
            project_id=project_id,
            statuses=statuses,
            include_archived=include_archived,
            limit=limit,
            offset=offset,
        )

    def open_cases_of(self, user_id: uuid.UUID, *, limit: int = 20) -> list[Case]:
        """Cases not closed (nor archived) assigned to, or created by, the user; newest first."""
        return case_store.list_cases(
            self.conn,
            statuses=[s for s in CaseStatus if s != CaseStatus.CLOSED],
            involving=user_id,
            limit=limit,
        )

    def _load(self, ref: CaseRef, *, for_update: bool) -> Case | None:
        column, value = reference(ref)
        return case_store.load(self.conn, column, value, for_update=for_update)


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

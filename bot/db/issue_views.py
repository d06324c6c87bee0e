"""What the console's issue pages read beside the issues themselves: occurrences, and
the cases issues are linked to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from bot.core.cases import CaseStatus
from bot.core.issues import SeenOccurrence
from bot.db.cases import cases
from bot.db.error_tracking import error_tracking_occurrences

_o = error_tracking_occurrences.c


@dataclass(frozen=True, slots=True)
class LinkedCaseRef:
    """A case an issue is linked to, as a list shows it."""

    id: uuid.UUID
    key: str
    title: str
    status: CaseStatus


def occurrences(conn: Connection, issue_id: uuid.UUID, *, limit: int) -> list[SeenOccurrence]:
    """The issue's latest occurrences, newest first."""
    rows = conn.execute(
        select(_o.occurred_at, _o.version, _o.env, _o.message)
        .where(_o.issue_id == issue_id)
        .order_by(_o.occurred_at.desc(), _o.id.desc())
        .limit(limit)
    )
    return [SeenOccurrence(r.occurred_at, r.version, r.env, r.message) for r in rows]


def case_refs(conn: Connection, case_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, LinkedCaseRef]:
    wanted = sorted(set(case_ids))
    if not wanted:
        return {}
    c = cases.c
    rows = conn.execute(select(c.id, c.key, c.title, c.status).where(c.id.in_(wanted)))
    return {r.id: LinkedCaseRef(r.id, r.key, r.title, CaseStatus(r.status)) for r in rows}

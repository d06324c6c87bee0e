"""Who last changed a case: the user behind its newest timeline entry.

Cases keep no `modified_by` column; the timeline already records every change
with its actor, so the newest entry answers the question (None when that
actor was no user, e.g. a monitor).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import Connection, bindparam, func, select

from bot.db.cases import case_timeline

_t = case_timeline.c


def last_actors(conn: Connection, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """case id -> the user who made its newest timeline entry (cases with one only)."""
    if not case_ids:
        return {}
    newest = select(func.max(_t.id)).where(_t.case_id.in_(list(case_ids))).group_by(_t.case_id)
    rows = conn.execute(select(_t.case_id, _t.actor_user_id).where(_t.id.in_(newest)))
    return {row.case_id: row.actor_user_id for row in rows if row.actor_user_id is not None}


# Built once: this runs on every case answer, and building a statement costs more
# than running it.
_LAST_ACTOR = (
    select(_t.actor_user_id)
    .where(_t.case_id == bindparam("case_id"))
    .order_by(_t.id.desc())
    .limit(1)
)


def last_actor(conn: Connection, case_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = conn.execute(_LAST_ACTOR, {"case_id": case_id}).scalar()
    return found

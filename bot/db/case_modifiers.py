"""Who last changed a case: the user behind its newest timeline entry.

Cases keep no `modified_by` column; the timeline already records every change
with its actor, so the newest entry answers the question (None when that
actor was no user, e.g. a monitor).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import Connection, bindparam, func, select

from bot.core.cases import Case
from bot.db.cases import case_from_row, case_timeline, cases

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


# A case answer's case and who last changed it, in one statement: reading them apart
# took twice as long on SQLite, where a round trip is most of the time of each.
_NEWEST = (
    select(_t.actor_user_id)
    .where(_t.case_id == cases.c.id)
    .order_by(_t.id.desc())
    .limit(1)
    .scalar_subquery()
    .label("last_actor_user_id")
)
_CASE_AND_ACTOR = {
    column: select(cases, _NEWEST).where(cases.c[column] == bindparam("b_ref"))
    for column in ("id", "key")
}


def case_and_last_actor(
    conn: Connection, column: str, value: uuid.UUID | str
) -> tuple[Case, uuid.UUID | None] | None:
    """The case whose `column` (`id` or `key`) is `value` and the user behind its newest
    timeline entry; None when there is no such case."""
    row = conn.execute(_CASE_AND_ACTOR[column], {"b_ref": value}).first()
    if row is None:
        return None
    return case_from_row(row), row.last_actor_user_id

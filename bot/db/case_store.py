"""Cases' statements: read a case, write it, append to its timeline, list cases.

The case service and reader (bot/services/) decide; these run the SQL inside
the caller's transaction. A case is referred to by a column (`id` or `key`)
and a value, as `bot.services.case_reader.reference` makes them.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, bindparam, cast, func, insert, or_, select, update

from bot.core.cases import Case, CaseStatus, TimelineEntry, case_key, case_key_prefix
from bot.db.cases import case_from_row, case_timeline, case_to_row, cases, timeline_entry_from_row
from bot.db.projects import next_case_number, project_counters

_c = cases.c

# Statements built once: building and caching a statement per call costs more
# than executing it on SQLite.
_SELECT = {
    "id": select(cases).where(_c.id == bindparam("b_ref")),
    "key": select(cases).where(_c.key == bindparam("b_ref")),
}
_SELECT_FOR_UPDATE = {column: query.with_for_update() for column, query in _SELECT.items()}
_TOUCH = {
    column: update(cases)
    .where(cases.c[column] == bindparam("b_ref"))
    .values(modified_at=bindparam("b_now"))
    .returning(*cases.c)
    for column in ("id", "key")
}
# A person's touch also remembers when a person first worked the case.
_TOUCH_WORKED = {
    column: update(cases)
    .where(cases.c[column] == bindparam("b_ref"))
    .values(
        modified_at=bindparam("b_now"),
        first_worked_at=func.coalesce(cases.c.first_worked_at, bindparam("b_now")),
    )
    .returning(*cases.c)
    for column in ("id", "key")
}
_UPDATE_BY_ID = update(cases).where(_c.id == bindparam("b_id"))
_INSERT_CASE = insert(cases)
# PostgreSQL: take the project's next number and insert the case with it, in one
# statement. The counter row stays locked until the transaction ends, and every
# concurrent new case of the project waits for it: one round trip less while it is held.
_TAKEN = (
    update(project_counters)
    .where(project_counters.c.project_id == bindparam("b_project"))
    .values(last=project_counters.c.last + 1)
    .returning(project_counters.c.last)
    .cte("taken")
)
_NUMBERED = {
    "number": _TAKEN.c.last,
    # As bot.core.cases.case_key spells a key: its prefix, then the number.
    "key": bindparam("b_prefix", type_=String) + cast(_TAKEN.c.last, String),
}
_INSERT_NUMBERED_CASE = (
    insert(cases)
    .from_select(
        [column.name for column in cases.columns],
        select(
            *(
                _NUMBERED.get(column.name, bindparam(f"c_{column.name}", type_=column.type))
                for column in cases.columns
            )
        ),
    )
    .add_cte(_TAKEN)
    .returning(cases.c.number, cases.c.key)
)
_INSERT_TIMELINE = insert(case_timeline).returning(case_timeline.c.id)
_TIMELINE_BODY = select(case_timeline.c.body).where(case_timeline.c.id == bindparam("b_id"))


def load(conn: Connection, column: str, value: uuid.UUID | str, *, for_update: bool) -> Case | None:
    """The case whose `column` (`id` or `key`) is `value`, or None.

    FOR UPDATE: a row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers and the clause is left out there.
    """
    query = (_SELECT_FOR_UPDATE if for_update else _SELECT)[column]
    row = conn.execute(query, {"b_ref": value}).first()
    return case_from_row(row) if row is not None else None


_LOCK = select(_c.id).where(_c.id == bindparam("b_id")).with_for_update()


def lock(conn: Connection, case_id: uuid.UUID) -> None:
    """Hold the case's row until the transaction ends (PostgreSQL; see `load`)."""
    conn.execute(_LOCK, {"b_id": case_id})


def touch(
    conn: Connection, column: str, value: uuid.UUID | str, *, now: datetime, worked: bool = False
) -> Case | None:
    """Bump `modified_at` and return the case, in one statement (which locks the row);
    `worked`: a person's touch, which also sets `first_worked_at` if it is not set."""
    statement = (_TOUCH_WORKED if worked else _TOUCH)[column]
    row = conn.execute(statement, {"b_ref": value, "b_now": now}).first()
    return case_from_row(row) if row is not None else None


def insert_case(conn: Connection, case: Case) -> None:
    conn.execute(_INSERT_CASE, case_to_row(case))


def insert_numbered_case(conn: Connection, case: Case, project_key: str) -> Case | None:
    """Insert `case` with its project's next case number and the key it makes (whatever
    `case` says of them); the case as stored, or None when there is no such project.

    Call it in the transaction that creates the case: the project's counter stays
    locked until commit, and a rollback returns the number."""
    if conn.dialect.name != "postgresql":
        number = next_case_number(conn, case.project_id)
        if number is None:
            return None
        numbered = dataclasses.replace(case, number=number, key=case_key(project_key, number))
        insert_case(conn, numbered)
        return numbered
    # Not under the columns' own names: the counter's UPDATE would take `project_id`
    # for a value to set.
    values = {f"c_{name}": value for name, value in case_to_row(case).items()}
    values.update(b_project=case.project_id, b_prefix=case_key_prefix(project_key))
    row = conn.execute(_INSERT_NUMBERED_CASE, values).first()
    if row is None:
        return None
    return dataclasses.replace(case, number=row.number, key=row.key)


def update_case(conn: Connection, case_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    conn.execute(_UPDATE_BY_ID, {**values, "b_id": case_id})


def insert_entry(conn: Connection, values: Mapping[str, Any]) -> int:
    """Append a timeline entry (the columns of `case_timeline` but `id`); its id."""
    return int(conn.execute(_INSERT_TIMELINE, dict(values)).scalar_one())


def entry_body(conn: Connection, entry_id: int) -> str:
    return str(conn.execute(_TIMELINE_BODY, {"b_id": entry_id}).scalar_one())


def timeline(conn: Connection, case_id: uuid.UUID) -> list[TimelineEntry]:
    """The case's timeline, oldest first."""
    rows = conn.execute(
        select(case_timeline).where(case_timeline.c.case_id == case_id).order_by(case_timeline.c.id)
    )
    return [timeline_entry_from_row(row) for row in rows]


def list_cases(
    conn: Connection,
    *,
    project_id: uuid.UUID | None = None,
    statuses: Sequence[CaseStatus] = (),
    include_archived: bool = False,
    involving: uuid.UUID | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Case]:
    """Cases, newest first; `involving` a user: assigned to or created by them."""
    query = select(cases).order_by(_c.created_at.desc(), _c.key.desc())
    if project_id is not None:
        query = query.where(_c.project_id == project_id)
    if statuses:
        query = query.where(_c.status.in_([s.value for s in statuses]))
    if involving is not None:
        query = query.where(or_(_c.assignee_id == involving, _c.created_by == involving))
    if not include_archived:
        query = query.where(_c.archived_at.is_(None))
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return [case_from_row(row) for row in conn.execute(query)]

"""A batch's new cases, written set-based: what an alert storm costs per case.

Opening a case one at a time costs a statement for its number, one for the case,
one for its cycle's claim and one per timeline entry. `NewCaseRows` holds them
for one transaction instead and writes them in a handful of statements: each
project's counter is read and locked once (its numbers are then taken here) and
written back once, and the cases, claims and entries go in multi-row INSERTs.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, update

from bot.core.cases import Case
from bot.db.bulk import allocate_ids, insert_rows
from bot.db.cases import case_timeline, case_to_row, cases
from bot.db.monitor_groups import monitor_cycle_cases
from bot.db.projects import project_counters

_c = project_counters.c
# Locks the counter's row until the transaction ends (on SQLite, BEGIN IMMEDIATE
# holds the database already) and reads it, changing nothing.
_LOCK_COUNTER = (
    update(project_counters)
    .where(_c.project_id == bindparam("b_id"))
    .values(last=_c.last)
    .returning(_c.last)
)
_SET_COUNTER = (
    update(project_counters)
    .where(_c.project_id == bindparam("b_id"))
    .values(last=bindparam("b_last"))
)


class NewCaseRows:
    """The rows of the cases a transaction opens, until `write`."""

    def __init__(self) -> None:
        # The last number taken per project (locked and read once), and whether the
        # counter row is behind it.
        self._last: dict[uuid.UUID, int] = {}
        self._behind: set[uuid.UUID] = set()
        self._cases: list[dict[str, Any]] = []
        self._claims: list[dict[str, Any]] = []
        self._entries: list[dict[str, Any]] = []
        # The ids of the cases not written yet.
        self.case_ids: set[uuid.UUID] = set()

    def __bool__(self) -> bool:
        return bool(self._cases or self._claims or self._entries or self._behind)

    def next_number(self, conn: Connection, project_id: uuid.UUID) -> int | None:
        """The project's next case number (None if there is no such project)."""
        last = self._last.get(project_id)
        if last is None:
            found = conn.execute(_LOCK_COUNTER, {"b_id": project_id}).scalar_one_or_none()
            if found is None:
                return None
            last = int(found)
        self._last[project_id] = last + 1
        self._behind.add(project_id)
        return last + 1

    def add_case(self, case: Case) -> None:
        self._cases.append(case_to_row(case))
        self.case_ids.add(case.id)

    def add_claim(self, values: Mapping[str, Any]) -> None:
        """A cycle's claim (the columns of `monitor_cycle_cases`)."""
        self._claims.append(dict(values))

    def add_entry(self, values: Mapping[str, Any]) -> int:
        """A timeline entry (the columns of `case_timeline` but `id`); its place among
        the entries that the next `write` returns the ids of."""
        self._entries.append(dict(values))
        return len(self._entries) - 1

    def write(self, conn: Connection) -> list[int]:
        """Write everything held, in order (counters, cases, claims, entries); the
        entries' ids, in the order they were added."""
        if self._behind:
            conn.execute(
                _SET_COUNTER,
                [{"b_id": p, "b_last": self._last[p]} for p in sorted(self._behind)],
            )
        insert_rows(conn, cases, self._cases)
        insert_rows(conn, monitor_cycle_cases, self._claims)
        ids = allocate_ids(conn, case_timeline, len(self._entries))
        entries = [{**e, "id": i} for e, i in zip(self._entries, ids, strict=True)]
        insert_rows(conn, case_timeline, entries)
        self._behind.clear()
        self._cases.clear()
        self._claims.clear()
        self._entries.clear()
        self.case_ids.clear()
        return ids

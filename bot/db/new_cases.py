"""A batch's new cases, written set-based: what an alert storm costs per case.

Opening a case one at a time costs a statement for its number, one for the case,
one for its cycle's claim and one per timeline entry. `NewCaseRows` holds them
for one transaction instead and writes them in a handful of statements: each
project's numbers are taken many at a time (the unused ones given back when the
rows are written), and the cases, claims and entries go in multi-row INSERTs.
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
# Takes `b_n` numbers at once; the counter's row stays locked until the transaction
# ends (on SQLite, BEGIN IMMEDIATE holds the database already).
_RESERVE = (
    update(project_counters)
    .where(_c.project_id == bindparam("b_id"))
    .values(last=_c.last + bindparam("b_n"))
    .returning(_c.last)
)
_SET_COUNTER = (
    update(project_counters)
    .where(_c.project_id == bindparam("b_id"))
    .values(last=bindparam("b_last"))
)


class NewCaseRows:
    """The rows of the cases a transaction opens, until `write`."""

    def __init__(self, *, reserve: int = 1) -> None:
        # Numbers are taken `reserve` at a time per project (the batch's events: each
        # opens at most one case per project), and those not used are given back on
        # `write`: a storm whose every alert opens a case costs one statement for them.
        self.reserve = max(reserve, 1)
        self._last: dict[uuid.UUID, int] = {}  # the last number used, per project
        self._reserved: dict[uuid.UUID, int] = {}  # the counter as written
        self._cases: list[dict[str, Any]] = []
        self._claims: list[dict[str, Any]] = []
        self._entries: list[dict[str, Any]] = []
        # The ids of the cases not written yet.
        self.case_ids: set[uuid.UUID] = set()

    def __bool__(self) -> bool:
        return bool(self._cases or self._claims or self._entries or self._unused())

    def next_number(self, conn: Connection, project_id: uuid.UUID) -> int | None:
        """The project's next case number (None if there is no such project)."""
        last = self._last.get(project_id)
        if last is None or last >= self._reserved[project_id]:
            found = conn.execute(
                _RESERVE, {"b_id": project_id, "b_n": self.reserve}
            ).scalar_one_or_none()
            if found is None:
                return None
            self._reserved[project_id] = int(found)
            last = int(found) - self.reserve
        self._last[project_id] = last + 1
        return last + 1

    def _unused(self) -> list[uuid.UUID]:
        """Projects with numbers taken but not used."""
        return [p for p, last in self._last.items() if last < self._reserved[p]]

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
        unused = sorted(self._unused())
        if unused:
            conn.execute(_SET_COUNTER, [{"b_id": p, "b_last": self._last[p]} for p in unused])
            self._reserved.update((p, self._last[p]) for p in unused)
        insert_rows(conn, cases, self._cases)
        insert_rows(conn, monitor_cycle_cases, self._claims)
        ids = allocate_ids(conn, case_timeline, len(self._entries))
        entries = [{**e, "id": i} for e, i in zip(self._entries, ids, strict=True)]
        insert_rows(conn, case_timeline, entries)
        self._cases.clear()
        self._claims.clear()
        self._entries.clear()
        self.case_ids.clear()
        return ids

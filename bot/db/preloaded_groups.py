"""Group commit: the groups of a whole batch of deliveries read in one query.

`PreloadedGroups` is the batch's `Groups` (bot/db/group_store.py): every group
read (and on PostgreSQL locked) at once, held while the batch's events apply,
written in a few statements at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, select, text

from bot.core.alert_cycles import CycleCase, GroupState
from bot.core.events import MonitorEvent
from bot.db.bulk import allocate_ids
from bot.db.cases import cases
from bot.db.group_store import (
    COLUMNS,
    CYCLE_CASES,
    GroupKey,
    LockedGroup,
    cycle_case,
    insert_groups,
    insert_values,
    key_of,
    lock,
    mark_seen,
    seen_values,
    to_state,
    update_values,
    write_updates,
)
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.projects import projects

_g = monitor_groups.c


def _nothing() -> None:
    return None


class PreloadedGroups:
    """Group commit: every group of a batch read in one query, written in a few at the end.

    Events of one batch are applied in order against the states held here. A new
    group that needs its id at once (it opens a case, whose claim names it) gets one
    of ids allocated for the batch's new groups in one statement, and is written with
    the next `write_pending`. A group whose cases changed is dropped from the cache
    and read again from the database the next time: `before_reading` (which writes
    what the transaction holds, these groups and the batch's cases) runs first. New
    groups are inserted with a plain INSERT: if another process created one
    meanwhile, the batch fails and the writer redoes it one delivery at a time
    (`DirectGroups`, which handles that race).
    """

    def __init__(
        self,
        conn: Connection,
        events: Iterable[MonitorEvent],
        *,
        before_reading: Callable[[], None] = _nothing,
    ) -> None:
        self.cache: dict[GroupKey, LockedGroup] = {}
        # New groups without an id yet, inserted at the end; new groups given an id,
        # inserted with the next `write_pending`.
        self.inserts: dict[GroupKey, dict[str, Any]] = {}
        self.numbered: dict[GroupKey, dict[str, Any]] = {}
        self.updates: dict[int, dict[str, Any]] = {}
        # Groups notified without a change: their last notification time.
        self.seen_at: dict[int, dict[str, Any]] = {}
        self.before_reading = before_reading
        wanted = {key_of(e) for e in events}
        # Groups not stored yet are known to be new: no need to look again per event.
        self.cache = dict.fromkeys(wanted, LockedGroup(None, None))
        stored = _preload(conn, wanted)
        for row, state in stored:
            self.cache[(row.source, row.monitor_id, row.group_key)] = LockedGroup(row.id, state)
        self._new_groups = len(wanted) - len(stored)
        self._spare_ids: list[int] = []

    def load(self, conn: Connection, event: MonitorEvent) -> LockedGroup:
        key = key_of(event)
        found = self.cache.get(key)
        if found is None:
            self.before_reading()
            found = lock(conn, event)
            self.cache[key] = found
        return found

    def save(
        self,
        conn: Connection,
        locked: LockedGroup,
        event: MonitorEvent,
        state: GroupState,
        *,
        need_id: bool,
        now: datetime,
    ) -> int | None:
        if locked.id is None:
            key = key_of(event)
            values = insert_values(event, state, now)
            if not need_id:
                self.inserts[key] = values
                return None
            self.inserts.pop(key, None)
            new_id = self._new_id(conn)
            self.numbered[key] = {**values, "id": new_id}
            return new_id
        self.updates[locked.id] = update_values(locked.id, event, state, now)
        self.seen_at.pop(locked.id, None)
        return locked.id

    def seen(self, conn: Connection, locked: LockedGroup, *, now: datetime) -> None:
        if locked.id is None:
            return
        pending = self.updates.get(locked.id)
        if pending is not None:
            pending["new_last_notified_at"] = now
        else:
            self.seen_at[locked.id] = seen_values(locked.id, now)

    def applied(
        self,
        conn: Connection,
        event: MonitorEvent,
        group_id: int | None,
        state: GroupState,
        *,
        touched: bool,
    ) -> None:
        """Remember the group's new state. `touched`: its cases changed, so read it from
        the database the next time (after `before_reading` has written it)."""
        key = key_of(event)
        if touched:
            self.cache.pop(key, None)
            return
        self.cache[key] = LockedGroup(group_id, state)

    def write_pending(self, conn: Connection) -> None:
        """Write the new groups given an id, then the changed groups."""
        if self.numbered:
            insert_groups(conn, list(self.numbered.values()))
            self.numbered.clear()
        if self.updates:
            write_updates(conn, list(self.updates.values()))
            self.updates.clear()

    def flush(self, conn: Connection) -> None:
        self.write_pending(conn)
        if self.inserts:
            insert_groups(conn, list(self.inserts.values()))
        if self.seen_at:
            mark_seen(conn, list(self.seen_at.values()))
        self.inserts.clear()
        self.seen_at.clear()

    def _new_id(self, conn: Connection) -> int:
        """An id for a new group: ids for all the batch's new groups are taken at once."""
        if not self._spare_ids:
            # On SQLite ids follow the largest stored: the held groups go in first.
            self.write_pending(conn)
            self._spare_ids = allocate_ids(conn, monitor_groups, max(self._new_groups, 1))
            self._spare_ids.reverse()
        return self._spare_ids.pop()


_CHUNK = 100
# SQLite: one IN list per column; the unique index (source, monitor_id, group_key) serves it.
_PRELOAD = select(_g.source, _g.monitor_id, _g.group_key, *COLUMNS[1:], _g.id.label("id")).where(
    _g.source.in_(bindparam("sources", expanding=True)),
    _g.monitor_id.in_(bindparam("monitor_ids", expanding=True)),
    _g.group_key.in_(bindparam("group_keys", expanding=True)),
)
# PostgreSQL: one exact unique-index lookup per wanted group, each row locked. IN lists
# let the planner match only (source, monitor_id) in the index and filter every group of
# the monitor (it does so whenever its statistics are behind a fast-growing table). The
# keys arrive sorted, so two servers lock overlapping groups in the same order.
_PRELOAD_PG = text(
    """
    SELECT g.source, g.monitor_id, g.group_key, g.state, g.cycle, g.last_transition_at,
           g.cycle_started_at, g.last_triggered_at, g.cycle_key, g.id
    FROM json_array_elements(CAST(:wanted AS json)) WITH ORDINALITY AS want(k, n)
    CROSS JOIN LATERAL (
        SELECT * FROM monitor_groups m
        WHERE m.source = want.k->>0 AND m.monitor_id = want.k->>1
          AND m.group_key = want.k->>2
        FOR UPDATE
    ) AS g
    ORDER BY want.n
    """
).columns(
    _g.source,
    _g.monitor_id,
    _g.group_key,
    _g.state,
    _g.cycle,
    _g.last_transition_at,
    _g.cycle_started_at,
    _g.last_triggered_at,
    _g.cycle_key,
    _g.id,
)
_PRELOAD_CASES = (
    select(
        monitor_cycle_cases.c.group_id, monitor_cycle_cases.c.cycle, *CYCLE_CASES.selected_columns
    )
    .join(cases, cases.c.id == monitor_cycle_cases.c.case_id)
    .join(projects, projects.c.id == monitor_cycle_cases.c.project_id)
    .where(monitor_cycle_cases.c.group_id.in_(bindparam("group_ids", expanding=True)))
    .order_by(monitor_cycle_cases.c.created_at, cases.c.key)
)


def _preload(conn: Connection, wanted: set[GroupKey]) -> list[tuple[Any, GroupState | None]]:
    """The stored groups among `wanted` (locked on PostgreSQL), with their cycle cases."""
    ordered = sorted(wanted)
    rows: list[Any] = []
    postgres = conn.dialect.name == "postgresql"
    chunk_size = _CHUNK * 10 if postgres else _CHUNK
    for start in range(0, len(ordered), chunk_size):
        chunk = ordered[start : start + chunk_size]
        if postgres:
            # The keys as one JSON parameter: text[] ones cost an escape per element.
            rows.extend(conn.execute(_PRELOAD_PG, {"wanted": orjson.dumps(chunk).decode()}))
            continue
        params = {
            "sources": sorted({key[0] for key in chunk}),
            "monitor_ids": sorted({key[1] for key in chunk}),
            "group_keys": sorted({key[2] for key in chunk}),
        }
        for row in conn.execute(_PRELOAD, params):
            if (row.source, row.monitor_id, row.group_key) in wanted:
                rows.append(row)
    # The current cycle's cases; for a group in OK, the last cycle's (a re-fire may reopen).
    in_cycle = {row.id: row.cycle for row in rows if row.cycle > 0}
    found: dict[int, list[CycleCase]] = {}
    ids = sorted(in_cycle)
    for start in range(0, len(ids), _CHUNK):
        for r in conn.execute(_PRELOAD_CASES, {"group_ids": ids[start : start + _CHUNK]}):
            if in_cycle.get(r.group_id) == r.cycle:
                found.setdefault(r.group_id, []).append(cycle_case(r))
    return [(row, to_state(row, tuple(found.get(row.id, ())))) for row in rows]

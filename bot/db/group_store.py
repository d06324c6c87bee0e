"""Monitor group state for the pipeline: SQLAlchemy Core on the hot path.

Callers own the transaction. `lock` takes the group row for the rest of the
transaction (`SELECT … FOR UPDATE` on PostgreSQL; SQLite transactions already
hold the database's write lock from `BEGIN IMMEDIATE`), so two processes that
handle the same group one after the other see each other's work. The primary
key of `monitor_cycle_cases` (group, cycle, project) is the backstop that makes
a second case for one cycle and project impossible whatever happens.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.events import MonitorEvent
from bot.core.monitor import CaseCycle, CycleCase, GroupState, ProjectTarget
from bot.core.records import record
from bot.db.bulk import insert_rows
from bot.db.cases import cases
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.projects import projects
from handles.types import State

_g = monitor_groups.c

_COLUMNS = (
    _g.id,
    _g.state,
    _g.cycle,
    _g.last_transition_at,
    _g.cycle_started_at,
    _g.last_triggered_at,
    _g.cycle_key,
)
# Statements are built once: building and cache-keying one costs more than running it.
_SELECT = select(*_COLUMNS).where(
    _g.source == bindparam("source"),
    _g.monitor_id == bindparam("monitor_id"),
    _g.group_key == bindparam("group_key"),
)
_SELECT_FOR_UPDATE = _SELECT.with_for_update()
_INSERT = {
    "postgresql": postgresql.insert(monitor_groups).on_conflict_do_nothing().returning(_g.id),
    "sqlite": sqlite.insert(monitor_groups).on_conflict_do_nothing().returning(_g.id),
}
_UPDATE = (
    update(monitor_groups)
    .where(_g.id == bindparam("group_id"))
    .values(
        state=bindparam("new_state"),
        cycle=bindparam("new_cycle"),
        last_transition_at=bindparam("new_last_transition_at"),
        cycle_started_at=bindparam("new_cycle_started_at"),
        last_triggered_at=bindparam("new_last_triggered_at"),
        cycle_key=bindparam("new_cycle_key"),
        monitor_name=bindparam("new_monitor_name"),
    )
)
_CYCLE_CASES = (
    select(
        monitor_cycle_cases.c.case_id,
        monitor_cycle_cases.c.project_id,
        cases.c.status,
        cases.c.type,
        projects.c.auto_close,
        cases.c.key,
    )
    .join(cases, cases.c.id == monitor_cycle_cases.c.case_id)
    .join(projects, projects.c.id == monitor_cycle_cases.c.project_id)
    .where(
        monitor_cycle_cases.c.group_id == bindparam("group_id"),
        monitor_cycle_cases.c.cycle == bindparam("cycle"),
    )
    .order_by(monitor_cycle_cases.c.created_at, cases.c.key)
)
_CLAIM = insert(monitor_cycle_cases)
_p = projects.c
_PROJECTS = select(_p.id, _p.handle, _p.monitor_enabled, _p.auto_close, _p.default_case_type).where(
    _p.handle.in_(bindparam("handles", expanding=True))
)


class GroupCreatedMeanwhile(Exception):
    """Another transaction stored the group first: read it again and redo the event."""


@record
class LockedGroup:
    # None: the group is not stored yet (`save` inserts it).
    id: int | None
    state: GroupState | None


def lock(conn: Connection, event: MonitorEvent) -> LockedGroup:
    """The group's stored state, its row held until the transaction ends."""
    query = _SELECT_FOR_UPDATE if conn.dialect.name == "postgresql" else _SELECT
    row = conn.execute(
        query,
        {"source": event.source.value, "monitor_id": event.monitor_id, "group_key": event.group},
    ).first()
    if row is None:
        return LockedGroup(id=None, state=None)
    return LockedGroup(id=row.id, state=_state(conn, row))


def _state(conn: Connection, row: Any) -> GroupState | None:
    cycle_cases: tuple[CycleCase, ...] = ()
    if row.last_transition_at is not None and row.state != State.OK.value and row.cycle > 0:
        found = conn.execute(_CYCLE_CASES, {"group_id": row.id, "cycle": row.cycle})
        cycle_cases = tuple(
            CycleCase(
                str(r.case_id), str(r.project_id), r.status, r.type, bool(r.auto_close), r.key
            )
            for r in found
        )
    return _to_state(row, cycle_cases)


def save(
    conn: Connection,
    locked: LockedGroup,
    event: MonitorEvent,
    state: GroupState,
) -> int:
    """Write the group's new state; its id. A new group is inserted, and if another
    transaction inserted it first, `GroupCreatedMeanwhile` says to start over."""
    if locked.id is not None:
        conn.execute(_UPDATE, _update_values(locked.id, event, state))
        return locked.id
    new_id = conn.execute(
        _INSERT[conn.dialect.name], _insert_values(event, state)
    ).scalar_one_or_none()
    if new_id is None:
        raise GroupCreatedMeanwhile(event.group)
    return int(new_id)


def claim_cycle_case(
    conn: Connection,
    *,
    group_id: int,
    cycle: int,
    project_id: str,
    case_id: str,
    now: datetime,
) -> None:
    """Record the cycle's case for a project; a second one violates the primary key."""
    conn.execute(
        _CLAIM,
        {
            "group_id": group_id,
            "cycle": cycle,
            "project_id": UUID(project_id),
            "case_id": UUID(case_id),
            "created_at": now,
        },
    )


_other_claim = monitor_cycle_cases.alias("other_claim")
_MOVE_CLAIMS = (
    update(monitor_cycle_cases)
    .where(
        monitor_cycle_cases.c.case_id == bindparam("b_case_id"),
        ~select(_other_claim.c.case_id)
        .where(
            _other_claim.c.group_id == monitor_cycle_cases.c.group_id,
            _other_claim.c.cycle == monitor_cycle_cases.c.cycle,
            _other_claim.c.project_id == bindparam("b_project_id"),
        )
        .exists(),
    )
    .values(project_id=bindparam("b_project_id"))
)


def move_cycle_claims(conn: Connection, *, case_id: UUID, project_id: UUID) -> None:
    """A case moved to another project takes its alert cycles' claims along.

    The cycle then counts as having a case in the new project (a later mention of
    it opens no second one) and auto-close follows the new project's setting. Where
    the cycle already has another case in that project, that case keeps the claim
    (one per group, cycle and project) and the moved case keeps the old project's.
    """
    conn.execute(_MOVE_CLAIMS, {"b_case_id": case_id, "b_project_id": project_id})


_LOCK_BY_ID = select(_g.id).where(_g.id == bindparam("group_id")).with_for_update()
_FIRST_CYCLE_CASE = (
    select(monitor_cycle_cases.c.case_id)
    .where(
        monitor_cycle_cases.c.group_id == bindparam("group_id"),
        monitor_cycle_cases.c.cycle == bindparam("cycle"),
    )
    .order_by(monitor_cycle_cases.c.created_at)
    .limit(1)
)
_CYCLES_OF_CASE = (
    select(monitor_groups, monitor_cycle_cases.c.cycle.label("case_cycle"))
    .join(monitor_cycle_cases, monitor_cycle_cases.c.group_id == _g.id)
    .where(monitor_cycle_cases.c.case_id == bindparam("case_id"))
)


def lock_by_id(conn: Connection, group_id: int) -> None:
    """Hold the group's row until the transaction ends (see `lock`)."""
    conn.execute(_LOCK_BY_ID, {"group_id": group_id}).first()


def first_cycle_case(conn: Connection, group_id: int, cycle: int) -> UUID | None:
    """The first case claimed for the group's cycle, in any project."""
    found = conn.execute(_FIRST_CYCLE_CASE, {"group_id": group_id, "cycle": cycle})
    case_id: UUID | None = found.scalar_one_or_none()
    return case_id


def cycles_of_case(conn: Connection, case_id: UUID) -> list[CaseCycle]:
    """The groups' cycles that claim the case."""
    return [
        CaseCycle(r.source, r.monitor_id, r.monitor_name, r.group_key, r.state, r.case_cycle)
        for r in conn.execute(_CYCLES_OF_CASE, {"case_id": case_id})
    ]


def projects_by_handle(conn: Connection, handles: Iterable[str]) -> dict[str, ProjectTarget]:
    wanted = sorted(set(handles))
    if not wanted:
        return {}
    return {
        row.handle: ProjectTarget(
            project_id=str(row.id),
            handle=row.handle,
            monitors_enabled=bool(row.monitor_enabled),
            auto_close=bool(row.auto_close),
            case_type=row.default_case_type,
        )
        for row in conn.execute(_PROJECTS, {"handles": wanted})
    }


GroupKey = tuple[str, str, str]


def key_of(event: MonitorEvent) -> GroupKey:
    return (event.source.value, event.monitor_id, event.group)


class DirectGroups:
    """Groups read and written one statement at a time (one delivery per transaction)."""

    def load(self, conn: Connection, event: MonitorEvent) -> LockedGroup:
        return lock(conn, event)

    def save(
        self,
        conn: Connection,
        locked: LockedGroup,
        event: MonitorEvent,
        state: GroupState,
        *,
        need_id: bool,
    ) -> int | None:
        return save(conn, locked, event, state)

    def applied(
        self,
        conn: Connection,
        event: MonitorEvent,
        group_id: int | None,
        state: GroupState,
        *,
        touched: bool,
    ) -> None:
        """Nothing to remember: the next event reads the database again."""

    def flush(self, conn: Connection) -> None:
        """Nothing pending: every save was written at once."""


class PreloadedGroups:
    """Group commit: every group of a batch read in one query, written in two at the end.

    Events of one batch are applied in order against the states held here. A group
    whose cases changed is written at once and read again from the database the next
    time. New groups are inserted at the end with a plain INSERT: if another process
    created one meanwhile, the batch fails and the writer redoes it one delivery at a
    time (`DirectGroups`, which handles that race).
    """

    def __init__(self, conn: Connection, events: Iterable[MonitorEvent]) -> None:
        self.cache: dict[GroupKey, LockedGroup] = {}
        self.inserts: dict[GroupKey, dict[str, Any]] = {}
        self.updates: dict[int, dict[str, Any]] = {}
        wanted = {key_of(e) for e in events}
        # Groups not stored yet are known to be new: no need to look again per event.
        self.cache = dict.fromkeys(wanted, LockedGroup(None, None))
        for row, state in _preload(conn, wanted):
            self.cache[(row.source, row.monitor_id, row.group_key)] = LockedGroup(row.id, state)

    def load(self, conn: Connection, event: MonitorEvent) -> LockedGroup:
        key = key_of(event)
        found = self.cache.get(key)
        if found is None:
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
    ) -> int | None:
        if locked.id is None:
            if not need_id:
                self.inserts[key_of(event)] = _insert_values(event, state)
                return None
            self.inserts.pop(key_of(event), None)
            return save(conn, locked, event, state)
        self.updates[locked.id] = _update_values(locked.id, event, state)
        return locked.id

    def applied(
        self,
        conn: Connection,
        event: MonitorEvent,
        group_id: int | None,
        state: GroupState,
        *,
        touched: bool,
    ) -> None:
        """Remember the group's new state. `touched`: its cases changed, so write it
        now and read it from the database the next time."""
        key = key_of(event)
        if touched:
            if group_id is not None and group_id in self.updates:
                conn.execute(_UPDATE, self.updates.pop(group_id))
            self.cache.pop(key, None)
            return
        self.cache[key] = LockedGroup(group_id, state)

    def flush(self, conn: Connection) -> None:
        if self.inserts:
            insert_rows(conn, monitor_groups, list(self.inserts.values()))
        if self.updates:
            conn.execute(_UPDATE, list(self.updates.values()))
        self.inserts.clear()
        self.updates.clear()


def _insert_values(event: MonitorEvent, state: GroupState) -> dict[str, Any]:
    return {
        "source": event.source.value,
        "monitor_id": event.monitor_id,
        "group_key": event.group,
        "monitor_name": event.monitor_name,
        "state": state.state.value,
        "cycle": state.cycle,
        "last_transition_at": state.last_transition_at,
        "cycle_started_at": state.cycle_started_at,
        "last_triggered_at": state.last_triggered_at,
        "cycle_key": state.cycle_key,
    }


def _update_values(group_id: int, event: MonitorEvent, state: GroupState) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "new_state": state.state.value,
        "new_cycle": state.cycle,
        "new_last_transition_at": state.last_transition_at,
        "new_cycle_started_at": state.cycle_started_at,
        "new_last_triggered_at": state.last_triggered_at,
        "new_cycle_key": state.cycle_key,
        "new_monitor_name": event.monitor_name,
    }


_CHUNK = 100
# SQLite: one IN list per column; the unique index (source, monitor_id, group_key) serves it.
_PRELOAD = select(_g.source, _g.monitor_id, _g.group_key, *_COLUMNS[1:], _g.id.label("id")).where(
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
    FROM unnest(CAST(:sources AS text[]), CAST(:monitor_ids AS text[]),
                CAST(:group_keys AS text[])) WITH ORDINALITY AS want(source, monitor_id,
                                                                    group_key, n)
    CROSS JOIN LATERAL (
        SELECT * FROM monitor_groups m
        WHERE m.source = want.source AND m.monitor_id = want.monitor_id
          AND m.group_key = want.group_key
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
        monitor_cycle_cases.c.group_id, monitor_cycle_cases.c.cycle, *_CYCLE_CASES.selected_columns
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
            columns = list(zip(*chunk, strict=True))
            params: dict[str, Any] = {
                "sources": list(columns[0]),
                "monitor_ids": list(columns[1]),
                "group_keys": list(columns[2]),
            }
            rows.extend(conn.execute(_PRELOAD_PG, params))
            continue
        params = {
            "sources": sorted({key[0] for key in chunk}),
            "monitor_ids": sorted({key[1] for key in chunk}),
            "group_keys": sorted({key[2] for key in chunk}),
        }
        for row in conn.execute(_PRELOAD, params):
            if (row.source, row.monitor_id, row.group_key) in wanted:
                rows.append(row)
    in_cycle = {row.id: row.cycle for row in rows if row.state != State.OK.value and row.cycle > 0}
    found: dict[int, list[CycleCase]] = {}
    ids = sorted(in_cycle)
    for start in range(0, len(ids), _CHUNK):
        for r in conn.execute(_PRELOAD_CASES, {"group_ids": ids[start : start + _CHUNK]}):
            if in_cycle.get(r.group_id) == r.cycle:
                found.setdefault(r.group_id, []).append(
                    CycleCase(
                        str(r.case_id),
                        str(r.project_id),
                        r.status,
                        r.type,
                        bool(r.auto_close),
                        r.key,
                    )
                )
    return [(row, _to_state(row, tuple(found.get(row.id, ())))) for row in rows]


def _to_state(row: Any, cycle_cases: tuple[CycleCase, ...]) -> GroupState | None:
    if row.last_transition_at is None:
        return None
    return GroupState(
        state=State(row.state),
        cycle=row.cycle,
        last_transition_at=row.last_transition_at,
        cycle_started_at=row.cycle_started_at,
        last_triggered_at=row.last_triggered_at,
        cycle_key=row.cycle_key,
        cases=cycle_cases,
    )


Groups = DirectGroups | PreloadedGroups

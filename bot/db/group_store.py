"""Monitor group state for the pipeline: SQLAlchemy Core on the hot path.

Callers own the transaction. `lock` takes the group row for the rest of the
transaction (`SELECT … FOR UPDATE` on PostgreSQL; SQLite transactions already
hold the database's write lock from `BEGIN IMMEDIATE`), so two processes that
handle the same group one after the other see each other's work. A delivery
on its own reads and writes its groups one statement at a time
(`DirectGroups`); a batch reads them all at once (`PreloadedGroups`,
bot/db/preloaded_groups.py). A cycle's claimed cases are bot/db/cycle_store.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.alert_cycles import CycleCase, GroupState
from bot.core.events import MonitorEvent
from bot.core.records import record
from bot.db.bulk import insert_rows
from bot.db.cases import cases
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.projects import projects
from handles.types import State

_g = monitor_groups.c

COLUMNS = (
    _g.id,
    _g.state,
    _g.cycle,
    _g.last_transition_at,
    _g.cycle_started_at,
    _g.last_triggered_at,
    _g.cycle_key,
)
# Statements are built once: building and cache-keying one costs more than running it.
_SELECT = select(*COLUMNS).where(
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
        last_notified_at=bindparam("new_last_notified_at"),
        stale_at=None,
    )
)
# A notification that changes nothing (a duplicate, a late one) still says the group
# is alive: it is no longer stale.
_SEEN = (
    update(monitor_groups)
    .where(_g.id == bindparam("group_id"))
    .values(last_notified_at=bindparam("new_last_notified_at"), stale_at=None)
)
CYCLE_CASES = (
    select(
        monitor_cycle_cases.c.case_id,
        monitor_cycle_cases.c.project_id,
        cases.c.status,
        cases.c.type,
        projects.c.auto_close,
        cases.c.key,
        projects.c.close_unless_worked,
        cases.c.first_worked_at,
        cases.c.closed_by,
        projects.c.reopen_window_secs,
        projects.c.close_stale_groups,
    )
    .join(cases, cases.c.id == monitor_cycle_cases.c.case_id)
    .join(projects, projects.c.id == monitor_cycle_cases.c.project_id)
    .where(
        monitor_cycle_cases.c.group_id == bindparam("group_id"),
        monitor_cycle_cases.c.cycle == bindparam("cycle"),
    )
    .order_by(monitor_cycle_cases.c.created_at, cases.c.key)
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
    """The group's state with its cycle's cases: the current cycle's, or for a group in
    OK the last one's (a re-fire may reopen them)."""
    cycle_cases: tuple[CycleCase, ...] = ()
    if row.last_transition_at is not None and row.cycle > 0:
        found = conn.execute(CYCLE_CASES, {"group_id": row.id, "cycle": row.cycle})
        cycle_cases = tuple(cycle_case(r) for r in found)
    return to_state(row, cycle_cases)


def save(
    conn: Connection,
    locked: LockedGroup,
    event: MonitorEvent,
    state: GroupState,
    *,
    now: datetime,
) -> int:
    """Write the group's new state, notified at `now`; its id. A new group is inserted,
    and if another transaction inserted it first, `GroupCreatedMeanwhile` says to start
    over."""
    if locked.id is not None:
        conn.execute(_UPDATE, update_values(locked.id, event, state, now))
        return locked.id
    new_id = conn.execute(
        _INSERT[conn.dialect.name], insert_values(event, state, now)
    ).scalar_one_or_none()
    if new_id is None:
        raise GroupCreatedMeanwhile(event.group)
    return int(new_id)


GroupKey = tuple[str, str, str]


def mark_seen(conn: Connection, values: dict[str, Any] | Sequence[dict[str, Any]]) -> None:
    """Groups notified without a change (`seen_values`), one or many in one statement."""
    conn.execute(_SEEN, values)


def seen_values(group_id: int, now: datetime) -> dict[str, Any]:
    return {"group_id": group_id, "new_last_notified_at": now}


def key_of(event: MonitorEvent) -> GroupKey:
    return (event.source.value, event.monitor_id, event.group)


class Groups(Protocol):
    """How the pipeline reads and writes the groups of one transaction."""

    def load(self, conn: Connection, event: MonitorEvent) -> LockedGroup: ...

    def save(
        self,
        conn: Connection,
        locked: LockedGroup,
        event: MonitorEvent,
        state: GroupState,
        *,
        need_id: bool,
        now: datetime,
    ) -> int | None: ...

    def seen(self, conn: Connection, locked: LockedGroup, *, now: datetime) -> None:
        """A notification that changed nothing (a duplicate or a late one) came at `now`."""

    def applied(
        self,
        conn: Connection,
        event: MonitorEvent,
        group_id: int | None,
        state: GroupState,
        *,
        touched: bool,
    ) -> None: ...

    def flush(self, conn: Connection) -> None: ...


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
        now: datetime,
    ) -> int | None:
        return save(conn, locked, event, state, now=now)

    def seen(self, conn: Connection, locked: LockedGroup, *, now: datetime) -> None:
        if locked.id is not None:
            mark_seen(conn, seen_values(locked.id, now))

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


def insert_values(event: MonitorEvent, state: GroupState, now: datetime) -> dict[str, Any]:
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
        "last_notified_at": now,
    }


def update_values(
    group_id: int, event: MonitorEvent, state: GroupState, now: datetime
) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "new_state": state.state.value,
        "new_cycle": state.cycle,
        "new_last_transition_at": state.last_transition_at,
        "new_cycle_started_at": state.cycle_started_at,
        "new_last_triggered_at": state.last_triggered_at,
        "new_cycle_key": state.cycle_key,
        "new_monitor_name": event.monitor_name,
        "new_last_notified_at": now,
    }


def to_state(row: Any, cycle_cases: tuple[CycleCase, ...]) -> GroupState | None:
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


def cycle_case(row: Any) -> CycleCase:
    """A claimed case of the group's cycle, from a row of `CYCLE_CASES`."""
    return CycleCase(
        str(row.case_id),
        str(row.project_id),
        row.status,
        row.type,
        bool(row.auto_close),
        row.key,
        close_unless_worked=bool(row.close_unless_worked),
        worked=row.first_worked_at is not None,
        closed_by=row.closed_by,
        reopen_window_secs=int(row.reopen_window_secs),
        close_stale=bool(row.close_stale_groups),
    )


def write_updates(conn: Connection, values: dict[str, Any] | Sequence[dict[str, Any]]) -> None:
    """Write groups' new states (`update_values`), one or many in one statement."""
    conn.execute(_UPDATE, values)


def insert_groups(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new groups (`insert_values`) in one statement."""
    insert_rows(conn, monitor_groups, rows)


_BY_ID = select(*COLUMNS, _g.source, _g.monitor_id, _g.group_key, _g.monitor_name).where(
    _g.id == bindparam("group_id")
)


@record
class StoredGroup:
    """A group found by id: who it is, and its state (with its cycle's cases)."""

    id: int
    source: str
    monitor_id: str
    group_key: str
    monitor_name: str
    state: GroupState | None


def load_by_id(conn: Connection, group_id: int) -> StoredGroup | None:
    """The group with this id, its row held to the end of the transaction (see `lock`)."""
    query = _BY_ID.with_for_update() if conn.dialect.name == "postgresql" else _BY_ID
    row = conn.execute(query, {"group_id": group_id}).first()
    if row is None:
        return None
    return StoredGroup(
        row.id, row.source, row.monitor_id, row.group_key, row.monitor_name, _state(conn, row)
    )

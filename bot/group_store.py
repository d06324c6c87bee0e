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
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.events import MonitorEvent
from bot.core.monitor import CycleCase, GroupState, ProjectTarget
from bot.db.cases import cases
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.projects import projects
from handles.types import State

_g = monitor_groups.c

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
    .order_by(monitor_cycle_cases.c.created_at, cases.c.key)
)


@dataclass(frozen=True, slots=True)
class LockedGroup:
    id: int
    state: GroupState | None


def lock(conn: Connection, event: MonitorEvent) -> LockedGroup:
    """The group's row (created if new) and its state, held until the transaction ends."""
    row = _select(conn, event)
    if row is None:
        values = {
            "source": event.source.value,
            "monitor_id": event.monitor_id,
            "group_key": event.group,
            "monitor_name": event.monitor_name,
            "state": State.OK.value,
            "cycle": 0,
        }
        if conn.dialect.name == "postgresql":
            conn.execute(postgresql.insert(monitor_groups).values(values).on_conflict_do_nothing())
        else:
            conn.execute(sqlite.insert(monitor_groups).values(values).on_conflict_do_nothing())
        row = _select(conn, event)
        assert row is not None, "the group row exists after an insert that ignores conflicts"
    return LockedGroup(id=row.id, state=_state(conn, row))


def _select(conn: Connection, event: MonitorEvent) -> Any:
    query = select(
        _g.id,
        _g.state,
        _g.cycle,
        _g.last_transition_at,
        _g.cycle_started_at,
        _g.last_triggered_at,
        _g.cycle_key,
    ).where(
        _g.source == event.source.value,
        _g.monitor_id == event.monitor_id,
        _g.group_key == event.group,
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def _state(conn: Connection, row: Row[Any]) -> GroupState | None:
    # A row without a transition time was created by a notification that did not
    # commit, or is being created now: the group has no history yet.
    if row.last_transition_at is None:
        return None
    state = State(row.state)
    cycle_cases: tuple[CycleCase, ...] = ()
    if state is not State.OK and row.cycle > 0:
        found = conn.execute(
            _CYCLE_CASES.where(
                monitor_cycle_cases.c.group_id == row.id,
                monitor_cycle_cases.c.cycle == row.cycle,
            )
        )
        cycle_cases = tuple(
            CycleCase(
                str(r.case_id), str(r.project_id), r.status, r.type, bool(r.auto_close), r.key
            )
            for r in found
        )
    return GroupState(
        state=state,
        cycle=row.cycle,
        last_transition_at=row.last_transition_at,
        cycle_started_at=row.cycle_started_at,
        last_triggered_at=row.last_triggered_at,
        cycle_key=row.cycle_key,
        cases=cycle_cases,
    )


def save(conn: Connection, group_id: int, state: GroupState, *, monitor_name: str) -> None:
    conn.execute(
        update(monitor_groups)
        .where(_g.id == group_id)
        .values(
            state=state.state.value,
            cycle=state.cycle,
            last_transition_at=state.last_transition_at,
            cycle_started_at=state.cycle_started_at,
            last_triggered_at=state.last_triggered_at,
            cycle_key=state.cycle_key,
            monitor_name=monitor_name,
        )
    )


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
        insert(monitor_cycle_cases).values(
            group_id=group_id,
            cycle=cycle,
            project_id=UUID(project_id),
            case_id=UUID(case_id),
            created_at=now,
        )
    )


def projects_by_handle(conn: Connection, handles: Iterable[str]) -> dict[str, ProjectTarget]:
    wanted = sorted(set(handles))
    if not wanted:
        return {}
    p = projects.c
    rows = conn.execute(
        select(p.id, p.handle, p.monitor_enabled, p.auto_close, p.default_case_type).where(
            p.handle.in_(wanted)
        )
    )
    return {
        row.handle: ProjectTarget(
            project_id=str(row.id),
            handle=row.handle,
            monitors_enabled=bool(row.monitor_enabled),
            auto_close=bool(row.auto_close),
            case_type=row.default_case_type,
        )
        for row in rows
    }

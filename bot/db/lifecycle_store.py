"""What the scheduler's lifecycle work reads: inactive cases, stale groups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, true, update

from bot.db.cases import cases
from bot.db.monitor_groups import monitor_groups
from bot.db.projects import projects

_c = cases.c
_p = projects.c
_g = monitor_groups.c


def projects_closing_inactive(conn: Connection) -> list[tuple[uuid.UUID, int]]:
    """(project id, seconds) of every project that closes inactive cases."""
    rows = conn.execute(select(_p.id, _p.max_inactive_secs).where(_p.auto_close_inactive == true()))
    return [(r.id, int(r.max_inactive_secs)) for r in rows]


def inactive_cases(
    conn: Connection, project_id: uuid.UUID, *, before: datetime, limit: int
) -> list[uuid.UUID]:
    """The project's cases not closed and unchanged since `before`, oldest first."""
    rows = conn.execute(
        select(_c.id)
        .where(_c.project_id == project_id, _c.status != "CLOSED", _c.modified_at < before)
        .order_by(_c.modified_at)
        .limit(limit)
    )
    return [r.id for r in rows]


def silent_groups(
    conn: Connection, *, source: str, before: datetime, states: tuple[str, ...], limit: int
) -> list[Row[Any]]:
    """The source's groups in one of `states`, in a cycle, not marked stale, and without a
    notification since `before`."""
    notified = _g.last_notified_at
    return list(
        conn.execute(
            select(_g.id, _g.monitor_id, _g.group_key, _g.state, _g.cycle, notified)
            .where(
                _g.source == source,
                _g.state.in_(states),
                _g.cycle > 0,
                _g.stale_at.is_(None),
                notified.is_not(None),
                notified < before,
            )
            .order_by(notified)
            .limit(limit)
        )
    )


def mark_stale(conn: Connection, group_id: int, *, now: datetime, end_cycle: bool) -> None:
    """Mark the group stale; `end_cycle`: and back in OK, as if its recovery had come."""
    values: dict[str, Any] = {"stale_at": now}
    if end_cycle:
        values["state"] = "OK"
    conn.execute(update(monitor_groups).where(_g.id == group_id), values)


_GROUP_COLUMNS = (
    _g.id,
    _g.source,
    _g.monitor_id,
    _g.monitor_name,
    _g.group_key,
    _g.state,
    _g.cycle,
    _g.last_notified_at,
    _g.stale_at,
)


def group_by_id(conn: Connection, group_id: int) -> Any:
    """The group's row (`_GROUP_COLUMNS`), or None."""
    return conn.execute(select(*_GROUP_COLUMNS).where(_g.id == group_id)).first()


def list_groups(conn: Connection, *, stale_only: bool, limit: int) -> list[Row[Any]]:
    """Monitor groups, the most recently notified first; `stale_only`: those marked stale
    (and not notified since), the most recently marked first."""
    query = select(*_GROUP_COLUMNS)
    if stale_only:
        query = query.where(_g.stale_at.is_not(None)).order_by(_g.stale_at.desc(), _g.id)
    else:
        query = query.order_by(_g.last_notified_at.desc().nulls_last(), _g.id)
    return list(conn.execute(query.limit(limit)))

"""What the noise report reads: the cases monitors opened, and the notifications muted."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, func, select

from bot.core.noise import CaseFacts, MonitorKey
from bot.db.cases import cases
from bot.db.downtimes import muted_notifications
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups

_c = cases.c
_g = monitor_groups.c
_m = muted_notifications.c


def case_facts(
    conn: Connection, *, since: datetime, project_id: uuid.UUID | None
) -> list[CaseFacts]:
    """Every case a monitor notification opened since `since` (in one project, if given),
    with the monitor that opened it."""
    query = (
        select(
            _c.id,
            _g.source,
            _g.monitor_id,
            _g.monitor_name,
            _c.created_at,
            _c.closed_at,
            _c.closed_by,
            _c.first_worked_at,
            _c.reopen_count,
        )
        .join(monitor_cycle_cases, monitor_cycle_cases.c.case_id == _c.id)
        .join(monitor_groups, _g.id == monitor_cycle_cases.c.group_id)
        .where(_c.creation_source == "MONITOR", _c.created_at >= since)
        .order_by(_c.created_at, _c.id, monitor_cycle_cases.c.cycle)
    )
    if project_id is not None:
        query = query.where(_c.project_id == project_id)
    found: dict[uuid.UUID, CaseFacts] = {}
    for r in conn.execute(query):
        # A reopened case is claimed by each cycle it served: count it once.
        found.setdefault(
            r.id,
            CaseFacts(
                r.source,
                r.monitor_id,
                r.monitor_name,
                r.created_at,
                r.closed_at,
                r.closed_by,
                r.first_worked_at,
                int(r.reopen_count),
            ),
        )
    return list(found.values())


def muted_counts(conn: Connection, *, since: datetime) -> dict[MonitorKey, tuple[str, int]]:
    """Per monitor, its name and how many of its notifications downtimes muted since `since`."""
    rows = conn.execute(
        select(_g.source, _g.monitor_id, func.max(_g.monitor_name), func.count())
        .join(muted_notifications, _m.group_id == _g.id)
        .where(_m.received_at >= since)
        .group_by(_g.source, _g.monitor_id)
    )
    return {(r[0], r[1]): (str(r[2] or ""), int(r[3])) for r in rows}

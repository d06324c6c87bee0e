"""What the workbench's replay reads: the monitors that sent deliveries, and a monitor's
last stored deliveries with what they did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from bot.core.inbox import Outcome, StoredDelivery
from bot.db.inbox import inbox
from bot.db.monitor_groups import monitor_groups

_i = inbox.c
_g = monitor_groups.c
# Deliveries whose events were read (a rejected or failed one did nothing to replay against).
_READ = (Outcome.PROCESSED.value, Outcome.DUPLICATE.value, Outcome.LATE.value)


@dataclass(frozen=True, slots=True)
class MonitorRef:
    source: str
    monitor_id: str
    name: str
    groups: int


@dataclass(frozen=True, slots=True)
class PastDelivery:
    """A stored delivery, and its inbox result (what each of its events did)."""

    delivery: StoredDelivery
    result: dict[str, Any]


def monitors(conn: Connection) -> list[MonitorRef]:
    """Every monitor casebot has a group of, by name."""
    rows = conn.execute(
        select(_g.source, _g.monitor_id, func.max(_g.monitor_name), func.count())
        .group_by(_g.source, _g.monitor_id)
        .order_by(func.max(_g.monitor_name), _g.monitor_id)
    )
    return [MonitorRef(r[0], r[1], r[2] or r[1], int(r[3])) for r in rows]


def last_deliveries(
    conn: Connection, source: str, monitor_id: str, *, limit: int, scan: int
) -> list[PastDelivery]:
    """The monitor's last `limit` read deliveries, oldest first, found among the source's
    last `scan` (the inbox is not indexed by monitor: its JSON result names them)."""
    recent = conn.execute(
        select(_i.id, _i.result)
        .where(_i.source == source, _i.outcome.in_(_READ))
        .order_by(_i.id.desc())
        .limit(scan)
    )
    chosen: dict[int, dict[str, Any]] = {}
    for row in recent:
        events = (row.result or {}).get("events", ())
        if any(event.get("monitor_id") == monitor_id for event in events):
            chosen[int(row.id)] = dict(row.result)
            if len(chosen) >= limit:
                break
    if not chosen:
        return []
    rows = conn.execute(
        select(_i.id, _i.source, _i.body, _i.headers, _i.received_at, _i.outcome)
        .where(_i.id.in_(sorted(chosen)))
        .order_by(_i.id)
    )
    return [
        PastDelivery(
            StoredDelivery(
                r.id, r.source, bytes(r.body), dict(r.headers), r.received_at, r.outcome
            ),
            chosen[int(r.id)],
        )
        for r in rows
    ]

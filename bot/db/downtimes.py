"""Downtimes and the notifications they muted.

`downtimes` holds each downtime as the API gave it (the schedule as JSON) and
`ends_done_through`: the windows that ended up to then have been handled (their
muted groups notified, bot/pipeline/downtime_ends.py). `settled_at` is set once
a downtime can mute nothing more and its last end was handled: the alert path's
cache and the scheduler read only downtimes without it.

`muted_notifications` keeps one row per muted notification: what the end of
the downtime notifies again, and what the noise report counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    Uuid,
    false,
    func,
    insert,
    select,
    update,
)

from bot.core.downtime_schedule import OneTime, Recurrence, Recurring, Schedule
from bot.core.downtimes import Downtime, MonitorIdentifier
from bot.db.metadata import AutoId, Document, UTCDateTime, metadata

downtimes = Table(
    "downtimes",
    metadata,
    Column("id", Uuid, primary_key=True),
    # The query over a group's tags (`env:prod AND service:web`, `*`).
    Column("scope", Text, nullable=False),
    Column("monitor_id", BigInteger, nullable=True),
    Column("monitor_tags", Document, nullable=False),
    # {"type": "one_time", "start", "end"} or {"type": "recurring", "timezone", "recurrences"}.
    Column("schedule", Document, nullable=False),
    Column("message", Text, nullable=True),
    Column("display_timezone", String(100), nullable=True),
    Column("mute_first_recovery", Boolean, nullable=False, server_default=false()),
    Column("notify_end_states", Document, nullable=False),
    Column("notify_end_types", Document, nullable=False),
    Column("created_by", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False),
    Column("canceled_at", UTCDateTime, nullable=True),
    Column("ends_done_through", UTCDateTime, nullable=True),
    Column("settled_at", UTCDateTime, nullable=True),
    Index(None, "settled_at"),
)

muted_notifications = Table(
    "muted_notifications",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("downtime_id", Uuid, ForeignKey("downtimes.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", AutoId, ForeignKey("monitor_groups.id", ondelete="CASCADE"), nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("state", String(20), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("inbox_id", BigInteger, nullable=True),
    # The notification as the end of the downtime replays it: the event's facts and
    # its rendered text.
    Column("event", Document, nullable=False),
    Column("text", Text, nullable=False),
    Index(None, "downtime_id", "group_id"),
    Index(None, "group_id"),
)

_d = downtimes.c


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    if isinstance(schedule, OneTime):
        return {
            "type": "one_time",
            "start": schedule.start.isoformat(),
            "end": schedule.end.isoformat() if schedule.end is not None else None,
        }
    return {
        "type": "recurring",
        "timezone": schedule.timezone,
        "recurrences": [
            {"rrule": r.rrule, "duration": r.duration, "start": r.start.isoformat()}
            for r in schedule.recurrences
        ],
    }


def schedule_from_json(data: Mapping[str, Any]) -> Schedule:
    if data["type"] == "one_time":
        end = data.get("end")
        return OneTime(parse_utc(data["start"]), parse_utc(end) if end else None)
    return Recurring(
        timezone=str(data["timezone"]),
        recurrences=tuple(
            Recurrence(
                rrule=str(r["rrule"]),
                duration=str(r["duration"]),
                start=datetime.fromisoformat(str(r["start"])),
            )
            for r in data["recurrences"]
        ),
    )


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _values(downtime: Downtime) -> dict[str, Any]:
    return {
        "id": downtime.id,
        "scope": downtime.scope,
        "monitor_id": downtime.monitor.monitor_id,
        "monitor_tags": list(downtime.monitor.monitor_tags),
        "schedule": schedule_to_json(downtime.schedule),
        "message": downtime.message,
        "display_timezone": downtime.display_timezone,
        "mute_first_recovery": downtime.mute_first_recovery,
        "notify_end_states": list(downtime.notify_end_states),
        "notify_end_types": list(downtime.notify_end_types),
        "created_by": downtime.created_by,
        "created_at": downtime.created_at,
        "modified_at": downtime.modified_at,
        "canceled_at": downtime.canceled_at,
    }


def downtime_from_row(row: Row[Any]) -> Downtime:
    return Downtime(
        id=row.id,
        scope=row.scope,
        monitor=MonitorIdentifier(row.monitor_id, tuple(row.monitor_tags or ())),
        schedule=schedule_from_json(row.schedule),
        created_at=row.created_at,
        modified_at=row.modified_at,
        message=row.message,
        display_timezone=row.display_timezone,
        mute_first_recovery=bool(row.mute_first_recovery),
        notify_end_states=tuple(row.notify_end_states),
        notify_end_types=tuple(row.notify_end_types),
        canceled_at=row.canceled_at,
        created_by=row.created_by,
    )


def insert_downtime(conn: Connection, downtime: Downtime, *, ends_done_through: datetime) -> None:
    conn.execute(insert(downtimes), {**_values(downtime), "ends_done_through": ends_done_through})


def replace_downtime(conn: Connection, downtime: Downtime) -> None:
    """Write a changed downtime; it counts as unsettled again (a new window may lie ahead)."""
    values = _values(downtime)
    del values["id"]
    conn.execute(update(downtimes).where(_d.id == downtime.id), {**values, "settled_at": None})


def find_downtime(
    conn: Connection, downtime_id: uuid.UUID, *, lock: bool = False
) -> Downtime | None:
    query = select(downtimes).where(_d.id == downtime_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return downtime_from_row(row) if row is not None else None


def list_downtimes(
    conn: Connection, *, offset: int, limit: int, unsettled_only: bool = False
) -> tuple[list[Downtime], int]:
    """A page of downtimes, newest first, and how many there are in all."""
    where = [_d.settled_at.is_(None)] if unsettled_only else []
    total = conn.execute(select(func.count()).select_from(downtimes).where(*where)).scalar_one()
    rows = conn.execute(
        select(downtimes)
        .where(*where)
        .order_by(_d.created_at.desc(), _d.id)
        .offset(offset)
        .limit(limit)
    )
    return [downtime_from_row(r) for r in rows], int(total)


_UNSETTLED = select(downtimes).where(_d.settled_at.is_(None)).order_by(_d.created_at, _d.id)


def unsettled(conn: Connection) -> list[tuple[Downtime, datetime | None]]:
    """Every downtime that may still mute or has an end to handle, with how far its ends
    are handled."""
    return [(downtime_from_row(r), r.ends_done_through) for r in conn.execute(_UNSETTLED)]


def mark_ends_done(
    conn: Connection, downtime_id: uuid.UUID, *, through: datetime, settled_at: datetime | None
) -> None:
    conn.execute(
        update(downtimes).where(_d.id == downtime_id),
        {"ends_done_through": through, "settled_at": settled_at},
    )


def record_muted(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(insert(muted_notifications), list(rows))


_m = muted_notifications.c


def last_muted_per_group(conn: Connection, downtime_id: uuid.UUID) -> list[Row[Any]]:
    """The latest notification the downtime muted, for each group it muted."""
    rows = conn.execute(
        select(_m.group_id, _m.cycle, _m.state, _m.event, _m.text, _m.inbox_id)
        .where(_m.downtime_id == downtime_id)
        .order_by(_m.group_id, _m.id.desc())
    )
    latest: dict[int, Any] = {}
    for row in rows:
        latest.setdefault(row.group_id, row)
    return list(latest.values())


def muted_counts(conn: Connection, group_ids: Iterable[int]) -> dict[int, int]:
    """How many notifications were muted, by group."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    rows = conn.execute(
        select(_m.group_id, func.count()).where(_m.group_id.in_(ids)).group_by(_m.group_id)
    )
    return {int(r[0]): int(r[1]) for r in rows}

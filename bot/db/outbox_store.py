"""The Slack outbox's statements: live messages, queued calls, handled event ids.

The rules (when a sync is due, which syncs a post settles) are
bot/services/outbox.py; these run the SQL inside the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.outbox import MESSAGE, PENDING, SENT, LiveMessage, OutboxItem
from bot.db.slack_tables import slack_events, slack_messages, slack_outbox

_m = slack_messages.c
_o = slack_outbox.c

# -- live messages ---------------------------------------------------------------------------


def insert_message(conn: Connection, values: Mapping[str, Any]) -> int | None:
    """The new message's id; None when (group, cycle, channel) already has one."""
    insert_ = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert_(slack_messages)
        .values(dict(values))
        .on_conflict_do_nothing(index_elements=["group_id", "cycle", "channel_ref"])
        .returning(_m.id)
    )
    found: int | None = conn.execute(statement).scalar_one_or_none()
    return found


def message_id_of(conn: Connection, group_id: int | None, cycle: int | None, channel: str) -> int:
    return int(
        conn.execute(
            select(_m.id).where(
                _m.group_id == group_id, _m.cycle == cycle, _m.channel_ref == channel
            )
        ).scalar_one()
    )


def set_content(conn: Connection, message_id: int, values: Mapping[str, Any]) -> None:
    """Write what the message is to show (text, blocks, …): its next version."""
    changes = {**values, "version": _m.version + 1}
    conn.execute(update(slack_messages).where(_m.id == message_id).values(changes))


def load_message(conn: Connection, message_id: int) -> LiveMessage:
    row = conn.execute(select(slack_messages).where(_m.id == message_id)).one()
    return _live(row._mapping)


def find_message(conn: Connection, *, channel_id: str, ts: str) -> LiveMessage | None:
    """The live message Slack knows as (channel, ts): the target of a button or a thread."""
    row = conn.execute(
        select(slack_messages).where(_m.channel_id == channel_id, _m.ts == ts)
    ).first()
    return None if row is None else _live(row._mapping)


# Built once: the pipeline asks this for every applied notification (the hot path).
_MESSAGES_OF_CYCLE = (
    select(slack_messages)
    .where(_m.group_id == bindparam("group_id"), _m.cycle == bindparam("cycle"))
    .order_by(_m.id)
)


def messages_of_cycle(conn: Connection, group_id: int, cycle: int) -> list[LiveMessage]:
    rows = conn.execute(_MESSAGES_OF_CYCLE, {"group_id": group_id, "cycle": cycle}).all()
    return [_live(r._mapping) for r in rows]


def messages_of_case(conn: Connection, case_id: uuid.UUID) -> list[LiveMessage]:
    rows = conn.execute(select(slack_messages).where(_m.case_id == case_id).order_by(_m.id)).all()
    return [_live(r._mapping) for r in rows]


def messages_of_issue(conn: Connection, issue_id: uuid.UUID) -> list[LiveMessage]:
    """The live messages posted for an issue (one per new issue or regression), oldest first."""
    rows = conn.execute(
        select(slack_messages)
        .where(_m.group_id.is_(None), _m.alert["issue_id"].as_string() == str(issue_id))
        .order_by(_m.id)
    ).all()
    return [_live(r._mapping) for r in rows]


def set_synced(
    conn: Connection, message_id: int, *, channel_id: str, ts: str, version: int
) -> None:
    conn.execute(
        update(slack_messages)
        .where(_m.id == message_id)
        .values(channel_id=channel_id, ts=ts, synced_version=version)
    )


def forget_ts(conn: Connection, message_id: int) -> None:
    """The message is gone from Slack (deleted): the next sync posts it anew."""
    conn.execute(
        update(slack_messages).where(_m.id == message_id).values(ts=None, synced_version=0)
    )


# -- queued calls ----------------------------------------------------------------------------


def enqueue(
    conn: Connection,
    kind: str,
    channel_ref: str,
    message_id: int | None,
    payload: Mapping[str, Any],
    now: datetime,
) -> None:
    conn.execute(
        insert(slack_outbox).values(
            kind=kind,
            channel_ref=channel_ref,
            message_id=message_id,
            payload=dict(payload),
            status=PENDING,
            attempts=0,
            not_before=now,
            created_at=now,
        )
    )


def next_per_channel(conn: Connection, *, limit: int = 500) -> list[OutboxItem]:
    """The oldest pending item of each channel: calls to one channel leave in order."""
    heads = (
        select(func.min(_o.id).label("id"))
        .where(_o.status == PENDING)
        .group_by(_o.channel_ref)
        .limit(limit)
        .subquery()
    )
    rows = conn.execute(select(slack_outbox).join(heads, heads.c.id == _o.id).order_by(_o.id)).all()
    return [
        OutboxItem(
            id=r.id,
            kind=r.kind,
            channel_ref=r.channel_ref,
            message_id=r.message_id,
            payload=dict(r.payload),
            attempts=r.attempts,
            not_before=r.not_before,
        )
        for r in rows
    ]


def pending_syncs(conn: Connection, message_id: int) -> list[tuple[int, int]]:
    """The message's pending syncs: (item id, the version each asks for)."""
    rows = conn.execute(
        select(_o.id, _o.payload).where(
            _o.message_id == message_id, _o.kind == MESSAGE, _o.status == PENDING
        )
    ).all()
    return [(row.id, int(row.payload.get("version", 0))) for row in rows]


def mark_sent(conn: Connection, item_ids: Sequence[int], *, now: datetime) -> None:
    conn.execute(
        update(slack_outbox).where(_o.id.in_(list(item_ids))).values(status=SENT, sent_at=now)
    )


def count_attempt(conn: Connection, item_id: int) -> None:
    conn.execute(update(slack_outbox).where(_o.id == item_id).values(attempts=_o.attempts + 1))


def status_of(conn: Connection, item_id: int) -> str | None:
    status: str | None = conn.execute(
        select(_o.status).where(_o.id == item_id)
    ).scalar_one_or_none()
    return status


def set_status(
    conn: Connection, item_id: int, status: str, *, now: datetime, error: str | None = None
) -> None:
    """Settle an item for good (sent, or failed with `error`); counts the attempt."""
    values: dict[str, Any] = {"status": status, "sent_at": now, "attempts": _o.attempts + 1}
    if error is not None:
        values["last_error"] = error
    conn.execute(update(slack_outbox).where(_o.id == item_id).values(values))


def reschedule(
    conn: Connection, item_id: int, *, not_before: datetime, error: str | None, attempt: bool = True
) -> None:
    values: dict[str, Any] = {"not_before": not_before, "last_error": error}
    if attempt:
        values["attempts"] = _o.attempts + 1
    conn.execute(update(slack_outbox).where(_o.id == item_id).values(values))


def prune(conn: Connection, *, sent_before: datetime, events_before: datetime) -> int:
    """Forget delivered calls and handled event ids that are old enough not to matter."""
    removed = conn.execute(
        delete(slack_outbox).where(_o.status == SENT, _o.sent_at < sent_before)
    ).rowcount
    conn.execute(delete(slack_events).where(slack_events.c.received_at < events_before))
    return int(removed or 0)


def pending_backlog(conn: Connection) -> tuple[int, datetime | None]:
    """How many calls are pending, and when the oldest of them was recorded."""
    count, oldest = conn.execute(
        select(func.count(), func.min(_o.created_at)).where(_o.status == PENDING)
    ).one()
    return int(count), oldest


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(_o.status, func.count()).group_by(_o.status)).all()
    return {str(status): int(n) for status, n in rows}


# -- Slack's events ----------------------------------------------------------------------------


def first_time(conn: Connection, event_id: str, *, now: datetime) -> bool:
    """Record a Slack event id; False when it was recorded before (Slack retried it)."""
    values = {"event_id": event_id, "received_at": now}
    insert_ = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert_(slack_events).values(values).on_conflict_do_nothing()
    return bool(conn.execute(statement.returning(slack_events.c.event_id)).first())


def _live(row: Any) -> LiveMessage:
    return LiveMessage(
        id=row["id"],
        group_id=row["group_id"],
        cycle=row["cycle"],
        channel_ref=row["channel_ref"],
        channel_id=row["channel_id"],
        ts=row["ts"],
        case_id=row["case_id"],
        alert=dict(row["alert"]),
        text=row["text"],
        blocks=list(row["blocks"]),
        version=row["version"],
        synced_version=row["synced_version"],
    )

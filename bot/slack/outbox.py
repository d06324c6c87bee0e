"""The durable outbox: Slack calls recorded in the transaction of the change they announce.

Writers (the case listener, Slack listeners) call `put_live_message`,
`enqueue_reply` and `enqueue_ephemeral` on the caller's open connection, inside
its transaction. The sender (bot/slack/sender.py) reads `next_per_channel` and
records the outcome with the `record_*` / `reschedule` functions. All functions
here are synchronous and take a `Connection`: run them off the event loop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.slack_tables import slack_events, slack_messages, slack_outbox
from bot.slack.blocks import Message

MESSAGE = "message"
REPLY = "reply"
EPHEMERAL = "ephemeral"

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: str
    channel_ref: str
    message_id: int | None
    payload: dict[str, Any]
    attempts: int
    not_before: datetime


@dataclass(frozen=True, slots=True)
class LiveMessage:
    """A live message's stored state."""

    id: int
    group_id: int | None
    cycle: int | None
    channel_ref: str
    channel_id: str | None
    ts: str | None
    case_id: uuid.UUID | None
    alert: dict[str, Any]
    text: str
    blocks: list[dict[str, Any]]
    version: int
    synced_version: int


def put_live_message(
    conn: Connection,
    *,
    group_id: int | None,
    cycle: int | None,
    channel_ref: str,
    message: Message,
    alert: dict[str, Any],
    now: datetime,
    case_id: uuid.UUID | None = None,
) -> tuple[LiveMessage, bool]:
    """Create or change the live message of (group, cycle, channel) and queue its sync.

    Returns the message and whether it is new (a new message is posted; a known one is
    updated, whether or not its first post has gone out yet). Without a group and cycle
    (an error-tracking issue's message) every call makes a new message.
    """
    values = {
        "group_id": group_id,
        "cycle": cycle,
        "channel_ref": channel_ref,
        "case_id": case_id,
        "alert": alert,
        "text": message.text,
        "blocks": message.blocks,
        "version": 1,
        "synced_version": 0,
        "created_at": now,
        "updated_at": now,
    }
    stmt = _insert_ignoring_conflict(conn, values, ("group_id", "cycle", "channel_ref"))
    inserted = conn.execute(stmt.returning(slack_messages.c.id)).scalar_one_or_none()
    created = inserted is not None
    row = inserted
    if row is None:
        row = conn.execute(
            select(slack_messages.c.id).where(
                slack_messages.c.group_id == group_id,
                slack_messages.c.cycle == cycle,
                slack_messages.c.channel_ref == channel_ref,
            )
        ).scalar_one()
    if created:
        _enqueue_sync(conn, row, channel_ref, 1, now)
        return load_message(conn, row), True
    return change_message(conn, row, message, now=now, case_id=case_id, alert=alert), False


def change_message(
    conn: Connection,
    message_id: int,
    message: Message,
    *,
    now: datetime,
    case_id: uuid.UUID | None = None,
    alert: dict[str, Any] | None = None,
) -> LiveMessage:
    """Set what a live message should show and queue a chat.update (or its first post)."""
    changes: dict[str, Any] = {
        "text": message.text,
        "blocks": message.blocks,
        "version": slack_messages.c.version + 1,
        "updated_at": now,
    }
    if case_id is not None:
        changes["case_id"] = case_id
    if alert is not None:
        changes["alert"] = alert
    conn.execute(update(slack_messages).where(slack_messages.c.id == message_id).values(changes))
    current = load_message(conn, message_id)
    _enqueue_sync(conn, message_id, current.channel_ref, current.version, now)
    return current


def enqueue_reply(conn: Connection, message: LiveMessage, text: str, *, now: datetime) -> None:
    """Queue one thread reply under a live message (posted after the message itself)."""
    _enqueue(conn, REPLY, message.channel_ref, message.id, {"text": text}, now)


def enqueue_ephemeral(
    conn: Connection,
    *,
    channel: str,
    user: str,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
) -> None:
    payload: dict[str, Any] = {"user": user, "text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    if thread_ts is not None:
        payload["thread_ts"] = thread_ts
    _enqueue(conn, EPHEMERAL, channel, None, payload, now)


def load_message(conn: Connection, message_id: int) -> LiveMessage:
    row = conn.execute(select(slack_messages).where(slack_messages.c.id == message_id)).one()
    return _live(row._mapping)


def find_message(conn: Connection, *, channel_id: str, ts: str) -> LiveMessage | None:
    """The live message Slack knows as (channel, ts): the target of a button or a thread."""
    row = conn.execute(
        select(slack_messages).where(
            slack_messages.c.channel_id == channel_id, slack_messages.c.ts == ts
        )
    ).first()
    return None if row is None else _live(row._mapping)


# Built once: the pipeline asks this for every applied notification (the hot path).
_MESSAGES_OF_CYCLE = (
    select(slack_messages)
    .where(
        slack_messages.c.group_id == bindparam("group_id"),
        slack_messages.c.cycle == bindparam("cycle"),
    )
    .order_by(slack_messages.c.id)
)


def messages_of_cycle(conn: Connection, group_id: int, cycle: int) -> list[LiveMessage]:
    rows = conn.execute(_MESSAGES_OF_CYCLE, {"group_id": group_id, "cycle": cycle}).all()
    return [_live(r._mapping) for r in rows]


def messages_of_case(conn: Connection, case_id: uuid.UUID) -> list[LiveMessage]:
    rows = conn.execute(
        select(slack_messages)
        .where(slack_messages.c.case_id == case_id)
        .order_by(slack_messages.c.id)
    ).all()
    return [_live(r._mapping) for r in rows]


# -- the sender's side ---------------------------------------------------------------------


def next_per_channel(conn: Connection, *, limit: int = 500) -> list[OutboxItem]:
    """The oldest pending item of each channel: calls to one channel leave in order."""
    heads = (
        select(func.min(slack_outbox.c.id).label("id"))
        .where(slack_outbox.c.status == PENDING)
        .group_by(slack_outbox.c.channel_ref)
        .limit(limit)
        .subquery()
    )
    rows = conn.execute(
        select(slack_outbox)
        .join(heads, heads.c.id == slack_outbox.c.id)
        .order_by(slack_outbox.c.id)
    ).all()
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


def record_synced(
    conn: Connection,
    item: OutboxItem,
    message: LiveMessage,
    *,
    channel_id: str,
    ts: str,
    now: datetime,
) -> None:
    """The message now shows `message.version`: store its ts and settle every sync it covers."""
    conn.execute(
        update(slack_messages)
        .where(slack_messages.c.id == message.id)
        .values(
            channel_id=channel_id,
            ts=ts,
            synced_version=message.version,
        )
    )
    _settle_syncs(conn, item, message.id, message.version, now)


def settle_if_synced(
    conn: Connection, item: OutboxItem, message: LiveMessage, now: datetime
) -> bool:
    """Mark a sync done without a call when Slack already shows its version."""
    if message.ts is None or message.synced_version < int(item.payload.get("version", 0)):
        return False
    _settle_syncs(conn, item, message.id, message.synced_version, now)
    return True


def forget_ts(conn: Connection, message_id: int) -> None:
    """The message is gone from Slack (deleted): the next sync posts it anew."""
    conn.execute(
        update(slack_messages)
        .where(slack_messages.c.id == message_id)
        .values(ts=None, synced_version=0)
    )


def is_pending(conn: Connection, item_id: int) -> bool:
    status = conn.execute(
        select(slack_outbox.c.status).where(slack_outbox.c.id == item_id)
    ).scalar_one_or_none()
    return status == PENDING


def record_sent(conn: Connection, item_id: int, *, now: datetime) -> None:
    conn.execute(
        update(slack_outbox)
        .where(slack_outbox.c.id == item_id)
        .values(status=SENT, sent_at=now, attempts=slack_outbox.c.attempts + 1)
    )


def reschedule(
    conn: Connection, item_id: int, *, not_before: datetime, error: str | None, attempt: bool = True
) -> None:
    values: dict[str, Any] = {"not_before": not_before, "last_error": error}
    if attempt:
        values["attempts"] = slack_outbox.c.attempts + 1
    conn.execute(update(slack_outbox).where(slack_outbox.c.id == item_id).values(values))


def record_failed(conn: Connection, item_id: int, error: str, *, now: datetime) -> None:
    """A permanent Slack error: kept for `casebot slack outbox`, never retried."""
    conn.execute(
        update(slack_outbox)
        .where(slack_outbox.c.id == item_id)
        .values(status=FAILED, last_error=error, sent_at=now, attempts=slack_outbox.c.attempts + 1)
    )


def prune(conn: Connection, *, sent_before: datetime, events_before: datetime) -> int:
    """Forget delivered calls and handled event ids that are old enough not to matter.

    Failed calls are kept for the operator. Slack retries an event within minutes,
    so event ids older than `events_before` cannot come back.
    """
    removed = conn.execute(
        delete(slack_outbox).where(
            slack_outbox.c.status == SENT, slack_outbox.c.sent_at < sent_before
        )
    ).rowcount
    conn.execute(delete(slack_events).where(slack_events.c.received_at < events_before))
    return int(removed or 0)


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(
        select(slack_outbox.c.status, func.count()).group_by(slack_outbox.c.status)
    ).all()
    return {str(status): int(n) for status, n in rows}


# -- internals -----------------------------------------------------------------------------


def _enqueue_sync(
    conn: Connection, message_id: int, channel_ref: str, version: int, now: datetime
) -> None:
    _enqueue(conn, MESSAGE, channel_ref, message_id, {"version": version}, now)


def _enqueue(
    conn: Connection,
    kind: str,
    channel_ref: str,
    message_id: int | None,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    conn.execute(
        insert(slack_outbox).values(
            kind=kind,
            channel_ref=channel_ref,
            message_id=message_id,
            payload=payload,
            status=PENDING,
            attempts=0,
            not_before=now,
            created_at=now,
        )
    )


def _settle_syncs(
    conn: Connection, item: OutboxItem, message_id: int, version: int, now: datetime
) -> None:
    """Every pending sync of this message asking for `version` or older is done."""
    pending = conn.execute(
        select(slack_outbox.c.id, slack_outbox.c.payload).where(
            and_(
                slack_outbox.c.message_id == message_id,
                slack_outbox.c.kind == MESSAGE,
                slack_outbox.c.status == PENDING,
            )
        )
    ).all()
    done = [row.id for row in pending if int(row.payload.get("version", 0)) <= version]
    done.append(item.id)
    conn.execute(
        update(slack_outbox).where(slack_outbox.c.id.in_(done)).values(status=SENT, sent_at=now)
    )
    conn.execute(
        update(slack_outbox)
        .where(slack_outbox.c.id == item.id)
        .values(attempts=slack_outbox.c.attempts + 1)
    )


def _insert_ignoring_conflict(
    conn: Connection, values: dict[str, Any], keys: tuple[str, ...]
) -> Any:
    if conn.dialect.name == "postgresql":
        return (
            postgresql.insert(slack_messages)
            .values(values)
            .on_conflict_do_nothing(index_elements=list(keys))
        )
    return (
        sqlite.insert(slack_messages)
        .values(values)
        .on_conflict_do_nothing(index_elements=list(keys))
    )


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

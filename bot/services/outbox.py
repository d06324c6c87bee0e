"""The durable Slack outbox: calls to Slack recorded in the transaction of the change they
announce.

Writers (the case listener, Slack listeners) call `put_live_message`,
`change_message`, `enqueue_reply` and `enqueue_ephemeral` on the caller's open
connection, inside its transaction. The sender (bot/slack/sender.py) reads
`next_per_channel` and records the outcome with the `record_*` / `reschedule`
functions. All functions here are synchronous and take a `Connection`: run them
off the event loop. The statements are bot/db/outbox_store.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.core.outbox import (
    EPHEMERAL,
    FAILED,
    MESSAGE,
    PENDING,
    REPLY,
    SENT,
    LiveMessage,
    Message,
    OutboxItem,
)
from bot.db import outbox_store as store
from bot.db.outbox_store import (
    counts,
    find_message,
    first_time,
    forget_ts,
    load_message,
    messages_of_case,
    messages_of_cycle,
    messages_of_issue,
    next_per_channel,
    prune,
    reschedule,
)

__all__ = [
    "EPHEMERAL",
    "FAILED",
    "MESSAGE",
    "PENDING",
    "REPLY",
    "SENT",
    "LiveMessage",
    "Message",
    "OutboxItem",
    "backlog",
    "change_message",
    "counts",
    "enqueue_ephemeral",
    "enqueue_reply",
    "find_message",
    "first_time",
    "forget_ts",
    "is_pending",
    "load_message",
    "messages_of_case",
    "messages_of_cycle",
    "messages_of_issue",
    "next_per_channel",
    "prune",
    "put_live_message",
    "record_failed",
    "record_sent",
    "record_synced",
    "reschedule",
    "settle_if_synced",
]


def backlog(conn: Connection, *, now: datetime) -> tuple[int, float]:
    """Pending calls, and the seconds the oldest of them has waited (0 when none)."""
    count, oldest = store.pending_backlog(conn)
    if oldest is None:
        return count, 0.0
    return count, max(0.0, (now - oldest).total_seconds())


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
    inserted = store.insert_message(conn, values)
    if inserted is not None:
        store.enqueue(conn, MESSAGE, channel_ref, inserted, {"version": 1}, now)
        return store.load_message(conn, inserted), True
    known = store.message_id_of(conn, group_id, cycle, channel_ref)
    return change_message(conn, known, message, now=now, case_id=case_id, alert=alert), False


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
    changes: dict[str, Any] = {"text": message.text, "blocks": message.blocks, "updated_at": now}
    if case_id is not None:
        changes["case_id"] = case_id
    if alert is not None:
        changes["alert"] = alert
    store.set_content(conn, message_id, changes)
    current = store.load_message(conn, message_id)
    store.enqueue(conn, MESSAGE, current.channel_ref, message_id, {"version": current.version}, now)
    return current


def enqueue_reply(conn: Connection, message: LiveMessage, text: str, *, now: datetime) -> None:
    """Queue one thread reply under a live message (posted after the message itself)."""
    store.enqueue(conn, REPLY, message.channel_ref, message.id, {"text": text}, now)


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
    store.enqueue(conn, EPHEMERAL, channel, None, payload, now)


# -- the sender's side ---------------------------------------------------------------------


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
    store.set_synced(conn, message.id, channel_id=channel_id, ts=ts, version=message.version)
    _settle_syncs(conn, item, message.id, message.version, now)


def settle_if_synced(
    conn: Connection, item: OutboxItem, message: LiveMessage, now: datetime
) -> bool:
    """Mark a sync done without a call when Slack already shows its version."""
    if message.ts is None or message.synced_version < int(item.payload.get("version", 0)):
        return False
    _settle_syncs(conn, item, message.id, message.synced_version, now)
    return True


def is_pending(conn: Connection, item_id: int) -> bool:
    return store.status_of(conn, item_id) == PENDING


def record_sent(conn: Connection, item_id: int, *, now: datetime) -> None:
    store.set_status(conn, item_id, SENT, now=now)


def record_failed(conn: Connection, item_id: int, error: str, *, now: datetime) -> None:
    """A permanent Slack error: kept for `casebot slack outbox`, never retried."""
    store.set_status(conn, item_id, FAILED, now=now, error=error)


def _settle_syncs(
    conn: Connection, item: OutboxItem, message_id: int, version: int, now: datetime
) -> None:
    """Every pending sync of this message asking for `version` or older is done."""
    done = [
        item_id for item_id, wanted in store.pending_syncs(conn, message_id) if wanted <= version
    ]
    done.append(item.id)
    store.mark_sent(conn, done, now=now)
    store.count_attempt(conn, item.id)

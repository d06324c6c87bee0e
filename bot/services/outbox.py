"""The durable Slack outbox: calls to Slack recorded in the transaction of the change they
announce.

Writers (the case listener, Slack listeners) call `put_live_message`,
`change_message`, `enqueue_reply` and `enqueue_ephemeral` on the caller's open
connection, inside its transaction. The sender (bot/slack/sender.py) reads the
`heads` of the channels, `claim`s an item before it calls Slack (a lease: one
replica sends an item, and another takes it over when the holder stops
answering), and records the outcome with the `record_*` / `reschedule`
functions, which end the claim and set the channel's shared pace. All functions
here are synchronous and take a `Connection`: run them off the event loop. The
statements are bot/db/outbox_store.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.core.outbox import (
    EPHEMERAL,
    FAILED,
    MESSAGE,
    PENDING,
    REPLY,
    SENT,
    Claim,
    Head,
    LiveMessage,
    Message,
    OutboxItem,
)
from bot.db import live_messages as live
from bot.db import outbox_store as store
from bot.db.live_messages import (
    find_message,
    forget_ts,
    load_message,
    messages_of_case,
    messages_of_cycle,
    messages_of_issue,
)
from bot.db.outbox_store import counts, first_time, heads, prune, release_all, report

__all__ = [
    "EPHEMERAL",
    "FAILED",
    "MESSAGE",
    "PENDING",
    "REPLY",
    "SENT",
    "Claim",
    "Head",
    "LiveMessage",
    "Message",
    "OutboxItem",
    "backlog",
    "change_message",
    "claim",
    "counts",
    "enqueue_ephemeral",
    "enqueue_reply",
    "find_message",
    "first_time",
    "forget_ts",
    "heads",
    "load_message",
    "messages_of_case",
    "messages_of_cycle",
    "messages_of_issue",
    "prune",
    "put_live_message",
    "record_failed",
    "record_found",
    "record_sent",
    "record_synced",
    "release_all",
    "report",
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
    inserted = live.insert_message(conn, values)
    if inserted is not None:
        store.enqueue(conn, MESSAGE, channel_ref, inserted, {"version": 1}, now)
        return live.load_message(conn, inserted), True
    known = live.message_id_of(conn, group_id, cycle, channel_ref)
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
    live.set_content(conn, message_id, changes)
    current = live.load_message(conn, message_id)
    store.enqueue(conn, MESSAGE, current.channel_ref, message_id, {"version": current.version}, now)
    return current


def enqueue_reply(
    conn: Connection,
    message: LiveMessage,
    text: str,
    *,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """Queue one thread reply under a live message (posted after the message itself);
    `blocks` for a reply with buttons, `text` its fallback."""
    payload: dict[str, Any] = {"text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    store.enqueue(conn, REPLY, message.channel_ref, message.id, payload, now)


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


def claim(
    conn: Connection, item_id: int, *, holder: str, now: datetime, lease: timedelta
) -> Claim | None:
    """Claim an item for `holder` for `lease`; None when another replica has it, it left
    already, or it cannot leave yet (bot/db/outbox_store.py)."""
    return store.claim(conn, item_id, holder=holder, now=now, until=now + lease)


def record_synced(
    conn: Connection,
    claim: Claim,
    message: LiveMessage,
    *,
    channel_id: str,
    ts: str,
    now: datetime,
    pace: timedelta,
    found: bool = False,
) -> bool:
    """The message now shows `message.version`: store its ts, settle every sync it covers,
    end the claim. `found`: the post was found in Slack, not made by this call."""
    live.set_synced(conn, message.id, channel_id=channel_id, ts=ts, version=message.version)
    done = [
        item_id
        for item_id, wanted in store.pending_syncs(conn, message.id)
        if wanted <= message.version and item_id != claim.item.id
    ]
    store.mark_sent(conn, done, now=now)
    return _settle(conn, claim, SENT, now=now, pace=pace, recovered=found)


def record_found(conn: Connection, claim: Claim, *, channel_id: str, ts: str) -> None:
    """A post whose answer was lost (its sender stopped, or no answer came) was found in
    Slack: keep its ts, so that it is updated, never posted again. What it shows is not
    known: the claim's sync goes on to update it."""
    if claim.item.kind == MESSAGE and claim.item.message_id is not None:
        live.set_synced(conn, claim.item.message_id, channel_id=channel_id, ts=ts, version=0)
    store.mark_recovered(conn, claim.item.id)


def settle_if_synced(conn: Connection, claim: Claim, message: LiveMessage, now: datetime) -> bool:
    """Mark a sync done without a call when Slack already shows its version."""
    if message.ts is None or message.synced_version < int(claim.item.payload.get("version", 0)):
        return False
    done = [
        item_id
        for item_id, wanted in store.pending_syncs(conn, message.id)
        if wanted <= message.synced_version and item_id != claim.item.id
    ]
    store.mark_sent(conn, done, now=now)
    store.settle(conn, claim.item.id, claim.holder, SENT, now=now, called=False)
    return True


def record_sent(
    conn: Connection, claim: Claim, *, now: datetime, pace: timedelta, found: bool = False
) -> bool:
    return _settle(conn, claim, SENT, now=now, pace=pace, recovered=found)


def record_failed(
    conn: Connection, claim: Claim, error: str, *, now: datetime, pace: timedelta
) -> bool:
    """A permanent Slack error: kept for `casebot slack outbox`, never retried."""
    return _settle(conn, claim, FAILED, now=now, pace=pace, error=error)


def reschedule(
    conn: Connection,
    claim: Claim,
    *,
    now: datetime,
    delay: timedelta,
    error: str | None,
    maybe_delivered: bool,
) -> bool:
    """Try again after `delay` (the channel waits as long: its calls leave in order).
    `maybe_delivered`: the call may have reached Slack (no answer came)."""
    store.set_pace(conn, claim.item.channel_ref, now + delay)
    return store.reschedule(
        conn,
        claim.item.id,
        claim.holder,
        not_before=now + delay,
        error=error,
        maybe_delivered=maybe_delivered,
    )


def _settle(
    conn: Connection,
    claim: Claim,
    status: str,
    *,
    now: datetime,
    pace: timedelta,
    error: str | None = None,
    recovered: bool = False,
) -> bool:
    if pace > timedelta(0):
        store.set_pace(conn, claim.item.channel_ref, now + pace)
    return store.settle(
        conn,
        claim.item.id,
        claim.holder,
        status,
        now=now,
        called=True,
        error=error,
        recovered=recovered,
    )

"""The Slack outbox's statements: queued calls, paces, handled event ids (the messages
they sync are bot/db/live_messages.py).

The rules (when a sync is due, which syncs a post settles) are
bot/services/outbox.py; these run the SQL inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.outbox import MESSAGE, PENDING, SENT, Claim, Head, OutboxItem
from bot.db.slack_tables import slack_events, slack_messages, slack_outbox, slack_pace

_m = slack_messages.c
_o = slack_outbox.c
_p = slack_pace.c

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


def heads(conn: Connection, *, limit: int = 500) -> list[Head]:
    """The oldest pending item of each channel (calls to one channel leave in order), with
    the claim and the pace that may hold it back."""
    firsts = (
        select(func.min(_o.id).label("id"))
        .where(_o.status == PENDING)
        .group_by(_o.channel_ref)
        .limit(limit)
        .subquery()
    )
    rows = conn.execute(
        select(slack_outbox, _p.next_at.label("paced_until"))
        .join(firsts, firsts.c.id == _o.id)
        .outerjoin(slack_pace, _p.channel_ref == _o.channel_ref)
        .order_by(_o.id)
    ).all()
    return [Head(_item(r), r.claimed_until, r.paced_until) for r in rows]


def claim(
    conn: Connection, item_id: int, *, holder: str, now: datetime, until: datetime
) -> Claim | None:
    """Claim an item for `holder` until `until`; None when it cannot be had now: sent
    meanwhile, held by a live claim, no longer its channel's oldest pending item, or its
    channel paced or the item deferred until later.

    The item's row is locked (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write
    transaction) from the look to the claim, so two replicas never both win it."""
    row = conn.execute(
        select(slack_outbox)
        .where(
            _o.id == item_id,
            _o.status == PENDING,
            _o.not_before <= now,
            or_(_o.claimed_until.is_(None), _o.claimed_until <= now),
        )
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    oldest = conn.execute(
        select(func.min(_o.id)).where(_o.channel_ref == row.channel_ref, _o.status == PENDING)
    ).scalar_one()
    if oldest != item_id:
        return None
    paced = conn.execute(
        select(_p.next_at).where(_p.channel_ref == row.channel_ref)
    ).scalar_one_or_none()
    if paced is not None and paced > now:
        return None
    taken_over = row.claimed_by is not None
    conn.execute(
        update(slack_outbox)
        .where(_o.id == item_id)
        .values(
            claimed_by=holder,
            claimed_until=until,
            claims=_o.claims + 1,
            takeovers=_o.takeovers + (1 if taken_over else 0),
            # Until an answer is recorded, the call may have happened.
            maybe_delivered=true(),
        )
    )
    return Claim(
        item=_item(row),
        holder=holder,
        until=until,
        taken_over=taken_over,
        maybe_delivered=bool(row.maybe_delivered) or taken_over,
    )


def set_pace(conn: Connection, channel_ref: str, next_at: datetime) -> None:
    """No replica calls the channel again before `next_at` (or later, if so set already)."""
    insert_ = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert_(slack_pace).values(channel_ref=channel_ref, next_at=next_at)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["channel_ref"],
            set_={
                "next_at": case(
                    (_p.next_at > statement.excluded.next_at, _p.next_at),
                    else_=statement.excluded.next_at,
                )
            },
        )
    )


def release_all(conn: Connection, holder: str, *, now: datetime) -> int:
    """End every claim `holder` still has (it is stopping), so that another replica may
    take the items over at once; they stay marked as maybe delivered."""
    result = conn.execute(
        update(slack_outbox)
        .where(_o.claimed_by == holder, _o.status == PENDING)
        .values(claimed_until=now)
    )
    return int(result.rowcount or 0)


def mark_recovered(conn: Connection, item_id: int) -> None:
    conn.execute(update(slack_outbox).where(_o.id == item_id).values(recovered=true()))


def _held(item_id: int, holder: str) -> Any:
    return and_(_o.id == item_id, _o.claimed_by == holder)


def _item(r: Any) -> OutboxItem:
    return OutboxItem(
        id=r.id,
        kind=r.kind,
        channel_ref=r.channel_ref,
        message_id=r.message_id,
        payload=dict(r.payload),
        attempts=r.attempts,
        not_before=r.not_before,
        created_at=r.created_at,
    )


def pending_syncs(conn: Connection, message_id: int) -> list[tuple[int, int]]:
    """The message's pending syncs: (item id, the version each asks for)."""
    rows = conn.execute(
        select(_o.id, _o.payload).where(
            _o.message_id == message_id, _o.kind == MESSAGE, _o.status == PENDING
        )
    ).all()
    return [(row.id, int(row.payload.get("version", 0))) for row in rows]


def mark_sent(conn: Connection, item_ids: Sequence[int], *, now: datetime) -> None:
    """Syncs settled by another item's call: sent, without a call of their own."""
    conn.execute(
        update(slack_outbox)
        .where(_o.id.in_(list(item_ids)), _o.status == PENDING)
        .values(status=SENT, sent_at=now)
    )


def settle(
    conn: Connection,
    item_id: int,
    holder: str,
    status: str,
    *,
    now: datetime,
    called: bool,
    error: str | None = None,
    recovered: bool = False,
) -> bool:
    """Settle a claimed item for good (sent, or failed with `error`) and end the claim;
    `called`: a Slack call was made for it. False when the claim had been lost."""
    values: dict[str, Any] = {
        "status": status,
        "sent_at": now,
        "claimed_by": None,
        "claimed_until": None,
        "maybe_delivered": false(),
    }
    if called:
        values["attempts"] = _o.attempts + 1
    if error is not None:
        values["last_error"] = error
    if recovered:
        values["recovered"] = true()
    result = conn.execute(update(slack_outbox).where(_held(item_id, holder)).values(values))
    return bool(result.rowcount)


def reschedule(
    conn: Connection,
    item_id: int,
    holder: str,
    *,
    not_before: datetime,
    error: str | None,
    attempt: bool = True,
    maybe_delivered: bool = False,
) -> bool:
    """Try the item again at `not_before` and end the claim; False when it had been lost."""
    values: dict[str, Any] = {
        "not_before": not_before,
        "last_error": error,
        "claimed_by": None,
        "claimed_until": None,
        "maybe_delivered": true() if maybe_delivered else false(),
    }
    if attempt:
        values["attempts"] = _o.attempts + 1
    result = conn.execute(update(slack_outbox).where(_held(item_id, holder)).values(values))
    return bool(result.rowcount)


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


def report(conn: Connection, *, now: datetime) -> dict[str, int]:
    """What the senders did, over the items kept: items by status; claims taken, and
    those taken over from a holder whose lease ran out; calls made, and those that were
    retries; posts found in Slack instead of being sent again; syncs settled by another
    call; claims held now."""
    row = conn.execute(
        select(
            func.count().filter(_o.status == PENDING),
            func.count().filter(_o.status == SENT),
            func.count().filter(_o.status == "failed"),
            func.coalesce(func.sum(_o.claims), 0),
            func.coalesce(func.sum(_o.takeovers), 0),
            func.coalesce(func.sum(_o.attempts), 0),
            func.coalesce(func.sum(case((_o.attempts > 1, _o.attempts - 1), else_=0)), 0),
            func.count().filter(_o.recovered == true()),
            func.count().filter(and_(_o.status == SENT, _o.claims == 0)),
            func.count().filter(and_(_o.status == PENDING, _o.claimed_until > now)),
        )
    ).one()
    names = (
        "pending", "sent", "failed", "claimed", "taken_over", "calls", "retried",
        "found_in_slack", "covered", "in_flight",
    )  # fmt: skip
    return {name: int(value) for name, value in zip(names, row, strict=True)}


# -- Slack's events ----------------------------------------------------------------------------


def first_time(conn: Connection, event_id: str, *, now: datetime) -> bool:
    """Record a Slack event id; False when it was recorded before (Slack retried it)."""
    values = {"event_id": event_id, "received_at": now}
    insert_ = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert_(slack_events).values(values).on_conflict_do_nothing()
    return bool(conn.execute(statement.returning(slack_events.c.event_id)).first())

"""The notification outbox's statements: coalescing changes into messages, claiming a
due message with a lease, settling or rescheduling it, and reading what was sent.

A message per (case, recipient) stays open to more changes until it is claimed
(`open_key` unique while open), and messages to one recipient about one case leave
in the order they were made.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.cases import cases
from bot.db.notification_tables import notification_deliveries, notification_outbox

_o = notification_outbox.c
_older = notification_outbox.alias("older")

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Route:
    """Where one message goes: the recipient's identity and how to reach it."""

    recipient: str
    kind: str
    destination_id: uuid.UUID | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    case_id: uuid.UUID
    case_key: str
    route: Route
    payload: Mapping[str, Any]
    idempotency_key: str
    status: str
    attempts: int
    not_before: datetime
    last_error: str | None
    answer: str | None
    created_at: datetime
    sent_at: datetime | None


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def add_change(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    route: Route,
    open_key: str,
    entry_id: int,
    change: Mapping[str, Any],
    extra: Mapping[str, Any],
    now: datetime,
    send_at: datetime,
) -> bool:
    """Put one change in the recipient's open message about the case (a new message,
    due at `send_at`, when none is open). False when this change already reached this
    recipient (another rule, another route)."""
    if already_told(conn, entry_id, route.recipient):
        return False
    for _ in range(3):
        row = conn.execute(
            select(_o.id, _o.payload).where(_o.open_key == open_key).with_for_update()
        ).first()
        if row is not None:
            payload = dict(row.payload)
            payload["changes"] = [*payload.get("changes", []), dict(change)]
            conn.execute(update(notification_outbox).where(_o.id == row.id).values(payload=payload))
            outbox_id = int(row.id)
            break
        created = conn.execute(
            _insert(conn)(notification_outbox)
            .values(
                case_id=case_id,
                recipient=route.recipient,
                kind=route.kind,
                destination_id=route.destination_id,
                address=route.address,
                open_key=open_key,
                payload={**extra, "changes": [dict(change)]},
                idempotency_key=uuid.uuid4().hex,
                status=PENDING,
                not_before=send_at,
                attempts=0,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(_o.id)
        ).scalar_one_or_none()
        if created is not None:
            outbox_id = int(created)
            break
    else:  # pragma: no cover - three concurrent claims in a row
        raise RuntimeError(f"could not queue a notification for {open_key}")
    told = conn.execute(
        _insert(conn)(notification_deliveries)
        .values(entry_id=entry_id, recipient=route.recipient, outbox_id=outbox_id)
        .on_conflict_do_nothing()
        .returning(notification_deliveries.c.outbox_id)
    ).first()
    return told is not None


def already_told(conn: Connection, entry_id: int, recipient: str) -> bool:
    found = conn.execute(
        select(notification_deliveries.c.outbox_id).where(
            notification_deliveries.c.entry_id == entry_id,
            notification_deliveries.c.recipient == recipient,
        )
    ).first()
    return found is not None


def due(conn: Connection, *, now: datetime, limit: int = 100) -> list[int]:
    """Messages that may be claimed now: pending, due, unclaimed (or their claim ran
    out), and the oldest pending one to their recipient about their case."""
    earlier = (
        select(_older.c.id)
        .where(
            _older.c.case_id == _o.case_id,
            _older.c.recipient == _o.recipient,
            _older.c.status == PENDING,
            _older.c.id < _o.id,
        )
        .exists()
    )
    rows = conn.execute(
        select(_o.id)
        .where(
            _o.status == PENDING,
            _o.not_before <= now,
            or_(_o.claimed_until.is_(None), _o.claimed_until <= now),
            ~earlier,
        )
        .order_by(_o.not_before, _o.id)
        .limit(limit)
    )
    return [int(row.id) for row in rows]


def claim(
    conn: Connection, message_id: int, *, holder: str, now: datetime, until: datetime
) -> Message | None:
    """Claim a message for `holder` until `until`, closing it to further changes; None
    when it cannot be had (sent meanwhile, or held by a live claim). The row is locked
    from the look to the claim (PostgreSQL: SKIP LOCKED), so two senders never both win."""
    row = conn.execute(
        select(_o.id)
        .where(
            _o.id == message_id,
            _o.status == PENDING,
            _o.not_before <= now,
            or_(_o.claimed_until.is_(None), _o.claimed_until <= now),
        )
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    conn.execute(
        update(notification_outbox)
        .where(_o.id == message_id)
        .values(claimed_by=holder, claimed_until=until, open_key=None)
    )
    return message(conn, message_id)


def message(conn: Connection, message_id: int) -> Message:
    row = conn.execute(_MESSAGES.where(_o.id == message_id)).one()
    return _message(row)


def settle(
    conn: Connection,
    message_id: int,
    holder: str,
    *,
    status: str,
    now: datetime,
    answer: str | None,
    error: str | None = None,
) -> bool:
    """Sent (or failed for good): the claim ends. False when the claim had been lost."""
    result = conn.execute(
        update(notification_outbox)
        .where(_o.id == message_id, _o.claimed_by == holder)
        .values(
            status=status,
            sent_at=now,
            attempts=_o.attempts + 1,
            claimed_by=None,
            claimed_until=None,
            answer=answer,
            last_error=error,
        )
    )
    return bool(result.rowcount)


def reschedule(
    conn: Connection,
    message_id: int,
    holder: str,
    *,
    not_before: datetime,
    error: str,
    answer: str | None,
) -> bool:
    result = conn.execute(
        update(notification_outbox)
        .where(_o.id == message_id, _o.claimed_by == holder)
        .values(
            not_before=not_before,
            attempts=_o.attempts + 1,
            claimed_by=None,
            claimed_until=None,
            last_error=error,
            answer=answer,
        )
    )
    return bool(result.rowcount)


def retry(conn: Connection, message_id: int, *, now: datetime) -> bool:
    """Send a failed message again (an operator asked)."""
    result = conn.execute(
        update(notification_outbox)
        .where(_o.id == message_id, _o.status == FAILED)
        .values(status=PENDING, not_before=now, sent_at=None)
    )
    return bool(result.rowcount)


def release_all(conn: Connection, holder: str, *, now: datetime) -> int:
    result = conn.execute(
        update(notification_outbox)
        .where(_o.claimed_by == holder, _o.status == PENDING)
        .values(claimed_until=now)
    )
    return int(result.rowcount or 0)


def prune(conn: Connection, *, sent_before: datetime) -> int:
    result = conn.execute(
        delete(notification_outbox).where(_o.status == SENT, _o.sent_at < sent_before)
    )
    return int(result.rowcount or 0)


_MESSAGES = select(notification_outbox, cases.c.key.label("case_key")).join(
    cases, cases.c.id == _o.case_id
)


def messages(
    conn: Connection,
    *,
    status: str | None = None,
    case_id: uuid.UUID | None = None,
    limit: int = 50,
) -> list[Message]:
    """The newest messages first."""
    statement = _MESSAGES
    conditions = []
    if status is not None:
        conditions.append(_o.status == status)
    if case_id is not None:
        conditions.append(_o.case_id == case_id)
    if conditions:
        statement = statement.where(and_(*conditions))
    rows = conn.execute(statement.order_by(_o.id.desc()).limit(limit))
    return [_message(row) for row in rows]


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(_o.status, func.count()).group_by(_o.status)).all()
    return {str(status): int(n) for status, n in rows}


def _message(row: Any) -> Message:
    return Message(
        id=int(row.id),
        case_id=row.case_id,
        case_key=row.case_key,
        route=Route(row.recipient, row.kind, row.destination_id, row.address),
        payload=dict(row.payload),
        idempotency_key=row.idempotency_key,
        status=row.status,
        attempts=int(row.attempts),
        not_before=row.not_before,
        last_error=row.last_error,
        answer=row.answer,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )

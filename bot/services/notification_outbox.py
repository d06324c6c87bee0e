"""The notification outbox as its sender sees it: due messages, claimed with a lease,
each with what rendering it needs (the case as it is now, its project and assignee,
and the destination), then settled or put off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.core.cases import Case
from bot.core.notifications import Destination
from bot.db import notification_outbox as outbox
from bot.db import notification_rules as store
from bot.db.case_store import load
from bot.db.notification_outbox import FAILED, PENDING, SENT, Message
from bot.db.projects import find_project
from bot.db.users import find_user

__all__ = ["FAILED", "PENDING", "SENT", "Delivery", "Message", "claim", "counts", "due"]


@dataclass(frozen=True, slots=True)
class Delivery:
    message: Message
    case: Case
    project_key: str
    project_name: str
    assignee: str | None
    # None for e-mail to a person (the address is the message's).
    destination: Destination | None


def due(conn: Connection, *, now: datetime, limit: int = 100) -> list[int]:
    return outbox.due(conn, now=now, limit=limit)


def claim(
    conn: Connection, message_id: int, *, holder: str, now: datetime, lease: timedelta
) -> Delivery | Message | None:
    """The claimed message with what it needs; the bare message when its case or
    destination is gone (it cannot be sent); None when it could not be claimed."""
    message = outbox.claim(conn, message_id, holder=holder, now=now, until=now + lease)
    if message is None:
        return None
    case = load(conn, "id", message.case_id, for_update=False)
    project = find_project(conn, case.project_id) if case is not None else None
    destination = None
    if message.route.destination_id is not None:
        destination = store.destination_by_id(conn, message.route.destination_id)
        if destination is None:
            return message
    if case is None or project is None:
        return message
    assignee = find_user(conn, case.assignee_id) if case.assignee_id else None
    return Delivery(
        message=message,
        case=case,
        project_key=project.key,
        project_name=project.name,
        assignee=(assignee.name or assignee.email) if assignee else None,
        destination=destination,
    )


def settle(
    conn: Connection,
    message_id: int,
    holder: str,
    *,
    sent: bool,
    now: datetime,
    answer: str | None,
    error: str | None = None,
) -> bool:
    return outbox.settle(
        conn,
        message_id,
        holder,
        status=SENT if sent else FAILED,
        now=now,
        answer=answer,
        error=error,
    )


def reschedule(
    conn: Connection,
    message_id: int,
    holder: str,
    *,
    not_before: datetime,
    error: str,
    answer: str | None,
) -> bool:
    return outbox.reschedule(
        conn, message_id, holder, not_before=not_before, error=error, answer=answer
    )


def release_all(conn: Connection, holder: str, *, now: datetime) -> int:
    return outbox.release_all(conn, holder, now=now)


def prune(conn: Connection, *, sent_before: datetime) -> int:
    return outbox.prune(conn, sent_before=sent_before)


def counts(conn: Connection) -> dict[str, int]:
    return outbox.counts(conn)


def messages(conn: Connection, *, status: str | None = None, limit: int = 50) -> list[Message]:
    return outbox.messages(conn, status=status, limit=limit)

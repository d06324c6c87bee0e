"""The live Slack messages' statements: one row per message casebot keeps in sync.

A message is what a channel is to show for an alert cycle, a case or an issue;
bot/db/outbox_store.py queues the calls that bring Slack up to date with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.outbox import LiveMessage
from bot.db.slack_tables import slack_messages

_m = slack_messages.c


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

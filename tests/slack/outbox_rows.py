"""Builders for the rows the outbox tests need (monitor groups and live messages)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import Connection, insert

from bot.db.monitor_groups import monitor_groups
from bot.slack.blocks import Message

_serial = itertools.count(1)


def now() -> datetime:
    """The sender compares `not_before` with the wall clock, so rows use it too."""
    return datetime.now(UTC)


def make_group(conn: Connection, *, cycle: int = 1, state: str = "Alert") -> int:
    n = next(_serial)
    result = conn.execute(
        insert(monitor_groups).values(
            source="datadog",
            monitor_id=f"m{n}",
            group_key=f"host:web-{n}",
            monitor_name=f"Monitor {n}",
            state=state,
            cycle=cycle,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def text_message(text: str) -> Message:
    return Message(
        text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    )

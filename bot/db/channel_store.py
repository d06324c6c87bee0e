"""Slack channels casebot knows: the ids of names it looked up, and which are quiet."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, select

from bot.db.slack_tables import slack_channels

_ch = slack_channels.c


def is_quiet(conn: Connection, refs: list[str]) -> bool:
    """Whether one of the channel's refs (its name or id) is set to quiet."""
    row = conn.execute(select(_ch.quiet).where(_ch.channel_ref.in_(refs), _ch.quiet.is_(True)))
    return row.first() is not None


def set_quiet(conn: Connection, ref: str, quiet: bool) -> None:
    existing = conn.execute(select(_ch.channel_ref).where(_ch.channel_ref == ref)).first()
    if existing is None:
        conn.execute(slack_channels.insert().values(channel_ref=ref, quiet=quiet))
    else:
        conn.execute(slack_channels.update().where(_ch.channel_ref == ref).values(quiet=quiet))


def stored_id(conn: Connection, ref: str) -> str | None:
    value = conn.execute(select(_ch.channel_id).where(_ch.channel_ref == ref)).scalar_one_or_none()
    return None if value is None else str(value)


def store_ids(conn: Connection, found: Mapping[str, str], *, now: datetime) -> None:
    """Remember channel ids by name (`found`: name -> id)."""
    known = {
        r.channel_ref
        for r in conn.execute(select(_ch.channel_ref).where(_ch.channel_ref.in_(list(found))))
    }
    for name, channel_id in found.items():
        if name in known:
            conn.execute(
                slack_channels.update()
                .where(_ch.channel_ref == name)
                .values(channel_id=channel_id, resolved_at=now)
            )
        else:
            conn.execute(
                slack_channels.insert().values(
                    channel_ref=name, channel_id=channel_id, resolved_at=now
                )
            )

"""Slack channels: which are quiet (no thread replies for state changes), and the ids
of channel names looked up once (bot/slack/channels.py asks Slack)."""

from __future__ import annotations

from sqlalchemy import Connection

from bot.db import channel_store
from bot.db.channel_store import set_quiet, store_ids, stored_id

__all__ = ["is_quiet", "set_quiet", "store_ids", "stored_id"]


def is_quiet(conn: Connection, *refs: str) -> bool:
    """Whether the channel (by any of its refs: name or id) is set to quiet."""
    return channel_store.is_quiet(conn, [r for r in refs if r])

"""The inbox read back: stored deliveries to list, and failed ones to run again.

The pipeline writes the inbox (bot/db/inbox_store.py); `casebot inbox` reads it
through `InboxReader(conn)`.
"""

from __future__ import annotations

from sqlalchemy import Connection

from bot.core.inbox import InboxEntry, Outcome, StoredDelivery
from bot.db import inbox_store

__all__ = ["RETRYABLE", "InboxEntry", "InboxReader", "Outcome", "StoredDelivery"]

# What `casebot inbox retry` runs again: failed deliveries, and any left pending by a crash.
RETRYABLE = (Outcome.FAILED.value, Outcome.PENDING.value)


class InboxReader:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def latest(self, *, outcomes: tuple[str, ...] = (), limit: int = 50) -> list[InboxEntry]:
        """Stored deliveries, newest first; only those with `outcomes` when given."""
        return inbox_store.list_entries(self.conn, outcomes=outcomes, limit=max(limit, 1))

    def get(self, inbox_id: int) -> StoredDelivery | None:
        return inbox_store.stored(self.conn, inbox_id)

    def retryable(self) -> list[StoredDelivery]:
        """Every delivery `retry` would run again, oldest first."""
        return inbox_store.stored_with_outcomes(self.conn, RETRYABLE)

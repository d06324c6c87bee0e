"""The inbox read back: stored deliveries to list, and failed ones to run again.

The pipeline writes the inbox (bot/db/inbox_store.py); `casebot inbox` reads it
through `InboxReader(conn)`.
"""

from __future__ import annotations

from sqlalchemy import Connection

from bot.core.inbox import InboxDetail, InboxEntry, Outcome, StoredDelivery
from bot.db import inbox_store, monitor_history

__all__ = [
    "RETRYABLE",
    "InboxDetail",
    "InboxEntry",
    "InboxReader",
    "Outcome",
    "StoredDelivery",
]

# What `casebot inbox retry` runs again: failed deliveries, and any left pending by a crash.
RETRYABLE = (Outcome.FAILED.value, Outcome.PENDING.value)


class InboxReader:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def latest(
        self,
        *,
        outcomes: tuple[str, ...] = (),
        sources: tuple[str, ...] = (),
        before: int | None = None,
        limit: int = 50,
    ) -> list[InboxEntry]:
        """Stored deliveries, newest first; only those with `outcomes` and from `sources`
        when given, and older than inbox id `before` (the next page)."""
        return inbox_store.list_entries(
            self.conn, outcomes=outcomes, sources=sources, before=before, limit=max(limit, 1)
        )

    def detail(self, inbox_id: int) -> InboxDetail | None:
        """One delivery in full: its raw body and headers (credentials were never kept)."""
        return inbox_store.detail(self.conn, inbox_id)

    def monitor_names(self) -> dict[tuple[str, str], str]:
        """(source, monitor id) -> the monitor's name, for the monitors casebot knows."""
        return {(m.source, m.monitor_id): m.name for m in monitor_history.monitors(self.conn)}

    def get(self, inbox_id: int) -> StoredDelivery | None:
        return inbox_store.stored(self.conn, inbox_id)

    def retryable(self) -> list[StoredDelivery]:
        """Every delivery `retry` would run again, oldest first."""
        return inbox_store.stored_with_outcomes(self.conn, RETRYABLE)

"""Who hears of case changes: the listener kinds the case service tells.

A `CaseListener` is told of every change, one at a time, inside the change's
transaction, so that what it writes (the Slack outbox, notifications, the pages'
notices) commits or rolls back with the change. A `BatchListener` can also take
the changes of a flushed batch of deliveries in one call (bot/services/case_batch.py),
e.g. to send one notice for them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection

from bot.core.cases import CaseEvent


class CaseListener(Protocol):
    """Told of every case change, inside its transaction."""

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None: ...


class BatchListener:
    """A case listener that can hear a flushed batch's changes in one call
    (`on_case_events`). It hears them after the listeners that take them one at a
    time, in order."""

    def on_case_event(self, conn: Connection, event: CaseEvent) -> None:
        self.on_case_events(conn, [event])

    def on_case_events(self, conn: Connection, events: Sequence[CaseEvent]) -> None:
        raise NotImplementedError

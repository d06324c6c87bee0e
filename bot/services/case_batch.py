"""Cases opened by a batch of deliveries, written together: the storm path.

A `CaseService` given a `CaseBatch` opens cases without writing them: their numbers,
rows, cycle claims and timeline entries are held (bot/db/new_cases.py) until
`flush`, which writes them set-based and then tells the listeners, in the order
the changes were made, of every change since the last flush, each with its
entry's id. Everything stays in the caller's transaction, so what the listeners
write (the Slack outbox, notifications) commits or rolls back with the cases.

While anything is held, changes that are written at once (a case closed by a
recovery in the same batch) queue their listener calls behind the held ones, so
that the order listeners hear of changes never differs from the order they were
made in. Whoever reads cases or groups in the transaction flushes first (the
pipeline does before it reads a group again, `CaseService` before it loads a case).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy import Connection

from bot.core.cases import CaseEvent
from bot.db.new_cases import NewCaseRows
from bot.services.case_listeners import BatchListener, CaseListener


class _Told:
    """A queued case change: its event (the entry's id to fill in, when the entry was
    held) and who hears of it."""

    __slots__ = ("entry", "event", "listeners")

    def __init__(
        self, event: CaseEvent, entry: int | None, listeners: Sequence[CaseListener]
    ) -> None:
        self.event = event
        self.entry = entry
        self.listeners = listeners


class CaseBatch:
    """The held rows and the queued listener calls of one transaction."""

    def __init__(self, *, before_write: Callable[[], None] = lambda: None, events: int = 1) -> None:
        # `events`: how many events the batch applies (at most one case each per project).
        self.rows = NewCaseRows(reserve=events)
        self._queue: list[_Told | Callable[[], None]] = []
        # Writes what the held rows name (the pipeline's new groups, which claims name).
        self._before_write = before_write

    @property
    def pending(self) -> bool:
        return bool(self.rows) or bool(self._queue)

    def tell(
        self, event: CaseEvent, listeners: Sequence[CaseListener], *, entry: int | None
    ) -> None:
        """Queue a change for `listeners`; `entry`: its held timeline entry's place."""
        self._queue.append(_Told(event, entry, listeners))

    def later(self, call: Callable[[], None]) -> None:
        """Run `call` now, or after the held changes when there are any."""
        if self.pending:
            self._queue.append(call)
        else:
            call()

    def flush(self, conn: Connection) -> None:
        """Write what the held rows name (`before_write`, always: a reader of the
        transaction may need it even when no case is held), then the held rows, then
        make the queued calls in order."""
        self._before_write()
        if not self.pending:
            return
        ids = self.rows.write(conn)
        queue, self._queue = self._queue, []
        batched: dict[int, tuple[BatchListener, list[CaseEvent]]] = {}
        for item in queue:
            if not isinstance(item, _Told):
                item()
                continue
            event = item.event
            if item.entry is not None:
                event = replace(event, timeline_entry_id=ids[item.entry])
            for listener in item.listeners:
                if isinstance(listener, BatchListener):
                    batched.setdefault(id(listener), (listener, []))[1].append(event)
                else:
                    listener.on_case_event(conn, event)
        for listener, events in batched.values():
            listener.on_case_events(conn, events)

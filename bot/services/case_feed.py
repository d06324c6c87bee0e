"""The case feed: who is told that a case changed, so that open pages follow it.

`CaseFeedListener` is a case listener: the case service calls it inside the
transaction of every change, and it publishes a `CaseChange` to the feed.
A `CaseFeed` delivers changes to subscribers (the console's live streams).

`LocalCaseFeed` is the one-process feed (SQLite): it may deliver a change a
moment before its transaction commits (or for one that rolls back), so a
subscriber reads the case's committed version (`latest_entry_id`) and waits for
the entry it was told of. `SharedCaseFeed` (shared_case_feed.py) is the feed of
every server on one PostgreSQL database; `Subscribers` is what both deliver to.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from bot.core.cases import CaseEvent
from bot.services.case_listeners import BatchListener


@dataclass(frozen=True, slots=True)
class CaseChange:
    """A case changed: its id, its key now, and the timeline entry that records it."""

    case_id: uuid.UUID
    key: str
    entry_id: int


class Subscription(Protocol):
    async def next(self) -> CaseChange | None:
        """The next change; None when changes were missed (the subscriber fell
        behind): it should then read everything it shows again."""
        ...


class CaseFeed(Protocol):
    def publish(self, conn: Connection, *changes: CaseChange) -> None:
        """Called inside the transaction that makes the changes, in their order."""
        ...

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[Subscription]: ...


class CaseFeedListener(BatchListener):
    """The case listener that tells a feed of every change (a batch's in one go)."""

    def __init__(self, feed: CaseFeed) -> None:
        self.feed = feed

    def on_case_events(self, conn: Connection, events: Sequence[CaseEvent]) -> None:
        self.feed.publish(
            conn, *(CaseChange(e.case.id, e.case.key, e.timeline_entry_id) for e in events)
        )


class _Queue:
    """One subscriber's changes: bounded; past the bound it says it fell behind."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.loop = loop
        self.limit = limit
        self.items: asyncio.Queue[CaseChange | None] = asyncio.Queue()
        self.overflowed = False

    def put(self, change: CaseChange | None) -> None:  # on the event loop
        """Queue `change`; None (or one past the bound) says changes were missed."""
        if self.overflowed:
            return
        if change is None or self.items.qsize() >= self.limit:
            self.overflowed = True
            self.items.put_nowait(None)
            return
        self.items.put_nowait(change)

    async def next(self) -> CaseChange | None:
        item = await self.items.get()
        if item is None:
            self.overflowed = False
        return item


class Subscribers:
    """A feed's subscribers, each with its queue on its own event loop; any thread
    may deliver to them."""

    def __init__(self, *, queue_limit: int = 1000) -> None:
        self.queue_limit = queue_limit
        self._queues: set[_Queue] = set()
        self._lock = threading.Lock()

    def deliver(self, change: CaseChange | None) -> None:
        """Tell every subscriber of `change`, or (None) that changes were missed."""
        with self._lock:
            queues = tuple(self._queues)
        for queue in queues:
            with contextlib.suppress(RuntimeError):  # its loop has closed
                queue.loop.call_soon_threadsafe(queue.put, change)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        queue = _Queue(asyncio.get_running_loop(), self.queue_limit)
        with self._lock:
            self._queues.add(queue)
        try:
            yield queue
        finally:
            with self._lock:
                self._queues.discard(queue)

    def __len__(self) -> int:
        with self._lock:
            return len(self._queues)


class LocalCaseFeed:
    """Changes delivered to subscribers in this process (threads publish, the event
    loop delivers)."""

    def __init__(self, *, queue_limit: int = 1000) -> None:
        self._subscribers = Subscribers(queue_limit=queue_limit)

    def publish(self, conn: Connection, *changes: CaseChange) -> None:
        for change in changes:
            self._subscribers.deliver(change)

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[Subscription]:
        return self._subscribers.subscribe()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Nothing to start: the feed works as soon as it is made."""
        yield

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

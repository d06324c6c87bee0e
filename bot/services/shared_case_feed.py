"""The case feed of every server on one PostgreSQL database.

A change's notice (the case's id and key, and the timeline entry) is sent by the
database itself: every statement that appends timeline entries NOTIFYs one notice
per entry, inside its transaction (a trigger, bot/db/migrations/versions/
0011_case_notices.py), so it is delivered when that transaction commits, to every
server, this one included, whichever process made the change (a server, `casebot
tick`, any command). No case listener sends them, and no statement of casebot's own:
a change costs no round trip for its notice. `publish` sends notices by hand (the
same ones; tests use it). Each server LISTENs on one connection of its own
(`running()`) and hands what it hears to its subscribers, which read the case anew
from the database: the notice only says where to look.

When the listening connection is lost, notices sent until it is back are lost
with it: once it listens again, every subscriber is told it missed changes
(`Subscription.next()` gives None) and reads all it shows again. It reconnects
with a backoff that starts at `RETRY_FIRST_SECONDS` and doubles up to
`RETRY_MAX_SECONDS`.

`case_feed_for(engine)` chooses: this feed on PostgreSQL, `LocalCaseFeed` on
SQLite (one process serves a SQLite database's pages, which hear of changes from its
case listener).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator

from sqlalchemy import Connection, Engine

from bot.db import case_notices
from bot.services.case_feed import (
    CaseChange,
    LocalCaseFeed,
    Subscribers,
    Subscription,
)

log = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
# How long start-up waits for the first LISTEN before serving without it (it keeps trying).
READY_WITHIN_SECONDS = 10.0


def case_feed_for(engine: Engine) -> LocalCaseFeed | SharedCaseFeed:
    """The feed for `engine`'s database: shared across servers where it can be."""
    if case_notices.supported(engine):
        return SharedCaseFeed(engine)
    return LocalCaseFeed()


def notice_of(change: CaseChange) -> str:
    return json.dumps(
        {"case": str(change.case_id), "key": change.key, "entry": change.entry_id},
        separators=(",", ":"),
    )


def change_of(notice: str) -> CaseChange | None:
    """The change a notice tells of; None for one this version cannot read (sent by
    another version of casebot): its subscribers then read everything again."""
    try:
        fields = json.loads(notice)
        return CaseChange(uuid.UUID(fields["case"]), str(fields["key"]), int(fields["entry"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


class SharedCaseFeed:
    """A `CaseFeed` whose changes travel through PostgreSQL: published by any process on
    the database, heard by every server while it runs `running()`."""

    def __init__(self, engine: Engine, *, queue_limit: int = 1000) -> None:
        self._engine = engine
        self._subscribers = Subscribers(queue_limit=queue_limit)
        self._listening = asyncio.Event()
        # Times a LISTEN was established; past the first, each is a reconnection.
        self.connections = 0

    def publish(self, conn: Connection, *changes: CaseChange) -> None:
        case_notices.announce(conn, *(notice_of(change) for change in changes))

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[Subscription]:
        return self._subscribers.subscribe()

    @property
    def listening(self) -> bool:
        """Whether changes of other servers are heard right now."""
        return self._listening.is_set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @contextlib.asynccontextmanager
    async def running(self, *, ready_within: float = READY_WITHIN_SECONDS) -> AsyncIterator[None]:
        """Listen while the block runs. It starts once listening (so that a change made
        right after start-up is heard), or after `ready_within` seconds of failed
        attempts, which then go on in the background."""
        task = asyncio.create_task(self._listen(), name="case feed listener")
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._listening.wait(), ready_within)
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self) -> None:
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                async with case_notices.listening(self._engine) as notices:
                    self._connected()
                    delay = RETRY_FIRST_SECONDS
                    async for notice in notices:
                        self._subscribers.deliver(change_of(notice))
            except case_notices.NoticesLost as lost:
                log.warning("case feed: not listening (%s); again in %.1f s", lost, delay)
            except Exception:  # never let one failure stop the pages' updates for good
                log.exception("case feed: listening failed; again in %.1f s", delay)
            self._listening.clear()
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _connected(self) -> None:
        self.connections += 1
        self._listening.set()
        if self.connections > 1:
            log.info("case feed: listening again")
        # Pages open since before this LISTEN (a reconnection, or a first one that came
        # late) may have missed changes: they read everything again.
        self._subscribers.deliver(None)

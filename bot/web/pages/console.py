"""What every console page shares: `Console`, set up once per app on first use.

It holds the engine, the cookie and CSRF keys (from the console secret in the
database), the limits, the case links (for signed Slack links), the case feed
and the case listeners that changes made from the console go through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine
from starlette.requests import Request

from bot.core.accounts import SessionLimits, SignInLimits
from bot.db.engine import reader
from bot.services.case_feed import CaseFeed
from bot.services.cases import CaseListener
from bot.services.sessions import SessionKeys, console_secret
from bot.slack.case_links import CaseLinks

_T = TypeVar("_T")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Console:
    engine: Engine
    keys: SessionKeys
    feed: CaseFeed
    # The app's case listeners (the feed's among them), for changes made here.
    listeners: Sequence[CaseListener]
    links: CaseLinks | None = None
    public_https: bool = False
    session_limits: SessionLimits = field(default_factory=SessionLimits)
    sign_in_limits: SignInLimits = field(default_factory=SignInLimits)
    clock: Callable[[], datetime] = utcnow

    async def read(self, work: Callable[[Connection], _T]) -> _T:
        """Run `work(conn)` in a worker thread, in a read-only transaction."""

        def run() -> _T:
            with reader(self.engine).begin() as conn:
                return work(conn)

        return await anyio.to_thread.run_sync(run)

    async def write(self, work: Callable[[Connection], _T]) -> _T:
        """Run `work(conn)` in a worker thread, in one transaction that commits."""

        def run() -> _T:
            with self.engine.begin() as conn:
                return work(conn)

        return await anyio.to_thread.run_sync(run)


_SETUP_LOCK = "console_setup_lock"


def feed_of(app: Any) -> CaseFeed:
    """The app's case feed (made at start-up: bot/web/app.py)."""
    feed: CaseFeed = app.state.case_feed
    return feed


async def console_of(request: Request) -> Console:
    """The app's `Console`, made at the first console request after start-up."""
    state = request.app.state
    console: Console | None = getattr(state, "console", None)
    if console is not None:
        return console
    lock: asyncio.Lock = getattr(state, _SETUP_LOCK, None) or asyncio.Lock()
    setattr(state, _SETUP_LOCK, lock)
    async with lock:
        console = getattr(state, "console", None)
        if console is None:
            console = await _make(request.app)
            state.console = console
    return console


async def _make(app: Any) -> Console:
    shared = app.state.casebot
    secret = await anyio.to_thread.run_sync(console_secret, shared.engine)
    feed = feed_of(app)
    slack = getattr(app.state, "slack", None)
    public_url = shared.settings.public_url or ""
    return Console(
        engine=shared.engine,
        keys=SessionKeys(secret),
        feed=feed,
        listeners=shared.case_listeners,
        links=slack.links if slack is not None else None,
        public_https=public_url.startswith("https://"),
    )


__all__ = ["Console", "console_of", "feed_of", "utcnow"]

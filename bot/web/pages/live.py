"""Server-sent events that tell open pages to refresh: `GET /cases/KEY/events`
(one case) and `GET /cases/events` (the list).

A stream subscribes to the case feed, then sends `event: changed` with the
case's version (its newest timeline entry id) as the event id. The feed of one
process (SQLite) may announce a change before it commits, so the stream waits
until the committed version reaches the announced entry before telling the page;
the feed shared by servers on PostgreSQL announces at commit. A None from the feed
(changes were missed) makes a case stream read its version again and the list's
tell its page to refresh. A reconnecting page sends `Last-Event-ID`; a version
newer than that is announced at once, so nothing is missed between connections.
A stream ends after `STREAM_SECONDS` (the browser reconnects), or when its
session has ended.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bot.services.case_feed import CaseChange
from bot.services.case_pages import CasePages
from bot.web.pages.console import Console
from bot.web.pages.guard import Signed, signed_in, visitor_of
from bot.web.pages.rendering import refusal

STREAM_SECONDS = 50.0
KEEPALIVE_SECONDS = 15.0
# How long a change announced before its commit is waited for (then it rolled back).
COMMIT_WAIT_SECONDS = 3.0
# The list refreshes at most this often, however busy the alerts are.
LIST_PAUSE_SECONDS = 1.0

HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _event(version: int) -> str:
    return f"id: {version}\nevent: changed\ndata: {version}\n\n"


async def _committed(console: Console, case_id: uuid.UUID, entry_id: int | None) -> int:
    """The case's committed version, once it includes `entry_id` (or after a wait)."""
    deadline = time.monotonic() + COMMIT_WAIT_SECONDS
    delay = 0.01
    while True:
        version = await console.read(lambda conn: CasePages(conn).version(case_id))
        if entry_id is None or version >= entry_id or time.monotonic() >= deadline:
            return version
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


def _last_event_id(request: Request) -> int | None:
    text = request.headers.get("last-event-id", "")
    return int(text) if text.isdigit() else None


async def _still_signed_in(request: Request, console: Console) -> bool:
    return await visitor_of(request, console) is not None


@signed_in()
async def case_events(request: Request, signed: Signed) -> Response:
    console = signed.console
    key = str(request.path_params["key"]).upper()
    case = await console.read(lambda conn: CasePages(conn).find(key))
    if case is None or case.key != key:
        return refusal(404, "No such case", f"There is no case {key}.")
    case_id = case.id
    seen = _last_event_id(request)

    async def stream() -> AsyncIterator[str]:
        async with console.feed.subscribe() as changes:
            known = await _committed(console, case_id, None)
            yield "retry: 1000\n\n"
            if seen is not None and known > seen:
                yield _event(known)
            ends = time.monotonic() + STREAM_SECONDS
            while time.monotonic() < ends:
                change: CaseChange | None = None
                with anyio.move_on_after(KEEPALIVE_SECONDS) as waited:
                    change = await changes.next()
                if waited.cancelled_caught:
                    if not await _still_signed_in(request, console):
                        return
                    yield ": still here\n\n"
                    continue
                if change is not None and change.case_id != case_id:
                    continue
                version = await _committed(console, case_id, change.entry_id if change else None)
                if version > known:
                    known = version
                    yield _event(version)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=HEADERS)


@signed_in()
async def list_events(request: Request, signed: Signed) -> Response:
    console = signed.console
    seen = _last_event_id(request)

    async def stream() -> AsyncIterator[str]:
        async with console.feed.subscribe() as changes:
            yield "retry: 1000\n\n"
            count = seen or 0
            if seen is not None:  # a reconnection: something may have changed in between
                count += 1
                yield _event(count)
            ends = time.monotonic() + STREAM_SECONDS
            while time.monotonic() < ends:
                change: CaseChange | None = None
                with anyio.move_on_after(KEEPALIVE_SECONDS) as waited:
                    change = await changes.next()
                if waited.cancelled_caught:
                    if not await _still_signed_in(request, console):
                        return
                    yield ": still here\n\n"
                    continue
                # Gather what else changes in the pause, then wait for the last to commit.
                last = change
                pause_ends = time.monotonic() + LIST_PAUSE_SECONDS
                while (left := pause_ends - time.monotonic()) > 0:
                    with anyio.move_on_after(left):
                        last = await changes.next() or last
                if last is not None:
                    await _committed(console, last.case_id, last.entry_id)
                count += 1
                yield _event(count)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=HEADERS)


routes = [
    Route("/cases/events", list_events, methods=["GET"]),
    Route("/cases/{key}/events", case_events, methods=["GET"]),
]

"""How the Slack app joins the HTTP server, in three steps the app's assembly takes.

`install(app)` adds `POST /slack/events` (the case page the View case links
open is the console's, bot/web/pages/case_page.py). At start-up,
`case_links(engine, public_url)` settles the link secret; `outbound(...)`
builds what casebot says in Slack (`SlackOutbound`, None when Slack is off),
whose listeners join the app's lists; `running(...)` is entered in the
server's lifespan with those lists: it builds the Bolt app, registers its
listeners and runs it. Without Slack settings it logs that Slack is off, and
/slack/events answers 404 saying so.

Bolt, the Slack SDK and casebot's Slack listeners are imported only when Slack is on:
they are a quarter of a second of a server's start-up.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.services.cases import CaseListener
from bot.slack.case_links import CaseLinks, ensure_link_secret
from bot.slack.settings import SlackSettings

if TYPE_CHECKING:
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler

    from bot.slack.outbound import SlackOutbound
    from bot.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SlackState:
    links: CaseLinks
    runtime: SlackRuntime | None
    handler: AsyncSlackRequestHandler | None
    off_reason: str | None


def install(app: FastAPI) -> None:
    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        state: SlackState = request.app.state.slack
        if state.handler is None:
            return JSONResponse({"error": f"Slack is off: {state.off_reason}"}, status_code=404)
        response: Response = await state.handler.handle(request)
        return response


def case_links(engine: Engine, public_url: str) -> CaseLinks:
    """The signed case links (the secret is settled in the database: run in a thread)."""
    secret = ensure_link_secret(engine)
    return CaseLinks(secret, public_url.rstrip("/"))


def outbound(
    slack: SlackSettings,
    engine: Engine,
    links: CaseLinks,
    *,
    replica: str = "casebot",
    counted: Callable[[str], None] = lambda outcome: None,
) -> SlackOutbound | None:
    """What casebot says in Slack, when Slack is configured; else None (and a warning).
    `replica` names this server among others on one database; `counted` hears what the
    outbox sender does with each call it goes for (claimed, lost, taken over, ...)."""
    if not slack.enabled:
        log.warning("Slack is off: %s", slack.off_reason())
        return None
    from bot.slack.outbound import SlackOutbound

    return SlackOutbound(slack, engine, links, replica=replica, counted=counted)


@asynccontextmanager
async def running(
    app: FastAPI,
    *,
    engine: Engine,
    slack: SlackSettings,
    links: CaseLinks,
    outbound: SlackOutbound | None,
    case_listeners: Sequence[CaseListener],
    handled: Callable[[str, str], None],
) -> AsyncIterator[SlackState]:
    """Run the Bolt app over `outbound` while the server runs; changes made from Slack go
    to `case_listeners`, the app's list, and `handled(kind, outcome)` hears of every
    request whose work has ended."""
    if outbound is None:
        app.state.slack = SlackState(links, None, None, slack.off_reason())
        yield app.state.slack
        return
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler

    from bot.slack import listeners
    from bot.slack.runtime import SlackRuntime

    runtime = SlackRuntime(slack, engine, outbound, case_listeners=case_listeners, handled=handled)
    listeners.register(runtime.bolt, runtime)
    handler = None if slack.socket_mode else AsyncSlackRequestHandler(runtime.bolt)
    why = (
        "Socket Mode is on (SLACK_APP_TOKEN): Slack sends over the socket"
        if handler is None
        else None
    )
    app.state.slack = SlackState(links, runtime, handler, why)
    await runtime.start()
    try:
        yield app.state.slack
    finally:
        await runtime.stop()

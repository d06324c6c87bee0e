"""How the Slack app and the case page join the HTTP server.

`install(app)` adds `POST /slack/events` (the case page the View case links
open is the console's, bot/web/pages/case_page.py); `running(app,
engine, settings, pipeline)` is entered in the server's lifespan: it settles the
link secret, and when Slack is configured starts the runtime and attaches its
notifier to the pipeline (inside-the-transaction listeners). Without Slack
settings it logs that Slack is off, and /slack/events answers 404 saying so.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.slack.case_links import CaseLinks, ensure_link_secret
from bot.slack.runtime import SlackRuntime
from bot.slack.settings import SlackSettings

log = logging.getLogger(__name__)

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"


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


@asynccontextmanager
async def running(
    app: FastAPI,
    *,
    engine: Engine,
    slack: SlackSettings,
    public_url: str | None,
    pipeline: Any,
) -> AsyncIterator[SlackState]:
    secret = await anyio.to_thread.run_sync(ensure_link_secret, engine)
    links = CaseLinks(secret, (public_url or DEFAULT_PUBLIC_URL).rstrip("/"))
    if not slack.enabled:
        reason = slack.off_reason()
        log.warning("Slack is off: %s", reason)
        app.state.slack = SlackState(links, None, None, reason)
        yield app.state.slack
        return
    runtime = SlackRuntime(slack, engine, links)
    # The issue announcer rides with the case listeners: the error-tracking intake tells it,
    # and it follows the cases of issues. Changes made from Slack go to the same listeners.
    pipeline.case_listeners = (*pipeline.case_listeners, runtime.notifier, runtime.issues)
    runtime.case_listeners = lambda: tuple(pipeline.case_listeners)
    pipeline.notification_listeners = (*pipeline.notification_listeners, runtime.notifier)
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

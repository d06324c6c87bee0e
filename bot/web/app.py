"""The HTTP application: `create_app(settings)`.

Other parts of casebot add their routes here (the Slack app at /slack/events,
the case API at /api/v2). A route reaches the shared pieces through
`request.app.state.casebot`, a `WebState`: the engine (run database work in a
thread: `anyio.to_thread.run_sync`), the settings, the pipeline and metrics.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.slack import server as slack_server
from bot.web import api as case_api
from bot.web import docs, pages, webhooks
from bot.web.metrics import Metrics
from bot.web.webhook_token import ensure_token
from bot.web.writer import Writer


@dataclass(slots=True)
class WebState:
    settings: Settings
    engine: Engine
    pipeline: Pipeline
    writer: Writer
    token: str
    metrics: Metrics = field(default_factory=Metrics)


class CasebotApp(FastAPI):
    """FastAPI, except that webhook deliveries skip its middleware stack.

    A delivery is the hot path (thousands a second), and FastAPI's stack of
    exception, telemetry and body-limit middleware costs more per request than
    parsing the alert does. Webhook endpoints answer every error themselves
    (JSON with `errors`), so they need none of it; everything else (the case
    API, Slack, pages) goes through FastAPI as usual.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(webhooks.PATH_PREFIX):
            # Only a full match (path and method); anything else gets FastAPI's answers.
            match, child = webhooks.DELIVERY_ROUTE.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                scope["app"] = self
                await webhooks.DELIVERY_ROUTE.handle(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    pipeline: Pipeline | None = None,
    migrate: bool = True,
) -> FastAPI:
    """The ASGI app. At start-up it migrates the database (unless `migrate=False`),
    settles the webhook token and starts the writer thread; at shutdown it drains it.

    `engine` lets a caller share its own engine (it is then not disposed here).
    """
    config = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await anyio.to_thread.run_sync(_start, config, engine, pipeline, migrate)
        app.state.casebot = state
        try:
            async with slack_server.running(
                app,
                engine=state.engine,
                slack=config.slack,
                public_url=config.public_url,
                pipeline=state.pipeline,
            ):
                yield
        finally:
            await anyio.to_thread.run_sync(_stop, state, engine is None)

    # /docs is served offline (bot/web/docs.py); ReDoc would load from a CDN.
    app = CasebotApp(title="casebot", lifespan=lifespan, docs_url=None, redoc_url=None)
    for route in webhooks.routes:
        app.router.routes.append(route)
    case_api.install(app)
    docs.install(app)
    pages.install(app)  # the web console
    slack_server.install(app)
    return app


def _start(
    settings: Settings, engine: Engine | None, pipeline: Pipeline | None, migrate: bool
) -> WebState:
    db = engine if engine is not None else make_engine(settings.database_url)
    if migrate:
        upgrade(db)
    the_pipeline = pipeline or Pipeline(sources=settings.sources)
    writer = Writer(
        db, the_pipeline, batch_size=settings.batch_size, queue_limit=settings.queue_limit
    )
    writer.start()
    return WebState(
        settings=settings,
        engine=db,
        pipeline=the_pipeline,
        writer=writer,
        token=ensure_token(db, settings.webhook_token),
    )


def _stop(state: WebState, dispose: bool) -> None:
    state.writer.stop()
    if dispose:
        state.engine.dispose()

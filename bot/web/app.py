"""The HTTP application: `create_app(settings)`, where the app is assembled.

Other parts of casebot add their routes here (the Slack app at /slack/events,
the case API at /api/v2, the console's pages). At start-up the lifespan builds
the pieces in order: the database, the Slack side that speaks (its notifier),
the case feed for the console's live pages (shared by every server on a
PostgreSQL database: bot/services/shared_case_feed.py), then the case listener
list, once, then the pipeline and its writer with that
list; routes reach them through `request.app.state.casebot`, a `WebState`
(bot/web/state.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.errortracking import with_issue_sync
from bot.notify.runtime import Notifications
from bot.notify.slack_dm import SlackDm
from bot.pipeline import Pipeline
from bot.services.case_feed import CaseFeed, CaseFeedListener, LocalCaseFeed
from bot.services.cases import CaseListener
from bot.services.shared_case_feed import case_feed_for
from bot.settings import Settings
from bot.slack import server as slack_server
from bot.web import api as case_api
from bot.web import docs, monitoring, pages, webhooks
from bot.web.metrics import Metrics
from bot.web.scheduler import Scheduler
from bot.web.shutdown import Shutdown
from bot.web.state import WebState
from bot.web.webhook_token import ensure_token
from bot.web.writer import Writer

if TYPE_CHECKING:
    from bot.slack.outbound import SlackOutbound

__all__ = ["CasebotApp", "WebState", "assemble_case_listeners", "create_app"]


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
    case_listeners: Sequence[CaseListener] = (),
    migrate: bool = True,
) -> FastAPI:
    """The ASGI app. At start-up it migrates the database (unless `migrate=False`),
    settles the webhook token, assembles the listeners and starts the writer thread;
    at shutdown it drains it.

    `engine` lets a caller share its own engine (it is then not disposed here);
    `case_listeners` are told of every case change besides casebot's own.
    """
    config = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = await anyio.to_thread.run_sync(_database, config, engine, migrate)
        try:
            links = await anyio.to_thread.run_sync(slack_server.case_links, db, config.public_url)
            metrics = Metrics(config.replica)
            slack = slack_server.outbound(
                config.slack, db, links, replica=config.replica, counted=metrics.outbox_claim
            )
            notifications = Notifications(
                db,
                config.notify,
                link=lambda key: links.url(key, now=datetime.now(UTC)),
                replica=config.replica,
                slack=_slack_dm(config),
            )
            # Pages follow the changes of every server on the database (its own too).
            feed = case_feed_for(db)
            app.state.case_feed = feed
            listeners = assemble_case_listeners(
                [*case_listeners, notifications.notifier], slack, feed
            )
            pipeline = Pipeline(
                sources=config.sources,
                case_listeners=listeners,
                notification_listeners=slack.notification_listeners if slack else (),
            )
            state = await anyio.to_thread.run_sync(_start, config, db, pipeline, metrics)
        except BaseException:
            if engine is None:
                db.dispose()
            raise
        app.state.casebot = state
        scheduler = Scheduler(db, pipeline, interval=config.tick_seconds)
        # Stopped in reverse: Slack, notifications, the pages' feed, the scheduler; by SIGTERM's
        # drain (bot/web/shutdown.py) if it came, else here at the end.
        background = state.shutdown.background
        try:
            scheduler.start()
            background.push_async_callback(scheduler.stop)
            await background.enter_async_context(feed.running())
            await background.enter_async_context(notifications.running())
            await background.enter_async_context(
                slack_server.running(
                    app,
                    engine=db,
                    slack=config.slack,
                    links=links,
                    outbound=slack,
                    case_listeners=listeners,
                    handled=state.metrics.slack_handled,
                )
            )
            yield
        finally:
            await background.aclose()
            await anyio.to_thread.run_sync(_stop, state, engine is None)

    # /docs is served offline (bot/web/docs.py); ReDoc would load from a CDN.
    app = CasebotApp(title="casebot", lifespan=lifespan, docs_url=None, redoc_url=None)
    for route in (*webhooks.routes, *monitoring.routes):
        app.router.routes.append(route)
    case_api.install(app)
    docs.install(app)
    pages.install(app)  # the web console
    slack_server.install(app)
    return app


def assemble_case_listeners(
    given: Sequence[CaseListener], slack: SlackOutbound | None, feed: CaseFeed
) -> tuple[CaseListener, ...]:
    """Every case listener of the app, in the order they hear a change: error tracking's
    issue sync (it tells the others of the entries it writes), the caller's, Slack's (the
    alert and issue messages) and, on SQLite, the console's live feed (on PostgreSQL the
    database sends the feed's notices itself: bot/services/shared_case_feed.py)."""
    pages = [CaseFeedListener(feed)] if isinstance(feed, LocalCaseFeed) else []
    return with_issue_sync([*given, *(slack.case_listeners if slack else ()), *pages])


def _database(settings: Settings, engine: Engine | None, migrate: bool) -> Engine:
    db = engine if engine is not None else make_engine(settings.database_url)
    if migrate:
        upgrade(db)
    return db


def _start(settings: Settings, db: Engine, pipeline: Pipeline, metrics: Metrics) -> WebState:
    writer = Writer(
        db,
        pipeline,
        batch_size=settings.batch_size,
        queue_limit=settings.queue_limit,
        lock_wait=settings.sqlite_lock_wait,
    )
    writer.start()
    return WebState(
        settings=settings,
        engine=db,
        pipeline=pipeline,
        writer=writer,
        token=ensure_token(db, settings.webhook_token),
        case_listeners=pipeline.case_listeners,
        shutdown=Shutdown(writer, bound=settings.shutdown_seconds),
        metrics=metrics,
    )


def _stop(state: WebState, dispose: bool) -> None:
    state.writer.stop()
    if dispose:
        state.engine.dispose()


def _slack_dm(config: Settings) -> SlackDm | None:
    """The Slack app for the case's people's direct messages, when Slack is on."""
    slack = config.slack
    return SlackDm(slack.bot_token, slack.api_url) if slack.enabled and slack.bot_token else None

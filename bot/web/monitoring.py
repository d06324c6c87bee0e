"""What an operator's monitoring reads: `/healthz` (the process is alive and its writer
runs), `/readyz` (send it traffic: the database answers, its schema is this version's,
the writer takes deliveries and the server is not stopping) and `/metrics` (Prometheus'
text format, bot/web/metrics.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import anyio.to_thread
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.db.engine import reader
from bot.db.migrate import SchemaState, schema_state
from bot.services import outbox
from bot.web.metrics import CONTENT_TYPE
from bot.web.state import WebState
from bot.web.webhooks import json_response


async def healthz(request: Request) -> Response:
    state: WebState = request.app.state.casebot
    if state.shutdown.begun:
        # Alive and stopping on purpose: a liveness probe must not restart it mid-drain.
        return json_response({"status": "stopping"}, 200)
    if not state.writer.alive:
        return json_response({"status": "unavailable", "writer": "stopped"}, 503)
    return json_response({"status": "ok"}, 200)


# Seconds /readyz waits for the database: a load balancer's probe has its own timeout,
# and a database that takes longer is not one to send traffic to.
READY_DATABASE_SECONDS = 2.0

log = logging.getLogger(__name__)


async def readyz(request: Request) -> Response:
    state: WebState = request.app.state.casebot
    if state.shutdown.begun:
        return _unready({"server": "stopping"})
    if not state.writer.accepting:
        return _unready({"writer": "stopped"})
    try:
        async with asyncio.timeout(READY_DATABASE_SECONDS):
            schema = await asyncio.shield(_schema_check(request.app.state, state))
    except TimeoutError:
        return _unready({"database": f"no answer within {READY_DATABASE_SECONDS:g} s"})
    except Exception as error:
        # The error's text may name hosts and users: the log has it, the answer does not.
        log.warning("readyz: the database is unreachable: %s", error)
        return _unready({"database": "unreachable"})
    return _schema_answer(schema)


def _schema_check(app_state: State, state: WebState) -> asyncio.Task[SchemaState]:
    """The check under way, else a new one: a database that hangs holds one worker
    thread however often the balancer asks, not one more per probe."""
    running: asyncio.Task[SchemaState] | None = getattr(app_state, "schema_check", None)
    if running is None or running.done():
        running = asyncio.create_task(
            anyio.to_thread.run_sync(schema_state, state.engine, abandon_on_cancel=True)
        )
        # Read its outcome even when every probe that waited for it has given up.
        running.add_done_callback(lambda task: task.cancelled() or task.exception())
        app_state.schema_check = running
    return running


def _schema_answer(schema: SchemaState) -> Response:
    if not schema.at_head:
        return _unready({"migrations": schema.describe()})
    return json_response({"status": "ready"}, 200)


def _unready(why: dict[str, str]) -> Response:
    # A moment is enough to look again; a stopping server is gone by then.
    return json_response({"status": "unavailable", **why}, 503, {"Retry-After": "1"})


async def metrics(request: Request) -> Response:
    state: WebState = request.app.state.casebot
    pending, oldest = await anyio.to_thread.run_sync(_outbox_backlog, state)
    state.metrics.backlog(
        writer_queue=state.writer.queue_depth, outbox_pending=pending, oldest_seconds=oldest
    )
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)


def _outbox_backlog(state: WebState) -> tuple[int, float]:
    # A deferred transaction on SQLite: a scrape never queues behind the writer.
    with reader(state.engine).connect() as conn:
        return outbox.backlog(conn, now=datetime.now(UTC))


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]

"""What an operator's monitoring reads: `/healthz` (the process can take deliveries)
and `/metrics` (Prometheus' text format, bot/web/metrics.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.db.engine import reader
from bot.services import outbox
from bot.web.metrics import CONTENT_TYPE
from bot.web.state import WebState
from bot.web.webhooks import json_response


async def healthz(request: Request) -> Response:
    state: WebState = request.app.state.casebot
    if not state.writer.alive:
        return json_response({"status": "unavailable", "writer": "stopped"}, 503)
    return json_response({"status": "ok"}, 200)


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
    Route("/metrics", metrics, methods=["GET"]),
]

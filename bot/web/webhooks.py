"""`POST /webhooks/{source}`: authenticate, parse, hand to the writer, answer.

Plain Starlette endpoints (no request models): the body is parsed once by the
source's parser, and the raw bytes go to the inbox.

- wrong or missing token → 401, nothing stored;
- a Grafana signature that does not verify → 401, nothing stored;
- not JSON → 400, not the source's shape → 422, both `{"errors": [...]}` naming
  the field, with the raw body kept in the inbox as rejected;
- accepted → 202 `{"inbox_id": …, "outcome": …}` once the delivery is committed;
- a body over `CASEBOT_MAX_BODY_BYTES` → 413, nothing stored;
- the database cannot take it → 503 (the sender retries).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.core.events import Source
from bot.pipeline import Delivery, DeliveryReport
from bot.sources import BodyNotJSON, SignatureError, SourceError
from bot.web.webhook_token import token_matches
from bot.web.writer import WriterUnavailable

if TYPE_CHECKING:
    from bot.web.app import WebState

# Request headers never written to the inbox: they are credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def json_response(data: Any, status_code: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data), status_code=status_code, media_type="application/json", headers=headers
    )


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None
    return request.query_params.get("token")


async def receive(request: Request) -> Response:
    state: WebState = request.app.state.casebot
    try:
        source = Source(request.path_params["source"])
    except ValueError:
        known = ", ".join(s.value for s in Source)
        return json_response(
            {"errors": [{"field": "path", "message": f"unknown source; expected one of {known}"}]},
            404,
        )
    if not token_matches(presented_token(request), state.token):
        return json_response(
            {
                "errors": [
                    {
                        "field": "headers.Authorization",
                        "message": "missing or wrong webhook token "
                        "(send `Authorization: Bearer <token>` or `?token=<token>`)",
                    }
                ]
            },
            401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    started = time.perf_counter()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > state.settings.max_body_bytes:
        return _too_large(state.settings.max_body_bytes)
    body = await request.body()
    if len(body) > state.settings.max_body_bytes:
        return _too_large(state.settings.max_body_bytes)
    received_at = datetime.now(UTC)
    headers = {k: v for k, v in request.headers.items() if k not in SECRET_HEADERS}
    delivery = Delivery(source, body, received_at, headers)
    try:
        parsed: Any = state.pipeline.parse(delivery, now=received_at)
    except SignatureError as error:
        state.metrics.delivery(source.value, "unauthorized")
        return json_response({"errors": error.as_errors()}, 401)
    except SourceError as error:
        parsed = error
    try:
        report = await state.writer.submit(delivery, parsed)
    except WriterUnavailable as error:
        state.metrics.delivery(source.value, "unavailable")
        return json_response(
            {"errors": [{"field": "server", "message": str(error)}]},
            503,
            headers={"Retry-After": "1"},
        )
    record(state, report, time.perf_counter() - started)
    if isinstance(parsed, SourceError):
        status = 400 if isinstance(parsed, BodyNotJSON) else 422
        return json_response({"errors": list(report.errors), "inbox_id": report.inbox_id}, status)
    return json_response({"inbox_id": report.inbox_id, "outcome": report.outcome.value}, 202)


def _too_large(limit: int) -> Response:
    """Refused and not stored: casebot keeps raw bodies, so it bounds them."""
    message = f"is larger than {limit} bytes (CASEBOT_MAX_BODY_BYTES)"
    return json_response({"errors": [{"field": "body", "message": message}]}, 413)


def record(state: WebState, report: DeliveryReport, seconds: float) -> None:
    metrics = state.metrics
    source = report.source.value
    metrics.delivery(source, report.outcome.value)
    metrics.observe_latency(seconds)
    for event in report.events:
        metrics.event(source, event.outcome)
        metrics.cases_opened += len(event.opened)
        metrics.cases_closed += len(event.closed)


async def healthz(request: Request) -> Response:
    state: WebState = request.app.state.casebot
    if not state.writer.alive:
        return json_response({"status": "unavailable", "writer": "stopped"}, 503)
    return json_response({"status": "ok"}, 200)


async def metrics(request: Request) -> Response:
    state: WebState = request.app.state.casebot
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


routes = [
    Route("/webhooks/{source}", receive, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]

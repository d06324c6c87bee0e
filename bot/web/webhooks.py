"""`POST /webhooks/{source}`: authenticate, parse, hand to the writer, answer.

The delivery endpoint is a bare ASGI app (no request models, no middleware):
the body is parsed once by the source's parser, and the raw bytes go to the
inbox.

- wrong or missing token → 401, nothing stored;
- a Grafana signature that does not verify → 401, nothing stored;
- not JSON → 400, not the source's shape → 422, both `{"errors": [...]}` naming
  the field, with the raw body kept in the inbox as rejected;
- accepted → 202 `{"inbox_id": …, "outcome": …}` once the delivery is committed;
- a body over `CASEBOT_MAX_BODY_BYTES` → 413, nothing stored;
- the database cannot take it, or the server is stopping → 503 with Retry-After (the
  sender retries).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot.core.events import Source
from bot.pipeline.reports import Delivery, DeliveryReport
from bot.sources import BodyNotJSON, SignatureError, SourceError
from bot.web.state import WebState
from bot.web.webhook_token import token_matches
from bot.web.writer import WriterUnavailable

# Request headers never written to the inbox: they are credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def json_response(data: Any, status_code: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data), status_code=status_code, media_type="application/json", headers=headers
    )


class _Refused(Exception):
    """An answer given before the delivery reaches the writer."""

    def __init__(self, status: int, errors: list[dict[str, str]], **headers: str) -> None:
        self.status, self.errors, self.headers = status, errors, headers


def presented_token(headers: Mapping[str, str], query_string: bytes) -> str | None:
    header = headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None
    if not query_string:
        return None
    return parse_qs(query_string.decode("latin-1")).get("token", [None])[-1]


class DeliveryEndpoint:
    """The delivery endpoint as a bare ASGI app.

    It is the hot path, and every layer between the socket and the writer costs
    as much per request as parsing a small alert does, so it reads the headers
    once into a dict, the body chunk by chunk against the size limit, and sends
    its answer itself.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        try:
            status, data, extra = await deliver(scope, headers, receive)
        except _Refused as refusal:
            status, data, extra = refusal.status, {"errors": refusal.errors}, refusal.headers
        body = orjson.dumps(data)
        raw_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})


async def deliver(
    scope: Scope, headers: dict[str, str], receive: Receive
) -> tuple[int, Any, dict[str, str]]:
    state: WebState = scope["app"].state.casebot
    try:
        source = Source(scope["path_params"]["source"])
    except ValueError:
        known = ", ".join(s.value for s in Source)
        message = f"unknown source; expected one of {known}"
        raise _Refused(404, [{"field": "path", "message": message}]) from None
    if not token_matches(presented_token(headers, scope.get("query_string", b"")), state.token):
        message = (
            "missing or wrong webhook token "
            "(send `Authorization: Bearer <token>` or `?token=<token>`)"
        )
        raise _Refused(
            401,
            [{"field": "headers.Authorization", "message": message}],
            **{"WWW-Authenticate": "Bearer"},
        )
    started = time.perf_counter()
    limit = state.settings.max_body_bytes
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = await _read_body(receive, limit)
    received_at = datetime.now(UTC)
    kept = {k: v for k, v in headers.items() if k not in SECRET_HEADERS}
    delivery = Delivery(source, body, received_at, kept)
    try:
        parsed: Any = state.pipeline.parse(delivery, now=received_at)
    except SignatureError as error:
        state.metrics.delivery(source.value, "unauthorized")
        raise _Refused(401, error.as_errors()) from None
    except SourceError as error:
        parsed = error
    try:
        report = await state.writer.submit(delivery, parsed)
    except WriterUnavailable as error:
        state.metrics.delivery(source.value, "unavailable")
        raise _Refused(
            503,
            [{"field": "server", "message": str(error)}],
            **{"Retry-After": str(error.retry_after)},
        ) from None
    record(state, report, time.perf_counter() - started)
    if isinstance(parsed, SourceError):
        status = 400 if isinstance(parsed, BodyNotJSON) else 422
        return status, {"errors": list(report.errors), "inbox_id": report.inbox_id}, {}
    return 202, {"inbox_id": report.inbox_id, "outcome": report.outcome.value}, {}


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Refused(400, [{"field": "body", "message": "the client disconnected"}])
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(limit: int) -> _Refused:
    """Refused and not stored: casebot keeps raw bodies, so it bounds them."""
    message = f"is larger than {limit} bytes (CASEBOT_MAX_BODY_BYTES)"
    return _Refused(413, [{"field": "body", "message": message}])


def record(state: WebState, report: DeliveryReport, seconds: float) -> None:
    metrics = state.metrics
    source = report.source.value
    metrics.delivery(source, report.outcome.value)
    metrics.observe_latency(seconds)
    for event in report.events:
        metrics.event(source, event.outcome)
        if event.opened:
            metrics.cases_opened.inc(len(event.opened))
        if event.closed:
            metrics.cases_closed.inc(len(event.closed))


PATH_PREFIX = "/webhooks/"
DELIVERY_ROUTE = Route(PATH_PREFIX + "{source}", DeliveryEndpoint(), methods=["POST"])

routes = [DELIVERY_ROUTE]

"""Running one API request: authenticate, then do the work in one transaction, off the loop.

The event loop only reads the headers and the body. Everything that touches the
database — the key check, parsing, the change through `CaseService`, reading
the result back — happens in one worker thread inside one transaction, which
commits only if the work succeeds. Refusals from the services become 4xx
answers with `{"errors": [...]}` here, in one place.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import anyio.to_thread
import orjson
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import Response

from bot.db.engine import reader
from bot.services.cases import CaseListener
from bot.services.errors import (
    CaseNotFound,
    InvalidChange,
    ProjectNotFound,
    UserNotFound,
)
from bot.services.keys import ApiKey, Scope
from bot.web.api.auth import Credentials, KeyCache, credentials, require
from bot.web.api.errors import ApiError, error_response

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Backend:
    """What the routes need: the database, the case listeners, and the clock."""

    engine: Engine
    # The listeners, or where to read them at each request: the Slack app adds its
    # notifier to the pipeline's listeners at start-up, after the routes exist.
    listeners: Sequence[CaseListener] | Callable[[], Sequence[CaseListener]] = ()
    clock: Callable[[], datetime] = _utc_now
    keys: KeyCache = field(default_factory=KeyCache)
    read_engine: Engine = field(init=False)
    # SQLite has one writer at a time, and a connection that finds the database
    # locked sleeps in growing steps (up to 100 ms) before it tries again. API
    # writers therefore queue on this lock instead: they take turns at once.
    write_lock: AbstractContextManager[Any] = field(init=False)

    def current_listeners(self) -> Sequence[CaseListener]:
        return self.listeners() if callable(self.listeners) else self.listeners

    def __post_init__(self) -> None:
        object.__setattr__(self, "read_engine", reader(self.engine))
        sqlite = self.engine.dialect.name == "sqlite"
        object.__setattr__(self, "write_lock", threading.Lock() if sqlite else nullcontext())


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request, as the work function sees it."""

    conn: Connection
    key: ApiKey
    now: datetime
    body: bytes
    listeners: Sequence[CaseListener]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    document: Any = None


Work = Callable[[Call], Answer]


def json_response(answer: Answer) -> Response:
    if answer.document is None:
        return Response(status_code=answer.status)
    return Response(
        orjson.dumps(answer.document), status_code=answer.status, media_type="application/json"
    )


def _refusal(error: Exception) -> ApiError | None:
    """The API answer for a service refusal, or None if `error` is not one."""
    if isinstance(error, ApiError):
        return error
    if isinstance(error, CaseNotFound):
        return ApiError(404, f"case {error.ref} not found")
    if isinstance(error, ProjectNotFound):
        return ApiError(404, f"project {error.ref} not found")
    if isinstance(error, UserNotFound):
        return ApiError(404, f"user {error.ref} not found; GET /api/v2/users lists users")
    if isinstance(error, InvalidChange):
        return ApiError(400, f"{error.field}: {error.message}")
    return None


def backend_of(request: Request) -> Backend:
    """The app's `Backend`: set by `install(app, backend)`, or made once from the
    app's shared state (`app.state.casebot`: its engine, and the pipeline's case
    listeners, so API changes reach Slack exactly as monitor changes do)."""
    state = request.app.state
    found: Backend | None = getattr(state, "case_api", None)
    if found is None:
        shared = state.casebot
        pipeline = shared.pipeline
        found = Backend(shared.engine, listeners=lambda: tuple(pipeline.case_listeners))
        state.case_api = found
    return found


def _transact(
    backend: Backend, creds: Credentials, scope: Scope, body: bytes, work: Work
) -> Answer:
    if scope.endswith("_read"):
        with backend.read_engine.begin() as conn:
            key = require(conn, creds, scope, backend.keys)
            return work(Call(conn, key, backend.clock(), body, backend.current_listeners()))
    with backend.write_lock, backend.engine.begin() as conn:
        key = require(conn, creds, scope, backend.keys)
        return work(Call(conn, key, backend.clock(), body, backend.current_listeners()))


# Far above any real case body (descriptions are at most 50,000 characters).
BODY_MAX = 1_048_576


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 past `BODY_MAX` bytes before it is all read."""
    too_large = ApiError(413, f"request body is larger than {BODY_MAX} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > BODY_MAX:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_MAX:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def run(request: Request, scope: Scope, work: Work) -> Response:
    """Answer `request` with `work`, once the caller proved it holds `scope`."""
    try:
        creds = credentials(request.headers)
        backend = backend_of(request)
        body = await _body(request) if request.method != "GET" else b""
        answer = await anyio.to_thread.run_sync(
            partial(_transact, backend, creds, scope, body, work)
        )
    except OperationalError:
        log.exception("database unavailable while answering %s %s", request.method, request.url)
        return error_response(ApiError(503, "the database is unavailable; try again shortly"))
    except Exception as error:
        refusal = _refusal(error)
        if refusal is None:
            raise
        return error_response(refusal)
    return json_response(answer)

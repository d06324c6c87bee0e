"""Who calls, and running their request: the key check as a dependency, then the body,
then the work in one transaction off the event loop.

`authorize(scope)` is the FastAPI dependency every keyed route declares: it
refuses a missing or unknown key pair (401) before anything else, then a pair
without `scope` (403), then query parameters the route does not declare (400),
and gives the route a `Caller`. The route reads its body with
`caller.body(Model)` (413 past `BODY_MAX`, 400 naming the member that is
wrong) and does its work with `caller.run(work)`: one worker thread, one
transaction that commits only if the work succeeds. Refusals from the services
become 4xx answers there, in one place.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
import orjson
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from starlette.requests import Request

from bot.db.engine import reader
from bot.services.cases import CaseListener
from bot.services.keys import ApiKey, Scope
from bot.web.api.auth import Credentials, KeyCache, authenticate, check_scope, credentials
from bot.web.api.errors import ApiError, bad_request
from bot.web.api.refusals import invalid, path_of, service_refusal

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Far above any real case body (descriptions are at most 50,000 characters).
BODY_MAX = 1_048_576


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Backend:
    """What the routes need: the database, the case listeners, and the clock."""

    engine: Engine
    # The case listeners (the app's list, `WebState.case_listeners`), or where to read
    # them at each request.
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

    def authenticate(self, creds: Credentials) -> ApiKey:
        """The key pair behind `creds`, read in a transaction of its own (a worker thread)."""
        with self.read_engine.begin() as conn:
            return authenticate(conn, creds, self.keys)


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request, as the work function sees it."""

    conn: Connection
    key: ApiKey
    now: datetime
    listeners: Sequence[CaseListener]


def backend_of(request: Request) -> Backend:
    """The app's `Backend`, made once from its shared state (`app.state.casebot`: the
    engine, and the app's case listeners, so API changes reach Slack exactly as
    monitor changes do)."""
    state = request.app.state
    found: Backend | None = getattr(state, "case_api", None)
    if found is None:
        shared = state.casebot
        found = Backend(shared.engine, listeners=shared.case_listeners)
        state.case_api = found
    return found


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(model: type[T]) -> TypeAdapter[T]:
    found = _ADAPTERS.get(model)
    if found is None:
        found = _ADAPTERS[model] = TypeAdapter(model)
    return found


class Caller:
    """An authenticated request: its key pair, and how its route reads the body and works."""

    __slots__ = ("backend", "key", "request", "scope")

    def __init__(self, request: Request, backend: Backend, key: ApiKey, scope: Scope) -> None:
        self.request = request
        self.backend = backend
        self.key = key
        self.scope = scope

    async def body(self, model: type[T]) -> T:
        """The JSON body, validated as `model`; 413 past `BODY_MAX`, else 400 naming the
        member that is wrong."""
        raw = await self._raw()
        return _validate(model, _decode(raw), raw)

    async def optional_body(self, model: type[T]) -> T | None:
        """Like `body`, but an empty body is None."""
        raw = await self._raw()
        return None if not raw.strip() else _validate(model, _decode(raw), raw)

    async def run(self, work: Callable[[Call], R]) -> R:
        """`work` in one transaction in a worker thread (read-only for read scopes)."""
        try:
            return await anyio.to_thread.run_sync(partial(self._transact, work))
        except OperationalError:
            request = self.request
            log.exception("database unavailable while answering %s %s", request.method, request.url)
            raise ApiError(503, "the database is unavailable; try again shortly") from None
        except Exception as error:
            refusal = service_refusal(error)
            if refusal is None:
                raise
            raise refusal from None

    def _transact(self, work: Callable[[Call], R]) -> R:
        backend = self.backend
        if self.scope.endswith("_read"):
            with backend.read_engine.begin() as conn:
                return work(Call(conn, self.key, backend.clock(), backend.current_listeners()))
        with backend.write_lock, backend.engine.begin() as conn:
            return work(Call(conn, self.key, backend.clock(), backend.current_listeners()))

    async def _raw(self) -> bytes:
        too_large = ApiError(413, f"request body is larger than {BODY_MAX} bytes")
        declared = self.request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > BODY_MAX:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.request.stream():
            size += len(chunk)
            if size > BODY_MAX:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)


def _decode(raw: bytes) -> Any:
    if not raw.strip():
        raise bad_request("request body is empty; expected a JSON object with a `data` member")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise bad_request("request body must be a JSON object with a `data` member")
    return value


def _validate(model: type[T], value: Any, raw: bytes) -> T:
    try:
        validated: T = _adapter(model).validate_python(value)
    except ValidationError as error:
        raise invalid(error.errors(), model) from None
    if b"\\u0000" in raw:
        # PostgreSQL cannot store U+0000: refused wherever the request would store it.
        where = nul_path(_adapter(model).dump_python(validated, by_alias=True))
        if where is not None:
            raise bad_request(f"{path_of(where)} must not contain a NUL character (\\u0000)")
    return validated


def nul_path(value: Any, at: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in `value` a string (or a member's name) holds U+0000, if anywhere."""
    if isinstance(value, str):
        return at if "\x00" in value else None
    if isinstance(value, dict):
        for name, member in value.items():
            if isinstance(name, str) and "\x00" in name:
                return (*at, name)
            found = nul_path(member, (*at, name))
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = nul_path(item, (*at, index))
            if found is not None:
                return found
    return None


class Authorize:
    """The dependency of a route that needs `scope` (see the module docstring)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, request: Request) -> Caller:
        creds = credentials(request.headers)
        backend = backend_of(request)
        key = backend.keys.get(creds)
        if key is None:
            try:
                key = await anyio.to_thread.run_sync(backend.authenticate, creds)
            except OperationalError:
                log.exception("database unavailable while checking a key pair")
                raise ApiError(503, "the database is unavailable; try again shortly") from None
        check_scope(key, self.scope)
        _only_declared(request)
        return Caller(request, backend, key, self.scope)


def _only_declared(request: Request) -> None:
    """Refuse query parameters the route does not take (a typo would be ignored otherwise)."""
    params = request.query_params
    if not params:
        return
    route = request.scope.get("route")
    allowed: Sequence[str] = getattr(route, "query_names", ())
    for name in params:
        if name not in allowed:
            takes = ", ".join(allowed) if allowed else "none"
            raise bad_request(f"unknown query parameter {name!r}; this endpoint takes: {takes}")
        if len(params.getlist(name)) > 1:
            raise bad_request(f"query parameter {name} is given more than once")


READ_CASES = Authorize(Scope.CASES_READ)
WRITE_CASES = Authorize(Scope.CASES_WRITE)
READ_ERROR_TRACKING = Authorize(Scope.ERROR_TRACKING_READ)
WRITE_ERROR_TRACKING = Authorize(Scope.ERROR_TRACKING_WRITE)
READ_MONITORS = Authorize(Scope.MONITORS_READ)
WRITE_DOWNTIMES = Authorize(Scope.MONITORS_DOWNTIME)

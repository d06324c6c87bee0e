"""Who is calling: `DD-API-KEY` + `DD-APPLICATION-KEY`, and what they may do.

Missing or unknown keys are a 401; a known pair without the scope an endpoint
needs (`cases_read` for reads, `cases_write` for changes) is a 403. Datadog's
OAuth alternative (`Authorization: Bearer`) is not offered; a request that
tries it is told so.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection
from starlette.datastructures import Headers

from bot.core.cases import Actor, ActorSource
from bot.services import keys
from bot.services.keys import ApiKey, Refusal, Scope, digest
from bot.web.api.errors import ApiError

API_KEY_HEADER = "DD-API-KEY"
APP_KEY_HEADER = "DD-APPLICATION-KEY"
# Datadog's clients also accept this spelling of the application key header.
APP_KEY_HEADER_ALT = "DD-APP-KEY"
# Longer values are not keys casebot made; refuse them before hashing.
KEY_MAX = 128


@dataclass(frozen=True, slots=True)
class Credentials:
    api_key: str
    application_key: str

    @property
    def digests(self) -> tuple[str, str]:
        return digest(self.api_key), digest(self.application_key)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, message)


def credentials(headers: Headers) -> Credentials:
    """The key pair a request carries, or a 401 naming the missing header."""
    api_key = headers.get(API_KEY_HEADER, "").strip()
    app_key = (headers.get(APP_KEY_HEADER) or headers.get(APP_KEY_HEADER_ALT) or "").strip()
    if not api_key:
        if headers.get("authorization"):
            raise unauthorized(
                f"casebot accepts {API_KEY_HEADER} and {APP_KEY_HEADER} headers, not an "
                "Authorization bearer token"
            )
        raise unauthorized(f"missing {API_KEY_HEADER} header")
    if not app_key:
        raise unauthorized(f"missing {APP_KEY_HEADER} header")
    if len(api_key) > KEY_MAX or len(app_key) > KEY_MAX:
        raise unauthorized(f"{API_KEY_HEADER} is not a known API key")
    return Credentials(api_key, app_key)


class KeyCache:
    """Key pairs recently proved valid, so that most requests skip the key lookup.

    Only successes are remembered, each for `ttl` seconds: a new key works at
    once, and a revoked one stops working within `ttl` on a running server
    (`casebot keys revoke` runs in another process and cannot tell it). Keys
    are the two secrets' hashes, never the secrets.
    """

    def __init__(
        self, ttl: float = 2.0, size: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: dict[tuple[str, str], tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def get(self, creds: Credentials) -> ApiKey | None:
        entry = self._entries.get(creds.digests)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def put(self, creds: Credentials, key: ApiKey) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[creds.digests] = (self.clock() + self.ttl, key)


def authenticate(conn: Connection, creds: Credentials, cache: KeyCache | None = None) -> ApiKey:
    """The live key pair behind `creds` (remembered in `cache`); else 401."""
    found = cache.get(creds) if cache is not None else None
    if found is None:
        checked = keys.authenticate(conn, creds.api_key, creds.application_key)
        if isinstance(checked, Refusal):
            raise unauthorized(checked.message)
        found = checked
        if cache is not None:
            cache.put(creds, found)
    return found


def check_scope(key: ApiKey, scope: Scope) -> ApiKey:
    """`key`, if it has `scope`; else 403 with the command that makes a pair that has it
    (and the scopes this one has)."""
    if scope not in key.scopes:
        had = sorted(s.value for s in key.scopes)
        scopes = ",".join([scope.value, *had])
        raise ApiError(
            403,
            f"this key pair lacks the {scope.value} scope this endpoint needs "
            f"(it has: {', '.join(had) or 'none'}); create one with "
            f"`casebot keys create --scopes {scopes} --name {shlex.quote(key.name)}`",
        )
    return key


def require(
    conn: Connection, creds: Credentials, scope: Scope, cache: KeyCache | None = None
) -> ApiKey:
    """The live key pair behind `creds`, which must have `scope`; else 401 or 403."""
    return check_scope(authenticate(conn, creds, cache), scope)


def actor(key: ApiKey) -> Actor:
    """Changes made through the API are made by the key pair's user."""
    return Actor(ActorSource.API, key.user_id, key.name)

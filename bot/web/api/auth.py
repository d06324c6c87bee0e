"""Who is calling: `DD-API-KEY` + `DD-APPLICATION-KEY`, and what they may do.

Missing or unknown keys are a 401; a known pair without the scope an endpoint
needs (`cases_read` for reads, `cases_write` for changes) is a 403. Datadog's
OAuth alternative (`Authorization: Bearer`) is not offered; a request that
tries it is told so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection
from starlette.datastructures import Headers

from bot.core.cases import Actor, ActorSource
from bot.db.api_keys import ApiKey, Refusal, Scope, authenticate
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


def require(conn: Connection, creds: Credentials, scope: Scope) -> ApiKey:
    """The live key pair behind `creds`, which must have `scope`; else 401 or 403."""
    found = authenticate(conn, creds.api_key, creds.application_key)
    if isinstance(found, Refusal):
        raise unauthorized(found.message)
    if scope not in found.scopes:
        have = ", ".join(sorted(s.value for s in found.scopes)) or "none"
        raise ApiError(
            403,
            f"this key pair lacks the {scope.value} scope this endpoint needs "
            f"(it has: {have}); create one with `casebot keys create --scopes {scope.value}`",
        )
    return found


def actor(key: ApiKey) -> Actor:
    """Changes made through the API are made by the key pair's user."""
    return Actor(ActorSource.API, key.user_id, key.name)

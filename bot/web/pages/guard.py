"""Who may do what: the session cookie, the role check and the CSRF check.

`signed_in(needs=...)` wraps a page handler: it finds the visitor from the
session cookie (a GET without one is sent to /login and comes back after), and
for every request that is not a GET or HEAD it checks the CSRF token (form
field `csrf_token` or header `X-CSRF-Token`) and the role. A refusal is a 403
page; the handler then never runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import wraps
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.core.accounts import Role
from bot.services.sessions import SessionService, Visitor
from bot.web.pages.console import Console, console_of
from bot.web.pages.rendering import Chrome, refusal

log = logging.getLogger(__name__)

SESSION_COOKIE = "casebot_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD"})
EXPIRED_FORM = "This form has expired. Reload the page and try again."


class Needs(StrEnum):
    READ = "read"  # any signed-in person
    CHANGE = "change"  # responders and admins
    MANAGE = "manage"  # admins


def allowed(role: Role, needs: Needs) -> bool:
    if needs is Needs.CHANGE:
        return role.can_change_cases
    if needs is Needs.MANAGE:
        return role.can_manage
    return True


@dataclass(frozen=True, slots=True)
class Signed:
    """A request from a signed-in person, as page handlers receive it."""

    console: Console
    visitor: Visitor
    csrf: str
    now: datetime

    @property
    def can_change(self) -> bool:
        return self.visitor.role.can_change_cases

    @property
    def can_manage(self) -> bool:
        return self.visitor.role.can_manage

    def chrome(self, nav: str) -> Chrome:
        """The layout's part of a page: who is signed in, their CSRF token, the menu."""
        return Chrome(
            user_name=self.visitor.name,
            role=self.visitor.role.value,
            csrf=self.csrf,
            can_manage=self.can_manage,
            nav=nav,
        )


Handler = Callable[[Request, Signed], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


async def visitor_of(request: Request, console: Console) -> Visitor | None:
    """The signed-in person the request's cookie names, or None."""
    session_id = console.keys.session_id(request.cookies.get(SESSION_COOKIE))
    if session_id is None:
        return None
    now = console.clock()
    visitor = await console.read(
        lambda conn: SessionService(conn, now=now, limits=console.session_limits).visitor(
            session_id
        )
    )
    if visitor is not None and visitor.needs_touch:
        hashed = visitor.session_hash
        await console.write(
            lambda conn: SessionService(conn, now=now, limits=console.session_limits).touch(hashed)
        )
    return visitor


async def csrf_token_of(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def signed_in(needs: Needs = Needs.READ) -> Callable[[Handler], Endpoint]:
    def decorate(handler: Handler) -> Endpoint:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            console = await console_of(request)
            visitor = await visitor_of(request, console)
            changing = request.method not in SAFE_METHODS
            if visitor is None:
                if changing:
                    return refusal(401, "Sign in first", "Your session has ended. Sign in again.")
                return RedirectResponse(login_url(request), status_code=303)
            token = await csrf_token_of(request) if changing else None
            if changing and not console.keys.csrf_ok(visitor.session_hash, token):
                log.warning("refused %s %s: no valid CSRF token", request.method, request.url.path)
                return refusal(403, "Refused", EXPIRED_FORM)
            if not allowed(visitor.role, needs):
                return refusal(403, "Not allowed", f"A {visitor.role} cannot do this.")
            csrf = console.keys.csrf_token(visitor.session_hash)
            signed = Signed(console, visitor, csrf, console.clock())
            return await handler(request, signed)

        return endpoint

    return decorate

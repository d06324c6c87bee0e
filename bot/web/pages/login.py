"""`GET/POST /login` and `POST /logout`.

The sign-in form has its own CSRF token, tied to a short-lived cookie made
when the form is shown (there is no session yet to tie it to). A wrong e-mail
and a wrong password get the same answer. A signed case link from Slack
(`/cases/KEY?exp=…&sig=…`) that brought someone here shows that case's
headline above the form: docs/decisions.md says why no more.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.cases import Case
from bot.services.accounts import AccountService, Blocked, SignedInAccount, SignInOutcome
from bot.services.case_pages import CasePages
from bot.services.sessions import SessionService
from bot.web.pages.console import Console, console_of
from bot.web.pages.guard import (
    CSRF_FIELD,
    SESSION_COOKIE,
    Signed,
    signed_in,
    visitor_of,
)
from bot.web.pages.rendering import Chrome, refusal, render

log = logging.getLogger(__name__)

LOGIN_COOKIE = "casebot_login"
DEFAULT_NEXT = "/cases"


@dataclass(frozen=True, slots=True)
class LinkedCase:
    key: str
    title: str
    status: str
    status_name: str
    priority: str
    project: str


@dataclass(frozen=True, slots=True)
class LoginView:
    csrf: str
    next: str
    email: str = ""
    error: str | None = None
    linked: LinkedCase | None = None


def safe_next(value: str | None) -> str:
    """A path on this server to go to after sign-in; anything else goes to the cases."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return DEFAULT_NEXT
    if value.startswith(("//", "/\\")) or any(ch in value for ch in "\r\n\\"):
        return DEFAULT_NEXT
    return value


def _without_link_signature(target: str) -> str:
    """`/cases/KEY?exp=…&sig=…` -> `/cases/KEY`: a signed-in person needs no signature."""
    parts = urlsplit(target)
    query = parse_qs(parts.query)
    if parts.path.startswith("/cases/") and "sig" in query:
        return parts.path
    return target


def address_of(request: Request) -> str:
    """The client's address, as uvicorn reports it."""
    return request.client.host if request.client else "unknown"


async def _linked_case(console: Console, target: str) -> LinkedCase | None:
    parts = urlsplit(target)
    if not parts.path.startswith("/cases/") or console.links is None:
        return None
    key = parts.path.removeprefix("/cases/").upper()
    query = parse_qs(parts.query)
    exp, sig = query.get("exp", [None])[0], query.get("sig", [None])[0]
    if not console.links.verify(key, exp, sig, now=console.clock()):
        return None

    def load(conn: Connection) -> tuple[Case, str] | None:
        pages = CasePages(conn)
        case = pages.find(key)
        if case is None or case.key != key:
            return None
        projects = {p.id: p.name for p in pages.all_projects()}
        return case, projects.get(case.project_id, "")

    found = await console.read(load)
    if found is None:
        return None
    case, project = found
    return LinkedCase(
        case.key, case.title, case.status.value, case.status.status_name, case.priority.value,
        project,
    )  # fmt: skip


def _login_csrf(console: Console, nonce: str) -> str:
    return console.keys.csrf_token(f"login\n{nonce}")


async def _form(
    request: Request,
    console: Console,
    *,
    target: str,
    status: int = 200,
    email: str = "",
    error: str | None = None,
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    view = LoginView(
        csrf=_login_csrf(console, nonce),
        next=target,
        email=email,
        error=error,
        linked=await _linked_case(console, target),
    )
    response = render("login.html.j2", status=status, view=view, chrome=Chrome())
    response.set_cookie(
        LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="lax",
        secure=secure(request, console), path="/login",
    )  # fmt: skip
    return response


def secure(request: Request, console: Console) -> bool:
    """Whether cookies must be `Secure` (HTTPS here or at the public address)."""
    return console.public_https or request.url.scheme == "https"


async def login_page(request: Request) -> Response:
    console = await console_of(request)
    target = safe_next(request.query_params.get("next"))
    if await visitor_of(request, console) is not None:
        return RedirectResponse(_without_link_signature(target), status_code=303)
    return await _form(request, console, target=target)


async def login(request: Request) -> Response:
    console = await console_of(request)
    form = await request.form()
    target = safe_next(str(form.get("next") or ""))
    nonce = request.cookies.get(LOGIN_COOKIE)
    token = form.get(CSRF_FIELD)
    if (
        not nonce
        or not isinstance(token, str)
        or not console.keys.csrf_ok(f"login\n{nonce}", token)
    ):
        return refusal(
            403, "Refused", "This sign-in form has expired. Reload the page and try again."
        )
    email = str(form.get("email") or "")[:400]
    password = str(form.get("password") or "")[:2000]
    address = address_of(request)
    now = console.clock()

    def sign_in(conn: Connection) -> tuple[SignInOutcome, str | None]:
        accounts = AccountService(conn, now=now)
        outcome = accounts.sign_in(email, password, address=address, limits=console.sign_in_limits)
        if not isinstance(outcome, SignedInAccount):
            return outcome, None
        sessions = SessionService(conn, now=now, limits=console.session_limits)
        return outcome, sessions.start(outcome.account.user_id, address=address)

    outcome, session_id = await console.write(sign_in)
    if isinstance(outcome, Blocked):
        minutes = max(1, int((outcome.until - now).total_seconds() // 60) + 1)
        return await _form(
            request, console, target=target, status=429, email=email,
            error=f"Too many failed sign-ins. Try again in {minutes} minutes.",
        )  # fmt: skip
    if session_id is None:
        return await _form(
            request, console, target=target, status=401, email=email,
            error="The email or the password is wrong.",
        )  # fmt: skip
    response = RedirectResponse(_without_link_signature(target), status_code=303)
    set_session_cookie(response, request, console, session_id)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def set_session_cookie(
    response: Response, request: Request, console: Console, session_id: str
) -> None:
    """The cookie that holds a new session (signed in by password or by a sign-in link)."""
    response.set_cookie(
        SESSION_COOKIE,
        console.keys.cookie_value(session_id),
        max_age=int(console.session_limits.lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure(request, console),
        path="/",
    )


@signed_in()
async def logout(request: Request, signed: Signed) -> Response:
    hashed = signed.visitor.session_hash
    now = signed.now
    await signed.console.write(
        lambda conn: SessionService(conn, now=now, limits=signed.console.session_limits).end(hashed)
    )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]

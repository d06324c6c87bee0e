"""`/welcome/TOKEN`: the one-time sign-in link an admin gives a person they invited.

Opening it shows a form to choose a password; sending it sets the password, starts
a session and opens the console. The link works once (bot/services/invites.py).
Like the sign-in form, this form's CSRF token is tied to a short-lived cookie,
as there is no session yet.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.services.accounts import Account, InvalidAccount
from bot.services.invites import InviteKeys, InviteService, LinkNotValid
from bot.services.sessions import SessionService
from bot.web.pages.console import Console, console_of
from bot.web.pages.forms import sentence, text_field
from bot.web.pages.guard import CSRF_FIELD
from bot.web.pages.login import address_of, secure, set_session_cookie
from bot.web.pages.rendering import Chrome, refusal, render

WELCOME_COOKIE = "casebot_welcome"
USED = "This sign-in link has expired or was used already. Ask an admin for a new one."


@dataclass(frozen=True, slots=True)
class WelcomeView:
    name: str
    email: str
    csrf: str
    action: str
    error: str | None = None


def _token(request: Request) -> str:
    return str(request.path_params["token"])[:500]


def _csrf(console: Console, nonce: str) -> str:
    return console.keys.csrf_token(f"welcome\n{nonce}")


def _service(conn: Connection, console: Console) -> InviteService:
    return InviteService(conn, now=console.clock(), keys=InviteKeys(console.keys.secret))


async def _form(
    request: Request, console: Console, account: Account, *, status: int = 200,
    error: str | None = None,
) -> Response:  # fmt: skip
    nonce = request.cookies.get(WELCOME_COOKIE) or secrets.token_urlsafe(24)
    view = WelcomeView(account.name, account.email, _csrf(console, nonce), request.url.path, error)
    response = render("welcome.html.j2", status=status, view=view, chrome=Chrome())
    response.set_cookie(
        WELCOME_COOKIE, nonce, max_age=3600, httponly=True, samesite="lax",
        secure=secure(request, console), path="/welcome",
    )  # fmt: skip
    return response


async def welcome_page(request: Request) -> Response:
    console = await console_of(request)
    token = _token(request)
    try:
        account = await console.read(lambda conn: _service(conn, console).opened(token))
    except LinkNotValid:
        return refusal(403, "This link has expired", USED)
    return await _form(request, console, account)


async def choose_password(request: Request) -> Response:
    console = await console_of(request)
    form = await request.form()
    nonce = request.cookies.get(WELCOME_COOKIE)
    sent = form.get(CSRF_FIELD)
    if (
        not nonce
        or not isinstance(sent, str)
        or not console.keys.csrf_ok(f"welcome\n{nonce}", sent)
    ):
        return refusal(403, "Refused", "This form has expired. Open the link again.")
    token = _token(request)
    password = text_field(form, "password", 2000)
    again = text_field(form, "password_again", 2000)
    address = address_of(request)

    def accept(conn: Connection) -> str:
        service = _service(conn, console)
        if password != again:
            service.opened(token)  # a used link says so before a typo does
            raise InvalidAccount("password", "the two passwords differ")
        account = service.accept(token, password)
        sessions = SessionService(conn, now=service.now, limits=console.session_limits)
        return sessions.start(account.user_id, address=address)

    try:
        session_id = await console.write(accept)
    except LinkNotValid:
        return refusal(403, "This link has expired", USED)
    except InvalidAccount as invalid:
        opened = await console.read(lambda conn: _service(conn, console).opened(token))
        return await _form(request, console, opened, status=400, error=sentence(invalid.message))
    response = RedirectResponse("/cases", status_code=303)
    set_session_cookie(response, request, console, session_id)
    response.delete_cookie(WELCOME_COOKIE, path="/welcome")
    return response


routes = [
    Route("/welcome/{token}", welcome_page, methods=["GET"]),
    Route("/welcome/{token}", choose_password, methods=["POST"]),
]

"""`/settings/users`: admins add people, change their roles, disable and enable
accounts, and end their sessions, as `casebot users` does; and invite people with a
one-time sign-in link (bot/services/invites.py), shown once, on the page that answers.
The list says when each person last signed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.accounts import Role, SessionLimits
from bot.services.accounts import Account, AccountError, AccountService, InvalidAccount
from bot.services.invites import LINK_DAYS, Invite, InviteKeys, InviteService
from bot.services.sessions import SessionService
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import render

ROLES = tuple(role.value for role in Role)
DONE = {
    "added": "Added {email}.",
    "role": "Changed the role of {email}.",
    "disabled": "Disabled {email}; their sessions have ended.",
    "enabled": "Enabled {email}.",
    "signed-out": "Ended the sessions of {email}.",
}


@dataclass(frozen=True, slots=True)
class SignInLink:
    """A one-time sign-in link, shown once."""

    email: str
    url: str
    days: int = LINK_DAYS


@dataclass(frozen=True, slots=True)
class UsersView:
    accounts: tuple[Account, ...]
    me: str
    roles: tuple[str, ...] = ROLES
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None
    link: SignInLink | None = None
    invite_values: dict[str, str] = field(default_factory=dict)
    invite_errors: dict[str, str] = field(default_factory=dict)


async def _page(signed: Signed, *, status: int = 200, **extra: object) -> Response:
    now = signed.now
    accounts = await signed.console.read(lambda conn: AccountService(conn, now=now).list())
    view = UsersView(tuple(accounts), signed.visitor.email, **extra)  # type: ignore[arg-type]
    return render("users.html.j2", status=status, view=view, chrome=signed.chrome("users"))


def _done(done: str, email: str) -> Response:
    address = quote(email.strip().lower(), safe="@")
    return RedirectResponse(f"/settings/users?done={done}&email={address}", status_code=303)


@signed_in(Needs.MANAGE)
async def users_page(request: Request, signed: Signed) -> Response:
    done, email = request.query_params.get("done", ""), request.query_params.get("email", "")
    notice = DONE[done].format(email=email) if done in DONE and email else None
    return await _page(signed, notice=notice)


@signed_in(Needs.MANAGE)
async def add(request: Request, signed: Signed) -> Response:
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in ("email", "name", "role")}
    password = str(form.get("password") or "")
    now = signed.now

    def work(conn: Connection) -> Account:
        return AccountService(conn, now=now).add(
            email=values["email"], name=values["name"], role=values["role"], password=password
        )

    try:
        account = await signed.console.write(work)
    except InvalidAccount as invalid:
        errors = {invalid.field: invalid.message[:1].upper() + invalid.message[1:] + "."}
        return await _page(signed, status=400, values=values, errors=errors)
    except AccountError as error:
        return await _page(signed, status=400, values=values, errors={"email": f"{error}."})
    return _done("added", account.email)


def _link(request: Request, invite: Invite) -> SignInLink:
    # The address the admin reached the console at: the one they pass on.
    base = str(request.base_url).rstrip("/")
    return SignInLink(invite.account.email, f"{base}/welcome/{invite.token}")


def _invites(signed: Signed, conn: Connection) -> InviteService:
    return InviteService(conn, now=signed.now, keys=InviteKeys(signed.console.keys.secret))


@signed_in(Needs.MANAGE)
async def invite(request: Request, signed: Signed) -> Response:
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in ("email", "name", "role")}

    def work(conn: Connection) -> Invite:
        return _invites(signed, conn).invite(
            email=values["email"], name=values["name"], role=values["role"]
        )

    try:
        made = await signed.console.write(work)
    except InvalidAccount as invalid:
        errors = {invalid.field: invalid.message[:1].upper() + invalid.message[1:] + "."}
        return await _page(signed, status=400, invite_values=values, invite_errors=errors)
    except AccountError as error:
        return await _page(
            signed, status=400, invite_values=values, invite_errors={"email": f"{error}."}
        )
    notice = f"Invited {made.account.email}. Send them the link below."
    return await _page(signed, link=_link(request, made), notice=notice)


@signed_in(Needs.MANAGE)
async def new_link(request: Request, signed: Signed) -> Response:
    email = str((await request.form()).get("email") or "")
    try:
        made = await signed.console.write(lambda conn: _invites(signed, conn).new_link(email))
    except AccountError as error:
        return await _page(signed, status=400, notice=f"No link made: {error}.")
    notice = f"A new sign-in link for {made.account.email}; the earlier one no longer works."
    return await _page(signed, link=_link(request, made), notice=notice)


Act = Callable[[AccountService, Connection, str], object]


def _change(done: str, act: Act) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that does `act` to the account the form names."""

    @signed_in(Needs.MANAGE)
    async def endpoint(request: Request, signed: Signed) -> Response:
        form = await request.form()
        email = str(form.get("email") or "")
        if done == "disabled" and email.strip().lower() == signed.visitor.email:
            return await _page(
                signed, status=400, notice="Nothing changed: you cannot disable yourself."
            )
        now = signed.now

        def work(conn: Connection) -> None:
            act(AccountService(conn, now=now), conn, email)

        try:
            await signed.console.write(work)
        except AccountError as error:
            return await _page(signed, status=400, notice=f"Nothing changed: {error}.")
        return _done(done, email)

    return endpoint


@signed_in(Needs.MANAGE)
async def set_role(request: Request, signed: Signed) -> Response:
    form = await request.form()
    email, role = str(form.get("email") or ""), str(form.get("role") or "")
    if email.strip().lower() == signed.visitor.email and role != Role.ADMIN.value:
        return await _page(
            signed, status=400, notice="Nothing changed: you cannot demote yourself."
        )
    now = signed.now
    try:
        await signed.console.write(lambda conn: AccountService(conn, now=now).set_role(email, role))
    except AccountError as error:
        return await _page(signed, status=400, notice=f"Nothing changed: {error}.")
    return _done("role", email)


def _sign_out(service: AccountService, conn: Connection, email: str) -> None:
    account = service.get(email)
    SessionService(conn, now=service.now, limits=SessionLimits()).end_all(account.user_id)


def _disable(service: AccountService, _conn: Connection, email: str) -> None:
    service.disable(email)


def _enable(service: AccountService, _conn: Connection, email: str) -> None:
    service.enable(email)


routes = [
    Route("/settings/users", users_page, methods=["GET"]),
    Route("/settings/users", add, methods=["POST"]),
    Route("/settings/users/role", set_role, methods=["POST"]),
    Route("/settings/users/disable", _change("disabled", _disable), methods=["POST"]),
    Route("/settings/users/enable", _change("enabled", _enable), methods=["POST"]),
    Route("/settings/users/sign-out", _change("signed-out", _sign_out), methods=["POST"]),
    Route("/settings/users/invite", invite, methods=["POST"]),
    Route("/settings/users/link", new_link, methods=["POST"]),
]

"""`/settings/keys`: admins create and revoke API key pairs, as `casebot keys` does.

A new pair's secrets are shown once, on the page that answers the creation
(never stored: only their hashes are), with no redirect that could show them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.services.keys import (
    ApiKey,
    KeyNotFound,
    NewKeyPair,
    Scope,
    UnknownScope,
    create_key,
    list_keys,
    parse_scopes,
    revoke_key,
)
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import render

SCOPES = tuple(scope.value for scope in Scope)


@dataclass(frozen=True, slots=True)
class KeysView:
    keys: tuple[ApiKey, ...]
    scopes: tuple[str, ...] = SCOPES
    created: NewKeyPair | None = None
    name: str = ""
    chosen: tuple[str, ...] = ("cases_read",)
    errors: dict[str, str] | None = None
    notice: str | None = None


async def _page(signed: Signed, *, status: int = 200, **extra: object) -> Response:
    keys = await signed.console.read(list_keys)
    view = KeysView(tuple(keys), **extra)  # type: ignore[arg-type]
    return render("keys.html.j2", status=status, view=view, chrome=signed.chrome("keys"))


@signed_in(Needs.MANAGE)
async def keys_page(request: Request, signed: Signed) -> Response:
    revoked = request.query_params.get("revoked")
    return await _page(signed, notice=f"Revoked key {revoked}." if revoked else None)


@signed_in(Needs.MANAGE)
async def create(request: Request, signed: Signed) -> Response:
    form = await request.form()
    name = str(form.get("name") or "").strip()[:200]
    chosen = tuple(str(value) for value in form.getlist("scopes"))
    errors: dict[str, str] = {}
    try:
        scopes = parse_scopes(chosen)
    except UnknownScope as unknown:
        errors["scopes"] = str(unknown)
        scopes = frozenset()
    if not name:
        errors["name"] = "A key needs a name (what it is for)."
    if not scopes and "scopes" not in errors:
        errors["scopes"] = "Choose at least one scope."
    if errors:
        return await _page(signed, status=400, name=name, chosen=chosen, errors=errors)
    now = signed.now

    def make(conn: Connection) -> NewKeyPair:
        return create_key(conn, name=name, scopes=scopes, now=now)

    pair = await signed.console.write(make)
    return await _page(signed, created=pair)


@signed_in(Needs.MANAGE)
async def revoke(request: Request, signed: Signed) -> Response:
    key_id = str(request.path_params["key_id"])
    now = signed.now

    def work(conn: Connection) -> ApiKey:
        return revoke_key(conn, key_id, now=now)

    try:
        key = await signed.console.write(work)
    except KeyNotFound:
        return await _page(signed, status=404, notice=f"No key {key_id}.")
    return RedirectResponse(f"/settings/keys?revoked={key.name}", status_code=303)


routes = [
    Route("/settings/keys", keys_page, methods=["GET"]),
    Route("/settings/keys", create, methods=["POST"]),
    Route("/settings/keys/{key_id}/revoke", revoke, methods=["POST"]),
]

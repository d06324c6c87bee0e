"""`POST /cases/KEY/watch`: the case page's Watch and Stop watching.

A watcher hears of the case's changes by e-mail (docs/notifications.md). Anyone
signed in may watch, viewers too: it changes what they receive, not the case. The
form still carries the CSRF token, as every changing request does.
"""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.services.errors import CaseNotFound, UserNotFound
from bot.services.notification_rules import Watchers
from bot.web.pages.guard import Signed, signed_in
from bot.web.pages.rendering import refusal


@signed_in()
async def watch(request: Request, signed: Signed) -> Response:
    key = str(request.path_params["key"]).upper()
    form = await request.form()
    wanted = str(form.get("watch") or "")
    if wanted not in ("on", "off"):
        return refusal(400, "Watch or not?", "The form must say watch=on or watch=off.",
                       signed.chrome("cases"))  # fmt: skip
    user_id, now = signed.visitor.user_id, signed.now

    def change(conn: Connection) -> None:
        watchers = Watchers(conn, now=now)
        if wanted == "on":
            watchers.watch(key, user_id)
            return
        with suppress(UserNotFound):  # not watching already: what was asked holds
            watchers.unwatch(key, user_id)

    try:
        await signed.console.write(change)
    except CaseNotFound:
        return refusal(404, "No such case", f"There is no case {key}.", signed.chrome("cases"))
    return RedirectResponse(f"/cases/{key}", status_code=303)


routes = [Route("/cases/{key}/watch", watch, methods=["POST"])]

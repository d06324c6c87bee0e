"""`/settings/notifications`: where notifications go and what was sent, for admins.

As `casebot destinations add|list|test|remove` and `casebot notifications
outbox|retry` do: the destinations (add one, send it a sample and see the answer,
remove it) and the notification outbox, newest first, each message with its
recipient, status and the receiver's answer or the reason it failed; **Retry**
sends a failed one again. Admins only: destinations hold URLs that are secrets
(a Teams webhook, a signing secret), and what was sent names people's addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.notifications import Destination, DestinationKind
from bot.notify.http import DeliveryFailed
from bot.notify.sample import send_sample
from bot.services.destinations import Destinations, Message
from bot.services.errors import DestinationNotFound, InvalidChange
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import render

KINDS = tuple(kind.value for kind in DestinationKind)
STATUSES = ("pending", "sent", "failed")
FIELDS = ("url", "secret", "address", "routing_key", "events_url")
OUTBOX_SIZE = 50


@dataclass(frozen=True, slots=True)
class NotificationsView:
    destinations: tuple[Destination, ...]
    messages: tuple[Message, ...]
    status: str = ""  # the outbox's filter
    values: dict[str, str] | None = None  # the add form, as sent back after an error
    errors: dict[str, str] | None = None
    notice: str | None = None
    failure: str | None = None
    kinds: tuple[str, ...] = KINDS
    statuses: tuple[str, ...] = STATUSES

    def value(self, name: str) -> str:
        return (self.values or {}).get(name, "")

    def recipient(self, message: Message) -> str:
        """A destination's name, else the address a message went to."""
        for destination in self.destinations:
            if message.route.recipient == f"destination:{destination.id}":
                return destination.name
        return message.route.address or message.route.recipient

    @staticmethod
    def kind(message: Message) -> str:
        action = message.payload.get("action")
        return f"{message.route.kind} {action}" if action else message.route.kind

    @staticmethod
    def changes(message: Message) -> int:
        return len(message.payload.get("changes", []))


async def _page(
    request: Request, signed: Signed, *, status_code: int = 200, **extra: Any
) -> Response:
    status = request.query_params.get("status", "")
    status = status if status in STATUSES else ""

    def load(conn: Connection) -> tuple[list[Destination], list[Message]]:
        service = Destinations(conn, now=signed.now)
        return service.all(), service.sent(status=status or None, limit=OUTBOX_SIZE)

    destinations, messages = await signed.console.read(load)
    notice = extra.pop("notice", None) or _notice(request)
    view = NotificationsView(tuple(destinations), tuple(messages), status, notice=notice, **extra)
    chrome = signed.chrome("notifications")
    return render("notifications.html.j2", status=status_code, view=view, chrome=chrome)


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done", "")[:200]
    return done or None


def _back(notice: str) -> RedirectResponse:
    return RedirectResponse(f"/settings/notifications?{urlencode({'done': notice})}", 303)


@signed_in(Needs.MANAGE)
async def notifications_page(request: Request, signed: Signed) -> Response:
    return await _page(request, signed)


@signed_in(Needs.MANAGE)
async def add(request: Request, signed: Signed) -> Response:
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in ("name", "kind", *FIELDS)}
    config = {name: values[name] for name in FIELDS if values[name]}
    now = signed.now

    def work(conn: Connection) -> Destination:
        return Destinations(conn, now=now).add(values["name"], values["kind"], config)

    try:
        added = await signed.console.write(work)
    except InvalidChange as invalid:
        where = invalid.field if invalid.field in ("name", "kind", *FIELDS) else "name"
        errors = {where: f"{invalid.message[:1].upper()}{invalid.message[1:]}."}
        return await _page(request, signed, status_code=400, values=values, errors=errors)
    if added.kind == DestinationKind.WEBHOOK and not values["secret"]:
        # Shown once, on the answer to the form: the receiver needs it to verify.
        notice = f"Added {added.name}. Its signing secret: {added.config['secret']}"
        return await _page(request, signed, notice=notice)
    return _back(f"Added {added.name}.")


async def _named(signed: Signed, name: str) -> Destination | None:
    try:
        return await signed.console.read(lambda conn: Destinations(conn, now=signed.now).get(name))
    except DestinationNotFound:
        return None


@signed_in(Needs.MANAGE)
async def test(request: Request, signed: Signed) -> Response:
    name = str(request.path_params["name"])
    destination = await _named(signed, name)
    if destination is None:
        return await _page(request, signed, status_code=404, failure=f"No destination {name}.")
    settings = request.app.state.casebot.settings
    try:
        answers = await send_sample(
            destination, settings.notify, public_url=settings.public_url, now=signed.now
        )
    except DeliveryFailed as failed:
        answer = f" The answer: {failed.answer}" if failed.answer else ""
        return await _page(
            request, signed, failure=f"The test of {name} failed: {failed.reason}.{answer}"
        )
    return await _page(request, signed, notice=f"{name} answered: {'; '.join(answers)}")


@signed_in(Needs.MANAGE)
async def remove(request: Request, signed: Signed) -> Response:
    name = str(request.path_params["name"])

    def work(conn: Connection) -> Destination:
        return Destinations(conn, now=signed.now).remove(name)

    try:
        removed = await signed.console.write(work)
    except DestinationNotFound:
        return await _page(request, signed, status_code=404, failure=f"No destination {name}.")
    return _back(f"Removed {removed.name}.")


@signed_in(Needs.MANAGE)
async def retry(request: Request, signed: Signed) -> Response:
    text = str(request.path_params["message_id"])
    message_id = int(text) if text.isdigit() and len(text) < 19 else 0
    retried = await signed.console.write(
        lambda conn: Destinations(conn, now=signed.now).retry(message_id)
    )
    if not retried:
        return await _page(
            request, signed, status_code=409, failure=f"No failed notification #{message_id}."
        )
    return _back(f"Notification #{message_id} will be sent again.")


routes = [
    Route("/settings/notifications", notifications_page, methods=["GET"]),
    Route("/settings/notifications/destinations", add, methods=["POST"]),
    Route("/settings/notifications/destinations/{name}/test", test, methods=["POST"]),
    Route("/settings/notifications/destinations/{name}/remove", remove, methods=["POST"]),
    Route("/settings/notifications/outbox/{message_id}/retry", retry, methods=["POST"]),
]

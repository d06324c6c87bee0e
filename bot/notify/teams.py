"""Microsoft Teams destinations: an Adaptive Card POSTed to an incoming-webhook or
Workflows URL (templates/notifications/teams_card.json.j2)."""

from __future__ import annotations

import httpx
import orjson

from bot.notify.http import post
from bot.notify.view import NotificationView
from bot.templating import render_json


def card(view: NotificationView) -> object:
    return render_json("notifications/teams_card.json.j2", view=view)


async def send(client: httpx.AsyncClient, view: NotificationView, *, url: str) -> str:
    return await post(client, url, orjson.dumps(card(view)), {})

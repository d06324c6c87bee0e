"""One notification to one destination, by kind: the step the sender and
`casebot destinations test` share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import httpx

from bot.core.notifications import DestinationKind
from bot.notify import email, pagerduty, teams, webhook
from bot.notify.settings import NotifySettings
from bot.notify.view import NotificationView


async def deliver(
    client: httpx.AsyncClient,
    settings: NotifySettings,
    view: NotificationView,
    *,
    kind: DestinationKind,
    config: Mapping[str, str],
    address: str | None = None,
    action: str = "trigger",
    now: datetime,
) -> str:
    """Send `view`; the receiver's answer, or `DeliveryFailed`."""
    if kind == DestinationKind.EMAIL:
        to = address or config.get("address", "")
        return await email.send(settings, view, to=to, now=now)
    if kind == DestinationKind.WEBHOOK:
        return await webhook.send(client, view, url=config["url"], secret=config["secret"], now=now)
    if kind == DestinationKind.TEAMS:
        return await teams.send(client, view, url=config["url"])
    return await pagerduty.send(
        client,
        view,
        events_url=config.get("events_url") or settings.pagerduty_events_url,
        routing_key=config["routing_key"],
        action=action,
    )

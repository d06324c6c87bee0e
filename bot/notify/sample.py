"""A sample notification, for `casebot destinations test`: what a destination would
get about a case, sent now and not through the outbox, with the receiver's answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from bot.core.notifications import Destination, DestinationKind
from bot.notify import http
from bot.notify.dispatch import deliver
from bot.notify.settings import NotifySettings
from bot.notify.view import ChangeLine, NotificationView


def sample_view(destination: Destination, *, public_url: str, now: datetime) -> NotificationView:
    # A key of its own, so that PagerDuty's test incident is no real case's.
    key = f"TEST-{uuid.uuid4().hex[:8].upper()}"
    return NotificationView(
        id=uuid.uuid4().hex,
        case_id=str(uuid.uuid4()),
        case_key=key,
        title="A test notification from casebot",
        status="OPEN",
        status_name="Open",
        priority="P3",
        assignee=None,
        project_key="TEST",
        project_name="Test",
        url=f"{public_url}/cases/{key}",
        changes=(
            ChangeLine(
                kind="note",
                trigger="TEST",
                body=f"This is a test of the destination {destination.name}.",
                by="casebot",
                at=now.isoformat(),
                data={},
            ),
        ),
    )


async def send_sample(
    destination: Destination,
    settings: NotifySettings,
    *,
    public_url: str,
    now: datetime,
    to: str | None = None,
) -> list[str]:
    """Send the sample; each answer (PagerDuty: the trigger's, then the resolve's that
    closes the test incident again), or `DeliveryFailed`."""
    view = sample_view(destination, public_url=public_url, now=now)
    actions = ["trigger", "resolve"] if destination.kind == DestinationKind.PAGERDUTY else [""]
    answers = []
    async with http.client(timeout=settings.timeout) as client:
        for action in actions:
            answers.append(
                await deliver(
                    client,
                    settings,
                    view,
                    kind=destination.kind,
                    config=destination.config,
                    address=to,
                    action=action or "trigger",
                    now=now,
                )
            )
    return answers

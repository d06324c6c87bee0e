"""Stage 6, announce: tell who listens what the pipeline did.

Two kinds of listener, told at two moments:
- notification listeners (the Slack outbox) hear of each applied notification
  inside the transaction, so what they queue commits or rolls back with it;
- delivery listeners (metrics, Slack's wake-up) hear of each delivery's report
  after the caller committed, so nothing is announced that rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from bot.core.events import MonitorEvent
from bot.pipeline.reports import DeliveryReport, Listener, Notification, NotificationListener
from handles.types import Rendered, Transition


def notify(
    conn: Connection,
    listeners: Sequence[NotificationListener],
    *,
    group_id: int,
    cycle: int,
    event: MonitorEvent,
    transition: Transition,
    rendered: Rendered,
    now: datetime,
) -> None:
    """Tell each notification listener, inside the transaction."""
    told = Notification(group_id, cycle, event, transition, rendered, now)
    for listener in listeners:
        listener.on_notification(conn, told)


def announce(listeners: Sequence[Listener], reports: Iterable[DeliveryReport]) -> None:
    """Tell each delivery listener of each report, after the commit."""
    for report in reports:
        for listener in listeners:
            listener(report)

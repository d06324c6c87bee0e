"""`Mute`: why a notification is silenced (bot/core/downtimes.py decides; the monitor
rules and the pipeline carry it). Its own module so that both import it one way."""

from __future__ import annotations

import uuid

from bot.core.downtime_schedule import Window
from bot.core.records import record


@record
class Mute:
    """The downtime that mutes a notification, and the window that holds it."""

    downtime_id: uuid.UUID
    message: str | None
    window: Window

    @property
    def reason(self) -> str:
        """For the inbox: `muted by downtime <id> (<message>)`."""
        text = f"muted by downtime {self.downtime_id}"
        return f"{text} ({self.message})" if self.message else text

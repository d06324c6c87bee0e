"""The notifications of a running server: the notifier (a case listener) and the
sender task, built together so that a queued message wakes the sender."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import Engine

from bot.notify.sender import NotificationSender
from bot.notify.settings import NotifySettings
from bot.notify.slack_dm import SlackDm
from bot.services.notifier import Notifier


class Notifications:
    def __init__(
        self,
        engine: Engine,
        settings: NotifySettings,
        *,
        link: Callable[[str], str],
        replica: str,
        slack: SlackDm | None = None,
    ) -> None:
        # A new holder for each process life: a restarted replica never mistakes an old
        # claim for its own.
        holder = f"{replica}-{uuid.uuid4().hex[:8]}"
        self.sender = NotificationSender(engine, settings, link=link, holder=holder, slack_dm=slack)
        self.notifier = Notifier(
            burst=timedelta(seconds=settings.burst),
            wake=self.sender.wake,
            slack_dm=slack is not None,
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self.sender.run(), name="notification-sender")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

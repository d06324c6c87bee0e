"""The notification sender: a background task that delivers the notification outbox.

- A message is due when its burst is over (`not_before`); messages to one recipient
  about one case leave in order (bot/db/notification_outbox.py).
- Each delivery claims its message first (a lease of `lease` seconds), so replicas
  on one database never send one message twice; a claim whose holder stopped runs
  out and another sender takes the message over.
- 429 waits for `Retry-After`; 5xx, timeouts, connection errors and a mail server's
  4xx back off exponentially with jitter, without limit; a refusal (another 4xx, a
  mail server's 5xx) fails the message, its reason kept, and `casebot notifications
  retry` sends it again. A retried webhook carries the same `Idempotency-Key`.
- Messages are rows: they survive a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
import httpx
from sqlalchemy import Engine

from bot.core.notifications import SLACK_ROUTE, DestinationKind
from bot.notify import http, slack_dm
from bot.notify.dispatch import deliver
from bot.notify.http import DeliveryFailed
from bot.notify.settings import NotifySettings
from bot.notify.slack_dm import SlackDm
from bot.notify.view import view_of
from bot.services import notification_outbox as outbox
from bot.services.notification_outbox import Delivery, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SenderTiming:
    poll: float = 0.25  # seconds between looks when nobody wakes the sender
    lease: float = 60.0  # seconds a claim lasts
    backoff_base: float = 1.0
    backoff_max: float = 300.0
    max_in_flight: int = 8
    shutdown_grace: float = 10.0
    keep_sent: timedelta = timedelta(days=30)
    prune_every: float = 3600.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class NotificationSender:
    def __init__(
        self,
        engine: Engine,
        settings: NotifySettings,
        *,
        link: Callable[[str], str],
        holder: str,
        timing: SenderTiming | None = None,
        now: Callable[[], datetime] = _utcnow,
        slack_dm: SlackDm | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        # The Slack app, for direct messages; None while Slack is off.
        self._slack_dm = slack_dm
        # The case page's address for a case key (signed links, as Slack's are).
        self._link = link
        self.holder = holder
        self._timing = timing or SenderTiming()
        self._now = now
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._pruned_at = 0.0

    def wake(self) -> None:
        """Look at the outbox now (safe from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._loop = asyncio.get_running_loop()
        async with http.client(timeout=self._settings.timeout) as client:
            try:
                while True:
                    try:
                        await self._round(client)
                    except Exception:  # one bad round never stops delivery
                        log.exception("notification outbox round failed; retrying")
                    # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation
                    # that arrives as the wake-up does, and the sender would never stop.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._timing.poll):
                            await self._wake.wait()
                    self._wake.clear()
            finally:
                await self._finish()

    async def _finish(self) -> None:
        tasks = set(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=self._timing.shutdown_grace)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._db(outbox.release_all, self.holder, now=self._now())

    async def _round(self, client: httpx.AsyncClient) -> None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._pruned_at >= self._timing.prune_every:
            self._pruned_at = loop_time
            await self._db(outbox.prune, sent_before=self._now() - self._timing.keep_sent)
        due = await self._db(outbox.due, now=self._now())
        for message_id in due:
            if len(self._tasks) >= self._timing.max_in_flight:
                break
            if message_id in self._tasks:
                continue
            task = asyncio.create_task(self._deliver(client, message_id))
            self._tasks[message_id] = task
            task.add_done_callback(self._finished(message_id))

    def _finished(self, message_id: int) -> Callable[[asyncio.Task[None]], None]:
        def done(_task: asyncio.Task[None]) -> None:
            self._tasks.pop(message_id, None)
            self._wake.set()

        return done

    async def _deliver(self, client: httpx.AsyncClient, message_id: int) -> None:
        lease = timedelta(seconds=self._timing.lease)
        claimed = await self._db(
            outbox.claim, message_id, holder=self.holder, now=self._now(), lease=lease
        )
        if claimed is None:
            return
        if isinstance(claimed, Message):
            await self._db(
                outbox.settle,
                message_id,
                self.holder,
                sent=False,
                now=self._now(),
                answer=None,
                error="its case or destination no longer exists",
            )
            return
        try:
            answer = await asyncio.wait_for(
                self._send(client, claimed), timeout=self._timing.lease * 0.8
            )
        except TimeoutError:
            await self._failed(claimed, DeliveryFailed("no answer in time", retry=True))
        except DeliveryFailed as failure:
            await self._failed(claimed, failure)
        except Exception as error:  # a bug here must not lose the message
            log.exception("notification %s: unexpected error", message_id)
            await self._failed(claimed, DeliveryFailed(f"internal error: {error}", retry=True))
        else:
            await self._db(
                outbox.settle, message_id, self.holder, sent=True, now=self._now(), answer=answer
            )

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery) -> str:
        message = delivery.message
        destination = delivery.destination
        view = view_of(delivery, url=self._link(delivery.case.key))
        if message.route.kind == SLACK_ROUTE:
            if self._slack_dm is None:
                raise DeliveryFailed("Slack is off (SLACK_BOT_TOKEN is not set)", retry=False)
            return await slack_dm.send(
                client, self._slack_dm, view, user=str(message.route.address)
            )
        return await deliver(
            client,
            self._settings,
            view,
            kind=DestinationKind(message.route.kind),
            config=destination.config if destination is not None else {},
            address=message.route.address,
            action=str(message.payload.get("action", "trigger")),
            now=self._now(),
        )

    async def _failed(self, delivery: Delivery, failure: DeliveryFailed) -> None:
        message = delivery.message
        if not failure.retry:
            log.warning(
                "notification %s to %s failed: %s",
                message.id,
                message.route.recipient,
                failure.reason,
            )
            await self._db(
                outbox.settle,
                message.id,
                self.holder,
                sent=False,
                now=self._now(),
                answer=failure.answer,
                error=failure.reason,
            )
            return
        delay = failure.after if failure.after is not None else self._backoff(message.attempts)
        await self._db(
            outbox.reschedule,
            message.id,
            self.holder,
            not_before=self._now() + timedelta(seconds=delay),
            error=failure.reason,
            answer=failure.answer,
        )

    def _backoff(self, attempts: int) -> float:
        timing = self._timing
        ceiling = min(timing.backoff_max, timing.backoff_base * 2 ** min(attempts, 20))
        return random.uniform(ceiling / 2, ceiling)

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def work() -> Any:
            with self._engine.begin() as conn:
                return fn(conn, *args, **kwargs)

        return await anyio.to_thread.run_sync(work)

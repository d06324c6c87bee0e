"""The outbox sender: one background asyncio task that delivers queued Slack calls.

- Calls to one channel leave one at a time, in the order they were queued, at most
  one every `pace` seconds (Slack allows about one post per second per channel).
- 429: the channel waits for `Retry-After`, then the same call is tried again.
- 5xx, timeouts and connection errors: exponential backoff with jitter, no limit
  on attempts (nothing is dropped); a permanent Slack error (`channel_not_found`,
  `invalid_blocks`, ...) marks the call failed, with the error, for the operator.
- A live message whose `ts` is stored is updated with chat.update, never posted
  again; syncs that an earlier call already covered are settled without a call.
- Pending calls survive a restart: they are rows, and the sender picks them up.

Database work runs in worker threads; the event loop only awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import anyio.to_thread
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine

from bot.services import outbox
from bot.services.outbox import OutboxItem
from bot.slack.channels import ChannelDirectory, ChannelNotFound

log = logging.getLogger(__name__)

# Slack errors that a later attempt can cure.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


@dataclass(frozen=True, slots=True)
class SenderTiming:
    pace: float = 1.0  # seconds between calls to one channel
    poll: float = 0.25  # seconds between looks at the outbox when nobody wakes us
    backoff_base: float = 1.0  # first retry delay after a 5xx or connection error
    backoff_max: float = 300.0
    max_in_flight: int = 8  # channels served at once
    shutdown_grace: float = 10.0  # seconds in-flight calls get to finish at shutdown
    prune_every: float = 600.0  # seconds between clean-ups of delivered calls
    keep_sent: timedelta = timedelta(days=7)
    keep_event_ids: timedelta = timedelta(days=1)


class _Retry(Exception):
    def __init__(self, error: str, *, after: float | None = None, rate_limited: bool = False):
        super().__init__(error)
        self.after = after
        self.rate_limited = rate_limited


class _Permanent(Exception):
    pass


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxSender:
    def __init__(
        self,
        engine: Engine,
        client: AsyncWebClient,
        channels: ChannelDirectory,
        *,
        timing: SenderTiming | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._engine = engine
        self._client = client
        self._channels = channels
        self._timing = timing or SenderTiming()
        self._now = now
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy: set[str] = set()
        self._next_call: dict[str, float] = {}  # channel_ref -> monotonic time
        self._tasks: set[asyncio.Task[None]] = set()
        self._pruned_at = time.monotonic()
        self._finishes = 0  # deliveries finished so far
        self._finished_at: dict[str, int] = {}  # channel_ref -> value of _finishes then

    def wake(self) -> None:
        """Look at the outbox now (safe to call from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._loop = asyncio.get_running_loop()
        log.info("slack outbox sender started")
        try:
            while True:
                try:
                    await self._round()
                except Exception:  # never let one bad round stop delivery
                    log.exception("slack outbox round failed; retrying")
                    await asyncio.sleep(self._timing.poll)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._round_wait())
                self._wake.clear()
        finally:
            # Let calls already sent finish and record their outcome: a post cut off
            # here could reach Slack without its ts being stored, and be posted twice.
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=self._timing.shutdown_grace)
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def _round_wait(self) -> float:
        """Sleep until the next look: the poll interval, or sooner when a paced channel frees."""
        now = time.monotonic()
        for ref in [r for r, at in self._next_call.items() if at <= now]:
            del self._next_call[ref]
        soonest = min(self._next_call.values(), default=now + self._timing.poll)
        return max(0.005, min(self._timing.poll, soonest - now))

    async def _round(self) -> None:
        if time.monotonic() - self._pruned_at >= self._timing.prune_every:
            self._pruned_at = time.monotonic()
            wall = self._now()
            await self._db(
                outbox.prune,
                sent_before=wall - self._timing.keep_sent,
                events_before=wall - self._timing.keep_event_ids,
            )
        # A delivery that finishes while the outbox is being read leaves that read stale
        # for its channel (the row it just sent still looks pending): skip such channels.
        snapshot = self._finishes
        items = await anyio.to_thread.run_sync(self._due)
        now_wall = self._now()
        now = time.monotonic()
        for item in items:
            if len(self._busy) >= self._timing.max_in_flight:
                break
            ref = item.channel_ref
            if ref in self._busy or self._next_call.get(ref, 0.0) > now:
                continue
            if self._finished_at.get(ref, -1) > snapshot:
                continue
            if item.not_before > now_wall:
                wait = (item.not_before - now_wall).total_seconds()
                self._next_call[ref] = now + wait
                continue
            self._busy.add(ref)
            task = asyncio.create_task(self._deliver(item))
            self._tasks.add(task)
            task.add_done_callback(self._finished(ref))

    def _finished(self, ref: str) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._finishes += 1
            self._finished_at[ref] = self._finishes
            self._busy.discard(ref)
            self._wake.set()

        return done

    def _due(self) -> list[OutboxItem]:
        with self._engine.connect() as conn:
            return outbox.next_per_channel(conn)

    async def _deliver(self, item: OutboxItem) -> None:
        ref = item.channel_ref
        try:
            called = await self._send(item)
            if called:
                self._next_call[ref] = time.monotonic() + self._timing.pace
        except _Retry as retry:
            if retry.after is not None:
                delay = retry.after
            else:
                delay = min(
                    self._timing.backoff_max,
                    self._timing.backoff_base * 2 ** min(item.attempts, 20),
                ) * random.uniform(0.5, 1.0)
            self._next_call[ref] = time.monotonic() + max(delay, self._timing.pace)
            log.warning(
                "slack call for #%s deferred %.1fs (attempt %d): %s",
                ref,
                delay,
                item.attempts + 1,
                retry,
            )
            not_before = self._now() + timedelta(seconds=delay)
            await self._db(outbox.reschedule, item.id, not_before=not_before, error=str(retry))
        except _Permanent as failure:
            log.error("slack call for #%s failed for good: %s", ref, failure)
            await self._db(outbox.record_failed, item.id, str(failure), now=self._now())
            self._next_call[ref] = time.monotonic() + self._timing.pace
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or an unforeseen error: retry later, keep the row
            log.exception("slack call for #%s failed unexpectedly", ref)
            delay = self._timing.backoff_base * 2 ** min(item.attempts, 8)
            self._next_call[ref] = time.monotonic() + delay
            not_before = self._now() + timedelta(seconds=delay)
            await self._db(outbox.reschedule, item.id, not_before=not_before, error=repr(exc))

    async def _send(self, item: OutboxItem) -> bool:
        """Carry out one item; returns whether a Slack call was made."""
        if not await self._db(outbox.is_pending, item.id):
            return False  # already delivered (a second look must never post twice)
        if item.kind == outbox.MESSAGE:
            return await self._sync_message(item)
        if item.kind == outbox.REPLY:
            return await self._reply(item)
        if item.kind == outbox.EPHEMERAL:
            channel_id = await self._channel(item.channel_ref)
            payload = item.payload
            await self._call(
                "chat_postEphemeral",
                channel=channel_id,
                user=payload["user"],
                text=payload["text"],
                blocks=payload.get("blocks"),
                thread_ts=payload.get("thread_ts"),
            )
            await self._db(outbox.record_sent, item.id, now=self._now())
            return True
        raise _Permanent(f"unknown outbox kind {item.kind!r}")

    async def _sync_message(self, item: OutboxItem) -> bool:
        assert item.message_id is not None
        message = await self._db(outbox.load_message, item.message_id)
        if await self._db(outbox.settle_if_synced, item, message, self._now()):
            return False
        channel_id = message.channel_id or await self._channel(item.channel_ref)
        if message.ts is None:
            answer = await self._call(
                "chat_postMessage",
                channel=channel_id,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
            ts, channel_id = str(answer["ts"]), str(answer["channel"])
        else:
            try:
                await self._call(
                    "chat_update",
                    channel=channel_id,
                    ts=message.ts,
                    text=message.text,
                    blocks=message.blocks,
                )
            except _Permanent as failure:
                if "message_not_found" not in str(failure):
                    raise
                # Someone deleted the message: post it again rather than lose it.
                await self._db(outbox.forget_ts, message.id)
                raise _Retry("message was deleted; posting it again", after=0.0) from failure
            ts = message.ts
        await self._db(
            outbox.record_synced, item, message, channel_id=channel_id, ts=ts, now=self._now()
        )
        return True

    async def _reply(self, item: OutboxItem) -> bool:
        assert item.message_id is not None
        parent = await self._db(outbox.load_message, item.message_id)
        if parent.ts is None or parent.channel_id is None:
            # Calls to a channel leave in order, so the parent's post was tried first: it failed.
            raise _Permanent("the message this reply belongs to was never posted")
        await self._call(
            "chat_postMessage",
            channel=parent.channel_id,
            thread_ts=parent.ts,
            text=item.payload["text"],
            unfurl_links=False,
        )
        await self._db(outbox.record_sent, item.id, now=self._now())
        return True

    async def _channel(self, ref: str) -> str:
        try:
            return await self._channels.resolve(ref)
        except ChannelNotFound as exc:
            raise _Permanent(str(exc)) from exc
        except SlackApiError as exc:
            raise self._translate(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _Retry(f"conversations.list: {exc!r}") from exc

    async def _call(self, method: str, **kwargs: Any) -> Any:
        args = {k: v for k, v in kwargs.items() if v is not None}
        try:
            return await getattr(self._client, method)(**args)
        except SlackApiError as exc:
            raise self._translate(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _Retry(f"{method}: {exc!r}") from exc

    @staticmethod
    def _translate(exc: SlackApiError) -> Exception:
        response = exc.response
        status = int(getattr(response, "status_code", 200) or 200)
        error = str(response.get("error", "")) if hasattr(response, "get") else ""
        if status == 429 or error == "ratelimited":
            raw = (getattr(response, "headers", None) or {}).get("Retry-After", "1")
            try:
                after = float(raw)
            except (TypeError, ValueError):
                after = 1.0
            return _Retry(
                f"rate limited ({status}); Retry-After {raw}", after=after, rate_limited=True
            )
        if status >= 500 or error in TRANSIENT_ERRORS:
            return _Retry(f"Slack answered {status} {error}".strip())
        return _Permanent(f"Slack refused the call: {error or status}")

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def work() -> Any:
            with self._engine.begin() as conn:
                return fn(conn, *args, **kwargs)

        return await anyio.to_thread.run_sync(work)

"""The outbox sender: one background asyncio task that delivers queued Slack calls.

- Calls to one channel leave one at a time, in the order they were queued, at most
  one every `pace` seconds (Slack allows about one post per second per channel).
  The pace is kept in the database, so it holds across replicas.
- Every replica may run a sender on one database: a sender claims an item (a lease
  of `lease` seconds) before it calls Slack, so no two replicas send the same call;
  when a holder stops answering, another takes the item over after the lease.
- Posts carry a metadata tag (the database's and the item's). A post that may have
  reached Slack without its answer being recorded (its sender was killed, or no
  answer came) is looked for in the channel's recent history before it is sent
  again; when found, its ts is kept and the message is updated instead.
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

import anyio.to_thread
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine

from bot.services import outbox
from bot.services.outbox import Claim, OutboxItem
from bot.slack.channels import ChannelDirectory
from bot.slack.web_calls import HISTORY_SLACK, Refused, RetryLater, SlackCalls

log = logging.getLogger(__name__)


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
    # Seconds a claim lasts. Calls of one claim stop at 80% of it, so a holder that is
    # alive never loses its claim; one that stopped loses it after this.
    lease: float = 60.0
    history_pages: int = 5  # pages of 200 messages searched for a lost post


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
        holder: str = "casebot",
        tag: str = "casebot",
        counted: Callable[[str], None] = lambda what: None,
    ) -> None:
        self._engine = engine
        self._timing = timing or SenderTiming()
        self._now = now
        # Who claims: unique to this process's life (a restarted replica is a new holder).
        self.holder = holder
        # Told of each claim's fate: claimed, taken_over, lost, found, called.
        self._counted = counted
        # `tag`: which database a tagged post came from (installs may share a channel).
        self._calls = SlackCalls(
            client, channels, tag=tag, counted=counted, history_pages=self._timing.history_pages
        )
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy: set[str] = set()
        self._next_call: dict[str, float] = {}  # channel_ref -> monotonic time
        self._tasks: set[asyncio.Task[None]] = set()
        self._pruned_at = time.monotonic()
        self._finishes = 0  # deliveries finished so far
        self._finished_at: dict[str, int] = {}  # channel_ref -> value of _finishes then

    @property
    def in_flight(self) -> int:
        """Deliveries under way (a claim held, a call perhaps waiting for Slack)."""
        return len(self._tasks)

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
        log.info("slack outbox sender started (%s)", self.holder)
        try:
            while True:
                try:
                    await self._round()
                except Exception:  # never let one bad round stop delivery
                    log.exception("slack outbox round failed; retrying")
                    await asyncio.sleep(self._timing.poll)
                # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that
                # arrives as the wake-up does, and the sender would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._round_wait()):
                        await self._wake.wait()
                self._wake.clear()
        finally:
            await self._finish()

    async def _finish(self) -> None:
        # Let calls already sent finish and record their outcome: a post cut off here
        # could reach Slack without its ts being stored (it would then be looked for).
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self._timing.shutdown_grace)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        # Claims cut off are handed over now rather than when their lease runs out.
        with contextlib.suppress(Exception):
            released = await self._db(outbox.release_all, self.holder, now=self._now())
            if released:
                log.warning("slack outbox: %d call(s) cut off at shutdown, handed over", released)

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
        heads = await anyio.to_thread.run_sync(self._heads)
        now_wall = self._now()
        now = time.monotonic()
        for head in heads:
            if len(self._busy) >= self._timing.max_in_flight:
                break
            ref = head.item.channel_ref
            if ref in self._busy or self._next_call.get(ref, 0.0) > now:
                continue
            if self._finished_at.get(ref, -1) > snapshot:
                continue
            if head.claimed_until is not None and head.claimed_until > now_wall:
                continue  # another replica is on it; it carries on with the channel
            free_at = head.free_at()
            if free_at > now_wall:
                self._next_call[ref] = now + (free_at - now_wall).total_seconds()
                continue
            self._busy.add(ref)
            task = asyncio.create_task(self._deliver(head.item))
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

    def _heads(self) -> list[outbox.Head]:
        with self._engine.connect() as conn:
            return outbox.heads(conn)

    async def _deliver(self, item: OutboxItem) -> None:
        ref = item.channel_ref
        lease = timedelta(seconds=self._timing.lease)
        claim = await self._db(
            outbox.claim, item.id, holder=self.holder, now=self._now(), lease=lease
        )
        if claim is None:
            self._counted("lost")  # another replica claimed it first, or it left already
            return
        self._counted("claimed")
        if claim.taken_over:
            self._counted("taken_over")
            log.warning("slack call %d for #%s taken over (its holder stopped)", item.id, ref)
        deadline = time.monotonic() + self._timing.lease * 0.8
        pace = timedelta(seconds=self._timing.pace)
        kept = True
        try:
            called = await self._send(claim, deadline)
            if called:
                self._next_call[ref] = time.monotonic() + self._timing.pace
        except RetryLater as retry:
            if retry.after is not None:
                delay = retry.after
            else:
                delay = min(
                    self._timing.backoff_max,
                    self._timing.backoff_base * 2 ** min(item.attempts, 20),
                ) * random.uniform(0.5, 1.0)
            delay = max(delay, self._timing.pace)
            self._next_call[ref] = time.monotonic() + delay
            log.warning(
                "slack call for #%s deferred %.1fs (attempt %d): %s",
                ref,
                delay,
                item.attempts + 1,
                retry,
            )
            kept = await self._db(
                outbox.reschedule,
                claim,
                now=self._now(),
                delay=timedelta(seconds=delay),
                error=str(retry),
                maybe_delivered=claim.maybe_delivered or retry.uncertain,
            )
        except Refused as failure:
            log.error("slack call for #%s failed for good: %s", ref, failure)
            kept = await self._db(
                outbox.record_failed, claim, str(failure), now=self._now(), pace=pace
            )
            self._next_call[ref] = time.monotonic() + self._timing.pace
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or an unforeseen error: retry later, keep the row
            log.exception("slack call for #%s failed unexpectedly", ref)
            delay = self._timing.backoff_base * 2 ** min(item.attempts, 8)
            self._next_call[ref] = time.monotonic() + delay
            kept = await self._db(
                outbox.reschedule,
                claim,
                now=self._now(),
                delay=timedelta(seconds=delay),
                error=repr(exc),
                maybe_delivered=True,
            )
        if not kept:
            log.warning("slack call %d for #%s: the claim ran out before its end", item.id, ref)

    async def _send(self, claim: Claim, deadline: float) -> bool:
        """Carry out one claimed item; returns whether a Slack call was made."""
        item = claim.item
        if item.kind == outbox.MESSAGE:
            return await self._sync_message(claim, deadline)
        if item.kind == outbox.REPLY:
            return await self._reply(claim, deadline)
        if item.kind == outbox.EPHEMERAL:
            # Slack keeps no trace of an ephemeral message to look for: one whose answer
            # was lost is sent again.
            channel_id = await self._calls.channel(item.channel_ref)
            payload = item.payload
            await self._calls.call(
                "chat_postEphemeral",
                deadline,
                channel=channel_id,
                user=payload["user"],
                text=payload["text"],
                blocks=payload.get("blocks"),
                thread_ts=payload.get("thread_ts"),
            )
            await self._db(outbox.record_sent, claim, now=self._now(), pace=self._pace)
            return True
        raise Refused(f"unknown outbox kind {item.kind!r}")

    def _since(self, claim: Claim) -> datetime:
        """From when a lost post of the claimed item is looked for (clocks differ)."""
        return (claim.item.created_at or self._now()) - HISTORY_SLACK

    @property
    def _pace(self) -> timedelta:
        return timedelta(seconds=self._timing.pace)

    async def _sync_message(self, claim: Claim, deadline: float) -> bool:
        item = claim.item
        assert item.message_id is not None
        message = await self._db(outbox.load_message, item.message_id)
        if await self._db(outbox.settle_if_synced, claim, message, self._now()):
            return False
        channel_id = message.channel_id or await self._calls.channel(item.channel_ref)
        tag = f"m{message.id}"
        if message.ts is None and claim.maybe_delivered:
            found = await self._calls.look_for(
                item.id, self._since(claim), channel_id, tag, deadline
            )
            if found is not None:
                await self._db(outbox.record_found, claim, channel_id=channel_id, ts=found)
                message = await self._db(outbox.load_message, item.message_id)
        if message.ts is None:
            answer = await self._calls.call(
                "chat_postMessage",
                deadline,
                channel=channel_id,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
                metadata=self._calls.metadata(tag),
            )
            ts, channel_id = str(answer["ts"]), str(answer["channel"])
        else:
            try:
                await self._calls.call(
                    "chat_update",
                    deadline,
                    channel=message.channel_id or channel_id,
                    ts=message.ts,
                    text=message.text,
                    blocks=message.blocks,
                )
            except Refused as failure:
                if "message_not_found" not in str(failure):
                    raise
                # Someone deleted the message: post it again rather than lose it.
                await self._db(outbox.forget_ts, message.id)
                raise RetryLater("message was deleted; posting it again", after=0.0) from failure
            ts = message.ts
            channel_id = message.channel_id or channel_id
        await self._db(
            outbox.record_synced,
            claim,
            message,
            channel_id=channel_id,
            ts=ts,
            now=self._now(),
            pace=self._pace,
        )
        return True

    async def _reply(self, claim: Claim, deadline: float) -> bool:
        item = claim.item
        assert item.message_id is not None
        parent = await self._db(outbox.load_message, item.message_id)
        if parent.ts is None or parent.channel_id is None:
            # Calls to a channel leave in order, so the parent's post was tried first: it failed.
            raise Refused("the message this reply belongs to was never posted")
        tag = f"r{item.id}"
        if claim.maybe_delivered:
            found = await self._calls.look_for(
                item.id, self._since(claim), parent.channel_id, tag, deadline, thread_ts=parent.ts
            )
            if found is not None:
                await self._db(outbox.record_found, claim, channel_id=parent.channel_id, ts=found)
                await self._db(outbox.record_sent, claim, now=self._now(), pace=timedelta(0))
                return False
        await self._calls.call(
            "chat_postMessage",
            deadline,
            channel=parent.channel_id,
            thread_ts=parent.ts,
            text=item.payload["text"],
            blocks=item.payload.get("blocks"),
            unfurl_links=False,
            metadata=self._calls.metadata(tag),
        )
        await self._db(outbox.record_sent, claim, now=self._now(), pace=self._pace)
        return True

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def work() -> Any:
            with self._engine.begin() as conn:
                return fn(conn, *args, **kwargs)

        return await anyio.to_thread.run_sync(work)

"""SIGTERM's way down for one app: drain, within a bound, before the socket closes.

`casebot serve` calls `Shutdown.drain()` when SIGTERM arrives, while the server
still listens, and lets uvicorn stop only after it:

1. the writer is closed: from that moment every delivery is answered 503 with
   Retry-After (and `/readyz` 503), so a load balancer or a sender tries another
   replica. A delivery submitted before is stored and answered 202: the writer
   commits before it answers, so no 202 is given for anything not stored;
2. the writer stores what it had accepted and its thread ends;
3. the work beside the requests stops, last started first: Slack's outbox sender
   lets the calls under way finish and hands back its claims, the notification
   sender likewise, the scheduler ends its round.

Each step gets what is left of `bound` seconds from the signal; uvicorn then gets
the rest for the requests still open (the console's live pages). What runs past
the bound is cut off: a Slack call cut off is taken over by another replica after
its lease, and looked for in the channel before it is sent again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import AsyncExitStack

import anyio.to_thread

from bot.web.writer import Writer

log = logging.getLogger(__name__)

# The names of casebot's own background tasks, for the log of a stop that overran.
_OURS = ("slack-", "notification-", "casebot-scheduler")


class Shutdown:
    def __init__(self, writer: Writer, *, bound: float) -> None:
        self.writer = writer
        self.bound = bound
        # What runs beside the requests (Slack, notifications, the scheduler): the app
        # enters it at start-up; it is closed by `drain`, or at the end of the lifespan.
        self.background = AsyncExitStack()
        self._deadline: float | None = None

    @property
    def begun(self) -> bool:
        return self._deadline is not None

    def remaining(self) -> float:
        """Seconds left of the bound (the whole bound before the drain begins)."""
        if self._deadline is None:
            return self.bound
        return max(0.0, self._deadline - time.monotonic())

    async def drain(self) -> None:
        """Refuse deliveries, store the accepted ones, stop the background work; once."""
        if self._deadline is not None:
            return
        self._deadline = time.monotonic() + self.bound
        self.writer.close()
        log.warning("stopping: deliveries are refused (503); storing the accepted ones")
        stored = await anyio.to_thread.run_sync(
            self.writer.join, self.remaining(), abandon_on_cancel=True
        )
        if not stored:
            log.error("stopping: the writer did not finish within %g s", self.bound)
        # A task and a wait, not a timeout around the close: a stop that overruns is
        # named in the log before it is cancelled.
        closing = asyncio.create_task(self.background.aclose(), name="casebot-stop-background")
        done, _ = await asyncio.wait({closing}, timeout=self.remaining())
        if not done:
            running = sorted(
                t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith(_OURS)
            )
            log.error(
                "stopping: background work cut off after %g s (still running: %s)",
                self.bound,
                ", ".join(running) or "none named",
            )
            closing.cancel()
        log.warning("stopping: drained in %.2f s", self.bound - self.remaining())

"""The scheduler: one periodic task in the server's event loop, the work in a thread.

Every `interval` seconds it runs one round of bot/pipeline/tick.py at the
clock's time. Several replicas each run it; the round's claim in the database
lets one of them do the work. A round that fails is logged and tried again at
the next one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy import Engine

from bot.pipeline import Pipeline
from bot.pipeline.tick import TickReport, tick

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        engine: Engine,
        pipeline: Pipeline,
        *,
        interval: float,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.engine = engine
        self.pipeline = pipeline
        self.interval = interval
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def round(self) -> TickReport:
        """One round now (blocking: call it in a worker thread)."""
        return tick(self.engine, self.pipeline, now=self.clock())

    async def run(self) -> None:
        while True:
            try:
                await anyio.to_thread.run_sync(self.round)
            except Exception:
                log.exception("a scheduler round failed; trying again next round")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self.run(), name="casebot-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

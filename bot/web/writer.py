"""The one thread that writes deliveries: group commit, off the event loop.

Requests hand their delivery to `Writer.submit` and await a future. The writer
thread takes everything waiting (up to `batch_size`), stores and processes it
in ONE transaction, commits, and only then resolves the futures: a 202 always
means the raw delivery is durable. While one batch commits, the next queues up,
so batches grow with load and a quiet server still answers at once.

If a batch fails, it is rolled back and redone one delivery per transaction,
so one bad delivery cannot take the others with it; a delivery that fails on
its own is stored as `failed` with the error (for `casebot inbox retry`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from bot.core.events import MonitorEvent
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery, DeliveryReport
from bot.sources import SourceError

log = logging.getLogger(__name__)


class WriterUnavailable(Exception):
    """The delivery could not be stored (queue full, writer stopped, database down)."""


@dataclass(frozen=True, slots=True)
class _Job:
    delivery: Delivery
    # The parsed events, or why the body was refused (stored as rejected).
    events: Sequence[MonitorEvent] | SourceError
    future: asyncio.Future[DeliveryReport]
    loop: asyncio.AbstractEventLoop


_STOP = object()


class Writer:
    def __init__(
        self,
        engine: Engine,
        pipeline: Pipeline,
        *,
        batch_size: int = 64,
        queue_limit: int = 10_000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        gather_seconds: float = 0.0005,
    ) -> None:
        self.engine = engine
        self.pipeline = pipeline
        self.batch_size = batch_size
        self.queue_limit = queue_limit
        self.clock = clock
        self._queue: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None
        # The last batch's size: more than one means requests are arriving together.
        self._last_batch = 0
        self.gather_seconds = gather_seconds

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def queue_depth(self) -> int:
        """Deliveries submitted and not yet taken by the writer thread."""
        return self._queue.qsize()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="casebot-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    async def submit(
        self, delivery: Delivery, events: Sequence[MonitorEvent] | SourceError
    ) -> DeliveryReport:
        if not self.alive:
            raise WriterUnavailable("the writer is not running")
        if self._queue.qsize() >= self.queue_limit:
            raise WriterUnavailable(f"{self.queue_limit} deliveries are waiting; try again")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[DeliveryReport] = loop.create_future()
        self._queue.put(_Job(delivery, events, future, loop))
        return await future

    # -- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self._drop_connection()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs = [first]
            stop = False
            waited = False
            while len(jobs) < self.batch_size:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    # Under load, a moment's wait lets the event loop hand over the
                    # requests it is reading: one commit for them all, not one each.
                    if waited or self._last_batch <= 1:
                        break
                    waited = True
                    time.sleep(self.gather_seconds)
                    continue
                if job is _STOP:
                    stop = True
                    break
                jobs.append(job)
            self._write([j for j in jobs if isinstance(j, _Job)])
            self._last_batch = len(jobs)
            if stop:
                return

    def _write(self, jobs: list[_Job]) -> None:
        now = self.clock()
        results: list[DeliveryReport | BaseException]
        try:
            # One connection kept for the writer's life: a pool checkout and its reset
            # per transaction cost as much as a small batch's statements.
            if self._conn is None:
                self._conn = self.engine.connect()
            with self._conn.begin():
                items = [(job.delivery, job.events) for job in jobs]
                results = list(self.pipeline.accept_batch(self._conn, items, now=now))
        except Exception:
            log.debug("batch of %d failed; redoing one by one", len(jobs), exc_info=True)
            self._drop_connection()
            results = [self._alone(job, now) for job in jobs]
        _resolve(jobs, results)
        reports = [r for r in results if isinstance(r, DeliveryReport)]
        try:
            self.pipeline.announce(reports)
        except Exception:
            log.exception("a delivery listener failed")

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _handle(self, conn: Connection, job: _Job, now: datetime) -> DeliveryReport:
        if isinstance(job.events, SourceError):
            return self.pipeline.store_rejected(conn, job.delivery, job.events, now=now)
        return self.pipeline.accept(conn, job.delivery, job.events, now=now)

    def _alone(self, job: _Job, now: datetime) -> DeliveryReport | BaseException:
        try:
            with self.engine.begin() as conn:
                return self._handle(conn, job, now)
        except Exception as error:
            log.warning("delivery from %s failed: %s", job.delivery.source, error)
            failure = error
        try:
            with self.engine.begin() as conn:
                return self.pipeline.store_failed(conn, job.delivery, failure, now=now)
        except Exception as error:
            log.error("could not store a failed delivery: %s", error)
            return WriterUnavailable(f"the database is unavailable: {error}")


def _resolve(jobs: list[_Job], results: list[DeliveryReport | BaseException]) -> None:
    """Hand results back to the event loop: one wake-up per loop, not per request."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, object]]] = {}
    for job, result in zip(jobs, results, strict=True):
        by_loop.setdefault(job.loop, []).append((job, result))
    for loop, pairs in by_loop.items():
        # A closed loop has nobody waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_set_results, pairs)


def _set_results(pairs: list[tuple[_Job, object]]) -> None:
    for job, result in pairs:
        if job.future.done():
            continue
        if isinstance(result, BaseException):
            job.future.set_exception(result)
        else:
            assert isinstance(result, DeliveryReport)
            job.future.set_result(result)

"""The one thread that writes deliveries: group commit, off the event loop.

Requests hand their delivery to `Writer.submit` and await a future. The writer
thread takes everything waiting (up to `batch_size`), stores and processes it
in ONE transaction, commits, and only then resolves the futures: a 202 always
means the raw delivery is durable. While one batch commits, the next queues up,
so batches grow with load and a quiet server still answers at once.

If a batch fails, it is rolled back and redone one delivery per transaction,
so one bad delivery cannot take the others with it; a delivery that fails on
its own is stored as `failed` with the error (for `casebot inbox retry`).

On SQLite the writer waits at most `lock_wait` seconds for the write lock that
another process holds (a second server on the file, a `sqlite3` shell): then the
batch and every delivery waiting behind it are refused (503 with Retry-After),
not stored, rather than holding their requests until the lock is let go.

`close()` is SIGTERM's first step: deliveries submitted after it are refused;
those submitted before are stored and answered before the thread ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from bot.core.events import MonitorEvent
from bot.db.engine import bound_lock_wait, is_lock_timeout
from bot.pipeline import Pipeline
from bot.pipeline.reports import Delivery, DeliveryReport
from bot.sources import SourceError

log = logging.getLogger(__name__)


class WriterUnavailable(Exception):
    """The delivery was not stored (queue full, server stopping, database down or locked);
    the sender is asked to try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Job:
    delivery: Delivery
    # The parsed events, or why the body was refused (stored as rejected).
    events: Sequence[MonitorEvent] | SourceError
    future: asyncio.Future[DeliveryReport]
    loop: asyncio.AbstractEventLoop


_STOP = object()
# How many times, at most, the writer waits `gather_seconds` for more requests before
# a commit (only when the last commit took more than one): 4 ms with the default.
GATHER_WAITS = 8


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
        lock_wait: float | None = None,
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
        # None: the engine's own wait (30 s on SQLite).
        self.lock_wait = lock_wait
        # Taken around "still open?" and the put: a delivery is either queued before the
        # stop marker (and stored) or refused, never left behind it unanswered.
        self._gate = threading.Lock()
        self._closed = False  # by `close()`: the server is stopping
        self._ended = False  # the thread is past its last look at the queue

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def accepting(self) -> bool:
        """Running and not closed: a delivery submitted now will be stored."""
        return self.alive and not (self._closed or self._ended)

    @property
    def queue_depth(self) -> int:
        """Deliveries submitted and not yet taken by the writer thread."""
        return self._queue.qsize()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="casebot-writer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Refuse deliveries from now on; those already submitted are still stored."""
        with self._gate:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)

    def join(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the thread to finish; whether it has."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(max(0.0, timeout))
        return not thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop."""
        if self._thread is None:
            return
        self.close()
        self.join(timeout)
        self._thread = None

    async def submit(
        self, delivery: Delivery, events: Sequence[MonitorEvent] | SourceError
    ) -> DeliveryReport:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[DeliveryReport] = loop.create_future()
        with self._gate:
            if self._closed:
                raise WriterUnavailable("the server is stopping; send it again (to another)")
            if self._ended or not self.alive:
                raise WriterUnavailable("the writer is not running")
            if self._queue.qsize() >= self.queue_limit:
                raise WriterUnavailable(f"{self.queue_limit} deliveries are waiting; try again")
            self._queue.put(_Job(delivery, events, future, loop))
        return await future

    # -- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self._drop_connection()
            # Only if the thread failed can anything be left: answer it, never strand it.
            with self._gate:
                self._ended = True
                left, _ = self._take_waiting()
            _resolve(left, [WriterUnavailable("the writer stopped") for _ in left])

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs = [first]
            stop = False
            waits = gathered = 0
            while len(jobs) < self.batch_size:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    # Under load, a moment's wait lets the event loop hand over the
                    # requests it is reading: one commit for them all, not one each.
                    # It waits again while requests keep coming (the senders answered
                    # by the last commit send their next), up to GATHER_WAITS times.
                    if self._last_batch <= 1 or waits >= GATHER_WAITS:
                        break
                    if waits and len(jobs) == gathered:
                        break
                    gathered = len(jobs)
                    waits += 1
                    time.sleep(self.gather_seconds)
                    continue
                if job is _STOP:
                    stop = True
                    break
                jobs.append(job)
            stop = self._write([j for j in jobs if isinstance(j, _Job)]) or stop
            self._last_batch = len(jobs)
            if stop:
                return

    def _write(self, jobs: list[_Job]) -> bool:
        """Store and process `jobs`; True when the stop marker was taken on the way."""
        now = self.clock()
        results: list[DeliveryReport | BaseException]
        try:
            conn = self._connection()
            with conn.begin():
                items = [(job.delivery, job.events) for job in jobs]
                results = list(self.pipeline.accept_batch(conn, items, now=now))
        except Exception as error:
            self._drop_connection()
            if is_lock_timeout(error):
                return self._refuse_while_locked(jobs)
            log.debug("batch of %d failed; redoing one by one", len(jobs), exc_info=True)
            results = [self._alone(job, now) for job in jobs]
        _resolve(jobs, results)
        reports = [r for r in results if isinstance(r, DeliveryReport)]
        try:
            self.pipeline.announce(reports)
        except Exception:
            log.exception("a delivery listener failed")
        return False

    def _refuse_while_locked(self, jobs: list[_Job]) -> bool:
        """Another process kept the write lock past `lock_wait`: refuse the batch and
        everything that queued while it waited (each would wait as long again)."""
        waiting, stop = self._take_waiting()
        refused = [*jobs, *waiting]
        log.warning(
            "the database's write lock is held by another process; %d deliveries refused (503)",
            len(refused),
        )
        _resolve(refused, [self._locked() for _ in refused])
        return stop

    def _locked(self) -> WriterUnavailable:
        wait = self.lock_wait
        held = "" if wait is None else f" for more than {wait:g} s"
        return WriterUnavailable(
            f"the database is locked by another process{held}; try again",
            retry_after=max(1, math.ceil(wait or 1)),
        )

    def _take_waiting(self) -> tuple[list[_Job], bool]:
        """Everything queued now, and whether the stop marker was among it."""
        jobs: list[_Job] = []
        stop = False
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return jobs, stop
            if isinstance(item, _Job):
                jobs.append(item)
            else:
                stop = True

    def _connection(self) -> Connection:
        # One connection kept for the writer's life: a pool checkout and its reset
        # per transaction cost as much as a small batch's statements.
        if self._conn is None:
            conn = self.engine.connect()
            if self.lock_wait is not None:
                bound_lock_wait(conn, self.lock_wait)
            self._conn = conn
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            if self.lock_wait is not None:
                # Back to the pool with the engine's own wait, for whoever takes it next.
                with contextlib.suppress(Exception):
                    bound_lock_wait(self._conn, None)
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _handle(self, conn: Connection, job: _Job, now: datetime) -> DeliveryReport:
        if isinstance(job.events, SourceError):
            return self.pipeline.store_rejected(conn, job.delivery, job.events, now=now)
        return self.pipeline.accept(conn, job.delivery, job.events, now=now)

    def _alone(self, job: _Job, now: datetime) -> DeliveryReport | BaseException:
        try:
            conn = self._connection()
            with conn.begin():
                return self._handle(conn, job, now)
        except Exception as error:
            self._drop_connection()
            if is_lock_timeout(error):
                return self._locked()
            log.warning("delivery from %s failed: %s", job.delivery.source, error)
            failure = error
        try:
            conn = self._connection()
            with conn.begin():
                return self.pipeline.store_failed(conn, job.delivery, failure, now=now)
        except Exception as error:
            self._drop_connection()
            if is_lock_timeout(error):
                return self._locked()
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

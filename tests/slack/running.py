"""Run casebot's asyncio services in a background thread, the way the server runs them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any


@contextmanager
def running_in_thread(make: Callable[[], Awaitable[Any]]) -> Iterator[asyncio.AbstractEventLoop]:
    """Run the coroutine `make()` on its own loop in a thread until the block exits."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    task_box: list[asyncio.Task[Any]] = []

    def main() -> None:
        asyncio.set_event_loop(loop)

        async def runner() -> None:
            task = asyncio.ensure_future(make())
            task_box.append(task)
            started.set()
            with suppress(asyncio.CancelledError):
                await task

        loop.run_until_complete(runner())

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    started.wait(5)
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(task_box[0].cancel)
        thread.join(30)
        loop.close()

"""Running the same work on several threads released at one moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")


def run_together(count: int, work: Callable[[int], _T]) -> list[_T | Exception]:
    """`work(i)` for i in range(count) on `count` threads started together; results
    in order, an exception in place of the result of a call that raised."""
    barrier = threading.Barrier(count)

    def run(i: int) -> _T | Exception:
        barrier.wait()
        try:
            return work(i)
        except Exception as error:
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))

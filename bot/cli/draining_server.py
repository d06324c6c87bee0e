"""uvicorn's server as `casebot serve` runs it: SIGTERM drains before the socket closes.

uvicorn alone, on SIGTERM, closes its socket at once: a load balancer's next
delivery meets a refused connection, and the writer and Slack's calls under way
are stopped only after the requests. Here the first SIGTERM starts the app's drain
(bot/web/shutdown.py) while the server still answers, deliveries with 503 and
Retry-After; uvicorn stops when it is done, with what is left of
CASEBOT_SHUTDOWN_SECONDS for the requests still open. SIGINT (Ctrl-C) and a second
SIGTERM are uvicorn's: stop now.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import signal
import socket
from types import FrameType

import uvicorn
from fastapi import FastAPI

from bot.web.state import WebState

log = logging.getLogger(__name__)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining: asyncio.Task[None] | None = None
        self._asked = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets)
        # Started: what exists now (modules, the app, its engine and listeners) lives as
        # long as the process. Frozen, it is left out of the collector's full passes,
        # which under an alert storm otherwise walk it again and again (a third of the
        # time of a large batch of alerts that open cases).
        gc.freeze()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A signal handler: it runs between two steps of the event loop's thread, so it
        # only hands the drain to the loop.
        loop = self._loop
        if sig != signal.SIGTERM or self._asked or loop is None or loop.is_closed():
            super().handle_exit(sig, frame)
            return
        self._asked = True
        loop.call_soon_threadsafe(self._start_drain)

    def _start_drain(self) -> None:
        self._draining = asyncio.create_task(self._drain_then_stop(), name="casebot-drain")

    async def _drain_then_stop(self) -> None:
        state: WebState | None = getattr(self.app.state, "casebot", None)
        if state is not None:
            try:
                await state.shutdown.drain()
            except Exception:  # the server must stop all the same
                log.exception("stopping: the drain failed")
            # What is left of the bound, for the requests still open (whole seconds:
            # uvicorn's setting; at least one, for answers already being written).
            left = state.shutdown.remaining()
            self.config.timeout_graceful_shutdown = max(1, math.floor(left))
        self.should_exit = True

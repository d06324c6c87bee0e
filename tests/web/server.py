"""A real uvicorn server on 127.0.0.1 and a random port, in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import orjson
import uvicorn
from starlette.types import ASGIApp

from bot.settings import Settings
from bot.web.app import create_app
from tests import local_http

WEBHOOK_TOKEN = "test-webhook-token-0123456789"


class _Server(uvicorn.Server):
    """uvicorn's server, stopping as uvicorn does but without its waits: uvicorn looks
    for `should_exit` every 100 ms and for open connections every 100 ms more, and the
    suite stops a server after most tests (each stop took 190 ms of waiting). Here
    `stop()` wakes the server at once."""

    _loop: asyncio.AbstractEventLoop | None = None
    _stopping: asyncio.Event | None = None

    def stop(self) -> None:
        """Ask the server to stop (from another thread)."""
        self.should_exit = True
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: it stopped
                loop.call_soon_threadsafe(stopping.set)

    async def main_loop(self) -> None:
        # Made before the first look at should_exit: a stop() that came earlier is seen
        # by that look, a later one sets the event.
        self._stopping = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        # A tick a second, as on_tick counts them (it renews the Date header at every tenth).
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._stopping.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        # Requests under way finish; idle keep-alive connections close at once. uvicorn's
        # state has no event to wait on: it is polled, as uvicorn itself does.
        state = self.server_state
        while state.connections or state.tasks:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@contextmanager
def running(app: ASGIApp) -> Iterator[str]:
    """The server's base URL while the block runs; shut down (lifespan included) after."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = _Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        thread.join(20)


@contextmanager
def casebot_server(database_url: str) -> Iterator[str]:
    """casebot on `database_url` (migrated), taking deliveries with WEBHOOK_TOKEN."""
    settings = Settings(database_url=database_url, webhook_token=WEBHOOK_TOKEN)
    with running(create_app(settings)) as url:
        yield url


def post_json(base_url: str, source: str, body: object) -> httpx.Response:
    """POST `body` as JSON to `/webhooks/<source>` with the webhook token."""
    return local_http.post(
        f"{base_url}/webhooks/{source}",
        content=orjson.dumps(body),
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )

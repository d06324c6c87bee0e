"""A local stand-in for Slack's Socket Mode: a WebSocket server on 127.0.0.1.

`FakeSocket` runs an aiohttp WebSocket endpoint in its own thread. When casebot
connects (the fake Web API hands out its `ws://` URL from
`apps.connections.open`), it says `hello` as Slack does; the test then sends
envelopes (`send`) and reads what casebot answers (`wait_for_ack`).

Envelope format (slack_sdk.socket_mode.request.SocketModeRequest, Slack's
Socket Mode docs): `{"envelope_id", "type": "interactive" | "slash_commands" |
"events_api", "payload": {...}, "accepts_response_payload": bool}`; the app
acknowledges with `{"envelope_id": ...}` (plus `payload` when it answers with a
body) on the same socket.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.slack_api import FakeSlack

_envelopes = itertools.count(1)


class SocketFakeSlack(FakeSlack):
    """The fake Web API, answering `apps.connections.open` with the socket's URL."""

    socket_url = ""

    def _m_apps_connections_open(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.socket_url}


class FakeSocket:
    """The Socket Mode server: one connection at a time (the latest one)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._socket: web.WebSocketResponse | None = None
        self._connected = threading.Event()
        self._received: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSocket:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/link"

    # -- the test's side ---------------------------------------------------------------------

    def wait_connected(self, timeout: float = 10.0) -> None:
        assert self._connected.wait(timeout), "casebot did not open the socket"

    def send(self, kind: str, payload: dict[str, Any], **extra: Any) -> str:
        """Send one envelope; returns its envelope_id."""
        envelope_id = f"env-{next(_envelopes):04d}-3f1c9a0b"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            **extra,
        }
        ws = self._socket
        assert ws is not None, "no socket is open"
        text = json.dumps(envelope)
        asyncio.run_coroutine_threadsafe(ws.send_str(text), self._loop).result(10)
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [m for m in self._received if m.get("envelope_id") == envelope_id]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no ack of {envelope_id}; got {self.received()}")
            time.sleep(0.02)

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._received)

    # -- the server --------------------------------------------------------------------------

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # port 0: the system picks a free one
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A06CASEBOT"},
        }
        await ws.send_str(json.dumps(hello))
        self._connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                with self._lock:
                    self._received.append(json.loads(message.data))
        return ws


@contextmanager
def running_socket_mode() -> Iterator[tuple[SocketFakeSlack, FakeSocket]]:
    """The fake Web API and the fake socket, wired together."""
    server = FakeSocket().start()
    fake = SocketFakeSlack()
    fake.socket_url = server.url
    fake.start()
    try:
        yield fake, server
    finally:
        fake.stop()
        server.stop()

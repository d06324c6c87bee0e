"""Local receivers for notification tests, on 127.0.0.1 and a free port.

`HttpReceiver` records every POST (path, headers, body) and answers from a script
per path: a status (429 carries `Retry-After: 0`), or `HANG` (hold the request
until the test releases it); when the script runs out, 200 (PagerDuty's path 202).
`MailReceiver` is an aiosmtpd server that records each message. Tests wait on them
(`wait_for`) instead of sleeping.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HANG = -1


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class HttpReceiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def on(self, path: str) -> list[Received]:
        with self.changed:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, test: Callable[[HttpReceiver], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not test(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; received {self.requests}")
                self.changed.wait(left)

    def _answer(self, path: str) -> int:
        with self.changed:
            steps = self.script.get(path, [])
            return steps.pop(0) if steps else (202 if "pagerduty" in path else 200)

    def _record(self, received: Received) -> None:
        with self.changed:
            self.requests.append(received)
            self.changed.notify_all()


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = receiver._answer(self.path)
            receiver._record(Received(self.path, dict(self.headers.items()), body))
            if status == HANG:
                receiver.released.wait(30)
                return
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "0")
            answer = b'{"status":"success"}'
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()


class MailReceiver:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.changed = threading.Condition()
        self.host = "127.0.0.1"
        self.port = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.changed:
            self.messages.append(parsed)
            self.changed.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.changed:
            return [m for m in self.messages if m["To"] == address]

    def wait_for(self, test: Callable[[MailReceiver], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not test(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; mails to {[m['To'] for m in self.messages]}")
                self.changed.wait(left)


@contextmanager
def mail_receiver() -> Iterator[MailReceiver]:
    receiver = MailReceiver()
    # aiosmtpd's controller cannot take port 0: a free port is picked first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        receiver.port = probe.getsockname()[1]
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()

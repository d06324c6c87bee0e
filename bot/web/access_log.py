"""One structured line per HTTP request: `AccessLog(app, logger)`.

Each finished request is logged as one JSON object on the `casebot.access` logger:
`{"time", "method", "path", "status", "duration_ms", "client"}`. The path is logged
without its query string, and no header is logged: webhook senders may put the token
in `?token=…`, and the case API's keys travel in headers.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER_NAME = "casebot.access"


class AccessLog:
    """ASGI middleware around the whole app (webhook deliveries included)."""

    def __init__(self, app: ASGIApp, logger: logging.Logger | None = None) -> None:
        self.app = app
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except BaseException:
            # The server answers 500 when the app raised before answering.
            status = status or 500
            raise
        finally:
            self.logger.info(line(scope, status, time.perf_counter() - started))


def line(scope: Scope, status: int, seconds: float) -> str:
    """The log line of one request (no query string, no headers)."""
    client = scope.get("client")
    return orjson.dumps(
        {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client[0] if client else None,
        }
    ).decode()


def configure(level: str) -> logging.Logger:
    """The access logger writing to standard error: on at `info` and `debug`, off above."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(getattr(h, "casebot_access", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.casebot_access = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO if level in ("info", "debug") else logging.WARNING)
    return logger

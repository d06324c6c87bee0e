"""A local fake of Slack's Web API: real HTTP on 127.0.0.1, a random port.

It answers the methods casebot calls the way Slack does (`ok`, `ts`, `channel`,
`conversations.list` pages, `conversations.history` and `.replies` with message
metadata, ...), records every call (method, parsed body, headers), and can be
told to answer 429 with `Retry-After`, 500, to hang, or to act on a call and
never answer it (Slack posted; the answer was lost). It also serves `/webhook`
for `response_url` targets.

Tests and `bench/` both use it; it has no pytest dependency.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Call", "FakeSlack", "Fault", "running_fake_slack"]


@dataclass(frozen=True, slots=True)
class Call:
    """One request the fake received."""

    method: str  # e.g. "chat.postMessage", or "webhook" for response_url posts
    body: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival; calls() lists calls in arrival order
    status: int  # the HTTP status the fake answered with
    answer: dict[str, Any] = field(default_factory=dict)  # the JSON it answered


@dataclass(slots=True)
class Fault:
    """A scripted misbehaviour for the next `times` calls of one method."""

    status: int = 429
    retry_after: float | None = None
    hang: float = 0.0
    error: str | None = None  # answer 200 {"ok": false, "error": error}
    times: int = 1
    act: bool = False  # with `hang`: carry the call out first, then never answer it


@dataclass(slots=True)
class _Channel:
    id: str
    name: str
    is_private: bool = False


@dataclass(slots=True)
class _State:
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    channels: list[_Channel] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    # ts -> (channel, text) of every message posted, for assertions.
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)
    # ts -> the message as conversations.history shows it (thread_ts, metadata, ...).
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeSlack:
    """The fake server. Use `running_fake_slack()` or `start()` / `stop()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()
        self._last_ts = 0.0
        self._views = itertools.count(1)
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.page_size = 2  # conversations.list page size, small so paging is exercised
        # Seconds every call waits, after Slack acted on it, before it is answered.
        self.latency = 0.0
        self.add_channel("C07OPSALRT", "ops-alerts")
        self.add_user("U04JDOE123", "jane.doe")

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake any hanging handler so shutdown is prompt
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """Base URL for slack_sdk's `base_url` (ends with `/api/`)."""
        assert self._server is not None, "FakeSlack is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    @property
    def webhook_url(self) -> str:
        return self.url.replace("/api/", "/webhook")

    # -- scripting ---------------------------------------------------------------------------

    def add_channel(self, channel_id: str, name: str, *, private: bool = False) -> None:
        with self._lock:
            self._state.channels.append(_Channel(channel_id, name, private))

    def add_user(
        self, user_id: str, name: str, *, email: str | None = None, tz: str | None = None
    ) -> None:
        with self._lock:
            self._state.users[user_id] = name
            if email is not None:
                self._state.emails[user_id] = email
            if tz is not None:
                self._state.zones[user_id] = tz

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: float | None = None,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with `status` (and `Retry-After`)."""
        with self._lock:
            self._state.faults.setdefault(method, []).append(
                Fault(status=status, retry_after=retry_after, error=error, times=times)
            )

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next `times` calls of `method` for `seconds`, then answer 504 without acting."""
        with self._lock:
            self._state.faults.setdefault(method, []).append(
                Fault(status=200, hang=seconds, times=times)
            )

    def act_and_hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Carry out the next `times` calls of `method` (a post is made), then hold each
        for `seconds` and drop the connection without an answer: Slack acted, and the
        caller never learns it."""
        with self._lock:
            self._state.faults.setdefault(method, []).append(
                Fault(status=200, hang=seconds, times=times, act=True)
            )

    def release(self) -> None:
        """Let every held call go now (each is dropped unanswered)."""
        self._release.set()

    def clear_faults(self) -> None:
        with self._lock:
            self._state.faults.clear()

    # -- inspection --------------------------------------------------------------------------

    def calls(self, method: str | None = None, *, ok_only: bool = False) -> list[Call]:
        with self._lock:
            found = sorted(self._state.calls, key=lambda c: c.at)
        return [
            c
            for c in found
            if (method is None or c.method == method) and (not ok_only or c.status == 200)
        ]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 10.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Poll until at least `count` successful calls of `method` (matching `where`) arrived."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls(method, ok_only=True) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.status) for c in self.calls()]
                raise AssertionError(
                    f"expected {count} x {method}, got {len(found)} in {timeout}s; calls: {seen}"
                )
            time.sleep(0.02)

    def posted(self) -> dict[str, tuple[str, str]]:
        """ts -> (channel, text) of every message the fake accepted."""
        with self._lock:
            return dict(self._state.messages)

    def posted_messages(self) -> list[dict[str, Any]]:
        """Every message posted (thread replies too), oldest first, with its channel."""
        with self._lock:
            stored = [dict(m) for m in self._state.stored.values()]
        return sorted(stored, key=lambda m: m["ts"])

    def top_level(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Every message posted outside a thread (in `channel`), oldest first, as
        conversations.history shows it."""
        with self._lock:
            stored = [dict(m) for m in self._state.stored.values()]
        return [
            m
            for m in sorted(stored, key=lambda m: m["ts"])
            if not m.get("thread_ts") and (channel is None or m["channel"] == channel)
        ]

    # -- answering (called from handler threads) ---------------------------------------------

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._state.faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return Fault(fault.status, fault.retry_after, fault.hang, fault.error, 1, fault.act)

    def _record(self, call: Call) -> None:
        with self._lock:
            self._state.calls.append(call)

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": True}
        result: dict[str, Any] = handler(body)
        return result

    def _next_ts(self) -> str:
        """A message ts as Slack makes them: the time of posting (seconds.micros), unique."""
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def _channel_known(self, channel: str) -> bool:
        with self._lock:
            # A known user's id is their direct conversation with the app, as in Slack.
            known_user = channel.startswith("U") and channel in self._state.users
            return known_user or any(c.id == channel for c in self._state.channels)

    def _m_auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example-corp.slack.com/",
            "team": "example-corp",
            "user": "casebot",
            "team_id": "T05EXAMPLE",
            "user_id": "U06CASEBOT",
            "bot_id": "B06CASEBOT",
        }

    def _m_chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if not self._channel_known(channel):
            return {"ok": False, "error": "channel_not_found"}
        ts = self._next_ts()
        text = str(body.get("text", ""))
        message: dict[str, Any] = {
            "type": "message", "text": text, "ts": ts, "bot_id": "B06CASEBOT",
        }  # fmt: skip
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        metadata = body.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        with self._lock:
            self._state.messages[ts] = (channel, text)
            self._state.stored[ts] = {**message, "channel": channel}
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
        with self._lock:
            known = self._state.messages.get(ts)
            if known is None or known[0] != channel:
                return {"ok": False, "error": "message_not_found"}
            self._state.messages[ts] = (channel, str(body.get("text", "")))
            self._state.stored[ts]["text"] = str(body.get("text", ""))
            self._state.stored[ts]["blocks"] = body.get("blocks")
        return {"ok": True, "channel": channel, "ts": ts, "text": body.get("text", "")}

    def _m_chat_postEphemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_views_open(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        return {"ok": True, "view": {**(view or {}), "id": f"V{next(self._views):09d}"}}

    def _m_views_update(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": body.get("view_id", "V0")}}

    def _m_conversations_list(self, body: dict[str, Any]) -> dict[str, Any]:
        cursor = int(body.get("cursor") or 0)
        with self._lock:
            page = self._state.channels[cursor : cursor + self.page_size]
            more = cursor + self.page_size < len(self._state.channels)
        return {
            "ok": True,
            "channels": [
                {"id": c.id, "name": c.name, "is_channel": True, "is_private": c.is_private}
                for c in page
            ],
            "response_metadata": {"next_cursor": str(cursor + self.page_size) if more else ""},
        }

    def _m_conversations_history(self, body: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a channel, newest first, from `oldest` on, in pages of
        `limit`; metadata only with `include_all_metadata`."""
        channel = str(body.get("channel", ""))
        if not self._channel_known(channel):
            return {"ok": False, "error": "channel_not_found"}
        return self._page(body, lambda m: m["channel"] == channel and not m.get("thread_ts"))

    def _m_conversations_replies(self, body: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent, then its replies, oldest first, in pages of `limit`."""
        channel, parent = str(body.get("channel", "")), str(body.get("ts", ""))
        with self._lock:
            known = parent in self._state.stored
        if not known:
            return {"ok": False, "error": "thread_not_found"}
        return self._page(
            body,
            lambda m: m["channel"] == channel and parent in (m["ts"], m.get("thread_ts")),
            newest_first=False,
        )

    def _page(
        self,
        body: dict[str, Any],
        keep: Callable[[dict[str, Any]], bool],
        *,
        newest_first: bool = True,
    ) -> dict[str, Any]:
        oldest = float(body.get("oldest") or 0)
        limit = int(body.get("limit") or 100)
        start = int(body.get("cursor") or 0)
        metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [dict(m) for m in self._state.stored.values() if keep(m)]
        found = [m for m in found if float(m["ts"]) >= oldest]
        found.sort(key=lambda m: float(m["ts"]), reverse=newest_first)
        page = found[start : start + limit]
        for message in page:
            message.pop("channel", None)
            if not metadata:
                message.pop("metadata", None)
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _m_conversations_info(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        with self._lock:
            for c in self._state.channels:
                if c.id == channel:
                    return {"ok": True, "channel": {"id": c.id, "name": c.name}}
        return {"ok": False, "error": "channel_not_found"}

    def _m_users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user = str(body.get("user", ""))
        with self._lock:
            name = self._state.users.get(user)
            email = self._state.emails.get(user)
            zone = self._state.zones.get(user)
        if name is None:
            return {"ok": False, "error": "user_not_found"}
        profile = {"email": email} if email else {}
        found: dict[str, Any] = {"id": user, "name": name, "real_name": name, "profile": profile}
        if zone is not None:
            found["tz"] = zone
        return {"ok": True, "user": found}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeSlack
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        arrived = time.monotonic()
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        body = _parse_body(raw, self.headers.get("Content-Type", ""))
        for key, values in parse_qs(parts.query).items():
            body.setdefault(key, values[-1])
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = parts.path
        if path.startswith("/webhook"):
            method = "webhook"
        elif path.startswith("/api/"):
            method = path[len("/api/") :]
        else:
            self._send(404, {"ok": False, "error": "unknown_path"})
            return

        fault = self.owner._take_fault(method)
        if fault is not None and fault.act:
            # Slack acts on the call; its answer never reaches the caller.
            answer = self.owner._answer(method, body)
            self.owner._record(Call(method, body, headers, arrived, 200, answer))
            self.owner._release.wait(fault.hang)
            self.close_connection = True
            return
        if fault is not None and fault.hang:
            # Slack never answered: hold the request, then drop it without acting on it.
            self.owner._release.wait(fault.hang)
            fault = Fault(status=504)
        if fault is not None:
            extra = {}
            if fault.retry_after is not None:
                extra["Retry-After"] = f"{fault.retry_after:g}"
            status = fault.status if fault.error is None else 200
            error = fault.error or ("ratelimited" if fault.status == 429 else "fatal_error")
            answer = {"ok": False, "error": error}
            self.owner._record(Call(method, body, headers, arrived, status, answer))
            self._send(status, answer, extra)
            return

        answer = {"ok": True} if method == "webhook" else self.owner._answer(method, body)
        self.owner._record(Call(method, body, headers, arrived, 200, answer))
        if self.owner.latency:
            time.sleep(self.owner.latency)
        self._send(200, answer)

    def _send(
        self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout); nothing to answer


def _parse_body(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if raw.lstrip().startswith("{") or "json" in content_type:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {"_": parsed}
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


@contextmanager
def running_fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()

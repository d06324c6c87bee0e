"""The console under test: the whole app in-process (Starlette's TestClient), a
clock the test moves, and accounts made the way `casebot users add` makes them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.testclient import TestClient

from bot.db.engine import make_engine
from bot.services.accounts import AccountService
from bot.services.cases import CaseListener
from bot.settings import Settings
from bot.web.app import create_app
from tests import local_http

PASSWORD = "correct horse battery staple"
WEBHOOK_TOKEN = "test-webhook-token-0123456789"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(slots=True)
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def add_account(
    database_url: str, email: str, *, role: str = "responder", name: str | None = None
) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            AccountService(conn, now=datetime.now(UTC)).add(
                email=email, name=name or email.split("@")[0].title(), role=role,
                password=PASSWORD,
            )  # fmt: skip
    finally:
        engine.dispose()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@dataclass(slots=True)
class Console:
    app: Any
    client: TestClient
    clock: Clock

    def sign_in(self, email: str, password: str = PASSWORD, **extra: str) -> Any:
        form = self.client.get("/login")
        return self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_of(form.text), **extra},
        )

    def csrf(self, path: str = "/cases") -> str:
        return csrf_of(self.client.get(path).text)


@contextmanager
def console(
    database_url: str,
    *,
    base_url: str = "http://testserver",
    case_listeners: Sequence[CaseListener] = (),
) -> Iterator[Console]:
    app = create_app(
        Settings(database_url=database_url, webhook_token=WEBHOOK_TOKEN),
        case_listeners=case_listeners,
    )
    clock = Clock()
    with TestClient(app, base_url=base_url, follow_redirects=False) as client:
        client.get("/login")  # sets the console up
        app.state.console.clock = clock
        yield Console(app, client, clock)


def signed_in(base_url: str, email: str) -> httpx.Client:
    """A client of a running server with `email`'s session, as the sign-in form makes it."""
    client = local_http.Client(base_url=base_url, timeout=10)
    form = client.get("/login").text
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_of(form)}
    assert client.post("/login", data=data).status_code == 303
    return client


def stream_events(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent event stream; ("", "") for other blocks."""
    event = data = ""
    for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data = line.split(":", 1)[1].strip()
        elif line == "":
            yield event, data
            event = data = ""

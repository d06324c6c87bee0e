"""Builders for delivery tests: a sender running in a thread of its own, case changes
made through the services with the notifier listening, and destinations pointing at
the local receivers (tests/fakes/receivers.py)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from bot.core.cases import Project
from bot.notify.sender import NotificationSender, SenderTiming
from bot.notify.settings import NotifySettings
from bot.notify.slack_dm import SlackDm
from bot.services import notification_outbox as outbox
from bot.services.cases import CaseService
from bot.services.destinations import Destinations
from bot.services.notification_rules import NotificationRules
from bot.services.notifier import Notifier
from tests.fakes.receivers import HttpReceiver, MailReceiver

SECRET = "test-webhook-secret-0123456789"
FAST = SenderTiming(poll=0.05, lease=2.0, backoff_base=0.05, backoff_max=0.2, shutdown_grace=0.1)
HOOK = {"type": "HTTP", "data": {"name": "ops-hook"}}
TEAMS = {"type": "MS_TEAMS_CHANNEL", "data": {"channel_name": "ops-teams"}}
PAGER = {"type": "PAGERDUTY_SERVICE", "data": {"service_name": "ops-pager"}}


def mail(address: str) -> dict[str, Any]:
    return {"type": "EMAIL", "data": {"email": address}}


def link(key: str) -> str:
    return f"http://casebot.test/cases/{key}"


def settings(smtp: MailReceiver | None, *, burst: float = 0.0) -> NotifySettings:
    return NotifySettings(
        burst=burst,
        smtp_host=smtp.host if smtp else "",
        smtp_port=smtp.port if smtp else 25,
        timeout=2.0,
    )


@contextlib.contextmanager
def sending(
    engine: Engine,
    config: NotifySettings,
    *,
    holder: str = "test",
    timing: SenderTiming = FAST,
    slack: SlackDm | None = None,
) -> Iterator[NotificationSender]:
    """A sender delivering in a thread of its own until the block ends (then it stops as
    a server's does: claims cut off are handed over)."""
    sender = NotificationSender(
        engine, config, link=link, holder=holder, timing=timing, slack_dm=slack
    )
    loop = asyncio.new_event_loop()
    started = threading.Event()
    tasks: list[asyncio.Task[None]] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        tasks.append(loop.create_task(sender.run()))
        loop.call_soon(started.set)
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(tasks[0])
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield sender
    finally:
        loop.call_soon_threadsafe(tasks[0].cancel)
        thread.join(10)


@dataclass
class Changes:
    """Case changes made now, through the services, with the notifier listening."""

    engine: Engine
    burst: float = 0.0
    slack_dm: bool = False  # Slack is on: its users hear by direct message

    def __call__(self, work: Callable[[CaseService], Any]) -> Any:
        with self.engine.begin() as conn:
            notifier = Notifier(burst=timedelta(seconds=self.burst), slack_dm=self.slack_dm)
            service = CaseService(conn, now=datetime.now(UTC), listeners=[notifier])
            return work(service)


def add_destinations(conn: Connection, receiver: HttpReceiver) -> None:
    added = Destinations(conn, now=datetime.now(UTC))
    added.add("ops-hook", "webhook", {"url": f"{receiver.url}/hook", "secret": SECRET})
    added.add("ops-teams", "teams", {"url": f"{receiver.url}/teams"})
    added.add(
        "ops-pager",
        "pagerduty",
        {"routing_key": "R0123456789ABCDEF", "events_url": f"{receiver.url}/pagerduty"},
    )


def add_rule(
    conn: Connection, project: Project, query: str, *recipients: dict[str, Any], **kw: Any
) -> None:
    NotificationRules(conn, now=datetime.now(UTC)).create(
        str(project.id),
        query=query,
        triggers=kw.get("triggers", [{"type": "CASE_CREATED"}]),
        recipients=list(recipients),
    )


def wait_until(check: Callable[[], bool], *, timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.02)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return outbox.counts(conn)


def wait_settled(engine: Engine, *, sent: int, failed: int = 0) -> None:
    """Wait until the outbox holds exactly these messages, none pending."""
    wanted = {k: v for k, v in {"sent": sent, "failed": failed}.items() if v}
    wait_until(lambda: counts(engine) == wanted, what=f"outbox {wanted}")

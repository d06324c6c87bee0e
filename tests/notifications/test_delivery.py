"""Delivery to real protocols on 127.0.0.1: a signed webhook, SMTP (aiosmtpd), a Teams
card and PagerDuty's Events API, through the outbox and its sender.

Each test waits on what a receiver got or on the outbox's state, never on a sleep.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor
from bot.services.destinations import Destinations
from bot.services.notification_rules import Watchers
from tests.builders import make_project, make_user
from tests.fakes.receivers import HANG, HttpReceiver, MailReceiver, http_receiver, mail_receiver
from tests.notifications.delivery import (
    FAST,
    HOOK,
    PAGER,
    SECRET,
    TEAMS,
    Changes,
    add_destinations,
    add_rule,
    mail,
    sending,
    settings,
    wait_settled,
)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        yield found


@pytest.fixture
def smtp() -> Iterator[MailReceiver]:
    with mail_receiver() as found:
        yield found


def keys(requests: list[object]) -> list[str]:
    return [r.headers["Idempotency-Key"] for r in requests]  # type: ignore[attr-defined]


def test_a_p1_case_reaches_the_webhook_mail_and_teams_once_each(
    engine: Engine, receiver: HttpReceiver, smtp: MailReceiver
) -> None:
    with engine.begin() as conn:
        project = make_project(conn, name="Ops", key="OPS", handle="ops")
        add_destinations(conn, receiver)
        add_rule(conn, project, "priority:P1", HOOK, TEAMS, mail("oncall@example.com"))
    change = Changes(engine)
    case = change(
        lambda s: s.create_case(
            project=project, title="DB down", priority="P1", actor=Actor.monitor()
        )
    )
    change(
        lambda s: s.create_case(project=project, title="Slow", priority="P3", actor=Actor.monitor())
    )
    with sending(engine, settings(smtp)):
        wait_settled(engine, sent=3)
    (hook,) = receiver.on("/hook")
    (card,) = receiver.on("/teams")
    (sent_mail,) = smtp.messages
    document = hook.json()
    assert document["case"] | {"id": None} == {
        "id": None,
        "key": case.key,
        "title": "DB down",
        "status": "OPEN",
        "status_name": "Open",
        "priority": "P1",
        "assignee": None,
        "project": "OPS",
        "url": f"http://casebot.test/cases/{case.key}",
    }
    assert [c["kind"] for c in document["changes"]] == ["created"]
    timestamp = hook.headers["X-Casebot-Timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + hook.body, hashlib.sha256)
    assert hook.headers["X-Casebot-Signature"] == "sha256=" + expected.hexdigest()
    assert hook.headers["Idempotency-Key"] == document["id"]
    content = card.json()["attachments"][0]["content"]
    assert content["type"] == "AdaptiveCard"
    assert content["actions"][0]["url"] == f"http://casebot.test/cases/{case.key}"
    assert {"title": "Priority", "value": "P1"} in content["body"][1]["facts"]
    assert sent_mail["To"] == "oncall@example.com"
    assert sent_mail["Subject"] == f"[{case.key}] DB down"
    assert sent_mail["In-Reply-To"] == f"<{case.id}.case@localhost>"
    plain = sent_mail.get_body(("plain",))
    html = sent_mail.get_body(("html",))
    assert plain is not None and html is not None
    assert f"http://casebot.test/cases/{case.key}" in plain.get_content()
    assert "<b>P1</b>" in html.get_content()


def test_429_and_500_lose_nothing_and_double_nothing(
    engine: Engine, receiver: HttpReceiver
) -> None:
    receiver.script["/hook"] = [429, 500, 429]
    with engine.begin() as conn:
        project = make_project(conn)
        add_destinations(conn, receiver)
        add_rule(conn, project, "", HOOK)
    change = Changes(engine)
    for title in ("one", "two"):
        change(lambda s, t=title: s.create_case(project=project, title=t, actor=Actor.monitor()))
    with sending(engine, settings(None)):
        wait_settled(engine, sent=2)
    requests = receiver.on("/hook")
    assert len(requests) == 5  # three refused, then each once
    assert sorted(set(keys(requests))) == sorted(set(keys(requests[-2:])))
    assert sorted(r.json()["case"]["title"] for r in requests[-2:]) == ["one", "two"]


def test_a_restart_mid_delivery_loses_nothing_and_doubles_nothing(
    engine: Engine, receiver: HttpReceiver
) -> None:
    receiver.script["/hook"] = [HANG]
    with engine.begin() as conn:
        project = make_project(conn)
        add_destinations(conn, receiver)
        add_rule(conn, project, "", HOOK)
    Changes(engine)(lambda s: s.create_case(project=project, title="one", actor=Actor.monitor()))
    with sending(engine, settings(None), holder="first"):
        receiver.wait_for(lambda r: len(r.on("/hook")) == 1)
    # The first sender stopped with no answer: another takes the message over.
    with sending(engine, settings(None), holder="second", timing=FAST):
        wait_settled(engine, sent=1)
    first, second = receiver.on("/hook")
    # Sent again, as the same message: the receiver drops the repeat by its key.
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.body == second.body


def test_pagerduty_sees_trigger_acknowledge_resolve_with_one_dedup_key(
    engine: Engine, receiver: HttpReceiver
) -> None:
    with engine.begin() as conn:
        project = make_project(conn)
        add_destinations(conn, receiver)
        add_rule(
            conn,
            project,
            "priority:P1",
            PAGER,
            triggers=[{"type": "CASE_CREATED"}, {"type": "STATUS_TRANSITIONED"}],
        )
    change = Changes(engine, burst=60)  # paging waits for no burst
    case = change(
        lambda s: s.create_case(
            project=project, title="DB down", priority="P1", actor=Actor.monitor()
        )
    )
    change(lambda s: s.set_status(case.key, "IN_PROGRESS", actor=Actor.monitor()))
    change(lambda s: s.set_status(case.key, "CLOSED", actor=Actor.monitor()))
    with sending(engine, settings(None)):
        wait_settled(engine, sent=3)
    events = [r.json() for r in receiver.on("/pagerduty")]
    assert [e["event_action"] for e in events] == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in events} == {case.key}
    assert {e["routing_key"] for e in events} == {"R0123456789ABCDEF"}
    assert events[0]["payload"]["severity"] == "critical"
    assert events[0]["payload"]["summary"] == f"[{case.key}] DB down"


def test_a_watcher_gets_one_mail_per_burst(engine: Engine, smtp: MailReceiver) -> None:
    with engine.begin() as conn:
        project = make_project(conn)
        ana = make_user(conn, name="Ana Lopez", email="ana@example.com")
    change = Changes(engine, burst=1.0)
    case = change(
        lambda s: s.create_case(project=project, title="Disk full", actor=Actor.monitor())
    )
    with engine.begin() as conn:
        Watchers(conn, now=case.created_at).watch(case.key, ana.id)
    change(lambda s: s.set_priority(case.key, "P2", actor=Actor.monitor()))
    change(lambda s: s.comment(case.key, "still full", actor=Actor.monitor()))
    change(lambda s: s.set_status(case.key, "IN_PROGRESS", actor=Actor.monitor()))
    with sending(engine, settings(smtp)):
        wait_settled(engine, sent=1)
        (first,) = smtp.to("ana@example.com")
        change(lambda s: s.comment(case.key, "freed 20 GB", actor=Actor.monitor()))
        wait_settled(engine, sent=2)
    first, second = smtp.to("ana@example.com")
    text = first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Priority changed from NOT_DEFINED to P2" in text
    assert "still full" in text and "In Progress" in text
    assert "freed 20 GB" in second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert first["References"] == second["References"] == f"<{case.id}.case@localhost>"
    assert first["Message-ID"] != second["Message-ID"]


def test_a_refused_webhook_fails_with_its_reason_and_can_be_retried(
    engine: Engine, receiver: HttpReceiver
) -> None:
    receiver.script["/hook"] = [400]
    with engine.begin() as conn:
        project = make_project(conn)
        add_destinations(conn, receiver)
        add_rule(conn, project, "", HOOK)
    Changes(engine)(lambda s: s.create_case(project=project, title="one", actor=Actor.monitor()))
    with sending(engine, settings(None)):
        wait_settled(engine, sent=0, failed=1)
        with engine.begin() as conn:
            (failed,) = Destinations(conn, now=datetime.now(UTC)).sent(status="failed")
            assert failed.last_error == "the receiver refused it (400)"
            assert failed.answer is not None and failed.answer.startswith("400 Bad Request")
            assert Destinations(conn, now=datetime.now(UTC)).retry(failed.id)
        wait_settled(engine, sent=1)
    assert len(receiver.on("/hook")) == 2

"""Notifications from a running casebot server: changes made through the case API
reach the rules' webhook, mailbox and Teams channel once each and the watchers, and
never the person who made them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from bot.db.engine import make_engine
from bot.db.users import users
from bot.notify.settings import NotifySettings
from bot.services.notification_rules import Watchers
from bot.settings import Settings
from bot.web.app import create_app
from tests import local_http
from tests.api.server import STANDARD_TYPE_ID, WEBHOOK_TOKEN, key_pair, running
from tests.builders import make_project, make_user
from tests.fakes.receivers import HttpReceiver, MailReceiver, http_receiver, mail_receiver
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.notifications.delivery import (
    HOOK,
    TEAMS,
    add_destinations,
    add_rule,
    mail,
    wait_settled,
)
from tests.slack.server import BOB, JANE, slack_server


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, MailReceiver]]:
    with http_receiver() as http, mail_receiver() as smtp:
        yield http, smtp


def test_api_changes_notify_rules_and_watchers_but_not_their_author(
    migrated_database_url: str, receivers: tuple[HttpReceiver, MailReceiver]
) -> None:
    http, smtp = receivers
    keys = key_pair(migrated_database_url, "cases_read", "cases_write", name="Runbook")
    engine = make_engine(migrated_database_url)
    with engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.id == uuid.UUID(keys.user_id))
            .values(email="runbook@example.com")
        )
        project = make_project(conn, name="Ops", key="OPS", handle="ops")
        ana = make_user(conn, name="Ana Lopez", email="ana@example.com")
        add_destinations(conn, http)
        add_rule(conn, project, "priority:P1", HOOK, TEAMS, mail("oncall@example.com"))
    notify = NotifySettings(burst=0, smtp_host=smtp.host, smtp_port=smtp.port, timeout=2)
    settings = Settings(
        database_url=migrated_database_url, webhook_token=WEBHOOK_TOKEN, notify=notify
    )
    try:
        with running(create_app(settings)) as base_url:
            api = local_http.Client(base_url=f"{base_url}/api/v2", headers=keys.headers)
            case = _created(api, "DB down", "P1")
            _created(api, "Slow page", "P3")
            wait_settled(engine, sent=3)
            for who in (str(ana.id), keys.user_id):  # the author watches too
                assert api.post(f"/cases/{case['id']}/watchers/{who}").status_code == 204
            comment = {"data": {"type": "case", "attributes": {"comment": "restarted the primary"}}}
            assert api.post(f"/cases/{case['id']}/comment", json=comment).status_code == 200
            wait_settled(engine, sent=4)
    finally:
        engine.dispose()
    assert len(http.on("/hook")) == len(http.on("/teams")) == 1
    assert http.on("/hook")[0].json()["changes"][0]["by"] == "Runbook"
    assert sorted(m["To"] for m in smtp.messages) == ["ana@example.com", "oncall@example.com"]
    (to_ana,) = smtp.to("ana@example.com")
    assert "Runbook: restarted the primary" in to_ana.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def _created(api: httpx.Client, title: str, priority: str) -> Any:
    body = {
        "data": {
            "type": "case",
            "attributes": {"title": title, "type_id": STANDARD_TYPE_ID, "priority": priority},
            "relationships": {"project": {"data": {"id": "OPS", "type": "project"}}},
        }
    }
    answer = api.post("/cases", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def test_an_at_mention_in_a_slack_thread_reply_notifies_the_person(
    migrated_database_url: str, fake_slack: FakeSlack
) -> None:
    # Bob is a Slack user and Slack is on: he hears by direct message, not by mail.
    fake_slack.add_user(BOB["id"], "bob", email="bob@example.com")
    with mail_receiver() as smtp:
        notify = NotifySettings(burst=0, smtp_host=smtp.host, smtp_port=smtp.port, timeout=2)
        with slack_server(migrated_database_url, fake_slack, notify=notify) as slack:
            with slack.engine.begin() as conn:
                make_project(conn, name="Web Platform", key="WEB", handle="web")
                bob = make_user(
                    conn, name="Bob Stone", email="bob@example.com", slack_user_id=BOB["id"]
                )
            slack.alert("Alert")
            (post,) = slack.fake.wait_for("chat.postMessage")
            slack.wait_until_stored()
            reply = {
                "type": "message",
                "user": JANE["id"],
                "ts": "1795166742.000200",
                "text": f"<@{BOB['id']}> can you look at the primary?",
                "thread_ts": slack.ts_of(post),
                "channel": post.body["channel"],
                "event_ts": "1795166742.000200",
                "channel_type": "channel",
            }
            assert slack.event(reply, event_id="Ev0MENTION").status_code == 200
            (direct,) = slack.fake.wait_for(
                "chat.postMessage", where=lambda c: c.body["channel"] == BOB["id"]
            )
            wait_settled(slack.engine, sent=1)
            with slack.engine.connect() as conn:
                assert [u.id for u in Watchers(conn, now=datetime.now(UTC)).list("WEB-1")] == [
                    bob.id
                ]
    assert "can you look at the primary?" in direct.body["text"]
    assert smtp.messages == []

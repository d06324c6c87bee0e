"""With Slack on, a case's people who are Slack users hear of its changes by a direct
message from the app (Slack's `chat.postMessage` to their user id) instead of by
e-mail, once each; people without a Slack id keep their mail; the author hears nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.core.cases import Actor, ActorSource
from bot.notify.slack_dm import SlackDm
from bot.services.destinations import Destinations
from bot.services.notification_rules import Watchers
from tests.builders import make_project, make_user
from tests.fakes.receivers import MailReceiver, mail_receiver
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.notifications.delivery import Changes, add_rule, mail, sending, settings, wait_settled

TOKEN = "xoxb-test-token"
MONITOR = Actor.monitor()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with running_fake_slack() as fake:
        fake.add_user("U0ANA00001", "ana.lopez")
        fake.add_user("U0CARL0001", "carl")
        yield fake


@pytest.fixture
def smtp() -> Iterator[MailReceiver]:
    with mail_receiver() as found:
        yield found


def test_slack_users_hear_by_direct_message_others_by_mail(
    engine: Engine, fake_slack: FakeSlack, smtp: MailReceiver
) -> None:
    with engine.begin() as conn:
        project = make_project(conn)
        ana = make_user(conn, name="Ana Lopez", email="ana@example.com", slack_user_id="U0ANA00001")
        bob = make_user(conn, name="Bob", email="bob@example.com", slack_user_id=None)
        carl = make_user(conn, name="Carl", email="carl@example.com", slack_user_id="U0CARL0001")
        # A rule mails Ana too: she still hears of a change once, in Slack.
        add_rule(conn, project, "", mail("ana@example.com"), triggers=[{"type": "COMMENT_ADDED"}])
    change = Changes(engine, slack_dm=True)
    case = change(
        lambda s: s.create_case(project=project, title="Disk full", actor=Actor.monitor())
    )
    with engine.begin() as conn:
        for person in (ana, bob, carl):
            Watchers(conn, now=datetime.now(UTC)).watch(case.key, person.id)
    carl_acts = Actor(ActorSource.SLACK, carl.id, "carl")
    change(lambda s: s.comment(case.key, "Freed 20 GB <!channel>", actor=carl_acts))
    with sending(engine, settings(smtp), slack=SlackDm(TOKEN, fake_slack.url)):
        wait_settled(engine, sent=2)
    (dm,) = fake_slack.calls("chat.postMessage")
    assert dm.body["channel"] == "U0ANA00001"
    assert dm.headers.get("authorization") == f"Bearer {TOKEN}"
    assert f"|{case.key}>" in dm.body["text"] and "Disk full" in dm.body["text"]
    assert "carl: Freed 20 GB &lt;!channel&gt;" in dm.body["text"]  # pings nobody
    (to_bob,) = smtp.to("bob@example.com")
    assert "Freed 20 GB" in to_bob.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert smtp.to("ana@example.com") == [] and smtp.to("carl@example.com") == []
    with engine.connect() as conn:
        sent = Destinations(conn, now=datetime.now(UTC)).sent()
    assert sorted(m.route.recipient for m in sent) == ["email:bob@example.com", "slack:U0ANA00001"]


def test_with_slack_off_everyone_hears_by_mail(engine: Engine, smtp: MailReceiver) -> None:
    with engine.begin() as conn:
        project = make_project(conn)
        ana = make_user(conn, name="Ana Lopez", email="ana@example.com", slack_user_id="U0ANA00001")
    change = Changes(engine)
    case = change(
        lambda s: s.create_case(project=project, title="Disk full", actor=Actor.monitor())
    )
    with engine.begin() as conn:
        Watchers(conn, now=datetime.now(UTC)).watch(case.key, ana.id)
    change(lambda s: s.comment(case.key, "Freed 20 GB", actor=Actor.monitor()))
    with sending(engine, settings(smtp)):
        wait_settled(engine, sent=1)
    assert len(smtp.to("ana@example.com")) == 1


def test_a_refusal_from_slack_fails_the_message_with_its_reason(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    with engine.begin() as conn:
        project = make_project(conn)
        gone = make_user(conn, name="Gone", slack_user_id="U0GONE0001")  # not in the workspace
    change = Changes(engine, slack_dm=True)
    case = change(
        lambda s: s.create_case(project=project, title="Disk full", actor=Actor.monitor())
    )
    with engine.begin() as conn:
        Watchers(conn, now=datetime.now(UTC)).watch(case.key, gone.id)
    change(lambda s: s.comment(case.key, "Freed 20 GB", actor=Actor.monitor()))
    with sending(engine, settings(None), slack=SlackDm(TOKEN, fake_slack.url)):
        wait_settled(engine, sent=0, failed=1)
    with engine.connect() as conn:
        (failed,) = Destinations(conn, now=datetime.now(UTC)).sent(status="failed")
    assert failed.last_error == "Slack refused it: channel_not_found"

"""`unless_worked` in Slack: a recovery asks "monitor recovered — close?" in the thread of
a case someone works, with a Close button; signed requests, the fake Slack Web API."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.core.cases import CaseStatus
from bot.core.lifecycle import Lifecycle
from bot.services.case_reader import CaseReader
from tests.builders import make_project
from tests.fakes.slack_api import Call, FakeSlack, running_fake_slack
from tests.slack.server import Client, buttons, slack_server


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(
                conn,
                name="Web Platform",
                key="WEB",
                handle="web",
                lifecycle=Lifecycle(close_unless_worked=True),
            )
        yield client


def _status(slack: Client, key: str) -> CaseStatus:
    with slack.engine.connect() as conn:
        return CaseReader(conn).get(key).status


def _wait_status(slack: Client, key: str, status: CaseStatus) -> None:
    deadline = time.monotonic() + 10
    while _status(slack, key) is not status:
        assert time.monotonic() < deadline, f"{key} never became {status}"
        time.sleep(0.02)


def _replies(slack: Client) -> list[Call]:
    return [c for c in slack.fake.calls("chat.postMessage", ok_only=True) if "thread_ts" in c.body]


def test_a_worked_case_stays_open_and_the_thread_asks_to_close_it(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    slack.wait_until_stored()
    slack.click(post, "assign_to_me")  # a person works the case
    slack.wait_handled("button", 1)
    slack.alert("OK")
    slack.outbox_settled()
    assert _status(slack, "WEB-1") is CaseStatus.OPEN
    (prompt,) = [c for c in _replies(slack) if "Monitor recovered" in c.body["text"]]
    assert prompt.body["thread_ts"] == slack.ts_of(post)
    assert prompt.body["text"] == "Monitor recovered — close case WEB-1?"
    assert buttons(prompt) == ["close_case"]
    slack.click(prompt, "close_case")
    _wait_status(slack, "WEB-1", CaseStatus.CLOSED)


def test_an_untouched_case_closes_on_recovery(slack: Client) -> None:
    slack.alert("Alert")
    slack.fake.wait_for("chat.postMessage")
    slack.alert("OK")
    slack.outbox_settled()
    assert _status(slack, "WEB-1") is CaseStatus.CLOSED
    texts = [c.body["text"] for c in _replies(slack)]
    assert "Case *WEB-1* closed: monitor group resolved" in texts
    assert not any("Monitor recovered" in text for text in texts)

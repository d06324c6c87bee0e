"""Thread replies reach error-tracking issues: comments stay in step both ways from Slack too.

A reply under an alert message whose case has linked issues is a case comment, which
issue sync copies to each issue; a reply under an issue's own message is a comment on
the issue, which reaches its case. Slack's retries of one event are copied once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.cases import case_timeline
from tests.fakes.slack_api import Call, FakeSlack
from tests.slack.issue_desk import Desk, running_desk

OPENS_OPS = "5xx rate is {{value}}%. {{#is_alert}}@case-ops{{/is_alert}} @slack-ops-alerts"
REPLY = "Rolled back web-store to 1.4.1; the errors stopped"


@pytest.fixture
def desk(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Desk]:
    with running_desk(migrated_database_url, fake_slack) as desk:
        yield desk


def _reply(desk: Desk, under: Call, event_id: str, *, retry_num: int | None = None) -> None:
    event = {
        "type": "message",
        "user": "U04JDOE123",
        "ts": f"1795166742.{int(time.time() * 1000) % 1000000:06d}",
        "text": REPLY,
        "thread_ts": desk.slack.ts_of(under),
        "channel": under.body["channel"],
        "event_ts": "1795166742.339819",
        "channel_type": "channel",
    }
    assert desk.slack.event(event, event_id=event_id, retry_num=retry_num).status_code == 200


def _reply_and_retry(desk: Desk, under: Call, event_id: str) -> None:
    """The reply, then Slack's retry of the same event (which must change nothing)."""
    _reply(desk, under, event_id)
    _reply(desk, under, event_id, retry_num=1)


def _comments_on_issue(desk: Desk, issue_id: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        entries = desk.api("GET", f"/issues/{issue_id}/activity")["data"]
        found = [e["attributes"] for e in entries if e["attributes"]["type"] == "COMMENT"]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"expected {count} issue comments, got {found}"
        time.sleep(0.02)


def _case_comments(desk: Desk) -> list[tuple[str, str]]:
    with desk.slack.engine.connect() as conn:
        rows = conn.execute(
            select(case_timeline.c.actor_name, case_timeline.c.body)
            .where(case_timeline.c.kind == "comment")
            .order_by(case_timeline.c.id)
        ).all()
    return [(r.actor_name, r.body) for r in rows]


def test_a_reply_under_an_alert_reaches_the_issues_linked_to_its_case(desk: Desk) -> None:
    desk.slack.alert("Alert", message=OPENS_OPS)
    (alert_post,) = desk.slack.fake.wait_for("chat.postMessage")
    issue_id = desk.event().json()["data"]["id"]
    desk.api("POST", f"/issues/{issue_id}/case", {"data": {"type": "case", "id": "OPS-1"}})
    desk.slack.wait_until_stored()

    _reply_and_retry(desk, alert_post, "Ev0ALERTREPLY")

    (comment,) = _comments_on_issue(desk, issue_id, 1)
    assert comment["message"] == REPLY
    assert comment["author"]["name"] == "jane.doe"
    desk.slack.wait_handled("message", 2)  # the reply and its retry
    assert len(_comments_on_issue(desk, issue_id, 1)) == 1
    assert _case_comments(desk) == [("jane.doe", REPLY)]


def test_a_reply_under_an_issue_message_comments_on_the_issue_and_its_case(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (issue_post,) = desk.posted()
    desk.api("POST", f"/issues/{issue_id}/case", expect=201)
    desk.slack.wait_until_stored()

    _reply_and_retry(desk, issue_post, "Ev0ISSUEREPLY")

    (comment,) = _comments_on_issue(desk, issue_id, 1)
    assert comment["message"] == REPLY
    assert comment["author"]["source"] == "slack"
    deadline = time.monotonic() + 10
    while not _case_comments(desk):
        assert time.monotonic() < deadline, "the issue comment never reached its case"
        time.sleep(0.02)
    desk.slack.wait_handled("message", 2)  # the reply and its retry
    assert _case_comments(desk) == [("jane.doe", REPLY)]
    assert len(_comments_on_issue(desk, issue_id, 1)) == 1


def test_a_reply_under_an_issue_message_follows_the_projects_mirror_setting(desk: Desk) -> None:
    from bot.db.projects import projects

    with desk.slack.engine.begin() as conn:
        conn.execute(projects.update().values(mirror_threads=False))
    issue_id = desk.event().json()["data"]["id"]
    (issue_post,) = desk.posted()
    desk.slack.wait_until_stored()

    _reply(desk, issue_post, "Ev0MUTED")

    desk.slack.wait_handled("message", 1)
    entries = desk.api("GET", f"/issues/{issue_id}/activity")["data"]
    assert [e for e in entries if e["attributes"]["type"] == "COMMENT"] == []

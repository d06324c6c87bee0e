"""The Slack message of an issue without a case shows the issue's state as it changes.

A state set through the API, a regression seen by the intake and the REVIEWED
an assignment brings each reach the fake Slack Web API as a chat.update of the
issue's message (through the outbox), which keeps its Create Case button.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.services.projects import ProjectService
from bot.services.users import UserService
from bot.slack.issue_buttons import ISSUE_CREATE_CASE
from tests.fakes.slack_api import Call, FakeSlack
from tests.slack.issue_desk import Desk, running_desk, texts
from tests.slack.server import buttons


@pytest.fixture
def desk(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Desk]:
    with running_desk(migrated_database_url, fake_slack) as desk:
        yield desk


def _set_state(desk: Desk, issue_id: str, state: str) -> None:
    body = {"data": {"id": issue_id, "type": "error_tracking_issue", "attributes": {}}}
    body["data"]["attributes"] = {"state": state}
    desk.api("PUT", f"/issues/{issue_id}/state", body)


def _shows_state(call: Call, state: str) -> None:
    assert buttons(call) == [ISSUE_CREATE_CASE]
    shown = texts(call)
    assert f"state *{state}*" in shown, shown
    assert "case *" not in shown, shown


def test_a_state_set_through_the_api_updates_the_message(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (post,) = desk.posted()
    assert "state *FOR REVIEW*" in texts(post)
    desk.slack.wait_until_stored()

    _set_state(desk, issue_id, "RESOLVED")
    (resolved,) = desk.updates(post)
    assert resolved.body["channel"] == post.body["channel"]
    _shows_state(resolved, "RESOLVED")

    _set_state(desk, issue_id, "ignored")
    _, ignored = desk.updates(post, 2)
    _shows_state(ignored, "IGNORED")
    assert desk.issue(issue_id)["relationships"]["case"]["data"] is None


def test_a_regression_updates_the_first_message_and_posts_its_own(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (first,) = desk.posted()
    desk.slack.wait_until_stored()
    _set_state(desk, issue_id, "RESOLVED")
    desk.updates(first)

    desk.event()  # seen again: back to FOR REVIEW

    _, back = desk.updates(first, 2)
    _shows_state(back, "FOR REVIEW")
    assert "NEW ISSUE" in back.body["blocks"][0]["text"]["text"]
    _, again = desk.posted(2)
    assert "REGRESSION" in again.body["blocks"][0]["text"]["text"]


def test_an_assignment_that_creates_no_case_updates_the_message_to_reviewed(
    desk: Desk,
) -> None:
    # The issue's message goes where a rule routed it; then the rule goes, and with no
    # default project there is nowhere to create a case: the assignment only reviews.
    with desk.slack.engine.begin() as conn:
        now = datetime.now(UTC)
        projects = ProjectService(conn, now=now)
        ops = projects.update(projects.get("OPS"), is_error_tracking_default=False)
        ann = UserService(conn, now=now).ensure(name="ann", email="ann@example.com")
    rule = {
        "data": {
            "type": "error_tracking_rule",
            "attributes": {"query": "service:web-store"},
            "relationships": {"project": {"data": {"id": str(ops.id), "type": "project"}}},
        }
    }
    rule_id = desk.api("POST", "/rules", rule, expect=201)["data"]["id"]
    issue_id = desk.event().json()["data"]["id"]
    (post,) = desk.posted()
    desk.slack.wait_until_stored()
    desk.api("DELETE", f"/rules/{rule_id}", expect=204)

    body = {"data": {"id": str(ann.id), "type": "assignee"}}
    answer = desk.api("PUT", f"/issues/{issue_id}/assignee", body)

    assert answer["meta"]["case_key"] is None
    (reviewed,) = desk.updates(post)
    _shows_state(reviewed, "REVIEWED")

"""A comment or an assignment that creates an issue's case updates the issue's Slack message.

The issue arrives over the error-tracking API (project OPS, the default, posts
to ops-alerts); commenting on it or assigning it through the API creates its
case, and the fake Slack Web API gets a chat.update of the issue's message
showing View case, the case's status and the issue's new state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.services.users import UserService
from bot.slack.listeners import VIEW_CASE
from tests.fakes.slack_api import Call, FakeSlack
from tests.slack.issue_desk import Desk, running_desk, texts
from tests.slack.server import buttons


@pytest.fixture
def desk(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Desk]:
    with running_desk(migrated_database_url, fake_slack) as desk:
        yield desk


def _shows_case(call: Call, key: str) -> None:
    assert buttons(call) == [VIEW_CASE]
    shown = texts(call)
    assert f"In progress · case *{key}*" in shown, shown
    assert "state *REVIEWED*" in shown, shown


def test_a_comment_through_the_api_creates_the_case_and_the_message_follows(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (post,) = desk.posted()
    desk.slack.wait_until_stored()

    body = {"data": {"type": "comment", "attributes": {"comment": "seen in prod only"}}}
    answer = desk.api("POST", f"/issues/{issue_id}/comment", body, expect=201)

    assert answer["meta"]["case_key"] == "OPS-1"
    (update,) = desk.updates(post)
    _shows_case(update, "OPS-1")


def test_an_assignment_through_the_api_creates_the_case_and_the_message_follows(
    desk: Desk,
) -> None:
    with desk.slack.engine.begin() as conn:
        ann = UserService(conn, now=datetime.now(UTC)).ensure(name="ann", email="ann@example.com")
    issue_id = desk.event().json()["data"]["id"]
    (post,) = desk.posted()
    desk.slack.wait_until_stored()

    body = {"data": {"id": str(ann.id), "type": "assignee"}}
    answer = desk.api("PUT", f"/issues/{issue_id}/assignee", body)

    assert answer["meta"]["case_created"] is True
    (update,) = desk.updates(post)
    _shows_case(update, "OPS-1")

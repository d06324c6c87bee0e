"""An error-tracking issue's Slack message follows its case, like an alert message does.

Errors arrive over the error-tracking API; the case is created or linked through
the API or the message's own button, and changed through the cases API. Each
change reaches the fake Slack Web API as a chat.update of the same message.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.slack.issue_buttons import ISSUE_CREATE_CASE
from bot.slack.listeners import VIEW_CASE
from tests.fakes.slack_api import Call, FakeSlack
from tests.slack.issue_desk import Desk, running_desk, texts
from tests.slack.server import buttons


@pytest.fixture
def desk(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Desk]:
    with running_desk(migrated_database_url, fake_slack) as desk:
        yield desk


def _view_case(call: Call) -> dict:
    actions = next(b for b in call.body["blocks"] if b["type"] == "actions")
    (button,) = actions["elements"]
    return dict(button)


def _shows(call: Call, key: str, status: str, state: str) -> None:
    assert buttons(call) == [VIEW_CASE]
    button = _view_case(call)
    assert button["text"]["text"] == f"View case {key}"
    assert button["url"].startswith(f"https://casebot.example.com/cases/{key}?exp=")
    shown = texts(call)
    assert f"{status} · case *{key}*" in shown, shown
    assert f"state *{state}*" in shown, shown
    assert call.body["text"].endswith(f" · case {key} ({status})")


def _close(desk: Desk, key: str) -> None:
    desk.case(key, "status", {"status": "CLOSED"})


def test_a_case_created_through_the_api_and_closed_updates_the_message(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (post,) = desk.posted()
    assert buttons(post) == [ISSUE_CREATE_CASE]
    desk.slack.wait_until_stored()

    created = desk.api("POST", f"/issues/{issue_id}/case", expect=201)
    key = created["data"]["attributes"]["key"]
    assert key == "OPS-1"
    (update,) = desk.updates(post)
    assert update.body["channel"] == post.body["channel"]
    _shows(update, key, "In progress", "REVIEWED")

    _close(desk, key)
    _, closed = desk.updates(post, 2)
    _shows(closed, key, "Closed", "RESOLVED")
    assert desk.issue(issue_id)["attributes"]["state"] == "RESOLVED"
    # The change came in one transaction: one update for it, not one per listener call.
    assert len(desk.updates(post)) == 2


def test_a_click_then_status_changes_through_the_api(desk: Desk) -> None:
    desk.event()
    (post,) = desk.posted()
    desk.click(post)
    (update,) = desk.updates(post)
    _shows(update, "OPS-1", "In progress", "REVIEWED")

    desk.case("OPS-1", "status", {"status": "OPEN"})
    _, reopened = desk.updates(post, 2)
    _shows(reopened, "OPS-1", "Open", "FOR REVIEW")  # the issue follows the case back

    _close(desk, "OPS-1")
    closed = desk.updates(post, 3)[-1]
    _shows(closed, "OPS-1", "Closed", "RESOLVED")


def test_linking_to_an_existing_case_and_unlinking(desk: Desk) -> None:
    first = desk.event("first").json()["data"]["id"]
    other = {"type": "KeyError", "message": "second"}  # another fingerprint
    second = desk.event(error=other).json()["data"]["id"]
    post_first, post_second = desk.posted(2)
    desk.slack.wait_until_stored()
    desk.api("POST", f"/issues/{first}/case", expect=201)
    desk.updates(post_first)

    body = {"data": {"type": "case", "id": "OPS-1"}}
    desk.api("POST", f"/issues/{second}/case", body)
    (linked,) = desk.updates(post_second)
    _shows(linked, "OPS-1", "In progress", "REVIEWED")

    desk.api("DELETE", f"/issues/{second}/case")
    _, unlinked = desk.updates(post_second, 2)
    assert buttons(unlinked) == [ISSUE_CREATE_CASE]
    assert "case *OPS-1*" not in texts(unlinked)
    assert " · case " not in unlinked.body["text"]

    # Closing the case moves only the issue still linked to it.
    _close(desk, "OPS-1")
    _, closed = desk.updates(post_first, 2)
    _shows(closed, "OPS-1", "Closed", "RESOLVED")
    assert len(desk.updates(post_second)) == 2


def test_a_regression_message_keeps_its_badge_and_both_messages_follow(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (first,) = desk.posted()
    desk.slack.wait_until_stored()
    body = {"data": {"id": issue_id, "type": "error_tracking_issue", "attributes": {}}}
    body["data"]["attributes"] = {"state": "RESOLVED"}
    desk.api("PUT", f"/issues/{issue_id}/state", body)
    desk.updates(first)  # an issue without a case: its message shows RESOLVED
    desk.event()  # comes back: a REGRESSION message, and the first shows FOR REVIEW
    _, again = desk.posted(2)
    desk.updates(first, 2)
    desk.slack.wait_until_stored()
    desk.api("POST", f"/issues/{issue_id}/case", expect=201)
    update_first = desk.updates(first, 3)[-1]
    _shows(update_first, "OPS-1", "In progress", "REVIEWED")
    (update_again,) = desk.updates(again)
    assert "NEW ISSUE" in update_first.body["blocks"][0]["text"]["text"]
    assert "REGRESSION" in update_again.body["blocks"][0]["text"]["text"]
    _close(desk, "OPS-1")
    closed = desk.updates(again, 2)[-1]
    _shows(closed, "OPS-1", "Closed", "RESOLVED")
    assert "REGRESSION" in closed.body["blocks"][0]["text"]["text"]


def test_closing_the_case_from_its_alert_message_updates_the_issue_message(desk: Desk) -> None:
    slack = desk.slack
    slack.alert("Alert", message="5xx rate is {{value}}%. @case-ops @slack-ops-alerts")
    (alert,) = slack.fake.wait_for("chat.postMessage")
    issue_id = desk.event().json()["data"]["id"]
    (issue_post,) = slack.fake.wait_for(
        "chat.postMessage", where=lambda c: c.body["text"].startswith("[New issue]")
    )
    slack.wait_until_stored()
    desk.api("POST", f"/issues/{issue_id}/case", {"data": {"type": "case", "id": "OPS-1"}})
    (linked,) = desk.updates(issue_post)
    _shows(linked, "OPS-1", "Open", "FOR REVIEW")

    latest = slack.latest(slack.ts_of(alert))
    assert "close_case" in buttons(latest)
    response = slack.click(latest, "close_case")  # the signed block_actions click
    assert response.status_code == 200
    _, closed = desk.updates(issue_post, 2)
    _shows(closed, "OPS-1", "Closed", "RESOLVED")
    assert desk.issue(issue_id)["attributes"]["state"] == "RESOLVED"

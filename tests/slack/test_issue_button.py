"""Issue 6 point 3, from Slack: an error-tracking issue's message and its Create Case button.

Everything goes through the real protocols: error events over the error-tracking
API, the message to the fake Slack Web API, signed `block_actions` clicks back.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.db.cases import cases
from bot.db.slack_tables import slack_messages
from bot.db.users import users
from bot.slack.issue_buttons import ISSUE_CREATE_CASE
from bot.slack.listeners import VIEW_CASE
from tests.builders import make_project
from tests.fakes.slack_api import FakeSlack
from tests.slack.issue_desk import Desk, count, running_desk, texts
from tests.slack.server import BOB, JANE, buttons


@pytest.fixture
def desk(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Desk]:
    with running_desk(migrated_database_url, fake_slack) as desk:
        yield desk


def test_a_new_issue_posts_a_message_with_create_case(desk: Desk) -> None:
    issue_id = desk.event("bad <!channel> & <@U1> input", version="1.4.2").json()["data"]["id"]
    (post,) = desk.posted()
    assert post.body["channel"] == "C07OPSALRT"
    assert buttons(post) == [ISSUE_CREATE_CASE]
    actions = next(b for b in post.body["blocks"] if b["type"] == "actions")
    assert actions["elements"][0]["value"] == issue_id
    header = post.body["blocks"][0]
    # The header is plain text (Slack pings nobody from it); mrkdwn text is escaped.
    assert header["text"] == {
        "type": "plain_text",
        "emoji": True,
        "text": ":beetle: NEW ISSUE  TypeError: bad <!channel> & <@U1> input",
    }
    shown = texts(post)
    assert "*TypeError*: bad &lt;!channel&gt; &amp; &lt;@U1&gt; input" in shown
    assert (
        post.body["text"] == "[New issue] TypeError: bad &lt;!channel&gt; &amp; &lt;@U1&gt; input"
    )
    assert "service `web-store`" in shown and "team `Shopist`" in shown
    assert "state *FOR REVIEW*" in shown and "seen *1* time" in shown
    # A second occurrence of the same issue posts nothing new.
    desk.event("bad <!channel> & <@U1> input")
    assert count(desk, slack_messages) == 1


def test_a_click_creates_one_linked_case_and_updates_the_message(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (post,) = desk.posted()
    ts = desk.slack.ts_of(post)
    desk.click(post)
    (reply,) = desk.slack.fake.wait_for(
        "chat.postMessage", where=lambda c: "created by" in c.body["text"]
    )
    assert reply.body["text"] == "Case *OPS-1* created by <@U04JDOE123>"
    assert reply.body["thread_ts"] == ts
    (update,) = desk.slack.fake.wait_for("chat.update")
    assert update.body["ts"] == ts and buttons(update) == [VIEW_CASE]
    view = next(b for b in update.body["blocks"] if b["type"] == "actions")["elements"][0]
    assert view["text"]["text"] == "View case OPS-1"
    assert view["url"].startswith("https://casebot.example.com/cases/OPS-1?")
    assert "state *REVIEWED*" in texts(update)
    # The error-tracking API sees the link and the new state.
    issue = desk.issue(issue_id)
    assert issue["attributes"]["state"] == "ACKNOWLEDGED"
    case_id = issue["relationships"]["case"]["data"]["id"]
    with desk.slack.engine.connect() as conn:
        row = conn.execute(select(cases)).one()
        creator = conn.execute(select(users).where(users.c.id == row.created_by)).one()
    assert str(row.id) == case_id
    assert (row.key, row.creation_source, row.type) == ("OPS-1", "ERROR_TRACKING", "ERROR_TRACKING")
    assert creator.slack_user_id == JANE["id"]


def test_a_second_click_says_which_case_and_creates_nothing(desk: Desk) -> None:
    desk.event()
    (post,) = desk.posted()
    desk.click(post)
    desk.slack.fake.wait_for("chat.update")
    desk.click(post, user=BOB)  # the stale message, still showing Create Case
    (told,) = desk.slack.fake.wait_for("chat.postEphemeral")
    assert told.body["user"] == BOB["id"]
    assert told.body["text"].startswith("This issue already has case *OPS-1*.")
    assert count(desk, cases) == 1
    # The first click's thread reply leaves the outbox in its own time (another channel
    # queue than the ephemeral answer): wait for every call to be made, then count.
    desk.slack.outbox_settled()
    created = [
        c for c in desk.slack.fake.calls("chat.postMessage") if "created by" in c.body["text"]
    ]
    assert len(created) == 1


def test_concurrent_clicks_make_one_case(desk: Desk) -> None:
    desk.event()
    (post,) = desk.posted()
    desk.slack.wait_until_stored()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(lambda n: desk.slack.click(post, ISSUE_CREATE_CASE).status_code, range(6))
        )
    assert statuses == [200] * 6
    ephemerals = desk.slack.fake.wait_for("chat.postEphemeral", 5)
    assert all("already has case *OPS-1*" in c.body["text"] for c in ephemerals)
    assert count(desk, cases) == 1


def test_an_issue_linked_through_the_api_is_not_given_a_second_case(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    (post,) = desk.posted()
    created = desk.api("POST", f"/issues/{issue_id}/case", expect=201)
    key = created["data"]["attributes"]["key"]
    desk.click(post)
    (told,) = desk.slack.fake.wait_for("chat.postEphemeral")
    assert told.body["text"].startswith(f"This issue already has case *{key}*.")
    (update,) = desk.slack.fake.wait_for("chat.update")
    assert buttons(update) == [VIEW_CASE]
    assert count(desk, cases) == 1


def test_a_regression_posts_a_new_message(desk: Desk) -> None:
    issue_id = desk.event().json()["data"]["id"]
    desk.posted()
    body = {
        "data": {
            "id": issue_id,
            "type": "error_tracking_issue",
            "attributes": {"state": "RESOLVED"},
        }
    }
    desk.api("PUT", f"/issues/{issue_id}/state", body)
    assert desk.event().json()["meta"]["regression"] is True
    _, again = desk.posted(2)
    assert "REGRESSION" in again.body["blocks"][0]["text"]["text"]
    assert "state *FOR REVIEW*" in texts(again) and "seen *2* times" in texts(again)


def test_no_channel_no_message(desk: Desk) -> None:
    with desk.slack.engine.begin() as conn:
        make_project(
            conn, name="Quiet", key="QUIET", handle="quiet", is_error_tracking_default=True
        )
    desk.event()
    assert count(desk, slack_messages) == 0

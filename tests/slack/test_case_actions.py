"""Point 4 (buttons on a linked message), point 9 (signatures) and point 6 (thread mirroring)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db.cases import case_timeline, cases
from bot.db.users import users
from bot.services.notification_rules import Watchers
from tests.builders import make_project
from tests.fakes.slack_api import Call, FakeSlack
from tests.slack.server import BOB, JANE, SIGNING_SECRET, Client, buttons, slack_server


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(conn, name="Web Platform", key="WEB", handle="web")
            make_project(
                conn, name="Security", key="SEC", handle="sec", default_case_type="SECURITY"
            )
        yield client


def _posted(slack: Client, message: str | None = None) -> Call:
    if message is None:
        slack.alert("Alert")
    else:
        slack.alert("Alert", message=message)
    (post,) = slack.fake.wait_for("chat.postMessage")
    return post


def _case(slack: Client) -> tuple[str, str | None, str | None]:
    with slack.engine.connect() as conn:
        row = conn.execute(
            select(cases.c.status, cases.c.assignee_id, cases.c.closing_reason)
        ).one()
    return row.status, row.assignee_id and str(row.assignee_id), row.closing_reason


def _wait_status(slack: Client, status: str) -> None:
    deadline = time.monotonic() + 10
    while _case(slack)[0] != status:
        assert time.monotonic() < deadline, f"case never became {status}"
        time.sleep(0.02)


def _timeline(slack: Client) -> list[tuple[str, str, str]]:
    with slack.engine.connect() as conn:
        rows = conn.execute(
            select(
                case_timeline.c.kind, case_timeline.c.actor_source, case_timeline.c.body
            ).order_by(case_timeline.c.id)
        ).all()
    return [(r.kind, r.actor_source, r.body) for r in rows]


def test_in_progress_assign_and_close_are_recorded_with_the_slack_user(slack: Client) -> None:
    post = _posted(slack)
    assert slack.click(post, "case_in_progress").status_code == 200
    _wait_status(slack, "IN_PROGRESS")
    latest = slack.fake.wait_for("chat.update")[-1]
    assert "case_in_progress" not in buttons(latest)
    assert slack.click(post, "assign_to_me").status_code == 200
    slack.fake.wait_for("chat.postMessage", where=lambda c: "took case" in c.body["text"])
    assert slack.click(post, "close_case").status_code == 200
    _wait_status(slack, "CLOSED")
    replies = [c.body["text"] for c in slack.fake.wait_for("chat.postMessage", 4)[1:]]
    assert replies == [
        "<@U04JDOE123> set case *WEB-1* to *In progress*",
        "<@U04JDOE123> took case *WEB-1*",
        "<@U04JDOE123> set case *WEB-1* to *Closed*",
    ]
    slack_entries = [(k, b) for k, source, b in _timeline(slack) if source == "slack"]
    assert [k for k, _ in slack_entries] == ["status", "assignee", "status"]
    with slack.engine.connect() as conn:
        jane = conn.execute(select(users).where(users.c.slack_user_id == "U04JDOE123")).one()
    assert _case(slack)[1] == str(jane.id) and jane.name == "jane.doe"


def test_a_stale_button_acts_on_the_current_state_and_says_so(slack: Client) -> None:
    post = _posted(slack)  # the message still shows In progress and Close
    slack.click(post, "close_case")
    _wait_status(slack, "CLOSED")
    assert slack.click(post, "case_in_progress").status_code == 200
    (told,) = slack.fake.wait_for("chat.postEphemeral")
    assert told.body["text"] == "*WEB-1* is already Closed: nothing changed."
    assert told.body["user"] == "U04JDOE123"
    assert _case(slack)[0] == "CLOSED"
    slack.click(post, "close_case")
    second = slack.fake.wait_for("chat.postEphemeral", 2)[-1]
    assert second.body["text"] == "*WEB-1* is already Closed: nothing changed."


def test_assign_to_me_takes_over_from_someone_else(slack: Client) -> None:
    post = _posted(slack)
    slack.click(post, "assign_to_me", user=BOB)
    slack.fake.wait_for("chat.postMessage", where=lambda c: "<@U05BOB4567> took" in c.body["text"])
    slack.click(post, "assign_to_me", user=JANE)
    slack.fake.wait_for("chat.postMessage", where=lambda c: "<@U04JDOE123> took" in c.body["text"])
    slack.click(post, "assign_to_me", user=JANE)
    (told,) = slack.fake.wait_for("chat.postEphemeral")
    assert told.body["text"] == "*WEB-1* is already assigned to you."


def test_closing_a_security_case_asks_for_its_reason(slack: Client) -> None:
    post = _posted(slack, "intrusion {{#is_alert}}@case-sec{{/is_alert}} @slack-ops-alerts")
    slack.click(post, "close_case")
    (opened,) = slack.fake.wait_for("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "close_case_modal"
    assert _case(slack)[0] == "OPEN"
    missing = slack.submit(view, {})
    assert missing.json() == {
        "response_action": "errors",
        "errors": {"close_reason": "Choose a reason."},
    }
    option = {"text": {"type": "plain_text", "text": "x"}, "value": "false_positive"}
    values = {
        "close_reason": {"reason_select": {"type": "static_select", "selected_option": option}}
    }
    assert slack.submit(view, values).status_code == 200
    _wait_status(slack, "CLOSED")
    assert _case(slack)[2] == "false_positive"


@pytest.mark.parametrize(
    ("secret", "age"),
    [
        pytest.param("wrong-secret", 0, id="forged"),
        pytest.param(SIGNING_SECRET, 6 * 60, id="stale"),
        pytest.param(SIGNING_SECRET, -6 * 60, id="from-the-future"),
    ],
)
def test_bad_signatures_get_401_and_change_nothing(slack: Client, secret: str, age: int) -> None:
    post = _posted(slack)
    slack.fake.wait_for("chat.postMessage")
    before = len(slack.fake.calls())
    payload = {
        "type": "block_actions",
        "user": JANE,
        "team": {"id": "T05EXAMPLE"},
        "container": {
            "type": "message",
            "message_ts": slack.ts_of(post),
            "channel_id": "C07OPSALRT",
        },
        "trigger_id": "1.2.3",
        "actions": [
            {"action_id": "close_case", "value": post.body["blocks"][-1]["elements"][-1]["value"]}
        ],
    }
    response = slack.interact(payload, secret=secret, timestamp=int(time.time()) - age)
    assert response.status_code == 401
    # The control: a signed click that changes nothing (View case), handled after it.
    view_case = {**payload, "actions": [{"action_id": "view_case", "value": "WEB-1"}]}
    assert slack.interact(view_case).status_code == 200
    slack.wait_handled("button", 1)
    assert _case(slack)[0] == "OPEN"
    assert len(slack.fake.calls()) == before


def _reply_event(slack: Client, post: Call, **extra: object) -> dict[str, object]:
    return {
        "type": "message",
        "user": "U04JDOE123",
        "ts": f"1795166742.{int(time.time() * 1000) % 1000000:06d}",
        "client_msg_id": "5f0c2a7e",
        "text": "Cleared 38 GB of rotated logs under /var/log on web-1",
        "thread_ts": slack.ts_of(post),
        "parent_user_id": "U06CASEBOT",
        "channel": "C07OPSALRT",
        "event_ts": "1795166742.339819",
        "channel_type": "channel",
        **extra,
    }


def _comments(slack: Client) -> list[tuple[str, str]]:
    with slack.engine.connect() as conn:
        rows = conn.execute(
            select(case_timeline.c.actor_name, case_timeline.c.body).where(
                case_timeline.c.kind == "comment"
            )
        ).all()
    return [(r.actor_name, r.body) for r in rows]


def _wait_comments(slack: Client, count: int) -> list[tuple[str, str]]:
    deadline = time.monotonic() + 10
    while len(found := _comments(slack)) < count:
        assert time.monotonic() < deadline, f"expected {count} comments, got {found}"
        time.sleep(0.02)
    return found


def test_human_thread_replies_are_mirrored_once_despite_retries(slack: Client) -> None:
    post = _posted(slack)
    slack.fake.wait_for("chat.postMessage")
    slack.wait_until_stored()
    event = _reply_event(slack, post)
    assert slack.event(event, event_id="Ev0AK3CS7Y2Q").status_code == 200
    assert slack.event(event, event_id="Ev0AK3CS7Y2Q", retry_num=1).status_code == 200
    assert slack.event(event, event_id="Ev0AK3CS7Y2Q", retry_num=2).status_code == 200
    assert _wait_comments(slack, 1) == [
        ("jane.doe", "Cleared 38 GB of rotated logs under /var/log on web-1")
    ]
    slack.wait_handled("message", 3)  # the two retries too
    assert len(_comments(slack)) == 1
    with slack.engine.connect() as conn:
        source = conn.execute(
            select(case_timeline.c.actor_source).where(case_timeline.c.kind == "comment")
        ).scalar_one()
    assert source == "slack"


def test_bot_messages_and_top_level_messages_are_not_mirrored(slack: Client) -> None:
    post = _posted(slack)
    slack.wait_until_stored()
    slack.event(_reply_event(slack, post, bot_id="B0OTHER", user="U0BOT"), event_id="Ev1")
    slack.event(_reply_event(slack, post, subtype="bot_message"), event_id="Ev2")
    top = _reply_event(slack, post)
    top.pop("thread_ts")
    slack.event(top, event_id="Ev3")
    slack.event(_reply_event(slack, post, text="a human"), event_id="Ev4")
    assert _wait_comments(slack, 1) == [("jane.doe", "a human")]
    slack.wait_handled("message", 4)
    assert len(_comments(slack)) == 1


def test_mirroring_follows_the_project_toggle(slack: Client) -> None:
    from bot.db.projects import projects

    with slack.engine.begin() as conn:
        conn.execute(
            projects.update().where(projects.c.handle == "web").values(mirror_threads=False)
        )
    post = _posted(slack)
    slack.wait_until_stored()
    assert slack.event(_reply_event(slack, post), event_id="Ev9").status_code == 200
    slack.wait_handled("message", 1)
    assert _comments(slack) == []
    with slack.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 1


def test_a_resolved_security_case_stays_open_and_the_thread_says_why(slack: Client) -> None:
    post = _posted(slack, "intrusion {{#is_alert}}@case-sec{{/is_alert}} @slack-ops-alerts")
    slack.alert("OK", message="intrusion {{#is_alert}}@case-sec{{/is_alert}} @slack-ops-alerts")
    (reply,) = slack.fake.wait_for(
        "chat.postMessage", where=lambda c: "closing reason" in c.body["text"]
    )
    assert reply.body["thread_ts"] == slack.ts_of(post)
    assert reply.body["text"] == (
        "Case *SEC-1* stays open: monitor group resolved, "
        "but a SECURITY case needs a closing reason"
    )
    assert _case(slack)[0] == "OPEN"


def test_watch_makes_the_slack_user_a_watcher_and_says_where_changes_reach_them(
    slack: Client,
) -> None:
    slack.fake.add_user(BOB["id"], "bob", email="bob@example.com")
    post = _posted(slack)
    assert slack.click(post, "watch_case", user=BOB).status_code == 200
    (told,) = slack.fake.wait_for("chat.postEphemeral")
    assert told.body["text"] == (
        "You now watch *WEB-1*: its changes reach you by e-mail at bob@example.com."
    )
    slack.click(post, "watch_case", user=JANE)
    jane_told = slack.fake.wait_for("chat.postEphemeral", 2)[-1]
    assert jane_told.body["user"] == "U04JDOE123"
    assert jane_told.body["text"].startswith(
        "You now watch *WEB-1*, but casebot knows no e-mail address of yours"
    )
    slack.click(post, "watch_case", user=BOB)
    again = slack.fake.wait_for("chat.postEphemeral", 3)[-1]
    assert again.body["text"] == "You already watch *WEB-1*."
    with slack.engine.connect() as conn:
        watching = Watchers(conn, now=datetime.now(UTC)).list("WEB-1")
    assert sorted(user.slack_user_id or "" for user in watching) == ["U04JDOE123", "U05BOB4567"]

"""The Mute menu of an alert message, through signed Slack requests and the fake Slack Web
API: 1 hour, until tomorrow 09:00 in the person's time zone, a custom end; the downtime
it schedules mutes the group's next notifications, and the thread says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.downtime_schedule import OneTime
from bot.core.downtimes import Downtime, MonitorIdentifier
from bot.services.downtimes import DowntimeReader
from tests.builders import make_project
from tests.fakes.slack_api import Call, FakeSlack
from tests.slack.server import JANE, TEAM, Client, slack_server


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    fake_slack.add_user(JANE["id"], "jane.doe", tz="Asia/Tokyo")
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(conn, name="Web Platform", key="WEB", handle="web")
        yield client


def _menu(post: Call) -> dict[str, Any]:
    block = next(b for b in post.body["blocks"] if b.get("block_id") == "alert_mute")
    return dict(block["accessory"])


def _choose(slack: Client, post: Call, label: str) -> None:
    """Pick an option of the message's Mute menu, as Slack sends the choice."""
    menu = _menu(post)
    option = next(o for o in menu["options"] if o["text"]["text"] == label)
    answer = slack.interact(
        {
            "type": "block_actions",
            "user": JANE,
            "api_app_id": "A06CASEBOT",
            "token": "EXAMPLEverificationTOKEN",
            "container": {
                "type": "message",
                "message_ts": slack.ts_of(post),
                "channel_id": post.body["channel"],
                "is_ephemeral": False,
            },
            "trigger_id": "4242.5423419876543.3f1c9a0b",
            "team": TEAM,
            "channel": {"id": post.body["channel"], "name": "ops-alerts"},
            "message": {"type": "message", "ts": slack.ts_of(post), "blocks": post.body["blocks"]},
            "state": {"values": {}},
            "response_url": slack.fake.webhook_url,
            "actions": [
                {
                    "type": "static_select",
                    "action_id": menu["action_id"],
                    "block_id": "alert_mute",
                    "selected_option": option,
                    "action_ts": "1795166403.117204",
                }
            ],
        }
    )
    assert answer.status_code == 200


def _downtimes(slack: Client) -> list[Downtime]:
    with slack.engine.connect() as conn:
        found, _ = DowntimeReader(conn).list(now=datetime.now(UTC))
    return found


def _muted_reply(slack: Client) -> Call:
    deadline = time.monotonic() + 10
    while True:
        replies = [
            c
            for c in slack.fake.calls("chat.postMessage", ok_only=True)
            if "thread_ts" in c.body and c.body["text"].startswith(":mute:")
        ]
        if replies:
            return replies[-1]
        assert time.monotonic() < deadline, "the thread never said the alert was muted"
        time.sleep(0.02)


def test_the_menu_offers_the_choices(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    menu = _menu(post)
    assert menu["type"] == "static_select"
    assert menu["placeholder"]["text"] == "Mute…"
    labels = [o["text"]["text"] for o in menu["options"]]
    assert labels == ["1 hour", "4 hours", "Until tomorrow 09:00", "Custom…"]


def test_mute_for_an_hour_silences_the_group_and_says_so(slack: Client) -> None:
    slack.alert("Alert", message="5xx rate is {{value}}%. @slack-ops-alerts")
    (post,) = slack.fake.wait_for("chat.postMessage")
    slack.wait_until_stored()
    before = datetime.now(UTC)
    _choose(slack, post, "1 hour")
    reply = _muted_reply(slack)
    assert reply.body["thread_ts"] == slack.ts_of(post)
    assert "<@U04JDOE123> muted this alert until" in reply.body["text"]
    (downtime,) = _downtimes(slack)
    assert downtime.scope == "service:orders"
    assert downtime.monitor == MonitorIdentifier(
        monitor_tags=("source:generic", "monitor_id:orders-api-5xx")
    )
    assert isinstance(downtime.schedule, OneTime) and downtime.schedule.end is not None
    assert timedelta(minutes=59) < downtime.schedule.end - before < timedelta(minutes=61)
    assert downtime.message == "Muted from Slack by jane.doe"
    assert str(downtime.id) in reply.body["text"]
    updates = len(slack.fake.calls("chat.update"))
    # The group's next notification is muted: no update, no reply. Another group's alert,
    # sent after it, is posted: once it is, the muted one would have been sent before it.
    slack.alert("Warn", message="5xx rate is {{value}}%. @slack-ops-alerts")
    slack.alert(
        "Alert", message="5xx rate is {{value}}%. @slack-ops-alerts", group=("service:cart",)
    )
    posts = slack.fake.wait_for("chat.postMessage", 3)
    assert [c.body.get("thread_ts") for c in posts] == [None, slack.ts_of(post), None]
    slack.outbox_settled()
    assert len(slack.fake.calls("chat.update")) == updates


def test_until_tomorrow_morning_in_the_persons_time_zone(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    slack.wait_until_stored()
    _choose(slack, post, "Until tomorrow 09:00")
    reply = _muted_reply(slack)
    (downtime,) = _downtimes(slack)
    tokyo = ZoneInfo("Asia/Tokyo")
    chosen = downtime.created_at.astimezone(tokyo)
    morning = datetime.combine(chosen.date() + timedelta(days=1), clock(9), tzinfo=tokyo)
    assert isinstance(downtime.schedule, OneTime)
    assert downtime.schedule.end == morning.astimezone(UTC)
    assert f"{morning:%a %Y-%m-%d} 09:00 Asia/Tokyo" in reply.body["text"]


def test_a_custom_end_from_the_modal(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    slack.wait_until_stored()
    _choose(slack, post, "Custom…")
    (opened,) = slack.fake.wait_for("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "mute_custom_modal"
    past = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    refused = slack.submit(view, {"mute_until": {"until_input": {"selected_date_time": past}}})
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"mute_until": "Pick a time to come."},
    }
    until = int((datetime.now(UTC) + timedelta(hours=3)).timestamp())
    slack.submit(view, {"mute_until": {"until_input": {"selected_date_time": until}}})
    _muted_reply(slack)
    (downtime,) = _downtimes(slack)
    assert isinstance(downtime.schedule, OneTime)
    assert downtime.schedule.end == datetime.fromtimestamp(until, UTC)

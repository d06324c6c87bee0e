"""Points 1, 2 and 5: alerts posted as live messages, updated per transition, auto-close."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.db.cases import cases
from tests.builders import make_project
from tests.fakes.slack_api import FakeSlack
from tests.slack.server import NO_CASE_MESSAGE, PUBLIC_URL, Client, buttons, slack_server


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(conn, name="Web Platform", key="WEB", handle="web")
        yield client


def test_alert_without_a_case_offers_create_case(slack: Client) -> None:
    slack.alert("Alert", message=NO_CASE_MESSAGE)
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "C07OPSALRT"  # "ops-alerts" resolved by name
    assert slack.fake.calls("conversations.list")
    assert post.body["text"].startswith("[Alert] ")
    assert buttons(post) == ["create_case"]
    body = post.body["blocks"][1]["text"]["text"]
    assert body == "5xx rate is 7.5%. @slack-ops-alerts"


def test_alert_with_a_case_links_to_the_signed_case_page(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert buttons(post) == [
        "view_case", "assign_to_me", "case_in_progress", "watch_case", "close_case"
    ]  # fmt: skip
    view = post.body["blocks"][-1]["elements"][0]
    assert view["text"]["text"] == "View case WEB-1"
    assert view["url"].startswith(f"{PUBLIC_URL}/cases/WEB-1?exp=")
    assert "&sig=" in view["url"]


def test_one_live_message_per_cycle_updated_with_a_thread_reply(slack: Client) -> None:
    slack.alert("Alert", message=NO_CASE_MESSAGE, value=7.5)
    (post,) = slack.fake.wait_for("chat.postMessage")
    ts = slack.ts_of(post)
    slack.alert("Warn", message=NO_CASE_MESSAGE, value=4.1)
    (update,) = slack.fake.wait_for("chat.update")
    assert update.body["ts"] == ts
    assert update.body["text"].startswith("[Warn] ")
    assert "value *4.1*" in update.body["blocks"][2]["elements"][0]["text"]
    reply = slack.fake.wait_for("chat.postMessage", 2)[-1]
    assert reply.body["thread_ts"] == ts
    assert reply.body["text"] == ":large_yellow_circle: *Warn* · value *4.1*"
    # Recovery ends the cycle; the next alert is a new cycle and a new message.
    slack.alert("OK", message=NO_CASE_MESSAGE, value=1.0)
    slack.fake.wait_for("chat.update", 2)
    slack.alert("Alert", message=NO_CASE_MESSAGE, value=9.0)
    posts = slack.fake.wait_for("chat.postMessage", 4)
    roots = [c for c in posts if "thread_ts" not in c.body]
    assert len(roots) == 2 and slack.ts_of(roots[1]) != ts


def test_a_quiet_channel_gets_updates_but_no_thread_replies(slack: Client) -> None:
    from bot.services.channels import set_quiet

    with slack.engine.begin() as conn:
        set_quiet(conn, "ops-alerts", True)
    slack.alert("Alert", message=NO_CASE_MESSAGE)
    slack.fake.wait_for("chat.postMessage")
    slack.alert("Warn", message=NO_CASE_MESSAGE)
    slack.fake.wait_for("chat.update")
    slack.alert("Alert", message=NO_CASE_MESSAGE)
    slack.fake.wait_for("chat.update", 2)
    assert len(slack.fake.calls("chat.postMessage")) == 1


def test_auto_close_updates_the_message_and_says_so_in_the_thread(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    slack.alert("OK")
    replies = slack.fake.wait_for(
        "chat.postMessage", where=lambda c: "closed: monitor group resolved" in c.body["text"]
    )
    assert replies[0].body == {
        **replies[0].body,
        "thread_ts": slack.ts_of(post),
        "text": "Case *WEB-1* closed: monitor group resolved",
    }
    latest = slack.latest(slack.ts_of(post))
    assert buttons(latest) == ["view_case"]
    case_line = next(b for b in latest.body["blocks"] if b.get("block_id") == "alert_case")
    assert case_line["text"]["text"].startswith(":white_check_mark: Closed")
    with slack.engine.connect() as conn:
        assert conn.execute(select(cases.c.status)).scalar_one() == "CLOSED"


def test_channel_ids_are_used_as_they_are(slack: Client) -> None:
    slack.alert("Alert", message="disk full @slack-C07OPSALRT")
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "C07OPSALRT"
    assert not slack.fake.calls("conversations.list")


def test_pending_posts_survive_a_server_restart(
    migrated_database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=503, times=10_000)
    with slack_server(migrated_database_url, fake_slack) as first:
        first.alert("Alert", message=NO_CASE_MESSAGE)
        deadline = time.monotonic() + 5
        while not fake_slack.calls("chat.postMessage") and time.monotonic() < deadline:
            time.sleep(0.02)  # Slack is down: the post is tried and stays queued
        assert next(c.status for c in fake_slack.calls("chat.postMessage")) == 503
    fake_slack.clear_faults()
    with slack_server(migrated_database_url, fake_slack):
        (post,) = fake_slack.wait_for("chat.postMessage", timeout=10)
    assert buttons(post) == ["create_case"]
    assert len(fake_slack.posted()) == 1


def test_metrics_show_the_outbox_backlog_while_slack_is_down(
    migrated_database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=503, times=10_000)
    with slack_server(migrated_database_url, fake_slack) as slack:
        slack.alert("Alert", message=NO_CASE_MESSAGE)
        deadline = time.monotonic() + 5
        while not fake_slack.calls("chat.postMessage"):  # tried and refused: kept for later
            assert time.monotonic() < deadline, "the post was never tried"
            time.sleep(0.02)
        samples = {
            s.name: s.value
            for family in text_string_to_metric_families(slack.http.get("/metrics").text)
            for s in family.samples
        }
    assert samples["casebot_slack_outbox_pending"] == 1
    assert samples["casebot_slack_outbox_oldest_pending_seconds"] >= 0
    assert samples["casebot_writer_queue_depth"] == 0


@pytest.mark.parametrize(
    ("name", "workspace", "expected"),
    [
        ("ops-alerts", None, "ops-alerts"),
        ("#Ops-Alerts", None, "ops-alerts"),
        ("C07OPSALRT", None, "C07OPSALRT"),
        ("examplecorp-ops-alerts", "examplecorp", "ops-alerts"),
        ("examplecorp-C07OPSALRT", "examplecorp", "C07OPSALRT"),
        ("other-ops", "examplecorp", "other-ops"),
    ],
)
def test_slack_handles_name_a_channel(name: str, workspace: str | None, expected: str) -> None:
    from bot.slack.channels import channel_ref

    assert channel_ref(name, workspace=workspace) == expected


def test_a_handle_too_long_for_a_slack_channel_is_passed_over(slack: Client) -> None:
    """Slack channel names stop at 80 characters: a longer `@slack-…` names none (one past
    the stored width failed the whole delivery on PostgreSQL), and
    the alert still reaches the channels the text does name."""
    too_long = "c" * 250
    response = slack.alert("Alert", message=f"5xx. @slack-{too_long} @slack-ops-alerts")
    assert response.json()["outcome"] == "processed"
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "C07OPSALRT"
    # The delivery's outbox rows were stored with it: once none is pending, every call
    # it asked for has been made.
    assert slack.outbox_settled() == {"sent": 1}
    assert [c.body["channel"] for c in slack.fake.calls("chat.postMessage")] == ["C07OPSALRT"]

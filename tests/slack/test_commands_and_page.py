"""Point 7 (`/case`), point 10 (the signed case page) and Slack off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from bot.db.cases import cases
from tests import local_http
from tests.api.server import running
from tests.builders import make_project
from tests.fakes.slack_api import FakeSlack
from tests.slack.server import Client, modal_values, slack_server


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(conn, name="Web Platform", key="WEB", handle="web")
        yield client


def test_case_new_opens_the_modal_with_the_title(slack: Client) -> None:
    response = slack.command("new Disk full on web-1")
    assert response.status_code == 200
    (opened,) = slack.fake.wait_for("views.open")
    view = opened.body["view"]
    title = next(b for b in view["blocks"] if b["block_id"] == "case_title")["element"]
    assert title["initial_value"] == "Disk full on web-1"
    slack.submit(view, modal_values(title="Disk full on web-1", project="web"))
    (told,) = slack.fake.wait_for("chat.postEphemeral")
    assert told.body["text"].startswith("Case *WEB-1* created.")
    with slack.engine.connect() as conn:
        assert conn.execute(select(cases.c.creation_source)).scalar_one() == "SLACK"


def test_case_list_answers_with_your_open_cases(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    empty = slack.command("list")
    assert empty.json()["blocks"][0]["text"]["text"] == "You have no open cases."
    slack.click(post, "assign_to_me")
    slack.fake.wait_for("chat.postMessage", 2)
    listing = slack.command("list").json()
    assert listing["response_type"] == "ephemeral"
    assert listing["text"] == "Your open cases: 1"
    assert "|WEB-1>" in listing["blocks"][0]["text"]["text"]


def test_case_preview_shows_the_handles_of_each_transition(slack: Client) -> None:
    slack.command("preview")
    (opened,) = slack.fake.wait_for("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "preview_modal"
    message = "{{#is_alert}}@case-web{{/is_alert}} @slack-ops-alerts"
    values = {"preview_message": {"message_input": {"type": "plain_text_input", "value": message}}}
    answer = slack.submit(view, values).json()
    assert answer["response_action"] == "update"
    rows = [
        b["text"]["text"]
        for b in answer["view"]["blocks"]
        if b["block_id"].startswith("preview_row")
    ]
    alert_rows = [r for r in rows if "@case-web" in r.split("\n")[0]]
    assert alert_rows and all("alert" in r.split("\n")[0].split("*")[1] for r in alert_rows)
    assert any("@case-web" not in r.split("\n")[0] for r in rows)
    broken = {
        "preview_message": {
            "message_input": {"type": "plain_text_input", "value": "{{#is_alert}}x"}
        }
    }
    error = slack.submit(view, broken).json()["view"]["blocks"][1]
    assert error["block_id"] == "preview_error"


def test_unknown_subcommand_shows_usage(slack: Client) -> None:
    assert "Usage: `/case new <title>`" in slack.command("frobnicate").json()["text"]


def _view_link(slack: Client) -> str:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    return str(post.body["blocks"][-1]["elements"][0]["url"])


def _local(slack: Client, link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_the_signed_link_opens_sign_in_with_only_the_case_headline(slack: Client) -> None:
    # Without an account a link shows what the Slack message showed, no more
    # (docs/decisions.md); the whole page is the console's, after sign-in.
    page = slack.http.get(_local(slack, _view_link(slack)), follow_redirects=True)
    assert page.status_code == 200
    assert page.url.path == "/login"
    assert "WEB-1" in page.text and "Orders API 5xx rate" in page.text
    assert "Monitor group" not in page.text
    assert "5xx rate is 7.5%" not in page.text  # the timeline
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda q: {"exp": q["exp"]}, id="missing-signature"),
        pytest.param(lambda q: {**q, "sig": "0" * 64}, id="altered-signature"),
        pytest.param(lambda q: {**q, "exp": str(int(q["exp"]) + 1)}, id="extended-expiry"),
        pytest.param(lambda q: {**q, "exp": str(int(time.time()) - 1)}, id="expired"),
        pytest.param(lambda q: {}, id="no-query"),
    ],
)
def test_a_bad_case_link_shows_nothing_of_the_case(slack: Client, tamper: object) -> None:
    link = urlsplit(_view_link(slack))
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert callable(tamper)
    page = slack.http.get(link.path, params=tamper(query), follow_redirects=True)
    assert page.url.path == "/login"
    assert "Orders" not in page.text and 'class="card"' not in page.text


def test_a_link_for_one_case_does_not_open_another(slack: Client) -> None:
    link = urlsplit(_view_link(slack))
    with slack.engine.begin() as conn:
        make_project(conn, name="Other", key="OTH", handle="oth")
    other = slack.http.get("/cases/OTH-1?" + link.query, follow_redirects=True)
    assert other.url.path == "/login"
    assert 'class="card"' not in other.text


def test_without_slack_settings_the_server_runs_and_says_slack_is_off(
    migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.settings import Settings
    from bot.web.app import create_app

    settings = Settings(database_url=migrated_database_url, webhook_token="t" * 20)
    with caplog.at_level("WARNING"), running(create_app(settings)) as url:
        answer = local_http.post(f"{url}/slack/events", content="{}")
        health = local_http.get(f"{url}/healthz")
    assert health.status_code == 200
    assert answer.status_code == 404
    assert answer.json() == {"error": "Slack is off: SLACK_BOT_TOKEN is not set"}
    assert "Slack is off: SLACK_BOT_TOKEN is not set" in caplog.text


def test_with_an_app_token_slack_connects_in_socket_mode(
    migrated_database_url: str, fake_slack: FakeSlack
) -> None:
    with slack_server(migrated_database_url, fake_slack, app_token="xapp-1-test") as client:
        (opened,) = fake_slack.wait_for("apps.connections.open", timeout=10)
        answer = client.http.post("/slack/events", content="{}")
    assert opened.headers["authorization"] == "Bearer xapp-1-test"
    assert answer.status_code == 404
    assert "Socket Mode is on" in answer.json()["error"]

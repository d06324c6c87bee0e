"""A case made on the console's New Case page is posted to its project's channel,
and the message follows the case like an alert's does."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.builders import make_project
from tests.console.harness import PASSWORD, add_account
from tests.fakes.slack_api import FakeSlack
from tests.slack.server import Client, buttons, slack_server


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    fake_slack.add_channel("C07OPS", "ops-cases")
    add_account(migrated_database_url, "rita@example.com", role="responder")
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(
                conn, name="Operations", key="OPS", handle="ops", slack_channel="ops-cases"
            )
            make_project(conn, name="Quiet", key="QT", handle="qt")
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _carry(http: httpx.Client, response: httpx.Response) -> None:
    """CASEBOT_PUBLIC_URL is https here, so cookies are Secure: carry them over plain HTTP."""
    for header in response.headers.get_list("set-cookie"):
        name, _, value = header.split(";", 1)[0].partition("=")
        if value:
            http.cookies.set(name, value)


def _sign_in(http: httpx.Client) -> None:
    form = http.get("/login")
    _carry(http, form)
    signed = http.post("/login", data={"email": "rita@example.com", "password": PASSWORD,
                                       "csrf_token": _csrf(form.text)})  # fmt: skip
    assert signed.status_code == 303
    _carry(http, signed)


def _create(client: Client, project: str, title: str) -> None:
    http = client.http
    page = http.get("/cases/new")
    fields = {"project": project, "type": "", "title": title, "description": "", "priority": "P2"}
    answer = http.post("/cases/new", data={**fields, "csrf_token": _csrf(page.text)})
    assert answer.status_code == 303, answer.text


def test_new_case_posts_to_the_projects_channel(slack: Client) -> None:
    _sign_in(slack.http)
    _create(slack, "QT", "No channel here")  # a project without a channel posts nothing
    _create(slack, "OPS", "Rotate the certificates")
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "C07OPS"
    assert "Rotate the certificates" in post.body["text"] and "OPS-1" in post.body["text"]
    assert "case_in_progress" in buttons(post)


def test_the_case_page_links_to_its_slack_message(slack: Client) -> None:
    _sign_in(slack.http)
    _create(slack, "OPS", "Rotate the certificates")
    (post,) = slack.fake.wait_for("chat.postMessage")
    link = f"https://slack.com/archives/C07OPS/p{slack.ts_of(post).replace('.', '')}"
    deadline = time.monotonic() + 10
    while link not in (page := slack.http.get("/cases/OPS-1").text):
        assert time.monotonic() < deadline, "the message's ts never reached the case page"
        time.sleep(0.05)
    assert ">The Slack message</a>" in page

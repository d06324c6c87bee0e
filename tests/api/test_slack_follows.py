"""A change made through the API updates the case's Slack message, like a click would.

A monitor alert opens WEB-1 and casebot posts it to Slack (the fake Slack Web
API); then the API changes the case, and the same message is updated.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.server import key_pair
from tests.builders import make_project
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.slack.server import Client, buttons, slack_server


@pytest.fixture
def slack(migrated_database_url: str) -> Iterator[tuple[Client, dict[str, str]]]:
    keys = key_pair(migrated_database_url, "cases_read", "cases_write", name="runbooks")
    fake: FakeSlack
    with running_fake_slack() as fake, slack_server(migrated_database_url, fake) as client:
        with client.engine.begin() as conn:
            make_project(conn, name="Web Platform", key="WEB", handle="web")
        yield client, keys.headers


def test_api_changes_update_the_posted_message(slack: tuple[Client, dict[str, str]]) -> None:
    client, headers = slack
    client.alert("Alert")
    (post,) = client.fake.wait_for("chat.postMessage")
    assert "case_in_progress" in buttons(post)

    body = {"data": {"type": "case", "attributes": {"status": "IN_PROGRESS"}}}
    response = client.http.post("/api/v2/cases/WEB-1/status", json=body, headers=headers)
    assert response.status_code == 200, response.text

    updated = client.fake.wait_for(
        "chat.update", where=lambda call: "case_in_progress" not in buttons(call)
    )
    assert client.ts_of(updated[-1]) == client.ts_of(post)

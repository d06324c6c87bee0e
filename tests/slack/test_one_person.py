"""A Slack user and a console account with the same e-mail address are one person."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db.users import users
from bot.services.accounts import AccountService
from tests.builders import make_project
from tests.fakes.slack_api import FakeSlack
from tests.slack.server import JANE, Client, slack_server


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    fake_slack.add_user(JANE["id"], "Jane Doe", email="Jane@Example.com")
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(conn, name="Web Platform", key="WEB", handle="web")
        yield client


def test_a_slack_user_who_acted_and_then_gets_an_account_stays_one_person(slack: Client) -> None:
    slack.alert("Alert")
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert slack.click(post, "assign_to_me").status_code == 200
    slack.fake.wait_for("chat.postMessage", where=lambda c: "took case" in c.body["text"])
    with slack.engine.connect() as conn:
        jane = conn.execute(select(users).where(users.c.slack_user_id == JANE["id"])).one()
    assert jane.email == "jane@example.com"  # learned from users.info
    with slack.engine.begin() as conn:
        account = AccountService(conn, now=datetime.now(UTC)).add(
            email="jane@example.com", name="Jane Doe", role="responder",
            password="a long enough password",
        )  # fmt: skip
    assert account.user_id == jane.id

"""Point 3: Create Case, from the button through the modal to one linked case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.db.cases import cases
from bot.db.monitor_groups import monitor_cycle_cases
from tests.builders import make_project
from tests.fakes.slack_api import FakeSlack
from tests.slack.server import BOB, NO_CASE_MESSAGE, Client, buttons, modal_values, slack_server


@pytest.fixture
def slack(migrated_database_url: str, fake_slack: FakeSlack) -> Iterator[Client]:
    with slack_server(migrated_database_url, fake_slack) as client:
        with client.engine.begin() as conn:
            make_project(conn, name="Storage", key="STOR", handle="storage")
            make_project(conn, name="Web Platform", key="WEB", handle="web")
            # Mentioned with @case-ops but opens nothing by itself (monitors off).
            make_project(conn, name="Ops", key="OPS", handle="ops", monitor_enabled=False)
        yield client


def _alert_and_open_modal(slack: Client, message: str = NO_CASE_MESSAGE) -> tuple[str, dict]:
    slack.alert("Alert", message=message)
    (post,) = slack.fake.wait_for("chat.postMessage")
    response = slack.click(post, "create_case")
    assert response.status_code == 200 and response.text == ""
    (opened,) = slack.fake.wait_for("views.open")
    return slack.ts_of(post), opened.body["view"]


def _input(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]


def test_the_button_opens_a_prefilled_modal(slack: Client) -> None:
    _, view = _alert_and_open_modal(slack, "5xx rate is {{value}}%. @slack-ops-alerts @case-ops")
    assert view["callback_id"] == "create_case_modal"
    assert _input(view, "case_title")["initial_value"].startswith("Orders API 5xx rate")
    assert "5xx rate is 7.5%" in _input(view, "case_description")["initial_value"]
    # The project mentioned in the alert is preselected (else the first one).
    assert _input(view, "case_project")["initial_option"]["value"] == "ops"
    assert [o["value"] for o in _input(view, "case_project")["options"]] == [
        "ops",
        "storage",
        "web",
    ]
    assert _input(view, "case_type")["initial_option"]["value"] == "STANDARD"
    assert _input(view, "case_priority")["initial_option"]["value"] == "NOT_DEFINED"
    meta = json.loads(view["private_metadata"])
    assert meta["c"] == "C07OPSALRT"


def test_submitting_creates_a_linked_slack_case_and_updates_the_message(slack: Client) -> None:
    ts, view = _alert_and_open_modal(slack)
    values = modal_values(
        title="Orders 5xx",
        description="seen in prod",
        project="storage",
        type="STANDARD",
        priority="P2",
    )
    response = slack.submit(view, values)
    assert response.status_code == 200 and response.text == ""
    reply = slack.fake.wait_for("chat.postMessage", where=lambda c: "created by" in c.body["text"])
    assert reply[0].body["text"] == "Case *STOR-1* created by <@U04JDOE123>"
    assert reply[0].body["thread_ts"] == ts
    update = slack.fake.wait_for("chat.update")[-1]
    assert update.body["ts"] == ts
    assert buttons(update)[0] == "view_case"
    with slack.engine.connect() as conn:
        row = conn.execute(select(cases)).one()
        link = conn.execute(select(monitor_cycle_cases)).one()
    assert (row.key, row.title, row.priority, row.creation_source) == (
        "STOR-1",
        "Orders 5xx",
        "P2",
        "SLACK",
    )
    assert row.description == "seen in prod" and row.created_by is not None
    assert link.case_id == row.id


def test_validation_errors_come_back_in_the_modal(slack: Client) -> None:
    _, view = _alert_and_open_modal(slack)
    response = slack.submit(view, modal_values(title="   ", project="web"))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "case_title" in answer["errors"]
    with slack.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 0


def test_concurrent_submissions_make_one_case_and_tell_the_others(slack: Client) -> None:
    _, view = _alert_and_open_modal(slack)
    values = modal_values(title="Orders 5xx", project="web")
    users = [BOB if n % 2 else None for n in range(8)]

    def submit(user: dict | None) -> int:
        response = slack.submit(view, values, **({"user": user} if user else {}))
        return response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(submit, users))
    assert statuses == [200] * 8
    ephemerals = slack.fake.wait_for("chat.postEphemeral", 7, timeout=10)
    assert all("already has case *WEB-1*" in c.body["text"] for c in ephemerals)
    with slack.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 1
    created = [c for c in slack.fake.calls("chat.postMessage") if "created by" in c.body["text"]]
    assert len(created) == 1


def test_an_at_case_case_of_the_cycle_is_not_doubled(slack: Client) -> None:
    slack.alert("Alert", message="5xx {{#is_alert}}@case-web{{/is_alert}} @slack-ops-alerts")
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert buttons(post)[0] == "view_case"
    # A stale message still showing Create Case (e.g. clicked before the update arrived):
    stale = post.__class__(
        post.method,
        {
            **post.body,
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "create_case",
                            "value": "1:1",
                            "text": {"type": "plain_text", "text": "Create Case"},
                        }
                    ],
                }
            ],
        },
        post.headers,
        post.at,
        post.status,
        post.answer,
    )
    assert slack.click(stale, "create_case").status_code == 200
    (told,) = slack.fake.wait_for("chat.postEphemeral")
    assert told.body["text"] == "This alert already has case *WEB-1*."
    assert told.body["user"] == "U04JDOE123"
    assert not slack.fake.calls("views.open")


def test_without_a_mention_the_first_project_is_preselected(slack: Client) -> None:
    _, view = _alert_and_open_modal(slack)
    assert _input(view, "case_project")["initial_option"]["value"] == "ops"

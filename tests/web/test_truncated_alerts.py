"""A notification the sender cut short (`truncatedAlerts`) says so in the inbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.engine.builders import add_project, case_rows, inbox_rows
from tests.sources.builders import am_alert, am_message, grafana_message
from tests.web.server import casebot_server, post_json


@pytest.fixture
def base_url(engine: Engine, migrated_database_url: str) -> Iterator[str]:
    add_project(engine, handle="storage", key="STORAGE")
    with casebot_server(migrated_database_url) as url:
        yield url


@pytest.mark.parametrize("source", ["alertmanager", "grafana"])
def test_left_out_alerts_are_named_in_the_inbox_and_the_rest_is_applied(
    base_url: str, engine: Engine, source: str
) -> None:
    body = am_message(am_alert()) if source == "alertmanager" else grafana_message()
    body["truncatedAlerts"] = 7
    response = post_json(base_url, source, body)
    assert response.status_code == 202, response.text
    assert response.json()["outcome"] == "processed"
    (row,) = inbox_rows(engine)
    assert row.reason == (
        "the sender left out 7 alerts (truncatedAlerts; set max_alerts to 0): "
        "their changes did not reach casebot"
    )
    assert [c.key for c in case_rows(engine)] == ["STORAGE-1"]


def test_a_whole_notification_says_nothing_more(base_url: str, engine: Engine) -> None:
    response = post_json(base_url, "alertmanager", am_message(am_alert()))
    assert response.status_code == 202, response.text
    (row,) = inbox_rows(engine)
    assert row.reason is None


def test_a_truncated_count_that_is_not_a_count_is_refused(base_url: str, engine: Engine) -> None:
    body = am_message(am_alert())
    body["truncatedAlerts"] = "seven"
    response = post_json(base_url, "alertmanager", body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "truncatedAlerts", "message": "expected a count, got a string"}
    ]
    (row,) = inbox_rows(engine)
    assert row.outcome == "rejected"

"""A monitor id or alert-cycle key longer than casebot stores is refused up front.

Before, such a delivery was accepted and then failed in the database (PostgreSQL
refuses a value wider than its column), to fail again at every `inbox retry`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.core.events import MONITOR_ID_MAX
from tests.engine.builders import add_project, inbox_rows
from tests.sources.builders import am_alert, am_message, datadog_rich, grafana_message
from tests.web.server import casebot_server, post_json

LONG = "m" * (MONITOR_ID_MAX + 1)
LONGEST = "m" * MONITOR_ID_MAX


def _alertmanager(name: str) -> dict[str, Any]:
    return am_message(am_alert(labels={"alertname": name, "instance": "web-1"}))


def _generic(monitor_id: str, cycle_key: str = "c-1") -> dict[str, Any]:
    return {
        "monitor": {"id": monitor_id, "message": "x"},
        "state": "Alert",
        "timestamp": "2026-11-20T09:00:00Z",
        "cycle_key": cycle_key,
    }


CASES = {
    "alertmanager-alertname": ("alertmanager", _alertmanager, "alerts[0].labels.alertname"),
    "grafana-rule-uid": ("grafana", lambda v: grafana_message(ruleUID=v), "alerts[0].ruleUID"),
    "datadog-alert-id": ("datadog", lambda v: datadog_rich(alert_id=v), "alert_id"),
    "datadog-cycle-key": ("datadog", lambda v: datadog_rich(alert_cycle_key=v), "alert_cycle_key"),
    "generic-monitor-id": ("generic", _generic, "monitor.id"),
    "generic-cycle-key": ("generic", lambda v: _generic("disk", v), "cycle_key"),
}


@pytest.fixture
def base_url(engine: Engine, migrated_database_url: str) -> Iterator[str]:
    add_project(engine, handle="storage", key="STORAGE")
    with casebot_server(migrated_database_url) as url:
        yield url


@pytest.mark.parametrize("source, build, field", CASES.values(), ids=CASES.keys())
def test_one_character_too_many_is_a_422_naming_the_field(
    base_url: str, engine: Engine, source: str, build: Any, field: str
) -> None:
    response = post_json(base_url, source, build(LONG))
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert str(MONITOR_ID_MAX) in error["message"]
    (row,) = inbox_rows(engine)
    assert row.outcome == "rejected"


@pytest.mark.parametrize("source, build, field", CASES.values(), ids=CASES.keys())
def test_the_longest_kept_is_processed(
    base_url: str, engine: Engine, source: str, build: Any, field: str
) -> None:
    response = post_json(base_url, source, build(LONGEST))
    assert response.status_code == 202, response.text
    (row,) = inbox_rows(engine)
    assert (row.outcome, row.reason) == ("processed", None)


def test_a_monitor_name_longer_than_an_actor_name_still_opens_its_case(
    base_url: str, engine: Engine
) -> None:
    """The case's timeline names its monitor actor by the first 200 characters."""
    from sqlalchemy import select

    from bot.db.cases import case_timeline

    name = "Checkout latency " + "very " * 80 + "high"
    body = _generic("disk")
    body["monitor"] = {"id": "disk", "name": name, "message": "slow @case-storage"}
    response = post_json(base_url, "generic", body)
    assert response.status_code == 202, response.text
    assert response.json()["outcome"] == "processed"
    with engine.connect() as conn:
        names = set(conn.execute(select(case_timeline.c.actor_name)).scalars())
    assert names == {name[:200]}

"""A case moved to another project keeps its place in the monitor group's alert cycle.

Driven over HTTP: webhooks open and follow the case, the case API moves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from bot.settings import Settings
from bot.web.app import create_app
from tests import local_http
from tests.api.server import key_pair
from tests.engine.builders import add_project, case_rows, generic_body
from tests.web.server import running

TOKEN = "test-webhook-token-0123456789"


@dataclass
class Server:
    url: str
    api_headers: dict[str, str]

    def deliver(self, state: str, at: str, message: str) -> None:
        response = local_http.post(
            f"{self.url}/webhooks/generic",
            content=generic_body(state, at=at, message=message),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 202, response.text
        assert response.json()["outcome"] == "processed", response.json()

    def move(self, case_key: str, project_key: str) -> str:
        response = local_http.patch(
            f"{self.url}/api/v2/cases/{case_key}/relationships/project",
            json={"data": {"id": project_key, "type": "project"}},
            headers=self.api_headers,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["data"]["attributes"]["key"])


@pytest.fixture
def server(engine: Engine, migrated_database_url: str) -> Iterator[Server]:
    add_project(engine, handle="ops", key="OPS", auto_close=False)
    add_project(engine, handle="web", key="WEB", auto_close=True)
    keys = key_pair(migrated_database_url, "cases_read", "cases_write")
    settings = Settings(database_url=migrated_database_url, webhook_token=TOKEN)
    with running(create_app(settings)) as url:
        yield Server(url, keys.headers)


def test_a_moved_case_counts_for_its_new_project_and_closes_by_its_setting(
    server: Server, engine: Engine
) -> None:
    server.deliver("Warn", "2026-11-20T09:00:00Z", "Disk filling up @case-ops")
    assert [c.key for c in case_rows(engine)] == ["OPS-1"]
    assert server.move("OPS-1", "WEB") == "WEB-1"

    # Warn -> Alert would open a case in a project the cycle has none in: it has WEB-1.
    server.deliver("Alert", "2026-11-20T09:05:00Z", "Disk full @case-web")
    assert [(c.key, c.status) for c in case_rows(engine)] == [("WEB-1", "OPEN")]

    # The recovery closes it by WEB's auto-close (on), not OPS's (off).
    server.deliver("OK", "2026-11-20T09:10:00Z", "Disk full @case-web")
    assert [(c.key, c.status) for c in case_rows(engine)] == [("WEB-1", "CLOSED")]


def test_a_move_into_a_project_the_cycle_already_has_a_case_in_keeps_both(
    server: Server, engine: Engine
) -> None:
    server.deliver("Warn", "2026-11-20T09:00:00Z", "Disk filling up @case-ops @case-web")
    assert [c.key for c in case_rows(engine)] == ["OPS-1", "WEB-1"]
    assert server.move("OPS-1", "WEB") == "WEB-2"

    server.deliver("Alert", "2026-11-20T09:05:00Z", "Disk full @case-ops @case-web")
    assert [c.key for c in case_rows(engine)] == ["WEB-1", "WEB-2"]
    server.deliver("OK", "2026-11-20T09:10:00Z", "Disk full")
    # WEB-1 holds WEB's claim and closes; the moved case kept OPS's claim (auto-close off).
    assert [(c.key, c.status) for c in case_rows(engine)] == [
        ("WEB-1", "CLOSED"),
        ("WEB-2", "OPEN"),
    ]

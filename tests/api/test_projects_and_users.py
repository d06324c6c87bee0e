"""Projects map `settings.integration_monitor` onto the project; users list assignees."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.core.cases import Actor, ActorSource
from bot.db.engine import make_engine
from bot.services.cases import CaseService
from bot.services.projects import ProjectService
from tests import local_http
from tests.api.server import NEW_CASE_BODY, Keys, casebot_app, key_pair, running
from tests.builders import NOW, make_user


@dataclass
class Api:
    http: httpx.Client
    database_url: str
    keys: Keys


@pytest.fixture
def api(migrated_database_url: str) -> Iterator[Api]:
    keys = key_pair(migrated_database_url, "cases_read", "cases_write", name="scripts")
    with (
        running(casebot_app(migrated_database_url)) as base_url,
        local_http.Client(base_url=base_url, headers=keys.headers) as http,
    ):
        yield Api(http, migrated_database_url, keys)


def _create(api: Api, name: str, key: str) -> Any:
    body = {"data": {"type": "project", "attributes": {"name": name, "key": key}}}
    response = api.http.post("/api/v2/cases/projects", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _settings(**monitor: Any) -> Any:
    return {
        "data": {
            "type": "project",
            "attributes": {"settings": {"integration_monitor": monitor}},
        }
    }


def test_monitor_settings_change_the_project(api: Api) -> None:
    created = _create(api, "Storage Team", "STO")
    assert created["attributes"]["settings"]["integration_monitor"] == {
        "enabled": True,
        "handle": "storage-team",
        "auto_resolve_enabled": True,
        "case_type_id": "00000000-0000-0000-0000-000000000001",
    }

    body = _settings(enabled=False, handle="storage", auto_resolve_enabled=False)
    response = api.http.patch(f"/api/v2/cases/projects/{created['id']}", json=body)
    assert response.status_code == 200, response.text
    monitor = response.json()["data"]["attributes"]["settings"]["integration_monitor"]
    assert (monitor["enabled"], monitor["handle"], monitor["auto_resolve_enabled"]) == (
        False,
        "storage",
        False,
    )

    engine = make_engine(api.database_url)
    try:
        with engine.connect() as conn:
            project = ProjectService(conn, now=NOW).get("STO")
    finally:
        engine.dispose()
    assert (project.monitor_enabled, project.handle, project.auto_close) == (
        False,
        "storage",
        False,
    )

    # Members left out stay as they are.
    partial = api.http.patch("/api/v2/cases/projects/STO", json=_settings(enabled=True))
    monitor = partial.json()["data"]["attributes"]["settings"]["integration_monitor"]
    assert (monitor["enabled"], monitor["handle"], monitor["auto_resolve_enabled"]) == (
        True,
        "storage",
        False,
    )


def test_taken_keys_and_handles_are_409(api: Api) -> None:
    _create(api, "Ops", "OPS")
    _create(api, "Ops", "OPS2")  # same name: the handle falls back to the key
    listed = api.http.get("/api/v2/cases/projects").json()["data"]
    handles = [p["attributes"]["settings"]["integration_monitor"]["handle"] for p in listed]
    assert handles == ["ops", "ops2"]

    again = api.http.post(
        "/api/v2/cases/projects",
        json={"data": {"type": "project", "attributes": {"name": "Other", "key": "OPS"}}},
    )
    assert again.status_code == 409
    assert again.json() == {"errors": ["data.attributes.key: project key OPS is already used"]}

    clash = api.http.patch("/api/v2/cases/projects/OPS2", json=_settings(handle="ops"))
    assert clash.status_code == 409
    assert "@case-ops already belongs to project OPS" in clash.json()["errors"][0]


def test_deleting_a_project_deletes_its_cases(api: Api) -> None:
    _create(api, "Ops", "OPS")
    assert api.http.post("/api/v2/cases", json=NEW_CASE_BODY).status_code == 201
    deleted = api.http.delete("/api/v2/cases/projects/OPS")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert api.http.get("/api/v2/cases/OPS-1").status_code == 404
    assert api.http.get("/api/v2/cases/projects/OPS").status_code == 404


def test_users_lists_slack_users_and_key_pairs_with_pages_from_zero(api: Api) -> None:
    engine = make_engine(api.database_url)
    try:
        with engine.begin() as conn:
            alice = make_user(conn, name="Alice Martin", email="alice@example.com")
            make_user(conn, name="Bob Stone")
    finally:
        engine.dispose()

    everyone = api.http.get("/api/v2/users").json()
    names = [user["attributes"]["name"] for user in everyone["data"]]
    assert names == ["Alice Martin", "Bob Stone", "scripts (API key)"]
    assert everyone["meta"]["page"] == {"total_count": 3, "total_filtered_count": 3}
    by_name = {user["attributes"]["name"]: user for user in everyone["data"]}
    assert by_name["scripts (API key)"]["attributes"]["service_account"] is True
    assert by_name["scripts (API key)"]["id"] == api.keys.user_id
    assert by_name["Alice Martin"]["attributes"]["email"] == "alice@example.com"
    assert by_name["Alice Martin"]["type"] == "users"

    second = api.http.get("/api/v2/users", params={"page[size]": "2", "page[number]": "1"})
    assert [u["attributes"]["name"] for u in second.json()["data"]] == ["scripts (API key)"]

    found = api.http.get("/api/v2/users", params={"filter": "ALICE@"}).json()
    assert [u["id"] for u in found["data"]] == [str(alice.id)]
    assert found["meta"]["page"] == {"total_count": 3, "total_filtered_count": 1}

    _create(api, "Ops", "OPS")
    assert api.http.post("/api/v2/cases", json=NEW_CASE_BODY).status_code == 201
    assigned = api.http.post(
        "/api/v2/cases/OPS-1/assign",
        json={"data": {"type": "case", "attributes": {"assignee_id": str(alice.id)}}},
    )
    assert assigned.status_code == 200
    assert assigned.json()["data"]["relationships"]["assignee"]["data"] == {
        "id": str(alice.id),
        "type": "user",
    }
    timeline = api.http.get("/api/v2/cases/OPS-1/timelines").json()["data"]
    assert timeline[-1]["attributes"]["cell_content"]["message"] == "Assigned to Alice Martin"
    assert timeline[-1]["attributes"]["author"]["content"]["name"] == "scripts (API key)"

    for query in (f"assignee:{alice.id}", "assignee:alice@example.com", 'assignee:"alice martin"'):
        found = api.http.get("/api/v2/cases", params={"filter": query}).json()["data"]
        assert [case["attributes"]["key"] for case in found] == ["OPS-1"], query
    nobody = api.http.get("/api/v2/cases", params={"filter": "assignee:bob"}).json()["data"]
    assert nobody == []

    engine = make_engine(api.database_url)
    try:
        with engine.begin() as conn:
            CaseService(conn, now=NOW).comment(
                "OPS-1", "on it", actor=Actor(ActorSource.SLACK, alice.id, alice.name)
            )
    finally:
        engine.dispose()
    relationships = api.http.get("/api/v2/cases/OPS-1").json()["data"]["relationships"]
    assert relationships["modified_by"]["data"] == {"id": str(alice.id), "type": "user"}
    assert relationships["created_by"]["data"]["id"] == api.keys.user_id
    [listed] = api.http.get("/api/v2/cases", params={"filter": "key:OPS-1"}).json()["data"]
    assert listed["relationships"]["modified_by"]["data"]["id"] == str(alice.id)

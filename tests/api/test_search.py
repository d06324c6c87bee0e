"""`GET /api/v2/cases`: the query language, archived cases, sorting and `meta.page`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import local_http
from tests.api.server import STANDARD_TYPE_ID, casebot_app, key_pair, running

# (title, project, priority, status name, attributes) in creation order: OPS-1 ... OPS-5, SEC-1.
CASES: list[tuple[str, str, str, str, dict[str, list[str]]]] = [
    ("Disk full on web-1", "OPS", "P1", "Open", {"service": ["web-store"], "team": ["sre"]}),
    ("Disk full on db-1", "OPS", "P2", "Open", {"service": ["db"], "team": ["storage"]}),
    ("Latency high", "OPS", "P2", "In Progress", {"service": ["web-api"], "team": ["sre"]}),
    ("Disk full on web-2", "OPS", "P4", "Closed", {"service": ["web-store"], "team": ["x"]}),
    ("Certificate expires", "OPS", "NOT_DEFINED", "Open", {}),
    ("Disk full on bastion", "SEC", "P1", "Open", {"team": ["security"]}),
]


def _new_case(title: str, project: str, priority: str, status: str, attributes: Any) -> Any:
    return {
        "data": {
            "type": "case",
            "attributes": {
                "title": title,
                "type_id": STANDARD_TYPE_ID,
                "priority": priority,
                "status_name": status,
                "attributes": attributes,
            },
            "relationships": {"project": {"data": {"id": project, "type": "project"}}},
        }
    }


def _serve(database_url: str) -> Iterator[httpx.Client]:
    keys = key_pair(database_url, "cases_read", "cases_write")
    with (
        running(casebot_app(database_url)) as base_url,
        local_http.Client(base_url=base_url, headers=keys.headers) as http,
    ):
        for name, key in (("Operations", "OPS"), ("Security", "SEC")):
            body = {"data": {"type": "project", "attributes": {"name": name, "key": key}}}
            assert http.post("/api/v2/cases/projects", json=body).status_code == 201
        for row in CASES:
            response = http.post("/api/v2/cases", json=_new_case(*row))
            assert response.status_code == 201, response.text
        yield http


@pytest.fixture
def client(migrated_database_url: str) -> Iterator[httpx.Client]:
    """The cases above on a server of the test's own: for tests that change them."""
    yield from _serve(migrated_database_url)


@pytest.fixture(scope="module")
def searched(shared_database_url: str) -> Iterator[httpx.Client]:
    """The cases above on one server for the module's tests that only search them."""
    yield from _serve(shared_database_url)


def _keys(client: httpx.Client, **params: str) -> list[str]:
    response = client.get("/api/v2/cases", params={"page[size]": "100", **params})
    assert response.status_code == 200, response.text
    return [case["attributes"]["key"] for case in response.json()["data"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status:open", {"OPS-1", "OPS-2", "OPS-5", "SEC-1"}),
        ('status:"in progress"', {"OPS-3"}),
        ("status:in_progress", {"OPS-3"}),
        ("priority:(P1 OR P2)", {"OPS-1", "OPS-2", "OPS-3", "SEC-1"}),
        ("project:OPS priority:p2", {"OPS-2", "OPS-3"}),
        ("project:security", {"SEC-1"}),
        ('"disk full"', {"OPS-1", "OPS-2", "OPS-4", "SEC-1"}),
        ("-team:sre project:OPS", {"OPS-2", "OPS-4", "OPS-5"}),
        ("service:web*", {"OPS-1", "OPS-3", "OPS-4"}),
        ("key:OPS-4", {"OPS-4"}),
        ('status:open priority:(P1 OR P2) project:OPS "disk full" -team:x', {"OPS-1", "OPS-2"}),
        ("team:*", {"OPS-1", "OPS-2", "OPS-3", "OPS-4", "SEC-1"}),
        ("", {"OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5", "SEC-1"}),
    ],
    ids=[
        "status",
        "status-name",
        "status-value",
        "or-group",
        "project-and-priority",
        "project-handle",
        "phrase",
        "negation",
        "wildcard",
        "key",
        "issue-example",
        "field-present",
        "empty",
    ],
)
def test_filter_uses_the_query_language(
    searched: httpx.Client, query: str, expected: set[str]
) -> None:
    assert set(_keys(searched, filter=query)) == expected


def test_archived_cases_leave_search_unless_asked_for(client: httpx.Client) -> None:
    archived = client.post("/api/v2/cases/OPS-2/archive", json={"data": {"type": "case"}})
    assert archived.status_code == 200
    assert "OPS-2" not in _keys(client)
    assert "OPS-2" not in _keys(client, filter="priority:P2")
    assert _keys(client, filter="archived:true") == ["OPS-2"]
    assert "OPS-2" in _keys(client, filter="archived:*")
    assert "OPS-2" not in _keys(client, filter="archived:false")


@pytest.mark.parametrize(
    ("field", "ascending", "expected"),
    [
        ("created_at", "false", ["SEC-1", "OPS-5", "OPS-4", "OPS-3", "OPS-2", "OPS-1"]),
        ("created_at", "true", ["OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5", "SEC-1"]),
        ("priority", "true", ["OPS-1", "SEC-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5"]),
        ("status", "true", ["OPS-1", "OPS-2", "OPS-5", "SEC-1", "OPS-3", "OPS-4"]),
        ("status", "false", ["OPS-4", "OPS-3", "SEC-1", "OPS-5", "OPS-2", "OPS-1"]),
    ],
    ids=["newest-first", "oldest-first", "priority", "status", "status-descending"],
)
def test_sorting(searched: httpx.Client, field: str, ascending: str, expected: list[str]) -> None:
    assert _keys(searched, **{"sort[field]": field, "sort[asc]": ascending}) == expected


def test_meta_page_counts_pages_from_one(searched: httpx.Client) -> None:
    def page(number: int) -> Any:
        params = {"page[size]": "4", "page[number]": str(number), "sort[asc]": "true"}
        response = searched.get("/api/v2/cases", params=params)
        assert response.status_code == 200
        return response.json()

    first, second, beyond = page(1), page(2), page(3)
    assert [c["attributes"]["key"] for c in first["data"]] == ["OPS-1", "OPS-2", "OPS-3", "OPS-4"]
    assert first["meta"]["page"] == {"current": 1, "size": 4, "total": 2}
    assert [c["attributes"]["key"] for c in second["data"]] == ["OPS-5", "SEC-1"]
    assert second["meta"]["page"] == {"current": 2, "size": 2, "total": 2}
    assert beyond["data"] == [] and beyond["meta"]["page"] == {"current": 3, "size": 0, "total": 2}
    default = searched.get("/api/v2/cases").json()
    assert default["meta"]["page"] == {"current": 1, "size": 6, "total": 1}


def test_older_clients_type_standard_is_accepted(client: httpx.Client) -> None:
    body = {
        "data": {
            "type": "case",
            "attributes": {"title": "From an old script", "type": "STANDARD", "priority": "P3"},
            "relationships": {"project": {"data": {"id": "OPS", "type": "project"}}},
        }
    }
    response = client.post("/api/v2/cases", json=body)
    assert response.status_code == 201, response.text
    attributes = response.json()["data"]["attributes"]
    assert (attributes["type"], attributes["type_id"]) == ("STANDARD", STANDARD_TYPE_ID)
    assert (attributes["key"], attributes["status"], attributes["priority"]) == (
        "OPS-6",
        "OPEN",
        "P3",
    )


@pytest.mark.parametrize("query", ["", "status:open", "priority:p2 project:ops", "project:SEC"])
@pytest.mark.parametrize("field", ["created_at", "priority", "status"])
@pytest.mark.parametrize("ascending", ["true", "false"])
def test_the_database_pages_as_the_query_does(
    searched: httpx.Client, query: str, field: str, ascending: str
) -> None:
    """A filter the database decides alone is sorted and paged in SQL; adding a term only
    the compiled query can decide (`-key:none` matches every case) must change nothing."""

    def pages(text: str) -> list[Any]:
        params = {"filter": text, "sort[field]": field, "sort[asc]": ascending}
        found = []
        for number in (1, 2, 3):
            response = searched.get(
                "/api/v2/cases", params={**params, "page[size]": "2", "page[number]": str(number)}
            )
            assert response.status_code == 200
            document = response.json()
            found.append(([c["attributes"]["key"] for c in document["data"]], document["meta"]))
        return found

    assert pages(query) == pages(f"{query} -key:none".strip())

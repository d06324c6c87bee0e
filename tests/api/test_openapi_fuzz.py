"""Schemathesis fuzzes every operation of `/openapi.json` against a real server.

Positive and negative cases, a bounded number per operation, with a key pair
holding the case and error-tracking scopes, on SQLite and (when
$CASEBOT_TEST_POSTGRES_URL is set) on PostgreSQL. Every response must be a
non-5xx with a declared status, content type and body shape; schema-invalid
requests must be refused (4xx); and a request without keys must be refused
(Schemathesis' `ignored_auth`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.db.migrate import upgrade
from bot.web import error_tracking
from bot.web.api.routing import ApiRoute
from tests import local_http
from tests.api.server import NEW_CASE_BODY, Keys, casebot_app, key_pair, running
from tests.databases import postgres_database, postgres_server_url

# One operation's fuzzing does not depend on another's: they may run on several workers
# at once (each worker starts its own server for the module).
SPREAD_OVER_WORKERS = True

# Examples per operation: enough to reach every member of every body (the
# run also sends the schema's examples and its boundary cases), kept bounded.
MAX_EXAMPLES = 15


ET = error_tracking.PREFIX
SCOPES = (
    "cases_read",
    "cases_write",
    "error_tracking_read",
    "error_tracking_write",
    "monitors_read",
    "monitors_downtime",
)
DOWNTIMES = "/api/v2/downtime"
RULES = "/api/v2/cases/projects/{project_id}/notification_rules"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class Served:
    base_url: str
    keys: Keys


# Ids that exist on the running server, by path parameter (`user` for assignees,
# `project` for relationships), for the `map_case` hook below: a random UUID never
# names an issue or a rule.
KNOWN: dict[str, list[str]] = {}


def _event(service: str, error_type: str) -> dict[str, object]:
    attributes = {"service": service, "error": {"type": error_type, "message": "boom"}}
    return {"data": {"type": "error_event", "attributes": attributes}}


def _seed_error_tracking(client: httpx.Client, keys: Keys) -> dict[str, list[str]]:
    """Issues (two routed to OPS by a rule, one no rule matches) and a second rule.

    Returns the ids to swap generated ones for (see `map_case`)."""
    rules = []
    for query in ("service:web-store", "service:billing env:prod"):
        body = {
            "data": {
                "type": "error_tracking_rule",
                "attributes": {"query": query},
                "relationships": {"project": {"data": {"id": "OPS", "type": "project"}}},
            }
        }
        answer = client.post(f"{ET}/rules", json=body)
        assert answer.status_code == 201, answer.text
        rules.append(answer.json()["data"]["id"])
    issues = []
    for service, error_type in (
        ("web-store", "TypeError"),
        ("web-store", "KeyError"),
        ("api", "E"),
    ):
        answer = client.post(f"{ET}/events", json=_event(service, error_type))
        assert answer.status_code == 201, answer.text
        issues.append(answer.json()["data"]["id"])
    cases = ["OPS-1", "OPS-2", "OPS-3"]
    return {
        "issue_id": issues,
        "rule_id": rules,
        "case_id": cases,
        "user": [keys.user_id],
        "project": ["OPS"],
    }


@contextmanager
def _database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        directory: Path = tmp_path_factory.mktemp("fuzz")
        yield f"sqlite:///{directory / 'casebot.db'}"
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("CASEBOT_TEST_POSTGRES_URL is not set")
    with postgres_database(server) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with _database(request.param, tmp_path_factory) as url:
        yield from _serve(url)


def _serve(url: str) -> Iterator[Served]:
    upgrade(url)
    keys = key_pair(url, *SCOPES, name="fuzz")
    with running(casebot_app(url)) as base_url:
        # Something for generated ids and keys to find: project OPS, cases OPS-1..3.
        with local_http.Client(base_url=base_url, headers=keys.headers) as client:
            project = client.post(
                "/api/v2/cases/projects",
                json={"data": {"type": "project", "attributes": {"name": "Ops", "key": "OPS"}}},
            )
            assert project.status_code == 201, project.text
            for _ in range(3):
                assert client.post("/api/v2/cases", json=NEW_CASE_BODY).status_code == 201
            known = _seed_error_tracking(client, keys)
        KNOWN.update(known)
        yield Served(base_url, keys)
        KNOWN.clear()


# What the app serves at /openapi.json (FastAPI's route answers `app.openapi()`; making
# it needs no database), read before any server runs; requests go to the server above.
schema = schemathesis.openapi.from_dict(casebot_app("sqlite:///:memory:").openapi()).include(
    path_regex="^/api/v2/"
)


@schema.hook
def map_case(_context: Any, case: Any) -> Any:
    """In error-tracking requests, swap most generated ids for ones that exist: issue,
    rule and case ids in paths, assignee ids, and project ids in relationships.

    Only values the schema allows are swapped (a UUID for a UUID, a project id for a
    non-blank string), so a negative case stays negative; which known id (or none)
    depends on the generated value, so runs repeat.
    """
    if not case.operation.path.startswith(f"{ET}/"):
        return case
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, str) and UUID.fullmatch(value):
            case.path_parameters[name] = _known(name, value)
    data = case.body.get("data") if isinstance(case.body, dict) else None
    if not isinstance(data, dict):
        return case
    user_id = data.get("id")
    if case.operation.path.endswith("/assignee") and isinstance(user_id, str):
        data["id"] = _known("user", user_id) if UUID.fullmatch(user_id) else user_id
    relationships = data.get("relationships")
    project = relationships.get("project") if isinstance(relationships, dict) else None
    target = project.get("data") if isinstance(project, dict) else None
    if (
        isinstance(target, dict)
        and isinstance(target.get("id"), str)
        and target["id"].strip()
        and "\x00" not in target["id"]
    ):
        target["id"] = _known("project", target["id"])
    return case


def _known(name: str, value: str) -> str:
    if not KNOWN.get(name):
        return value
    choice = sum(value.encode()) % (len(KNOWN[name]) + 1)
    return KNOWN[name][choice - 1] if choice else value


def _mounted_error_tracking_operations(base_url: str) -> set[tuple[str, str]]:
    """(METHOD, path) of every route the app serves under /api/v2/error-tracking.

    The paths are the mounted routes'; the methods, what the server's 405 to an
    OPTIONS request (which no route takes) lists in `Allow`.
    """
    app = casebot_app("sqlite:///:memory:")
    mounted = {path for path in _all_paths(app) if path.startswith(f"{ET}/")}
    assert mounted, "the error-tracking API is mounted"
    found = set()
    for path in mounted:
        concrete = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
        response = httpx.options(base_url + concrete)
        assert response.status_code == 405, (path, response.text)
        found |= {(method.strip(), path) for method in response.headers["allow"].split(",")}
    return found


def _all_paths(app: Any) -> set[str]:
    return {route.path for route in app.router.routes if isinstance(route, ApiRoute)}


def _mounted_case_api_operations() -> set[tuple[str, str]]:
    """(METHOD, path) of every route of the case API (under /api/v2, not error tracking,
    not downtimes)."""
    app = casebot_app("sqlite:///:memory:")
    return {
        (method, route.path)
        for route in app.router.routes
        if isinstance(route, ApiRoute)
        and not route.path.startswith(f"{ET}/")
        and not route.path.startswith(DOWNTIMES)
        for method in route.methods
    }


def test_the_document_covers_every_route(served: Served) -> None:
    published = local_http.get(f"{served.base_url}/openapi.json").json()
    ours = {
        path: item
        for path, item in published["paths"].items()
        if path.startswith("/api/v2/")
        and not path.startswith(f"{ET}/")
        and not path.startswith(DOWNTIMES)
    }
    mounted = {path for _method, path in _mounted_case_api_operations()}
    assert mounted == set(ours)
    documented = {(method.upper(), path) for path, item in ours.items() for method in item}
    assert documented == _mounted_case_api_operations()
    for item in ours.values():
        for operation in item.values():
            scope = operation["x-permission"]
            assert scope.startswith("cases_") and f"`{scope}`" in operation["description"]
            assert operation["security"] == [{"apiKeyAuth": [], "appKeyAuth": []}]
            assert {"400", "401", "403"} <= set(operation["responses"])


def test_the_document_covers_every_error_tracking_route(served: Served) -> None:
    published = local_http.get(f"{served.base_url}/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, item in published["paths"].items()
        if path.startswith(f"{ET}/")
        for method in item
        if method != "parameters"
    }
    assert documented == _mounted_error_tracking_operations(served.base_url)
    for method, path in documented:
        operation = published["paths"][path][method.lower()]
        scope = operation["x-permission"]
        assert scope.startswith("error_tracking_"), (method, path)
        assert f"`{scope}`" in operation["description"]
        assert operation["security"] == [{"apiKeyAuth": [], "appKeyAuth": []}]
        assert {"401", "403"} <= set(operation["responses"]), (method, path)


def test_the_document_covers_every_downtime_route(served: Served) -> None:
    published = local_http.get(f"{served.base_url}/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, item in published["paths"].items()
        if path.startswith(DOWNTIMES)
        for method in item
    }
    assert documented == {
        ("GET", DOWNTIMES),
        ("POST", DOWNTIMES),
        ("GET", f"{DOWNTIMES}/{{downtime_id}}"),
        ("PATCH", f"{DOWNTIMES}/{{downtime_id}}"),
        ("DELETE", f"{DOWNTIMES}/{{downtime_id}}"),
    }
    for method, path in documented:
        operation = published["paths"][path][method.lower()]
        scope = operation["x-permission"]
        expected = "monitors_read" if method == "GET" else "monitors_downtime"
        assert scope == expected and f"`{scope}`" in operation["description"], (method, path)
        assert operation["security"] == [{"apiKeyAuth": [], "appKeyAuth": []}]
        assert {"400", "401", "403"} <= set(operation["responses"]), (method, path)


def test_the_document_is_generated_from_the_routes_and_their_models() -> None:
    published = casebot_app("sqlite:///:memory:").openapi()
    assert {f"{ET}/events", "/api/v2/cases"} <= set(published["paths"])
    schemas = published["components"]["schemas"]
    assert {"ErrorTrackingIssue", "CaseCreateRequest", "CaseResponse"} <= set(schemas)
    assert set(published["components"]["securitySchemes"]) == {"apiKeyAuth", "appKeyAuth"}
    # FastAPI's 422 is never answered: refusals are 400s in the API's error shape.
    statuses = {
        status
        for item in published["paths"].values()
        for operation in item.values()
        for status in operation["responses"]
    }
    assert "422" not in statuses and "HTTPValidationError" not in schemas


# The operations that take a query in the rule and search language.
QUERIED = {
    ("GET", "/api/v2/cases"),
    ("POST", f"{ET}/issues/search"),
    ("POST", f"{ET}/rules"),
    ("PUT", f"{ET}/rules/{{rule_id}}"),
    # A downtime's scope is in that language too, and its RRULE, duration and time zone
    # are strings whose grammar the schema does not spell out.
    ("POST", DOWNTIMES),
    ("PATCH", f"{DOWNTIMES}/{{downtime_id}}"),
    # A notification rule's query too; and its recipients name destinations that must
    # exist (HTTP, MS_TEAMS_CHANNEL, PAGERDUTY_SERVICE): stored state, not schema.
    ("POST", RULES),
    ("PUT", f"{RULES}/{{notification_rule_id}}"),
}


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_no_schema_violations(case: Any, served: Served) -> None:
    excluded = []
    if (case.operation.method.upper(), case.operation.path) in QUERIED:
        # A schema-valid query is any string; one the query grammar cannot read is a 400
        # naming the column (tested in test_refusals.py and tests/errortracking), which
        # this check forbids.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(
        base_url=served.base_url, headers=served.keys.headers, excluded_checks=excluded
    )

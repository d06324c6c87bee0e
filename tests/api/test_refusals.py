"""Every endpoint refuses with 401, 403 and 400, and says why in `{"errors": [...]}`.

One table lists each endpoint with a valid request and a bad one; the tests
run each row without keys, with unknown, mismatched and revoked keys (401),
with a key pair lacking the endpoint's scope (403), and with the bad request
(400, and the message must name what is wrong).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from bot.cli import main
from bot.db.migrate import upgrade
from tests import local_http
from tests.api.server import STANDARD_TYPE_ID, Keys, casebot_app, key_pair, running


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    scope: str
    body: Any = None
    bad_path: str | None = None
    bad_body: Any = None
    message: str = ""


def _case_body(attributes: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"type": "case", "attributes": attributes}}


EMPTY = {"data": {"type": "case"}}
WRONG_TYPE = {"data": {"type": "project"}}
NEW_CASE = {
    "data": {
        "type": "case",
        "attributes": {"title": "Disk full", "type_id": STANDARD_TYPE_ID},
        "relationships": {"project": {"data": {"id": "OPS", "type": "project"}}},
    }
}
CASE = "/api/v2/cases/OPS-1"

ROWS = {
    "search_cases": Row(
        "GET",
        "/api/v2/cases",
        "cases_read",
        bad_path="/api/v2/cases?page[size]=101",
        message="page[size] must be between 1 and 100, got 101",
    ),
    "create_case": Row(
        "POST",
        "/api/v2/cases",
        "cases_write",
        NEW_CASE,
        bad_body={"data": {"type": "case", "attributes": {"title": "t", "type": "STANDARD"}}},
        message="data.relationships.project is required",
    ),
    "get_case": Row(
        "GET",
        CASE,
        "cases_read",
        bad_path="/api/v2/cases/not_a_key",
        message="case_id 'not_a_key' is neither a case UUID nor a case key like OPS-12",
    ),
    "update_status": Row(
        "POST",
        f"{CASE}/status",
        "cases_write",
        _case_body({"status": "IN_PROGRESS"}),
        bad_body=_case_body({"status": "OPENED"}),
        message='data.attributes.status must be one of OPEN, IN_PROGRESS, CLOSED, got "OPENED"',
    ),
    "update_priority": Row(
        "POST",
        f"{CASE}/priority",
        "cases_write",
        _case_body({"priority": "P1"}),
        bad_body=_case_body({"priority": "P9"}),
        message="data.attributes.priority must be one of NOT_DEFINED, P1, P2, P3, P4, P5",
    ),
    "update_case_title": Row(
        "POST",
        f"{CASE}/title",
        "cases_write",
        _case_body({"title": "New title"}),
        bad_body=_case_body({"title": "  "}),
        message="data.attributes.title must not be empty",
    ),
    "update_case_description": Row(
        "POST",
        f"{CASE}/description",
        "cases_write",
        _case_body({"description": "text"}),
        bad_body=_case_body({"description": 5}),
        message="data.attributes.description must be a string, got a number",
    ),
    "update_attributes": Row(
        "POST",
        f"{CASE}/attributes",
        "cases_write",
        _case_body({"attributes": {"env": ["prod"]}}),
        bad_body=_case_body({"attributes": {"env": "prod"}}),
        message="data.attributes.attributes.env must be an array of strings, got a string",
    ),
    "assign_case": Row(
        "POST",
        f"{CASE}/assign",
        "cases_write",
        _case_body({"assignee_id": "00000000-0000-4000-8000-000000000000"}),
        bad_body=_case_body({"assignee_id": "bob"}),
        message='data.attributes.assignee_id must be a UUID, got "bob"',
    ),
    "unassign_case": Row(
        "POST",
        f"{CASE}/unassign",
        "cases_write",
        EMPTY,
        bad_body=WRONG_TYPE,
        message='data.type must be "case", got "project"',
    ),
    "archive_case": Row(
        "POST",
        f"{CASE}/archive",
        "cases_write",
        EMPTY,
        bad_body={"data": {}},
        message='data.type is required ("case")',
    ),
    "unarchive_case": Row(
        "POST",
        f"{CASE}/unarchive",
        "cases_write",
        EMPTY,
        bad_body={"data": "case"},
        message="data must be an object, got a string",
    ),
    "update_case_resolved_reason": Row(
        "POST",
        f"{CASE}/resolved_reason",
        "cases_write",
        _case_body({"security_resolved_reason": "false_positive"}),
        bad_body=_case_body({"security_resolved_reason": "TRUE_POSITIVE"}),
        message="data.attributes.security_resolved_reason must be one of testing, false_positive",
    ),
    "comment_case": Row(
        "POST",
        f"{CASE}/comment",
        "cases_write",
        _case_body({"comment": "hello"}),
        bad_body=_case_body({"comment": "\n"}),
        message="data.attributes.comment must not be empty",
    ),
    "list_case_timeline": Row(
        "GET",
        f"{CASE}/timelines",
        "cases_read",
        bad_path=f"{CASE}/timelines?page[number]=0",
        message="page[number] must be between 1 and 1000000, got 0",
    ),
    "move_case_to_project": Row(
        "PATCH",
        f"{CASE}/relationships/project",
        "cases_write",
        {"data": {"id": "OPS", "type": "project"}},
        bad_body={"data": {"id": "OPS", "type": "case"}},
        message='data.type must be "project", got "case"',
    ),
    "update_case_custom_attribute": Row(
        "POST",
        f"{CASE}/custom_attributes/tier",
        "cases_write",
        _case_body({"type": "SELECT", "is_multi": False, "value": "Gold"}),
        bad_body=_case_body({"type": "NUMBER", "is_multi": False, "value": "five"}),
        message="data.attributes.value must be a number (type NUMBER), got a string",
    ),
    "delete_case_custom_attribute": Row(
        "DELETE",
        f"{CASE}/custom_attributes/tier",
        "cases_write",
        bad_path=f"{CASE}/custom_attributes/-tier",
        message="custom_attribute_key '-tier' is not a custom attribute key",
    ),
    "get_projects": Row(
        "GET",
        "/api/v2/cases/projects",
        "cases_read",
        bad_path="/api/v2/cases/projects?page[size]=5",
        message="unknown query parameter 'page[size]'; this endpoint takes: none",
    ),
    "create_project": Row(
        "POST",
        "/api/v2/cases/projects",
        "cases_write",
        {"data": {"type": "project", "attributes": {"name": "Sec", "key": "SEC"}}},
        bad_body={"data": {"type": "project", "attributes": {"name": "Case", "key": "CASE"}}},
        message='data.attributes.key cannot be "CASE"',
    ),
    "get_project": Row(
        "GET",
        "/api/v2/cases/projects/OPS",
        "cases_read",
        bad_path="/api/v2/cases/projects/ops-team",
        message="project_id 'ops-team' is neither a project UUID nor a project key",
    ),
    "update_project": Row(
        "PATCH",
        "/api/v2/cases/projects/OPS",
        "cases_write",
        {"data": {"type": "project", "attributes": {"name": "Operations"}}},
        bad_body={
            "data": {
                "type": "project",
                "attributes": {"settings": {"integration_monitor": {"handle": "Ops Team"}}},
            }
        },
        message="data.attributes.settings.integration_monitor.handle must be lowercase",
    ),
    "delete_project": Row(
        "DELETE",
        "/api/v2/cases/projects/OPS",
        "cases_write",
        bad_path="/api/v2/cases/projects/OPS?cascade=true",
        message="unknown query parameter 'cascade'; this endpoint takes: none",
    ),
    "list_users": Row(
        "GET",
        "/api/v2/users",
        "cases_read",
        bad_path="/api/v2/users?page[size]=0",
        message="page[size] must be between 1 and 100, got 0",
    ),
}


@dataclass
class Api:
    client: httpx.Client
    full: Keys
    read_only: Keys
    write_only: Keys
    revoked: Keys

    def send(self, row: Row, headers: dict[str, str], *, bad: bool = False) -> Any:
        path = row.bad_path if bad and row.bad_path else row.path
        body = row.bad_body if bad and row.bad_body is not None else row.body
        content = json.dumps(body) if body is not None else None
        return self.client.request(row.method, path, headers=headers, content=content)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    directory: Path = tmp_path_factory.mktemp("refusals")
    url = f"sqlite:///{directory / 'casebot.db'}"
    upgrade(url)
    full = key_pair(url, "cases_read", "cases_write", name="full")
    revoked = key_pair(url, "cases_read", "cases_write", name="revoked")
    engine = create_engine(url)
    with engine.connect() as conn:
        revoked_id = conn.exec_driver_sql(
            "SELECT id FROM api_keys WHERE name = 'revoked'"
        ).scalar_one()
    engine.dispose()
    assert main(["keys", "revoke", str(revoked_id)[:8], "--database-url", url]) == 0
    with running(casebot_app(url)) as base_url, local_http.Client(base_url=base_url) as client:
        created = client.post(
            "/api/v2/cases/projects",
            headers=full.headers,
            json={"data": {"type": "project", "attributes": {"name": "Ops", "key": "OPS"}}},
        )
        assert created.status_code == 201, created.text
        case = client.post("/api/v2/cases", headers=full.headers, json=NEW_CASE)
        assert case.status_code == 201, case.text
        yield Api(
            client,
            full,
            key_pair(url, "cases_read", name="reader"),
            key_pair(url, "cases_write", name="writer"),
            revoked,
        )


def _errors(response: Any) -> list[str]:
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert isinstance(document["errors"], list) and document["errors"]
    return [str(message) for message in document["errors"]]


@pytest.mark.parametrize("name", list(ROWS))
def test_no_keys_is_401(api: Api, name: str) -> None:
    response = api.send(ROWS[name], {})
    assert response.status_code == 401
    assert _errors(response) == ["missing DD-API-KEY header"]


@pytest.mark.parametrize("name", list(ROWS))
def test_missing_application_key_is_401(api: Api, name: str) -> None:
    response = api.send(ROWS[name], {"DD-API-KEY": api.full.api_key})
    assert response.status_code == 401
    assert _errors(response) == ["missing DD-APPLICATION-KEY header"]


@pytest.mark.parametrize("name", list(ROWS))
def test_unknown_or_mismatched_keys_are_401(api: Api, name: str) -> None:
    row = ROWS[name]
    unknown = api.send(row, {"DD-API-KEY": "0" * 32, "DD-APPLICATION-KEY": "0" * 40})
    assert (unknown.status_code, _errors(unknown)) == (401, ["DD-API-KEY is not a known API key"])
    mismatched = api.send(
        row, {"DD-API-KEY": api.full.api_key, "DD-APPLICATION-KEY": api.read_only.application_key}
    )
    assert (mismatched.status_code, _errors(mismatched)) == (
        401,
        ["DD-APPLICATION-KEY does not belong to this API key"],
    )


@pytest.mark.parametrize("name", list(ROWS))
def test_revoked_keys_are_401(api: Api, name: str) -> None:
    response = api.send(ROWS[name], api.revoked.headers)
    assert (response.status_code, _errors(response)) == (401, ["this API key has been revoked"])


@pytest.mark.parametrize("name", list(ROWS))
def test_missing_scope_is_403_even_for_a_bad_request(api: Api, name: str) -> None:
    row = ROWS[name]
    keys = api.write_only if row.scope == "cases_read" else api.read_only
    for bad in (False, True):
        response = api.send(row, keys.headers, bad=bad)
        assert response.status_code == 403
        [message] = _errors(response)
        assert f"lacks the {row.scope} scope" in message
        assert f"casebot keys create --scopes {row.scope}" in message


@pytest.mark.parametrize("name", list(ROWS))
def test_bad_request_is_400_naming_the_problem(api: Api, name: str) -> None:
    row = ROWS[name]
    response = api.send(row, api.full.headers, bad=True)
    assert response.status_code == 400, response.text
    [message] = _errors(response)
    assert row.message in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "request body is empty"),
        (b"{not json", "request body is not valid JSON"),
        (b"[1, 2]", "request body must be a JSON object with a `data` member"),
        (b"{}", "data is required (an object)"),
        (b'{"data": {"type": "case", "attributes": []}}', "data.attributes must be an object"),
    ],
    ids=["empty", "not-json", "array", "no-data", "attributes-not-object"],
)
def test_malformed_bodies_are_400(api: Api, content: bytes, message: str) -> None:
    response = api.client.post(f"{CASE}/priority", headers=api.full.headers, content=content)
    assert response.status_code == 400
    [text] = _errors(response)
    assert message in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("filter=status:(open", "filter: expected ')'"),
        ("sort[field]=title", "sort[field] must be one of created_at, priority, status"),
        ("sort[asc]=yes", "sort[asc] must be true or false, got 'yes'"),
        ("page[number]=two", "page[number] must be an integer, got 'two'"),
        ("page[size]=1&page[size]=2", "query parameter page[size] is given more than once"),
    ],
    ids=["filter-syntax", "sort-field", "sort-asc", "page-number", "repeated"],
)
def test_bad_search_parameters_are_400(api: Api, query: str, message: str) -> None:
    response = api.client.get(f"/api/v2/cases?{query}", headers=api.full.headers)
    assert response.status_code == 400
    [text] = _errors(response)
    assert message in text


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("GET", "/api/v2/cases/OPS-404", None, "case OPS-404 not found"),
        ("GET", "/api/v2/cases/projects/NOPE", None, "project NOPE not found"),
        (
            "POST",
            f"{CASE}/assign",
            _case_body({"assignee_id": "00000000-0000-4000-8000-000000000000"}),
            "user 00000000-0000-4000-8000-000000000000 not found",
        ),
        ("GET", "/api/v2/nothing", None, "no endpoint /api/v2/nothing"),
    ],
    ids=["case", "project", "assignee", "endpoint"],
)
def test_unknown_things_are_404(api: Api, method: str, path: str, body: Any, message: str) -> None:
    response = api.client.request(
        method, path, headers=api.full.headers, content=json.dumps(body) if body else None
    )
    assert response.status_code == 404
    [text] = _errors(response)
    assert message in text


def test_bearer_tokens_are_refused_with_a_pointer_to_the_headers(api: Api) -> None:
    response = api.client.get("/api/v2/cases", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 401
    assert "DD-API-KEY and DD-APPLICATION-KEY headers" in _errors(response)[0]


def test_oversized_bodies_are_413(api: Api) -> None:
    huge = b'{"data": {"type": "case", "attributes": {"comment": "' + b"x" * 1_100_000 + b'"}}}'
    response = api.client.post(f"{CASE}/comment", headers=api.full.headers, content=huge)
    assert response.status_code == 413
    assert _errors(response) == ["request body is larger than 1048576 bytes"]


def test_other_methods_are_405_with_allow(api: Api) -> None:
    response = api.client.put(CASE, headers=api.full.headers, content=b"{}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert _errors(response) == ["PUT is not allowed on /api/v2/cases/OPS-1; use GET"]
    projects = api.client.delete("/api/v2/cases/projects", headers=api.full.headers)
    assert (projects.status_code, projects.headers["allow"]) == (405, "GET, POST")


def test_closing_a_security_case_needs_its_reason_first(api: Api) -> None:
    security = "00000000-0000-0000-0000-000000000002"
    body = json.loads(json.dumps(NEW_CASE))
    body["data"]["attributes"].update(type_id=security, status_name="Closed")
    closed = api.client.post("/api/v2/cases", headers=api.full.headers, json=body)
    assert closed.status_code == 409
    assert "a SECURITY case cannot be created closed" in _errors(closed)[0]

    del body["data"]["attributes"]["status_name"]
    created = api.client.post("/api/v2/cases", headers=api.full.headers, json=body)
    assert created.status_code == 201
    key = created.json()["data"]["attributes"]["key"]
    close = _case_body({"status": "CLOSED"})
    refused = api.client.post(f"/api/v2/cases/{key}/status", headers=api.full.headers, json=close)
    assert refused.status_code == 409
    assert "closing it needs a closing reason" in _errors(refused)[0]

    reason = _case_body({"security_resolved_reason": "FALSE_POSITIVE"})
    answer = api.client.post(
        f"/api/v2/cases/{key}/resolved_reason", headers=api.full.headers, json=reason
    )
    assert answer.json()["data"]["attributes"]["security_resolved_reason"] == "false_positive"
    done = api.client.post(f"/api/v2/cases/{key}/status", headers=api.full.headers, json=close)
    assert (done.status_code, done.json()["data"]["attributes"]["status"]) == (200, "CLOSED")


def _custom(kind: Any, multi: Any, value: Any) -> dict[str, Any]:
    return _case_body({"type": kind, "is_multi": multi, "value": value})


def _new_case_with(custom_attributes: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(NEW_CASE))
    body["data"]["attributes"]["custom_attributes"] = custom_attributes
    return body


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        (
            "POST", f"{CASE}/custom_attributes/tier", _custom("SELECT", False, ["Gold"]), 400,
            "data.attributes.value must be a single value, not an array (is_multi is false)",
        ),
        (
            "POST", f"{CASE}/custom_attributes/tier", _custom("SELECT", True, "Gold"), 400,
            "data.attributes.value must be an array (is_multi is true)",
        ),
        (
            "POST", f"{CASE}/custom_attributes/tier", _custom("SELECT", True, ["Gold", " "]), 400,
            "data.attributes.value[1] must not be empty",
        ),
        (
            "POST", f"{CASE}/custom_attributes/due", _custom("DATE", False, "2026-12-31"), 400,
            "data.attributes.type must be one of URL, TEXT, NUMBER, SELECT",
        ),
        (
            "POST", f"{CASE}/custom_attributes/tier", _custom("TEXT", "true", ["a"]), 400,
            "data.attributes.is_multi must be true or false, got a string",
        ),
        (
            "POST", f"{CASE}/custom_attributes/effort", _custom("NUMBER", True, [1, True]), 400,
            "data.attributes.value[1] must be a number (type NUMBER), got a boolean",
        ),
        (
            "POST", f"{CASE}/custom_attributes/notes", _custom("TEXT", False, "x" * 501), 400,
            "data.attributes.value is longer than 500 characters",
        ),
        (
            "POST", f"{CASE}/custom_attributes/notes", _custom("TEXT", False, "a\x00b"), 400,
            "data.attributes.value must not contain a NUL character",
        ),
        (
            "POST", f"{CASE}/custom_attributes/Priority", _custom("TEXT", False, "high"), 400,
            "custom_attribute_key 'Priority' is a field of every case in search",
        ),
        (
            "POST", "/api/v2/cases/OPS-404/custom_attributes/tier", _custom("TEXT", False, "a"),
            404, "case OPS-404 not found",
        ),
        ("DELETE", "/api/v2/cases/OPS-404/custom_attributes/tier", None, 404,
         "case OPS-404 not found"),
        (
            "POST", "/api/v2/cases",
            _new_case_with({"status": {"type": "TEXT", "is_multi": False, "value": "x"}}), 400,
            "data.attributes.custom_attributes: 'status' is a field of every case in search",
        ),
    ],
    ids=[
        "array-not-multi", "single-but-multi", "blank-option", "unknown-type", "multi-not-bool",
        "boolean-number", "too-long", "nul", "search-field-key", "unknown-case",
        "delete-unknown-case", "create-with-search-field-key",
    ],
)  # fmt: skip
def test_custom_attribute_refusals(
    api: Api, method: str, path: str, body: Any, status: int, message: str
) -> None:
    response = api.client.request(
        method, path, headers=api.full.headers, content=json.dumps(body) if body else None
    )
    assert response.status_code == status, response.text
    [text] = _errors(response)
    assert message in text
    case = api.client.get(CASE, headers=api.full.headers).json()["data"]["attributes"]
    assert case["custom_attributes"] == {}


@pytest.mark.parametrize(
    ("legacy", "status", "message"),
    [
        ("\u0000", 400, "data.attributes.type must be one of STANDARD"),
        (5, 400, "data.attributes.type must be one of STANDARD"),
        ({}, 400, "data.attributes.type must be one of STANDARD"),
        ("STANDARD", 201, ""),
    ],
    ids=["nul", "number", "object", "a-known-name"],
)
def test_the_legacy_type_beside_type_id_must_still_be_a_type(
    api: Api, legacy: Any, status: int, message: str
) -> None:
    body = json.loads(json.dumps(NEW_CASE))
    body["data"]["attributes"]["type"] = legacy
    response = api.client.post("/api/v2/cases", headers=api.full.headers, json=body)
    assert response.status_code == status, response.text
    if message:
        [text] = _errors(response)
        assert message in text

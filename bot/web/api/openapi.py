"""The OpenAPI 3.1 document of the case API, maintained by hand.

It is written out rather than generated from the routes because the routes
parse JSON:API bodies themselves (for messages that name the bad member), and
because the document must match what `datadog-api-client` sends and parses:
the same paths, bracketed query parameters, enums and nullable timestamps.
Schemathesis reads it in tests/api/test_openapi_fuzz.py, so every status a
route can answer is declared here. The schemas are in `openapi_schemas`.
"""

from __future__ import annotations

from typing import Any

from bot.web.api import wire
from bot.web.api.openapi_schemas import ref, schemas

Json = dict[str, Any]

PREFIX = "/api/v2"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
CASE_ID_PATTERN = rf"^({_UUID}|[A-Za-z0-9]{{1,10}}-[0-9]{{1,9}})$"
PROJECT_ID_PATTERN = rf"^({_UUID}|[A-Za-z0-9]{{1,10}})$"

_ERRORS = {
    "400": "Bad Request: the body or a parameter is invalid; `errors` names it",
    "401": "Unauthorized: DD-API-KEY / DD-APPLICATION-KEY missing or unknown",
    "403": "Forbidden: the key pair lacks the scope this endpoint needs",
    "404": "Not Found",
}
TAKEN = "the key or monitor handle is already taken"


def _error(description: str) -> Json:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref("APIErrorResponse")}},
    }


def _responses(ok: tuple[str, str | None], *, not_found: bool, conflict: str | None) -> Json:
    status, schema = ok
    responses: Json = {status: {"description": "OK"}}
    if schema is not None:
        responses[status]["content"] = {"application/json": {"schema": ref(schema)}}
    for code, description in _ERRORS.items():
        if code != "404" or not_found:
            responses[code] = _error(description)
    if conflict:
        responses["409"] = _error(f"Conflict: {conflict}")
    return responses


def _operation(
    operation_id: str,
    summary: str,
    *,
    scope: str,
    ok: tuple[str, str | None],
    body: str | None = None,
    parameters: list[Json] | None = None,
    not_found: bool = True,
    conflict: str | None = None,
) -> Json:
    responses = _responses(ok, not_found=not_found, conflict=conflict)
    if body is not None:
        responses["413"] = _error("Payload Too Large: the body is over 1 MiB")
    return keyed_operation(
        operation_id,
        summary,
        tag="Case Management",
        scope=scope,
        responses=responses,
        parameters=parameters,
        body=body,
    )


def keyed_operation(
    operation_id: str,
    summary: str,
    *,
    tag: str,
    scope: str,
    responses: Json,
    parameters: list[Json] | None = None,
    body: str | None = None,
    body_required: bool = True,
) -> Json:
    """An operation behind the key pair (DD-API-KEY and DD-APPLICATION-KEY) and `scope`:
    the one shape every route of both APIs (cases, error tracking) is documented in."""
    operation: Json = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": [{"apiKeyAuth": [], "appKeyAuth": []}],
        "x-permission": scope,
        "description": f"Needs the `{scope}` scope.",
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return operation


def _path_parameter(name: str, description: str, pattern: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": pattern},
    }


CASE_ID = _path_parameter("case_id", "The case's UUID or its key (e.g. OPS-12)", CASE_ID_PATTERN)
PROJECT_ID = _path_parameter("project_id", "The project's UUID or its key", PROJECT_ID_PATTERN)


def _query(name: str, schema: Json, description: str) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _page_parameters(first: int) -> list[Json]:
    size = {"type": "integer", "minimum": 1, "maximum": wire.PAGE_SIZE_MAX, "default": 10}
    number = {"type": "integer", "minimum": first, "maximum": 1_000_000, "default": first}
    return [
        _query("page[size]", size, "Items per page (at most 100)"),
        _query("page[number]", number, f"Page to return, counted from {first}"),
    ]


def _case_action(operation_id: str, summary: str, body: str, conflict: str | None = None) -> Json:
    operation = _operation(
        operation_id,
        summary,
        scope="cases_write",
        ok=("200", "CaseResponse"),
        body=body,
        conflict=conflict,
    )
    return {"post": operation, "parameters": [CASE_ID]}


def _cases_paths(cases: str) -> Json:
    search = [
        *_page_parameters(1),
        _query("sort[field]", ref("CaseSortableField"), "Field to sort by"),
        _query("sort[asc]", {"type": "boolean", "default": False}, "Ascending order"),
        _query(
            "filter",
            {"type": "string", "maxLength": 2000},
            'Query, e.g. status:open priority:(P1 OR P2) project:OPS "disk full". '
            "Archived cases are left out unless the query names `archived:`.",
        ),
    ]
    return {
        cases: {
            "get": _operation(
                "search_cases",
                "Search cases",
                scope="cases_read",
                ok=("200", "CasesResponse"),
                not_found=False,
                parameters=search,
            ),
            "post": _operation(
                "create_case",
                "Create a case",
                scope="cases_write",
                ok=("201", "CaseResponse"),
                body="CaseCreateRequest",
                conflict="a SECURITY case cannot be created closed (it needs a closing reason)",
            ),
        },
        f"{cases}/{{case_id}}": {
            "get": _operation(
                "get_case", "Get a case", scope="cases_read", ok=("200", "CaseResponse")
            ),
            "parameters": [CASE_ID],
        },
    }


# (path under /cases/{case_id}, operationId, summary, request schema) of the POST changes.
_CHANGES = (
    ("priority", "update_priority", "Update a case's priority", "CaseUpdatePriorityRequest"),
    ("title", "update_case_title", "Update a case's title", "CaseUpdateTitleRequest"),
    (
        "description",
        "update_case_description",
        "Update a case's description",
        "CaseUpdateDescriptionRequest",
    ),
    (
        "attributes",
        "update_attributes",
        "Replace a case's attributes",
        "CaseUpdateAttributesRequest",
    ),
    ("assign", "assign_case", "Assign a case", "CaseAssignRequest"),
    ("unassign", "unassign_case", "Unassign a case", "CaseEmptyRequest"),
    ("archive", "archive_case", "Archive a case", "CaseEmptyRequest"),
    ("unarchive", "unarchive_case", "Unarchive a case", "CaseEmptyRequest"),
    (
        "resolved_reason",
        "update_case_resolved_reason",
        "Set a case's closing reason",
        "CaseUpdateResolvedReasonRequest",
    ),
)


def _case_change_paths(case: str) -> Json:
    paths: Json = {
        f"{case}/status": _case_action(
            "update_status",
            "Update a case's status",
            "CaseUpdateStatusRequest",
            conflict="closing a SECURITY case needs a closing reason first",
        ),
    }
    for suffix, operation_id, summary, body in _CHANGES:
        paths[f"{case}/{suffix}"] = _case_action(operation_id, summary, body)
    comment = _operation(
        "comment_case",
        "Comment on a case",
        scope="cases_write",
        ok=("200", "TimelineResponse"),
        body="CaseCommentRequest",
    )
    order = _query(
        "sort[ascending]",
        {"type": "boolean", "default": True},
        "Oldest first (default) or newest first",
    )
    timeline = _operation(
        "list_case_timeline",
        "List a case's timeline",
        scope="cases_read",
        ok=("200", "TimelineResponse"),
        parameters=[*_page_parameters(1), order],
    )
    move = _operation(
        "move_case_to_project",
        "Move a case to another project (it gets a new key)",
        scope="cases_write",
        ok=("200", "CaseResponse"),
        body="ProjectRelationship",
    )
    paths[f"{case}/comment"] = {"post": comment, "parameters": [CASE_ID]}
    paths[f"{case}/timelines"] = {"get": timeline, "parameters": [CASE_ID]}
    paths[f"{case}/relationships/project"] = {"patch": move, "parameters": [CASE_ID]}
    return paths


def _project_paths(projects: str) -> Json:
    return {
        projects: {
            "get": _operation(
                "get_projects",
                "List projects",
                scope="cases_read",
                ok=("200", "ProjectsResponse"),
                not_found=False,
            ),
            "post": _operation(
                "create_project",
                "Create a project",
                scope="cases_write",
                ok=("201", "ProjectResponse"),
                body="ProjectCreateRequest",
                not_found=False,
                conflict=TAKEN,
            ),
        },
        f"{projects}/{{project_id}}": {
            "get": _operation(
                "get_project", "Get a project", scope="cases_read", ok=("200", "ProjectResponse")
            ),
            "patch": _operation(
                "update_project",
                "Update a project",
                scope="cases_write",
                ok=("200", "ProjectResponse"),
                body="ProjectUpdateRequest",
                conflict=TAKEN,
            ),
            "delete": _operation(
                "delete_project",
                "Delete a project and its cases",
                scope="cases_write",
                ok=("204", None),
            ),
            "parameters": [PROJECT_ID],
        },
    }


def _user_paths(users: str) -> Json:
    text = _query(
        "filter",
        {"type": "string", "maxLength": 2000},
        "Only users whose name, handle or e-mail contains this text",
    )
    operation = _operation(
        "list_users",
        "List users (assignees); pages count from 0, as Datadog's users API does",
        scope="cases_read",
        ok=("200", "UsersResponse"),
        not_found=False,
        parameters=[*_page_parameters(0), text],
    )
    return {users: {"get": operation}}


def document() -> Json:
    """The whole OpenAPI document for the case API."""
    cases = f"{PREFIX}/cases"
    paths: Json = {
        **_cases_paths(cases),
        **_case_change_paths(f"{cases}/{{case_id}}"),
        **_project_paths(f"{cases}/projects"),
        **_user_paths(f"{PREFIX}/users"),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "casebot case API",
            "version": "2",
            "description": "Datadog Case Management v2-compatible API of casebot. "
            "Point datadog-api-client at casebot with Configuration(host=...).",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKeyAuth": [], "appKeyAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-API-KEY"},
                "appKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-APPLICATION-KEY"},
            },
            "schemas": schemas(),
        },
    }

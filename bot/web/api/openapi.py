"""The OpenAPI 3.1 document of the case API, maintained by hand.

It is written out rather than generated from the routes because the routes
parse JSON:API bodies themselves (for messages that name the bad member), and
because the document must match what `datadog-api-client` sends and parses:
the same paths, bracketed query parameters, enums and nullable timestamps.
Schemathesis reads it in tests/api/test_openapi_fuzz.py, so every status a
route can answer is declared here.
"""

from __future__ import annotations

from typing import Any

from bot.web.api import wire

Json = dict[str, Any]

PREFIX = "/api/v2"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
CASE_ID_PATTERN = rf"^({_UUID}|[A-Za-z0-9]{{1,10}}-[0-9]{{1,9}})$"
# At least one character that is not white space as Python's str.strip() sees it
# (a blank title is refused). Spelled out because ECMA-262's \s, which validators
# use, differs (it lacks \x1c-\x1f and \x85 and has \ufeff).
NOT_BLANK = r"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _enum(values: tuple[str, ...] | list[str], description: str) -> Json:
    return {"type": "string", "enum": list(values), "description": description}


def _nullable_time(description: str) -> Json:
    return {"type": ["string", "null"], "format": "date-time", "description": description}


def _object(
    properties: Json, required: list[str] | None = None, *, nullable: bool = False, **extra: Any
) -> Json:
    schema: Json = {
        "type": ["object", "null"] if nullable else "object",
        "properties": properties,
        **extra,
    }
    if required:
        schema["required"] = required
    return schema


def _resource_type(value: str) -> Json:
    return {"type": "string", "enum": [value], "default": value}


def _case_request(name: str, attributes: Json) -> Json:
    """`{"data": {"type": "case", "attributes": {...}}}` with `attributes` required."""
    return _object(
        {
            "data": _object(
                {"type": _ref("CaseResourceType"), "attributes": attributes},
                ["type", "attributes"],
            )
        },
        ["data"],
        description=name,
    )


def _user_relationship() -> Json:
    return _object(
        {
            "data": _object(
                {"id": {"type": "string"}, "type": _resource_type("user")},
                ["id", "type"],
                nullable=True,
            )
        },
        ["data"],
        nullable=True,
    )


def _project_relationship() -> Json:
    return _object(
        {
            "data": _object(
                {
                    "id": {"type": "string", "minLength": 1, "pattern": NOT_BLANK},
                    "type": _ref("ProjectResourceType"),
                },
                ["id", "type"],
            )
        },
        ["data"],
    )


def _schemas() -> Json:
    attributes_map = {
        "type": "object",
        "propertyNames": {"pattern": NOT_BLANK, "maxLength": 100},
        "additionalProperties": {
            "type": "array",
            "items": {"type": "string", "maxLength": 500},
        },
        "description": "Key -> list of strings (service, team, env, ...).",
    }
    case_attributes = _object(
        {
            "key": {"type": "string", "example": "OPS-12"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "status": _ref("CaseStatus"),
            "status_name": {"type": "string", "enum": list(wire.STATUS_NAMES.values())},
            "status_group": {"type": "string", "enum": list(wire.STATUS_GROUPS.values())},
            "priority": _ref("CasePriority"),
            "type": {"type": "string", "description": "STANDARD, SECURITY, ... or a custom type"},
            "type_id": {"type": "string"},
            "attributes": attributes_map,
            "custom_attributes": {"type": "object"},
            "creation_source": {"type": "string"},
            "security_resolved_reason": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "modified_at": _nullable_time("Last change"),
            "closed_at": _nullable_time("When the case was closed"),
            "archived_at": _nullable_time("When the case was archived"),
        },
        ["key", "title", "status", "priority", "created_at"],
    )
    case = _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "type": _ref("CaseResourceType"),
            "attributes": case_attributes,
            "relationships": _object(
                {
                    "project": _project_relationship(),
                    "assignee": _user_relationship(),
                    "created_by": _user_relationship(),
                    "modified_by": _user_relationship(),
                }
            ),
        },
        ["id", "type", "attributes"],
    )
    integration_monitor = _object(
        {
            "enabled": {"type": "boolean"},
            "handle": {
                "type": "string",
                "pattern": r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$",
                "description": "Used in monitor messages as @case-<handle>",
            },
            "auto_resolve_enabled": {
                "type": "boolean",
                "description": "Close the case when its monitor group resolves",
            },
            "case_type_id": {"type": "string"},
        }
    )
    project = _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "type": _ref("ProjectResourceType"),
            "attributes": _object(
                {
                    "name": {"type": "string"},
                    "key": {"type": "string"},
                    "restricted": {"type": "boolean"},
                    "enabled_custom_case_types": {"type": "array", "items": {"type": "string"}},
                    "settings": _object({"integration_monitor": integration_monitor}),
                },
                ["name", "key"],
            ),
        },
        ["id", "type", "attributes"],
    )
    user = _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "type": _resource_type("users"),
            "attributes": _object(
                {
                    "uuid": {"type": "string"},
                    "name": {"type": ["string", "null"]},
                    "handle": {"type": "string"},
                    "email": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "modified_at": {"type": "string", "format": "date-time"},
                    "disabled": {"type": "boolean"},
                    "status": {"type": "string"},
                    "service_account": {"type": "boolean"},
                    "verified": {"type": "boolean"},
                }
            ),
        },
        ["id", "type", "attributes"],
    )
    timeline_cell = _object(
        {
            "id": {"type": "string"},
            "type": _resource_type("timeline_cell"),
            "attributes": _object(
                {
                    "type": {
                        "type": "string",
                        "description": "COMMENT for comments; other entries carry their "
                        "kind (STATUS, PRIORITY, MONITOR_TRANSITION, ...)",
                    },
                    "cell_content": _object({"message": {"type": "string"}}),
                    "author": _object(
                        {
                            "type": {"type": "string", "enum": ["USER"]},
                            "content": _object(
                                {
                                    "id": {"type": "string"},
                                    "name": {"type": "string"},
                                    "handle": {"type": "string"},
                                    "email": {"type": "string"},
                                }
                            ),
                        }
                    ),
                    "created_at": {"type": "string", "format": "date-time"},
                    "modified_at": {"type": "string", "format": "date-time"},
                },
                ["type", "cell_content", "created_at"],
            ),
        },
        ["id", "type", "attributes"],
    )
    title = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": NOT_BLANK}
    return {
        "APIErrorResponse": _object(
            {"errors": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
            ["errors"],
        ),
        "CaseResourceType": _resource_type("case"),
        "ProjectResourceType": _resource_type("project"),
        "CaseStatus": _enum(wire.STATUSES, "Core case status"),
        "CasePriority": _enum(wire.PRIORITIES, "Case priority"),
        "CaseSortableField": _enum(wire.SORT_FIELDS, "Field to sort search results by"),
        "Case": case,
        "CaseResponse": _object({"data": _ref("Case")}, ["data"]),
        "CasesResponse": _object(
            {
                "data": {"type": "array", "items": _ref("Case")},
                "meta": _object(
                    {
                        "page": _object(
                            {
                                "current": {"type": "integer", "description": "Page number"},
                                "size": {
                                    "type": "integer",
                                    "description": "Number of cases in this page",
                                },
                                "total": {
                                    "type": "integer",
                                    "description": "Total number of pages",
                                },
                            },
                            ["current", "size", "total"],
                        )
                    },
                    ["page"],
                ),
            },
            ["data", "meta"],
        ),
        "CaseCreateRequest": _object(
            {
                "data": _object(
                    {
                        "type": _ref("CaseResourceType"),
                        "attributes": _object(
                            {
                                "title": title,
                                "type_id": {
                                    "type": "string",
                                    "enum": list(wire.TYPE_IDS_BY_NAME.values()),
                                    "description": "Case type; standard is "
                                    + wire.STANDARD_TYPE_ID,
                                },
                                "type": {
                                    "type": "string",
                                    "enum": list(wire.TYPE_IDS_BY_NAME),
                                    "description": "Older clients' spelling of the type",
                                },
                                "description": {"type": "string", "maxLength": 50_000},
                                "priority": _ref("CasePriority"),
                                "status_name": {
                                    "type": "string",
                                    "enum": list(wire.STATUS_NAMES.values()),
                                },
                                "attributes": attributes_map,
                                "custom_attributes": {"type": "object"},
                            },
                            ["title"],
                            anyOf=[{"required": ["type_id"]}, {"required": ["type"]}],
                        ),
                        "relationships": _object(
                            {
                                "project": _project_relationship(),
                                "assignee": {
                                    **_user_relationship(),
                                    "properties": {
                                        "data": _object(
                                            {
                                                "id": {"type": "string", "format": "uuid"},
                                                "type": _resource_type("user"),
                                            },
                                            ["id", "type"],
                                            nullable=True,
                                        )
                                    },
                                },
                            },
                            ["project"],
                        ),
                    },
                    ["type", "attributes", "relationships"],
                )
            },
            ["data"],
        ),
        "CaseUpdateStatusRequest": _case_request(
            "Case update status",
            _object(
                {
                    "status": _ref("CaseStatus"),
                    "status_name": {"type": "string", "enum": list(wire.STATUS_NAMES.values())},
                },
                anyOf=[{"required": ["status"]}, {"required": ["status_name"]}],
            ),
        ),
        "CaseUpdatePriorityRequest": _case_request(
            "Case update priority", _object({"priority": _ref("CasePriority")}, ["priority"])
        ),
        "CaseUpdateTitleRequest": _case_request(
            "Case update title", _object({"title": title}, ["title"])
        ),
        "CaseUpdateDescriptionRequest": _case_request(
            "Case update description",
            _object({"description": {"type": "string", "maxLength": 50_000}}, ["description"]),
        ),
        "CaseUpdateAttributesRequest": _case_request(
            "Case update attributes", _object({"attributes": attributes_map}, ["attributes"])
        ),
        "CaseAssignRequest": _case_request(
            "Case assign",
            _object({"assignee_id": {"type": "string", "format": "uuid"}}, ["assignee_id"]),
        ),
        "CaseCommentRequest": _case_request(
            "Case comment",
            _object(
                {
                    "comment": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 50_000,
                        "pattern": NOT_BLANK,
                    }
                },
                ["comment"],
            ),
        ),
        "CaseUpdateResolvedReasonRequest": _case_request(
            "Case update resolved reason",
            _object(
                {
                    "security_resolved_reason": {
                        "type": "string",
                        "enum": list(wire.RESOLVED_REASONS),
                        "description": "Why a SECURITY case is (to be) closed",
                    }
                },
                ["security_resolved_reason"],
            ),
        ),
        "CaseEmptyRequest": _object(
            {"data": _object({"type": _ref("CaseResourceType")}, ["type"])}, ["data"]
        ),
        "ProjectRelationship": _project_relationship(),
        "Project": project,
        "ProjectResponse": _object({"data": _ref("Project")}, ["data"]),
        "ProjectsResponse": _object(
            {"data": {"type": "array", "items": _ref("Project")}}, ["data"]
        ),
        "ProjectCreateRequest": _object(
            {
                "data": _object(
                    {
                        "type": _ref("ProjectResourceType"),
                        "attributes": _object(
                            {
                                "name": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": 200,
                                    "pattern": NOT_BLANK,
                                },
                                "key": {
                                    "type": "string",
                                    "pattern": r"^[A-Z0-9]{1,10}$",
                                    "not": {"enum": ["CASE"]},
                                },
                                "team_uuid": {"type": "string"},
                                "enabled_custom_case_types": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                },
                            },
                            ["name", "key"],
                        ),
                    },
                    ["type", "attributes"],
                )
            },
            ["data"],
        ),
        "ProjectUpdateRequest": _object(
            {
                "data": _object(
                    {
                        "type": _ref("ProjectResourceType"),
                        "attributes": _object(
                            {
                                "name": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": 200,
                                    "pattern": NOT_BLANK,
                                },
                                "settings": _object(
                                    {
                                        "integration_monitor": _object(
                                            {
                                                "enabled": {"type": "boolean"},
                                                "handle": integration_monitor["properties"][
                                                    "handle"
                                                ],
                                                "auto_resolve_enabled": {"type": "boolean"},
                                            }
                                        )
                                    }
                                ),
                            }
                        ),
                    },
                    ["type", "attributes"],
                )
            },
            ["data"],
        ),
        "User": user,
        "UsersResponse": _object(
            {
                "data": {"type": "array", "items": _ref("User")},
                "meta": _object(
                    {
                        "page": _object(
                            {
                                "total_count": {"type": "integer"},
                                "total_filtered_count": {"type": "integer"},
                            }
                        )
                    }
                ),
            },
            ["data"],
        ),
        "TimelineCell": timeline_cell,
        "TimelineResponse": _object(
            {"data": {"type": "array", "items": _ref("TimelineCell")}}, ["data"]
        ),
    }


_ERRORS = {
    "400": "Bad Request: the body or a parameter is invalid; `errors` names it",
    "401": "Unauthorized: DD-API-KEY / DD-APPLICATION-KEY missing or unknown",
    "403": "Forbidden: the key pair lacks the scope this endpoint needs",
    "404": "Not Found",
}


def _error(description: str) -> Json:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("APIErrorResponse")}},
    }


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
    status, schema = ok
    responses: Json = {}
    if schema is None:
        responses[status] = {"description": "OK"}
    else:
        responses[status] = {
            "description": "OK",
            "content": {"application/json": {"schema": _ref(schema)}},
        }
    for code, description in _ERRORS.items():
        if code == "404" and not not_found:
            continue
        responses[code] = _error(description)
    if conflict:
        responses["409"] = _error(f"Conflict: {conflict}")
    operation: Json = {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["Case Management"],
        "security": [{"apiKeyAuth": [], "appKeyAuth": []}],
        "x-permission": scope,
        "description": f"Needs the `{scope}` scope.",
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        responses["413"] = _error("Payload Too Large: the body is over 1 MiB")
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


CASE_ID = {
    "name": "case_id",
    "in": "path",
    "required": True,
    "description": "The case's UUID or its key (e.g. OPS-12)",
    "schema": {"type": "string", "pattern": CASE_ID_PATTERN},
}
PROJECT_ID = {
    "name": "project_id",
    "in": "path",
    "required": True,
    "description": "The project's UUID or its key",
    "schema": {"type": "string", "pattern": rf"^({_UUID}|[A-Z0-9]{{1,10}})$"},
}


def _query(name: str, schema: Json, description: str) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PAGE_SIZE = _query(
    "page[size]",
    {"type": "integer", "minimum": 1, "maximum": wire.PAGE_SIZE_MAX, "default": 10},
    "Items per page (at most 100)",
)


def _case_action(operation_id: str, summary: str, body: str, conflict: str | None = None) -> Json:
    return {
        "post": _operation(
            operation_id,
            summary,
            scope="cases_write",
            ok=("200", "CaseResponse"),
            body=body,
            conflict=conflict,
        ),
        "parameters": [CASE_ID],
    }


def document() -> Json:
    """The whole OpenAPI document for the case API."""
    cases = f"{PREFIX}/cases"
    case = f"{cases}/{{case_id}}"
    paths: Json = {
        cases: {
            "get": _operation(
                "search_cases",
                "Search cases",
                scope="cases_read",
                ok=("200", "CasesResponse"),
                not_found=False,
                parameters=[
                    PAGE_SIZE,
                    _query(
                        "page[number]",
                        {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
                        "Page to return, counted from 1",
                    ),
                    _query("sort[field]", _ref("CaseSortableField"), "Field to sort by"),
                    _query("sort[asc]", {"type": "boolean", "default": False}, "Ascending order"),
                    _query(
                        "filter",
                        {"type": "string", "maxLength": 2000},
                        'Query, e.g. status:open priority:(P1 OR P2) project:OPS "disk full". '
                        "Archived cases are left out unless the query names `archived:`.",
                    ),
                ],
            ),
            "post": _operation(
                "create_case",
                "Create a case",
                scope="cases_write",
                ok=("201", "CaseResponse"),
                body="CaseCreateRequest",
            ),
        },
        case: {
            "get": _operation(
                "get_case", "Get a case", scope="cases_read", ok=("200", "CaseResponse")
            ),
            "parameters": [CASE_ID],
        },
        f"{case}/status": _case_action(
            "update_status",
            "Update a case's status",
            "CaseUpdateStatusRequest",
            conflict="closing a SECURITY case needs a closing reason first",
        ),
        f"{case}/priority": _case_action(
            "update_priority", "Update a case's priority", "CaseUpdatePriorityRequest"
        ),
        f"{case}/title": _case_action(
            "update_case_title", "Update a case's title", "CaseUpdateTitleRequest"
        ),
        f"{case}/description": _case_action(
            "update_case_description",
            "Update a case's description",
            "CaseUpdateDescriptionRequest",
        ),
        f"{case}/attributes": _case_action(
            "update_attributes", "Replace a case's attributes", "CaseUpdateAttributesRequest"
        ),
        f"{case}/assign": _case_action("assign_case", "Assign a case", "CaseAssignRequest"),
        f"{case}/unassign": _case_action("unassign_case", "Unassign a case", "CaseEmptyRequest"),
        f"{case}/archive": _case_action("archive_case", "Archive a case", "CaseEmptyRequest"),
        f"{case}/unarchive": _case_action("unarchive_case", "Unarchive a case", "CaseEmptyRequest"),
        f"{case}/resolved_reason": _case_action(
            "update_case_resolved_reason",
            "Set a case's closing reason",
            "CaseUpdateResolvedReasonRequest",
        ),
        f"{case}/comment": {
            "post": _operation(
                "comment_case",
                "Comment on a case",
                scope="cases_write",
                ok=("200", "TimelineResponse"),
                body="CaseCommentRequest",
            ),
            "parameters": [CASE_ID],
        },
        f"{case}/timelines": {
            "get": _operation(
                "list_case_timeline",
                "List a case's timeline",
                scope="cases_read",
                ok=("200", "TimelineResponse"),
                parameters=[
                    PAGE_SIZE,
                    _query(
                        "page[number]",
                        {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
                        "Page to return, counted from 1",
                    ),
                    _query(
                        "sort[ascending]",
                        {"type": "boolean", "default": True},
                        "Oldest first (default) or newest first",
                    ),
                ],
            ),
            "parameters": [CASE_ID],
        },
        f"{case}/relationships/project": {
            "patch": _operation(
                "move_case_to_project",
                "Move a case to another project (it gets a new key)",
                scope="cases_write",
                ok=("200", "CaseResponse"),
                body="ProjectRelationship",
            ),
            "parameters": [CASE_ID],
        },
        f"{cases}/projects": {
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
                conflict="the key or monitor handle is already taken",
            ),
        },
        f"{cases}/projects/{{project_id}}": {
            "get": _operation(
                "get_project", "Get a project", scope="cases_read", ok=("200", "ProjectResponse")
            ),
            "patch": _operation(
                "update_project",
                "Update a project",
                scope="cases_write",
                ok=("200", "ProjectResponse"),
                body="ProjectUpdateRequest",
                conflict="the key or monitor handle is already taken",
            ),
            "delete": _operation(
                "delete_project",
                "Delete a project and its cases",
                scope="cases_write",
                ok=("204", None),
            ),
            "parameters": [PROJECT_ID],
        },
        f"{PREFIX}/users": {
            "get": _operation(
                "list_users",
                "List users (assignees)",
                scope="cases_read",
                ok=("200", "UsersResponse"),
                not_found=False,
                parameters=[
                    PAGE_SIZE,
                    _query(
                        "page[number]",
                        {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0},
                        "Page to return, counted from 0 (as Datadog's users API does)",
                    ),
                    _query(
                        "filter",
                        {"type": "string", "maxLength": 2000},
                        "Only users whose name, handle or e-mail contains this text",
                    ),
                ],
            ),
        },
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
            "schemas": _schemas(),
        },
    }

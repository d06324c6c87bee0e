"""The `components.schemas` of the case API's OpenAPI document (JSON Schema 2020-12).

Request schemas are as strict as the parsers in `bodies.py` and responses
exactly what `resources.py` writes, so that Schemathesis can hold the server
to them both ways: schema-valid requests are accepted and schema-invalid ones
refused.
"""

from __future__ import annotations

from typing import Any

from bot.web.api import wire

Json = dict[str, Any]

# At least one character that is not white space as Python's str.strip() sees it
# (a blank title is refused). Spelled out because ECMA-262's \s, which validators
# use, differs (it lacks \x1c-\x1f and \x85 and has \ufeff).
NOT_BLANK = r"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
HANDLE_PATTERN = r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$"


def ref(name: str) -> Json:
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


def _data(resource: Json) -> Json:
    """`{"data": resource}` with `data` required."""
    return _object({"data": resource}, ["data"])


def _list_of(name: str) -> Json:
    return _data({"type": "array", "items": ref(name)})


def _text(max_length: int, *, blank: bool = True) -> Json:
    schema: Json = {"type": "string", "maxLength": max_length}
    if not blank:
        schema.update(minLength=1, pattern=NOT_BLANK)
    return schema


def _case_request(name: str, attributes: Json) -> Json:
    """`{"data": {"type": "case", "attributes": {...}}}` with `attributes` required."""
    return _object(
        {
            "data": _object(
                {"type": ref("CaseResourceType"), "attributes": attributes}, ["type", "attributes"]
            )
        },
        ["data"],
        description=name,
    )


def _user_relationship(*, uuid_id: bool = False) -> Json:
    user_id: Json = {"type": "string", "format": "uuid"} if uuid_id else {"type": "string"}
    return _object(
        {
            "data": _object(
                {"id": user_id, "type": _resource_type("user")}, ["id", "type"], nullable=True
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
                    "type": ref("ProjectResourceType"),
                },
                ["id", "type"],
            )
        },
        ["data"],
    )


ATTRIBUTES_MAP: Json = {
    "type": "object",
    "propertyNames": {"pattern": NOT_BLANK, "maxLength": 100},
    "additionalProperties": {"type": "array", "items": {"type": "string", "maxLength": 500}},
    "description": "Key -> list of strings (service, team, env, ...).",
}
TITLE = _text(500, blank=False)
STATUS_NAME = {"type": "string", "enum": list(wire.STATUS_NAMES.values())}


def _case() -> Json:
    attributes = _object(
        {
            "key": {"type": "string", "example": "OPS-12"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "status": ref("CaseStatus"),
            "status_name": STATUS_NAME,
            "status_group": {"type": "string", "enum": list(wire.STATUS_GROUPS.values())},
            "priority": ref("CasePriority"),
            "type": {"type": "string", "description": "STANDARD, SECURITY, ... or a custom type"},
            "type_id": {"type": "string"},
            "attributes": ATTRIBUTES_MAP,
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
    relationships = _object(
        {
            "project": _project_relationship(),
            "assignee": _user_relationship(),
            "created_by": _user_relationship(),
            "modified_by": _user_relationship(),
        }
    )
    return _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "type": ref("CaseResourceType"),
            "attributes": attributes,
            "relationships": relationships,
        },
        ["id", "type", "attributes"],
    )


def _cases_response() -> Json:
    page = _object(
        {
            "current": {"type": "integer", "description": "Page number"},
            "size": {"type": "integer", "description": "Number of cases in this page"},
            "total": {"type": "integer", "description": "Total number of pages"},
        },
        ["current", "size", "total"],
    )
    return _object(
        {
            "data": {"type": "array", "items": ref("Case")},
            "meta": _object({"page": page}, ["page"]),
        },
        ["data", "meta"],
    )


def _case_create_request() -> Json:
    attributes = _object(
        {
            "title": TITLE,
            "type_id": {
                "type": "string",
                "enum": list(wire.TYPE_IDS_BY_NAME.values()),
                "description": "Case type; standard is " + wire.STANDARD_TYPE_ID,
            },
            "type": {
                "type": "string",
                "enum": list(wire.TYPE_IDS_BY_NAME),
                "description": "Older clients' spelling of the type",
            },
            "description": _text(50_000),
            "priority": ref("CasePriority"),
            "status_name": STATUS_NAME,
            "attributes": ATTRIBUTES_MAP,
            "custom_attributes": {"type": "object"},
        },
        ["title"],
        anyOf=[{"required": ["type_id"]}, {"required": ["type"]}],
    )
    relationships = _object(
        {"project": _project_relationship(), "assignee": _user_relationship(uuid_id=True)},
        ["project"],
    )
    resource = _object(
        {
            "type": ref("CaseResourceType"),
            "attributes": attributes,
            "relationships": relationships,
        },
        ["type", "attributes", "relationships"],
    )
    return _data(resource)


def _case_change_requests() -> Json:
    reason = {
        "type": "string",
        "enum": list(wire.RESOLVED_REASONS),
        "description": "Why a SECURITY case is (to be) closed",
    }
    return {
        "CaseUpdateStatusRequest": _case_request(
            "Case update status",
            _object(
                {"status": ref("CaseStatus"), "status_name": STATUS_NAME},
                anyOf=[{"required": ["status"]}, {"required": ["status_name"]}],
            ),
        ),
        "CaseUpdatePriorityRequest": _case_request(
            "Case update priority", _object({"priority": ref("CasePriority")}, ["priority"])
        ),
        "CaseUpdateTitleRequest": _case_request(
            "Case update title", _object({"title": TITLE}, ["title"])
        ),
        "CaseUpdateDescriptionRequest": _case_request(
            "Case update description", _object({"description": _text(50_000)}, ["description"])
        ),
        "CaseUpdateAttributesRequest": _case_request(
            "Case update attributes", _object({"attributes": ATTRIBUTES_MAP}, ["attributes"])
        ),
        "CaseAssignRequest": _case_request(
            "Case assign",
            _object({"assignee_id": {"type": "string", "format": "uuid"}}, ["assignee_id"]),
        ),
        "CaseCommentRequest": _case_request(
            "Case comment", _object({"comment": _text(50_000, blank=False)}, ["comment"])
        ),
        "CaseUpdateResolvedReasonRequest": _case_request(
            "Case update resolved reason",
            _object({"security_resolved_reason": reason}, ["security_resolved_reason"]),
        ),
        "CaseEmptyRequest": _data(_object({"type": ref("CaseResourceType")}, ["type"])),
    }


def _integration_monitor() -> Json:
    return _object(
        {
            "enabled": {"type": "boolean"},
            "handle": {
                "type": "string",
                "pattern": HANDLE_PATTERN,
                "description": "Used in monitor messages as @case-<handle>",
            },
            "auto_resolve_enabled": {
                "type": "boolean",
                "description": "Close the case when its monitor group resolves",
            },
            "case_type_id": {"type": "string"},
        }
    )


def _project_schemas() -> Json:
    project = _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "type": ref("ProjectResourceType"),
            "attributes": _object(
                {
                    "name": {"type": "string"},
                    "key": {"type": "string"},
                    "restricted": {"type": "boolean"},
                    "enabled_custom_case_types": {"type": "array", "items": {"type": "string"}},
                    "settings": _object({"integration_monitor": _integration_monitor()}),
                },
                ["name", "key"],
            ),
        },
        ["id", "type", "attributes"],
    )
    create = _object(
        {
            "name": _text(200, blank=False),
            "key": {"type": "string", "pattern": r"^[A-Z0-9]{1,10}$", "not": {"enum": ["CASE"]}},
            "team_uuid": {"type": "string"},
            "enabled_custom_case_types": {"type": "array", "items": {"type": "string"}},
        },
        ["name", "key"],
    )
    monitor_change = _object(
        {
            "enabled": {"type": "boolean"},
            "handle": _integration_monitor()["properties"]["handle"],
            "auto_resolve_enabled": {"type": "boolean"},
        }
    )
    update = _object(
        {
            "name": _text(200, blank=False),
            "settings": _object({"integration_monitor": monitor_change}),
        }
    )

    def request(attributes: Json) -> Json:
        return _data(
            _object(
                {"type": ref("ProjectResourceType"), "attributes": attributes},
                ["type", "attributes"],
            )
        )

    return {
        "ProjectRelationship": _project_relationship(),
        "Project": project,
        "ProjectResponse": _data(ref("Project")),
        "ProjectsResponse": _list_of("Project"),
        "ProjectCreateRequest": request(create),
        "ProjectUpdateRequest": request(update),
    }


def _user_schemas() -> Json:
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
    page = _object(
        {"total_count": {"type": "integer"}, "total_filtered_count": {"type": "integer"}}
    )
    return {
        "User": user,
        "UsersResponse": _object(
            {
                "data": {"type": "array", "items": ref("User")},
                "meta": _object({"page": page}),
            },
            ["data"],
        ),
    }


def _timeline_schemas() -> Json:
    author = _object(
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
    )
    attributes = _object(
        {
            "type": {
                "type": "string",
                "description": "COMMENT for comments; other entries carry their "
                "kind (STATUS, PRIORITY, MONITOR_TRANSITION, ...)",
            },
            "cell_content": _object({"message": {"type": "string"}}),
            "author": author,
            "created_at": {"type": "string", "format": "date-time"},
            "modified_at": {"type": "string", "format": "date-time"},
        },
        ["type", "cell_content", "created_at"],
    )
    cell = _object(
        {
            "id": {"type": "string"},
            "type": _resource_type("timeline_cell"),
            "attributes": attributes,
        },
        ["id", "type", "attributes"],
    )
    return {"TimelineCell": cell, "TimelineResponse": _list_of("TimelineCell")}


def schemas() -> Json:
    """Every schema the document's operations refer to, by name."""
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
        "Case": _case(),
        "CaseResponse": _data(ref("Case")),
        "CasesResponse": _cases_response(),
        "CaseCreateRequest": _case_create_request(),
        **_case_change_requests(),
        **_project_schemas(),
        **_user_schemas(),
        **_timeline_schemas(),
    }

"""The `components.schemas` of the error-tracking API (JSON Schema 2020-12).

As in the case API's `openapi_schemas`, request schemas are as strict as the
parsers in `error_tracking_wire` and responses exactly what it writes, so that
Schemathesis can hold the server to them both ways. Names start with
`ErrorTracking` so they cannot clash with the case API's; `Case` and `User`
are the case API's own.
"""

from __future__ import annotations

from typing import Any

from bot.core.cases import COMMENT_MAX
from bot.core.issues import IssueState
from bot.errortracking import intake
from bot.errortracking.automation import QUERY_MAX
from bot.web import error_tracking_wire as wire
from bot.web.api import wire as case_wire
from bot.web.api.openapi_schemas import NOT_BLANK, ref

Json = dict[str, Any]

# What `IssueState.parse` accepts, in capitals: API names, labels, labels with `_`.
STATE_NAMES = sorted(
    {name for state in IssueState for name in (state.value, state.label, state.name)}
)
_UUID = {"type": "string", "format": "uuid"}
_MILLIS = {"type": "integer", "description": "Epoch milliseconds"}


def _object(properties: Json, required: list[str] | None = None, **extra: Any) -> Json:
    schema: Json = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


def _constant(value: str) -> Json:
    return {"type": "string", "enum": [value], "default": value}


def _text(max_length: int | None = None, *, nullable: bool = False) -> Json:
    """A string with something other than white space in it (what the parsers want)."""
    schema: Json = {"type": ["string", "null"] if nullable else "string"}
    schema.update(minLength=1, pattern=NOT_BLANK)
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def _time(description: str) -> Json:
    return {
        "oneOf": [
            {**_MILLIS, "minimum": 0, "maximum": wire.MS_MAX},
            {"type": "string", "format": "date-time"},
            {"type": "null"},
        ],
        "description": description + ": epoch milliseconds or an RFC 3339 time with a zone",
    }


def _ref_to(kind: str, id_schema: Json | None = None) -> Json:
    """A to-one relationship as written: `{"data": {"id", "type"}}` or `{"data": null}`."""
    target = _object({"id": id_schema or _UUID, "type": _constant(kind)}, ["id", "type"])
    return _object({"data": {"oneOf": [target, {"type": "null"}]}}, ["data"])


def _project_reference() -> Json:
    """How a request names a project: `{"data": {"id": "<UUID or key>", "type": "project"}}`."""
    target = _object({"id": _text(), "type": {"type": "string"}}, ["id"])
    return _object({"data": target}, ["data"])


def _request(kind: str, attributes: Json, required: list[str], **members: Json) -> Json:
    resource = _object({"type": _constant(kind), "attributes": attributes, **members}, required)
    return _object({"data": resource}, ["data"])


def _issue() -> Json:
    regression = _object(
        {
            "resolved_at": {"type": ["string", "null"], "format": "date-time"},
            "regressed_at": {"type": ["string", "null"], "format": "date-time"},
            "regressed_at_version": {"type": ["string", "null"]},
        },
        ["resolved_at", "regressed_at", "regressed_at_version"],
    )
    nullable = {"type": ["string", "null"]}
    attributes = _object(
        {
            "title": {"type": "string"},
            "service": {"type": "string"},
            "team": nullable,
            "env": nullable,
            "error_type": {"type": "string"},
            "error_message": {"type": "string"},
            "fingerprint": {"type": "string"},
            "state": ref("ErrorTrackingIssueState"),
            "state_label": {"type": "string", "enum": [s.label for s in IssueState]},
            "first_seen": _MILLIS,
            "last_seen": _MILLIS,
            "first_seen_version": nullable,
            "last_seen_version": nullable,
            "total_count": {"type": "integer", "minimum": 0},
            "is_regression": {"type": "boolean"},
            "regression": regression,
        },
        ["title", "service", "error_type", "fingerprint", "state", "first_seen", "last_seen"],
    )
    relationships = _object(
        {
            "assignee": _ref_to("user"),
            "case": _ref_to("case"),
            "project": _ref_to("project"),
        },
        ["assignee", "case", "project"],
    )
    return _object(
        {
            "id": _UUID,
            "type": _constant(wire.ISSUE_TYPE),
            "attributes": attributes,
            "relationships": relationships,
        },
        ["id", "type", "attributes", "relationships"],
    )


def _event_request() -> Json:
    message = {"type": ["string", "null"], "maxLength": intake.MESSAGE_MAX}
    # `error_type` and `error_message` are read only without `error` (ignored beside it).
    flat = _object(
        {"error_type": _text(intake.ERROR_TYPE_MAX), "error_message": message},
        ["error_type"],
        **{"not": {"required": ["error"]}},
    )
    attributes = _object(
        {
            "service": _text(intake.SERVICE_MAX),
            "error": _object({"type": _text(intake.ERROR_TYPE_MAX), "message": message}, ["type"]),
            "title": _text(intake.TITLE_MAX, nullable=True),
            "fingerprint": _text(intake.FINGERPRINT_MAX, nullable=True),
            "team": _text(intake.TEAM_MAX, nullable=True),
            "env": _text(intake.ENV_MAX, nullable=True),
            "version": _text(intake.VERSION_MAX, nullable=True),
            "timestamp": _time("When it happened (default: when it arrives)"),
        },
        ["service"],
        oneOf=[{"required": ["error"]}, flat],
        description="The error as `error: {type, message}`, or as `error_type` and "
        "`error_message` without `error`.",
    )
    return _request(wire.EVENT_TYPE, attributes, ["type", "attributes"])


def _event_response() -> Json:
    meta = _object(
        {
            "recorded": {
                "type": "boolean",
                "description": "False for an EXCLUDED issue: nothing was collected",
            },
            "new_issue": {"type": "boolean"},
            "regression": {"type": "boolean"},
            "rule_id": {"type": ["string", "null"], "description": "The rule that routed it"},
            "case_key": {"type": ["string", "null"], "description": "The case auto-created"},
        },
        ["recorded", "new_issue", "regression", "rule_id", "case_key"],
    )
    return _object({"data": ref("ErrorTrackingIssue"), "meta": meta}, ["data", "meta"])


def _search_schemas() -> Json:
    attributes = _object(
        {
            "query": {
                "type": ["string", "null"],
                "maxLength": QUERY_MAX,
                "description": "Query, e.g. service:web-store -env:staging",
            },
            "states": {"type": "array", "items": ref("ErrorTrackingIssueStateName")},
            "assignee_ids": {"type": "array", "items": _UUID},
            "from": _time("Issues last seen at or after this time"),
            "to": _time("Issues first seen at or before this time"),
            "order_by": {"type": "string", "enum": list(wire.ORDER_BY)},
        }
    )
    result = _object(
        {
            "id": _UUID,
            "type": _constant("error_tracking_search_result"),
            "attributes": _object({"total_count": {"type": "integer"}}, ["total_count"]),
            "relationships": _object(
                {"issue": _ref_to(wire.ISSUE_TYPE)},
                ["issue"],
            ),
        },
        ["id", "type", "attributes", "relationships"],
    )
    return {
        "ErrorTrackingSearchRequest": _request(
            wire.SEARCH_TYPE, attributes, ["type", "attributes"]
        ),
        "ErrorTrackingSearchResponse": _object(
            {
                "data": {"type": "array", "items": result},
                "included": {"type": "array", "items": ref("ErrorTrackingIssue")},
            },
            ["data", "included"],
        ),
    }


def _issue_change_requests() -> Json:
    state = _object(
        {
            "type": _constant(wire.STATE_TYPE),
            "id": {**_text(), "description": "The issue's id, if given (as in the path)"},
            "attributes": _object({"state": ref("ErrorTrackingIssueStateName")}, ["state"]),
        },
        ["type", "attributes"],
    )
    assignee = _object({"type": _constant(wire.ASSIGNEE_TYPE), "id": _UUID}, ["type", "id"])
    comment = _object({"comment": _text(COMMENT_MAX)}, ["comment"])
    link_or_create = _object(
        {
            "type": _constant("case"),
            "id": {**_text(), "description": "Link to this case (UUID or key, e.g. OPS-12)"},
            "attributes": _object(
                {
                    "title": {**_text(nullable=True), "description": "Cut to 500 characters"},
                    "priority": {"type": ["string", "null"], "enum": [*case_wire.PRIORITIES, None]},
                }
            ),
            "relationships": _object(
                {"project": {"oneOf": [_project_reference(), {"type": "null"}]}}
            ),
        },
        ["type"],
    )
    return {
        "ErrorTrackingStateRequest": _object({"data": state}, ["data"]),
        "ErrorTrackingAssigneeRequest": _object({"data": assignee}, ["data"]),
        "ErrorTrackingCommentRequest": _request("comment", comment, ["type", "attributes"]),
        "ErrorTrackingCaseRequest": _object(
            {"data": link_or_create},
            ["data"],
            description="With `data.id`, link to that case; without, create a case in the "
            "project the first matching rule names, else the one in `relationships.project`, "
            "else the error-tracking default. An empty body creates too.",
        ),
    }


def _activity() -> Json:
    author = _object(
        {
            "id": {"type": ["string", "null"], "format": "uuid"},
            "name": {"type": "string"},
            "source": {"type": "string"},
        },
        ["id", "name", "source"],
    )
    attributes = _object(
        {
            "type": {
                "type": "string",
                "description": "CREATED, ROUTED, REGRESSION, STATE, ASSIGNEE, COMMENT, "
                "LINKED or UNLINKED",
            },
            "message": {"type": "string"},
            "data": {"type": "object"},
            "author": author,
            "created_at": {"type": "string", "format": "date-time"},
        },
        ["type", "message", "data", "author", "created_at"],
    )
    return _object(
        {"id": {"type": "string"}, "type": _constant("issue_activity"), "attributes": attributes},
        ["id", "type", "attributes"],
    )


def _rule_schemas() -> Json:
    rule = _object(
        {
            "id": _UUID,
            "type": _constant(wire.RULE_TYPE),
            "attributes": _object(
                {
                    "query": {"type": "string"},
                    "auto_create": {"type": "boolean"},
                    "position": {"type": "integer", "minimum": 0},
                },
                ["query", "auto_create", "position"],
            ),
            "relationships": _object({"project": _ref_to("project")}, ["project"]),
        },
        ["id", "type", "attributes", "relationships"],
    )
    # orjson reads whole numbers up to 2**64 - 1; a position past the end means last.
    position = {"type": ["integer", "null"], "minimum": 0, "maximum": 2**64 - 1}
    query = {**_text(QUERY_MAX), "description": "e.g. service:web-store team:Shopist"}
    project = _object({"project": _project_reference()}, ["project"])

    def request(required: list[str], relationships: Json, *, creating: bool) -> Json:
        attributes = _object(
            {"query": query, "auto_create": {"type": "boolean"}, "position": position},
            required,
        )
        members = ["type", "attributes", "relationships"] if creating else ["type", "attributes"]
        return _request(wire.RULE_TYPE, attributes, members, relationships=relationships)

    reference = _object({"id": _text(), "type": _constant(wire.RULE_TYPE)}, ["id", "type"])
    optional_project = _object({"project": {"oneOf": [_project_reference(), {"type": "null"}]}})
    return {
        "ErrorTrackingRule": rule,
        "ErrorTrackingRuleResponse": _object({"data": ref("ErrorTrackingRule")}, ["data"]),
        "ErrorTrackingRulesResponse": _object(
            {"data": {"type": "array", "items": ref("ErrorTrackingRule")}}, ["data"]
        ),
        "ErrorTrackingRuleCreateRequest": request(["query"], project, creating=True),
        "ErrorTrackingRuleUpdateRequest": request([], optional_project, creating=False),
        "ErrorTrackingRuleOrderRequest": _object(
            {"data": {"type": "array", "items": reference, "uniqueItems": True}},
            ["data"],
            description="Every rule, once each, in the new order",
        ),
    }


def _case_meta() -> Json:
    return _object(
        {
            "case_key": {"type": ["string", "null"], "description": "The issue's case"},
            "case_created": {"type": "boolean", "description": "This change created it"},
            "no_case_reason": {
                "type": ["string", "null"],
                "description": "Why an issue without a case did not get one",
            },
        },
        ["case_key", "case_created", "no_case_reason"],
        description="After an assignment or a comment: the issue's case",
    )


def schemas() -> Json:
    """Every schema the error-tracking operations refer to, by name."""
    issue_document = _object(
        {
            "data": ref("ErrorTrackingIssue"),
            "included": {"type": "array", "items": {"anyOf": [ref("Case"), ref("User")]}},
            "meta": ref("ErrorTrackingCaseMeta"),
        },
        ["data"],
    )
    return {
        "ErrorTrackingIssueState": {
            "type": "string",
            "enum": [s.value for s in IssueState],
            "description": "OPEN = FOR REVIEW, ACKNOWLEDGED = REVIEWED",
        },
        "ErrorTrackingIssueStateName": {
            "type": "string",
            "enum": STATE_NAMES,
            "description": "A state by API name or label (any case)",
        },
        "ErrorTrackingIssue": _issue(),
        "ErrorTrackingIssueResponse": issue_document,
        "ErrorTrackingIssuesResponse": _object(
            {"data": {"type": "array", "items": ref("ErrorTrackingIssue")}}, ["data"]
        ),
        "ErrorTrackingEventRequest": _event_request(),
        "ErrorTrackingEventResponse": _event_response(),
        **_search_schemas(),
        **_issue_change_requests(),
        "ErrorTrackingCaseResponse": _object(
            {
                "data": ref("Case"),
                "included": {"type": "array", "items": ref("ErrorTrackingIssue")},
            },
            ["data", "included"],
        ),
        "ErrorTrackingActivity": _activity(),
        "ErrorTrackingActivityResponse": _object(
            {"data": {"type": "array", "items": ref("ErrorTrackingActivity")}}, ["data"]
        ),
        "ErrorTrackingCaseMeta": _case_meta(),
        "ErrorTrackingCommentResponse": _object(
            {"data": ref("ErrorTrackingActivity"), "meta": ref("ErrorTrackingCaseMeta")}, ["data"]
        ),
        **_rule_schemas(),
    }

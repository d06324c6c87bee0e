"""The OpenAPI paths of the error-tracking API (/api/v2/error-tracking), by hand.

Written out for the same reasons as the case API's document (bot/web/api/openapi.py):
the routes parse their JSON:API bodies themselves, and Schemathesis fuzzes
the document (tests/api/test_openapi_fuzz.py), so every status a route can
answer is declared here. `merge(document)` adds these paths and their schemas
(`error_tracking_openapi_schemas`) to the case API's document.
"""

from __future__ import annotations

from typing import Any

from bot.web.api.openapi import CASE_ID, keyed_operation
from bot.web.api.openapi_schemas import ref
from bot.web.error_tracking import INCLUDES, PREFIX
from bot.web.error_tracking_openapi_schemas import schemas

Json = dict[str, Any]

TAG = "Error Tracking"
READ, WRITE = "error_tracking_read", "error_tracking_write"

_ERRORS = {
    400: "Bad Request: the body or a query parameter is invalid (or unknown); `errors` names it",
    401: "Unauthorized: DD-API-KEY / DD-APPLICATION-KEY missing or unknown",
    403: "Forbidden: the key pair lacks the scope this endpoint needs",
    404: "Not Found: no such issue, case, project, user or rule (`errors` says which)",
    409: "Conflict",
    413: "Payload Too Large: the body is over 1 MiB",
}
# Closing a SECURITY case needs a closing reason: a change that would close one is refused.
SECURITY_CLOSE = (
    "the change would close a linked SECURITY case that has no closing reason; "
    "set one first with POST /api/v2/cases/{case_id}/resolved_reason"
)


def _answer(schema: str | None, description: str = "OK") -> Json:
    answer: Json = {"description": description}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": ref(schema)}}
    return answer


def _operation(
    operation_id: str,
    summary: str,
    *,
    scope: str,
    ok: dict[int, Json],
    refusals: tuple[int, ...],
    body: str | None = None,
    body_required: bool = True,
    parameters: list[Json] | None = None,
    conflict: str | None = None,
) -> Json:
    """An operation answering `ok` or, with the API's error shape, 400, 401, 403 and `refusals`.

    Every operation refuses unknown query parameters (400); one with a body also
    refuses a body over 1 MiB (413).
    """
    responses: Json = {str(status): answer for status, answer in ok.items()}
    statuses = {400, 401, 403, *refusals, *((413,) if body is not None else ())}
    for status in sorted(statuses):
        text = f"Conflict: {conflict}" if status == 409 and conflict else _ERRORS[status]
        responses[str(status)] = {
            "description": text,
            "content": {"application/json": {"schema": ref("APIErrorResponse")}},
        }
    return keyed_operation(
        operation_id,
        summary,
        tag=TAG,
        scope=scope,
        responses=responses,
        parameters=parameters,
        body=body,
        body_required=body_required,
    )


def _path_parameter(name: str, description: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "format": "uuid"},
    }


ISSUE_ID = _path_parameter("issue_id", "The issue's UUID")
RULE_ID = _path_parameter("rule_id", "The rule's UUID")
_NAMES = "|".join(INCLUDES)
# What the route reads: comma-separated names, white space around each and empty
# parts ignored (the white space is Python's str.strip()'s, spelled out as in NOT_BLANK).
_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
_PART = rf"{_SPACE}({_NAMES})?{_SPACE}"
INCLUDE = {
    "name": "include",
    "in": "query",
    "required": False,
    "description": "Related resources to add under `included`: "
    + ", ".join(INCLUDES)
    + " (comma-separated; `team_owners` adds nothing)",
    "schema": {"type": "string", "pattern": rf"^{_PART}(,{_PART})*$"},
}
ISSUE_DOCUMENT = {200: _answer("ErrorTrackingIssueResponse")}


def _issue_paths(issues: str) -> Json:
    issue = f"{issues}/{{issue_id}}"
    state = _operation(
        "update_issue_state",
        "Set an issue's state; a linked case follows",
        scope=WRITE,
        ok=ISSUE_DOCUMENT,
        refusals=(404, 409),
        body="ErrorTrackingStateRequest",
        parameters=[INCLUDE],
        conflict="`data.id` names another issue than the path, or " + SECURITY_CLOSE,
    )
    assign = _operation(
        "update_issue_assignee",
        "Assign an issue; its case and the case's other issues follow",
        scope=WRITE,
        ok=ISSUE_DOCUMENT,
        refusals=(404, 409),
        body="ErrorTrackingAssigneeRequest",
        parameters=[INCLUDE],
        conflict=SECURITY_CLOSE,
    )
    unassign = _operation(
        "delete_issue_assignee",
        "Unassign an issue",
        scope=WRITE,
        ok={204: _answer(None, "Unassigned")},
        refusals=(404,),
    )
    case = _operation(
        "create_or_link_issue_case",
        "Create a case from an issue (201), or link it to an existing case (200)",
        scope=WRITE,
        ok={
            200: _answer("ErrorTrackingCaseResponse", "Linked"),
            201: _answer("ErrorTrackingCaseResponse", "Created"),
        },
        refusals=(404, 409),
        body="ErrorTrackingCaseRequest",
        body_required=False,
        conflict="no automation rule matches the issue, no project was named and no project "
        "is the error-tracking default; or " + SECURITY_CLOSE,
    )
    unlink = _operation(
        "delete_issue_case",
        "Unlink an issue from its case (no state changes)",
        scope=WRITE,
        ok=ISSUE_DOCUMENT,
        refusals=(404,),
        parameters=[INCLUDE],
    )
    comment = _operation(
        "comment_issue",
        "Comment on an issue; the comment is copied to its case",
        scope=WRITE,
        ok={201: _answer("ErrorTrackingCommentResponse", "Created")},
        refusals=(404,),
        body="ErrorTrackingCommentRequest",
    )
    activity = _operation(
        "list_issue_activity",
        "List an issue's activity, oldest first",
        scope=READ,
        ok={200: _answer("ErrorTrackingActivityResponse")},
        refusals=(404,),
    )
    get = _operation(
        "get_issue",
        "Get an issue",
        scope=READ,
        ok=ISSUE_DOCUMENT,
        refusals=(404,),
        parameters=[INCLUDE],
    )
    search = _operation(
        "search_issues",
        "Search issues (at most 100, best first)",
        scope=READ,
        ok={200: _answer("ErrorTrackingSearchResponse")},
        refusals=(),
        body="ErrorTrackingSearchRequest",
    )
    return {
        f"{issues}/search": {"post": search},
        issue: {"get": get, "parameters": [ISSUE_ID]},
        f"{issue}/state": {"put": state, "parameters": [ISSUE_ID]},
        f"{issue}/assignee": {"put": assign, "delete": unassign, "parameters": [ISSUE_ID]},
        f"{issue}/case": {"post": case, "delete": unlink, "parameters": [ISSUE_ID]},
        f"{issue}/comment": {"post": comment, "parameters": [ISSUE_ID]},
        f"{issue}/activity": {"get": activity, "parameters": [ISSUE_ID]},
    }


def _rule_paths(rules: str) -> Json:
    one = _answer("ErrorTrackingRuleResponse")
    every = _answer("ErrorTrackingRulesResponse")
    return {
        rules: {
            "get": _operation(
                "list_rules",
                "List the automation rules in order",
                scope=READ,
                ok={200: every},
                refusals=(),
            ),
            "post": _operation(
                "create_rule",
                "Add an automation rule (default: last)",
                scope=WRITE,
                ok={201: _answer("ErrorTrackingRuleResponse", "Created")},
                refusals=(404,),
                body="ErrorTrackingRuleCreateRequest",
            ),
        },
        f"{rules}/reorder": {
            "post": _operation(
                "reorder_rules",
                "Put the rules in a new order",
                scope=WRITE,
                ok={200: every},
                refusals=(404, 409),
                body="ErrorTrackingRuleOrderRequest",
                conflict="the new order does not name every rule",
            ),
        },
        f"{rules}/{{rule_id}}": {
            "get": _operation(
                "get_rule", "Get an automation rule", scope=READ, ok={200: one}, refusals=(404,)
            ),
            "put": _operation(
                "update_rule",
                "Change an automation rule (what is given)",
                scope=WRITE,
                ok={200: one},
                refusals=(404,),
                body="ErrorTrackingRuleUpdateRequest",
            ),
            "delete": _operation(
                "delete_rule",
                "Remove an automation rule",
                scope=WRITE,
                ok={204: _answer(None, "Removed")},
                refusals=(404,),
            ),
            "parameters": [RULE_ID],
        },
    }


def paths() -> Json:
    """Every error-tracking path, keyed by its full path."""
    events = _operation(
        "record_event",
        "Record one error occurrence",
        scope=WRITE,
        ok={
            200: _answer("ErrorTrackingEventResponse", "Recorded on an existing issue"),
            201: _answer("ErrorTrackingEventResponse", "A new issue"),
        },
        refusals=(),
        body="ErrorTrackingEventRequest",
    )
    linked = _operation(
        "list_case_issues",
        "List the issues linked to a case",
        scope=READ,
        ok={200: _answer("ErrorTrackingIssuesResponse")},
        refusals=(404,),
    )
    return {
        f"{PREFIX}/events": {"post": events},
        **_issue_paths(f"{PREFIX}/issues"),
        f"{PREFIX}/cases/{{case_id}}/issues": {"get": linked, "parameters": [CASE_ID]},
        **_rule_paths(f"{PREFIX}/rules"),
    }


def merge(document: Json) -> Json:
    """`document` (the case API's) with the error-tracking paths and schemas added."""
    components = document["components"]
    return {
        **document,
        "paths": {**document["paths"], **paths()},
        "components": {**components, "schemas": {**components["schemas"], **schemas()}},
        "tags": [
            *document.get("tags", []),
            {"name": TAG, "description": f"Issues, cases and rules under {PREFIX}"},
        ],
    }

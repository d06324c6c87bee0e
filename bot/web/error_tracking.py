"""The error-tracking API under /api/v2/error-tracking: intake, issues, cases, rules.

Same key pairs and error shape as the case API (bot/web/api): reads need the
`error_tracking_read` scope, changes `error_tracking_write`. Each route does
its work in one transaction off the event loop (`Caller.run`); the services do
the work and the case listeners (the case's Slack message) hear of every case
change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query
from fastapi import Response as Answer
from pydantic import WithJsonSchema
from starlette.responses import Response

from bot.core.query import QuerySyntaxError, parse
from bot.errortracking import (
    AutomationRules,
    CaseOutcome,
    InvalidRule,
    IssueNotFound,
    IssueService,
    NoProjectForCase,
    RuleNotFound,
)
from bot.services.errors import InvalidChange
from bot.services.users import UserReader
from bot.web import error_tracking_resources as wire
from bot.web.api.auth import actor
from bot.web.api.caller import READ_ERROR_TRACKING, WRITE_ERROR_TRACKING, Call, Caller
from bot.web.api.document import Responses, refusal, request_body
from bot.web.api.errors import ApiError
from bot.web.api.models import error_tracking_requests as bodies
from bot.web.api.models import error_tracking_resources as models
from bot.web.api.models.fields import NOT_BLANK, given
from bot.web.api.query_params import CaseId
from bot.web.api.resources import case_resource, user_resource
from bot.web.api.routing import ERROR_TRACKING_PREFIX, ApiRoute

PREFIX = ERROR_TRACKING_PREFIX
router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["Error Tracking"])
Reader = Annotated[Caller, Depends(READ_ERROR_TRACKING)]
Writer = Annotated[Caller, Depends(WRITE_ERROR_TRACKING)]
# Datadog's `include` values; casebot has no team objects, so `team_owners` adds nothing.
INCLUDES = ("assignee", "case", "team_owners")
SET_REASON_FIRST = (
    "set the case's closing reason first with POST /api/v2/cases/{case_id}/resolved_reason"
)
SECURITY_CLOSE = (
    "the change would close a linked SECURITY case that has no closing reason; "
    "set one first with POST /api/v2/cases/{case_id}/resolved_reason"
)
NOT_FOUND: Responses = {
    404: refusal("Not Found: no such issue, case, project, user or rule (`errors` says which)")
}
Json = dict[str, Any]
R = TypeVar("R")

_UUID_TEXT = WithJsonSchema({"type": "string", "format": "uuid"})
IssueId = Annotated[str, _UUID_TEXT, Path(description="The issue's UUID")]
RuleId = Annotated[str, _UUID_TEXT, Path(description="The rule's UUID")]
# What the routes read: comma-separated names, white space around each and empty parts
# ignored (the white space is Python's str.strip()'s, spelled out as in NOT_BLANK).
_SPACE = NOT_BLANK.replace("[^", "[", 1) + "*"
_PART = rf"{_SPACE}({'|'.join(INCLUDES)})?{_SPACE}"
Include = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "pattern": rf"^{_PART}(,{_PART})*$"}),
    Query(
        description="Related resources to add under `included`: "
        + ", ".join(INCLUDES)
        + " (comma-separated; `team_owners` adds nothing)"
    ),
]


def _issues(call: Call) -> IssueService:
    return IssueService(call.conn, now=call.now, listeners=call.listeners)


def _rules(call: Call) -> AutomationRules:
    return AutomationRules(call.conn, now=call.now)


async def _run(caller: Caller, work: Callable[[Call], R]) -> R:
    """`work` with the error-tracking services' refusals answered."""

    def guarded(call: Call) -> R:
        try:
            return work(call)
        except IssueNotFound as error:
            raise ApiError(404, f"error-tracking issue {error.ref} not found") from None
        except RuleNotFound as error:
            raise ApiError(404, f"automation rule {error.ref} not found") from None
        except NoProjectForCase as error:
            # The request is fine; the installation has no project for the case yet.
            raise ApiError(409, f"{error.field}: {error.message}") from None
        except InvalidChange as error:
            if error.field != "closing_reason":
                raise
            # The request is fine; the linked SECURITY case is not ready to close.
            raise ApiError(409, f"{error.message}; {SET_REASON_FIRST}") from None

    return await caller.run(guarded)


def _issue_document(call: Call, issue_id: str, include: str | None) -> Json:
    issue = _issues(call).get(issue_id)
    document: Json = {"data": wire.issue_resource(issue)}
    included = _included(call, include, issue.assignee_id, issue.case_id)
    if included:
        document["included"] = included
    return document


def _included(call: Call, include: str | None, assignee_id: object, case_id: object) -> list[Json]:
    wanted = {part.strip() for part in (include or "").split(",") if part.strip()}
    unknown = wanted - set(INCLUDES)
    if unknown:
        raise ApiError(400, f"include: unknown {sorted(unknown)}; use {', '.join(INCLUDES)}")
    included: list[Json] = []
    if "case" in wanted and case_id is not None:
        included.append(case_resource(_issues(call).cases.get(str(case_id))))
    if "assignee" in wanted and isinstance(assignee_id, uuid.UUID):
        user = UserReader(call.conn).find(assignee_id)
        if user is not None:
            included.append(user_resource(user))
    return included


def _case_meta(outcome: CaseOutcome) -> Json:
    return {
        "case_key": outcome.case.key if outcome.case is not None else None,
        "case_created": outcome.created,
        "no_case_reason": outcome.not_created,
    }


# --- Issues ---------------------------------------------------------------------


@router.post(
    "/events",
    operation_id="record_event",
    summary="Record one error occurrence",
    response_model=models.ErrorTrackingEventResponse,
    openapi_extra=request_body(bodies.ErrorTrackingEventRequest),
    responses={
        200: {"description": "Recorded on an existing issue"},
        201: {"model": models.ErrorTrackingEventResponse, "description": "A new issue"},
    },
)
async def record_event(caller: Writer, answer: Answer) -> Any:
    event = (await caller.body(bodies.ErrorTrackingEventRequest)).data.attributes

    def record(call: Call) -> Json:
        recorded = _issues(call).record(bodies.error_event(event), actor=actor(call.key))
        answer.status_code = 201 if recorded.new_issue else 200
        meta = {
            "recorded": recorded.recorded,
            "new_issue": recorded.new_issue,
            "regression": recorded.regression,
            "rule_id": recorded.rule.id if recorded.rule else None,
            "case_key": recorded.case.key if recorded.case else None,
        }
        return {"data": wire.issue_resource(recorded.issue), "meta": meta}

    return await _run(caller, record)


@router.post(
    "/issues/search",
    operation_id="search_issues",
    summary="Search issues (at most 100, best first)",
    response_model=models.ErrorTrackingSearchResponse,
    openapi_extra=request_body(bodies.ErrorTrackingSearchRequest),
)
async def search_issues(caller: Reader) -> Any:
    search = (await caller.body(bodies.ErrorTrackingSearchRequest)).data.attributes
    node = None
    query = search.query if search.query is not bodies.MISSING else None
    if query and query.strip():
        try:
            node = parse(query)
        except QuerySyntaxError as error:
            raise ApiError(400, f"data.attributes.query: {error.message}") from None

    def find(call: Call) -> Json:
        found = _issues(call).search(
            query=node,
            states=tuple(given(search.states, [])),
            assignee_ids=tuple(given(search.assignee_ids, [])),
            seen_from=given(search.from_, None),
            seen_to=given(search.to, None),
            order_by=given(search.order_by, "TOTAL_COUNT"),
        )
        return {
            "data": [wire.search_result(issue) for issue in found],
            "included": [wire.issue_resource(issue) for issue in found],
        }

    return await _run(caller, find)


@router.get(
    "/issues/{issue_id}",
    operation_id="get_issue",
    summary="Get an issue",
    response_model=models.ErrorTrackingIssueResponse,
    responses=NOT_FOUND,
)
async def get_issue(issue_id: IssueId, caller: Reader, include: Include = None) -> Any:
    return await _run(caller, lambda call: _issue_document(call, issue_id, include))


@router.put(
    "/issues/{issue_id}/state",
    operation_id="update_issue_state",
    summary="Set an issue's state; a linked case follows",
    response_model=models.ErrorTrackingIssueResponse,
    openapi_extra=request_body(bodies.ErrorTrackingStateRequest),
    responses={
        **NOT_FOUND,
        409: refusal("Conflict: `data.id` names another issue than the path, or "
                     + SECURITY_CLOSE),
    },
)  # fmt: skip
async def update_issue_state(issue_id: IssueId, caller: Writer, include: Include = None) -> Any:
    change = (await caller.body(bodies.ErrorTrackingStateRequest)).data
    if change.id is not bodies.MISSING and change.id.strip().lower() != issue_id.strip().lower():
        # JSON:API: a resource id that differs from the endpoint's is a conflict.
        raise ApiError(409, f"data.id is {change.id!r} but the path names issue {issue_id}")
    state = change.attributes.state

    def set_state(call: Call) -> Json:
        _issues(call).set_state(issue_id, state, actor=actor(call.key))
        return _issue_document(call, issue_id, include)

    return await _run(caller, set_state)


@router.put(
    "/issues/{issue_id}/assignee",
    operation_id="update_issue_assignee",
    summary="Assign an issue; its case and the case's other issues follow",
    response_model=models.ErrorTrackingIssueResponse,
    openapi_extra=request_body(bodies.ErrorTrackingAssigneeRequest),
    responses={**NOT_FOUND, 409: refusal(f"Conflict: {SECURITY_CLOSE}")},
)
async def update_issue_assignee(issue_id: IssueId, caller: Writer, include: Include = None) -> Any:
    """Assign; `meta` says which case the issue has and whether this created it."""
    user_id = (await caller.body(bodies.ErrorTrackingAssigneeRequest)).data.id

    def assign(call: Call) -> Json:
        assigned = _issues(call).assign(issue_id, user_id, actor=actor(call.key))
        document = _issue_document(call, issue_id, include)
        document["meta"] = _case_meta(assigned.case)
        return document

    return await _run(caller, assign)


@router.delete(
    "/issues/{issue_id}/assignee",
    status_code=204,
    operation_id="delete_issue_assignee",
    summary="Unassign an issue",
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_issue_assignee(issue_id: IssueId, caller: Writer) -> Response:
    await _run(caller, lambda call: _issues(call).unassign(issue_id, actor=actor(call.key)))
    return Response(status_code=204)


@router.post(
    "/issues/{issue_id}/case",
    operation_id="create_or_link_issue_case",
    summary="Create a case from an issue (201), or link it to an existing case (200)",
    response_model=models.ErrorTrackingCaseResponse,
    openapi_extra=request_body(bodies.ErrorTrackingCaseRequest, required=False),
    responses={
        200: {"description": "Linked"},
        201: {"model": models.ErrorTrackingCaseResponse, "description": "Created"},
        **NOT_FOUND,
        409: refusal("Conflict: no automation rule matches the issue, no project was named and "
                     "no project is the error-tracking default; or " + SECURITY_CLOSE),
    },
)  # fmt: skip
async def create_or_link_issue_case(issue_id: IssueId, caller: Writer, answer: Answer) -> Any:
    """Link to the case named in the body, or create one (201)."""
    body = await caller.optional_body(bodies.ErrorTrackingCaseRequest)
    wanted = bodies.case_request(body)

    def case_for_issue(call: Call) -> Json:
        service = _issues(call)
        if wanted.case_ref is not None:
            case = service.link(issue_id, wanted.case_ref, actor=actor(call.key))
            answer.status_code = 200
        else:
            case = service.create_case(
                issue_id,
                actor=actor(call.key),
                project=wanted.project,
                title=wanted.title,
                priority=wanted.priority,
            )
            answer.status_code = 201
        linked = [wire.issue_resource(issue) for issue in service.linked(case)]
        return {"data": case_resource(case), "included": linked}

    return await _run(caller, case_for_issue)


@router.delete(
    "/issues/{issue_id}/case",
    operation_id="delete_issue_case",
    summary="Unlink an issue from its case (no state changes)",
    response_model=models.ErrorTrackingIssueResponse,
    responses=NOT_FOUND,
)
async def delete_issue_case(issue_id: IssueId, caller: Writer, include: Include = None) -> Any:
    def unlink(call: Call) -> Json:
        _issues(call).unlink(issue_id, actor=actor(call.key))
        return _issue_document(call, issue_id, include)

    return await _run(caller, unlink)


@router.post(
    "/issues/{issue_id}/comment",
    status_code=201,
    operation_id="comment_issue",
    summary="Comment on an issue; the comment is copied to its case",
    response_model=models.ErrorTrackingCommentResponse,
    openapi_extra=request_body(bodies.ErrorTrackingCommentRequest),
    responses=NOT_FOUND,
)
async def comment_issue(issue_id: IssueId, caller: Writer) -> Any:
    """Comment; `meta` says which case the issue has and whether this created it."""
    text = (await caller.body(bodies.ErrorTrackingCommentRequest)).data.attributes.comment

    def comment(call: Call) -> Json:
        done = _issues(call).comment(issue_id, text, actor=actor(call.key))
        return {"data": wire.activity_resource(done.entry), "meta": _case_meta(done.case)}

    return await _run(caller, comment)


@router.get(
    "/issues/{issue_id}/activity",
    operation_id="list_issue_activity",
    summary="List an issue's activity, oldest first",
    response_model=models.ErrorTrackingActivityResponse,
    responses=NOT_FOUND,
)
async def list_issue_activity(issue_id: IssueId, caller: Reader) -> Any:
    def activity(call: Call) -> Json:
        entries = _issues(call).activity(issue_id)
        return {"data": [wire.activity_resource(entry) for entry in entries]}

    return await _run(caller, activity)


@router.get(
    "/cases/{case_id}/issues",
    operation_id="list_case_issues",
    summary="List the issues linked to a case",
    response_model=models.ErrorTrackingIssuesResponse,
    responses=NOT_FOUND,
)
async def list_case_issues(case_id: CaseId, caller: Reader) -> Any:
    """The issues linked to a case (by id or key)."""

    def linked(call: Call) -> Json:
        return {"data": [wire.issue_resource(issue) for issue in _issues(call).linked(case_id)]}

    return await _run(caller, linked)


# --- Rules ----------------------------------------------------------------------


def _rule_list(call: Call) -> Json:
    return {"data": [wire.rule_resource(rule) for rule in _rules(call).list()]}


@router.get(
    "/rules",
    operation_id="list_rules",
    summary="List the automation rules in order",
    response_model=models.ErrorTrackingRulesResponse,
)
async def list_rules(caller: Reader) -> Any:
    return await _run(caller, _rule_list)


@router.post(
    "/rules",
    status_code=201,
    operation_id="create_rule",
    summary="Add an automation rule (default: last)",
    response_model=models.ErrorTrackingRuleResponse,
    openapi_extra=request_body(bodies.ErrorTrackingRuleCreateRequest),
    responses=NOT_FOUND,
)
async def create_rule(caller: Writer) -> Any:
    wanted = (await caller.body(bodies.ErrorTrackingRuleCreateRequest)).data
    project = bodies.project_of(wanted.relationships)
    attributes = wanted.attributes
    assert project is not None

    def add(call: Call) -> Json:
        rule = _rules(call).add(
            query=attributes.query,
            project=project,
            auto_create=bool(given(attributes.auto_create, False)),
            position=given(attributes.position, None),
        )
        return {"data": wire.rule_resource(rule)}

    return await _run(caller, add)


@router.post(
    "/rules/reorder",
    operation_id="reorder_rules",
    summary="Put the rules in a new order",
    response_model=models.ErrorTrackingRulesResponse,
    openapi_extra=request_body(bodies.ErrorTrackingRuleOrderRequest),
    responses={**NOT_FOUND, 409: refusal("Conflict: the new order does not name every rule")},
)
async def reorder_rules(caller: Writer) -> Any:
    order = [rule.id for rule in (await caller.body(bodies.ErrorTrackingRuleOrderRequest)).data]

    def reorder(call: Call) -> Json:
        try:
            _rules(call).reorder(order)
        except InvalidRule as refused:
            # A well-formed order of another rule list (one was added or removed meanwhile).
            raise ApiError(409, f"{refused.field}: {refused.message}") from None
        return _rule_list(call)

    return await _run(caller, reorder)


@router.get(
    "/rules/{rule_id}",
    operation_id="get_rule",
    summary="Get an automation rule",
    response_model=models.ErrorTrackingRuleResponse,
    responses=NOT_FOUND,
)
async def get_rule(rule_id: RuleId, caller: Reader) -> Any:
    return await _run(caller, lambda call: {"data": wire.rule_resource(_rules(call).get(rule_id))})


@router.put(
    "/rules/{rule_id}",
    operation_id="update_rule",
    summary="Change an automation rule (what is given)",
    response_model=models.ErrorTrackingRuleResponse,
    openapi_extra=request_body(bodies.ErrorTrackingRuleUpdateRequest),
    responses=NOT_FOUND,
)
async def update_rule(rule_id: RuleId, caller: Writer) -> Any:
    wanted = (await caller.body(bodies.ErrorTrackingRuleUpdateRequest)).data
    attributes = wanted.attributes

    def update(call: Call) -> Json:
        rule = _rules(call).update(
            rule_id,
            query=given(attributes.query, None),
            project=bodies.project_of(wanted.relationships),
            auto_create=given(attributes.auto_create, None),
            position=given(attributes.position, None),
        )
        return {"data": wire.rule_resource(rule)}

    return await _run(caller, update)


@router.delete(
    "/rules/{rule_id}",
    status_code=204,
    operation_id="delete_rule",
    summary="Remove an automation rule",
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_rule(rule_id: RuleId, caller: Writer) -> Response:
    await _run(caller, lambda call: _rules(call).delete(rule_id))
    return Response(status_code=204)

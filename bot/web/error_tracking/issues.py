"""The error-tracking API's intake, issues and the issues of a case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi import Response as Answer
from starlette.responses import Response

from bot.core.query import QuerySyntaxError, parse
from bot.web.api.auth import actor
from bot.web.api.caller import Call
from bot.web.api.document import refusal, request_body
from bot.web.api.errors import ApiError
from bot.web.api.models import error_tracking_requests as bodies
from bot.web.api.models import error_tracking_resources as models
from bot.web.api.models.fields import given
from bot.web.api.query_params import CaseId
from bot.web.api.resources import case_resource
from bot.web.api.routing import ERROR_TRACKING_PREFIX, ApiRoute
from bot.web.error_tracking import resources as wire
from bot.web.error_tracking.calls import (
    NOT_FOUND,
    SECURITY_CLOSE,
    Include,
    IssueId,
    Json,
    Reader,
    Writer,
    case_meta,
    issue_document,
    issues_of,
    run,
)

router = APIRouter(prefix=ERROR_TRACKING_PREFIX, route_class=ApiRoute, tags=["Error Tracking"])


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
        recorded = issues_of(call).record(bodies.error_event(event), actor=actor(call.key))
        answer.status_code = 201 if recorded.new_issue else 200
        meta = {
            "recorded": recorded.recorded,
            "new_issue": recorded.new_issue,
            "regression": recorded.regression,
            "rule_id": recorded.rule.id if recorded.rule else None,
            "case_key": recorded.case.key if recorded.case else None,
        }
        return {"data": wire.issue_resource(recorded.issue), "meta": meta}

    return await run(caller, record)


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
        found = issues_of(call).search(
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

    return await run(caller, find)


@router.get(
    "/issues/{issue_id}",
    operation_id="get_issue",
    summary="Get an issue",
    response_model=models.ErrorTrackingIssueResponse,
    responses=NOT_FOUND,
)
async def get_issue(issue_id: IssueId, caller: Reader, include: Include = None) -> Any:
    return await run(caller, lambda call: issue_document(call, issue_id, include))


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
        issues_of(call).set_state(issue_id, state, actor=actor(call.key))
        return issue_document(call, issue_id, include)

    return await run(caller, set_state)


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
        assigned = issues_of(call).assign(issue_id, user_id, actor=actor(call.key))
        document = issue_document(call, issue_id, include)
        document["meta"] = case_meta(assigned.case)
        return document

    return await run(caller, assign)


@router.delete(
    "/issues/{issue_id}/assignee",
    status_code=204,
    operation_id="delete_issue_assignee",
    summary="Unassign an issue",
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_issue_assignee(issue_id: IssueId, caller: Writer) -> Response:
    await run(caller, lambda call: issues_of(call).unassign(issue_id, actor=actor(call.key)))
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
        service = issues_of(call)
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

    return await run(caller, case_for_issue)


@router.delete(
    "/issues/{issue_id}/case",
    operation_id="delete_issue_case",
    summary="Unlink an issue from its case (no state changes)",
    response_model=models.ErrorTrackingIssueResponse,
    responses=NOT_FOUND,
)
async def delete_issue_case(issue_id: IssueId, caller: Writer, include: Include = None) -> Any:
    def unlink(call: Call) -> Json:
        issues_of(call).unlink(issue_id, actor=actor(call.key))
        return issue_document(call, issue_id, include)

    return await run(caller, unlink)


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
        done = issues_of(call).comment(issue_id, text, actor=actor(call.key))
        return {"data": wire.activity_resource(done.entry), "meta": case_meta(done.case)}

    return await run(caller, comment)


@router.get(
    "/issues/{issue_id}/activity",
    operation_id="list_issue_activity",
    summary="List an issue's activity, oldest first",
    response_model=models.ErrorTrackingActivityResponse,
    responses=NOT_FOUND,
)
async def list_issue_activity(issue_id: IssueId, caller: Reader) -> Any:
    def activity(call: Call) -> Json:
        entries = issues_of(call).activity(issue_id)
        return {"data": [wire.activity_resource(entry) for entry in entries]}

    return await run(caller, activity)


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
        return {"data": [wire.issue_resource(issue) for issue in issues_of(call).linked(case_id)]}

    return await run(caller, linked)

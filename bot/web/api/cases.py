"""The case endpoints: search, create, get, every change, custom attributes, comments,
timeline, move.

Each route reads its body after the key check, then does its work in one
transaction through `CaseService`, which records the change on the timeline
and tells the listeners (the case's Slack message). `{case_id}` is the case's
UUID or its key (`OPS-12`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from bot.core.cases import Case, CaseStatus, CaseType, CreationSource, Priority, TimelineEntry
from bot.services.case_reader import CaseReader
from bot.services.case_search import last_modifier
from bot.services.cases import CaseService
from bot.services.errors import InvalidCaseChange
from bot.services.projects import ProjectService
from bot.web.api import case_search, query_params, wire
from bot.web.api.auth import actor
from bot.web.api.caller import READ_CASES, WRITE_CASES, Call, Caller
from bot.web.api.document import Responses, refusal, request_body
from bot.web.api.errors import ApiError
from bot.web.api.models import case_requests as bodies
from bot.web.api.models.case_resources import CaseResponse, CasesResponse, TimelineResponse
from bot.web.api.models.fields import given
from bot.web.api.query_params import (
    CaseFilter,
    CaseId,
    CustomAttributeKey,
    PageFrom1,
    PageSize,
    SortAsc,
    SortAscending,
    SortField,
)
from bot.web.api.resources import case_resource, timeline_resource
from bot.web.api.routing import PREFIX, ApiRoute
from bot.web.api.users import authors

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["Case Management"])
ReadCases = Annotated[Caller, Depends(READ_CASES)]
WriteCases = Annotated[Caller, Depends(WRITE_CASES)]
NOT_FOUND: Responses = {404: refusal("Not Found")}
Json = dict[str, Any]


def _service(call: Call) -> CaseService:
    return CaseService(call.conn, now=call.now, listeners=call.listeners)


def case_document(call: Call, case: Case) -> Json:
    return {"data": case_resource(case, modified_by=last_modifier(call.conn, case.id))}


def _timeline(call: Call, entries: list[TimelineEntry]) -> Json:
    users = authors(call.conn, entries)
    return {"data": [timeline_resource(entry, users) for entry in entries]}


# --- Search and create ----------------------------------------------------------------


@router.get(
    "/cases", operation_id="search_cases", summary="Search cases", response_model=CasesResponse
)
async def search_cases(
    caller: ReadCases,
    page_size: PageSize = 10,
    page_number: PageFrom1 = 1,
    sort_field: SortField = "created_at",
    sort_asc: SortAsc = False,
    query: CaseFilter = "",
) -> Any:
    search = case_search.CaseQuery(
        filter=query, sort_field=sort_field, sort_asc=sort_asc, size=page_size, number=page_number
    )
    return await caller.run(lambda call: case_search.search(call.conn, search))


@router.post(
    "/cases",
    status_code=201,
    operation_id="create_case",
    summary="Create a case",
    response_model=CaseResponse,
    openapi_extra=request_body(bodies.CaseCreateRequest),
    responses={
        **NOT_FOUND,
        409: refusal("Conflict: a SECURITY case cannot be created closed (it needs a closing "
                     "reason)"),
    },
)  # fmt: skip
async def create_case(caller: WriteCases) -> Any:
    new = (await caller.body(bodies.CaseCreateRequest)).data
    return await caller.run(partial(_create, new=new))


def _create(call: Call, *, new: bodies.CaseCreate) -> Json:
    attributes = new.attributes
    status_name = given(attributes.status_name, None)
    status = wire.STATUS_BY_NAME[status_name] if status_name else CaseStatus.OPEN
    if status == CaseStatus.CLOSED and attributes.type_name == CaseType.SECURITY:
        raise ApiError(
            409,
            "a SECURITY case cannot be created closed: closing it needs a closing reason; "
            "create it open, then POST .../resolved_reason and .../status",
        )
    project = ProjectService(call.conn, now=call.now).get(new.relationships.project.data.id)
    assignee = given(new.relationships.assignee, None)
    creator = actor(call.key)
    case = _service(call).create_case(
        project=project,
        title=attributes.title,
        actor=creator,
        description=given(attributes.description, ""),
        type=attributes.type_name,
        priority=given(attributes.priority, Priority.NOT_DEFINED),
        attributes=given(attributes.attributes, None),
        assignee_id=assignee.data.id if assignee is not None and assignee.data else None,
        creation_source=CreationSource.API,
        created_by=call.key.user_id,
        status=status,
        custom_attributes=given(attributes.custom_attributes, None),
    )
    # Its one timeline entry says who made it: no need to read it back.
    return {"data": case_resource(case, modified_by=creator.user_id)}


# --- One case -------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}",
    operation_id="get_case",
    summary="Get a case",
    response_model=CaseResponse,
    responses=NOT_FOUND,
)
async def get_case(case_id: CaseId, caller: ReadCases) -> Any:
    def read(call: Call) -> Json:
        case, modified_by = CaseReader(call.conn).get_with_modifier(case_id)
        return {"data": case_resource(case, modified_by=modified_by)}

    return await caller.run(read)


@router.get(
    "/cases/{case_id}/timelines",
    operation_id="list_case_timeline",
    summary="List a case's timeline",
    response_model=TimelineResponse,
    responses=NOT_FOUND,
)
async def list_case_timeline(
    case_id: CaseId,
    caller: ReadCases,
    page_size: PageSize = 10,
    page_number: PageFrom1 = 1,
    ascending: SortAscending = True,
) -> Any:
    page = query_params.Page(page_size, page_number, 1)

    def timeline(call: Call) -> Json:
        entries = _service(call).timeline(case_id)
        if not ascending:
            entries.reverse()
        return _timeline(call, entries[page.offset : page.offset + page.size])

    return await caller.run(timeline)


@router.patch(
    "/cases/{case_id}/relationships/project",
    operation_id="move_case_to_project",
    summary="Move a case to another project (it gets a new key)",
    response_model=CaseResponse,
    openapi_extra=request_body(bodies.ProjectRelationship),
    responses=NOT_FOUND,
)
async def move_case_to_project(case_id: CaseId, caller: WriteCases) -> Any:
    target = (await caller.body(bodies.ProjectRelationship)).data.id

    def move(call: Call) -> Json:
        project = ProjectService(call.conn, now=call.now).get(target)
        return case_document(
            call, _service(call).move_to_project(case_id, project, actor=actor(call.key))
        )

    return await caller.run(move)


# --- Changes ----------------------------------------------------------------------------

Change = Callable[[CaseService, str, Any, Any], Case]


def _post_change(
    suffix: str,
    operation_id: str,
    summary: str,
    model: type[BaseModel],
    change: Change,
    conflict: str | None = None,
) -> None:
    responses: Responses = {**NOT_FOUND}
    if conflict:
        responses[409] = refusal(f"Conflict: {conflict}")

    async def endpoint(case_id: CaseId, caller: WriteCases) -> Any:
        body = await caller.body(model)

        def work(call: Call) -> Json:
            done = change(_service(call), case_id, body.data, actor(call.key))  # type: ignore[attr-defined]
            return case_document(call, done)

        return await caller.run(work)

    router.add_api_route(
        f"/cases/{{case_id}}/{suffix}",
        endpoint,
        methods=["POST"],
        operation_id=operation_id,
        summary=summary,
        response_model=CaseResponse,
        openapi_extra=request_body(model),
        responses=responses,
    )


def _status(service: CaseService, ref: str, data: Any, who: Any) -> Case:
    try:
        return service.set_status(ref, data.attributes.core_status, actor=who)
    except InvalidCaseChange as refused:
        if refused.field != "closing_reason":
            raise
        # The request is fine; the case is not ready for it (a SECURITY case needs a reason).
        raise ApiError(
            409, f"{refused.message}; set it first with POST .../resolved_reason"
        ) from None


_post_change(
    "status",
    "update_status",
    "Update a case's status",
    bodies.CaseUpdateStatusRequest,
    _status,
    conflict="closing a SECURITY case needs a closing reason first",
)
_post_change(
    "priority", "update_priority", "Update a case's priority", bodies.CaseUpdatePriorityRequest,
    lambda s, ref, data, who: s.set_priority(ref, data.attributes.priority, actor=who),
)  # fmt: skip
_post_change(
    "title", "update_case_title", "Update a case's title", bodies.CaseUpdateTitleRequest,
    lambda s, ref, data, who: s.set_title(ref, data.attributes.title, actor=who),
)  # fmt: skip
_post_change(
    "description", "update_case_description", "Update a case's description",
    bodies.CaseUpdateDescriptionRequest,
    lambda s, ref, data, who: s.set_description(ref, data.attributes.description, actor=who),
)  # fmt: skip
_post_change(
    "attributes", "update_attributes", "Replace a case's attributes",
    bodies.CaseUpdateAttributesRequest,
    lambda s, ref, data, who: s.set_attributes(ref, data.attributes.attributes, actor=who),
)  # fmt: skip
_post_change(
    "assign", "assign_case", "Assign a case", bodies.CaseAssignRequest,
    lambda s, ref, data, who: s.assign(ref, data.attributes.assignee_id, actor=who),
)  # fmt: skip
_post_change(
    "unassign", "unassign_case", "Unassign a case", bodies.CaseEmptyRequest,
    lambda s, ref, _data, who: s.unassign(ref, actor=who),
)  # fmt: skip
_post_change(
    "archive", "archive_case", "Archive a case", bodies.CaseEmptyRequest,
    lambda s, ref, _data, who: s.archive(ref, actor=who),
)  # fmt: skip
_post_change(
    "unarchive", "unarchive_case", "Unarchive a case", bodies.CaseEmptyRequest,
    lambda s, ref, _data, who: s.unarchive(ref, actor=who),
)  # fmt: skip
_post_change(
    "resolved_reason", "update_case_resolved_reason", "Set a case's closing reason",
    bodies.CaseUpdateResolvedReasonRequest,
    lambda s, ref, data, who: s.set_resolved_reason(
        ref, data.attributes.security_resolved_reason.lower(), actor=who
    ),
)  # fmt: skip


# --- Custom attributes ------------------------------------------------------------------

CUSTOM_ATTRIBUTE = "/cases/{case_id}/custom_attributes/{custom_attribute_key}"


@router.post(
    CUSTOM_ATTRIBUTE,
    operation_id="update_case_custom_attribute",
    summary="Set a case's custom attribute (TEXT, URL, NUMBER or SELECT; one value or many)",
    response_model=CaseResponse,
    openapi_extra=request_body(bodies.CaseUpdateCustomAttributeRequest),
    responses=NOT_FOUND,
)
async def update_case_custom_attribute(
    case_id: CaseId, custom_attribute_key: CustomAttributeKey, caller: WriteCases
) -> Any:
    value = (await caller.body(bodies.CaseUpdateCustomAttributeRequest)).data.attributes

    def update(call: Call) -> Json:
        service = _service(call)
        key, who = custom_attribute_key, actor(call.key)
        return case_document(call, service.set_custom_attribute(case_id, key, value, actor=who))

    return await caller.run(update)


@router.delete(
    CUSTOM_ATTRIBUTE,
    operation_id="delete_case_custom_attribute",
    summary="Remove a case's custom attribute (a key the case does not have changes nothing)",
    response_model=CaseResponse,
    responses=NOT_FOUND,
)
async def delete_case_custom_attribute(
    case_id: CaseId, custom_attribute_key: CustomAttributeKey, caller: WriteCases
) -> Any:
    def delete(call: Call) -> Json:
        service = _service(call)
        key, who = custom_attribute_key, actor(call.key)
        return case_document(call, service.remove_custom_attribute(case_id, key, actor=who))

    return await caller.run(delete)


@router.post(
    "/cases/{case_id}/comment",
    operation_id="comment_case",
    summary="Comment on a case",
    response_model=TimelineResponse,
    openapi_extra=request_body(bodies.CaseCommentRequest),
    responses=NOT_FOUND,
)
async def comment_case(case_id: CaseId, caller: WriteCases) -> Any:
    text = (await caller.body(bodies.CaseCommentRequest)).data.attributes.comment

    def comment(call: Call) -> Json:
        entry = _service(call).comment(case_id, text, actor=actor(call.key))
        return _timeline(call, [entry])

    return await caller.run(comment)

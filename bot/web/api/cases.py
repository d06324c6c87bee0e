"""The case endpoints: create, get, search, every change, comments, timeline, move.

Each endpoint is a work function `(Call, case_id) -> Answer` that parses its
body and calls `CaseService`, which records the change on the timeline and
tells the listeners (the case's Slack message). `{case_id}` is the case's UUID
or its key (`OPS-12`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select

from bot.core.cases import (
    Case,
    CaseStatus,
    CaseType,
    CreationSource,
    Priority,
    TimelineEntry,
    User,
)
from bot.db.users import user_from_row, users
from bot.services.cases import CaseService
from bot.services.errors import InvalidCaseChange
from bot.services.projects import ProjectService
from bot.web.api import bodies, case_search, query_params
from bot.web.api.auth import actor
from bot.web.api.endpoint import Answer, Call
from bot.web.api.errors import ApiError
from bot.web.api.modified_by import last_actor
from bot.web.api.resources import case_resource, timeline_resource

CaseWork = Callable[[Call, str], Answer]


def _service(call: Call) -> CaseService:
    return CaseService(call.conn, now=call.now, listeners=call.listeners)


def _case(call: Call, case: Case, status: int = 200) -> Answer:
    modifier = last_actor(call.conn, case.id)
    return Answer(status, {"data": case_resource(case, modified_by=modifier)})


def _authors(call: Call, entries: list[TimelineEntry]) -> dict[uuid.UUID, User]:
    ids = {entry.actor.user_id for entry in entries if entry.actor.user_id is not None}
    if not ids:
        return {}
    rows = call.conn.execute(select(users).where(users.c.id.in_(ids)))
    return {row.id: user_from_row(row) for row in rows}


def _timeline(call: Call, entries: list[TimelineEntry]) -> Answer:
    authors = _authors(call, entries)
    return Answer(200, {"data": [timeline_resource(entry, authors) for entry in entries]})


def create_case(call: Call) -> Answer:
    new = bodies.parse_create_case(call.body)
    if new.status == CaseStatus.CLOSED and new.type_name == CaseType.SECURITY:
        raise ApiError(
            409,
            "a SECURITY case cannot be created closed: closing it needs a closing reason; "
            "create it open, then POST .../resolved_reason and .../status",
        )
    project = ProjectService(call.conn, now=call.now).get(new.project_ref)
    case = _service(call).create_case(
        project=project,
        title=new.title,
        actor=actor(call.key),
        description=new.description or "",
        type=new.type_name,
        priority=new.priority or Priority.NOT_DEFINED,
        attributes=new.attributes,
        assignee_id=new.assignee_id,
        creation_source=CreationSource.API,
        created_by=call.key.user_id,
        status=CaseStatus(new.status) if new.status else CaseStatus.OPEN,
    )
    return _case(call, case, 201)


def get_case(call: Call, case_id: str) -> Answer:
    return _case(call, _service(call).get(case_id))


def search_cases(call: Call, params: query_params.CaseSearch) -> Answer:
    return Answer(200, case_search.search(call.conn, params))


def update_status(call: Call, case_id: str) -> Answer:
    status = bodies.parse_status(call.body)
    try:
        return _case(call, _service(call).set_status(case_id, status, actor=actor(call.key)))
    except InvalidCaseChange as refusal:
        if refusal.field != "closing_reason":
            raise
        # The request is fine; the case is not ready for it (a SECURITY case needs a reason).
        raise ApiError(
            409, f"{refusal.message}; set it first with POST .../resolved_reason"
        ) from None


def update_priority(call: Call, case_id: str) -> Answer:
    priority = bodies.parse_priority(call.body)
    return _case(call, _service(call).set_priority(case_id, priority, actor=actor(call.key)))


def update_title(call: Call, case_id: str) -> Answer:
    title = bodies.parse_title(call.body)
    return _case(call, _service(call).set_title(case_id, title, actor=actor(call.key)))


def update_description(call: Call, case_id: str) -> Answer:
    description = bodies.parse_description(call.body)
    return _case(call, _service(call).set_description(case_id, description, actor=actor(call.key)))


def update_attributes(call: Call, case_id: str) -> Answer:
    attributes = bodies.parse_case_attributes(call.body)
    return _case(call, _service(call).set_attributes(case_id, attributes, actor=actor(call.key)))


def assign(call: Call, case_id: str) -> Answer:
    user_id = bodies.parse_assign(call.body)
    return _case(call, _service(call).assign(case_id, user_id, actor=actor(call.key)))


def unassign(call: Call, case_id: str) -> Answer:
    bodies.parse_empty(call.body)
    return _case(call, _service(call).unassign(case_id, actor=actor(call.key)))


def archive(call: Call, case_id: str) -> Answer:
    bodies.parse_empty(call.body)
    return _case(call, _service(call).archive(case_id, actor=actor(call.key)))


def unarchive(call: Call, case_id: str) -> Answer:
    bodies.parse_empty(call.body)
    return _case(call, _service(call).unarchive(case_id, actor=actor(call.key)))


def update_resolved_reason(call: Call, case_id: str) -> Answer:
    reason = bodies.parse_resolved_reason(call.body)
    return _case(call, _service(call).set_resolved_reason(case_id, reason, actor=actor(call.key)))


def comment(call: Call, case_id: str) -> Answer:
    text = bodies.parse_comment(call.body)
    entry = _service(call).comment(case_id, text, actor=actor(call.key))
    return _timeline(call, [entry])


def move_to_project(call: Call, case_id: str) -> Answer:
    project_ref = bodies.parse_move(call.body)
    project = ProjectService(call.conn, now=call.now).get(project_ref)
    return _case(call, _service(call).move_to_project(case_id, project, actor=actor(call.key)))


def list_timeline(call: Call, case_id: str, page: query_params.Page, ascending: bool) -> Answer:
    entries = _service(call).timeline(case_id)
    if not ascending:
        entries.reverse()
    return _timeline(call, entries[page.offset : page.offset + page.size])


# (path under /cases/{case_id}, work) for every POST change endpoint.
CHANGES: tuple[tuple[str, CaseWork], ...] = (
    ("/status", update_status),
    ("/priority", update_priority),
    ("/title", update_title),
    ("/description", update_description),
    ("/attributes", update_attributes),
    ("/assign", assign),
    ("/unassign", unassign),
    ("/archive", archive),
    ("/unarchive", unarchive),
    ("/resolved_reason", update_resolved_reason),
    ("/comment", comment),
)

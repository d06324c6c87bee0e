"""`GET /api/v2/cases`: the query language over cases, sorted and paged.

Each case is matched as a query `Document` with these fields (values compare
case-folded, so `status:open` matches `OPEN`):

    key, status (OPEN / "In Progress" ...), priority, type, project (key and
    handle), project_id, assignee (user id, name or e-mail), creation_source, archived
    (true/false), and every case attribute (service, team, env, ...)

and free text (`"disk full"`) searches the key, title and description.
Archived cases are left out unless the query names the `archived` field
(`archived:true` for only those, `archived:*` for all).

The database narrows the candidates first where that is exact (archived or
not; a top-level `status:`/`priority:`/`project:` term). When that is the
whole filter, the database also sorts and pages; otherwise the compiled query
decides and the page is cut from the sorted matches here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy import case as sql_case

from bot.core.cases import Case
from bot.core.query import (
    And,
    Document,
    MatchAll,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    compile_query,
)
from bot.db.cases import case_from_row, cases
from bot.db.projects import projects
from bot.db.users import users
from bot.web.api import wire
from bot.web.api.errors import bad_request
from bot.web.api.modified_by import last_actors
from bot.web.api.query_params import Page
from bot.web.api.resources import case_resource


@dataclass(frozen=True, slots=True)
class CaseSearch:
    page: Page
    sort_field: str
    sort_asc: bool
    filter: str


_PRIORITY_RANK = {priority: rank for rank, priority in enumerate(wire.PRIORITIES[1:])}
_PRIORITY_RANK["NOT_DEFINED"] = len(_PRIORITY_RANK)
_STATUS_RANK = {status: rank for rank, status in enumerate(wire.STATUSES)}

_c = cases.c
# The fields `_narrow` turns into SQL conditions.
_NARROWED = ("status", "priority", "project")


def _terms(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from _terms(node.operand)
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from _terms(child)


def _top_level_terms(node: Node) -> list[Term]:
    """Plain `key:value` terms every match must satisfy (the AND at the top)."""
    operands = node.operands if isinstance(node, And) else (node,)
    return [
        term
        for term in operands
        if isinstance(term, Term)
        and term.key is not None
        and not term.is_pattern
        and not term.attribute
    ]


def _narrow(query: Select[Any], node: Node) -> Select[Any]:
    for term in _top_level_terms(node):
        key, value = term.key.lower() if term.key else "", term.value
        if key == "status":
            status = wire.STATUS_BY_NAME.get(value) or value.upper().replace(" ", "_")
            query = query.where(_c.status == status)
        elif key == "priority":
            query = query.where(_c.priority == value.upper())
        elif key == "project":
            query = query.where(
                (projects.c.key == value.upper()) | (projects.c.handle == value.lower())
            )
    return query


def _document(case: Case, row: Any) -> Document:
    status = case.status.value
    fields: dict[str, str | tuple[str, ...] | None] = {
        key: values for key, values in case.attributes.items()
    }
    fields.update(
        {
            "key": case.key,
            "status": (status, wire.STATUS_NAMES[status]),
            "priority": case.priority.value,
            "type": case.type,
            "project": (row.project_key, row.handle),
            "project_id": str(case.project_id),
            "assignee": _assignee(case, row),
            "creation_source": case.creation_source,
            "archived": "true" if case.archived_at is not None else "false",
        }
    )
    return Document.of(fields, text=(case.key, case.title, case.description))


def _assignee(case: Case, row: Any) -> tuple[str, ...] | None:
    """The assignee's id, name and e-mail: `assignee:alice@example.com` finds her cases."""
    if case.assignee_id is None:
        return None
    names = (row.assignee_name, row.assignee_email)
    return (str(case.assignee_id), *(name for name in names if name))


def _sort_key(search: CaseSearch) -> Any:
    if search.sort_field == "priority":
        return lambda case: (_PRIORITY_RANK[case.priority.value], case.created_at, str(case.id))
    if search.sort_field == "status":
        return lambda case: (_STATUS_RANK[case.status.value], case.created_at, str(case.id))
    return lambda case: (case.created_at, str(case.id))


def _decided_by_the_database(node: Node) -> bool:
    """True when `_narrow` alone decides the query exactly: no filter, or only
    plain ASCII `status:`/`priority:`/`project:` terms joined by AND (for those,
    SQL's upper/lower comparisons and the query's case-folding agree)."""
    if isinstance(node, MatchAll):
        return True
    operands = node.operands if isinstance(node, And) else (node,)
    return all(
        isinstance(term, Term)
        and term.key is not None
        and term.key.lower() in _NARROWED
        and not term.is_pattern
        and not term.attribute
        and term.value.isascii()
        for term in operands
    )


def _order(search: CaseSearch) -> list[Any]:
    """ORDER BY terms equal to `_sort_key`, so both paths page alike."""
    columns: list[Any] = [_c.created_at, _c.id]
    if search.sort_field == "priority":
        ranks = [(_c.priority == name, rank) for name, rank in _PRIORITY_RANK.items()]
        columns.insert(0, sql_case(*ranks, else_=len(_PRIORITY_RANK)))
    elif search.sort_field == "status":
        ranks = [(_c.status == name, rank) for name, rank in _STATUS_RANK.items()]
        columns.insert(0, sql_case(*ranks, else_=len(_STATUS_RANK)))
    return [column.asc() if search.sort_asc else column.desc() for column in columns]


def _candidates(node: Node) -> Select[Any]:
    statement = (
        select(
            cases,
            projects.c.key.label("project_key"),
            projects.c.handle,
            users.c.name.label("assignee_name"),
            users.c.email.label("assignee_email"),
        )
        .join(projects, projects.c.id == _c.project_id)
        .outerjoin(users, users.c.id == _c.assignee_id)
    )
    if not any(term.key and term.key.lower() == "archived" for term in _terms(node)):
        statement = statement.where(_c.archived_at.is_(None))
    return _narrow(statement, node)


def search(conn: Any, search: CaseSearch) -> dict[str, Any]:
    """The `CasesResponse` document for one page of matches.

    When the database can decide the filter alone (the common listing), it also
    sorts, counts and cuts the page; otherwise the compiled query decides over
    the narrowed candidates here.
    """
    try:
        query = compile_query(search.filter)
    except QuerySyntaxError as error:
        raise bad_request(f"filter: {error.message}") from None
    statement = _candidates(query.node)
    page = search.page
    if _decided_by_the_database(query.node):
        total = conn.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
        paged = statement.order_by(*_order(search)).limit(page.size).offset(page.offset)
        selected = [case_from_row(row) for row in conn.execute(paged)]
    else:
        matches = []
        for row in conn.execute(statement):
            case = case_from_row(row)
            if query.matches(_document(case, row)):
                matches.append(case)
        matches.sort(key=_sort_key(search), reverse=not search.sort_asc)
        total = len(matches)
        selected = matches[page.offset : page.offset + page.size]
    modifiers = last_actors(conn, [case.id for case in selected])
    return {
        "data": [case_resource(case, modified_by=modifiers.get(case.id)) for case in selected],
        "meta": {
            "page": {
                "current": page.number,
                "size": len(selected),
                "total": math.ceil(total / page.size),
            }
        },
    }

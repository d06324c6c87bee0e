"""The statements of case search: the candidates a query can match, narrowed in SQL
where that is exact, and one sorted page when SQL decides the whole query.

`bot.services.case_search` decides what is exact; this module only builds and runs
the statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy import case as sql_case

from bot.core.cases import Case, CaseStatus, Priority
from bot.core.query import And, Node, Not, Or, Term
from bot.db.cases import case_from_row, cases
from bot.db.projects import projects
from bot.db.users import users

_c = cases.c
PRIORITY_RANK = {priority.value: rank for rank, priority in enumerate(list(Priority)[1:])}
PRIORITY_RANK[Priority.NOT_DEFINED.value] = len(PRIORITY_RANK)
STATUS_RANK = {status.value: rank for rank, status in enumerate(CaseStatus)}
_STATUS_BY_NAME = {status.status_name: status.value for status in CaseStatus}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A case and what its search document needs beside it."""

    case: Case
    project_key: str
    project_handle: str
    assignee_name: str | None
    assignee_email: str | None


def terms(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from terms(node.operand)
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from terms(child)


def top_level_terms(node: Node) -> list[Term]:
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
    for term in top_level_terms(node):
        key, value = term.key.lower() if term.key else "", term.value
        if key == "status":
            status = _STATUS_BY_NAME.get(value) or value.upper().replace(" ", "_")
            query = query.where(_c.status == status)
        elif key == "priority":
            query = query.where(_c.priority == value.upper())
        elif key == "project":
            query = query.where(
                (projects.c.key == value.upper()) | (projects.c.handle == value.lower())
            )
    return query


def _order(sort_field: str, ascending: bool) -> list[Any]:
    """ORDER BY terms equal to the service's sort key, so both paths page alike."""
    columns: list[Any] = [_c.created_at, _c.id]
    if sort_field == "priority":
        ranks = [(_c.priority == name, rank) for name, rank in PRIORITY_RANK.items()]
        columns.insert(0, sql_case(*ranks, else_=len(PRIORITY_RANK)))
    elif sort_field == "status":
        ranks = [(_c.status == name, rank) for name, rank in STATUS_RANK.items()]
        columns.insert(0, sql_case(*ranks, else_=len(STATUS_RANK)))
    return [column.asc() if ascending else column.desc() for column in columns]


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
    if not any(term.key and term.key.lower() == "archived" for term in terms(node)):
        statement = statement.where(_c.archived_at.is_(None))
    return _narrow(statement, node)


def candidates(conn: Connection, node: Node) -> list[Candidate]:
    """Every case `node` may match (archived ones only when it names `archived`)."""
    return [
        Candidate(
            case_from_row(row), row.project_key, row.handle, row.assignee_name, row.assignee_email
        )
        for row in conn.execute(_candidates(node))
    ]


def page(
    conn: Connection, node: Node, *, sort_field: str, ascending: bool, limit: int, offset: int
) -> tuple[int, list[Case]]:
    """How many cases match `node` when SQL decides it alone, and one sorted page of them."""
    statement = _candidates(node)
    total: int = conn.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    paged = statement.order_by(*_order(sort_field, ascending)).limit(limit).offset(offset)
    return total, [case_from_row(row) for row in conn.execute(paged)]

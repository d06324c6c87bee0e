"""Case search: the query language over cases, sorted and paged.

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
decides and the page is cut from the sorted matches here. A filter the
language cannot read raises `QuerySyntaxError`.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from bot.core.cases import Case
from bot.core.query import And, Document, MatchAll, Node, Term, compile_query
from bot.db import case_modifiers, case_search
from bot.db.case_search import PRIORITY_RANK, STATUS_RANK, Candidate

# The fields `bot.db.case_search` turns into SQL conditions.
_NARROWED = ("status", "priority", "project")


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """One page of a search: pages count from `first` (1, as Datadog's client does)."""

    filter: str
    sort_field: str = "created_at"
    sort_asc: bool = False
    size: int = 10
    number: int = 1
    first: int = 1

    @property
    def offset(self) -> int:
        return (self.number - self.first) * self.size


@dataclass(frozen=True, slots=True)
class CasePage:
    cases: list[Case]
    # The user who last changed each case, when a user did.
    modified_by: dict[uuid.UUID, uuid.UUID]
    pages: int


def _document(candidate: Candidate) -> Document:
    case = candidate.case
    status = case.status
    fields: dict[str, str | tuple[str, ...] | None] = {
        key: values for key, values in case.attributes.items()
    }
    fields.update(
        {
            "key": case.key,
            "status": (status.value, status.status_name),
            "priority": case.priority.value,
            "type": case.type,
            "project": (candidate.project_key, candidate.project_handle),
            "project_id": str(case.project_id),
            "assignee": _assignee(candidate),
            "creation_source": case.creation_source,
            "archived": "true" if case.archived_at is not None else "false",
        }
    )
    return Document.of(fields, text=(case.key, case.title, case.description))


def _assignee(candidate: Candidate) -> tuple[str, ...] | None:
    """The assignee's id, name and e-mail: `assignee:alice@example.com` finds her cases."""
    case = candidate.case
    if case.assignee_id is None:
        return None
    names = (candidate.assignee_name, candidate.assignee_email)
    return (str(case.assignee_id), *(name for name in names if name))


def _sort_key(sort_field: str) -> Callable[[Case], Any]:
    if sort_field == "priority":
        return lambda case: (PRIORITY_RANK[case.priority.value], case.created_at, str(case.id))
    if sort_field == "status":
        return lambda case: (STATUS_RANK[case.status.value], case.created_at, str(case.id))
    return lambda case: (case.created_at, str(case.id))


def _decided_by_the_database(node: Node) -> bool:
    """True when SQL alone decides the query exactly: no filter, or only plain ASCII
    `status:`/`priority:`/`project:` terms joined by AND (for those, SQL's upper/lower
    comparisons and the query's case-folding agree)."""
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


def search(conn: Connection, query: CaseQuery) -> CasePage:
    """One page of the cases `query.filter` matches, sorted."""
    compiled = compile_query(query.filter)
    node = compiled.node
    if _decided_by_the_database(node):
        total, selected = case_search.page(
            conn,
            node,
            sort_field=query.sort_field,
            ascending=query.sort_asc,
            limit=query.size,
            offset=query.offset,
        )
    else:
        matches = [
            c.case for c in case_search.candidates(conn, node) if compiled.matches(_document(c))
        ]
        matches.sort(key=_sort_key(query.sort_field), reverse=not query.sort_asc)
        total = len(matches)
        selected = matches[query.offset : query.offset + query.size]
    modifiers = last_modifiers(conn, [case.id for case in selected])
    return CasePage(selected, modifiers, math.ceil(total / query.size))


def last_modifier(conn: Connection, case_id: uuid.UUID) -> uuid.UUID | None:
    """The user behind the case's newest timeline entry (None: no user, e.g. a monitor)."""
    return case_modifiers.last_actor(conn, case_id)


def last_modifiers(conn: Connection, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    return case_modifiers.last_actors(conn, case_ids)

"""Case search: the query language over cases, sorted and paged.

Each case is matched as a query `Document` with these fields (values compare
case-folded, so `status:open` matches `OPEN`):

    key, status (OPEN / "In Progress" ...), priority, type, project (key and
    handle), project_id, assignee (user id, name or e-mail), creation_source, archived
    (true/false), every case attribute (service, team, env, ...) and every custom
    attribute by its key (`tier:gold`, `effort:5`)

and free text (`"disk full"`) searches the key, title and description.
Archived cases are left out unless the query names the `archived` field
(`archived:true` for only those, `archived:*` for all).

The case API's search and the console's list share it; the statements, and how
the database narrows the candidates before the compiled query decides, are
bot/db/case_search.py's. A filter the language cannot read raises
`QuerySyntaxError`.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection

from bot.core.cases import Case
from bot.core.query import Query, QuerySyntaxError, compile_query
from bot.db import case_modifiers, case_search
from bot.db.case_order import SORT_FIELDS
from bot.db.case_search import CaseRow

__all__ = [
    "SORT_FIELDS",
    "CaseListPage",
    "CasePage",
    "CaseQuery",
    "CaseRow",
    "QuerySyntaxError",
    "last_modifier",
    "last_modifiers",
    "search",
    "search_rows",
]

# The API's sort fields, by the search's names for them.
_API_SORT = {"created_at": "created", "priority": "priority", "status": "status"}


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


def search(conn: Connection, query: CaseQuery) -> CasePage:
    """One page of the cases `query.filter` matches, sorted (the case API's search)."""
    found = case_search.search(
        conn,
        compile_query(query.filter),
        sort=_API_SORT.get(query.sort_field, "created"),
        ascending=query.sort_asc,
        offset=query.offset,
        limit=query.size,
    )
    selected = case_search.full_cases(conn, found.ids)
    modifiers = last_modifiers(conn, [case.id for case in selected])
    return CasePage(selected, modifiers, math.ceil(found.total / query.size))


@dataclass(frozen=True, slots=True)
class CaseListPage:
    rows: tuple[CaseRow, ...]
    total: int


def search_rows(
    conn: Connection, query: Query, *, sort: str, ascending: bool, offset: int, limit: int
) -> CaseListPage:
    """One page of the console's case list: what `query` matches, sorted by `sort` (one
    of SORT_FIELDS: key, title, status, priority, type, assignee, project, created)."""
    found = case_search.search(
        conn,
        query,
        sort=sort if sort in SORT_FIELDS else "created",
        ascending=ascending,
        offset=offset,
        limit=limit,
    )
    return CaseListPage(tuple(case_search.case_rows(conn, found.ids)), found.total)


def last_modifier(conn: Connection, case_id: uuid.UUID) -> uuid.UUID | None:
    """The user behind the case's newest timeline entry (None: no user, e.g. a monitor)."""
    return case_modifiers.last_actor(conn, case_id)


def last_modifiers(conn: Connection, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    return case_modifiers.last_actors(conn, case_ids)

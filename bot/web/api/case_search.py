"""`GET /api/v2/cases`: one page of the case search (`bot.services.case_search`) as a
`CasesResponse` document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from bot.core.query import QuerySyntaxError
from bot.services.case_search import CaseQuery
from bot.services.case_search import search as search_cases
from bot.web.api.errors import bad_request
from bot.web.api.resources import case_resource

__all__ = ["CaseQuery", "search"]


def search(conn: Connection, query: CaseQuery) -> dict[str, Any]:
    """The `CasesResponse` document for one page of matches; a 400 for a filter the
    query language cannot read."""
    try:
        found = search_cases(conn, query)
    except QuerySyntaxError as error:
        raise bad_request(f"filter: {error.message}") from None
    return {
        "data": [
            case_resource(case, modified_by=found.modified_by.get(case.id)) for case in found.cases
        ],
        "meta": {"page": {"current": query.number, "size": len(found.cases), "total": found.pages}},
    }

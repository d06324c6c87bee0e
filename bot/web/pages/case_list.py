"""`GET /cases`: the case list (search, quick filters, sorting, paging), and
`POST /cases/bulk`: one change to the selected cases.

The URL holds the whole view (`q`, `sort`, `dir`, `page`), so a view can be
bookmarked and shared. `q` is the case API's `filter` language; when it does
not parse, the error is shown under the box, with a caret at its column.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.cases import Actor, ActorSource, CaseStatus, CaseType, ClosingReason, Priority
from bot.services.case_pages import (
    SORT_FIELDS,
    CaseListPage,
    CasePages,
    CaseRow,
    Person,
    QuerySyntaxError,
)
from bot.services.cases import CaseService, CaseServiceError
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import render

PAGE_SIZE = 50
COLUMNS = (
    ("Key", "key"),
    ("Title", "title"),
    ("Status", "status"),
    ("Priority", "priority"),
    ("Type", "type"),
    ("Assignee", "assignee"),
    ("Project", "project"),
    ("Created", "created"),
)
STATUSES = [(status.value, status.status_name) for status in CaseStatus]
PRIORITIES = [(p.value, "Not defined" if p is Priority.NOT_DEFINED else p.value) for p in Priority]
CLOSING_REASONS = [(reason.value, reason.value.replace("_", " ")) for reason in ClosingReason]


@dataclass(frozen=True, slots=True)
class ListState:
    """What the URL says about the view."""

    q: str = ""
    sort: str = "created"
    ascending: bool = False
    page: int = 1

    @classmethod
    def of(cls, params: Any) -> ListState:
        sort = params.get("sort", "created")
        page = params.get("page", "1")
        return cls(
            q=params.get("q", "")[:2000],
            sort=sort if sort in SORT_FIELDS else "created",
            ascending=params.get("dir", "desc") == "asc",
            page=max(1, min(int(page), 100_000)) if page.isdigit() else 1,
        )

    def url(self, **changes: Any) -> str:
        state = replace(self, **changes)
        params: dict[str, str] = {}
        if state.q:
            params["q"] = state.q
        if state.sort != "created" or state.ascending:
            params["sort"] = state.sort
            params["dir"] = "asc" if state.ascending else "desc"
        if state.page > 1:
            params["page"] = str(state.page)
        return "/cases" + (f"?{urlencode(params)}" if params else "")


@dataclass(frozen=True, slots=True)
class ColumnView:
    label: str
    url: str
    sort: str | None  # "ascending" / "descending" on the sorted column (aria-sort)


@dataclass(frozen=True, slots=True)
class QueryError:
    message: str
    caret: str  # the query and a caret under the column


@dataclass(frozen=True, slots=True)
class QuickFilter:
    label: str
    url: str
    current: bool


@dataclass(frozen=True, slots=True)
class CaseListView:
    state: ListState
    rows: tuple[CaseRow, ...]
    total: int
    pages: int
    columns: tuple[ColumnView, ...]
    quick: tuple[QuickFilter, ...]
    error: QueryError | None
    people: tuple[Person, ...]
    can_change: bool
    back: str
    previous_url: str | None
    next_url: str | None
    notice: str | None = None
    bulk_error: str | None = None
    bulk_field: str | None = None
    statuses: tuple[tuple[str, str], ...] = tuple(STATUSES)
    priorities: tuple[tuple[str, str], ...] = tuple(PRIORITIES)
    closing_reasons: tuple[tuple[str, str], ...] = tuple(CLOSING_REASONS)


def _columns(state: ListState) -> tuple[ColumnView, ...]:
    columns = []
    for label, field in COLUMNS:
        current = state.sort == field
        ascending = not state.ascending if current else field in ("key", "title", "assignee")
        sort = ("ascending" if state.ascending else "descending") if current else None
        columns.append(ColumnView(label, state.url(sort=field, ascending=ascending, page=1), sort))
    return tuple(columns)


def _quick(state: ListState, email: str) -> tuple[QuickFilter, ...]:
    filters = (
        ("My open cases", f'assignee:"{email}" -status:closed'),
        ("Unassigned", "-assignee:* -status:closed"),
        ("P1–P2", "priority:(P1 OR P2) -status:closed"),
        ("All", ""),
    )
    return tuple(
        QuickFilter(label, ListState(q=q).url(), state.q.strip() == q) for label, q in filters
    )


def _caret(query: str, column: int) -> str:
    return f"{query}\n{' ' * max(0, column - 1)}^"


def _notice(params: Any) -> str | None:
    count = params.get("updated", "")
    if count.isdigit():
        return f"Updated {count} case{'s' if count != '1' else ''}."
    return None


async def _view(
    signed: Signed, state: ListState, *, notice: str | None = None
) -> tuple[CaseListView, Any]:
    error: QueryError | None = None
    try:
        query = CasePages.parse(state.q)
    except QuerySyntaxError as problem:
        error = QueryError(problem.message, _caret(state.q, problem.position))
        query = None

    def load(conn: Connection) -> tuple[CaseListPage, list[Person]]:
        pages = CasePages(conn)
        people = pages.all_people() if signed.can_change else []
        if query is None:
            return CaseListPage((), 0), people
        found = pages.search(
            query,
            sort=state.sort,
            ascending=state.ascending,
            offset=(state.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        return found, people

    found, people = await signed.console.read(load)
    pages = max(1, -(-found.total // PAGE_SIZE))
    view = CaseListView(
        state=state,
        rows=found.rows,
        total=found.total,
        pages=pages,
        columns=_columns(state),
        quick=_quick(state, signed.visitor.email),
        error=error,
        people=tuple(people),
        can_change=signed.can_change,
        back=state.url(),
        previous_url=state.url(page=state.page - 1) if state.page > 1 else None,
        next_url=state.url(page=state.page + 1) if state.page < pages else None,
        notice=notice,
    )
    return view, signed.chrome("cases")


@signed_in()
async def case_list(request: Request, signed: Signed) -> Response:
    state = ListState.of(request.query_params)
    view, frame = await _view(signed, state, notice=_notice(request.query_params))
    return render("case_list.html.j2", view=view, chrome=frame)


class BulkRefused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@signed_in(Needs.CHANGE)
async def bulk(request: Request, signed: Signed) -> Response:
    form = await request.form()
    keys = [str(key) for key in form.getlist("case")][:500]
    action = str(form.get("action") or "")
    back = str(form.get("back") or "/cases")
    state = ListState.of(dict(_query_of(back)))
    actor = Actor(ActorSource.WEB, signed.visitor.user_id, signed.visitor.name)
    now = signed.now
    listeners = signed.console.listeners

    def apply(conn: Connection) -> int:
        if not keys:
            raise BulkRefused("case", "Select at least one case.")
        service = CaseService(conn, now=now, listeners=listeners)
        cases = [service.get(key) for key in keys]
        for case in cases:
            _apply_one(service, case, action, form, actor)
        return len(cases)

    try:
        count = await signed.console.write(apply)
    except BulkRefused as refused:
        return await _bulk_error(signed, state, refused.field, refused.message)
    except CaseServiceError as error:
        return await _bulk_error(signed, state, getattr(error, "field", "case"), str(error))
    separator = "&" if "?" in state.url() else "?"
    return RedirectResponse(f"{state.url()}{separator}updated={count}", status_code=303)


def _apply_one(service: CaseService, case: Any, action: str, form: Any, actor: Actor) -> None:
    if action == "assign":
        assignee = str(form.get("assignee") or "")
        if not assignee:
            service.unassign(case, actor=actor)
            return
        try:
            user_id = uuid.UUID(assignee)
        except ValueError:
            raise BulkRefused("assignee", "Choose an assignee.") from None
        service.assign(case, user_id, actor=actor)
    elif action == "status":
        status = str(form.get("status") or "")
        reason = str(form.get("closing_reason") or "") or None
        if (
            status == CaseStatus.CLOSED.value
            and case.type == CaseType.SECURITY
            and not reason
            and not case.closing_reason
        ):
            raise BulkRefused(
                "closing_reason",
                f"{case.key} is a SECURITY case: choose a closing reason to close it.",
            )
        service.set_status(case, status, actor=actor, closing_reason=reason)
    elif action == "priority":
        service.set_priority(case, str(form.get("priority") or ""), actor=actor)
    elif action == "archive":
        service.archive(case, actor=actor)
    else:
        raise BulkRefused("action", "Choose what to do with the selected cases.")


def _query_of(url: str) -> list[tuple[str, str]]:
    """The query of a list URL (the view a bulk change returns to)."""
    parts = urlsplit(url)
    return parse_qsl(parts.query) if parts.path == "/cases" else []


async def _bulk_error(signed: Signed, state: ListState, field: str, message: str) -> Response:
    view, frame = await _view(signed, state)
    view = replace(view, bulk_error=message, bulk_field=field)
    return render("case_list.html.j2", status=400, view=view, chrome=frame)


routes = [
    Route("/cases", case_list, methods=["GET"]),
    Route("/cases/bulk", bulk, methods=["POST"]),
]

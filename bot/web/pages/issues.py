"""`/issues`: error-tracking issues, and one issue's panel (`/issues/ID`).

The list searches with the error-tracking query language (`service:web-store
-team:Shopist state:open`). The panel shows the issue's occurrences, state,
assignee, comments and activity; responders change its state, assignee and
comments, and under **Actions** add a case for it (in the project the rules
pick, unless they choose another) or attach it to an existing case. Every change
goes through `IssueService`, so a linked case follows as it does through the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.cases import Actor, ActorSource, Case
from bot.core.issues import IssueState
from bot.errortracking import CaseOutcome, IssueNotFound, IssueService
from bot.errortracking.issue_pages import IssuePages, IssuePanel, IssueRow, QuerySyntaxError
from bot.services.case_pages import CasePages, CaseRow, Person
from bot.services.errors import CaseNotFound, CaseServiceError, InvalidChange, ProjectNotFound
from bot.services.projects import ProjectReader
from bot.web.pages.case_list import PRIORITIES
from bot.web.pages.forms import sentence, text_field
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import refusal, render

STATES = tuple((state.value, state.label) for state in IssueState)
ORDERS = (("LAST_SEEN", "Last seen"), ("FIRST_SEEN", "First seen"), ("TOTAL_COUNT", "Count"))
LIST_LIMIT = 200
ATTACH_RESULTS = 10
DONE = {
    "state": "Changed the state.",
    "assignee": "Changed the assignee.",
    "comment": "Added the comment.",
    "created": "Created case {case} for this issue.",
    "attached": "Attached this issue to {case}.",
    "unlinked": "Unlinked this issue from its case.",
}


@dataclass(frozen=True, slots=True)
class QueryError:
    message: str
    caret: str


@dataclass(frozen=True, slots=True)
class IssuesView:
    q: str
    order: str
    rows: tuple[IssueRow, ...]
    error: QueryError | None
    limit: int = LIST_LIMIT
    orders: tuple[tuple[str, str], ...] = ORDERS
    quick: tuple[tuple[str, str], ...] = (
        ("All", ""),
        ("For review", "state:open"),
        ("Reviewed", "state:acknowledged"),
        ("Resolved", "state:resolved"),
        ("Ignored", "state:ignored"),
    )

    def url(self, q: str) -> str:
        return "/issues" + (f"?{urlencode({'q': q})}" if q else "")


@dataclass(frozen=True, slots=True)
class IssueView:
    panel: IssuePanel
    people: tuple[Person, ...]
    can_change: bool
    case_q: str = ""
    found: tuple[CaseRow, ...] | None = None  # the attach search's results
    find_error: str | None = None
    notice: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    states: tuple[tuple[str, str], ...] = STATES
    priorities: tuple[tuple[str, str], ...] = tuple(PRIORITIES)

    @property
    def issue(self) -> Any:
        return self.panel.issue

    @property
    def actions_open(self) -> bool:
        return bool(self.case_q or self.errors.get("project") or self.errors.get("attach"))

    @property
    def chosen_project(self) -> str:
        if "project" in self.values:
            return self.values["project"]
        project = self.panel.choice.project
        return project.key if project is not None else ""


def _caret(text: str, error: QuerySyntaxError) -> QueryError:
    column = max(1, min(error.position, len(text) + 1))
    return QueryError(f"{sentence(error.message)}", f"{text}\n{' ' * (column - 1)}^")


@signed_in()
async def issues_page(request: Request, signed: Signed) -> Response:
    q = request.query_params.get("q", "")[:2000]
    order = request.query_params.get("order", "LAST_SEEN")
    order = order if order in dict(ORDERS) else "LAST_SEEN"
    error = None
    try:
        node = IssuePages.parse(q) if q.strip() else None
    except QuerySyntaxError as wrong:
        node, error = None, _caret(q, wrong)
    now = signed.now

    def load(conn: Connection) -> list[IssueRow]:
        if error is not None:
            return []
        return IssuePages(conn, now=now).rows(query=node, order_by=order, limit=LIST_LIMIT)

    rows = await signed.console.read(load)
    view = IssuesView(q, order, tuple(rows), error)
    status = 400 if error is not None else 200
    return render("issues.html.j2", status=status, view=view, chrome=signed.chrome("issues"))


def _issue_id(request: Request) -> str:
    return str(request.path_params["issue_id"])[:64]


def _attach_query(text: str) -> str:
    """Free text for the case search: the key, title or description contains it."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def _page(
    request: Request, signed: Signed, issue_id: str, *, status: int = 200, **extra: Any
) -> Response:
    case_q = extra.pop("case_q", request.query_params.get("case_q", "")).strip()[:200]
    now = signed.now

    def load(conn: Connection) -> tuple[IssuePanel, list[Person], list[CaseRow] | None] | None:
        panel = IssuePages(conn, now=now).panel(issue_id)
        if panel is None:
            return None
        pages = CasePages(conn)
        people = pages.all_people() if signed.can_change else []
        found = None
        if case_q and signed.can_change:
            query = pages.parse(_attach_query(case_q))
            found = list(
                pages.search(query, sort="created", ascending=False, offset=0,
                             limit=ATTACH_RESULTS).rows
            )  # fmt: skip
        return panel, people, found

    loaded = await signed.console.read(load)
    if loaded is None:
        return refusal(
            404, "No such issue", f"There is no issue {issue_id}.", signed.chrome("issues")
        )
    panel, people, found = loaded
    if "notice" not in extra:
        done = request.query_params.get("done", "")
        case = request.query_params.get("case", "")[:30]
        extra["notice"] = DONE[done].format(case=case) if done in DONE else None
    view = IssueView(
        panel=panel,
        people=tuple(people),
        can_change=signed.can_change,
        case_q=case_q,
        found=tuple(found) if found is not None else None,
        **extra,
    )
    return render("issue.html.j2", status=status, view=view, chrome=signed.chrome("issues"))


@signed_in()
async def issue_page(request: Request, signed: Signed) -> Response:
    return await _page(request, signed, _issue_id(request))


def _actor(signed: Signed) -> Actor:
    return Actor(ActorSource.WEB, signed.visitor.user_id, signed.visitor.name)


def _done(issue_id: str, done: str, case: str = "") -> Response:
    extra = f"&case={case}" if case else ""
    return RedirectResponse(f"/issues/{issue_id}?done={done}{extra}", status_code=303)


# What a change does with the issue service, in the request's transaction.
Work = Callable[[IssueService, Connection, Actor], object]


async def _change(
    request: Request, signed: Signed, done: str, field_name: str, work: Work, **extra: Any
) -> Response:
    """Do `work` with the issue service; refusals come back next to `field_name`."""
    issue_id = _issue_id(request)
    actor = _actor(signed)
    now = signed.now
    listeners = signed.console.listeners

    def run(conn: Connection) -> object:
        return work(IssueService(conn, now=now, listeners=listeners), conn, actor)

    try:
        result = await signed.console.write(run)
    except IssueNotFound:
        return refusal(
            404, "No such issue", f"There is no issue {issue_id}.", signed.chrome("issues")
        )
    except (CaseNotFound, ProjectNotFound) as missing:
        errors = {field_name: sentence(str(missing))}
        return await _page(request, signed, issue_id, status=400, errors=errors, **extra)
    except InvalidChange as invalid:
        errors = {field_name: sentence(invalid.message)}
        return await _page(request, signed, issue_id, status=400, errors=errors, **extra)
    except CaseServiceError as error:
        errors = {field_name: sentence(str(error))}
        return await _page(request, signed, issue_id, status=400, errors=errors, **extra)
    if isinstance(result, CaseOutcome) and result.created and result.case is not None:
        return _done(issue_id, "created", result.case.key)  # a comment or assignment made one
    return _done(issue_id, done, result.key if isinstance(result, Case) else "")


@signed_in(Needs.CHANGE)
async def set_state(request: Request, signed: Signed) -> Response:
    state = text_field(await request.form(), "state", 40)
    issue_id = _issue_id(request)
    return await _change(
        request, signed, "state", "state",
        lambda issues, _conn, actor: issues.set_state(issue_id, state, actor=actor),
    )  # fmt: skip


@signed_in(Needs.CHANGE)
async def set_assignee(request: Request, signed: Signed) -> Response:
    chosen = text_field(await request.form(), "assignee", 64)
    issue_id = _issue_id(request)

    def work(issues: IssueService, _conn: Connection, actor: Actor) -> object:
        if not chosen:
            return issues.unassign(issue_id, actor=actor)
        try:
            user_id = uuid.UUID(chosen)
        except ValueError:
            raise InvalidChange("assignee", "choose someone from the list") from None
        return issues.assign(issue_id, user_id, actor=actor).case

    return await _change(request, signed, "assignee", "assignee", work)


@signed_in(Needs.CHANGE)
async def comment(request: Request, signed: Signed) -> Response:
    text = text_field(await request.form(), "comment", 20_000)
    issue_id = _issue_id(request)
    return await _change(
        request, signed, "comment", "comment",
        lambda issues, _conn, actor: issues.comment(issue_id, text, actor=actor).case,
        values={"comment": text},
    )  # fmt: skip


@signed_in(Needs.CHANGE)
async def create_case(request: Request, signed: Signed) -> Response:
    form = await request.form()
    values = {
        "project": text_field(form, "project", 20),
        "title": text_field(form, "title", 500).strip(),
        "priority": text_field(form, "priority", 20),
    }
    issue_id = _issue_id(request)

    def work(issues: IssueService, conn: Connection, actor: Actor) -> Case:
        chosen = ProjectReader(conn).get(values["project"]) if values["project"] else None
        return issues.create_case(
            issue_id,
            actor=actor,
            project=chosen,
            title=values["title"] or None,
            priority=values["priority"] or None,
        )

    return await _change(request, signed, "created", "project", work, values=values)


@signed_in(Needs.CHANGE)
async def attach(request: Request, signed: Signed) -> Response:
    form = await request.form()
    case_key = text_field(form, "case", 40).strip().upper()
    issue_id = _issue_id(request)
    return await _change(
        request, signed, "attached", "attach",
        lambda issues, _conn, actor: issues.link(issue_id, case_key, actor=actor),
        case_q=text_field(form, "case_q", 200),
    )  # fmt: skip


@signed_in(Needs.CHANGE)
async def unlink(request: Request, signed: Signed) -> Response:
    form = await request.form()
    back = text_field(form, "back", 100)
    issue_id = _issue_id(request)
    answer = await _change(
        request, signed, "unlinked", "attach",
        lambda issues, _conn, actor: issues.unlink(issue_id, actor=actor),
    )  # fmt: skip
    if answer.status_code == 303 and back.startswith("/cases/") and "//" not in back:
        return RedirectResponse(back, status_code=303)
    return answer


routes = [
    Route("/issues", issues_page, methods=["GET"]),
    Route("/issues/{issue_id}", issue_page, methods=["GET"]),
    Route("/issues/{issue_id}/state", set_state, methods=["POST"]),
    Route("/issues/{issue_id}/assignee", set_assignee, methods=["POST"]),
    Route("/issues/{issue_id}/comment", comment, methods=["POST"]),
    Route("/issues/{issue_id}/case", create_case, methods=["POST"]),
    Route("/issues/{issue_id}/attach", attach, methods=["POST"]),
    Route("/issues/{issue_id}/unlink", unlink, methods=["POST"]),
]

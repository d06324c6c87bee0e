"""`GET /cases/KEY`: a read-only case page, opened only through a signed link.

The View case buttons casebot puts in Slack carry `?exp=…&sig=…` (bot/slack/case_links.py).
A missing, altered or expired signature gets 401 and shows nothing of the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy import Engine, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.core.cases import Case, TimelineEntry
from bot.db.monitor_groups import monitor_cycle_cases, monitor_groups
from bot.db.projects import find_project
from bot.db.users import users
from bot.services.cases import CaseService
from bot.slack.case_links import CaseLinks
from bot.templating import environment

UNAUTHORIZED = (
    "<!doctype html><title>Link not valid</title>"
    "<p>This case link is missing its signature, was altered or has expired. "
    "Open the case again from its Slack message.</p>"
)


@dataclass(frozen=True, slots=True)
class GroupView:
    source: str
    monitor_id: str
    monitor_name: str
    group: str
    state: str
    cycle: int


@dataclass(frozen=True, slots=True)
class CasePageView:
    case: Case
    project_name: str
    assignee: str | None
    timeline: tuple[TimelineEntry, ...]
    groups: tuple[GroupView, ...]


def _now() -> datetime:
    return datetime.now(UTC)


async def case_page(request: Request, *, engine: Engine, links: CaseLinks) -> Response:
    key = request.path_params["key"].upper()
    params = request.query_params
    if not links.verify(key, params.get("exp"), params.get("sig"), now=_now()):
        return HTMLResponse(UNAUTHORIZED, status_code=401, headers=_private())
    view = await anyio.to_thread.run_sync(_load, engine, key)
    if view is None:
        return HTMLResponse("<!doctype html><p>No such case.</p>", status_code=404)
    html = environment().get_template("web/case.html.j2").render(view=view)
    return HTMLResponse(html, headers=_private())


def _private() -> dict[str, str]:
    # The signed URL is the credential: keep the page out of caches and referrers.
    return {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _load(engine: Engine, key: str) -> CasePageView | None:
    with engine.connect() as conn:
        service = CaseService(conn, now=_now())
        case = service.find(key)
        if case is None or case.key != key:
            return None
        project = find_project(conn, case.project_id)
        assignee = None
        if case.assignee_id is not None:
            assignee = conn.execute(
                select(users.c.name).where(users.c.id == case.assignee_id)
            ).scalar_one_or_none()
        rows = conn.execute(
            select(monitor_groups, monitor_cycle_cases.c.cycle.label("case_cycle"))
            .join(monitor_cycle_cases, monitor_cycle_cases.c.group_id == monitor_groups.c.id)
            .where(monitor_cycle_cases.c.case_id == case.id)
        ).all()
        groups = tuple(
            GroupView(r.source, r.monitor_id, r.monitor_name, r.group_key, r.state, r.case_cycle)
            for r in rows
        )
        return CasePageView(
            case=case,
            project_name=project.name if project else "",
            assignee=assignee,
            timeline=tuple(service.timeline(case.id)),
            groups=groups,
        )

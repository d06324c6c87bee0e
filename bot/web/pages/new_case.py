"""`GET/POST /cases/new`: open a case by hand.

Through the same case service as the API and Slack: creation source MANUAL,
the signed-in person as creator, and the case listeners (Slack, issue sync,
live pages) hear of it. A refused value is shown next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.cases import Actor, ActorSource, CaseType, CreationSource, Priority, Project
from bot.services.case_pages import CasePages
from bot.services.cases import CaseService
from bot.services.errors import CaseServiceError, InvalidChange, ProjectNotFound
from bot.web.pages.case_list import PRIORITIES
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import render

FIELDS = ("project", "type", "title", "description", "priority")


@dataclass(frozen=True, slots=True)
class NewCaseView:
    projects: tuple[Project, ...]
    types: tuple[str, ...]
    priorities: tuple[tuple[str, str], ...]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _types(projects: list[Project]) -> tuple[str, ...]:
    names = [t.value for t in CaseType if t is not CaseType.ERROR_TRACKING]
    for project in projects:
        if project.default_case_type not in names:
            names.append(project.default_case_type)
    return tuple(names)


async def _page(
    signed: Signed, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    projects = await signed.console.read(lambda conn: CasePages(conn).all_projects())
    view = NewCaseView(tuple(projects), _types(projects), tuple(PRIORITIES), values, errors)
    return render("new_case.html.j2", status=status, view=view, chrome=signed.chrome("cases"))


@signed_in(Needs.CHANGE)
async def new_case_page(request: Request, signed: Signed) -> Response:
    values = {
        "project": request.query_params.get("project", ""),
        "type": "",
        "priority": "NOT_DEFINED",
    }
    return await _page(signed, values, {})


@signed_in(Needs.CHANGE)
async def create_case(request: Request, signed: Signed) -> Response:
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in FIELDS}
    errors: dict[str, str] = {}
    if not values["project"]:
        errors["project"] = "Choose a project."
    if not values["title"].strip():
        errors["title"] = "A case needs a title."
    if errors:
        return await _page(signed, values, errors, status=400)
    actor = Actor(ActorSource.WEB, signed.visitor.user_id, signed.visitor.name)
    now = signed.now
    listeners = signed.console.listeners

    def create(conn: Connection) -> str:
        case = CaseService(conn, now=now, listeners=listeners).create_case(
            project=values["project"],
            title=values["title"],
            description=values["description"],
            type=values["type"] or None,
            priority=values["priority"] or Priority.NOT_DEFINED,
            actor=actor,
            creation_source=CreationSource.MANUAL,
            created_by=signed.visitor.user_id,
        )
        return case.key

    try:
        key = await signed.console.write(create)
    except ProjectNotFound:
        return await _page(signed, values, {"project": "No such project."}, status=400)
    except InvalidChange as invalid:
        where = invalid.field if invalid.field in FIELDS else "title"
        return await _page(signed, values, {where: _sentence(invalid.message)}, status=400)
    except CaseServiceError as error:
        return await _page(signed, values, {"title": _sentence(str(error))}, status=400)
    return RedirectResponse(f"/cases/{key}", status_code=303)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


routes = [
    Route("/cases/new", new_case_page, methods=["GET"]),
    Route("/cases/new", create_case, methods=["POST"]),
]

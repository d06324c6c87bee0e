"""The web console: server-rendered pages over the services.

`install(app)` adds every page route, `/` and the static files (`/static/`,
served by casebot: htmx, the style sheet and the live-update script). One
module per family of pages; each exports `routes`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.web.pages import (
    case_list,
    case_page,
    case_watch,
    inbox,
    issues,
    keys,
    live,
    login,
    new_case,
    notifications,
    projects,
    reports,
    rules,
    users,
    welcome,
    workbench,
)
from bot.web.pages.console import console_of
from bot.web.pages.guard import visitor_of
from bot.web.pages.rendering import STATIC_DIR


async def home(request: Request) -> Response:
    """`/`: the cases when signed in, else the sign-in page."""
    console = await console_of(request)
    signed = await visitor_of(request, console) is not None
    return RedirectResponse("/cases" if signed else "/login", status_code=303)


def routes() -> list[Route | Mount]:
    return [
        Route("/", home, methods=["GET"]),
        *login.routes,
        *welcome.routes,
        *case_list.routes,
        *new_case.routes,  # before /cases/{key}
        *live.routes,
        *case_page.routes,
        *case_watch.routes,
        *issues.routes,
        *projects.routes,
        *rules.routes,
        *workbench.routes,
        *inbox.routes,
        *reports.routes,
        *keys.routes,
        *notifications.routes,
        *users.routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def install(app: Starlette) -> None:
    """Add the console's routes to `app` (before any catch-all mount). Its case feed,
    `app.state.case_feed`, is made at start-up, for the database."""
    app.router.routes.extend(routes())

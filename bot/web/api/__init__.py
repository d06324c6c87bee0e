"""The Datadog Case Management v2-compatible API under /api/v2, and its OpenAPI document.

`install(app)` adds the routes of the case API (projects, cases, users) and of
the error-tracking API (bot/web/error_tracking.py), answers their refusals in
the API's error shape, and serves `/openapi.json` generated from the routes
and their pydantic models (see `document`).
"""

from __future__ import annotations

from fastapi import FastAPI

from bot.web.api import (
    cases,
    document,
    downtimes,
    notifications,
    projects,
    reports,
    routing,
    users,
)
from bot.web.api.caller import Backend

__all__ = ["Backend", "install"]


def install(app: FastAPI, backend: Backend | None = None) -> None:
    """Add both APIs to `app`.

    Without `backend`, the routes use the app's shared state (see
    `caller.backend_of`), which `create_app` sets up at start-up.
    """
    from bot.web import error_tracking  # it builds on this package's modules

    if backend is not None:
        app.state.case_api = backend
    # Order matters: /cases/projects before /cases/{case_id}.
    routers = (
        *error_tracking.routers,
        projects.router,
        notifications.router,
        cases.router,
        users.router,
        downtimes.router,
        reports.router,
    )
    for router in routers:
        app.router.routes.extend(router.routes)
    routing.link(app.router.routes)
    routing.install_handlers(app)
    document.install(app)

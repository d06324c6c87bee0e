"""The Datadog Case Management v2-compatible API, mounted under /api/v2.

`install(app)` mounts the routes and publishes their OpenAPI document
at `/openapi.json` (merged into FastAPI's own document when `app` is FastAPI).
The routes are plain Starlette routes: each parses its own JSON:API body, so a
request costs no per-request model validation on top of the work it asks for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from bot.db.api_keys import Scope as KeyScope
from bot.web.api import cases, openapi, projects, query_params, users
from bot.web.api.endpoint import Answer, Backend, Call, run
from bot.web.api.errors import ApiError, error_response

__all__ = ["Backend", "install", "router"]

PREFIX = openapi.PREFIX
Endpoint = Callable[[Request], Awaitable[Response]]


def _plain(scope: KeyScope, work: Callable[[Call], Answer]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await run(request, scope, work)

    return endpoint


def _with_param(scope: KeyScope, name: str, work: Callable[[Call, str], Answer]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        value: str = request.path_params[name]
        return await run(request, scope, lambda call: work(call, value))

    return endpoint


def _search() -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            params = query_params.case_search(request.query_params)
        except ApiError as error:
            return await _after_auth(request, error)
        return await run(
            request,
            KeyScope.CASES_READ,
            lambda call: cases.search_cases(call, params),
        )

    return endpoint


def _timeline() -> Endpoint:
    async def endpoint(request: Request) -> Response:
        case_id: str = request.path_params["case_id"]
        try:
            page = query_params.page(request.query_params, first=1)
            ascending = query_params.sort_ascending(request.query_params, "sort[ascending]", True)
        except ApiError as error:
            return await _after_auth(request, error)
        return await run(
            request,
            KeyScope.CASES_READ,
            lambda call: cases.list_timeline(call, case_id, page, ascending),
        )

    return endpoint


def _users() -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            page = query_params.page(request.query_params, first=0)
            text = query_params.text(request.query_params, "filter")
        except ApiError as error:
            return await _after_auth(request, error)
        return await run(
            request,
            KeyScope.CASES_READ,
            lambda call: users.list_users(call, page, text),
        )

    return endpoint


async def _after_auth(request: Request, error: ApiError) -> Response:
    """Answer a bad query parameter with 400, but only to a caller who may read."""

    def refuse(_call: Call) -> Answer:
        raise error

    return await run(request, KeyScope.CASES_READ, refuse)


def routes() -> list[BaseRoute]:
    """Every route of the API, relative to /api/v2 (the order matters: projects first)."""
    read, write = KeyScope.CASES_READ, KeyScope.CASES_WRITE
    case = "/cases/{case_id}"
    table: list[BaseRoute] = [
        Route("/cases", _search(), methods=["GET"]),
        Route("/cases", _plain(write, cases.create_case), methods=["POST"]),
        Route("/cases/projects", _plain(read, projects.list_projects), methods=["GET"]),
        Route("/cases/projects", _plain(write, projects.create_project), methods=["POST"]),
    ]
    project = "/cases/projects/{project_id}"
    project_routes: tuple[tuple[str, KeyScope, Callable[[Call, str], Answer]], ...] = (
        ("GET", read, projects.get_project),
        ("PATCH", write, projects.update_project),
        ("DELETE", write, projects.delete_project),
    )
    for method, scope, work in project_routes:
        table.append(Route(project, _with_param(scope, "project_id", work), methods=[method]))
    table.append(Route(case, _with_param(read, "case_id", cases.get_case), methods=["GET"]))
    table.append(Route(f"{case}/timelines", _timeline(), methods=["GET"]))
    table.append(
        Route(
            f"{case}/relationships/project",
            _with_param(write, "case_id", cases.move_to_project),
            methods=["PATCH"],
        )
    )
    for suffix, scope, work in cases.CHANGES:
        table.append(
            Route(f"{case}{suffix}", _with_param(scope, "case_id", work), methods=["POST"])
        )
    table.append(Route("/users", _users(), methods=["GET"]))
    return table


async def _no_such_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "")
    response = error_response(
        ApiError(404, f"no endpoint {path}; GET /openapi.json lists the endpoints")
    )
    await response(scope, receive, send)


def router() -> Router:
    """The API as one ASGI app, to mount at /api/v2 (unknown paths get a JSON 404)."""
    return Router(routes=routes(), default=_no_such_endpoint)


def install(app: Starlette, backend: Backend | None = None) -> None:
    """Mount the API at /api/v2 on `app` and publish its OpenAPI document.

    Without `backend`, the routes use the app's shared state (see
    `endpoint.backend_of`), which `create_app` sets up at start-up.
    """
    if backend is not None:
        app.state.case_api = backend
    app.router.routes.append(Mount(PREFIX, app=router()))
    generate = getattr(app, "openapi", None)
    if callable(generate):
        _merge_openapi(app, generate)
    else:
        app.router.routes.append(Route("/openapi.json", _openapi_json, methods=["GET"]))


async def _openapi_json(_request: Request) -> Response:
    return JSONResponse(openapi.document())


def _merge_openapi(app: Any, generate: Callable[[], dict[str, Any]]) -> None:
    """FastAPI's document for its own routes plus ours (FastAPI serves it, cached)."""

    def merged() -> dict[str, Any]:
        if getattr(app, "openapi_schema", None):
            cached: dict[str, Any] = app.openapi_schema
            return cached
        ours = openapi.document()
        document = dict(generate())
        document["paths"] = {**document.get("paths", {}), **ours["paths"]}
        components = dict(document.get("components", {}))
        components["schemas"] = {
            **components.get("schemas", {}),
            **ours["components"]["schemas"],
        }
        components["securitySchemes"] = {
            **components.get("securitySchemes", {}),
            **ours["components"]["securitySchemes"],
        }
        document["components"] = components
        app.openapi_schema = document
        return document

    app.openapi = merged

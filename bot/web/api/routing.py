"""How the API's routes match and answer what no route answers.

`ApiRoute` is the route class of both APIs. A path has one set of methods:
another method gets a 405 in the API's error shape listing them all (`Allow`),
even where a look-alike path would take it (`GET /issues/search` is not
`GET /issues/{issue_id}`). Each route knows the query parameters it declares,
so that `authorize` can refuse any other. `install_handlers(app)` answers
refusals (`ApiError`), unknown paths (404), other methods (405) and invalid
path or query parameters (400) under /api/v2 with `{"errors": [...]}`; other
paths keep FastAPI's answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from bot.web.api.errors import ApiError, error_response
from bot.web.api.refusals import invalid

PREFIX = "/api/v2"
ERROR_TRACKING_PREFIX = f"{PREFIX}/error-tracking"


class ApiRoute(APIRoute):
    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        params = get_flat_params(self.dependant)
        self.query_names = tuple(p.alias for p in params if p.field_info.in_.value == "query")  # type: ignore[attr-defined]
        # Every method of this path, in the order routes were added (see `link`).
        self.path_methods: tuple[str, ...] = tuple(sorted(self.methods or ()))
        # The path up to its first parameter: a request path without it cannot match.
        self.literal_prefix = path.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # A request tries the routes in order; most of the ~80 API routes are ruled out
        # by their literal prefix alone, before FastAPI's regex and scope work (which
        # took most of a case read's time in routing).
        # (Behind a root path the full matching runs.)
        if (
            scope["type"] == "http"
            and not scope.get("root_path")
            and not scope["path"].startswith(self.literal_prefix)
        ):
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match is Match.PARTIAL and scope["method"] not in self.path_methods:
            # The path is ours: no look-alike path takes another method.
            return Match.FULL, child
        return match, child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in (self.methods or ()):
            raise HTTPException(405, headers={"Allow": ", ".join(self.path_methods)})
        await super().handle(scope, receive, send)


def link(routes: Iterable[BaseRoute]) -> None:
    """Tell each `ApiRoute` every method its path takes."""
    by_path: dict[str, list[str]] = {}
    api_routes = [route for route in routes if isinstance(route, ApiRoute)]
    for route in api_routes:
        by_path.setdefault(route.path, []).extend(sorted(route.methods or ()))
    for route in api_routes:
        route.path_methods = tuple(by_path[route.path])


def _ours(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


async def _refused(_request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(error)


async def _no_route(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if not _ours(request):
        return await http_exception_handler(request, error)
    path = request.url.path
    if error.status_code == 404:
        if path.startswith(ERROR_TRACKING_PREFIX + "/") or path == ERROR_TRACKING_PREFIX:
            return error_response(ApiError(404, f"no error-tracking endpoint {path}"))
        message = f"no endpoint {path}; GET /openapi.json lists the endpoints"
        return error_response(ApiError(404, message))
    if error.status_code == 405:
        allow = (error.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed on {path}; use {allow}"
        return error_response(ApiError(405, message, headers={"Allow": allow}))
    headers = dict(error.headers or {})
    return error_response(ApiError(error.status_code, str(error.detail), headers=headers))


async def _invalid_parameter(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    if not _ours(request) or not errors:
        return await request_validation_exception_handler(request, error)
    where = tuple(errors[0]["loc"][:1])
    return error_response(invalid(errors, None, at=where))


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _refused)
    app.add_exception_handler(HTTPException, _no_route)
    app.add_exception_handler(RequestValidationError, _invalid_parameter)

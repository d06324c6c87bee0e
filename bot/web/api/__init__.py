"""The Datadog Case Management v2-compatible API, mounted under /api/v2.

`install(app)` mounts the routes and publishes their OpenAPI document
at `/openapi.json` (merged into FastAPI's own document when `app` is FastAPI),
together with the error-tracking API's (bot/web/error_tracking_openapi.py).
The routes are plain Starlette routes: each parses its own JSON:API body, so a
request costs no per-request model validation on top of the work it asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send

from bot.web.api import openapi, routes
from bot.web.api.endpoint import Backend
from bot.web.api.errors import ApiError, error_response

__all__ = ["Backend", "document", "install", "router"]

PREFIX = openapi.PREFIX


async def _no_such_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "")
    response = error_response(
        ApiError(404, f"no endpoint {path}; GET /openapi.json lists the endpoints")
    )
    await response(scope, receive, send)


def router() -> Router:
    """The API as one ASGI app, to mount at /api/v2 (unknown paths get a JSON 404)."""
    return Router(routes=routes.routes(), default=_no_such_endpoint)


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


def document() -> dict[str, Any]:
    """The OpenAPI document served at /openapi.json: the case API and error tracking."""
    # Imported here, not at the top: the error-tracking modules import this package's.
    from bot.web import error_tracking_openapi

    return error_tracking_openapi.merge(openapi.document())


async def _openapi_json(_request: Request) -> Response:
    return JSONResponse(document())


def _merge_openapi(app: Any, generate: Callable[[], dict[str, Any]]) -> None:
    """FastAPI's document for its own routes plus ours (FastAPI serves it, cached)."""

    def merged() -> dict[str, Any]:
        if getattr(app, "openapi_schema", None):
            cached: dict[str, Any] = app.openapi_schema
            return cached
        ours = document()
        combined = dict(generate())
        combined["paths"] = {**combined.get("paths", {}), **ours["paths"]}
        components = dict(combined.get("components", {}))
        components["schemas"] = {
            **components.get("schemas", {}),
            **ours["components"]["schemas"],
        }
        components["securitySchemes"] = {
            **components.get("securitySchemes", {}),
            **ours["components"]["securitySchemes"],
        }
        combined["components"] = components
        combined["tags"] = [*combined.get("tags", []), *ours.get("tags", [])]
        app.openapi_schema = combined
        return combined

    app.openapi = merged

"""The route table of the API (relative to /api/v2), one uniform endpoint shape.

An endpoint is (scope, parse, work): `parse` reads the path and query of the
request into arguments (on the event loop, no I/O), `work` does the rest in a
worker thread (see `endpoint.run`). A request whose path or query is wrong is
still authenticated first, so a caller without a valid key learns nothing but
401 and a caller without the scope nothing but 403.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.services.keys import Scope
from bot.web.api import cases, projects, query_params, users
from bot.web.api.endpoint import Answer, Call, run
from bot.web.api.errors import ApiError, bad_request, error_response

Endpoint = Callable[[Request], Awaitable[Response]]
Parse = Callable[[Request], Any]
Work = Callable[[Call, Any], Answer]

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
CASE_ID = re.compile(rf"{_UUID}|[A-Za-z0-9]{{1,10}}-[0-9]{{1,9}}")
PROJECT_ID = re.compile(rf"{_UUID}|[A-Za-z0-9]{{1,10}}")

SEARCH_PARAMS = ("page[size]", "page[number]", "sort[field]", "sort[asc]", "filter")
TIMELINE_PARAMS = ("page[size]", "page[number]", "sort[ascending]")
USERS_PARAMS = ("page[size]", "page[number]", "filter")
HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


def endpoint(scope: Scope, parse: Parse, work: Work) -> Endpoint:
    async def handle(request: Request) -> Response:
        try:
            arguments = parse(request)
        except ApiError as error:
            return await run(request, scope, _refuse(error))
        return await run(request, scope, lambda call: work(call, arguments))

    return handle


def _refuse(error: ApiError) -> Callable[[Call], Answer]:
    def refuse(_call: Call) -> Answer:
        raise error

    return refuse


# --- Parsing the path and query ------------------------------------------------------


def no_arguments(request: Request) -> None:
    query_params.only(request.query_params, ())


def case_id(request: Request) -> str:
    query_params.only(request.query_params, ())
    return _case_id(request)


def _case_id(request: Request) -> str:
    value: str = request.path_params["case_id"]
    if not CASE_ID.fullmatch(value):
        raise bad_request(f"case_id {value!r} is neither a case UUID nor a case key like OPS-12")
    return value


def project_id(request: Request) -> str:
    query_params.only(request.query_params, ())
    value: str = request.path_params["project_id"]
    if not PROJECT_ID.fullmatch(value):
        raise bad_request(f"project_id {value!r} is neither a project UUID nor a project key")
    return value


def search_arguments(request: Request) -> query_params.CaseSearch:
    query_params.only(request.query_params, SEARCH_PARAMS)
    return query_params.case_search(request.query_params)


def timeline_arguments(request: Request) -> tuple[str, query_params.Page, bool]:
    query_params.only(request.query_params, TIMELINE_PARAMS)
    params = request.query_params
    page = query_params.page(params, first=1)
    ascending = query_params.sort_ascending(params, "sort[ascending]", True)
    return _case_id(request), page, ascending


def users_arguments(request: Request) -> tuple[query_params.Page, str]:
    query_params.only(request.query_params, USERS_PARAMS)
    params = request.query_params
    return query_params.page(params, first=0), query_params.text(params, "filter")


# --- The table ---------------------------------------------------------------------


def _case_change(work: Callable[[Call, str], Answer]) -> Endpoint:
    return endpoint(Scope.CASES_WRITE, case_id, work)


def by_method(handlers: dict[str, Endpoint]) -> Endpoint:
    """One endpoint for a path: dispatch on the method; others get 405 listing the allowed."""
    allow = ", ".join(handlers)

    async def dispatch(request: Request) -> Response:
        handler = handlers.get(request.method)
        if handler is None:
            error = ApiError(
                405,
                f"{request.method} is not allowed on {request.url.path}; use {allow}",
                headers={"Allow": allow},
            )
            return error_response(error)
        return await handler(request)

    return dispatch


def routes() -> list[BaseRoute]:
    """Every route, relative to /api/v2 (order matters: /cases/projects before /cases/{id})."""
    read, write = Scope.CASES_READ, Scope.CASES_WRITE
    case = "/cases/{case_id}"
    project = "/cases/projects/{project_id}"
    table: dict[str, dict[str, Endpoint]] = {
        "/cases": {
            "GET": endpoint(read, search_arguments, cases.search_cases),
            "POST": endpoint(write, no_arguments, lambda c, _: cases.create_case(c)),
        },
        "/cases/projects": {
            "GET": endpoint(read, no_arguments, lambda c, _: projects.list_projects(c)),
            "POST": endpoint(write, no_arguments, lambda c, _: projects.create_project(c)),
        },
        project: {
            "GET": endpoint(read, project_id, projects.get_project),
            "PATCH": endpoint(write, project_id, projects.update_project),
            "DELETE": endpoint(write, project_id, projects.delete_project),
        },
        case: {"GET": endpoint(read, case_id, cases.get_case)},
        f"{case}/timelines": {
            "GET": endpoint(read, timeline_arguments, lambda c, a: cases.list_timeline(c, *a)),
        },
        f"{case}/relationships/project": {"PATCH": _case_change(cases.move_to_project)},
    }
    for suffix, work in cases.CHANGES:
        table[f"{case}{suffix}"] = {"POST": _case_change(work)}
    table["/users"] = {
        "GET": endpoint(read, users_arguments, lambda c, a: users.list_users(c, *a)),
    }
    # Every method reaches the dispatcher, which answers 405 in the API's error shape.
    return [
        Route(path, by_method(handlers), methods=HTTP_METHODS) for path, handlers in table.items()
    ]

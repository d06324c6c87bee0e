"""The project endpoints: list, create, get, update, delete.

Datadog's create body has no monitor handle, so a new project gets one derived
from its name (`Storage Team` -> `storage-team`), falling back to its key when
that is taken; `PATCH` with `settings.integration_monitor.handle` changes it.
`enabled` and `auto_resolve_enabled` map to the project's monitor integration
and to closing cases when their monitor group resolves.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from bot.core.cases import Project
from bot.core.lifecycle import AutoCloseMode, Lifecycle
from bot.core.projects import suggest_handle
from bot.services.projects import UNSET, ProjectService
from bot.web.api.caller import READ_CASES, WRITE_CASES, Call, Caller
from bot.web.api.document import refusal, request_body
from bot.web.api.errors import ApiError
from bot.web.api.models.fields import given as given_or
from bot.web.api.models.projects import (
    MISSING,
    ProjectCreateRequest,
    ProjectResponse,
    ProjectSettingsUpdate,
    ProjectsResponse,
    ProjectUpdateRequest,
)
from bot.web.api.query_params import ProjectId
from bot.web.api.resources import project_resource
from bot.web.api.routing import PREFIX, ApiRoute

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, tags=["Case Management"])
ReadCases = Annotated[Caller, Depends(READ_CASES)]
WriteCases = Annotated[Caller, Depends(WRITE_CASES)]
TAKEN = refusal("Conflict: the key or monitor handle is already taken")
NOT_FOUND = refusal("Not Found")
Json = dict[str, Any]


def _service(call: Call) -> ProjectService:
    return ProjectService(call.conn, now=call.now)


def _project(project: Project) -> Json:
    return {"data": project_resource(project)}


def _free_handle(service: ProjectService, name: str, key: str) -> str:
    preferred = suggest_handle(name, fallback=key)
    for candidate in (preferred, key.lower(), f"{preferred[:54]}-{key.lower()}"):
        if service.by_handle(candidate) is None:
            return candidate
    raise ApiError(
        409,
        f"no free monitor handle for project {key}: {preferred!r} and {key.lower()!r} are taken",
    )


@router.get(
    "/cases/projects",
    operation_id="get_projects",
    summary="List projects",
    response_model=ProjectsResponse,
)
async def get_projects(caller: ReadCases) -> Any:
    return await caller.run(
        lambda call: {"data": [project_resource(p) for p in _service(call).list()]}
    )


@router.post(
    "/cases/projects",
    status_code=201,
    operation_id="create_project",
    summary="Create a project",
    response_model=ProjectResponse,
    openapi_extra=request_body(ProjectCreateRequest),
    responses={409: TAKEN},
)
async def create_project(caller: WriteCases) -> Any:
    new = (await caller.body(ProjectCreateRequest)).data.attributes

    def create(call: Call) -> Json:
        service = _service(call)
        existing = service.find(new.key)
        if existing is not None and existing.key == new.key:
            raise ApiError(409, f"data.attributes.key: project key {new.key} is already used")
        handle = _free_handle(service, new.name, new.key)
        return _project(service.create(name=new.name, key=new.key, handle=handle))

    return await caller.run(create)


@router.get(
    "/cases/projects/{project_id}",
    operation_id="get_project",
    summary="Get a project",
    response_model=ProjectResponse,
    responses={404: NOT_FOUND},
)
async def get_project(project_id: ProjectId, caller: ReadCases) -> Any:
    return await caller.run(lambda call: _project(_service(call).get(project_id)))


@router.patch(
    "/cases/projects/{project_id}",
    operation_id="update_project",
    summary="Update a project",
    response_model=ProjectResponse,
    openapi_extra=request_body(ProjectUpdateRequest),
    responses={404: NOT_FOUND, 409: TAKEN},
)
async def update_project(project_id: ProjectId, caller: WriteCases) -> Any:
    change = (await caller.body(ProjectUpdateRequest)).data.attributes
    settings = change.settings
    monitor = settings.integration_monitor if settings is not MISSING else MISSING

    def given(name: str) -> Any:
        value = getattr(monitor, name) if monitor is not MISSING else MISSING
        return UNSET if value is MISSING else value

    def update(call: Call) -> Json:
        service = _service(call)
        project = service.get(project_id)
        handle = given("handle")
        if handle is not UNSET and handle != project.handle:
            owner = service.by_handle(handle)
            if owner is not None:
                raise ApiError(
                    409,
                    "data.attributes.settings.integration_monitor.handle: "
                    f"@case-{handle} already belongs to project {owner.key}",
                )
        auto_close, lifecycle = lifecycle_change(project, given("auto_resolve_enabled"), settings)
        updated = service.update(
            project,
            name=change.name if change.name is not MISSING else UNSET,
            handle=handle,
            monitor_enabled=given("enabled"),
            auto_close=auto_close,
            lifecycle=lifecycle,
        )
        return _project(updated)

    return await caller.run(update)


def lifecycle_change(
    project: Project, auto_resolve: Any, settings: ProjectSettingsUpdate | Any
) -> tuple[Any, Lifecycle]:
    """The project's auto-close and lifecycle after the request's settings.

    `casebot_lifecycle.auto_close_mode` and `integration_monitor.auto_resolve_enabled`
    say the same thing twice (`never` is auto-resolve off): both may be given if they
    agree.
    """
    lifecycle = project.lifecycle
    if settings is MISSING:
        return auto_resolve, lifecycle
    inactive = settings.auto_close_inactive_cases
    if inactive is not MISSING:
        lifecycle = replace(
            lifecycle,
            auto_close_inactive=given_or(inactive.enabled, lifecycle.auto_close_inactive),
            max_inactive_secs=given_or(
                inactive.max_inactive_time_in_secs, lifecycle.max_inactive_secs
            ),
        )
    transition = settings.auto_transition_assigned_cases
    if transition is not MISSING:
        lifecycle = replace(
            lifecycle,
            self_assign_in_progress=given_or(
                transition.auto_transition_assigned_cases_on_self_assigned,
                lifecycle.self_assign_in_progress,
            ),
        )
    own = settings.casebot_lifecycle
    if own is MISSING:
        return auto_resolve, lifecycle
    lifecycle = replace(
        lifecycle,
        reopen_window_secs=given_or(own.reopen_window_secs, lifecycle.reopen_window_secs),
        close_stale_groups=given_or(own.close_stale_groups, lifecycle.close_stale_groups),
    )
    if own.auto_close_mode is MISSING:
        return auto_resolve, lifecycle
    mode = AutoCloseMode(own.auto_close_mode)
    closes = mode is not AutoCloseMode.NEVER
    if auto_resolve is not UNSET and auto_resolve != closes:
        raise ApiError(
            400,
            "data.attributes.settings: integration_monitor.auto_resolve_enabled "
            f"{str(auto_resolve).lower()} contradicts casebot_lifecycle.auto_close_mode "
            f"{mode.value!r}",
        )
    lifecycle = replace(lifecycle, close_unless_worked=mode is AutoCloseMode.UNLESS_WORKED)
    return closes, lifecycle


@router.delete(
    "/cases/projects/{project_id}",
    status_code=204,
    operation_id="delete_project",
    summary="Delete a project and its cases",
    response_class=Response,
    responses={404: NOT_FOUND},
)
async def delete_project(project_id: ProjectId, caller: WriteCases) -> Response:
    await caller.run(lambda call: _service(call).delete(project_id))
    return Response(status_code=204)

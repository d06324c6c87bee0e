"""The project endpoints: list, create, get, update, delete.

Datadog's create body has no monitor handle, so a new project gets one derived
from its name (`Storage Team` -> `storage-team`), falling back to its key when
that is taken; `PATCH` with `settings.integration_monitor.handle` changes it.
`enabled` and `auto_resolve_enabled` map to the project's monitor integration
and to closing cases when their monitor group resolves.
"""

from __future__ import annotations

from bot.core.cases import Project, suggest_handle
from bot.services.projects import UNSET, ProjectService
from bot.web.api import bodies
from bot.web.api.endpoint import Answer, Call
from bot.web.api.errors import ApiError
from bot.web.api.resources import project_resource


def _service(call: Call) -> ProjectService:
    return ProjectService(call.conn, now=call.now)


def _project(project: Project, status: int = 200) -> Answer:
    return Answer(status, {"data": project_resource(project)})


def _free_handle(service: ProjectService, name: str, key: str) -> str:
    preferred = suggest_handle(name, fallback=key)
    for candidate in (preferred, key.lower(), f"{preferred[:54]}-{key.lower()}"):
        if service.by_handle(candidate) is None:
            return candidate
    raise ApiError(
        409,
        f"no free monitor handle for project {key}: {preferred!r} and {key.lower()!r} are taken",
    )


def list_projects(call: Call) -> Answer:
    return Answer(200, {"data": [project_resource(p) for p in _service(call).list()]})


def create_project(call: Call) -> Answer:
    new = bodies.parse_create_project(call.body)
    service = _service(call)
    existing = service.find(new.key)
    if existing is not None and existing.key == new.key:
        raise ApiError(409, f"data.attributes.key: project key {new.key} is already used")
    handle = _free_handle(service, new.name, new.key)
    return _project(service.create(name=new.name, key=new.key, handle=handle), 201)


def get_project(call: Call, project_id: str) -> Answer:
    return _project(_service(call).get(project_id))


def update_project(call: Call, project_id: str) -> Answer:
    change = bodies.parse_update_project(call.body)
    service = _service(call)
    project = service.get(project_id)
    monitor = change.monitor
    if monitor is not None and monitor.handle is not None and monitor.handle != project.handle:
        owner = service.by_handle(monitor.handle)
        if owner is not None:
            raise ApiError(
                409,
                "data.attributes.settings.integration_monitor.handle: "
                f"@case-{monitor.handle} already belongs to project {owner.key}",
            )
    updated = service.update(
        project,
        name=change.name if change.name is not None else UNSET,
        handle=monitor.handle if monitor and monitor.handle is not None else UNSET,
        monitor_enabled=monitor.enabled if monitor and monitor.enabled is not None else UNSET,
        auto_close=(
            monitor.auto_resolve_enabled
            if monitor and monitor.auto_resolve_enabled is not None
            else UNSET
        ),
    )
    return _project(updated)


def delete_project(call: Call, project_id: str) -> Answer:
    _service(call).delete(project_id)
    return Answer(204)

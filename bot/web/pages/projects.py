"""`/projects`: the projects, and each project's settings, as `casebot project` sees them.

Everyone reads; admins create, change and delete. A project's settings page shows
the `@case-<handle>` to paste into monitor messages once its monitor integration is
on. Deleting asks for the project's key to be typed, and says what goes with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.cases import CaseType, Project
from bot.services.errors import InvalidChange, ProjectNotFound
from bot.services.projects import Deletion, ProjectReader, ProjectService
from bot.web.pages.forms import checked, sentence, text_field
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import refusal, render

TEXTS = ("name", "key", "handle", "default_case_type", "slack_channel")
SWITCHES = ("monitor_enabled", "auto_close", "mirror_threads", "is_error_tracking_default")
# Where a refusal's field shows: the service says `type` for the case type.
_FIELDS = {"type": "default_case_type", "channel": "slack_channel"}
DONE = {
    "created": "Created project {key}.",
    "saved": "Saved the settings of {key}.",
    "deleted": "Deleted project {key} and what went with it.",
}
NEW = {
    "name": "",
    "key": "",
    "handle": "",
    "default_case_type": CaseType.STANDARD.value,
    "slack_channel": "",
    "monitor_enabled": "on",
    "auto_close": "on",
    "mirror_threads": "on",
}


@dataclass(frozen=True, slots=True)
class ProjectRow:
    project: Project
    cases: int


@dataclass(frozen=True, slots=True)
class ProjectsView:
    rows: tuple[ProjectRow, ...]
    can_manage: bool
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectView:
    """One project's settings (`project` is None for a new one), as a form or read-only."""

    project: Project | None
    values: dict[str, str]
    can_manage: bool
    deletion: Deletion | None = None
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None
    confirm: str = ""

    @property
    def types(self) -> tuple[str, ...]:
        builtin = tuple(t.value for t in CaseType)
        current = self.values.get("default_case_type", "")
        return builtin if not current or current in builtin else (*builtin, current)

    def on(self, name: str) -> bool:
        return bool(self.values.get(name))

    @property
    def handle(self) -> str:
        """The `@case-` handle as saved (what monitors must mention)."""
        return f"@case-{self.project.handle}" if self.project else ""


def _values(project: Project) -> dict[str, str]:
    values = {
        "name": project.name,
        "key": project.key,
        "handle": project.handle,
        "default_case_type": project.default_case_type,
        "slack_channel": project.slack_channel or "",
    }
    values.update({name: "on" for name in SWITCHES if getattr(project, name)})
    return values


def _sent(form: Any) -> dict[str, str]:
    values = {name: text_field(form, name, 200).strip() for name in TEXTS}
    values.update({name: "on" for name in SWITCHES if checked(form, name)})
    return values


def _done(done: str, key: str, *, to: str) -> Response:
    return RedirectResponse(f"{to}?done={done}&key={quote(key)}", status_code=303)


def _notice(request: Request) -> str | None:
    done, key = request.query_params.get("done", ""), request.query_params.get("key", "")
    return DONE[done].format(key=key[:20]) if done in DONE and key else None


@signed_in()
async def projects_page(request: Request, signed: Signed) -> Response:
    def load(conn: Connection) -> list[ProjectRow]:
        reader = ProjectReader(conn)
        counts = reader.case_counts()
        return [ProjectRow(p, counts.get(p.id, 0)) for p in reader.list()]

    rows = await signed.console.read(load)
    view = ProjectsView(tuple(rows), signed.can_manage, _notice(request))
    return render("projects.html.j2", view=view, chrome=signed.chrome("projects"))


@signed_in(Needs.MANAGE)
async def new_project(request: Request, signed: Signed) -> Response:
    view = ProjectView(None, dict(NEW), can_manage=True)
    return render("project.html.j2", view=view, chrome=signed.chrome("projects"))


def _refused(error: InvalidChange) -> dict[str, str]:
    where = _FIELDS.get(error.field, error.field)
    return {where if where in TEXTS or where in SWITCHES else "name": sentence(error.message)}


@signed_in(Needs.MANAGE)
async def create(request: Request, signed: Signed) -> Response:
    values = _sent(await request.form())
    now = signed.now

    def work(conn: Connection) -> Project:
        return ProjectService(conn, now=now).create(
            name=values["name"],
            key=values["key"],
            handle=values["handle"] or None,
            default_case_type=values["default_case_type"] or CaseType.STANDARD.value,
            slack_channel=values["slack_channel"] or None,
            monitor_enabled=bool(values.get("monitor_enabled")),
            auto_close=bool(values.get("auto_close")),
            mirror_threads=bool(values.get("mirror_threads")),
            is_error_tracking_default=bool(values.get("is_error_tracking_default")),
        )

    try:
        project = await signed.console.write(work)
    except InvalidChange as error:
        view = ProjectView(None, values, can_manage=True, errors=_refused(error))
        return render("project.html.j2", status=400, view=view, chrome=signed.chrome("projects"))
    return _done("created", project.key, to=f"/projects/{project.key}")


async def _project_page(signed: Signed, key: str, *, status: int = 200, **extra: Any) -> Response:
    def load(conn: Connection) -> Deletion | None:
        reader = ProjectReader(conn)
        found = reader.find(key)
        return reader.deletion(found.id) if found is not None and found.key == key else None

    deletion = await signed.console.read(load)
    if deletion is None:
        return _no_project(signed, key)
    values = extra.pop("values", None) or _values(deletion.project)
    view = ProjectView(deletion.project, values, signed.can_manage, deletion=deletion, **extra)
    return render("project.html.j2", status=status, view=view, chrome=signed.chrome("projects"))


def _no_project(signed: Signed, key: str) -> Response:
    return refusal(404, "No such project", f"There is no project {key}.", signed.chrome("projects"))


def _key(request: Request) -> str:
    return str(request.path_params["key"]).upper()[:20]


@signed_in()
async def project_page(request: Request, signed: Signed) -> Response:
    return await _project_page(signed, _key(request), notice=_notice(request))


@signed_in(Needs.MANAGE)
async def update(request: Request, signed: Signed) -> Response:
    key = _key(request)
    values = _sent(await request.form())
    now = signed.now

    def work(conn: Connection) -> Project:
        return ProjectService(conn, now=now).update(
            key,
            name=values["name"],
            handle=values["handle"],
            default_case_type=values["default_case_type"] or CaseType.STANDARD.value,
            slack_channel=values["slack_channel"] or None,
            monitor_enabled=bool(values.get("monitor_enabled")),
            auto_close=bool(values.get("auto_close")),
            mirror_threads=bool(values.get("mirror_threads")),
            is_error_tracking_default=bool(values.get("is_error_tracking_default")),
        )

    try:
        await signed.console.write(work)
    except ProjectNotFound:
        return _no_project(signed, key)
    except InvalidChange as error:
        values["key"] = key
        return await _project_page(signed, key, status=400, values=values, errors=_refused(error))
    return _done("saved", key, to=f"/projects/{key}")


@signed_in(Needs.MANAGE)
async def delete(request: Request, signed: Signed) -> Response:
    key = _key(request)
    typed = text_field(await request.form(), "confirm", 20).strip()
    if typed != key:
        message = f"Type {key} to delete this project; nothing was deleted."
        return await _project_page(
            signed, key, status=400, errors={"confirm": message}, confirm=typed
        )
    now = signed.now
    try:
        await signed.console.write(lambda conn: ProjectService(conn, now=now).delete(key))
    except ProjectNotFound:
        return _no_project(signed, key)
    return _done("deleted", key, to="/projects")


routes = [
    Route("/projects", projects_page, methods=["GET"]),
    Route("/projects", create, methods=["POST"]),
    Route("/projects/new", new_project, methods=["GET"]),
    Route("/projects/{key}", project_page, methods=["GET"]),
    Route("/projects/{key}", update, methods=["POST"]),
    Route("/projects/{key}/delete", delete, methods=["POST"]),
]

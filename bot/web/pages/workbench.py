"""`/workbench`: write a monitor message and see, as you type, what it does.

One row per transition with the handles that fire and the text as Slack shows it,
from `handles/` on the server (bot/services/messages.py, as `casebot preview`);
lint's diagnostics underlined at their line and column with the suggestion, the
`@case-` handles checked against the database's projects (as `casebot lint`).
**Replay against history** runs the edited message over a monitor's last stored
deliveries and shows what it would have opened and closed beside what happened
(bot/pipeline/history_replay.py). Nothing here changes anything, so every role may
use it; the forms post only because a message is too long for a URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.pipeline import history_replay
from bot.pipeline.history_replay import MonitorRef, Replay
from bot.services.messages import (
    Diagnostic,
    MessagePreview,
    ProjectHandles,
    as_read,
    preview_message,
    project_handles,
)
from bot.sources import SourcesConfig
from bot.web.pages.annotated import SourceLine, annotate
from bot.web.pages.forms import text_field
from bot.web.pages.guard import Signed, signed_in
from bot.web.pages.rendering import render
from bot.web.pages.slack_text import slack_html
from handles import Transition

MESSAGE_MAX = 20_000
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
REPLAY_DEFAULT = 20
EXAMPLE = """{{#is_alert}}Disk almost full on {{host.name}}: {{value}}% used.
@case-storage @slack-storage-oncall{{/is_alert}}
{{#is_recovery}}Disk space on {{host.name}} is back to {{value}}%. @case-storage{{/is_recovery}}"""
_VARIABLE = re.compile(r"^\s*([\w.@-]+)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True)
class HandleView:
    raw: str
    mark: str | None = None  # why lint calls it unknown, or None


@dataclass(frozen=True, slots=True)
class TransitionView:
    name: str
    label: str
    handles: tuple[HandleView, ...]
    text: Markup
    priority: str | None
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PreviewView:
    # The message's lines that hold a problem, cut where each is underlined.
    lines: tuple[SourceLine, ...]
    diagnostics: tuple[Diagnostic, ...]
    rows: tuple[TransitionView, ...]
    error: str | None
    sample: bool
    input_errors: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class WorkbenchForm:
    """What the form sends."""

    message: str = EXAMPLE
    tags: str = ""
    variables: str = ""
    priority: str = ""
    monitor: str = ""
    last: int = REPLAY_DEFAULT

    @classmethod
    def of(cls, form: Any) -> WorkbenchForm:
        last = text_field(form, "last", 4)
        return cls(
            message=text_field(form, "message", MESSAGE_MAX),
            tags=text_field(form, "tags", 2000),
            variables=text_field(form, "variables", 5000),
            priority=text_field(form, "priority", 4).upper(),
            monitor=text_field(form, "monitor", 300),
            last=int(last) if last.isdigit() and int(last) >= 1 else REPLAY_DEFAULT,
        )

    def parsed(self) -> tuple[list[str], dict[str, str | int | float], dict[str, str]]:
        """Tags, variables, and what cannot be read (by field)."""
        errors: dict[str, str] = {}
        tags = [t for t in re.split(r"[\s,]+", self.tags) if t]
        values: dict[str, str | int | float] = {}
        for number, line in enumerate(self.variables.splitlines(), start=1):
            if not line.strip():
                continue
            found = _VARIABLE.match(line)
            if found is None:
                errors["variables"] = f"Line {number} is not NAME=VALUE, e.g. value=93.5."
                continue
            values[found.group(1)] = found.group(2)
        if self.priority and self.priority not in PRIORITIES:
            errors["priority"] = "Choose P1 to P5, or none."
        return tags, values, errors


@dataclass(frozen=True, slots=True)
class WorkbenchView:
    form: WorkbenchForm
    preview: PreviewView
    monitors: tuple[MonitorRef, ...] = ()
    replay: Replay | None = None
    replay_error: str | None = None
    priorities: tuple[str, ...] = PRIORITIES


def _label(transition: Transition) -> str:
    current = transition.current.value
    if transition.renotify:
        return f"{current} (renotification)"
    previous = "new" if transition.previous is None else transition.previous.value
    return f"{previous} → {current}"


def preview_view(form: WorkbenchForm, projects: ProjectHandles | None) -> PreviewView:
    """The preview of what the form holds: the work of one keystroke."""
    tags, values, input_errors = form.parsed()
    result: MessagePreview = preview_message(
        form.message,
        tags=tags,
        values=values,
        priority=form.priority if form.priority in PRIORITIES else None,
        projects=projects,
    )
    rows = tuple(
        TransitionView(
            name=row.name,
            label=_label(row.transition),
            handles=tuple(HandleView(m.raw, result.marks.get(m.raw)) for m in row.mentions),
            text=slack_html(as_read(row.text).strip("\n")),
            priority=row.priority,
            warnings=row.warnings,
        )
        for row in result.rows
    )
    return PreviewView(
        lines=tuple(
            line
            for line in annotate(form.message, result.problems)
            if any(segment.mark for segment in line.segments)
        ),
        diagnostics=result.problems,
        rows=rows,
        error=str(result.error) if result.error is not None else None,
        sample=result.sample,
        input_errors=input_errors,
    )


def _sources(request: Request) -> SourcesConfig:
    sources: SourcesConfig = request.app.state.casebot.pipeline.sources
    return sources


@signed_in()
async def workbench_page(request: Request, signed: Signed) -> Response:
    wanted = request.query_params.get("monitor", "")[:300]
    sources = _sources(request)
    now = signed.now

    def load(conn: Connection) -> tuple[ProjectHandles, list[MonitorRef], str | None]:
        monitor = history_replay.find_monitor(conn, wanted) if wanted else None
        message = (
            history_replay.latest_message(conn, monitor, sources=sources, now=now)
            if monitor is not None
            else None
        )
        return project_handles(conn), history_replay.monitors(conn), message

    projects, monitors, message = await signed.console.read(load)
    form = (
        WorkbenchForm(monitor=wanted) if message is None else WorkbenchForm(message, monitor=wanted)
    )
    view = WorkbenchView(form, preview_view(form, projects), tuple(monitors))
    return render("workbench.html.j2", view=view, chrome=signed.chrome("workbench"))


@signed_in()
async def preview(request: Request, signed: Signed) -> Response:
    """The preview part alone for htmx (each keystroke); the whole page without it."""
    form = WorkbenchForm.of(await request.form())
    projects = await signed.console.read(project_handles)
    shown = preview_view(form, projects)
    if request.headers.get("HX-Request") == "true":
        return render("workbench_preview.html.j2", preview=shown)
    monitors = await signed.console.read(history_replay.monitors)
    view = WorkbenchView(form, shown, tuple(monitors))
    return render("workbench.html.j2", view=view, chrome=signed.chrome("workbench"))


@signed_in()
async def replay(request: Request, signed: Signed) -> Response:
    form = WorkbenchForm.of(await request.form())
    sources = _sources(request)
    now = signed.now

    def work(conn: Connection) -> tuple[ProjectHandles, list[MonitorRef], Replay | None]:
        monitor = history_replay.find_monitor(conn, form.monitor)
        found = (
            history_replay.replay(
                conn, monitor, form.message, last=form.last, sources=sources, now=now
            )
            if monitor is not None
            else None
        )
        return project_handles(conn), history_replay.monitors(conn), found

    projects, monitors, replayed = await signed.console.read(work)
    error = None if replayed is not None else "Choose a monitor that has sent deliveries."
    if request.headers.get("HX-Request") == "true":
        return render("workbench_replay.html.j2", replay=replayed, replay_error=error)
    view = WorkbenchView(
        form, preview_view(form, projects), tuple(monitors), replayed, replay_error=error
    )
    return render("workbench.html.j2", view=view, chrome=signed.chrome("workbench"))


routes = [
    Route("/workbench", workbench_page, methods=["GET"]),
    Route("/workbench/preview", preview, methods=["POST"]),
    Route("/workbench/replay", replay, methods=["POST"]),
]

"""Monitor messages checked and previewed: what `casebot lint`, `casebot preview` and the
console's workbench show, from one place.

`project_handles(conn)` reads the projects' `@case-` handles; `check(text, ...)` is
lint's diagnostics with those handles known (and a warning for a handle whose
project's monitor integration is off); `preview_message(text, ...)` renders the
message for every transition, with the handles that fire, marked when lint calls
them unknown. Nothing here changes anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bot.services.projects import ProjectReader
from handles import (
    TRANSITIONS,
    Event,
    TemplateError,
    TemplateSyntaxError,
    Transition,
)
from handles.lint import Diagnostic, lint
from handles.preview import PreviewRow, preview, sample_event

__all__ = [
    "Diagnostic",
    "MessagePreview",
    "ProjectHandles",
    "as_read",
    "check",
    "handle_marks",
    "preview_message",
    "project_handles",
]


@dataclass(frozen=True, slots=True)
class ProjectHandles:
    """Every project's `@case-<handle>`, and those whose monitor integration is off."""

    handles: tuple[str, ...]
    monitor_off: frozenset[str] = frozenset()


def project_handles(conn: Connection) -> ProjectHandles:
    projects = ProjectReader(conn).list()
    return ProjectHandles(
        handles=tuple(f"@case-{p.handle}" for p in projects),
        monitor_off=frozenset(f"@case-{p.handle}" for p in projects if not p.monitor_enabled),
    )


def check(
    text: str, known: Iterable[str] = (), projects: ProjectHandles | None = None
) -> list[Diagnostic]:
    """Lint's diagnostics, with the projects' handles known, and a warning for each
    handle of a project whose monitor integration is off. Without `projects`, `@case-`
    handles are checked only against `known`."""
    if projects is None:
        return lint(text, known_handles=list(known))
    found = lint(text, known_handles=[*known, *projects.handles], known_kinds=("case",))
    for handle in sorted(projects.monitor_off):
        position = _first(text, handle)
        if position is not None:
            found.append(
                Diagnostic(
                    *position,
                    "warning",
                    "monitor-off",
                    f"{handle} opens no case: its project's monitor integration is off",
                    f"casebot project update {handle.removeprefix('@case-')} --monitor",
                )
            )
    return sorted(found, key=lambda d: (d.line, d.col))


def _first(text: str, handle: str) -> tuple[int, int] | None:
    for number, line in enumerate(text.splitlines(), start=1):
        at = line.find(handle)
        end = at + len(handle)
        if at >= 0 and (end == len(line) or not (line[end].isalnum() or line[end] in "-_")):
            return number, at + 1
    return None


def handle_marks(problems: Iterable[Diagnostic]) -> dict[str, str]:
    """The handles lint calls unknown or that open nothing, with a few words of why."""
    marks: dict[str, str] = {}
    for problem in problems:
        raw = problem.message.split(" ", 1)[0]
        if problem.code == "unknown-handle":
            marks[raw] = "unknown" + (f": {problem.suggestion}" if problem.suggestion else "")
        elif problem.code == "monitor-off":
            marks[raw] = "its project's monitor integration is off"
    return marks


def as_read(text: str) -> str:
    """Slack's escaping undone: the text as a person reads it in the channel."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True, slots=True)
class MessagePreview:
    """A message on every transition, and its problems.

    `error` is set (and `rows` empty) when the text does not parse; `sample` says the
    variables were filled with made-up values because none were given.
    """

    rows: tuple[PreviewRow, ...]
    problems: tuple[Diagnostic, ...]
    marks: Mapping[str, str] = field(default_factory=dict)
    sample: bool = False
    error: TemplateError | None = None

    @property
    def syntax_error(self) -> TemplateSyntaxError | None:
        return self.error if isinstance(self.error, TemplateSyntaxError) else None


def preview_message(
    text: str,
    *,
    tags: Sequence[str] = (),
    values: Mapping[str, str | int | float] | None = None,
    priority: str | None = None,
    transitions: Sequence[Transition] = TRANSITIONS,
    known: Iterable[str] = (),
    projects: ProjectHandles | None = None,
) -> MessagePreview:
    """`text` rendered for each transition with these tags and variables (made-up ones
    when neither is given), and lint's diagnostics."""
    sample = not tags and not values
    problems = tuple(check(text, known, projects))
    try:
        event = (
            sample_event(text, priority)
            if sample
            else Event(
                Transition(None, TRANSITIONS[0].current, priority=priority),
                tags=tuple(tags),
                values=dict(values or {}),
            )
        )
        rows = tuple(preview(text, event, transitions))
    except TemplateError as error:
        return MessagePreview((), problems, error=error, sample=sample)
    return MessagePreview(rows, problems, handle_marks(problems), sample=sample)

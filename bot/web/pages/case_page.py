"""`GET /cases/KEY`: one case, its controls, comments and timeline, and the
forms it posts: `POST /cases/KEY/edit` (Title, Status, Priority, Assignee,
Description) and `POST /cases/KEY/comment`.

A form carries the values it was shown with. A field the person changed whose
value someone else changed meanwhile is not overwritten: the page comes back
saying what changed, by whom, and nothing is saved.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.cases import (
    Actor,
    ActorSource,
    Case,
    CaseStatus,
    CaseType,
    TimelineEntry,
    TimelineKind,
    User,
)
from bot.core.issues import IssueState
from bot.services.case_pages import CaseDetail, CasePages, Person
from bot.services.cases import CaseService
from bot.services.errors import CaseNotFound, CaseServiceError, InvalidChange
from bot.services.notification_rules import Watchers
from bot.web.pages.case_list import CLOSING_REASONS, PRIORITIES, STATUSES
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.markdown import render_markdown
from bot.web.pages.rendering import refusal, render

EDITABLE = ("title", "status", "priority", "assignee", "description")
# Which timeline entries change each field (to say who changed it meanwhile).
_KINDS = {
    "title": ("title",),
    "status": ("status", "auto_close"),
    "priority": ("priority",),
    "assignee": ("assignee",),
    "description": ("description",),
}
_LABELS = {
    "title": "Title",
    "status": "Status",
    "priority": "Priority",
    "assignee": "Assignee",
    "description": "Description",
}


def fingerprint(text: str) -> str:
    """What a form carries of a long text to tell later whether it changed."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def shown_values(case: Case) -> dict[str, str]:
    """The editable fields as the form shows (and sends back) them."""
    return {
        "title": case.title,
        "status": case.status.value,
        "priority": case.priority.value,
        "assignee": str(case.assignee_id) if case.assignee_id else "",
        "description": fingerprint(case.description),
    }


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    at: datetime
    actor: str
    what: str
    change: str | None  # "OK → Alert" for a monitor transition
    body: Markup | None
    text: str | None


@dataclass(frozen=True, slots=True)
class CasePageView:
    case: Case
    detail: CaseDetail
    description: Markup
    entries: tuple[EntryView, ...]
    people: tuple[Person, ...]
    can_change: bool
    was: dict[str, str]
    statuses: tuple[tuple[str, str], ...] = tuple(STATUSES)
    priorities: tuple[tuple[str, str], ...] = tuple(PRIORITIES)
    closing_reasons: tuple[tuple[str, str], ...] = tuple(CLOSING_REASONS)
    # Who hears of the case's changes by e-mail, and whether the visitor is one of them.
    watchers: tuple[str, ...] = ()
    watching: bool = False
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    comment: str = ""

    @property
    def is_security(self) -> bool:
        return self.case.type == CaseType.SECURITY

    @property
    def recovered_at(self) -> datetime | None:
        """When the monitor recovered while a person worked the case, if casebot asked
        "monitor recovered — close?" and the case is still open since."""
        if self.case.status == CaseStatus.CLOSED:
            return None
        asked: datetime | None = None
        for entry in self.detail.timeline:
            if entry.kind == TimelineKind.CLOSE_PROMPT:
                asked = entry.created_at
            elif entry.kind in (TimelineKind.STATUS, TimelineKind.REOPENED):
                asked = None
        return asked

    @staticmethod
    def issue_state(value: str) -> str:
        """A linked issue's state as people read it (`FOR REVIEW` for `OPEN`)."""
        try:
            return IssueState(value).label
        except ValueError:
            return value

    def value(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        if name == "description":
            return self.case.description
        return shown_values(self.case)[name]


def _entry(entry: TimelineEntry, actor: str) -> EntryView:
    what = entry.kind.replace("_", " ").capitalize()
    if entry.kind == "monitor_transition":
        data = entry.data
        previous, current = data.get("previous"), data.get("current")
        change = f"{previous or 'OK'} → {current}" if current else None
        return EntryView(entry.id, entry.created_at, actor, "Monitor", change,
                         render_markdown(entry.body), None)  # fmt: skip
    if entry.kind == "comment":
        return EntryView(entry.id, entry.created_at, actor, "Comment", None,
                         render_markdown(entry.body), None)  # fmt: skip
    return EntryView(entry.id, entry.created_at, actor, what, None, None, entry.body)


@dataclass(frozen=True, slots=True)
class _Loaded:
    detail: CaseDetail
    people: list[Person]
    watchers: list[User]


def _view(loaded: _Loaded, signed: Signed, **extra: Any) -> CasePageView:
    detail = loaded.detail
    return CasePageView(
        case=detail.case,
        detail=detail,
        description=render_markdown(detail.case.description),
        entries=tuple(_entry(entry, detail.actor_name(entry)) for entry in detail.timeline),
        people=tuple(loaded.people),
        can_change=signed.can_change,
        was=shown_values(detail.case),
        watchers=tuple(user.name for user in loaded.watchers),
        watching=any(user.id == signed.visitor.user_id for user in loaded.watchers),
        **extra,
    )


async def _load(signed: Signed, key: str) -> _Loaded | None:
    def load(conn: Connection) -> _Loaded | None:
        pages = CasePages(conn)
        detail = pages.detail(key)
        if detail is None:
            return None
        people = pages.all_people() if signed.can_change else []
        watchers = Watchers(conn, now=signed.now).list(detail.case.id)
        return _Loaded(detail, people, watchers)

    return await signed.console.read(load)


async def _page(signed: Signed, key: str, *, status: int = 200, **extra: Any) -> Response:
    found = await _load(signed, key)
    if found is None:
        moved = await signed.console.read(lambda conn: CasePages(conn).moved_key(key))
        if moved is not None and moved != key:
            return RedirectResponse(f"/cases/{moved}", status_code=301)
        return refusal(404, "No such case", f"There is no case {key}.", signed.chrome("cases"))
    view = _view(found, signed, **extra)
    return render("case.html.j2", status=status, view=view, chrome=signed.chrome("cases"))


def _key(request: Request) -> str:
    return str(request.path_params["key"]).upper()


@signed_in()
async def case_page(request: Request, signed: Signed) -> Response:
    return await _page(signed, _key(request))


def _actor(signed: Signed) -> Actor:
    return Actor(ActorSource.WEB, signed.visitor.user_id, signed.visitor.name)


class Conflict(Exception):
    """Fields the person changed were changed by someone else meanwhile."""

    def __init__(self, messages: tuple[str, ...]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _conflicts(
    service: CaseService, case: Case, changed: dict[str, str], was: dict[str, str], version: int
) -> tuple[str, ...]:
    now = shown_values(case)
    stale = [name for name in changed if now[name] != was.get(name)]
    if not stale:
        return ()
    entries = [e for e in service.timeline(case.id) if e.id > version]
    messages = []
    for name in stale:
        by = [e for e in entries if e.kind in _KINDS[name]]
        who = f" by {by[-1].actor.name or by[-1].actor.source}" if by else ""
        when = f" at {by[-1].created_at:%H:%M:%S} UTC" if by else ""
        messages.append(f"{_LABELS[name]} was changed{who}{when}: {_describe(name, case)}.")
    return tuple(messages)


def _describe(name: str, case: Case) -> str:
    if name == "status":
        return f"it is now {case.status.status_name}"
    if name == "priority":
        return f"it is now {case.priority.value}"
    if name == "title":
        return f"it is now “{case.title}”"
    if name == "assignee":
        return "someone else is assigned" if case.assignee_id else "nobody is assigned now"
    return "the description you see below is the new one"


@dataclass(frozen=True, slots=True)
class Edit:
    """What the case page's form sent: every field, as shown and as sent."""

    key: str
    submitted: dict[str, str]
    was: dict[str, str]
    version: int
    closing_reason: str | None

    @classmethod
    def of(cls, key: str, form: Any) -> Edit:
        version = str(form.get("version") or "")
        return cls(
            key=key,
            submitted={name: str(form.get(name) or "") for name in EDITABLE},
            was={name: str(form.get(f"was_{name}") or "") for name in EDITABLE},
            version=int(version) if version.isdigit() else 0,
            closing_reason=str(form.get("closing_reason") or "") or None,
        )

    @property
    def changed(self) -> dict[str, str]:
        """The fields the person changed (compared with what the form showed)."""
        shown = dict(self.submitted, description=fingerprint(self.submitted["description"]))
        return {name: self.submitted[name] for name in EDITABLE if shown[name] != self.was[name]}


def apply_edit(service: CaseService, edit: Edit, actor: Actor) -> None:
    """Make the changes the person made, unless someone changed those fields meanwhile
    (`Conflict`). A refused value raises the service's `InvalidChange`."""
    case = service.get(edit.key)
    if case.key != edit.key:
        raise CaseNotFound(edit.key)
    changed = edit.changed
    conflicts = _conflicts(service, case, changed, edit.was, edit.version)
    if conflicts:
        raise Conflict(conflicts)
    if "title" in changed:
        case = service.set_title(case, changed["title"], actor=actor)
    if "description" in changed:
        case = service.set_description(case, changed["description"], actor=actor)
    if "priority" in changed:
        case = service.set_priority(case, changed["priority"], actor=actor)
    if "assignee" in changed:
        if changed["assignee"]:
            case = service.assign(case, _user_id(changed["assignee"]), actor=actor)
        else:
            case = service.unassign(case, actor=actor)
    reason = edit.closing_reason
    new_reason = bool(reason) and reason != case.closing_reason
    if "status" in changed or (new_reason and case.status is CaseStatus.CLOSED):
        status = edit.submitted["status"]
        service.set_status(case, status, actor=actor, closing_reason=reason)


@signed_in(Needs.CHANGE)
async def edit(request: Request, signed: Signed) -> Response:
    key = _key(request)
    sent = Edit.of(key, await request.form())
    actor = _actor(signed)
    now = signed.now
    listeners = signed.console.listeners

    def apply(conn: Connection) -> None:
        apply_edit(CaseService(conn, now=now, listeners=listeners), sent, actor)

    values = dict(sent.submitted, closing_reason=sent.closing_reason or "")
    try:
        await signed.console.write(apply)
    except CaseNotFound:
        return refusal(404, "No such case", f"There is no case {key}.", signed.chrome("cases"))
    except Conflict as conflict:
        return await _page(signed, key, status=409, conflicts=conflict.messages)
    except InvalidChange as invalid:
        where = invalid.field if invalid.field in (*EDITABLE, "closing_reason") else "title"
        return await _page(
            signed, key, status=400, values=values, errors={where: _sentence(invalid.message)}
        )
    except CaseServiceError as error:
        return await _page(
            signed, key, status=400, values=values, errors={"title": _sentence(str(error))}
        )
    return RedirectResponse(f"/cases/{key}", status_code=303)


def _user_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidChange("assignee", "choose someone from the list") from None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@signed_in(Needs.CHANGE)
async def comment(request: Request, signed: Signed) -> Response:
    key = _key(request)
    form = await request.form()
    text = str(form.get("comment") or "")
    actor = _actor(signed)
    now = signed.now
    listeners = signed.console.listeners

    def add(conn: Connection) -> None:
        CaseService(conn, now=now, listeners=listeners).comment(key, text, actor=actor)

    try:
        await signed.console.write(add)
    except CaseNotFound:
        return refusal(404, "No such case", f"There is no case {key}.", signed.chrome("cases"))
    except InvalidChange as invalid:
        return await _page(
            signed, key, status=400, comment=text, errors={"comment": _sentence(invalid.message)}
        )
    return RedirectResponse(f"/cases/{key}#timeline", status_code=303)


routes = [
    Route("/cases/{key}", case_page, methods=["GET"]),
    Route("/cases/{key}/edit", edit, methods=["POST"]),
    Route("/cases/{key}/comment", comment, methods=["POST"]),
]

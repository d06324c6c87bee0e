"""What Slack listeners do to cases: synchronous, one transaction each, run in a thread.

Every function takes an open connection inside the caller's transaction and a
`SlackNotifier` (so the change and its Slack outbox rows commit together), and
returns a value the listener turns into words. Nothing here talks to Slack.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

import handles
from bot.core.cases import Actor, ActorSource, Case, CaseStatus, CaseType, CreationSource, Project
from bot.core.outbox import LiveMessage
from bot.services import outbox
from bot.services.case_reader import CaseReader
from bot.services.cases import CaseListener, CaseService
from bot.services.cycles import CycleCases, CycleReader
from bot.services.errors import CaseServiceError
from bot.services.notification_rules import Watchers
from bot.services.projects import ProjectReader
from bot.services.users import UserReader, UserService
from bot.slack.blocks import notice
from bot.slack.case_links import CaseLinks
from bot.slack.notifier import STATUS_LABELS, SlackNotifier, case_summary
from bot.slack.views import CaseListView


@dataclass(frozen=True, slots=True)
class SlackUser:
    id: str  # U…
    name: str
    # From users.info (scope users:read.email): matches the person to their console
    # account, so that timelines name one person.
    email: str | None = None

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> SlackUser:
        """Who clicked or submitted, as an interaction payload names them."""
        user = body.get("user") or {}
        return cls(str(user.get("id", "")), str(user.get("username") or user.get("name") or ""))

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(frozen=True, slots=True)
class CreateContext:
    """What the Create Case modal is prefilled with, or the case the cycle already has."""

    projects: list[Project]
    default_project: str | None
    title: str
    description: str
    context: str
    existing: Case | None


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """A submitted Create Case modal."""

    title: str
    description: str
    project: str  # handle
    type: str
    priority: str
    channel_id: str | None = None
    message_ts: str | None = None
    group_id: int | None = None
    cycle: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened, for the person who clicked: `created` or an existing/current case."""

    case: Case
    created: bool
    text: str


def actor(conn: Connection, user: SlackUser, *, now: datetime) -> Actor:
    found = UserService(conn, now=now).ensure(
        name=user.name, slack_user_id=user.id, email=user.email
    )
    return Actor(ActorSource.SLACK, found.id, user.name)


def projects_and_default(conn: Connection, text: str) -> tuple[list[Project], str | None]:
    """All projects, and the one the text mentions with `@case-<handle>` (else the first)."""
    found = ProjectReader(conn).list()
    handles_ = {p.handle for p in found}
    for mention in handles.extract_mentions(text):
        if mention.kind == "case" and mention.name in handles_:
            return found, mention.name
    return found, found[0].handle if found else None


def create_context(
    conn: Connection, *, channel_id: str, message_ts: str, group_ref: str, now: datetime
) -> CreateContext:
    live = outbox.find_message(conn, channel_id=channel_id, ts=message_ts)
    group_id, cycle = _group_ref(group_ref)
    if live is None and group_id is not None and cycle is not None:
        # A click can arrive before the sender has stored the message's ts.
        live = next(iter(outbox.messages_of_cycle(conn, group_id, cycle)), None)
    alert: dict[str, Any] = dict(live.alert) if live else {}
    existing = None
    if group_id is not None and cycle is not None:
        existing = CycleReader(conn).case_of(group_id, cycle)
    projects, default = projects_and_default(conn, str(alert.get("text", "")))
    title = str(alert.get("title", ""))
    return CreateContext(
        projects=projects,
        default_project=default,
        title=title,
        description=str(alert.get("text", "")),
        context=f"*{_escape(title)}*" if title else "",
        existing=existing,
    )


def create_case(
    conn: Connection,
    request: CaseRequest,
    user: SlackUser,
    notifier: SlackNotifier,
    *,
    now: datetime,
    listeners: Sequence[CaseListener] = (),
) -> Outcome:
    """Open the case, linked to the alert's cycle, unless the cycle already has one.

    The change goes to `listeners` (the server's case listeners), else to the notifier.

    The group row is locked first (bot/services/cycles.py), as the pipeline does, so two
    clicks, or a click and an `@case-` notification, for one cycle are serialised and the
    second finds the first's case.
    """
    cycles = CycleCases(CaseService(conn, now=now, listeners=listeners or [notifier]))
    if request.group_id is None or request.cycle is None:
        who = actor(conn, user, now=now)
        case = cycles.cases.create_case(**_case_fields(request, who))
        return Outcome(case, True, f"Case *{case.key}* created.")
    existing = cycles.lock_case_of(request.group_id, request.cycle)
    if existing is not None:
        _link_messages(conn, notifier, request, existing, now=now)
        return Outcome(existing, False, f"This alert already has case *{existing.key}*.")
    who = actor(conn, user, now=now)
    case = cycles.open(request.group_id, request.cycle, **_case_fields(request, who))
    for live in _link_messages(conn, notifier, request, case, now=now):
        text = notice("case_created", case_key=case.key, actor=user.mention)
        outbox.enqueue_reply(conn, live, text, now=now)
    return Outcome(case, True, f"Case *{case.key}* created.")


def act(
    conn: Connection,
    *,
    case_id: str,
    action: str,
    user: SlackUser,
    notifier: SlackNotifier,
    now: datetime,
    closing_reason: str | None = None,
    listeners: Sequence[CaseListener] = (),
) -> Outcome:
    """Assign to me, In progress, Close or Watch, on the case as it is now (not as shown).

    The change goes to `listeners` (the server's case listeners: issue sync, the issue
    messages), else to the notifier alone.

    Raises `NeedsReason` when closing a SECURITY case without a reason.
    """
    service = CaseService(conn, now=now, listeners=listeners or [notifier])
    case = service.get(case_id)
    who = actor(conn, user, now=now)
    label = STATUS_LABELS.get(case.status.value, case.status.value)
    if action == "assign_to_me":
        if case.assignee_id == who.user_id:
            return Outcome(case, False, f"*{case.key}* is already assigned to you.")
        before = case.assignee_id
        assert who.user_id is not None  # ensure_user always gives one
        changed = service.assign(case, who.user_id, actor=who)
        note = " (it was assigned to someone else)" if before is not None else ""
        return Outcome(changed, True, f"*{case.key}* is now assigned to you{note}.")
    if action == "case_in_progress":
        if case.status != CaseStatus.OPEN:
            _refresh(conn, notifier, case, now=now)
            return Outcome(case, False, f"*{case.key}* is already {label}: nothing changed.")
        changed = service.set_status(case, CaseStatus.IN_PROGRESS, actor=who)
        return Outcome(changed, True, f"*{case.key}* is now In progress.")
    if action == "close_case":
        if case.status == CaseStatus.CLOSED:
            _refresh(conn, notifier, case, now=now)
            return Outcome(case, False, f"*{case.key}* is already Closed: nothing changed.")
        if case.type == CaseType.SECURITY and not (closing_reason or case.closing_reason):
            raise NeedsReason(case)
        changed = service.set_status(
            case, CaseStatus.CLOSED, actor=who, closing_reason=closing_reason
        )
        return Outcome(changed, True, f"*{case.key}* is now Closed.")
    if action == "watch_case":
        assert who.user_id is not None
        return Outcome(case, False, _watch(conn, case, who.user_id, now=now))
    raise ValueError(f"unknown case action {action!r}")


def _watch(conn: Connection, case: Case, user_id: uuid.UUID, *, now: datetime) -> str:
    """Watch the case; what the person is told of it (where its changes will reach them)."""
    if not Watchers(conn, now=now).watch(case.id, user_id):
        return f"You already watch *{case.key}*."
    email = UserReader(conn).get(user_id).email
    if email:
        return f"You now watch *{case.key}*: its changes reach you by e-mail at {email}."
    return (
        f"You now watch *{case.key}*, but casebot knows no e-mail address of yours: "
        "its changes will reach you once your Slack profile or console account has one."
    )


class NeedsReason(CaseServiceError):
    """Closing this SECURITY case needs a closing reason: ask for one."""

    def __init__(self, case: Case) -> None:
        super().__init__(f"{case.key} needs a closing reason")
        self.case = case


def open_cases_of(conn: Connection, user_id: str, *, limit: int = 20) -> list[Case]:
    """Open cases assigned to, or created by, this Slack user; newest first."""
    found = UserReader(conn).by_slack_id(user_id)
    if found is None:
        return []
    return CaseReader(conn).open_cases_of(found.id, limit=limit)


def open_case_list(
    conn: Connection, user_id: str, links: CaseLinks, *, now: datetime
) -> CaseListView:
    found = open_cases_of(conn, user_id)
    return CaseListView(
        user=user_id, cases=tuple(case_summary(conn, c, links, now=now) for c in found)
    )


# -- internals ---------------------------------------------------------------------------


def _link_messages(
    conn: Connection, notifier: SlackNotifier, request: CaseRequest, case: Case, *, now: datetime
) -> list[LiveMessage]:
    """Every live message of the cycle now shows the case (View case, buttons)."""
    if request.group_id is None or request.cycle is None:
        return []
    summary = case_summary(conn, case, notifier.links, now=now)
    linked = [
        notifier.refresh(conn, live, summary, now=now)
        for live in outbox.messages_of_cycle(conn, request.group_id, request.cycle)
    ]
    notifier.wake()
    return linked


def _refresh(conn: Connection, notifier: SlackNotifier, case: Case, *, now: datetime) -> None:
    """A stale button was clicked: bring the case's messages up to date."""
    summary = case_summary(conn, case, notifier.links, now=now)
    for live in outbox.messages_of_case(conn, case.id):
        notifier.refresh(conn, live, summary, now=now)
    notifier.wake()


def _case_fields(request: CaseRequest, who: Actor) -> dict[str, Any]:
    return {
        "project": request.project,
        "title": request.title,
        "description": request.description,
        "type": request.type,
        "priority": request.priority,
        "actor": who,
        "creation_source": CreationSource.SLACK,
        "created_by": who.user_id,
    }


def _group_ref(value: str) -> tuple[int | None, int | None]:
    group, _, cycle = value.partition(":")
    if group.isdigit() and cycle.isdigit():
        return int(group), int(cycle)
    return None, None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "CaseRequest",
    "CreateContext",
    "NeedsReason",
    "Outcome",
    "SlackUser",
    "act",
    "create_case",
    "create_context",
    "open_case_list",
    "open_cases_of",
    "projects_and_default",
]

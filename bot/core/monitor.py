"""What one notification does to cases.

Every function here is pure: the pipeline loads a `GroupState` (the group and its
alert cycle, bot/core/alert_cycles.py) and the projects named by the
notification's mentions, calls `decide`, and carries out the returned `Decision`
(open, append, close) inside one database transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from enum import StrEnum

from bot.core.alert_cycles import (
    CycleCase,
    GroupState,
    Outcome,
    advance,
    classify,
    normal_priority,
    starts_new_cycle,
)
from bot.core.events import MonitorEvent
from bot.core.lifecycle import describe_duration
from bot.core.mute import Mute
from bot.core.records import record
from handles.types import Mention, Rendered, State, Transition

CLOSED = "CLOSED"
SECURITY = "SECURITY"
NOT_DEFINED = "NOT_DEFINED"
RESOLVED_MESSAGE = "monitor group resolved"
CLOSE_PROMPT_MESSAGE = "monitor recovered — close?"
# bot.core.cases.ClosedBy.RECOVERY (this module does not import the case rules).
CLOSED_BY_RECOVERY = "recovery"
SECURITY_NOTE = (
    "monitor group resolved; this SECURITY case stays open until someone closes it "
    "with a closing reason (testing, false_positive, one_time_exception)"
)


@record
class ProjectTarget:
    """A project as seen through its `@case-<handle>`."""

    project_id: str
    handle: str
    monitors_enabled: bool
    auto_close: bool
    case_type: str = "STANDARD"


class SkipReason(StrEnum):
    UNKNOWN_PROJECT = "unknown_project"
    MONITORS_DISABLED = "monitors_disabled"


@record
class SkippedMention:
    """An `@case-` handle that opened nothing, and why (rule 5)."""

    handle: str
    reason: SkipReason


@record
class OpenCase:
    project_id: str
    title: str
    description: str
    priority: str
    case_type: str
    attributes: Mapping[str, tuple[str, ...]]


@record
class AppendTimeline:
    """Record the notification on an existing case of the cycle (rules 2 and 4).

    `muted_by`: the downtime that muted the notification (the entry says so)."""

    case_id: str
    transition: Transition
    text: str
    muted_by: str | None = None


@record
class CloseCase:
    case_id: str
    message: str = RESOLVED_MESSAGE


@record
class NoteOnCase:
    """A timeline note without a status change (a SECURITY case that stays open)."""

    case_id: str
    message: str


@record
class ReopenCase:
    """The group re-fired within the project's reopen window after its recovery closed
    this case: reopen it for the new cycle instead of opening another."""

    case_id: str
    project_id: str
    description: str
    after: timedelta  # since the recovery

    @property
    def message(self) -> str:
        return f"re-fired {describe_duration(self.after.total_seconds())} after recovery"


@record
class PromptClose:
    """The group recovered, but a person is working the case (`unless_worked`): ask."""

    case_id: str
    message: str = CLOSE_PROMPT_MESSAGE


Action = OpenCase | AppendTimeline | CloseCase | NoteOnCase | ReopenCase | PromptClose


@record
class Decision:
    outcome: Outcome
    transition: Transition
    # The group after this notification; the same object when nothing changes.
    group: GroupState | None
    actions: tuple[Action, ...] = ()
    skipped: tuple[SkippedMention, ...] = ()
    starts_cycle: bool = False
    # The downtime that muted the notification: nothing opens, closes or is posted.
    muted: Mute | None = None


def case_mentions(mentions: Iterable[Mention]) -> tuple[str, ...]:
    """The distinct `@case-` handles, lower-cased, in order of first mention."""
    seen: dict[str, None] = {}
    for mention in mentions:
        if mention.kind == "case" and mention.name:
            seen.setdefault(mention.name.lower(), None)
    return tuple(seen)


def cases_to_open(
    group: GroupState | None,
    event: MonitorEvent,
    transition: Transition,
    rendered: Rendered,
    projects: Mapping[str, ProjectTarget],
) -> tuple[tuple[OpenCase | ReopenCase, ...], tuple[SkippedMention, ...]]:
    """Rules 1 and 5: which mentioned projects get a new case.

    Only a move into a non-OK state opens: a new cycle, or a state change within
    the cycle (WARN → ALERT). A renotification does not. A project that already
    has a case in this cycle gets none, even if a person closed it (rule 4). A new
    cycle within the project's reopen window after the recovery closed the last
    cycle's case reopens that case instead (`reopenable`).
    """
    opens: list[OpenCase | ReopenCase] = []
    skipped: list[SkippedMention] = []
    new_cycle = starts_new_cycle(group, event)
    moved = new_cycle or (group is not None and group.state != event.state)
    existing = set() if new_cycle or group is None else {c.project_id for c in group.cases}
    for handle in case_mentions(rendered.mentions):
        project = projects.get(handle)
        if project is None:
            skipped.append(SkippedMention(handle, SkipReason.UNKNOWN_PROJECT))
            continue
        if not project.monitors_enabled:
            skipped.append(SkippedMention(handle, SkipReason.MONITORS_DISABLED))
            continue
        if event.state is State.OK or not moved or project.project_id in existing:
            continue
        existing.add(project.project_id)
        again = reopenable(group, event, project.project_id) if new_cycle else None
        if again is not None:
            assert group is not None
            after = event.occurred_at - group.last_transition_at
            opens.append(ReopenCase(again.case_id, project.project_id, rendered.text, after))
            continue
        opens.append(
            OpenCase(
                project_id=project.project_id,
                title=case_title(event),
                description=rendered.text,
                priority=normal_priority(rendered.priority) or transition.priority or NOT_DEFINED,
                case_type=project.case_type,
                attributes=attributes_from_tags((*tags_of_group(event.group), *event.tags)),
            )
        )
    return tuple(opens), tuple(skipped)


def reopenable(group: GroupState | None, event: MonitorEvent, project_id: str) -> CycleCase | None:
    """The last cycle's case of the project, if the group's recovery closed it and this
    new cycle begins within the project's reopen window after that recovery. A case a
    person closed (or reopened) is left alone."""
    if group is None or group.in_cycle or group.state is not State.OK:
        return None
    since = event.occurred_at - group.last_transition_at
    for case in group.cases:
        if (
            case.project_id == project_id
            and case.status == CLOSED
            and case.closed_by == CLOSED_BY_RECOVERY
            and timedelta(0) <= since <= timedelta(seconds=case.reopen_window_secs)
        ):
            return case
    return None


def follow_ups(
    group: GroupState | None,
    event: MonitorEvent,
    transition: Transition,
    text: str,
) -> tuple[Action, ...]:
    """Rules 2, 3 and 4: what the notification does to the cycle's existing cases.

    Every case of the cycle gets the notification on its timeline, closed ones
    included (a person's close is never undone). A recovery ends the cycle; with
    auto-close on, cases not yet closed close, except SECURITY cases, which need
    a person's closing reason and get a note instead. A new cycle announced by a
    different cycle key first ends the old one the same way.
    """
    if group is None or not group.in_cycle:
        return ()
    if starts_new_cycle(group, event):
        note = f"{RESOLVED_MESSAGE} (a new alert cycle began; the recovery was not delivered)"
        return _resolve(group.cases, note)
    appends: tuple[Action, ...] = tuple(
        AppendTimeline(case.case_id, transition, text) for case in group.cases
    )
    if event.state is not State.OK:
        return appends
    return appends + _resolve(group.cases, RESOLVED_MESSAGE)


def _resolve(cases: Iterable[CycleCase], message: str) -> tuple[Action, ...]:
    """What the end of a cycle does to its open cases: close them (auto-close on), leave
    them (off), ask (`unless_worked` and a person worked the case), or note on a SECURITY
    case that it needs a closing reason."""
    actions: list[Action] = []
    for case in cases:
        if not case.auto_close or case.status == CLOSED:
            continue
        if case.case_type == SECURITY:
            actions.append(NoteOnCase(case.case_id, SECURITY_NOTE))
        elif case.close_unless_worked and case.worked:
            actions.append(PromptClose(case.case_id))
        else:
            actions.append(CloseCase(case.case_id, message))
    return tuple(actions)


def decide(
    group: GroupState | None,
    event: MonitorEvent,
    transition: Transition,
    rendered: Rendered,
    projects: Mapping[str, ProjectTarget],
    *,
    muted: Mute | None = None,
) -> Decision:
    """Everything one notification does, as values for the pipeline to carry out.

    `transition` comes from `transition_for(group, event)` and `rendered` is the
    message rendered for it; `projects` maps lower-case handles to projects (it
    may hold only the handles this message mentions). `muted` names the
    downtime that mutes the notification (bot/core/downtimes.py): the group moves
    on as usual, the cycle's cases get the entry marked muted, and nothing opens
    or closes.
    """
    outcome = classify(group, event)
    if outcome is not Outcome.APPLIED:
        return Decision(outcome=outcome, transition=transition, group=group)
    opens, skipped = cases_to_open(group, event, transition, rendered, projects)
    actions = follow_ups(group, event, transition, rendered.text)
    if muted is not None:
        by = str(muted.downtime_id)
        actions = tuple(replace(a, muted_by=by) for a in actions if isinstance(a, AppendTimeline))
        opens = ()
    return Decision(
        outcome=Outcome.APPLIED,
        transition=transition,
        group=advance(group, event),
        actions=actions + opens,
        skipped=skipped,
        starts_cycle=starts_new_cycle(group, event),
        muted=muted,
    )


def resume(
    group: GroupState,
    event: MonitorEvent,
    rendered: Rendered,
    projects: Mapping[str, ProjectTarget],
) -> Decision:
    """A downtime ended while the group is still in `event.state`: notify it now.

    `event` is the last notification the downtime muted, with the group's current
    state; `rendered` its text. Each mentioned project without a case in the
    cycle gets one, as if the state had just been reported (OK → state).
    """
    transition = Transition(
        previous=State.OK, current=event.state, priority=normal_priority(event.priority)
    )
    fresh = replace(group, state=State.OK, cases=())
    opens, skipped = cases_to_open(fresh, event, transition, rendered, projects)
    existing = {c.project_id for c in group.cases}
    return Decision(
        outcome=Outcome.APPLIED,
        transition=transition,
        group=group,
        actions=tuple(o for o in opens if o.project_id not in existing),
        skipped=skipped,
    )


def case_title(event: MonitorEvent) -> str:
    name = event.monitor_name or event.monitor_id
    return name if event.group == "*" else f"{name} on {event.group}"


def tags_of_group(group: str) -> tuple[str, ...]:
    return () if group == "*" else tuple(t for t in group.split(",") if t)


def attributes_from_tags(tags: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """`key:value` tags as case attributes (key → sorted distinct values); bare tags skipped."""
    found: dict[str, set[str]] = {}
    for tag in tags:
        key, sep, value = tag.partition(":")
        if sep and key.strip() and value.strip():
            found.setdefault(key.strip(), set()).add(value.strip())
    return {key: tuple(sorted(values)) for key, values in sorted(found.items())}

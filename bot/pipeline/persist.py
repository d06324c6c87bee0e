"""Stage 5, persist: carry out the decision on the cases, and record the outcome.

Everything here writes in the caller's transaction: the group's new state is
saved as the decision is taken (bot/pipeline/pipeline.py), the cases change
through `CaseService` (a case for the alert cycle through `CycleCases`, which
claims the cycle), and the delivery's inbox row gets its outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from bot.core.cases import DESCRIPTION_MAX, TITLE_MAX, Actor, CreationSource, TimelineKind
from bot.core.events import MonitorEvent, Source
from bot.core.monitor import (
    AppendTimeline,
    CloseCase,
    Decision,
    NoteOnCase,
    OpenCase,
    PromptClose,
    ReopenCase,
)
from bot.db import downtimes as downtime_store
from bot.db import inbox_store
from bot.pipeline.reports import EventReport, Settled, applied_report
from bot.services.cycles import CycleCases
from handles.types import Rendered, State, Transition


def carry_out(
    cycles: CycleCases,
    group_id: int | None,
    inbox_id: int,
    event: MonitorEvent,
    decision: Decision,
    note: str | None,
    *,
    keys: Mapping[str, str],
) -> EventReport:
    """Open, append to, note on and close the cases the decision names; what it did.

    `keys` are the keys of the group's cases by id, for the report."""
    assert decision.group is not None
    actions = decision.actions
    if not actions:  # most notifications: a new group's first alert, a renotification
        return applied_report(event, decision, note)
    cases = cycles.cases
    opened: list[str] = []
    appended: list[str] = []
    closed: list[str] = []
    noted: list[str] = []
    reopened: list[str] = []
    data = _transition_data(event, decision.transition, inbox_id)
    actor = Actor.monitor(event.monitor_name or event.monitor_id)
    for action in actions:
        match action:
            case AppendTimeline():
                muted = {"muted_by": action.muted_by} if action.muted_by else {}
                cases.append(
                    action.case_id,
                    kind=TimelineKind.MONITOR_TRANSITION,
                    body=action.text,
                    actor=actor,
                    data={**data, **muted},
                )
                appended.append(keys.get(action.case_id, action.case_id))
            case CloseCase():
                cases.auto_close(action.case_id, actor=actor, body=action.message, data=data)
                closed.append(keys.get(action.case_id, action.case_id))
            case NoteOnCase():
                cases.append(
                    action.case_id, kind=TimelineKind.NOTE, body=action.message, actor=actor
                )
                noted.append(keys.get(action.case_id, action.case_id))
            case PromptClose():
                cases.append(
                    action.case_id,
                    kind=TimelineKind.CLOSE_PROMPT,
                    body=action.message,
                    actor=actor,
                    data=data,
                )
                noted.append(keys.get(action.case_id, action.case_id))
            case ReopenCase():
                assert group_id is not None, "a group that reopens a case is saved at once"
                case = cycles.reopen(
                    group_id,
                    decision.group.cycle,
                    UUID(action.case_id),
                    actor=actor,
                    body=action.message,
                    data={**data, "after_secs": int(action.after.total_seconds())},
                )
                cases.append(
                    case,
                    kind=TimelineKind.MONITOR_TRANSITION,
                    body=action.description,
                    actor=actor,
                    data=data,
                )
                reopened.append(case.key)
            case OpenCase():
                assert group_id is not None, "a group that opens a case is saved at once"
                case = cycles.open(
                    group_id,
                    decision.group.cycle,
                    project=UUID(action.project_id),
                    title=_clip(action.title, TITLE_MAX),
                    description=_clip(action.description, DESCRIPTION_MAX),
                    actor=actor,
                    type=action.case_type,
                    priority=action.priority,
                    attributes=action.attributes,
                    creation_source=CreationSource.MONITOR,
                )
                cases.append(
                    case,
                    kind=TimelineKind.MONITOR_TRANSITION,
                    body=action.description,
                    actor=actor,
                    data=data,
                )
                opened.append(case.key)
    return applied_report(
        event,
        decision,
        note,
        opened=tuple(opened),
        appended=tuple(appended),
        closed=tuple(closed),
        noted=tuple(noted),
        reopened=tuple(reopened),
    )


def muted_row(
    group_id: int,
    inbox_id: int,
    event: MonitorEvent,
    decision: Decision,
    rendered: Rendered,
    *,
    now: datetime,
) -> dict[str, Any]:
    """The row that remembers a muted notification: what the end of its downtime
    notifies again (bot/pipeline/downtime_ends.py), and what the noise report counts."""
    assert decision.muted is not None and decision.group is not None
    return {
        "downtime_id": decision.muted.downtime_id,
        "group_id": group_id,
        "cycle": decision.group.cycle,
        "state": event.state.value,
        "occurred_at": event.occurred_at,
        "received_at": now,
        "inbox_id": inbox_id,
        "event": event_facts(event),
        "text": rendered.text,
    }


def event_facts(event: MonitorEvent) -> dict[str, Any]:
    """The event as JSON, enough to notify it again later (`facts_event` reads it back)."""
    return {
        "source": event.source.value,
        "monitor_id": event.monitor_id,
        "monitor_name": event.monitor_name,
        "group": event.group,
        "state": event.state.value,
        "occurred_at": event.occurred_at.isoformat(),
        "title": event.title,
        "priority": event.priority,
        "tags": list(event.tags),
        "values": dict(event.values),
        "link": event.link,
        "cycle_key": event.cycle_key,
    }


def facts_event(facts: Mapping[str, Any], text: str, *, state: State) -> MonitorEvent:
    """A stored notification as an event, rendered already, in `state`."""
    return MonitorEvent(
        source=Source(facts["source"]),
        monitor_id=str(facts["monitor_id"]),
        monitor_name=str(facts.get("monitor_name") or ""),
        group=str(facts["group"]),
        state=state,
        occurred_at=datetime.fromisoformat(str(facts["occurred_at"])),
        message=text,
        rendered=True,
        title=str(facts.get("title") or ""),
        priority=facts.get("priority"),
        tags=tuple(facts.get("tags") or ()),
        values=dict(facts.get("values") or {}),
        link=facts.get("link"),
        cycle_key=facts.get("cycle_key"),
    )


def record_muted(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """The muted notifications of a transaction, in one statement."""
    downtime_store.record_muted(conn, rows)


def record(conn: Connection, settled: Settled, *, now: datetime) -> None:
    """Give a stored delivery's inbox row its outcome."""
    report = settled.report
    inbox_store.finish(conn, report.inbox_id, report.outcome, report.reason, settled.result, now)


def record_rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """A batch's inbox rows, each already settled, in one statement."""
    inbox_store.insert_finished(conn, rows)


def _transition_data(event: MonitorEvent, transition: Transition, inbox_id: int) -> dict[str, Any]:
    return {
        "source": event.source.value,
        "monitor_id": event.monitor_id,
        "monitor_name": event.monitor_name,
        "group": event.group,
        "previous": transition.previous.value if transition.previous else None,
        "current": transition.current.value,
        "renotify": transition.renotify,
        "recovery": transition.current is State.OK,
        "occurred_at": event.occurred_at.isoformat(),
        "inbox_id": inbox_id,
        "link": event.link,
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

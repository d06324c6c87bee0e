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
from bot.core.events import MonitorEvent
from bot.core.monitor import AppendTimeline, CloseCase, Decision, NoteOnCase, OpenCase
from bot.db import inbox_store
from bot.pipeline.reports import EventReport, Settled, applied_report
from bot.services.cycles import CycleCases
from handles.types import State, Transition


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
    data = _transition_data(event, decision.transition, inbox_id)
    actor = Actor.monitor(event.monitor_name or event.monitor_id)
    for action in actions:
        match action:
            case AppendTimeline():
                cases.append(
                    action.case_id,
                    kind=TimelineKind.MONITOR_TRANSITION,
                    body=action.text,
                    actor=actor,
                    data=data,
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
    )


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

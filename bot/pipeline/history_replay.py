"""Replay against history: what an edited monitor message would have done to the
monitor's last stored deliveries, beside what they did.

Nothing is written. Each stored delivery is parsed again (the pipeline's parse
stage, without the signature check), the monitor's events get the edited message,
and the core's decision rules run over a group state kept in memory, starting
from nothing: the window's first notification of a group is taken as the group's
first. What happened comes from each delivery's inbox result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from bot.core.alert_cycles import CycleCase, GroupState, Outcome, advance, classify, transition_for
from bot.core.events import MonitorEvent, Source
from bot.core.monitor import (
    CLOSED,
    CloseCase,
    Decision,
    OpenCase,
    ProjectTarget,
    case_mentions,
    decide,
)
from bot.db import monitor_history
from bot.db.monitor_history import MonitorRef, PastDelivery
from bot.pipeline import decide as decide_stage
from bot.pipeline import parse as parse_stage
from bot.pipeline import render as render_stage
from bot.pipeline.reports import Delivery, describe_transition
from bot.services.projects import ProjectReader
from bot.sources import SourceError, SourcesConfig

__all__ = [
    "MonitorRef",
    "Replay",
    "ReplayedEvent",
    "find_monitor",
    "latest_message",
    "monitors",
    "replay",
]

REPLAY_MAX = 200
# How many of a source's latest deliveries are searched for the monitor's.
SCAN = 5_000


@dataclass(frozen=True, slots=True)
class ReplayedEvent:
    """One notification of the monitor: what it did, and what the edited message would do."""

    inbox_id: int
    received_at: datetime
    group: str
    transition: str
    # What happened (case keys), from the inbox.
    opened: tuple[str, ...]
    closed: tuple[str, ...]
    # What the edited message would do: projects that would get a case, and which of
    # the replay's own cases would close.
    would_open: tuple[str, ...]
    would_close: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    note: str | None = None

    @property
    def differs(self) -> bool:
        """Whether the edited message would open or close other cases than happened."""
        opened = sorted(key.rsplit("-", 1)[0] for key in self.opened)
        would = sorted(self.would_open)
        return opened != would or len(self.closed) != len(self.would_close)


@dataclass(frozen=True, slots=True)
class Replay:
    monitor: MonitorRef
    events: tuple[ReplayedEvent, ...]

    @property
    def opened(self) -> int:
        return sum(len(e.opened) for e in self.events)

    @property
    def would_open(self) -> int:
        return sum(len(e.would_open) for e in self.events)

    @property
    def closed(self) -> int:
        return sum(len(e.closed) for e in self.events)

    @property
    def would_close(self) -> int:
        return sum(len(e.would_close) for e in self.events)


def monitors(conn: Connection) -> list[MonitorRef]:
    """The monitors casebot has groups of: what replay can pick from."""
    return monitor_history.monitors(conn)


class _Simulation:
    """Group states and the replay's own cases, in memory."""

    def __init__(self, conn: Connection, message: str) -> None:
        self.message = message
        self.projects = decide_stage.Projects(conn)
        self.keys = {str(p.id): p.key for p in ProjectReader(conn).list()}
        self.groups: dict[str, GroupState | None] = {}

    def apply(
        self, event: MonitorEvent, inbox_id: int
    ) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str | None]:
        """(transition, projects opened, cases closed, skipped handles, note)."""
        edited = replace(event, message=self.message, rendered=False)
        group = self.groups.get(event.group)
        seen = classify(group, edited)
        if seen is not Outcome.APPLIED:
            return seen.value, (), (), (), None
        transition = transition_for(group, edited)
        rendered, note = render_stage.render(edited, transition, advance(group, edited))
        named = self.projects.named(case_mentions(rendered.mentions))
        decision = decide(group, edited, transition, rendered, named)
        targets = {target.project_id: target for target in named.values()}
        self.groups[event.group] = self._after(decision, inbox_id, targets)
        opened = tuple(
            self.keys.get(a.project_id, a.project_id)
            for a in decision.actions
            if isinstance(a, OpenCase)
        )
        closed = tuple(a.case_id for a in decision.actions if isinstance(a, CloseCase))
        skipped = tuple(f"@case-{s.handle} ({s.reason.value})" for s in decision.skipped)
        return describe_transition(transition), opened, closed, skipped, note

    def _after(
        self, decision: Decision, inbox_id: int, targets: dict[str, ProjectTarget]
    ) -> GroupState | None:
        after = decision.group
        if after is None:
            return None
        closing = {a.case_id for a in decision.actions if isinstance(a, CloseCase)}
        kept = () if decision.starts_cycle else after.cases
        cases = [replace(c, status=CLOSED) if c.case_id in closing else c for c in kept]
        for action in decision.actions:
            if isinstance(action, OpenCase):
                key = self.keys.get(action.project_id, action.project_id)
                label = f"the {key} case of #{inbox_id}"
                target = targets.get(action.project_id)
                auto_close = target.auto_close if target is not None else True
                cases.append(
                    CycleCase(label, action.project_id, "OPEN", action.case_type, auto_close, label)
                )
        return replace(after, cases=tuple(cases))


def replay(
    conn: Connection,
    monitor: MonitorRef,
    message: str,
    *,
    last: int,
    sources: SourcesConfig,
    now: datetime,
) -> Replay:
    """What `message` would have done to `monitor`'s last `last` stored deliveries."""
    past = monitor_history.last_deliveries(
        conn, monitor.source, monitor.monitor_id, limit=min(max(last, 1), REPLAY_MAX), scan=SCAN
    )
    simulation = _Simulation(conn, message)
    events: list[ReplayedEvent] = []
    for stored in past:
        events.extend(_replayed(stored, monitor, simulation, sources, now))
    return Replay(monitor, tuple(events))


def _replayed(
    stored: PastDelivery,
    monitor: MonitorRef,
    simulation: _Simulation,
    sources: SourcesConfig,
    now: datetime,
) -> list[ReplayedEvent]:
    row = stored.delivery
    delivery = Delivery(Source(row.source), row.body, row.received_at, row.headers)
    try:
        parsed = parse_stage.parse(delivery, config=sources, now=now, verify=False)
    except SourceError:
        return []  # the sources' settings changed since: nothing to replay
    results = list(stored.result.get("events", ()))
    aligned = len(results) == len(parsed)
    out = []
    for index, event in enumerate(parsed):
        if event.monitor_id != monitor.monitor_id:
            continue
        if aligned:
            happened = results[index]
        else:
            happened = next((r for r in results if r.get("group") == event.group), {})
        transition, opened, closed, skipped, note = simulation.apply(event, row.id)
        out.append(
            ReplayedEvent(
                inbox_id=row.id,
                received_at=row.received_at,
                group=event.group,
                transition=transition,
                opened=tuple(happened.get("opened", ())),
                closed=tuple(happened.get("closed", ())),
                would_open=opened,
                would_close=closed,
                skipped=skipped,
                note=note,
            )
        )
    return out


def latest_message(
    conn: Connection, monitor: MonitorRef, *, sources: SourcesConfig, now: datetime
) -> str | None:
    """The monitor's message as its last stored delivery carried it (a Datadog message
    arrives rendered: that text, not the template)."""
    past = monitor_history.last_deliveries(
        conn, monitor.source, monitor.monitor_id, limit=1, scan=SCAN
    )
    for stored in past:
        row = stored.delivery
        delivery = Delivery(Source(row.source), row.body, row.received_at, row.headers)
        try:
            parsed = parse_stage.parse(delivery, config=sources, now=now, verify=False)
        except SourceError:
            return None
        for event in parsed:
            if event.monitor_id == monitor.monitor_id:
                return event.message
    return None


def find_monitor(conn: Connection, ref: str) -> MonitorRef | None:
    """The monitor `source:monitor_id` names, if casebot has a group of it."""
    source, _, monitor_id = ref.partition(":")
    return next(
        (m for m in monitors(conn) if m.source == source and m.monitor_id == monitor_id), None
    )

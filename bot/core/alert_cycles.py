"""Monitor groups and their alert cycles: the state casebot keeps per group, and
how one notification moves it on (late, duplicate, a new cycle, a renotification).

Pure, as bot/core/monitor.py, which decides what the notification does to cases.

- A *group* is one member of a monitor (source, monitor id, group key).
- An *alert cycle* runs from the group's move out of OK to its next recovery.
  Cycles are numbered per group, starting at 1; a group that never left OK has
  cycle 0. Cases opened by a notification belong to the cycle it falls in.
- Every applied notification is a `Transition`; a renotification repeats the
  current state (`previous == current`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from bot.core.events import MonitorEvent
from bot.core.records import record
from handles.types import State, Transition

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


@record
class CycleCase:
    """A case opened during the group's current alert cycle (for a group in OK: the
    cycle that ended last), as the rules need it."""

    case_id: str
    project_id: str
    status: str
    case_type: str
    auto_close: bool
    key: str = ""
    # The project closes on recovery only cases nobody worked (`unless_worked`).
    close_unless_worked: bool = False
    # A person changed or commented on the case.
    worked: bool = False
    # `recovery` when the group's recovery closed it (bot.core.cases.ClosedBy).
    closed_by: str | None = None
    # The project's reopen window, in seconds (0: off).
    reopen_window_secs: int = 0
    # The project ends the cycle of a stale group (`close_stale_groups`).
    close_stale: bool = False


@record
class CaseCycle:
    """A group's alert cycle that a case was opened for, as people read it."""

    source: str
    monitor_id: str
    monitor_name: str
    group: str
    state: str  # the group's state now
    cycle: int


@record
class GroupState:
    """What casebot remembers about one monitor group between notifications.

    `last_transition_at` is the sender's time of the last applied notification;
    anything older is late. `cases` are the current (latest) cycle's cases.
    """

    state: State
    cycle: int
    last_transition_at: datetime
    cycle_started_at: datetime | None = None
    last_triggered_at: datetime | None = None
    cycle_key: str | None = None
    cases: tuple[CycleCase, ...] = ()

    @property
    def in_cycle(self) -> bool:
        return self.state is not State.OK and self.cycle > 0


class Outcome(StrEnum):
    """What happened to one notification."""

    APPLIED = "processed"
    DUPLICATE = "duplicate"
    LATE = "late"


def transition_for(group: GroupState | None, event: MonitorEvent) -> Transition:
    """The transition a notification reports.

    Senders that give only the current state (Alertmanager, Grafana, Datadog's
    default payload) get the previous state from casebot's stored group state;
    a group casebot has never seen has `previous=None`. When the sender states a
    previous state itself, that wins: it saw every evaluation, casebot only the
    deliveries. A notification that repeats a non-OK state is a renotification.
    """
    if event.previous_state is not None:
        previous: State | None = event.previous_state
    elif group is not None and group.in_cycle and starts_new_cycle(group, event):
        previous = State.OK  # a new episode: the recovery in between was lost
    else:
        previous = group.state if group is not None else None
    repeat = previous is not None and previous == event.state and event.state is not State.OK
    return Transition(
        previous=previous,
        current=event.state,
        renotify=event.renotify or repeat,
        priority=normal_priority(event.priority),
    )


def classify(group: GroupState | None, event: MonitorEvent) -> Outcome:
    """Rule 6 on the stored state: older than the last applied notification is late;
    the same state at the same time is a duplicate."""
    if group is None:
        return Outcome.APPLIED
    if event.occurred_at < group.last_transition_at:
        return Outcome.LATE
    if event.occurred_at == group.last_transition_at and event.state == group.state:
        return Outcome.DUPLICATE
    return Outcome.APPLIED


def starts_new_cycle(group: GroupState | None, event: MonitorEvent) -> bool:
    """Does this notification open a new alert cycle?

    Yes when a non-OK state arrives for a group that is new or OK. Also yes when
    the sender names a different cycle than the one in progress (Datadog
    `$ALERT_CYCLE_KEY`; for a group that is one Alertmanager or Grafana alert, the
    episode's `startsAt`): the recovery in between was lost, and the old cycle is
    over.
    """
    if event.state is State.OK:
        return False
    if group is None or not group.in_cycle:
        return True
    return (
        event.cycle_key is not None
        and group.cycle_key is not None
        and event.cycle_key != group.cycle_key
    )


def advance(group: GroupState | None, event: MonitorEvent) -> GroupState:
    """The group after applying the notification (cycle bookkeeping)."""
    at = event.occurred_at
    if starts_new_cycle(group, event):
        return GroupState(
            state=event.state,
            cycle=(group.cycle if group is not None else 0) + 1,
            last_transition_at=at,
            cycle_started_at=at,
            last_triggered_at=at,
            cycle_key=event.cycle_key,
        )
    if group is None:  # a first notification that is already OK: no cycle to start
        return GroupState(state=State.OK, cycle=0, last_transition_at=at)
    if event.state is State.OK:
        return replace(group, state=State.OK, last_transition_at=at)
    triggered = at if event.state != group.state else group.last_triggered_at
    return replace(
        group,
        state=event.state,
        last_transition_at=at,
        last_triggered_at=triggered,
        cycle_key=group.cycle_key or event.cycle_key,
    )


def normal_priority(value: str | None) -> str | None:
    """`P1`…`P5` in any case, or None for anything else."""
    if value is None:
        return None
    upper = value.strip().upper()
    return upper if upper in PRIORITIES else None

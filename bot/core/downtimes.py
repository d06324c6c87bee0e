"""Downtimes: planned silence for monitor groups, as Datadog's Downtimes API v2 defines it.

A downtime names its monitors (`monitor_id`, or `monitor_tags` that a monitor
must all carry, `*` for every monitor), a `scope` in the query language over a
group's tags (`env:prod AND service:web-store`, `*` for all groups) and a
schedule (bot/core/downtime_schedule.py). While one of its windows holds, the
notifications of a matching group are *muted*: casebot records them and the
group's state moves on, but no case opens and nothing is posted.

When a window ends (`expired`) or the downtime is canceled (`canceled`), and
that end is among its `notify_end_types`, every group it muted that is still
in one of its `notify_end_states` is notified then, as if its state had just
been reported.

Pure: the clock is passed in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from bot.core.alert_cycles import GroupState
from bot.core.downtime_schedule import (
    OneTime,
    Schedule,
    Window,
    is_over,
    last_window,
    next_window,
    window_at,
)
from bot.core.events import MonitorEvent
from bot.core.invalid import Invalid
from bot.core.monitor import tags_of_group
from bot.core.mute import Mute
from bot.core.query import Document, Query, QuerySyntaxError, compile_query
from bot.core.records import record
from handles.types import State


class DowntimeStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELED = "canceled"


class EndType(StrEnum):
    """How a downtime's window ended."""

    EXPIRED = "expired"
    CANCELED = "canceled"


# `notify_end_states` as Datadog spells them, and the group states they stand for.
END_STATES: Mapping[str, State] = {
    "alert": State.ALERT,
    "warn": State.WARN,
    "no data": State.NO_DATA,
}
DEFAULT_END_STATES = ("alert", "no data", "warn")
DEFAULT_END_TYPES = (EndType.EXPIRED.value,)
MESSAGE_MAX = 10_000
SCOPE_MAX = 2_000


@record
class MonitorIdentifier:
    """Which monitors: one by id, or every monitor carrying all `monitor_tags` (`*`: all)."""

    monitor_id: int | None = None
    monitor_tags: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        if self.monitor_id is not None:
            return {"monitor_id": self.monitor_id}
        return {"monitor_tags": list(self.monitor_tags)}


@record
class Downtime:
    id: uuid.UUID
    scope: str
    monitor: MonitorIdentifier
    schedule: Schedule
    created_at: datetime
    modified_at: datetime
    message: str | None = None
    display_timezone: str | None = None
    mute_first_recovery: bool = False
    notify_end_states: tuple[str, ...] = DEFAULT_END_STATES
    notify_end_types: tuple[str, ...] = DEFAULT_END_TYPES
    canceled_at: datetime | None = None
    created_by: uuid.UUID | None = None

    def status(self, now: datetime) -> DowntimeStatus:
        if self.canceled_at is not None and self.canceled_at <= now:
            return DowntimeStatus.CANCELED
        if window_at(self.schedule, now) is not None:
            return DowntimeStatus.ACTIVE
        if next_window(self.schedule, now) is not None:
            return DowntimeStatus.SCHEDULED
        return DowntimeStatus.ENDED

    def current_window(self, now: datetime) -> Window | None:
        """The window in progress, else the next one, else the last one (Datadog's
        `current_downtime`); a canceled downtime's is its last window before the cancel."""
        at = self.canceled_at if self.canceled_at is not None and self.canceled_at <= now else now
        found = window_at(self.schedule, at)
        if found is not None:
            return found
        if at is now:
            upcoming = next_window(self.schedule, now)
            if upcoming is not None:
                return upcoming
        return last_window(self.schedule, at)

    def mutes_at(self, at: datetime) -> Window | None:
        """The window muting at `at` (none once canceled)."""
        if self.canceled_at is not None and self.canceled_at <= at:
            return None
        return window_at(self.schedule, at)

    def is_finished(self, now: datetime) -> bool:
        """Canceled, or no window now or later: it will never mute again."""
        if self.canceled_at is not None and self.canceled_at <= now:
            return True
        return is_over(self.schedule, now)

    def notifies_end(self, how: EndType) -> bool:
        return how.value in self.notify_end_types

    def notifies_state(self, state: State) -> bool:
        return any(END_STATES.get(name) is state for name in self.notify_end_states)


def one_time(start: datetime, end: datetime | None) -> OneTime | Invalid:
    if end is not None and end <= start:
        return Invalid("schedule.end", "the end must come after the start")
    return OneTime(start, end)


def check_scope(text: str) -> Query | Invalid:
    """The scope compiled, or why it does not parse (the column of the problem)."""
    if len(text) > SCOPE_MAX:
        return Invalid("scope", f"scope is longer than {SCOPE_MAX} characters")
    if not text.strip():
        return Invalid("scope", "scope must not be empty; `*` mutes every group")
    try:
        return compile_query(text)
    except QuerySyntaxError as error:
        return Invalid("scope", f"scope {text!r} does not parse: {error}")


def check_end_states(values: Iterable[str]) -> tuple[str, ...] | Invalid:
    found = tuple(dict.fromkeys(values))
    for value in found:
        if value not in END_STATES:
            return Invalid("notify_end_states", f"{value!r} is not one of alert, warn, no data")
    return found


def check_end_types(values: Iterable[str]) -> tuple[str, ...] | Invalid:
    found = tuple(dict.fromkeys(values))
    for value in found:
        if value not in {t.value for t in EndType}:
            return Invalid("notify_end_types", f"{value!r} is not one of expired, canceled")
    return found


# -- which groups a downtime covers --------------------------------------------------------


@record
class GroupFacts:
    """What a downtime is matched against: the monitor and its group's tags."""

    source: str
    monitor_id: str
    group: str
    tags: tuple[str, ...] = ()

    @classmethod
    def of(cls, event: MonitorEvent) -> GroupFacts:
        return cls(event.source.value, event.monitor_id, event.group, event.tags)

    def document(self) -> Document:
        """The group's tags (and the event's) as a query document: `key:value` tags are
        fields, bare tags are text."""
        fields: dict[str, list[str]] = {}
        bare: list[str] = []
        for tag in (*tags_of_group(self.group), *self.tags):
            key, sep, value = tag.partition(":")
            if sep and key.strip():
                fields.setdefault(key.strip(), []).append(value.strip())
            elif tag.strip():
                bare.append(tag.strip())
        return Document.of(fields, text=bare)

    def monitor_tags(self) -> frozenset[str]:
        """A monitor's tags as casebot knows them: the event's tags and the group's, plus
        `monitor_id:<id>` and `source:<source>` (so a downtime can name any monitor)."""
        return frozenset(
            (
                *(t.lower() for t in (*tags_of_group(self.group), *self.tags)),
                f"monitor_id:{self.monitor_id}".lower(),
                f"source:{self.source}",
            )
        )


@record
class ActiveDowntime:
    """A downtime with its scope compiled, as the alert path matches it."""

    downtime: Downtime
    scope: Query = field(compare=False)

    def covers(self, facts: GroupFacts) -> bool:
        monitor = self.downtime.monitor
        if monitor.monitor_id is not None:
            if facts.monitor_id != str(monitor.monitor_id):
                return False
        elif "*" not in monitor.monitor_tags:
            tags = facts.monitor_tags()
            if not all(tag.lower() in tags for tag in monitor.monitor_tags):
                return False
        return self.scope.matches(facts.document())


def compiled(downtime: Downtime) -> ActiveDowntime:
    scope = check_scope(downtime.scope)
    assert not isinstance(scope, Invalid), "a stored scope was checked when it was written"
    return ActiveDowntime(downtime, scope)


def muting(
    downtimes: Iterable[ActiveDowntime],
    group: GroupState | None,
    event: MonitorEvent,
    *,
    at: datetime,
) -> Mute | None:
    """The downtime that mutes this notification, received at `at`, if any (the first).

    A notification is judged when casebot receives it, as Datadog mutes what it would
    send while a downtime holds: the sender's own time may be when its alert began
    (Alertmanager's `startsAt`), long before.

    A recovery of a cycle that began before the window is not muted (people hear
    that the alert they saw is over), unless the downtime mutes the first recovery
    (`mute_first_recovery_notification`). A recovery of a cycle that began inside
    the window is muted like the alert was.
    """
    facts: GroupFacts | None = None
    for active in downtimes:
        window = active.downtime.mutes_at(at)
        if window is None:
            continue
        facts = facts or GroupFacts.of(event)
        if not active.covers(facts):
            continue
        if event.state is State.OK and not active.downtime.mute_first_recovery:
            began = group.cycle_started_at if group is not None and group.in_cycle else None
            if began is not None and began < window.start:
                continue
        return Mute(active.downtime.id, active.downtime.message, window)
    return None

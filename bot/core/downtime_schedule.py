"""When a downtime mutes: a one-time span, or up to five RRULE recurrences in a time zone.

The shapes are Datadog's Downtimes API v2: a one-time schedule has a `start`
and an `end`, either open (no start: from its creation; no end: forever); a
recurring one has a `timezone` and `recurrences`, each an RRULE (RFC 5545,
without DTSTART, DTEND or DURATION), a `duration` (`30m`, `2h`, `1d`, `1w`)
and a `start` in local time of the zone (no offset).

Pure: times are passed in. RRULEs are read with `python-dateutil`, a calendar
library without I/O or clock of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from bot.core.invalid import Invalid
from bot.core.records import record

MAX_RECURRENCES = 5
_DURATION = re.compile(r"(\d{1,6})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Properties that would set the window themselves: the schedule's start and duration do.
_REFUSED_PROPERTIES = ("DTSTART", "DTEND", "DURATION")
# A rule finer than hourly would make every check walk thousands of occurrences.
_REFUSED_FREQUENCIES = ("SECONDLY", "MINUTELY")


@record
class Window:
    """One span in which a downtime mutes, `[start, end)`; `end` None: never ends."""

    start: datetime
    end: datetime | None

    def holds(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@record
class OneTime:
    start: datetime
    end: datetime | None = None


@record
class Recurrence:
    rrule: str
    duration: str  # as given: `2h`
    start: datetime  # wall-clock time in the schedule's zone, naive


@record
class Recurring:
    timezone: str
    recurrences: tuple[Recurrence, ...]


Schedule = OneTime | Recurring


def parse_duration(text: str) -> timedelta | Invalid:
    """`30m`, `2h`, `1d` or `2w` (an integer, then one of m, h, d, w)."""
    found = _DURATION.fullmatch(text.strip())
    if found is None or int(found.group(1)) == 0:
        return Invalid(
            "duration", f"{text!r} must be a positive integer followed by m, h, d or w (e.g. 2h)"
        )
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def parse_timezone(name: str) -> ZoneInfo | Invalid:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return Invalid("timezone", f"unknown time zone {name!r} (use an IANA name: Europe/Paris)")


def check_rrule(text: str) -> str | Invalid:
    """The rule, if dateutil reads it and it leaves the window to the schedule."""
    upper = text.upper()
    for name in _REFUSED_PROPERTIES:
        if name in upper:
            return Invalid("rrule", f"{name} is not supported: the recurrence's start and "
                           "duration set the window")  # fmt: skip
    for name in _REFUSED_FREQUENCIES:
        if f"FREQ={name}" in upper.replace(" ", ""):
            return Invalid("rrule", f"FREQ={name} is not supported; use HOURLY or coarser")
    try:
        rrulestr(text, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as error:
        return Invalid("rrule", f"{text!r} is not an RRULE: {error}")
    return text


def windows(schedule: Schedule, *, since: datetime, until: datetime) -> Iterator[Window]:
    """The windows that overlap `[since, until)`, each recurrence in turn (unsorted)."""
    if isinstance(schedule, OneTime):
        window = Window(schedule.start, schedule.end)
        if window.start < until and (window.end is None or window.end > since):
            yield window
        return
    zone = ZoneInfo(schedule.timezone)
    for recurrence in schedule.recurrences:
        length = parse_duration(recurrence.duration)
        assert isinstance(length, timedelta), "schedules are checked when made"
        rule = _rule(recurrence, zone)
        for start in rule.between(since.astimezone(zone) - length, until.astimezone(zone), True):
            window = Window(start.astimezone(UTC), (start + length).astimezone(UTC))
            if window.end is not None and window.end > since:
                yield window


def window_at(schedule: Schedule, at: datetime) -> Window | None:
    """The window holding `at`, if any (the one that ends last)."""
    found = [w for w in windows(schedule, since=at, until=at + _TICK) if w.holds(at)]
    return max(found, key=_end_key, default=None)


def next_window(schedule: Schedule, after: datetime) -> Window | None:
    """The first window starting after `after`, if any."""
    if isinstance(schedule, OneTime):
        return Window(schedule.start, schedule.end) if schedule.start > after else None
    zone = ZoneInfo(schedule.timezone)
    starts: list[Window] = []
    for recurrence in schedule.recurrences:
        length = parse_duration(recurrence.duration)
        assert isinstance(length, timedelta)
        start = _rule(recurrence, zone).after(after.astimezone(zone))
        if start is not None:
            starts.append(Window(start.astimezone(UTC), (start + length).astimezone(UTC)))
    return min(starts, key=lambda w: w.start, default=None)


def last_window(schedule: Schedule, before: datetime) -> Window | None:
    """The last window that started at or before `before`."""
    if isinstance(schedule, OneTime):
        return Window(schedule.start, schedule.end) if schedule.start <= before else None
    zone = ZoneInfo(schedule.timezone)
    found: list[Window] = []
    for recurrence in schedule.recurrences:
        length = parse_duration(recurrence.duration)
        assert isinstance(length, timedelta)
        start = _rule(recurrence, zone).before(before.astimezone(zone), inc=True)
        if start is not None:
            found.append(Window(start.astimezone(UTC), (start + length).astimezone(UTC)))
    return max(found, key=lambda w: w.start, default=None)


def is_over(schedule: Schedule, at: datetime) -> bool:
    """No window holds `at` and none starts later: the schedule has run its course."""
    return window_at(schedule, at) is None and next_window(schedule, at) is None


def ends_between(schedule: Schedule, since: datetime, until: datetime) -> list[datetime]:
    """The ends of windows in `(since, until]`, oldest first."""
    found = {
        w.end
        for w in windows(schedule, since=since - longest(schedule), until=until)
        if w.end is not None and since < w.end <= until
    }
    return sorted(found)


def longest(schedule: Schedule) -> timedelta:
    """The longest window a recurring schedule makes (zero for a one-time one)."""
    if isinstance(schedule, OneTime):
        return timedelta(0)
    lengths = [parse_duration(r.duration) for r in schedule.recurrences]
    return max((d for d in lengths if isinstance(d, timedelta)), default=timedelta(0))


def _rule(recurrence: Recurrence, zone: ZoneInfo) -> rrule:
    return _parsed_rule(recurrence.rrule, recurrence.start.replace(tzinfo=zone))


@lru_cache(maxsize=256)
def _parsed_rule(text: str, start: datetime) -> rrule:
    # Parsed once per rule and start: the alert path asks a downtime for its window often.
    made = rrulestr(text, dtstart=start, cache=True)
    assert isinstance(made, rrule), "a single RRULE line makes one rule"
    return made


def _end_key(window: Window) -> datetime:
    return window.end if window.end is not None else datetime.max.replace(tzinfo=UTC)


_TICK = timedelta(microseconds=1)


# -- schedules as requests give them ---------------------------------------------------------


@record
class OneTimeSpec:
    """A one-time schedule as asked for: no start is now, no end is never."""

    start: datetime | None = None
    end: datetime | None = None
    # An update that leaves `end` out keeps the end it had (None in a request is "never").
    keep_end: bool = False


@record
class RecurrenceSpec:
    rrule: str
    duration: str
    # Wall-clock time in the schedule's zone (no offset); None: now.
    start: datetime | None = None


@record
class RecurringSpec:
    timezone: str | None = None
    recurrences: tuple[RecurrenceSpec, ...] | None = None


ScheduleSpec = OneTimeSpec | RecurringSpec


def build_schedule(
    spec: ScheduleSpec | None, *, now: datetime, previous: Schedule | None = None
) -> Schedule | Invalid:
    """The schedule a request asks for, checked; members it leaves out come from
    `previous` (an update) or take their defaults (no start: now; no zone: UTC)."""
    if spec is None:
        return previous if previous is not None else OneTime(now, None)
    if isinstance(spec, OneTimeSpec):
        old = previous if isinstance(previous, OneTime) else None
        start = spec.start if spec.start is not None else (old.start if old else now)
        end = old.end if spec.keep_end and old is not None else spec.end
        if start.tzinfo is None or (end is not None and end.tzinfo is None):
            return Invalid(
                "schedule", "start and end need a UTC offset (e.g. 2026-12-01T09:00:00Z)"
            )
        start, end = start.astimezone(UTC), end.astimezone(UTC) if end is not None else None
        if end is not None and end <= start:
            return Invalid("schedule.end", "the end must come after the start")
        return OneTime(start, end)
    old_recurring = previous if isinstance(previous, Recurring) else None
    zone_name = spec.timezone or (old_recurring.timezone if old_recurring else "UTC")
    zone = parse_timezone(zone_name)
    if isinstance(zone, Invalid):
        return Invalid("schedule.timezone", zone.message)
    if spec.recurrences is None:
        if old_recurring is None:
            return Invalid("schedule.recurrences", "a recurring schedule needs recurrences")
        return Recurring(zone_name, old_recurring.recurrences)
    if not 1 <= len(spec.recurrences) <= MAX_RECURRENCES:
        return Invalid("schedule.recurrences", f"give 1 to {MAX_RECURRENCES} recurrences")
    made: list[Recurrence] = []
    for index, item in enumerate(spec.recurrences):
        at = f"schedule.recurrences[{index}]"
        length = parse_duration(item.duration)
        if isinstance(length, Invalid):
            return Invalid(f"{at}.duration", length.message)
        rule = check_rrule(item.rrule)
        if isinstance(rule, Invalid):
            return Invalid(f"{at}.rrule", rule.message)
        if item.start is not None and item.start.tzinfo is not None:
            return Invalid(f"{at}.start", "a recurrence's start is local time: give no offset")
        local = item.start or now.astimezone(zone).replace(tzinfo=None, microsecond=0)
        made.append(Recurrence(rule, item.duration.strip(), local))
    return Recurring(zone_name, tuple(made))

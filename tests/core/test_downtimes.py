"""Downtime rules: windows, status, what a downtime covers, and which notifications it mutes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.alert_cycles import GroupState
from bot.core.downtime_schedule import (
    OneTime,
    OneTimeSpec,
    RecurrenceSpec,
    RecurringSpec,
    build_schedule,
    ends_between,
    parse_duration,
    window_at,
)
from bot.core.downtimes import (
    Downtime,
    DowntimeStatus,
    GroupFacts,
    MonitorIdentifier,
    compiled,
    muting,
)
from bot.core.events import MonitorEvent, Source
from bot.core.invalid import Invalid
from handles.types import State

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def downtime(schedule: object, **fields: object) -> Downtime:
    return Downtime(
        id=uuid.uuid4(),
        scope=str(fields.pop("scope", "*")),
        monitor=fields.pop("monitor", MonitorIdentifier(monitor_tags=("*",))),  # type: ignore[arg-type]
        schedule=schedule,  # type: ignore[arg-type]
        created_at=T0,
        modified_at=T0,
        **fields,  # type: ignore[arg-type]
    )


def event(state: State = State.ALERT, *, when: datetime = T0, **fields: object) -> MonitorEvent:
    return MonitorEvent(
        source=Source(str(fields.pop("source", "datadog"))),
        monitor_id=str(fields.pop("monitor_id", "48213377")),
        monitor_name="Disk almost full",
        group=str(fields.pop("group", "env:prod,host:web-1")),
        state=state,
        occurred_at=when,
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("30m", timedelta(minutes=30), id="minutes"),
        pytest.param("2h", timedelta(hours=2), id="hours"),
        pytest.param("1d", timedelta(days=1), id="days"),
        pytest.param("2w", timedelta(weeks=2), id="weeks"),
        pytest.param("0h", None, id="zero-is-refused"),
        pytest.param("2 hours", None, id="words-are-refused"),
        pytest.param("1.5h", None, id="fractions-are-refused"),
    ],
)
def test_durations(text: str, expected: timedelta | None) -> None:
    found = parse_duration(text)
    assert found == expected if expected is not None else isinstance(found, Invalid)


@pytest.mark.parametrize(
    "spec, field",
    [
        pytest.param(OneTimeSpec(at(2), at(1)), "schedule.end", id="end-before-start"),
        pytest.param(
            RecurringSpec("Mars/Olympus", (RecurrenceSpec("FREQ=DAILY", "1h"),)),
            "schedule.timezone",
            id="unknown-zone",
        ),
        pytest.param(
            RecurringSpec("UTC", (RecurrenceSpec("FREQ=MINUTELY", "1h"),)),
            "schedule.recurrences[0].rrule",
            id="finer-than-hourly",
        ),
        pytest.param(
            RecurringSpec("UTC", (RecurrenceSpec("FREQ=DAILY;DTSTART=20260101T000000", "1h"),)),
            "schedule.recurrences[0].rrule",
            id="dtstart-in-the-rule",
        ),
        pytest.param(
            RecurringSpec("UTC", (RecurrenceSpec("every day", "1h"),)),
            "schedule.recurrences[0].rrule",
            id="not-an-rrule",
        ),
        pytest.param(
            RecurringSpec("UTC", (RecurrenceSpec("FREQ=DAILY", "soon"),)),
            "schedule.recurrences[0].duration",
            id="bad-duration",
        ),
        pytest.param(RecurringSpec("UTC", ()), "schedule.recurrences", id="no-recurrences"),
    ],
)
def test_schedules_refused(spec: OneTimeSpec | RecurringSpec, field: str) -> None:
    found = build_schedule(spec, now=T0)
    assert isinstance(found, Invalid) and found.field == field


def test_no_schedule_starts_now_and_never_ends() -> None:
    assert build_schedule(None, now=T0) == OneTime(T0, None)


def test_a_daily_window_follows_its_zone_across_a_clock_change() -> None:
    # 09:00-10:00 in Paris: 08:00 UTC in winter, 07:00 UTC in summer.
    spec = RecurringSpec(
        "Europe/Paris", (RecurrenceSpec("FREQ=DAILY", "1h", datetime(2026, 3, 27, 9, 0)),)
    )
    schedule = build_schedule(spec, now=T0)
    assert not isinstance(schedule, Invalid)
    before = window_at(schedule, datetime(2026, 3, 28, 8, 30, tzinfo=UTC))
    after = window_at(schedule, datetime(2026, 3, 30, 7, 30, tzinfo=UTC))
    assert before is not None and before.start == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert after is not None and after.start == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert window_at(schedule, datetime(2026, 3, 30, 8, 30, tzinfo=UTC)) is None
    ends = ends_between(
        schedule, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    )
    assert ends == [datetime(2026, 3, 28, 9, tzinfo=UTC), datetime(2026, 3, 29, 8, tzinfo=UTC)]


@pytest.mark.parametrize(
    "when, canceled, status",
    [
        pytest.param(at(-1), None, DowntimeStatus.SCHEDULED, id="before"),
        pytest.param(at(0.5), None, DowntimeStatus.ACTIVE, id="inside"),
        pytest.param(at(1), None, DowntimeStatus.ENDED, id="at-the-end"),
        pytest.param(at(0.5), at(0.25), DowntimeStatus.CANCELED, id="canceled"),
        pytest.param(at(0.1), at(0.25), DowntimeStatus.ACTIVE, id="cancel-not-yet-reached"),
    ],
)
def test_status(when: datetime, canceled: datetime | None, status: DowntimeStatus) -> None:
    assert downtime(OneTime(at(0), at(1)), canceled_at=canceled).status(when) is status


@pytest.mark.parametrize(
    "monitor, scope, facts, covered",
    [
        pytest.param(
            MonitorIdentifier(48213377),
            "*",
            GroupFacts("datadog", "48213377", "host:a"),
            True,
            id="by-id",
        ),
        pytest.param(
            MonitorIdentifier(48213377),
            "*",
            GroupFacts("datadog", "1", "host:a"),
            False,
            id="another-id",
        ),
        pytest.param(
            MonitorIdentifier(monitor_tags=("team:storage",)),
            "*",
            GroupFacts("datadog", "1", "host:a", ("team:storage", "service:db")),
            True,
            id="by-tag",
        ),
        pytest.param(
            MonitorIdentifier(monitor_tags=("team:storage", "service:web")),
            "*",
            GroupFacts("datadog", "1", "host:a", ("team:storage",)),
            False,
            id="tags-need-all",
        ),
        pytest.param(
            MonitorIdentifier(monitor_tags=("monitor_id:DiskFull", "source:alertmanager")),
            "*",
            GroupFacts("alertmanager", "DiskFull", "instance:web-1"),
            True,
            id="a-rule-by-its-id",
        ),
        pytest.param(
            MonitorIdentifier(monitor_tags=("*",)),
            "env:prod AND service:web-store",
            GroupFacts("datadog", "1", "env:prod,service:web-store"),
            True,
            id="scope-on-group-tags",
        ),
        pytest.param(
            MonitorIdentifier(monitor_tags=("*",)),
            "env:prod AND service:web-store",
            GroupFacts("datadog", "1", "env:staging,service:web-store"),
            False,
            id="scope-misses",
        ),
        pytest.param(
            MonitorIdentifier(monitor_tags=("*",)),
            "host:web-* -env:staging",
            GroupFacts("datadog", "1", "env:prod,host:web-7"),
            True,
            id="scope-wildcard-and-negation",
        ),
    ],
)
def test_what_a_downtime_covers(
    monitor: MonitorIdentifier, scope: str, facts: GroupFacts, covered: bool
) -> None:
    active = compiled(downtime(OneTime(at(0), None), monitor=monitor, scope=scope))
    assert active.covers(facts) is covered


def _group(state: State, began: datetime) -> GroupState:
    return GroupState(state=state, cycle=1, last_transition_at=began, cycle_started_at=began)


@pytest.mark.parametrize(
    "group, state, first_recovery, muted",
    [
        pytest.param(None, State.ALERT, False, True, id="alert-inside"),
        pytest.param(_group(State.ALERT, at(-2)), State.OK, False, False,
                     id="recovery-of-an-alert-from-before-is-heard"),
        pytest.param(_group(State.ALERT, at(-2)), State.OK, True, True,
                     id="unless-the-first-recovery-is-muted"),
        pytest.param(_group(State.ALERT, at(0.2)), State.OK, False, True,
                     id="recovery-of-an-alert-from-inside-is-muted"),
    ],
)  # fmt: skip
def test_which_notifications_are_muted(
    group: GroupState | None, state: State, first_recovery: bool, muted: bool
) -> None:
    active = compiled(downtime(OneTime(at(0), at(1)), mute_first_recovery=first_recovery))
    found = muting([active], group, event(state), at=at(0.5))
    assert (found is not None) is muted


def test_nothing_is_muted_outside_the_window_or_after_a_cancel() -> None:
    active = compiled(downtime(OneTime(at(0), at(1))))
    assert muting([active], None, event(), at=at(1)) is None
    canceled = compiled(downtime(OneTime(at(0), at(1)), canceled_at=at(0.25)))
    assert muting([canceled], None, event(), at=at(0.5)) is None
    assert muting([canceled], None, event(), at=at(0.1)) is not None

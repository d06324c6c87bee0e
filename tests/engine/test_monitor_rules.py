"""The monitor rules of bot.core.monitor, one table per rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.alert_cycles import CycleCase, GroupState, Outcome, advance, classify, transition_for
from bot.core.events import MonitorEvent, Source
from bot.core.monitor import (
    AppendTimeline,
    CloseCase,
    NoteOnCase,
    OpenCase,
    ProjectTarget,
    SkippedMention,
    SkipReason,
    attributes_from_tags,
    decide,
)
from handles.types import Mention, Rendered, State, Transition

T0 = datetime(2026, 11, 20, 9, 12, 50, tzinfo=UTC)

OPS = ProjectTarget("p-ops", "ops", monitors_enabled=True, auto_close=True)
DB = ProjectTarget("p-db", "db", monitors_enabled=True, auto_close=False)
OFF = ProjectTarget("p-off", "off", monitors_enabled=False, auto_close=True)
SEC = ProjectTarget("p-sec", "sec", monitors_enabled=True, auto_close=True, case_type="SECURITY")
PROJECTS = {p.handle: p for p in (OPS, DB, OFF, SEC)}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def make_event(state: State = State.ALERT, minute: int = 0, **fields: Any) -> MonitorEvent:
    base: dict[str, Any] = {
        "source": Source.GENERIC,
        "monitor_id": "m1",
        "monitor_name": "Disk full",
        "group": "host:web-1",
        "state": state,
        "occurred_at": at(minute),
    }
    base.update(fields)
    return MonitorEvent(**base)


def make_group(
    state: State = State.ALERT, minute: int = 0, cycle: int = 1, **fields: Any
) -> GroupState:
    base: dict[str, Any] = {
        "state": state,
        "cycle": cycle,
        "last_transition_at": at(minute),
        "cycle_started_at": at(0) if cycle else None,
    }
    base.update(fields)
    return GroupState(**base)


def case(case_id: str, project: ProjectTarget, status: str = "OPEN") -> CycleCase:
    return CycleCase(case_id, project.project_id, status, project.case_type, project.auto_close)


def rendered(*handles: str, text: str = "Disk full", priority: str | None = None) -> Rendered:
    mentions = tuple(Mention("case", h, f"@case-{h}") for h in handles)
    return Rendered(text=text, mentions=mentions, priority=priority)


def run(group: GroupState | None, event: MonitorEvent, r: Rendered) -> Any:
    return decide(group, event, transition_for(group, event), r, PROJECTS)


# -- deriving the transition -------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "event", "expected"),
    [
        pytest.param(
            None, make_event(), Transition(None, State.ALERT), id="new-group-has-no-previous"
        ),
        pytest.param(
            make_group(State.OK, cycle=0),
            make_event(),
            Transition(State.OK, State.ALERT),
            id="previous-from-stored-state",
        ),
        pytest.param(
            make_group(State.WARN),
            make_event(previous_state=State.OK),
            Transition(State.OK, State.ALERT),
            id="sender-previous-state-wins",
        ),
        pytest.param(
            make_group(State.ALERT),
            make_event(),
            Transition(State.ALERT, State.ALERT, renotify=True),
            id="repeat-of-non-ok-is-renotify",
        ),
        pytest.param(
            make_group(State.ALERT, minute=5, cycle_key="k1"),
            make_event(minute=9, cycle_key="k2"),
            Transition(State.OK, State.ALERT),
            id="new-cycle-after-a-lost-recovery-is-a-new-trigger",
        ),
        pytest.param(
            make_group(State.ALERT, minute=5, cycle_key="k1"),
            make_event(minute=9, cycle_key="k1"),
            Transition(State.ALERT, State.ALERT, renotify=True),
            id="same-cycle-repeated-is-renotify",
        ),
        pytest.param(
            make_group(State.OK),
            make_event(State.OK),
            Transition(State.OK, State.OK),
            id="repeat-of-ok-is-not-renotify",
        ),
        pytest.param(
            make_group(State.WARN),
            make_event(renotify=True, priority="p2"),
            Transition(State.WARN, State.ALERT, renotify=True, priority="P2"),
            id="sender-renotify-flag-and-priority-kept",
        ),
        pytest.param(
            None,
            make_event(priority="high"),
            Transition(None, State.ALERT),
            id="unknown-priority-dropped",
        ),
    ],
)
def test_transition_for(
    group: GroupState | None, event: MonitorEvent, expected: Transition
) -> None:
    assert transition_for(group, event) == expected


# -- rule 6: duplicates and late deliveries on the stored state --------------------------


@pytest.mark.parametrize(
    ("group", "event", "expected"),
    [
        pytest.param(None, make_event(), Outcome.APPLIED, id="first-ever"),
        pytest.param(make_group(minute=5), make_event(minute=4), Outcome.LATE, id="older-is-late"),
        pytest.param(
            make_group(State.OK, minute=5),
            make_event(State.ALERT, minute=4),
            Outcome.LATE,
            id="late-alert-after-recovery-does-not-reopen",
        ),
        pytest.param(
            make_group(minute=5), make_event(minute=5), Outcome.DUPLICATE, id="same-state-same-time"
        ),
        pytest.param(
            make_group(State.WARN, minute=5),
            make_event(State.ALERT, minute=5),
            Outcome.APPLIED,
            id="same-time-other-state-applies",
        ),
        pytest.param(
            make_group(minute=5), make_event(minute=6), Outcome.APPLIED, id="newer-applies"
        ),
    ],
)
def test_classify(group: GroupState | None, event: MonitorEvent, expected: Outcome) -> None:
    assert classify(group, event) is expected


def test_late_and_duplicate_change_nothing() -> None:
    group = make_group(minute=5, cases=(case("c1", OPS),))
    for event in (make_event(State.OK, minute=4), make_event(minute=5)):
        decision = run(group, event, rendered("ops", "db"))
        assert decision.group is group
        assert decision.actions == ()


# -- cycle bookkeeping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "event", "cycle", "started", "triggered"),
    [
        pytest.param(None, make_event(minute=1), 1, at(1), at(1), id="new-group-starts-cycle-1"),
        pytest.param(
            make_group(State.OK, cycle=3),
            make_event(State.WARN, minute=9),
            4,
            at(9),
            at(9),
            id="leaving-ok-starts-next-cycle",
        ),
        pytest.param(
            make_group(State.WARN, cycle=2, last_triggered_at=at(0)),
            make_event(minute=3),
            2,
            at(0),
            at(3),
            id="warn-to-alert-same-cycle-new-trigger-time",
        ),
        pytest.param(
            make_group(State.ALERT, cycle=2, last_triggered_at=at(0)),
            make_event(minute=3),
            2,
            at(0),
            at(0),
            id="renotify-keeps-trigger-time",
        ),
        pytest.param(
            make_group(State.ALERT, cycle=2, cycle_key="k1"),
            make_event(minute=3, cycle_key="k2"),
            3,
            at(3),
            at(3),
            id="new-cycle-key-starts-next-cycle",
        ),
        pytest.param(
            make_group(State.ALERT, minute=5, cycle=2, last_triggered_at=at(0)),
            make_event(minute=9, first_triggered_at=at(9)),
            2,
            at(0),
            at(0),
            id="a-start-time-without-a-cycle-key-stays-in-cycle",
        ),
    ],
)
def test_advance(
    group: GroupState | None,
    event: MonitorEvent,
    cycle: int,
    started: datetime,
    triggered: datetime,
) -> None:
    after = advance(group, event)
    assert (after.state, after.cycle, after.last_transition_at) == (
        event.state,
        cycle,
        event.occurred_at,
    )
    assert (after.cycle_started_at, after.last_triggered_at) == (started, triggered)


def test_recovery_keeps_cycle_number_and_leaves_cycle() -> None:
    after = advance(make_group(State.ALERT, cycle=2), make_event(State.OK, minute=7))
    assert (after.state, after.cycle, after.in_cycle) == (State.OK, 2, False)


def test_first_notification_already_ok_starts_no_cycle() -> None:
    after = advance(None, make_event(State.OK))
    assert (after.cycle, after.in_cycle) == (0, False)


# -- rules 1 and 5: which mentions open a case -------------------------------------------


def opened(decision: Any) -> list[str]:
    return [a.project_id for a in decision.actions if isinstance(a, OpenCase)]


@pytest.mark.parametrize(
    ("group", "event", "r", "expected_open", "expected_skipped"),
    [
        pytest.param(None, make_event(), rendered("ops"), ["p-ops"], [], id="first-alert-opens"),
        pytest.param(None, make_event(), rendered(), [], [], id="no-mention-opens-nothing"),
        pytest.param(
            make_group(State.OK),
            make_event(State.WARN, minute=2),
            rendered("ops"),
            ["p-ops"],
            [],
            id="ok-to-warn-opens",
        ),
        pytest.param(
            make_group(State.WARN),
            make_event(minute=2),
            rendered("ops"),
            ["p-ops"],
            [],
            id="warn-to-alert-opens-when-cycle-has-no-case",
        ),
        pytest.param(
            make_group(State.WARN, cases=(case("c1", OPS),)),
            make_event(minute=2),
            rendered("ops"),
            [],
            [],
            id="cycle-already-has-case-in-project",
        ),
        pytest.param(
            make_group(State.ALERT, cases=(case("c1", OPS, "CLOSED"),)),
            make_event(State.WARN, minute=2),
            rendered("ops"),
            [],
            [],
            id="closed-by-person-not-reopened-nor-replaced",
        ),
        pytest.param(
            make_group(State.ALERT),
            make_event(minute=2),
            rendered("ops"),
            [],
            [],
            id="renotify-does-not-open",
        ),
        pytest.param(
            make_group(State.ALERT),
            make_event(State.OK, minute=2),
            rendered("ops"),
            [],
            [],
            id="recovery-does-not-open",
        ),
        pytest.param(
            None,
            make_event(renotify=True),
            rendered("ops"),
            ["p-ops"],
            [],
            id="renotify-of-a-group-never-seen-opens",
        ),
        pytest.param(
            make_group(State.ALERT, cases=(case("c1", OPS),)),
            make_event(minute=2),
            rendered("db", "ops"),
            [],
            [],
            id="renotify-mentioning-new-project-does-not-open",
        ),
        pytest.param(
            make_group(State.OK, cases=(case("c1", OPS),)),
            make_event(minute=2),
            rendered("ops"),
            ["p-ops"],
            [],
            id="new-cycle-opens-again-after-recovery",
        ),
        pytest.param(
            None,
            make_event(),
            rendered("ops", "db", "OPS"),
            ["p-ops", "p-db"],
            [],
            id="two-projects-two-cases-handles-case-insensitive",
        ),
        pytest.param(
            None,
            make_event(),
            rendered("nope", "off", "ops"),
            ["p-ops"],
            [
                SkippedMention("nope", SkipReason.UNKNOWN_PROJECT),
                SkippedMention("off", SkipReason.MONITORS_DISABLED),
            ],
            id="unknown-and-disabled-handles-recorded",
        ),
        pytest.param(
            make_group(State.ALERT),
            make_event(State.OK, minute=3),
            rendered("nope"),
            [],
            [SkippedMention("nope", SkipReason.UNKNOWN_PROJECT)],
            id="unknown-handle-recorded-on-any-transition",
        ),
    ],
)
def test_cases_opened(
    group: GroupState | None,
    event: MonitorEvent,
    r: Rendered,
    expected_open: list[str],
    expected_skipped: list[SkippedMention],
) -> None:
    decision = run(group, event, r)
    assert opened(decision) == expected_open
    assert list(decision.skipped) == expected_skipped


@pytest.mark.parametrize(
    ("event", "r", "priority"),
    [
        pytest.param(make_event(), rendered("ops"), "NOT_DEFINED", id="no-priority"),
        pytest.param(make_event(priority="P3"), rendered("ops"), "P3", id="monitor-priority"),
        pytest.param(
            make_event(priority="P3"),
            rendered("ops", priority="P1"),
            "P1",
            id="override-priority-wins",
        ),
    ],
)
def test_opened_case_fields(event: MonitorEvent, r: Rendered, priority: str) -> None:
    event = replace(event, tags=("env:prod", "team:storage", "bare", "env:dev"))
    (action,) = run(None, event, r).actions
    assert isinstance(action, OpenCase)
    assert action.title == "Disk full on host:web-1"
    assert action.description == "Disk full"
    assert action.priority == priority
    assert action.case_type == "STANDARD"
    assert action.attributes == {"env": ("dev", "prod"), "host": ("web-1",), "team": ("storage",)}


def test_simple_alert_title_is_monitor_name() -> None:
    (action,) = run(None, make_event(group="*"), rendered("sec")).actions
    assert isinstance(action, OpenCase)
    assert (action.title, action.case_type, action.attributes) == ("Disk full", "SECURITY", {})


# -- rules 2, 3 and 4: what later notifications do to the cycle's cases ------------------

C_OPS, C_DB, C_SEC = case("c-ops", OPS), case("c-db", DB), case("c-sec", SEC)
C_CLOSED = case("c-closed", OPS, "CLOSED")


@pytest.mark.parametrize(
    ("group", "event", "expected"),
    [
        pytest.param(
            make_group(State.ALERT, cases=(C_OPS, C_DB)),
            make_event(minute=1),
            ["append c-ops", "append c-db"],
            id="renotify-appended-to-every-case",
        ),
        pytest.param(
            make_group(State.ALERT, cases=(C_OPS,)),
            make_event(State.NO_DATA, minute=1),
            ["append c-ops"],
            id="no-data-appended",
        ),
        pytest.param(
            make_group(State.ALERT, cases=(C_CLOSED,)),
            make_event(State.WARN, minute=1),
            ["append c-closed"],
            id="closed-by-person-still-gets-appends",
        ),
        pytest.param(
            make_group(State.ALERT, cases=(C_OPS, C_DB)),
            make_event(State.OK, minute=1),
            ["append c-ops", "append c-db", "close c-ops"],
            id="recovery-closes-auto-close-projects-only",
        ),
        pytest.param(
            make_group(State.ALERT, cases=(C_CLOSED,)),
            make_event(State.OK, minute=1),
            ["append c-closed"],
            id="recovery-does-not-close-twice",
        ),
        pytest.param(
            make_group(State.ALERT, cases=(C_SEC,)),
            make_event(State.OK, minute=1),
            ["append c-sec", "note c-sec"],
            id="security-case-stays-open-with-note",
        ),
        pytest.param(
            make_group(State.OK, cases=(C_OPS,)),
            make_event(State.OK, minute=1),
            [],
            id="recovery-after-cycle-ended-does-nothing",
        ),
        pytest.param(
            make_group(State.OK, cases=(C_OPS,)),
            make_event(State.ALERT, minute=1),
            [],
            id="next-cycle-does-not-touch-old-cases",
        ),
        pytest.param(
            None,
            make_event(State.OK),
            [],
            id="recovery-of-unknown-group-does-nothing",
        ),
        pytest.param(
            make_group(State.ALERT, cycle_key="k1", cases=(C_OPS, C_DB)),
            make_event(minute=1, cycle_key="k2"),
            ["close c-ops"],
            id="new-cycle-key-resolves-old-cycle",
        ),
        pytest.param(
            make_group(State.ALERT, minute=5, cycle_key="k1", cases=(C_OPS, C_DB)),
            make_event(minute=9, cycle_key="k1"),
            ["append c-ops", "append c-db"],
            id="same-cycle-key-is-appended",
        ),
    ],
)
def test_follow_ups(group: GroupState | None, event: MonitorEvent, expected: list[str]) -> None:
    decision = run(group, event, rendered())
    names = {AppendTimeline: "append", CloseCase: "close", NoteOnCase: "note"}
    got = [f"{names[type(a)]} {a.case_id}" for a in decision.actions if not isinstance(a, OpenCase)]
    assert got == expected


def test_appended_entry_carries_transition_and_text() -> None:
    group = make_group(State.WARN, cases=(C_OPS,))
    decision = run(group, make_event(minute=1), rendered(text="now critical"))
    assert decision.actions[0] == AppendTimeline(
        "c-ops", Transition(State.WARN, State.ALERT), "now critical"
    )


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param((), {}, id="none"),
        pytest.param(("a:1", "a:1", "a:0"), {"a": ("0", "1")}, id="sorted-distinct"),
        pytest.param(("bare", ":x", "k:"), {}, id="bare-and-empty-skipped"),
        pytest.param(("url:http://x",), {"url": ("http://x",)}, id="first-colon-splits"),
    ],
)
def test_attributes_from_tags(tags: tuple[str, ...], expected: dict[str, tuple[str, ...]]) -> None:
    assert attributes_from_tags(tags) == expected

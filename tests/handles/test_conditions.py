"""Every transition conditional on every transition: the table in
handles/conditions.py against rules written from Datadog's documentation."""

from __future__ import annotations

import pytest

from handles import TRANSITIONS, State, Transition, parse
from handles.conditions import TRANSITION_CONDITIONALS, TRUTH_TABLE, true_conditionals
from tests.handles.events import make_event

OK, WARN, ALERT, NO_DATA, UNKNOWN = State.OK, State.WARN, State.ALERT, State.NO_DATA, State.UNKNOWN
NON_OK = (WARN, ALERT, NO_DATA, UNKNOWN)


def documented(previous: State | None, current: State, renotify: bool) -> set[str]:
    """The rules as Datadog states them (plus casebot's decisions, marked)."""
    true: set[str] = set()
    if current is ALERT:
        true.add("is_alert")
    if current is WARN:
        true.add("is_warning")  # decision: also on Alert -> Warn
    if current is NO_DATA:
        true.add("is_no_data")
    if current is UNKNOWN:
        true.add("is_unknown")
    if renotify:
        true.add("is_renotify")
        return true  # a renotification repeats a state; it recovers nothing
    if current is OK and previous in NON_OK:
        true.add("is_recovery")  # decision: Unknown -> OK is a recovery too
    if current is OK and previous is ALERT:
        true.add("is_alert_recovery")
    if current is OK and previous is WARN:
        true.add("is_warning_recovery")
    if current is OK and previous is NO_DATA:
        true.add("is_no_data_recovery")
    if previous is ALERT and current is WARN:
        true.add("is_alert_to_warning")
    return true


ALL_PAIRS = [(previous, current, False) for previous in (None, *State) for current in State] + [
    (state, state, True) for state in State
]

# One section per conditional, in both spellings, so the render shows which held.
PROBE = "".join(f"{{{{#{name}}}}}+{name} {{{{/{name}}}}}" for name in TRANSITION_CONDITIONALS) + (
    "".join(f"<<^{name}>>-{name} <</{name}>>" for name in TRANSITION_CONDITIONALS)
)


def _id(row: tuple[State | None, State, bool]) -> str:
    previous, current, renotify = row
    name = f"{previous.value if previous else 'new'}->{current.value}"
    return name + (" renotify" if renotify else "")


@pytest.mark.parametrize("row", ALL_PAIRS, ids=_id)
def test_every_conditional_on_every_transition(row: tuple[State | None, State, bool]) -> None:
    previous, current, renotify = row
    expected = documented(previous, current, renotify)
    rendered = parse(PROBE).render(make_event(previous, current, renotify=renotify)).text
    shown = {word[1:] for word in rendered.split() if word.startswith("+")}
    hidden = {word[1:] for word in rendered.split() if word.startswith("-")}
    assert shown == expected
    assert hidden == set(TRANSITION_CONDITIONALS) - expected


def test_the_table_covers_every_pair_and_renotification() -> None:
    for previous, current, renotify in ALL_PAIRS:
        assert (previous, current, renotify) in TRUTH_TABLE


def test_renotify_ignores_the_previous_state() -> None:
    renotified = Transition(WARN, ALERT, renotify=True)
    assert true_conditionals(renotified) == {"is_alert", "is_renotify"}


def test_help_center_example_alert_warn_ok() -> None:
    """Datadog help center: ALERT -> WARN -> OK; the WARN -> OK notification is a
    warning recovery and not an alert recovery."""
    template = parse(
        "{{#is_alert_to_warning}}a2w {{/is_alert_to_warning}}"
        "{{#is_recovery}}rec {{/is_recovery}}"
        "{{#is_warning_recovery}}wrec {{/is_warning_recovery}}"
        "{{#is_alert_recovery}}arec {{/is_alert_recovery}}"
    )
    assert template.render(make_event(ALERT, WARN)).text == "a2w "
    assert template.render(make_event(WARN, OK)).text == "rec wrec "


def test_preview_transitions_are_all_in_the_table() -> None:
    assert len(TRANSITIONS) == len(set(TRANSITIONS))
    for transition in TRANSITIONS:
        assert true_conditionals(transition) == documented(
            transition.previous, transition.current, transition.renotify
        )


@pytest.mark.parametrize(
    ("priority", "template", "expected"),
    [
        ("P1", "{{#is_priority 'P1'}}page{{/is_priority}}", "page"),
        ("p1", "{{#is_priority 'P1'}}page{{/is_priority}}", "page"),
        ("P2", "{{#is_priority 'P1'}}page{{/is_priority}}", ""),
        (None, "{{#is_priority 'P1'}}page{{/is_priority}}", ""),
        ("P3", "{{^is_priority 'P1'}}calm{{/is_priority}}", "calm"),
        ("P1", "{{#is_priority 'P1'}}page{{else}}calm{{/is_priority}}", "page"),
        ("P4", "{{#is_priority 'p4'}}low{{/is_priority}}", "low"),
    ],
    ids=["match", "case-insensitive", "other", "none", "negated", "else", "lower-arg"],
)
def test_is_priority(priority: str | None, template: str, expected: str) -> None:
    assert parse(template).render(make_event(priority=priority)).text == expected

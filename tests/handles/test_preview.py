"""preview(): one row per transition, with the handles that fire."""

from __future__ import annotations

from handles import TRANSITIONS, Event, State, Transition, transition_by_name, transition_name
from handles.preview import preview, sample_event

TEXT = (
    "{{#is_alert}}{{override_priority 'P1'}}Down on {{host.name}} @case-web{{/is_alert}}"
    "{{#is_recovery}}Up on {{host.name}} @case-web{{/is_recovery}}"
    "{{#is_renotify}} @pagerduty-web{{/is_renotify}}"
)


def test_one_row_per_standard_transition() -> None:
    event = Event(Transition(None, State.ALERT, priority="P3"), tags=("host:web-1",))
    rows = preview(TEXT, event)
    assert [row.transition for row in rows] == [
        Transition(t.previous, t.current, t.renotify, "P3") for t in TRANSITIONS
    ]
    by_name = {row.name: row for row in rows}
    assert by_name["ok-to-alert"].text == "Down on web-1 @case-web"
    assert [m.raw for m in by_name["ok-to-alert"].mentions] == ["@case-web"]
    assert by_name["ok-to-alert"].priority == "P1"
    assert by_name["alert-to-ok"].text == "Up on web-1 @case-web"
    assert by_name["alert-to-ok"].priority == "P3"
    assert by_name["ok-to-warn"].mentions == ()
    assert [m.raw for m in by_name["alert-renotify"].mentions] == ["@case-web", "@pagerduty-web"]


def test_chosen_transitions_only() -> None:
    rows = preview(TEXT, Event(Transition(None, State.ALERT)), [transition_by_name("warn-to-ok")])
    assert [row.name for row in rows] == ["warn-to-ok"]


def test_transition_names_round_trip() -> None:
    for transition in TRANSITIONS:
        assert transition_by_name(transition_name(transition)) == transition
    assert transition_by_name("No_Data-to-OK") == Transition(State.NO_DATA, State.OK)
    assert transition_by_name("new-to-alert") == Transition(None, State.ALERT)
    assert transition_by_name("unknown-renotify") == Transition(
        State.UNKNOWN, State.UNKNOWN, renotify=True
    )


def test_unknown_transition_name_lists_the_known_ones() -> None:
    try:
        transition_by_name("alert-to-nowhere")
    except ValueError as error:
        assert "ok-to-alert" in str(error)
    else:
        raise AssertionError("expected ValueError")


def test_sample_event_fills_every_tag_variable() -> None:
    event = sample_event(
        '{{host.name}} {{[kube.ns].name}} {{#is_match "team.name" "t"}}{{/is_match}}'
    )
    assert set(event.tags) == {"host:host-1", "kube.ns:kube.ns-1", "team:team-1"}
    assert event.values["value"] == 95.2

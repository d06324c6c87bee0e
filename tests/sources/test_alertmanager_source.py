from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.events import MonitorEvent, Source
from bot.sources import LabelSourceConfig, SourceError, SourcesConfig, parse_delivery
from bot.sources.labelled_alerts import fingerprint
from handles.types import State
from tests.sources.builders import am_alert, am_message, recorded_body, to_bytes

LABELS = {"alertname": "DiskFull", "instance": "web-1"}


def parse(body: dict[str, Any], config: SourcesConfig | None = None) -> list[MonitorEvent]:
    return parse_delivery(Source.ALERTMANAGER, to_bytes(body), config=config or SourcesConfig())


def parse_one(alert: dict[str, Any], config: SourcesConfig | None = None) -> MonitorEvent:
    (event,) = parse(am_message(alert), config)
    return event


SEVERITIES = [
    ("critical", State.ALERT),
    ("CRITICAL", State.ALERT),
    ("error", State.ALERT),
    ("page", State.ALERT),
    ("warning", State.WARN),
    ("warn", State.WARN),
    ("info", State.WARN),
    ("something-else", State.ALERT),
    (None, State.ALERT),
]


@pytest.mark.parametrize(("severity", "state"), SEVERITIES, ids=[str(s) for s, _ in SEVERITIES])
def test_firing_state_follows_the_severity_label(severity: str | None, state: State) -> None:
    labels = LABELS | ({"severity": severity} if severity is not None else {})
    event = parse_one(am_alert(labels=labels))
    assert (event.state, event.previous_state) == (state, None)


@pytest.mark.parametrize(
    ("severity", "previous"), [("critical", State.ALERT), ("warning", State.WARN)]
)
def test_resolved_is_ok_after_the_state_its_severity_gave(severity: str, previous: State) -> None:
    alert = am_alert(
        "resolved",
        labels=LABELS | {"severity": severity},
        ends_at="2026-11-20T09:41:26.823Z",
    )
    event = parse_one(alert)
    assert (event.state, event.previous_state) == (State.OK, previous)
    assert event.occurred_at == datetime(2026, 11, 20, 9, 41, 26, 823000, tzinfo=UTC)
    assert event.first_triggered_at == datetime(2026, 11, 20, 9, 12, 41, 823000, tzinfo=UTC)


def test_severity_mapping_and_label_are_configurable() -> None:
    config = SourcesConfig.from_env(
        {
            "CASEBOT_ALERTMANAGER_SEVERITY_LABEL": "level",
            "CASEBOT_ALERTMANAGER_SEVERITY_MAP": "p1=Alert, p3=Warn, silent=No Data",
            "CASEBOT_ALERTMANAGER_FIRING_DEFAULT": "Warn",
        }
    )
    states = [
        parse_one(am_alert(labels=LABELS | {"level": level}), config).state
        for level in ("p1", "p3", "silent", "critical")
    ]
    assert states == [State.ALERT, State.WARN, State.NO_DATA, State.WARN]


def test_group_is_the_other_labels_sorted_and_monitor_is_alertname() -> None:
    labels = {"severity": "critical", "alertname": "DiskFull", "job": "node", "instance": "web-1"}
    event = parse_one(am_alert(labels=labels))
    assert (event.monitor_id, event.monitor_name) == ("DiskFull", "DiskFull")
    assert event.group == "instance:web-1,job:node,severity:critical"
    assert event.tags == ("instance:web-1", "job:node", "severity:critical")


def test_excluded_labels_and_the_priority_label_stay_out_of_the_group() -> None:
    config = SourcesConfig(
        alertmanager=LabelSourceConfig(group_exclude_labels=frozenset({"severity"}))
    )
    labels = LABELS | {"severity": "warning", "priority": "p2"}
    event = parse_one(am_alert(labels=labels), config)
    assert event.group == "instance:web-1"
    assert event.priority == "P2"
    assert "severity:warning" in event.tags


def test_alert_with_only_alertname_is_the_single_group() -> None:
    assert parse_one(am_alert(labels={"alertname": "Watchdog"})).group == "*"


def test_message_comes_from_the_configured_annotation_unrendered() -> None:
    annotations = {"message": "m <<#is_alert>>@case-ops<</is_alert>>", "text": "t", "summary": "S"}
    default = parse_one(am_alert(annotations=annotations))
    assert (default.message, default.rendered, default.title) == (
        annotations["message"],
        False,
        "S",
    )
    config = SourcesConfig(alertmanager=LabelSourceConfig(message_annotation="text"))
    assert parse_one(am_alert(annotations=annotations), config).message == "t"


def test_without_summary_the_title_is_monitor_and_group() -> None:
    event = parse_one(am_alert(annotations={}))
    assert event.title == "DiskFull on instance:web-1,severity:critical"
    assert event.message == ""


def test_delivery_identity_is_stable_for_a_repeat_and_changes_with_status() -> None:
    firing = parse(recorded_body("alertmanager-grouped", "01-firing.json"))
    partly = parse(recorded_body("alertmanager-grouped", "02-partly-resolved.json"))
    assert firing[1].delivery_id == partly[1].delivery_id  # web-2 still firing: a repeat
    assert firing[0].delivery_id != partly[0].delivery_id  # web-1 resolved: new
    assert partly[0].delivery_id == (
        "a573f78f0b808900:resolved:2026-11-20T09:12:41.823Z:2026-11-20T09:41:26.823Z"
    )


def test_mixed_notification_gives_one_event_per_alert_in_order() -> None:
    events = parse(recorded_body("alertmanager-grouped", "02-partly-resolved.json"))
    assert [(e.group.split(",")[0], e.state) for e in events] == [
        ("instance:web-1", State.OK),
        ("instance:web-2", State.ALERT),
    ]
    assert events[0].attributes["group_key"] == '{}/{severity="critical"}:{alertname="DiskFull"}'
    assert events[0].link is not None and events[0].link.startswith("https://prometheus.example")


def test_escaped_html_characters_are_decoded_before_use() -> None:
    events = parse(recorded_body("alertmanager-grouped", "01-firing.json"))
    assert "<<#is_alert>>@case-storage<</is_alert>>" in events[0].message


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"alertname": "alert1", "lbl1": "val1"}, "fac0861a85de433a"),
        (
            {
                "alertname": "DiskFull",
                "instance": "web-1",
                "job": "node",
                "mountpoint": "/",
                "severity": "critical",
            },
            "a573f78f0b808900",
        ),
    ],
    ids=["grafana-test-vector", "recorded-payload"],
)
def test_fingerprint_matches_alertmanager(labels: dict[str, str], expected: str) -> None:
    assert fingerprint(labels) == expected


def test_missing_fingerprint_is_computed_from_the_labels() -> None:
    alert = am_alert(labels={"alertname": "alert1", "lbl1": "val1"})
    del alert["fingerprint"]
    assert parse_one(alert).delivery_id == (
        "fac0861a85de433a:firing:2026-11-20T09:12:41.823Z:0001-01-01T00:00:00Z"
    )


def test_empty_alerts_list_gives_no_events() -> None:
    assert parse(am_message()) == []


def _without(key: str) -> dict[str, Any]:
    alert = am_alert()
    del alert[key]
    return am_message(alert)


MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    ("version-1", am_message(am_alert(), version="1"), "version"),
    ("version-missing", {k: v for k, v in am_message().items() if k != "version"}, "version"),
    ("alerts-missing", {"version": "4"}, "alerts"),
    ("alerts-object", {"version": "4", "alerts": {}}, "alerts"),
    ("alert-not-object", am_message("x"), "alerts[0]"),  # type: ignore[arg-type]
    ("status-unknown", am_message(am_alert("pending")), "alerts[0].status"),
    ("labels-missing", _without("labels"), "alerts[0].labels"),
    ("alertname-missing", am_message(am_alert(labels={"job": "x"})), "alerts[0].labels.alertname"),
    (
        "label-not-string",
        am_message(am_alert(labels={"alertname": "A", "n": 1})),  # type: ignore[dict-item]
        "alerts[0].labels.n",
    ),
    ("starts-missing", _without("startsAt"), "alerts[0].startsAt"),
    ("starts-garbage", am_message(am_alert(starts_at="soon")), "alerts[0].startsAt"),
    ("resolved-without-end", am_message(am_alert("resolved")), "alerts[0].endsAt"),
    ("annotations-array", am_message(am_alert(annotations=[])), "alerts[0].annotations"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("body", "field"), [row[1:] for row in MALFORMED], ids=[row[0] for row in MALFORMED]
)
def test_malformed_alertmanager_payload_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(body)
    assert caught.value.field == field


def test_an_alert_that_is_its_whole_group_names_its_episode_as_the_cycle_key() -> None:
    """`startsAt` is the episode: a later one after a lost resolve starts a new cycle."""
    firing = parse_one(am_alert(labels=LABELS, starts_at="2026-11-20T09:12:41.823Z"))
    resolved = parse_one(
        am_alert(
            "resolved",
            labels=LABELS,
            starts_at="2026-11-20T09:12:41.823Z",
            ends_at="2026-11-20T09:41:26.823Z",
        )
    )
    assert firing.cycle_key == resolved.cycle_key == "2026-11-20T09:12:41.823000+00:00"


def test_alerts_folded_into_one_group_by_exclusions_name_no_cycle() -> None:
    """web-1 and web-2 share the group when `instance` is excluded, and began firing at
    different times with no resolve lost in between: their start is no cycle key."""
    config = SourcesConfig(
        alertmanager=LabelSourceConfig(group_exclude_labels=frozenset({"instance"}))
    )
    events = parse(
        am_message(
            am_alert(labels=LABELS, starts_at="2026-11-20T09:12:41.823Z"),
            am_alert(labels=LABELS | {"instance": "web-2"}, starts_at="2026-11-20T09:20:00Z"),
        ),
        config,
    )
    assert [(e.group, e.cycle_key) for e in events] == [("*", None), ("*", None)]

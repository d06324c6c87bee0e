from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.events import Source
from bot.sources import SourceError, parse_delivery
from bot.sources.datadog import parse_title, strip_markdown_wrapper
from handles.types import State
from tests.sources.builders import datadog_default, datadog_rich, to_bytes

A, W, N, OK = State.ALERT, State.WARN, State.NO_DATA, State.OK


def parse_one(body: dict[str, Any]) -> Any:
    (event,) = parse_delivery(Source.DATADOG, to_bytes(body))
    return event


# title, state, previous, renotify, group, priority, monitor name
TITLES = [
    ("[P2] [Triggered on {host:web-1}] Disk full", A, None, False, "host:web-1", "P2", "Disk full"),
    ("[Triggered on {host:web-1}] Disk full", A, None, False, "host:web-1", None, "Disk full"),
    ("[Recovered on {host:web-1}] Disk full", OK, None, False, "host:web-1", None, "Disk full"),
    ("[Warn on {host:web-1}] Disk full", W, None, False, "host:web-1", None, "Disk full"),
    ("[No Data on {host:web-1}] Disk full", N, None, False, "host:web-1", None, "Disk full"),
    ("[Re-Triggered on {host:web-1}] Disk full", A, A, True, "host:web-1", None, "Disk full"),
    ("[Re-Warn on {host:web-1}] Disk full", W, W, True, "host:web-1", None, "Disk full"),
    ("[Re-No Data on {host:web-1}] Disk full", N, N, True, "host:web-1", None, "Disk full"),
    ("[Triggered] Disk full", A, None, False, "*", None, "Disk full"),
    ("[P1] [Recovered] Disk full", OK, None, False, "*", "P1", "Disk full"),
    ("[Triggered on {host:web-1,env:prod}] X", A, None, False, "env:prod,host:web-1", None, "X"),
    ("[Triggered on {env:prod, host:web-1}] X", A, None, False, "env:prod,host:web-1", None, "X"),
    (
        "[Triggered on {host:a}] Disk {root} full",
        A,
        None,
        False,
        "host:a",
        None,
        "Disk {root} full",
    ),
    ("[p3] [triggered on {host:a}] lower case", A, None, False, "host:a", "P3", "lower case"),
]


@pytest.mark.parametrize(
    ("title", "state", "previous", "renotify", "group", "priority", "name"),
    TITLES,
    ids=[row[0] for row in TITLES],
)
def test_default_payload_title_gives_transition_group_and_priority(
    title: str,
    state: State,
    previous: State | None,
    renotify: bool,
    group: str,
    priority: str | None,
    name: str,
) -> None:
    event = parse_one(datadog_default(title))
    assert (event.state, event.previous_state, event.renotify) == (state, previous, renotify)
    assert (event.group, event.priority, event.monitor_name) == (group, priority, name)
    assert event.title == title


def test_default_payload_reads_monitor_id_time_and_rendered_body() -> None:
    event = parse_one(datadog_default())
    assert event.source is Source.DATADOG
    assert event.monitor_id == "48213377"
    assert event.occurred_at == datetime(2026, 11, 20, 9, 12, 50, tzinfo=UTC)
    assert event.delivery_id == "8719034452716688412"
    assert event.rendered is True
    assert event.message.startswith("Disk almost full on web-1")
    assert "@case-storage" in event.message
    assert "%%%" not in event.message
    # Without $TAGS the group's tags are all the default payload says.
    assert event.tags == ("host:web-1",)
    assert event.cycle_key is None


def test_older_monitor_links_with_hash_still_give_the_monitor_id() -> None:
    body = "%%%\ntext\n[[Monitor Status](https://app.datadoghq.com/monitors#1234?to_ts=1)]\n%%%"
    assert parse_one(datadog_default(body=body)).monitor_id == "1234"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("%%%\nhello @case-ops\n%%%", "hello @case-ops"),
        ("  %%%\nline 1\n\nline 2\n%%%\n", "line 1\n\nline 2"),
        ("plain text without wrapper", "plain text without wrapper"),
        ("%%%", "%%%"),
    ],
    ids=["wrapped", "surrounding-blanks", "no-wrapper", "marker-only"],
)
def test_markdown_wrapper_is_stripped(raw: str, expected: str) -> None:
    assert strip_markdown_wrapper(raw) == expected


def test_a_title_without_brackets_is_not_a_datadog_title() -> None:
    assert parse_title("Disk full on web-1") is None
    assert parse_title("[Escalated on {host:a}] Disk full") is None


# $ALERT_TRANSITION -> state, previous, renotify
TRANSITIONS = [
    ("Triggered", A, None, False),
    ("Re-Triggered", A, A, True),
    ("Recovered", OK, None, False),
    ("Warn", W, None, False),
    ("Re-Warn", W, W, True),
    ("No Data", N, None, False),
    ("Re-No Data", N, N, True),
]


@pytest.mark.parametrize(("transition", "state", "previous", "renotify"), TRANSITIONS)
def test_rich_payload_transition_wins_over_the_title(
    transition: str, state: State, previous: State | None, renotify: bool
) -> None:
    # The title says Triggered; the transition field is what counts.
    event = parse_one(datadog_rich(alert_transition=transition))
    assert (event.state, event.previous_state, event.renotify) == (state, previous, renotify)


@pytest.mark.parametrize(
    ("title", "alert_type", "state"),
    [
        ("[P2] [Re-Warn on {host:web-1}] Disk almost full", "error", W),
        ("[P2] [Re-Triggered on {host:web-1}] Disk almost full", "warning", A),
        ("Disk almost full", "error", A),
        ("Disk almost full", "warning", W),
        ("[P2] [Recovered on {host:web-1}] Disk almost full", "warning", W),
    ],
    ids=["title-re-warn", "title-re-triggered", "type-error", "type-warning", "recovered-title"],
)
def test_renotify_repeats_the_state_named_by_title_or_alert_type(
    title: str, alert_type: str, state: State
) -> None:
    event = parse_one(datadog_rich(alert_transition="Renotify", title=title, alert_type=alert_type))
    assert (event.state, event.previous_state, event.renotify) == (state, state, True)


def test_renotify_that_names_no_state_is_rejected() -> None:
    body = datadog_rich(alert_transition="Renotify", title="Disk almost full", alert_type="info")
    with pytest.raises(SourceError) as caught:
        parse_one(body)
    assert caught.value.field == "alert_transition"


def test_rich_payload_fields() -> None:
    event = parse_one(datadog_rich())
    assert event.monitor_id == "48213377"
    assert event.group == "host:web-1"
    assert event.cycle_key == "7793610254418809723"
    assert event.priority == "P2"
    assert event.tags == ("env:prod", "host:web-1", "monitor", "service:web", "team:storage")
    assert event.link == "https://app.datadoghq.com/event/event?id=8720114098213377605"
    assert event.attributes["hostname"] == "web-1"
    assert event.attributes["org"] == {"id": "424242", "name": "Example Corp"}


@pytest.mark.parametrize(
    ("changes", "group"),
    [
        ({"alert_scope": "availability-zone:us-east-1a, role:computing-node"},
         "availability-zone:us-east-1a,role:computing-node"),
        ({"alert_scope": ""}, "host:web-1"),
        ({"alert_scope": "", "title": "[P2] [Triggered] Disk almost full"}, "*"),
        ({"alert_scope": "*"}, "*"),
    ],
    ids=["scope-with-spaces", "empty-scope-falls-back-to-title", "no-scope-anywhere", "star"],
)  # fmt: skip
def test_rich_payload_scope_becomes_the_canonical_group(
    changes: dict[str, str], group: str
) -> None:
    assert parse_one(datadog_rich(**changes)).group == group


def test_rich_payload_fields_left_empty_fall_back_to_title_and_body() -> None:
    event = parse_one(datadog_rich(alert_id="", alert_priority="", alert_transition=""))
    assert event.monitor_id == "48213377"  # from the body's monitor link
    assert event.priority == "P2"  # from the `[P2]` title prefix
    assert event.state is A  # from `[Triggered on …]`


MALFORMED = [
    ("title-missing", {"title": None}, "title"),
    ("title-not-string", {"title": 12}, "title"),
    ("title-no-transition", {"title": "Disk almost full"}, "title"),
    ("body-missing", {"body": None}, "body"),
    ("body-no-monitor-link", {"body": "%%%\nno links\n%%%"}, "body"),
    ("date-missing", {"date": None}, "date"),
    ("date-not-digits", {"date": "yesterday"}, "date"),
    ("date-object", {"date": {"ms": 1}}, "date"),
    ("transition-unknown", {"alert_transition": "Null"}, "alert_transition"),
    ("priority-unknown", {"alert_priority": "high"}, "alert_priority"),
    ("id-not-string", {"id": 12}, "id"),
]


@pytest.mark.parametrize(
    ("changes", "field"), [row[1:] for row in MALFORMED], ids=[row[0] for row in MALFORMED]
)
def test_malformed_datadog_payload_names_the_field(changes: dict[str, Any], field: str) -> None:
    body = datadog_default()
    for key, value in changes.items():
        if value is None:
            del body[key]
        else:
            body[key] = value
    with pytest.raises(SourceError) as caught:
        parse_one(body)
    assert caught.value.field == field
    assert caught.value.as_errors()[0]["field"] == field

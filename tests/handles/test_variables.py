"""Every kind of variable, where its value comes from and how it is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from handles import State, parse
from tests.handles.events import make_event

FIRST = datetime(2026, 11, 21, 3, 5, 10, tzinfo=UTC)
LAST = datetime(2026, 11, 21, 3, 25, 10, tzinfo=UTC)
NOW = datetime(2026, 11, 21, 3, 35, 10, tzinfo=UTC)

EVENT = make_event(
    tags=(
        "host:web-1",
        "env:prod",
        "service:b-api",
        "service:a-api",
        "dot.key:dotted",
        "team:<!channel>",
        "@facet:f",
        "bare",
    ),
    values={
        "value": 93.5,
        "threshold": 90,
        "warn_threshold": 80.0,
        "alert_recovery_threshold": 85,
        "warn_recovery_threshold": 75,
        "ok_threshold": 1,
        "comparator": ">",
        "a.value": 3,
        "check_message": "disk & cpu",
    },
    attributes={
        "host": {"ip": "10.0.0.1", "metadata_agent_version": "7.50"},
        "log": {"attributes": {"error.message": "boom", "nested": {"x": 1}}, "tags": ["a", "b"]},
        "flag": True,
        "ratio": 0.25,
        "facet": "from-attributes",
    },
    first_triggered_at=FIRST,
    last_triggered_at=LAST,
    occurred_at=NOW,
)

CASES = [
    ("{{value}}", "93.5", "value"),
    ("{{threshold}}", "90", "threshold int"),
    ("{{warn_threshold}}", "80", "integral float without .0"),
    ("{{alert_recovery_threshold}}", "85", "alert_recovery_threshold"),
    ("{{warn_recovery_threshold}}", "75", "warn_recovery_threshold"),
    ("{{ok_threshold}}", "1", "ok_threshold"),
    ("{{comparator}}", "&gt;", "comparator escaped"),
    ("{{{comparator}}}", ">", "comparator raw"),
    ("{{first_triggered_at}}", "2026-11-21 03:05:10 UTC", "first_triggered_at"),
    ("{{last_triggered_at}}", "2026-11-21 03:25:10 UTC", "last_triggered_at"),
    ("{{first_triggered_at_epoch}}", "1795230310000", "epoch in ms"),
    ("{{last_triggered_at_epoch}}", "1795231510000", "last epoch in ms"),
    ("{{triggered_duration_sec}}", "1800", "duration since first trigger"),
    ("{{host.name}}", "web-1", "tag variable"),
    ("{{env.name}}", "prod", "another tag"),
    ("{{service.name}}", "a-api,b-api", "several values sorted and comma-joined"),
    ("{{[dot.key].name}}", "dotted", "dotted key in brackets"),
    ("{{event.tags.[dot.key]}}", "dotted", "event.tags form"),
    ("{{env}}", "prod", "bare tag key"),
    ("{{team.name}}", "&lt;!channel&gt;", "tag value escaped: cannot ping"),
    ("{{{team.name}}}", "<!channel>", "triple braces raw"),
    ("<<<team.name>>>", "<!channel>", "triple angle raw"),
    ("{{host.ip}}", "10.0.0.1", "attribute path"),
    ("{{host.metadata_agent_version}}", "7.50", "host metadata attribute"),
    ("{{log.attributes.[error.message]}}", "boom", "bracketed attribute key"),
    ("{{log.attributes.error.message}}", "boom", "flat dotted attribute key"),
    ("{{log.attributes.nested}}", '{"x":1}', "mapping as JSON"),
    ("{{log.tags}}", "a,b", "list attribute"),
    ("{{flag}}", "true", "boolean"),
    ("{{ratio}}", "0.25", "float attribute"),
    ("{{@facet.name}}", "f", "facet tag"),
    ("{{a.value}}", "3", "composite sub-monitor value"),
    ("{{check_message}}", "disk &amp; cpu", "ampersand escaped"),
    ("{{missing}}", "", "missing is empty"),
    ("{{missing.name}}", "", "missing tag is empty"),
    ("{{log.attributes.missing}}", "", "missing attribute is empty"),
    ("{{bare.name}}", "", "a bare tag has no value"),
    ("{{ value }}", "93.5", "spaces inside the tag"),
    ("<<value>>", "93.5", "angle spelling"),
    ('{{urlencode "service.name"}}', "a-api%2Cb-api", "urlencode"),
    ('{{urlencode "team.name"}}', "%3C%21channel%3E", "urlencode escapes everything"),
    ("{{local_time 'last_triggered_at' 'Europe/Paris'}}", "2026-11-21 04:25:10+01:00", "local"),
    ("{{local_time 'first_triggered_at' 'Asia/Tokyo'}}", "2026-11-21 12:05:10+09:00", "tokyo"),
    ("{{local_time 'last_triggered_at_epoch' 'UTC'}}", "2026-11-21 03:25:10+00:00", "utc"),
    ("{{local_time 'missing' 'UTC'}}", "", "local_time of a missing variable"),
    ('{{eval "value*2"}}', "187", "eval"),
    ('{{eval "last_triggered_at_epoch-10*60*1000"}}', "1795230910000", "eval on epoch"),
    ("{{override_priority 'P1'}}", "", "override writes nothing"),
]


@pytest.mark.parametrize(
    ("template", "expected"), [c[:2] for c in CASES], ids=[c[2] for c in CASES]
)
def test_variable(template: str, expected: str) -> None:
    assert parse(template).render(EVENT).text == expected


def test_values_take_precedence_over_derived_times() -> None:
    event = make_event(values={"first_triggered_at": "yesterday"}, first_triggered_at=FIRST)
    assert parse("{{first_triggered_at}}").render(event).text == "yesterday"


def test_naive_datetimes_are_utc() -> None:
    event = make_event(first_triggered_at=datetime(2026, 1, 1, 12, 0))
    assert parse("{{first_triggered_at}}").render(event).text == "2026-01-01 12:00:00 UTC"


def test_aware_datetimes_are_converted_to_utc() -> None:
    event = make_event(
        last_triggered_at=datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    )
    assert parse("{{last_triggered_at}}").render(event).text == "2026-01-01 10:00:00 UTC"


def test_duration_without_times_is_empty() -> None:
    assert parse("{{triggered_duration_sec}}").render(make_event()).text == ""


def test_override_priority_last_rendered_wins() -> None:
    template = parse(
        "{{override_priority 'P3'}}{{#is_alert}}{{override_priority 'p1'}}{{/is_alert}}"
    )
    assert template.render(make_event(State.OK, State.ALERT)).priority == "P1"
    assert template.render(make_event(State.ALERT, State.OK)).priority == "P3"


def test_override_priority_inside_data_section() -> None:
    template = parse('{{#is_match "host.name" "db"}}{{override_priority "P2"}}{{/is_match}}')
    assert template.render(make_event(tags=("host:db-1",))).priority == "P2"
    assert template.render(make_event(tags=("host:web-1",))).priority is None


def test_variable_section_is_true_when_not_empty() -> None:
    template = parse(
        "{{#host.name}}on {{host.name}}{{/host.name}}{{^region.name}} nowhere{{/region.name}}"
    )
    assert template.render(make_event(tags=("host:web-1",))).text == "on web-1 nowhere"

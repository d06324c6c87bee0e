"""Whatever arrives, a parser answers with events or a SourceError, never another exception
(which the web layer would turn into a 500 and the sender would retry forever)."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.events import Source
from bot.sources import SourceError, parse_delivery
from bot.sources.groups import group_key, split_tags
from tests.sources.builders import recorded_body

SEEDS: list[tuple[Source, dict[str, Any]]] = [
    (Source.DATADOG, recorded_body("datadog-default-alert-renotify-recovery", "01-triggered.json")),
    (Source.DATADOG, recorded_body("datadog-rich-cycle", "01-triggered.json")),
    (Source.ALERTMANAGER, recorded_body("alertmanager-grouped", "02-partly-resolved.json")),
    (Source.GRAFANA, recorded_body("grafana", "01-firing.json")),
    (Source.GENERIC, recorded_body("generic", "02-renotify.json")),
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(body: Any, where: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(body)
    target = changed
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    return changed


def _parse_or_source_error(source: Source, body: bytes) -> None:
    try:
        events = parse_delivery(source, body)
    except SourceError as error:
        assert error.field and error.message
        return
    for event in events:
        assert event.group and event.monitor_id
        assert event.occurred_at.tzinfo is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), data=st.data(), value=json_values)
def test_any_one_field_replaced_by_any_json_gives_events_or_a_source_error(
    seed: tuple[Source, dict[str, Any]], data: st.DataObject, value: Any
) -> None:
    source, body = seed
    where = data.draw(st.sampled_from(_paths(body)))
    _parse_or_source_error(source, orjson.dumps(_replace(body, where, value)))


@settings(max_examples=200, deadline=None)
@given(source=st.sampled_from(list(Source)), value=json_values)
def test_any_json_body_gives_events_or_a_source_error(source: Source, value: Any) -> None:
    _parse_or_source_error(source, orjson.dumps(value))


@settings(max_examples=200, deadline=None)
@given(source=st.sampled_from(list(Source)), raw=st.binary(max_size=64))
def test_any_bytes_give_events_or_a_source_error(source: Source, raw: bytes) -> None:
    _parse_or_source_error(source, raw)


@given(
    moment=st.datetimes(timezones=st.timezones()),
    source=st.sampled_from([Source.GENERIC, Source.ALERTMANAGER]),
)
def test_any_time_with_any_offset_gives_an_event_or_a_source_error(
    moment: Any, source: Source
) -> None:
    text = moment.isoformat()
    if source is Source.GENERIC:
        body: dict[str, Any] = {"monitor": {"id": "m"}, "state": "OK", "timestamp": text}
    else:
        body = recorded_body("alertmanager-grouped", "01-firing.json")
        body["alerts"][0]["startsAt"] = text
    _parse_or_source_error(source, orjson.dumps(body))


tag = st.from_regex(r"[a-z][a-z0-9_.-]{0,8}:[a-z0-9][a-z0-9_./-]{0,8}", fullmatch=True)


@given(tags=st.lists(tag, min_size=1, max_size=5, unique=True), data=st.data())
def test_group_key_ignores_order_and_spacing(tags: list[str], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(tags))
    spaced = ", ".join(shuffled)
    assert group_key(split_tags(spaced)) == group_key(tags) == ",".join(sorted(tags))

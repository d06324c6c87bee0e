from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from bot.core.events import MonitorEvent, Source
from bot.sources import SourceError, parse_delivery
from bot.sources.generic import SCHEMA
from bot.sources.json_schema import check_schema, errors
from handles.types import State

EXAMPLE: dict[str, Any] = SCHEMA["examples"][0]  # type: ignore[index]
PAGE = Path(__file__).resolve().parents[2] / "docs" / "alerts" / "generic.md"


def parse_one(body: object) -> MonitorEvent:
    (event,) = parse_delivery(Source.GENERIC, orjson.dumps(body))
    return event


def example(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE)
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def test_the_schema_example_parses() -> None:
    event = parse_one(EXAMPLE)
    assert event.source is Source.GENERIC
    assert (event.monitor_id, event.monitor_name, event.priority) == (
        "orders-api-5xx",
        "Orders API 5xx rate",
        "P2",
    )
    assert event.group == "env:prod,service:orders"
    assert event.state is State.ALERT
    assert event.previous_state is None
    assert event.occurred_at == datetime(2026, 11, 20, 9, 13, tzinfo=UTC)
    assert event.values == {"value": 7.5, "threshold": 5}
    assert event.delivery_id == "orders-api-5xx-20261120T091300Z"
    assert event.rendered is False
    assert "{{#is_alert}}@case-web{{/is_alert}}" in event.message


def test_minimal_event_is_a_single_group_monitor_named_by_its_id() -> None:
    event = parse_one(
        {"monitor": {"id": "m1"}, "state": "OK", "timestamp": "2026-11-20T09:13:00+01:00"}
    )
    assert (event.monitor_name, event.group, event.message, event.delivery_id) == (
        "m1",
        "*",
        "",
        None,
    )
    assert event.occurred_at == datetime(2026, 11, 20, 8, 13, tzinfo=UTC)


def test_optional_fields() -> None:
    event = parse_one(
        example(
            previous_state="Warn",
            renotify=True,
            rendered=True,
            tags=["team:web", "service:orders"],
            cycle_key="c-1",
            link="https://x.example",
            title="T",
        )
    )
    assert (event.previous_state, event.renotify, event.rendered) == (State.WARN, True, True)
    assert event.tags == ("env:prod", "service:orders", "team:web")
    assert (event.cycle_key, event.link, event.title) == ("c-1", "https://x.example", "T")


INVALID = [
    ("state-missing", example(state=None), "state"),
    ("state-unknown", example(state="Critical"), "state"),
    ("state-lower-case", example(state="alert"), "state"),
    ("previous-unknown", example(previous_state="Firing"), "previous_state"),
    ("monitor-missing", example(monitor=None), "monitor"),
    ("monitor-id-empty", example(monitor={"id": ""}), "monitor.id"),
    ("monitor-id-number", example(monitor={"id": 5}), "monitor.id"),
    ("priority-unknown", example(monitor={"id": "m", "priority": "P0"}), "monitor.priority"),
    ("monitor-extra", example(monitor={"id": "m", "tags": []}), "monitor.tags"),
    ("group-string", example(group="env:prod"), "group"),
    ("group-item-comma", example(group=["env:prod,host:a"]), "group[0]"),
    ("renotify-string", example(renotify="yes"), "renotify"),
    ("values-nested", example(values={"value": {"x": 1}}), "values.value"),
    ("values-bool", example(values={"value": True}), "values.value"),
    ("timestamp-epoch", example(timestamp=1795165980), "timestamp"),
    ("timestamp-no-offset", example(timestamp="2026-11-20T09:13:00"), "timestamp"),
    ("timestamp-date-only", example(timestamp="2026-11-20"), "timestamp"),
    ("unknown-field", example(severity="high"), "severity"),
    ("delivery-id-empty", example(delivery_id=""), "delivery_id"),
]


@pytest.mark.parametrize(("body", "field"), [r[1:] for r in INVALID], ids=[r[0] for r in INVALID])
def test_invalid_generic_event_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_one(body)
    assert caught.value.field == field


def test_every_problem_is_reported() -> None:
    with pytest.raises(SourceError) as caught:
        parse_one(example(state=None, monitor={"id": ""}, colour="red"))
    assert [e["field"] for e in caught.value.as_errors()] == ["state", "monitor.id", "colour"]


def test_a_body_that_is_an_array_is_rejected() -> None:
    with pytest.raises(SourceError) as caught:
        parse_delivery(Source.GENERIC, b"[]")
    assert caught.value.field == "body"


def test_the_docs_print_the_current_schema() -> None:
    text = PAGE.read_text(encoding="utf-8")
    marker = "<!-- generic-event-schema -->"
    assert marker in text, "docs/alerts/generic.md lacks the generic event schema block"
    block = text.split(marker, 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert orjson.loads(block) == orjson.loads(orjson.dumps(SCHEMA))


# ---- the validator itself ------------------------------------------------------------------

NOT_INT = [("body", "expected integer, got number")]
TOO_LONG = [("body", "is longer than 2 characters")]
TOO_MANY = [("body", "has 2 items, at most 1 allowed")]
VALIDATOR = [
    ("number-accepts-int", {"type": "number"}, 3, []),
    ("number-rejects-bool", {"type": "number"}, True, [("body", "expected number, got boolean")]),
    ("integer-rejects-fraction", {"type": "integer"}, 1.5, NOT_INT),
    ("integer-accepts-whole-float", {"type": "integer"}, 2.0, []),
    ("type-list", {"type": ["string", "null"]}, None, []),
    ("enum-with-null", {"enum": ["a", None]}, None, []),
    ("max-length", {"type": "string", "maxLength": 2}, "abc", TOO_LONG),
    ("max-items", {"type": "array", "maxItems": 1}, [1, 2], TOO_MANY),
    ("items-path", {"type": "array", "items": {"type": "string"}}, ["a", 1],
     [("[1]", "expected string, got number")]),
    ("additional-schema", {"type": "object", "additionalProperties": {"type": "string"}}, {"a": 1},
     [("a", "expected string, got number")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("schema", "instance", "expected"), [r[1:] for r in VALIDATOR], ids=[r[0] for r in VALIDATOR]
)
def test_validator(
    schema: dict[str, Any], instance: object, expected: list[tuple[str, str]]
) -> None:
    assert list(errors(instance, schema)) == expected


def test_schema_keywords_the_validator_does_not_know_are_refused() -> None:
    with pytest.raises(ValueError, match="oneOf"):
        check_schema({"type": "object", "properties": {"a": {"oneOf": []}}})

"""Where a variable's value comes from, and how a value is written as text.

A path is looked up, in order, in: the event's template values (`value`,
`threshold`, …, also dotted names such as `a.value`); the time variables
derived from the event's datetimes; the event's attributes (nested mappings,
`@facet` read without its `@`); and finally the tags (`{{key.name}}`,
`{{key}}`, `{{event.tags.key}}`). Anything not found is empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from handles.clock import epoch_ms, utc_text
from handles.types import Event

TEMPLATE_VARIABLES: tuple[str, ...] = (
    "value",
    "threshold",
    "warn_threshold",
    "alert_recovery_threshold",
    "warn_recovery_threshold",
    "ok_threshold",
    "comparator",
    "first_triggered_at",
    "first_triggered_at_epoch",
    "last_triggered_at",
    "last_triggered_at_epoch",
    "triggered_duration_sec",
)
TIME_VARIABLES = frozenset(
    {
        "first_triggered_at",
        "last_triggered_at",
        "first_triggered_at_epoch",
        "last_triggered_at_epoch",
        "triggered_duration_sec",
    }
)
_MISSING = object()


@lru_cache(maxsize=4096)
def tag_index(tags: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    """`key:value` tags grouped by key, values sorted and de-duplicated.

    Cached by content: deliveries of one group carry the same tags.
    """
    grouped: dict[str, set[str]] = {}
    for tag in tags:
        key, sep, value = tag.partition(":")
        if sep:
            grouped.setdefault(key, set()).add(value)
    return {key: tuple(sorted(values)) for key, values in grouped.items()}


def event_moment(event: Event, name: str) -> datetime | None:
    """The datetime behind a time variable name (with or without `_epoch`)."""
    base = name.removesuffix("_epoch")
    if base == "first_triggered_at":
        return event.first_triggered_at
    if base == "last_triggered_at":
        return event.last_triggered_at
    return None


def _time_variable(event: Event, name: str) -> object:
    if name == "triggered_duration_sec":
        start, now = event.first_triggered_at, event.occurred_at
        if start is None or now is None:
            return _MISSING
        return max(0, int((now - start).total_seconds()))
    moment = event_moment(event, name)
    if moment is None:
        return _MISSING
    return epoch_ms(moment) if name.endswith("_epoch") else utc_text(moment)


def _attribute(attributes: Mapping[str, object], segments: Sequence[str]) -> object:
    node: object = attributes
    for index, segment in enumerate(segments):
        if not isinstance(node, Mapping):
            return _MISSING
        if segment in node:
            node = node[segment]
            continue
        # A flat key that itself contains dots: {"error.message": …}.
        rest = ".".join(segments[index:])
        return node.get(rest, _MISSING)
    return node


def lookup(event: Event, segments: Sequence[str]) -> object:
    """The raw value at `segments`, a tuple of tag values, or None when absent."""
    dotted = ".".join(segments)
    value = event.values.get(dotted, _MISSING)
    if value is not _MISSING:
        return value
    if dotted in TIME_VARIABLES:
        value = _time_variable(event, dotted)
        if value is not _MISSING:
            return value
    if event.attributes:
        first = segments[0]
        path = segments if not first.startswith("@") else (first[1:], *segments[1:])
        value = _attribute(event.attributes, path)
        if value is not _MISSING:
            return value
    if not event.tags:
        return None
    if len(segments) == 1 or (len(segments) == 2 and segments[1] == "name"):
        key = segments[0]
    elif len(segments) == 3 and segments[0] == "event" and segments[1] == "tags":
        key = segments[2]
    else:
        return None
    return tag_index(event.tags).get(key)


def as_text(value: object) -> str:
    """How a looked-up value is written: numbers without a needless `.0`, tag
    values comma-joined, booleans lower-case, mappings as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, tuple | list):
        return ",".join(as_text(item) for item in value)
    if isinstance(value, datetime):
        return utc_text(value)
    try:
        return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        # Not JSON-shaped (or absurdly deep): say nothing rather than fail the render.
        return ""


def as_texts(value: object) -> tuple[str, ...]:
    """Each value separately (a multi-valued tag gives several), for matching."""
    if isinstance(value, tuple | list):
        return tuple(as_text(item) for item in value)
    text = as_text(value)
    return (text,) if text else ()

"""Where a variable's value comes from, and how a value is written as text.

A path is looked up, in order, in: the event's template values (`value`,
`threshold`, …, also dotted names such as `a.value`); the time variables
derived from the event's datetimes; the event's attributes (nested mappings,
`@facet` read without its `@`); and finally the tags (`{{key.name}}`,
`{{key}}`, `{{event.tags.key}}`). Anything not found is empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from handles.clock import epoch_ms, utc_text
from handles.scope import Scope
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
def tag_index(tags: tuple[str, ...]) -> Mapping[str, str | tuple[str, ...]]:
    """`key:value` tags grouped by key: one value as a string, several as a sorted tuple.

    Cached by content: deliveries of one group carry the same tags.
    """
    grouped: dict[str, set[str]] = {}
    for tag in tags:
        key, sep, value = tag.partition(":")
        if sep:
            grouped.setdefault(key, set()).add(value)
    return {
        key: next(iter(values)) if len(values) == 1 else tuple(sorted(values))
        for key, values in grouped.items()
    }


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
    key = _tag_key(segments)
    if key is None or not event.tags:
        return None
    return tag_index(event.tags).get(key)


def _tag_key(segments: Sequence[str]) -> str | None:
    """The tag key a path names: `key.name`, `key`, or `event.tags.key`."""
    if len(segments) == 1 or (len(segments) == 2 and segments[1] == "name"):
        return segments[0]
    if len(segments) == 3 and segments[0] == "event" and segments[1] == "tags":
        return segments[2]
    return None


@lru_cache(maxsize=4096)
def resolver(segments: tuple[str, ...]) -> Callable[[Scope], object]:
    """`lookup` specialised for one path at compile time; caches the tag index per render.

    Pure in `segments`, so templates share the closures (bounded cache).
    """
    dotted = ".".join(segments)
    fallback = _fallback(segments)

    def resolve(scope: Scope) -> object:
        value = scope.event.values.get(dotted, _MISSING)
        return fallback(scope) if value is _MISSING else value

    return resolve


@lru_cache(maxsize=4096)
def value_resolver(segments: tuple[str, ...]) -> Callable[[Scope], object]:
    """`resolver` with the two common sources (values, then tags when the event
    has no attributes) read inline, for the tests run on every render."""
    dotted = ".".join(segments)
    fallback = _fallback(segments)
    tag_key = None if dotted in TIME_VARIABLES else _tag_key(segments)

    def resolve(scope: Scope) -> object:
        event = scope.event
        value = event.values.get(dotted, _MISSING)
        if value is not _MISSING:
            return value
        if tag_key is not None and not event.attributes:
            tags = scope.tag_map
            if tags is None:
                tags = scope.tag_map = tag_index(event.tags)
            return tags.get(tag_key)
        return fallback(scope)

    return resolve


@lru_cache(maxsize=4096)
def text_resolver(
    segments: tuple[str, ...], *, escape: Callable[[str], str] | None
) -> Callable[[Scope], str]:
    """A path's value as text (escaped with `escape` when given), in one call.

    The hot path of rendering, so the two common sources (the event's values,
    then its tags when it has no attributes) are read inline.
    """
    dotted = ".".join(segments)
    fallback = _fallback(segments)
    tag_key = None if dotted in TIME_VARIABLES else _tag_key(segments)

    def text(scope: Scope) -> str:
        event = scope.event
        value = event.values.get(dotted, _MISSING)
        if value is _MISSING:
            if tag_key is not None and not event.attributes:
                tags = scope.tag_map
                if tags is None:
                    tags = scope.tag_map = tag_index(event.tags)
                value = tags.get(tag_key, "")
            else:
                value = fallback(scope)
        result: str = value if value.__class__ is str else as_text(value)
        if escape is not None and ("&" in result or "<" in result or ">" in result):
            return escape(result)
        return result

    return text


# A variable written in a body: (dotted path, tag key read inline or None,
# fallback lookup, escape?, its first position, any further positions).
VariableSpec = tuple[str, str | None, Callable[[Scope], object], bool, int, tuple[int, ...]]


def variable_spec(
    segments: tuple[str, ...], *, escaped: bool, positions: tuple[int, ...]
) -> VariableSpec:
    dotted = ".".join(segments)
    tag_key = None if dotted in TIME_VARIABLES else _tag_key(segments)
    return (dotted, tag_key, _fallback(segments), escaped, positions[0], positions[1:])


def fill_variables(
    scope: Scope, specs: tuple[VariableSpec, ...], buffer: list[str], escape: Callable[[str], str]
) -> int:
    """Write each variable's text at its positions in `buffer`; return the characters added.

    The hot loop of rendering: the two common sources (the event's values, then
    its tags when it has no attributes) are read inline, without a call each.
    """
    event = scope.event
    get = event.values.get
    attributes = event.attributes
    tags = scope.tag_map
    added = 0
    for dotted, tag_key, fallback, escaped, first, more in specs:
        value = get(dotted, _MISSING)
        if value is _MISSING:
            if tag_key is not None and not attributes:
                if tags is None:
                    tags = scope.tag_map = tag_index(event.tags)
                value = tags.get(tag_key, "")
            else:
                value = fallback(scope)
        if isinstance(value, str):
            text = value
        elif value.__class__ is int:
            text = str(value)
        elif value.__class__ is float and not value.is_integer():
            text = repr(value)
        else:
            text = as_text(value)
        if escaped and ("&" in text or "<" in text or ">" in text):
            text = escape(text)
        added += len(text)
        buffer[first] = text
        if more:
            added += len(text) * len(more)
            for position in more:
                buffer[position] = text
    return added


_MOMENTS: dict[str, Callable[[Event], datetime | None]] = {
    "first_triggered_at": lambda event: event.first_triggered_at,
    "last_triggered_at": lambda event: event.last_triggered_at,
}


def _after_times(attribute_path: tuple[str, ...], tag_key: str | None) -> Callable[[Scope], object]:
    """The attributes, then the tags."""

    def attribute_or_tag(scope: Scope) -> object:
        event = scope.event
        if event.attributes:
            value = _attribute(event.attributes, attribute_path)
            if value is not _MISSING:
                return value
        if tag_key is None or not event.tags:
            return None
        tags = scope.tag_map
        if tags is None:
            tags = scope.tag_map = tag_index(event.tags)
        return tags.get(tag_key)

    return attribute_or_tag


@lru_cache(maxsize=4096)
def _fallback(segments: tuple[str, ...]) -> Callable[[Scope], object]:
    """Where a path is looked for when it is not among the event's values."""
    dotted = ".".join(segments)
    first = segments[0]
    attribute_path = tuple(segments) if not first.startswith("@") else (first[1:], *segments[1:])
    rest = _after_times(attribute_path, _tag_key(segments))
    moment_of = _MOMENTS.get(dotted)
    if moment_of is not None:

        def time_text(scope: Scope) -> object:
            moment = moment_of(scope.event)
            return rest(scope) if moment is None else utc_text(moment)

        return time_text
    if dotted in TIME_VARIABLES:

        def time_value(scope: Scope) -> object:
            value = _time_variable(scope.event, dotted)
            return rest(scope) if value is _MISSING else value

        return time_value
    return rest


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

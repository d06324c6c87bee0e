"""A case's custom attributes: typed values under a key, as Datadog types them.

A value is `TEXT`, `URL`, `NUMBER` or `SELECT`; with `is_multi` it is a list of
them (possibly empty), otherwise exactly one. Numbers are kept as floats (the
official client reads them as floats), the others as strings of at most 500
characters: a URL is an absolute http(s) URL, a SELECT option is not blank.

Keys are 1-100 letters, digits, `_`, `-` or `.`, starting and ending with a
letter or digit, and are not one of the case search's own fields (`status`,
`priority`, ...): the query language finds a custom attribute by its key, as
it finds a case attribute, and a key the search already uses for something
else could never be searched.

Pure: validation returns an `Invalid`, a change is planned as a value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

from bot.core.invalid import Invalid
from bot.core.records import record


class CustomAttributeType(StrEnum):
    TEXT = "TEXT"
    URL = "URL"
    NUMBER = "NUMBER"
    SELECT = "SELECT"


VALUE_MAX = 500
VALUES_MAX = 100
KEY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,98}[A-Za-z0-9])?")
# White space as Python's str.isspace() sees it, spelled out so that the API's JSON
# Schema (ECMA-262 regular expressions, whose \s differs) allows exactly these URLs.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
URL = re.compile(rf"https?://[^{_SPACE}/?#]+(?:[/?#][^{_SPACE}]*)?")
# The case search's own fields (bot/db/case_search.py): not custom attribute keys.
SEARCH_FIELDS = frozenset(
    {"key", "status", "priority", "type", "project", "project_id", "assignee",
     "creation_source", "archived"}
)  # fmt: skip
# How much of the values a timeline entry's sentence shows (its data keeps them all).
SHOWN_MAX = 300

Item = str | float


@record
class CustomAttribute:
    """One custom attribute's typed value: `values` holds one item unless `is_multi`."""

    type: CustomAttributeType
    is_multi: bool
    values: tuple[Item, ...]

    @property
    def value(self) -> Item | list[Item]:
        """The value as Datadog sends it: the one item, or the list of them."""
        return list(self.values) if self.is_multi else self.values[0]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type.value, "is_multi": self.is_multi, "value": self.value}


CustomAttributes = Mapping[str, CustomAttribute]


class CustomAttributeSpec(Protocol):
    """A custom attribute as an edge received it, not yet checked (the API's body, or a
    `CustomAttribute`)."""

    @property
    def type(self) -> str: ...

    @property
    def is_multi(self) -> bool: ...

    @property
    def value(self) -> Any: ...


def key_problem(key: str) -> str | None:
    """Why `key` cannot name a custom attribute, or None."""
    if KEY.fullmatch(key) is None:
        return (
            f"{key[:60]!r} is not a custom attribute key: 1-100 letters, digits, '_', '-' or "
            "'.', starting and ending with a letter or digit"
        )
    if key.lower() in SEARCH_FIELDS:
        return (
            f"{key!r} is a field of every case in search ({', '.join(sorted(SEARCH_FIELDS))}) "
            "and cannot name a custom attribute"
        )
    return None


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    return "an object"


def item_problem(kind: str, item: object) -> str | None:
    """Why `item` cannot be one value of type `kind`, or None (a phrase after the value's
    name: "must be a number (type NUMBER), got a string")."""
    if kind == CustomAttributeType.NUMBER:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return f"must be a number (type NUMBER), got {_type_name(item)}"
        if not math.isfinite(item):
            return "must be a finite number"
        return None
    if not isinstance(item, str):
        return f"must be a string (type {kind}), got {_type_name(item)}"
    if len(item) > VALUE_MAX:
        return f"is longer than {VALUE_MAX} characters"
    if kind == CustomAttributeType.SELECT and not item.strip():
        return "must not be empty"
    if kind == CustomAttributeType.URL and not URL.fullmatch(item):
        return f"must be an http or https URL, got {item[:60]!r}"
    return None


def shape_problem(is_multi: bool, value: object) -> str | None:
    """Why `value` is not shaped as `is_multi` says (an array, or a single value)."""
    if is_multi != isinstance(value, list | tuple):
        wanted = "an array" if is_multi else "a single value, not an array"
        return f"must be {wanted} (is_multi is {str(is_multi).lower()})"
    if is_multi and len(value) > VALUES_MAX:  # type: ignore[arg-type]
        return f"has more than {VALUES_MAX} values"
    return None


def parse_custom_attribute(key: str, spec: CustomAttributeSpec) -> CustomAttribute | Invalid:
    """The custom attribute `key` as `spec` gives it, or why it is refused."""
    field = f"custom_attributes.{key}"
    problem = key_problem(key)
    if problem is not None:
        return Invalid("custom_attributes", problem)
    try:
        typed = CustomAttributeType(spec.type)
    except ValueError:
        choices = ", ".join(CustomAttributeType)
        return Invalid(field, f"type must be one of {choices}, got {spec.type!r}")
    is_multi, value = bool(spec.is_multi), spec.value
    problem = shape_problem(is_multi, value)
    if problem is not None:
        return Invalid(field, f"value {problem}")
    items = tuple(value) if isinstance(value, list | tuple) else (value,)
    for item in items:
        problem = item_problem(typed, item)
        if problem is not None:
            return Invalid(field, f"value {problem}")
    if typed == CustomAttributeType.NUMBER:
        return CustomAttribute(typed, is_multi, tuple(float(item) for item in items))
    return CustomAttribute(typed, is_multi, tuple(str(item) for item in items))


def from_json(document: Mapping[str, Any]) -> CustomAttribute:
    """A stored `{"type", "is_multi", "value"}` (written by `to_json`)."""
    typed = CustomAttributeType(document["type"])
    value = document["value"]
    items = tuple(value) if isinstance(value, list) else (value,)
    if typed == CustomAttributeType.NUMBER:
        return CustomAttribute(typed, bool(document["is_multi"]), tuple(float(i) for i in items))
    return CustomAttribute(typed, bool(document["is_multi"]), tuple(str(i) for i in items))


def number_text(number: float) -> str:
    """A number as people write it: `5` for 5.0, `2.5`, `1e+20`."""
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number)


def search_texts(attribute: CustomAttribute) -> tuple[str, ...]:
    """What the query language compares with: the strings, or each number written as
    people write it and as Python does (`5` and `5.0`)."""
    if attribute.type != CustomAttributeType.NUMBER:
        return tuple(str(item) for item in attribute.values)
    texts: list[str] = []
    for item in attribute.values:
        for text in (number_text(float(item)), repr(float(item))):
            if text not in texts:
                texts.append(text)
    return tuple(texts)


def describe(attribute: CustomAttribute) -> str:
    """The value for a sentence: `us-east-1, eu-west-1`, `5`, `""`, `(none)`."""
    if not attribute.values:
        return "(none)"
    shown = ", ".join(
        number_text(item) if isinstance(item, float) else (item or '""')
        for item in attribute.values
    )
    return shown if len(shown) <= SHOWN_MAX else shown[: SHOWN_MAX - 1] + "…"


@record
class CustomAttributeChange:
    """What setting or removing one custom attribute writes: the case's custom attributes
    after it, and the timeline entry's sentence and data."""

    attributes: dict[str, CustomAttribute]
    body: str
    data: dict[str, Any]


def plan_custom_attribute(
    current: CustomAttributes, key: str, new: CustomAttribute | None
) -> CustomAttributeChange | None:
    """The change setting `key` to `new` (None: removing it) makes, or None when nothing
    changes (the same value again, or removing a key that is not set)."""
    old = current.get(key)
    if old == new:
        return None
    after = dict(current)
    if new is None:
        del after[key]
        assert old is not None
        body = f"Custom attribute {key} removed (was {describe(old)})"
    elif old is None:
        after[key] = new
        body = f"Custom attribute {key} set to {describe(new)}"
    else:
        after[key] = new
        was, now = describe(old), describe(new)
        if old.type != new.type:
            was, now = f"{was} ({old.type})", f"{now} ({new.type})"
        body = f"Custom attribute {key} changed from {was} to {now}"
    data = {
        "key": key,
        "from": old.to_json() if old is not None else None,
        "to": new.to_json() if new is not None else None,
    }
    return CustomAttributeChange(after, body, data)

"""A small JSON Schema (2020-12) validator for the keywords casebot's own schemas use.

Supported: `type`, `enum`, `required`, `properties`, `additionalProperties`, `items`,
`minLength`, `maxLength`, `maxItems`, `pattern`, and `format: date-time`. Anything else in a
schema is an error at import time of the schema's module (`check_schema`), so a schema can
never silently promise more than this validator checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache

Schema = Mapping[str, object]

SUPPORTED = frozenset({
    "$schema", "$id", "title", "description", "examples", "default",
    "type", "enum", "required", "properties", "additionalProperties", "items",
    "minLength", "maxLength", "maxItems", "pattern", "format",
})  # fmt: skip

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def check_schema(schema: Schema, where: str = "#") -> None:
    """Raise ValueError for a keyword this validator does not implement."""
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"{where}: unsupported JSON Schema keywords {sorted(unknown)}")
    properties = schema.get("properties", {})
    assert isinstance(properties, Mapping)
    for name, sub in properties.items():
        check_schema(sub, f"{where}/properties/{name}")
    for key in ("items", "additionalProperties"):
        sub = schema.get(key)
        if isinstance(sub, Mapping):
            check_schema(sub, f"{where}/{key}")


def errors(instance: object, schema: Schema, where: str = "") -> Iterator[tuple[str, str]]:
    """Every (field path, message) where `instance` breaks `schema`; nothing if it is valid."""
    field = where or "body"
    allowed = schema.get("type")
    if allowed is not None:
        names = [allowed] if isinstance(allowed, str) else list(allowed)  # type: ignore[call-overload]
        if not any(_is_type(instance, name) for name in names):
            yield field, f"expected {' or '.join(names)}, got {_json_name(instance)}"
            return
    enum = schema.get("enum")
    if isinstance(enum, list) and instance not in enum:
        choices = ", ".join("null" if v is None else str(v) for v in enum)
        yield field, f"expected one of {choices}, got {instance!r}"
        return
    if isinstance(instance, str):
        yield from _string_errors(instance, schema, field)
    elif isinstance(instance, list):
        max_items = schema.get("maxItems")
        if isinstance(max_items, int) and len(instance) > max_items:
            yield field, f"has {len(instance)} items, at most {max_items} allowed"
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(instance):
                yield from errors(item, items, f"{field}[{index}]" if where else f"[{index}]")
    elif isinstance(instance, dict):
        yield from _object_errors(instance, schema, where)


def _object_errors(
    instance: Mapping[str, object], schema: Schema, where: str
) -> Iterator[tuple[str, str]]:
    def child(name: str) -> str:
        return f"{where}.{name}" if where else name

    required = schema.get("required", [])
    assert isinstance(required, list)
    for name in required:
        if name not in instance:
            yield child(name), "is missing"
    properties = schema.get("properties", {})
    assert isinstance(properties, Mapping)
    extra = schema.get("additionalProperties", True)
    for name, value in instance.items():
        if name in properties:
            yield from errors(value, properties[name], child(name))
        elif extra is False:
            yield child(name), f"is not a known field (known: {', '.join(properties)})"
        elif isinstance(extra, Mapping):
            yield from errors(value, extra, child(name))


def _string_errors(text: str, schema: Schema, field: str) -> Iterator[tuple[str, str]]:
    min_length = schema.get("minLength")
    if isinstance(min_length, int) and len(text) < min_length:
        yield field, "is empty" if min_length == 1 else f"is shorter than {min_length} characters"
    max_length = schema.get("maxLength")
    if isinstance(max_length, int) and len(text) > max_length:
        yield field, f"is longer than {max_length} characters"
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _compiled(pattern).search(text):
        yield field, f"does not match {pattern}"
    if schema.get("format") == "date-time" and not _is_date_time(text):
        yield field, f"expected an RFC 3339 date-time with offset, got {text!r}"


def _is_type(instance: object, name: str) -> bool:
    if isinstance(instance, bool) and name in ("number", "integer"):
        return False
    if name == "integer" and isinstance(instance, float):
        return instance.is_integer()
    return isinstance(instance, _TYPES[name])


def _json_name(instance: object) -> str:
    for name in _TYPES:
        if name != "integer" and _is_type(instance, name):
            return name
    return type(instance).__name__


def _is_date_time(text: str) -> bool:
    if len(text) < 20 or text[10] not in "Tt ":
        return False
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)

"""A small JSON Schema (2020-12) validator for the keywords casebot's own schemas use.

Supported: `type`, `enum`, `required`, `properties`, `additionalProperties`, `items`,
`minLength`, `maxLength`, `maxItems`, `pattern`, and `format: date-time`. A schema using any
other keyword is refused when it is compiled, so a schema can never silently promise more
than this validator checks. Compile once (`Validator(schema)`), validate many times.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True, slots=True)
class _Node:
    """One schema, with its keywords read out once."""

    types: tuple[str, ...] | None
    enum: list[object] | None
    required: tuple[str, ...]
    properties: dict[str, _Node]
    # True: anything goes; False: no other property; a node: others must match it.
    extra: bool | _Node
    items: _Node | None
    min_length: int | None
    max_length: int | None
    max_items: int | None
    pattern: re.Pattern[str] | None
    date_time: bool


def _compile(schema: Schema, where: str) -> _Node:
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"{where}: unsupported JSON Schema keywords {sorted(unknown)}")
    kind = schema.get("type")
    properties = schema.get("properties", {})
    assert isinstance(properties, Mapping)
    extra = schema.get("additionalProperties", True)
    items = schema.get("items")
    enum = schema.get("enum")
    pattern = schema.get("pattern")

    def integer(key: str) -> int | None:
        value = schema.get(key)
        return value if isinstance(value, int) else None

    return _Node(
        types=(kind,) if isinstance(kind, str) else tuple(kind) if isinstance(kind, list) else None,
        enum=list(enum) if isinstance(enum, list) else None,
        required=tuple(schema.get("required", ())),  # type: ignore[arg-type]
        properties={
            name: _compile(sub, f"{where}/properties/{name}") for name, sub in properties.items()
        },
        extra=_compile(extra, f"{where}/additionalProperties")
        if isinstance(extra, Mapping)
        else bool(extra),
        items=_compile(items, f"{where}/items") if isinstance(items, Mapping) else None,
        min_length=integer("minLength"),
        max_length=integer("maxLength"),
        max_items=integer("maxItems"),
        pattern=re.compile(pattern) if isinstance(pattern, str) else None,
        date_time=schema.get("format") == "date-time",
    )


class Validator:
    def __init__(self, schema: Schema) -> None:
        self._root = _compile(schema, "#")

    def errors(self, instance: object) -> list[tuple[str, str]]:
        """Every (field path, message) where `instance` breaks the schema; [] if valid."""
        return list(_errors(instance, self._root, ""))


def check_schema(schema: Schema) -> None:
    """Raise ValueError for a keyword this validator does not implement."""
    _compile(schema, "#")


def errors(instance: object, schema: Schema) -> list[tuple[str, str]]:
    """One-off validation (compiles the schema each time; use `Validator` on hot paths)."""
    return Validator(schema).errors(instance)


def _errors(instance: object, node: _Node, where: str) -> Iterator[tuple[str, str]]:
    field = where or "body"
    if node.types is not None and not any(_is_type(instance, name) for name in node.types):
        yield field, f"expected {' or '.join(node.types)}, got {_json_name(instance)}"
        return
    if node.enum is not None and instance not in node.enum:
        choices = ", ".join("null" if v is None else str(v) for v in node.enum)
        yield field, f"expected one of {choices}, got {instance!r}"
        return
    if type(instance) is str:
        yield from _string_errors(instance, node, field)
    elif type(instance) is list:
        if node.max_items is not None and len(instance) > node.max_items:
            yield field, f"has {len(instance)} items, at most {node.max_items} allowed"
        if node.items is not None:
            for index, item in enumerate(instance):
                yield from _errors(item, node.items, f"{where}[{index}]")
    elif type(instance) is dict:
        yield from _object_errors(instance, node, where)


def _object_errors(
    instance: dict[str, object], node: _Node, where: str
) -> Iterator[tuple[str, str]]:
    prefix = f"{where}." if where else ""
    for name in node.required:
        if name not in instance:
            yield prefix + name, "is missing"
    for name, value in instance.items():
        sub = node.properties.get(name)
        if sub is not None:
            yield from _errors(value, sub, prefix + name)
        elif node.extra is False:
            known = ", ".join(node.properties)
            yield prefix + name, f"is not a known field (known: {known})"
        elif isinstance(node.extra, _Node):
            yield from _errors(value, node.extra, prefix + name)


def _string_errors(text: str, node: _Node, field: str) -> Iterator[tuple[str, str]]:
    if node.min_length is not None and len(text) < node.min_length:
        yield field, "is empty" if node.min_length == 1 else f"is shorter than {node.min_length}"
    if node.max_length is not None and len(text) > node.max_length:
        yield field, f"is longer than {node.max_length} characters"
    if node.pattern is not None and not node.pattern.search(text):
        yield field, f"does not match {node.pattern.pattern}"
    if node.date_time and not _is_date_time(text):
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

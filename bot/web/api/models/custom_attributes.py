"""A case's custom attribute as Datadog types it: `{"type", "is_multi", "value"}`.

`type` is TEXT, URL, NUMBER or SELECT; with `is_multi` the value is an array of
them, otherwise one. Numbers are JSON numbers, the others strings of at most
500 characters: a URL is an absolute http(s) URL, a SELECT option is not
blank. The schema spells out each (type, is_multi) pair, so that what it
allows is exactly what the validator accepts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, WithJsonSchema, model_validator

from bot.web.api.models.fields import NOT_BLANK, refuse, type_name

CustomAttributeType = Literal["URL", "TEXT", "NUMBER", "SELECT"]
VALUE_MAX = 500
VALUES_MAX = 100
# What follows /custom_attributes/ in a path, and a key in the query language.
KEY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,98}[A-Za-z0-9])?")
URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?")

_ITEM: dict[str, dict[str, Any]] = {
    "TEXT": {"type": "string", "maxLength": VALUE_MAX},
    "URL": {"type": "string", "maxLength": VALUE_MAX, "pattern": f"^{URL.pattern}$"},
    "SELECT": {"type": "string", "maxLength": VALUE_MAX, "minLength": 1, "pattern": NOT_BLANK},
    "NUMBER": {"type": "number"},
}


def _variants(schema: dict[str, Any]) -> None:
    """One alternative per (type, is_multi): what `value` must then be."""
    schema["oneOf"] = [
        {
            "type": "object",
            "properties": {
                "type": {"const": kind},
                "is_multi": {"const": multi},
                "value": {"type": "array", "items": item, "maxItems": VALUES_MAX}
                if multi
                else item,
            },
        }
        for kind, item in _ITEM.items()
        for multi in (False, True)
    ]


Value = Annotated[
    Any,
    WithJsonSchema(
        {
            "description": "One value (is_multi false) or an array of them (is_multi true): "
            "numbers for NUMBER, strings otherwise"
        }
    ),
]


class CustomAttributeValue(BaseModel):
    """A typed value for a custom attribute on a case."""

    model_config = ConfigDict(json_schema_extra=_variants)

    type: CustomAttributeType
    is_multi: StrictBool
    value: Value

    @model_validator(mode="after")
    def _typed(self) -> CustomAttributeValue:
        if self.is_multi != isinstance(self.value, list):
            wanted = "an array" if self.is_multi else "a single value, not an array"
            multi = str(self.is_multi).lower()
            raise refuse(f"{{path}}.value must be {wanted} (is_multi is {multi})")
        values = self.value if isinstance(self.value, list) else [self.value]
        if len(values) > VALUES_MAX:
            raise refuse(f"{{path}}.value has more than {VALUES_MAX} values")
        for index, item in enumerate(values):
            where = f"{{path}}.value[{index}]" if self.is_multi else "{path}.value"
            problem = _problem(self.type, item)
            if problem is not None:
                raise refuse(f"{where} {problem}")
        return self

    @property
    def values(self) -> tuple[str | float, ...]:
        """The value, as a tuple whether one or many."""
        return tuple(self.value) if isinstance(self.value, list) else (self.value,)


def _problem(kind: str, item: Any) -> str | None:
    if kind == "NUMBER":
        if isinstance(item, bool) or not isinstance(item, int | float):
            return f"must be a number (type NUMBER), got {type_name(item)}"
        return None
    if not isinstance(item, str):
        return f"must be a string (type {kind}), got {type_name(item)}"
    if len(item) > VALUE_MAX:
        return f"is longer than {VALUE_MAX} characters"
    if kind == "SELECT" and not item.strip():
        return "must not be empty"
    if kind == "URL" and not URL.fullmatch(item):
        return f"must be an http or https URL, got {item[:60]!r}"
    return None


def check_key(key: str) -> str | None:
    """Why `key` cannot name a custom attribute, or None."""
    if KEY.fullmatch(key) is None:
        return (
            f"{key[:60]!r} is not a custom attribute key: 1-100 letters, digits, '_', '-' or "
            "'.', starting and ending with a letter or digit"
        )
    return None

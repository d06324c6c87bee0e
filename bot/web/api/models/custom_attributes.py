"""A case's custom attribute as Datadog types it: `{"type", "is_multi", "value"}`.

`type` is TEXT, URL, NUMBER or SELECT; with `is_multi` the value is an array of
them, otherwise one. Numbers are JSON numbers, the others strings of at most
500 characters: a URL is an absolute http(s) URL, a SELECT option is not
blank (the rules are bot.core.custom_attributes'). The schema spells out each
(type, is_multi) pair, so that what it allows is exactly what the validator
accepts; `KEY_SCHEMA` does the same for keys (the search's own field names,
such as `status`, are not keys).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, WithJsonSchema, model_validator

from bot.core.custom_attributes import (
    KEY,
    SEARCH_FIELDS,
    URL,
    VALUE_MAX,
    VALUES_MAX,
    item_problem,
    shape_problem,
)
from bot.web.api.models.fields import NOT_BLANK, refuse

CustomAttributeType = Literal["URL", "TEXT", "NUMBER", "SELECT"]


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


_RESERVED = "|".join(_any_case(name) for name in sorted(SEARCH_FIELDS))
# What follows /custom_attributes/ in a path, and a key of `custom_attributes`.
KEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": f"^{KEY.pattern}$",
    "not": {"type": "string", "pattern": f"^({_RESERVED})$"},
}

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
        problem = shape_problem(self.is_multi, self.value)
        if problem is not None:
            raise refuse(f"{{path}}.value {problem}")
        values = self.value if isinstance(self.value, list) else [self.value]
        for index, item in enumerate(values):
            where = f"{{path}}.value[{index}]" if self.is_multi else "{path}.value"
            problem = item_problem(self.type, item)
            if problem is not None:
                raise refuse(f"{where} {problem}")
        return self

    @property
    def values(self) -> tuple[str | float, ...]:
        """The value, as a tuple whether one or many."""
        return tuple(self.value) if isinstance(self.value, list) else (self.value,)

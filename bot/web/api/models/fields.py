"""Member types shared by the request models, and the markers that shape their refusals.

A member that may be left out but not sent as null is `T | MISSING = MISSING`.
`Expected` and `IfMissing` annotate a member for `bot.web.api.refusals`: what it
must be ("an object of string arrays"), and the sentence for its absence. A
validator that refuses raises `refuse(text)`: `text` is what follows the
member's path in the message, or contains `{path}` where the path goes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import MISSING, AfterValidator, BeforeValidator, Field, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "NOT_BLANK",
    "Expected",
    "IfMissing",
    "NonEmpty",
    "NotBlank",
    "StrictBool",
    "StringListMap",
    "UserId",
    "describe",
    "given",
    "refuse",
    "type_name",
]

# At least one character that is not white space as Python's str.strip() sees it
# (a blank title is refused). Spelled out because ECMA-262's \s, which validators
# use, differs (it lacks \x1c-\x1f and \x85 and has \ufeff).
NOT_BLANK = r"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
REFUSED = "casebot_refused"
T = TypeVar("T")
D = TypeVar("D")


def given(value: T | MISSING, default: D) -> T | D:
    """`value`, or `default` when the member was left out."""
    return default if value is MISSING else value


@dataclass(frozen=True, slots=True)
class Expected:
    """What a member must be, as the messages say it ("a UUID string")."""

    text: str


@dataclass(frozen=True, slots=True)
class IfMissing:
    """The message when the member is absent; `{path}` stands for its path."""

    text: str


def refuse(text: str) -> PydanticCustomError:
    return PydanticCustomError(REFUSED, "{text}", {"text": text})


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def describe(value: Any) -> str:
    """A value as JSON, cut to 60 characters."""
    shown = orjson.dumps(value, default=str).decode()
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _not_blank(value: str) -> str:
    if not value.strip():
        raise refuse("must not be empty")
    return value


# Refused when blank, documented by the type that uses it (with its own pattern).
NonEmpty = Annotated[str, AfterValidator(_not_blank)]
NotBlank = Annotated[NonEmpty, Field(json_schema_extra={"minLength": 1, "pattern": NOT_BLANK})]


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _uuid(value: Any) -> Any:
    """A UUID in its usual hyphenated spelling (what `format: uuid` allows)."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise refuse(f"must be a UUID string, got {type_name(value)}")
    if not _UUID.fullmatch(value):
        raise refuse(f"must be a UUID, got {describe(value)}")
    return uuid.UUID(value)


UserId = Annotated[uuid.UUID, Expected("a UUID string"), BeforeValidator(_uuid)]


def _named(value: dict[str, list[str]]) -> dict[str, list[str]]:
    if any(not name.strip() for name in value):
        raise refuse("has an empty attribute name")
    return value


StringListMap = Annotated[
    dict[str, list[str]],
    Expected("an object of string arrays"),
    AfterValidator(_named),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": NOT_BLANK, "maxLength": 100},
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string", "maxLength": 500},
            },
            "description": "Key -> list of strings (service, team, env, ...).",
        }
    ),
]

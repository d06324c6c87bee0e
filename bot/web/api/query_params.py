"""The path and query parameters of the API, as annotated types FastAPI reads and documents.

Each refuses a bad value with today's sentence (the parameter's name comes first:
`page[size] must be between 1 and 100, got 101`). The official client sends
them bracketed (`page%5Bsize%5D=10`) and booleans as JSON (`true`/`false`).
Case search pages count from 1 — the client's `search_cases_with_pagination`
starts there — while the users list counts from 0 like
`list_users_with_pagination`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator, WithJsonSchema

from bot.core.custom_attributes import key_problem
from bot.web.api import wire
from bot.web.api.models.custom_attributes import KEY_SCHEMA
from bot.web.api.models.fields import refuse

FILTER_MAX = 2_000
# Large enough for any real listing, small enough that offset arithmetic stays sane.
PAGE_NUMBER_MAX = 1_000_000

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
CASE_ID = re.compile(rf"{_UUID}|[A-Za-z0-9]{{1,10}}-[0-9]{{1,9}}")
PROJECT_ID = re.compile(rf"{_UUID}|[A-Za-z0-9]{{1,10}}")


@dataclass(frozen=True, slots=True)
class Page:
    size: int
    number: int
    first: int

    @property
    def offset(self) -> int:
        return (self.number - self.first) * self.size


def _between(low: int, high: int) -> Callable[[Any], int]:
    def read(text: Any) -> int:
        if isinstance(text, int):
            return text
        try:
            value = int(str(text).strip())
        except ValueError:
            raise refuse(f"must be an integer, got {text!r}") from None
        if not low <= value <= high:
            raise refuse(f"must be between {low} and {high}, got {value}")
        return value

    return read


def _boolean(text: Any) -> bool:
    if isinstance(text, bool):
        return text
    lowered = str(text).strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise refuse(f"must be true or false, got {text!r}")


def _at_most(limit: int) -> Callable[[Any], str]:
    def read(text: Any) -> str:
        if len(text) > limit:
            raise refuse(f"is longer than {limit} characters")
        if "\x00" in text:
            raise refuse("must not contain a NUL character (\\u0000)")
        return str(text)

    return read


def _sort_field(text: Any) -> str:
    if text not in wire.SORT_FIELDS:
        raise refuse(f"must be one of {', '.join(wire.SORT_FIELDS)}, got {text!r}")
    return str(text)


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[Any], str]:
    def read(text: Any) -> str:
        if not pattern.fullmatch(text):
            raise refuse(f"{text!r} is {what}")
        return str(text)

    return read


def _custom_attribute_key(text: Any) -> str:
    problem = key_problem(text)
    if problem is not None:
        raise refuse(problem)
    return str(text)


PageSize = Annotated[
    int,
    BeforeValidator(_between(1, wire.PAGE_SIZE_MAX)),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": wire.PAGE_SIZE_MAX}),
    Query(alias="page[size]", description="Items per page (at most 100)"),
]
PageFrom1 = Annotated[
    int,
    BeforeValidator(_between(1, PAGE_NUMBER_MAX)),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": PAGE_NUMBER_MAX}),
    Query(alias="page[number]", description="Page to return, counted from 1"),
]
PageFrom0 = Annotated[
    int,
    BeforeValidator(_between(0, PAGE_NUMBER_MAX)),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": PAGE_NUMBER_MAX}),
    Query(alias="page[number]", description="Page to return, counted from 0"),
]
SortAsc = Annotated[
    bool,
    BeforeValidator(_boolean),
    WithJsonSchema({"type": "boolean"}),
    Query(alias="sort[asc]", description="Ascending order"),
]
SortAscending = Annotated[
    bool,
    BeforeValidator(_boolean),
    WithJsonSchema({"type": "boolean"}),
    Query(alias="sort[ascending]", description="Oldest first (default) or newest first"),
]
_FILTER_SCHEMA = WithJsonSchema(
    {"type": "string", "maxLength": FILTER_MAX, "not": {"type": "string", "pattern": "\u0000"}}
)
CaseFilter = Annotated[
    str,
    BeforeValidator(_at_most(FILTER_MAX)),
    _FILTER_SCHEMA,
    Query(
        alias="filter",
        description='Query, e.g. status:open priority:(P1 OR P2) project:OPS "disk full". '
        "Archived cases are left out unless the query names `archived:`.",
    ),
]
UserFilter = Annotated[
    str,
    BeforeValidator(_at_most(FILTER_MAX)),
    _FILTER_SCHEMA,
    Query(alias="filter", description="Only users whose name, handle or e-mail contains this text"),
]
SortField = Annotated[
    str,
    BeforeValidator(_sort_field),
    WithJsonSchema({"type": "string", "enum": list(wire.SORT_FIELDS)}),
    Query(alias="sort[field]", description="Field to sort by"),
]
CaseId = Annotated[
    str,
    BeforeValidator(_matching(CASE_ID, "neither a case UUID nor a case key like OPS-12")),
    WithJsonSchema({"type": "string", "pattern": f"^({CASE_ID.pattern})$"}),
    Path(description="The case's UUID or its key (e.g. OPS-12)"),
]
ProjectId = Annotated[
    str,
    BeforeValidator(_matching(PROJECT_ID, "neither a project UUID nor a project key")),
    WithJsonSchema({"type": "string", "pattern": f"^({PROJECT_ID.pattern})$"}),
    Path(description="The project's UUID or its key"),
]
CustomAttributeKey = Annotated[
    str,
    BeforeValidator(_custom_attribute_key),
    WithJsonSchema(KEY_SCHEMA),
    Path(description="The custom attribute's key (e.g. aws_region)"),
]
